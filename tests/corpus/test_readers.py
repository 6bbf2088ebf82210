"""Readers: every supported format goes in, every bad file is named with a reason and
skipped, and nothing stops the rest of the batch."""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
import shutil
from pathlib import Path

import pytest

import corpus.stream
from corpus import ArticleStream
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


# --- gzip archives and streaming -------------------------------------------------------


def _jsonl(n: int, start: int = 0, noise: int = 0) -> bytes:
    """``n`` JSONL articles, each with ``noise`` hex characters that compress badly."""
    lines = [
        json.dumps({"id": f"b{i}", "title": f"Tin {i}", "text": f"Bài số {i}. {_noise(noise, i)}"})
        for i in range(start, start + n)
    ]
    return ("\n".join(lines) + "\n").encode()


def _noise(n: int, seed: int) -> str:
    return random.Random(seed).randbytes(n // 2).hex()


def _unpathed(articles) -> list:
    return [dataclasses.replace(a, path=None) for a in articles]


def test_gzip_archive_reads_like_the_plain_file(tmp_path):
    data = _jsonl(5) + b"\n{broken\n"
    plain = _write(tmp_path / "news.jsonl", data)
    packed = _write(tmp_path / "news.jsonl.GZ", gzip.compress(data))
    a, b = read_paths([plain]), read_paths([packed])
    assert len(a.articles) == 5 and _unpathed(a.articles) == _unpathed(b.articles)
    assert b.articles[0].path == f"{packed}:1"
    assert [e.path for e in b.errors] == [f"{packed}:7"] and "invalid JSON" in b.errors[0].reason
    assert [
        x.id for x in read_file(_write(tmp_path / "ok.jsonl.gz", gzip.compress(_jsonl(2))))
    ] == [
        "b0",
        "b1",
    ]


def test_truncated_archive_keeps_the_articles_before_the_damage(tmp_path):
    whole = gzip.compress(_jsonl(400, noise=300))
    path = _write(tmp_path / "cut.jsonl.gz", whole[: len(whole) // 2])
    report = read_paths([path])
    kept = len(report.articles)
    assert 100 < kept < 400 and [a.id for a in report.articles] == [f"b{i}" for i in range(kept)]
    (error,) = report.errors
    assert error.path == str(path)
    assert error.reason == (
        f"the archive is truncated after {kept} lines: re-download or re-compress it"
    )
    with pytest.raises(ReadFailure, match="truncated"):
        read_file(path)


def test_plain_text_named_gz_is_not_a_gzip_file(tmp_path):
    path = _write(tmp_path / "mislabeled.jsonl.gz", _jsonl(2))
    report = read_paths([path])
    assert report.articles == ()
    assert [e.path for e in report.errors] == [str(path)]
    assert report.errors[0].reason.startswith("not a gzip file")
    assert "name it .jsonl" in report.errors[0].reason


def test_corrupt_and_empty_archives_are_named(tmp_path):
    whole = bytearray(gzip.compress(_jsonl(3)))
    whole[-8] ^= 0xFF  # the CRC in the trailer: all lines read, then the check fails
    crc = _write(tmp_path / "crc.jsonl.gz", bytes(whole))
    empty = _write(tmp_path / "empty.jsonl.gz", gzip.compress(b" \n\n"))
    report = read_paths([crc, empty])
    assert len(report.articles) == 3
    assert _reasons(report)["crc.jsonl.gz"].startswith("the archive is corrupt (CRC check")
    assert _reasons(report)["empty.jsonl.gz"] == "file is empty"


def test_duplicate_ids_across_a_jsonl_and_an_archive(tmp_path):
    _write(tmp_path / "a.jsonl", _jsonl(3))
    packed = _write(tmp_path / "b.jsonl.gz", gzip.compress(_jsonl(3, start=2)))
    _write(tmp_path / "c.txt.gz", gzip.compress(GOOD_PAGE.encode()))  # not a type folders take
    report = read_paths([tmp_path])
    assert [a.id for a in report.articles] == ["b0", "b1", "b2", "b3", "b4"]
    assert [e.path for e in report.errors] == [f"{packed}:1"]
    assert "duplicate id 'b2', first read from" in report.errors[0].reason
    named = read_paths([tmp_path / "c.txt.gz"]).errors[0].reason
    assert named.startswith("unsupported file type '.txt.gz'")


def test_encoding_damage_condemns_a_line_or_the_file(tmp_path):
    legacy = json.dumps({"id": "x", "text": "Hà Nam"}, ensure_ascii=False).encode("cp1258")
    later = _write(tmp_path / "later.jsonl.gz", gzip.compress(_jsonl(1) + legacy + b"\n"))
    first = _write(tmp_path / "first.jsonl", legacy + b"\n" + _jsonl(1))
    report = read_paths([later, first])
    assert [a.id for a in report.articles] == ["b0"]
    assert [e.path for e in report.errors] == [f"{later}:2", str(first)]
    assert all("not valid UTF-8" in e.reason for e in report.errors)


def test_an_overlong_line_is_skipped_and_the_next_one_read(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus.stream, "MAX_LINE_BYTES", 1000)
    data = _jsonl(1) + _jsonl(1, start=1, noise=5000) + _jsonl(1, start=2)
    report = read_paths([_write(tmp_path / "long.jsonl.gz", gzip.compress(data))])
    assert [a.id for a in report.articles] == ["b0", "b2"]
    assert [e.path.rsplit(":", 1)[1] for e in report.errors] == ["2"]
    assert report.errors[0].reason.startswith("line is over")


def test_stream_progress_grows_to_the_total(tmp_path):
    paths = [
        _write(tmp_path / "a.jsonl.gz", gzip.compress(_jsonl(300, noise=400))),
        _write(tmp_path / "b.txt", GOOD_PAGE),
        _write(tmp_path / "c.jsonl", _jsonl(50, start=300)),
    ]
    stream = ArticleStream(tmp_path)
    assert stream.bytes_total == sum(p.stat().st_size for p in paths)
    assert stream.bytes_done == 0
    seen = [stream.bytes_done for _ in stream]
    assert len(seen) == stream.articles_read == 351
    assert seen == sorted(seen) and len(set(seen)) > 3  # grows, in steps, never back
    assert seen[-1] <= stream.bytes_total == stream.bytes_done
    assert stream.errors == []
    with pytest.raises(RuntimeError, match="read once"):
        next(iter(stream))


def test_batches_hold_at_most_size_articles(tmp_path):
    path = _write(tmp_path / "seven.jsonl.gz", gzip.compress(_jsonl(7)))
    stream = ArticleStream(path)
    assert [len(b) for b in stream.batches(3)] == [3, 3, 1]
    assert stream.articles_read == 7
    with pytest.raises(ValueError, match="at least 1"):
        next(ArticleStream(path).batches(0))


def test_the_first_article_of_a_big_archive_comes_without_reading_it_all(tmp_path):
    path = _write(tmp_path / "big.jsonl.gz", gzip.compress(_jsonl(2000, noise=4000)))
    stream = ArticleStream([path])
    assert stream.bytes_total > 3 * 2**20
    first = next(iter(stream))
    assert first.id == "b0" and stream.articles_read == 1
    assert 0 < stream.bytes_done < stream.bytes_total // 10


def test_read_paths_and_the_stream_agree(tmp_path):
    folder = tmp_path / "mixed"
    _write(folder / "a.txt", GOOD_PAGE)
    _write(folder / "b.jsonl.gz", gzip.compress(_jsonl(2) + b"{oops\n"))
    _write(folder / "c.jsonl", _jsonl(2))  # both ids already read
    paths = [folder, tmp_path / "missing.jsonl"]
    report, stream = read_paths(paths), ArticleStream(paths)
    assert tuple(stream) == report.articles and tuple(stream.errors) == report.errors
    assert [Path(e.path).name for e in report.errors] == [
        "b.jsonl.gz:3",
        "c.jsonl:1",
        "c.jsonl:2",
        "missing.jsonl",
    ]
