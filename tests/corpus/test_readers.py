"""Readers: every supported format goes in, every bad file is named with a reason and
skipped, and nothing stops the rest of the batch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.normalize import normalize_text
from corpus.readers import MAX_BYTES, ReadFailure, read_file, read_paths

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "corpus" / "data" / "seeds"
HTML = ROOT / "tests" / "data" / "readers" / "article.html"
EXPECTED = json.loads((ROOT / "tests" / "data" / "seed_paragraphs.json").read_text("utf-8"))
GOOD_PAGE = "Tiêu đề bài thử\n\nĐoạn mở đầu của bài viết.\n\nĐoạn thứ hai của bài viết.\n"


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _reasons(report) -> dict[str, str]:
    return {Path(e.path).name: e.reason for e in report.errors}


def test_seed_folder_gives_five_articles_with_stem_ids():
    report = read_paths([SEEDS])
    assert report.errors == ()
    assert [a.id for a in report.articles] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    for article in report.articles:
        paragraphs = [normalize_text(p) for p in EXPECTED[article.id]]
        assert article.text == "\n\n".join(paragraphs)
        assert normalize_text(article.title) == article.title and article.title
        assert article.path and Path(article.path).stem == article.id
    by_id = {a.id: a for a in report.articles}
    assert by_id["000_7de53399bb164004"].date == "2025-12-25"
    assert by_id["000_7de53399bb164004"].author == "Phan Minh"
    assert by_id["003_9ba7ec88abe9756b"].source == "thoidai.com.vn"
    # a page without a title gets its lead's first clause, not an empty string
    assert by_id["004_77504261a22b19dc"].text.startswith(by_id["004_77504261a22b19dc"].title)


def test_a_lone_path_string_is_not_split_into_characters():
    assert len(read_paths(str(SEEDS)).articles) == 5


def test_jsonl_good_and_malformed_lines(tmp_path):
    good = {"id": "g1", "title": "Tin một", "date": "25/12/2025", "url": None, "text": "Nội dung."}
    lines = [
        json.dumps(good, ensure_ascii=False),
        "",
        "{not json",
        '["a list"]',
        '{"id": "no-text"}',
        '{"text": "Không có id."}',
        '{"id": "blank", "text": "   "}',
        '{"id": "g2", "date": "2025-12-03T08:00:00+07:00", "url": "https://www.vidu.vn/a",'
        ' "text": "Bài hai.\\n\\nĐoạn hai.\\u2028vẫn đoạn hai."}',
        '{"id": 7, "title": "Số", "date": "hôm qua", "text": "Id là số."}',
        '{"id": "bad-title", "title": ["x"], "text": "Có chữ."}',
    ]
    path = _write(tmp_path / "batch.jsonl", "\n".join(lines) + "\n")
    report = read_paths([path])
    by_id = {a.id: a for a in report.articles}
    assert list(by_id) == ["g1", "g2", "7"]
    assert by_id["g1"].date == "2025-12-25" and by_id["g1"].title == "Tin một"
    assert by_id["g2"].date == "2025-12-03" and by_id["g2"].source == "vidu.vn"
    assert by_id["g2"].title == "Bài hai" and "\u2028vẫn" in by_id["g2"].text
    assert by_id["7"].date is None
    assert by_id["g1"].path == f"{path}:1"
    bad_lines = [e.path for e in report.errors]
    assert bad_lines == [f"{path}:{n}" for n in (3, 4, 5, 6, 7, 10)]
    assert "invalid JSON" in report.errors[0].reason
    assert "'text'" in report.errors[2].reason and "'id'" in report.errors[3].reason
    with pytest.raises(ReadFailure, match=r"batch\.jsonl:3"):
        read_file(path)  # the strict form refuses a file with any bad line


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("picture.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("controls.txt", bytes(range(1, 9)) * 50 + b"\xff", "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.html", b"  \n\t\n", "empty"),
        ("legacy.txt", "Hà Nam mưa to.\n".encode("cp1258"), "not valid UTF-8"),
        ("wide.txt", "Hà Nội.".encode("utf-16"), "UTF-16"),
        ("mojibake.txt", ("Hà Nội đổi mới. " * 5).encode().decode("cp1252").encode(), "double"),
        ("menu.txt", "Tin bài liên quan\nTin một\nTin hai\n", "no article text"),
        ("notes.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
    ],
)
def test_bad_file_is_named_with_a_reason(tmp_path, name, content, reason):
    path = _write(tmp_path / name, content)
    report = read_paths([path])
    assert report.articles == ()
    assert [e.path for e in report.errors] == [str(path)]
    assert reason in report.errors[0].reason
    with pytest.raises(ReadFailure, match=name.replace(".", r"\.")):
        read_file(path)


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: costs no disk and would be slow to read
    assert "20 MB limit" in read_paths([path]).errors[0].reason


def test_missing_path_and_special_files_are_reported(tmp_path):
    report = read_paths([tmp_path / "nowhere", "/dev/null"])
    assert [e.reason for e in report.errors] == [
        "no such file or directory",
        "not a regular file or folder",  # a device or pipe could block or never end
    ]


def test_utf8_bom_is_accepted(tmp_path):
    path = _write(tmp_path / "bom.txt", "\ufeff" + GOOD_PAGE)
    (article,) = read_file(path)
    assert article.title == "Tiêu đề bài thử"


def test_html_page_gives_its_main_text():
    (article,) = read_file(HTML)
    assert article.id == "article"
    assert article.title == "Hà Nội mở thêm tuyến xe buýt điện nối sân bay Nội Bài"
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 3 and paragraphs[0].startswith("Sáng 20/11, Sở Xây dựng")
    for boilerplate in ("Trang chủ", "Tin liên quan", "Giá vé tàu điện", "Bản quyền"):
        assert boilerplate not in article.text
    assert article.title not in article.text  # the <h1> is the title, not body
    assert (article.date, article.author) == ("2025-11-20", "Lê Thu Hà")
    assert article.source == "vidu-baomoi.vn" and article.url.endswith("xe-buyt-dien.html")


def test_one_bad_file_does_not_stop_the_batch(tmp_path):
    folder = tmp_path / "batch"
    _write(folder / "a_good.txt", GOOD_PAGE)
    _write(folder / "b_binary.txt", b"\x00\x01\x02garbage")
    _write(folder / "c_empty.html", b"")
    _write(folder / "d_lines.jsonl", '{"id": "j1", "text": "Một."}\n{oops\n')
    shutil.copy(HTML, folder / "e_page.htm")
    _write(folder / "f_bad_utf8.txt", b"Ha\xe0 N\xf4i.")
    report = read_paths([folder])
    assert [a.id for a in report.articles] == ["a_good", "j1", "e_page"]
    assert set(_reasons(report)) == {
        "b_binary.txt",
        "c_empty.html",
        "d_lines.jsonl:2",
        "f_bad_utf8.txt",
    }


def test_folders_recurse_in_sorted_order_and_skip_other_files(tmp_path):
    _write(tmp_path / "b" / "z.txt", GOOD_PAGE)
    _write(tmp_path / "a.txt", GOOD_PAGE)
    _write(tmp_path / "b" / "c" / "y.txt", GOOD_PAGE)
    _write(tmp_path / "readme.md", "# not an article")
    _write(tmp_path / "image.png", b"\x89PNG\x00")
    _write(tmp_path / ".cache" / "x.txt", GOOD_PAGE)
    report = read_paths([tmp_path])
    assert report.errors == ()
    assert [a.id for a in report.articles] == ["a", "y", "z"]


def test_duplicate_ids_keep_the_first_and_report_the_second(tmp_path):
    first = _write(tmp_path / "one" / "same.txt", GOOD_PAGE)
    second = _write(tmp_path / "two" / "same.txt", GOOD_PAGE)
    lines = _write(tmp_path / "more.jsonl", '{"id": "same", "text": "Khác."}\n')
    report = read_paths([tmp_path / "one", tmp_path / "two", lines])
    assert [a.path for a in report.articles] == [str(first)]
    assert [e.path for e in report.errors] == [str(second), f"{lines}:1"]
    assert all("duplicate id 'same'" in e.reason for e in report.errors)


def test_read_paths_never_raises_on_a_mixed_batch(tmp_path):
    paths = [_write(tmp_path / "x.doc", "?"), SEEDS, tmp_path / "missing.txt", HTML]
    report = read_paths(paths)
    assert len(report.articles) == 6
    assert [Path(e.path).name for e in report.errors] == ["x.doc", "missing.txt"]  # in order


def test_vietnamese_capitals_are_not_mistaken_for_mojibake(tmp_path):
    page = "NGÃ BA ĐỒNG LỘC\n\nĐoàn về NGÃ BA ĐỒNG LỘC, NGÃ TƯ SỞ, NGÃ NĂM GIA LONG hôm qua.\n"
    (article,) = read_file(_write(tmp_path / "upper.txt", page))
    assert article.title == "NGÃ BA ĐỒNG LỘC"
