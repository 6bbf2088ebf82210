"""Page cleaning and metadata: the five seeds against hand-curated paragraphs, and
structural properties on generated pages from outlets the cleaner has never seen."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

import pytest

from corpus import clean
from corpus.clean import clean_page, is_sentence, lead_title
from corpus.meta import (
    detect_outlet,
    extract_author,
    extract_date,
    is_date_line,
    looks_like_name,
    parse_date,
)
from corpus.normalize import normalize_text

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "corpus" / "data" / "seeds"
EXPECTED = json.loads((ROOT / "tests" / "data" / "seed_paragraphs.json").read_text("utf-8"))
SEED_IDS = sorted(EXPECTED)

TITLES = {
    "000_7de53399bb164004": (
        "Tăng cường đối ngoại, tạo nền tảng phát triển bền vững bước vào năm 2026"
    ),
    "001_7904d5da10fffaac": "Hà Nội và Viêng Chăn tiếp tục hợp tác chặt chẽ, bền vững",
    "002_9d4bb506aa5ff774": "Hà Nội tăng cường hợp tác với Thành phố Quảng Châu (Trung Quốc)",
    "003_9ba7ec88abe9756b": (
        "Hà Nội - Phnom Penh nhất trí định hướng hợp tác song phương mới hiệu quả"
    ),
    "004_77504261a22b19dc": "",  # the page starts with its lead: there is no title to find
}
DATES = {
    "000_7de53399bb164004": "2025-12-25",
    "001_7904d5da10fffaac": "2025-12-02",
    "002_9d4bb506aa5ff774": None,
    "003_9ba7ec88abe9756b": None,  # only "(24/6/1967 - 24/6/2022)", an anniversary range
    "004_77504261a22b19dc": "2025-12-03",
}
BYLINES = {"000_7de53399bb164004": "Phan Minh", "001_7904d5da10fffaac": "Mạnh Quân"}
MARKERS = [
    "Tin bài liên quan",
    "Các tin bài khác",
    "Tin khác",
    "Có thể bạn quan tâm",
    "Nên xem",
    "Đọc nhiều",
    "Xem thêm",
    "Multimedia",
    "Bờ cõi biển đảo",
]
EVERYWHERE = [
    "[Video]",
    "[VIDEO]",
    "[Infographic]",
    "infographic",
    "Phiên bản di động",
    "Xin chờ",
    "http",
    "![",
    "|",
    "Trang chủ",
    "GMT+7",
    "Nguồn:",
    "Miền đất - Con người",
    "date 2025",
]
# Teaser titles, captions and bylines read off each seed's related blocks and photos.
BOILERPLATE = {
    "000_7de53399bb164004": [
        "Sáng 19/12: Hà Nội đồng loạt khởi công 7 dự án lớn",
        "Khởi công đầu tư xây dựng 2 tuyến đường theo phương thức đối tác công tư",
        "Hà Nội thống nhất chủ trương đầu tư dự án chiến lược phía Nam",
        "Bộ trưởng Ngoại giao Lê Hoài Trung tiếp Đại sứ Nepal",
        "Hà Nội miễn phí tham quan 17 di tích",
        "Công ước Hà Nội - Bước tiến đối ngoại đa phương mới",
        "Bà Nguyễn Thị Bình: Một trí tuệ dệt nên huyền thoại",
        "Tàu 016-Quang Trung vượt qua đường xích đạo",
        "dan la goc thuoc do cao nhat",
        "39 suất học bổng toàn phần tại New Zealand",
        "Trailer lễ hội Văn hóa Thế giới",
        "(Ảnh: T.L)",
        "Phan Minh",
    ],
    "001_7904d5da10fffaac": [
        "Lãnh đạo Ủy ban MTTQ Việt Nam Thành phố thăm, chúc mừng Họ đạo Cao Đài",
        "26 chỉ tiêu chủ yếu phát triển kinh tế",
        "Tăng cường tuyên truyền kiến thức pháp luật và kỹ năng lái xe",
        'bị Camera AI "phạt nguội"',
        "Tây Hồ: Quyết liệt xử lý vi phạm",
        "Suối Hai sắp diễn ra Chợ hoa Xuân",
        "Các đại biểu chụp ảnh lưu niệm.",
        "Lễ trao Huân chương Phát triển hạng 2 dành cho thành phố Hà Nội.",
        "Mạnh Quân",
    ],
    "002_9d4bb506aa5ff774": [
        "Festival Thăng Long - Hà Nội",
        "Phường Bạch Mai trao Huy hiệu Đảng",
        "Tin quốc tế: Ukraine cáo buộc Nga",
        "Chi đội Kiểm ngư số 4",
        "Quan hệ hữu nghị truyền thống Việt Nam-Triều Tiên",
        'MV "Bắc Bling"',
        "Các đại biểu tham dự buổi làm việc chụp ảnh lưu niệm.",
    ],
    "003_9ba7ec88abe9756b": [
        "Hà Nội chủ động ứng phó mưa lớn sau bão số 11",
        "Hà Nội Metro mở rộng thử nghiệm",
        "Nguyễn Như Huy đối thoại với bản thân",
        "Vui Tết Trung thu",
        "Số doanh nghiệp thành lập mới",
        "tacnghiep.thoidai.com.vn",
        "Mặt trận Tổ quốc hướng dẫn cách hỗ trợ",
        "Đoàn đại biểu cấp cao Thủ đô Hà Nội hội đàm với lãnh đạo Đô thành Phnom Penh.",
        "Thủ tướng Vương quốc Campuchia Samdech Hun Sen.",
    ],
    "004_77504261a22b19dc": [],
}


def _raw(seed_id: str) -> str:
    return (SEEDS / f"{seed_id}.txt").read_text(encoding="utf-8")


def _norm(items) -> list[str]:
    return [normalize_text(p) for p in items]


def test_fixture_covers_every_seed():
    assert sorted(p.stem for p in SEEDS.glob("*.txt")) == SEED_IDS


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_every_body_paragraph_is_kept(seed_id):
    got = set(_norm(clean_page(_raw(seed_id)).paragraphs))
    missing = [p[:60] for p in _norm(EXPECTED[seed_id]) if p not in got]
    assert not missing, f"{seed_id}: body paragraphs lost: {missing}"


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_nothing_but_the_body_is_kept_in_order(seed_id):
    assert _norm(clean_page(_raw(seed_id)).paragraphs) == _norm(EXPECTED[seed_id])


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_no_boilerplate_left(seed_id):
    page = clean_page(_raw(seed_id))
    text = "\n".join(page.paragraphs)
    folded = {p.casefold() for p in page.paragraphs}
    assert not [m for m in MARKERS if m.casefold() in folded]
    leaked = [s for s in EVERYWHERE + BOILERPLATE[seed_id] if s.casefold() in text.casefold()]
    assert not leaked, f"{seed_id}: boilerplate kept: {leaked}"
    if page.title:
        assert page.title not in page.paragraphs  # the title repeated over photos is dropped


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_title_date_byline(seed_id):
    raw = _raw(seed_id)
    page = clean_page(raw)
    assert page.title == TITLES[seed_id]
    assert extract_date(raw) == DATES[seed_id]
    assert page.byline == BYLINES.get(seed_id)


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_output_is_made_of_input_lines(seed_id):
    raw = normalize_text(_raw(seed_id))
    lines = {re.sub(r"^date \S+ ", "", ln.strip()) for ln in raw.splitlines()}
    page = clean_page(raw)
    assert all(p in lines for p in page.paragraphs)  # never invents or merges text
    assert all(a != b for a, b in zip(page.paragraphs, page.paragraphs[1:], strict=False))


def test_outlet_of_seeds():
    assert detect_outlet(_raw("003_9ba7ec88abe9756b")) == "thoidai.com.vn"  # image links
    assert detect_outlet(_raw("000_7de53399bb164004")) is None


# --- a page from an outlet the cleaner has never seen -----------------------------------

UNSEEN = """Thời sự › Giao thông
Đà Nẵng khánh thành cầu vượt nút giao Hòa Cầm
Thứ Năm, 18/12/2025 - 09:30 (GMT+7)

Sáng 18/12, UBND thành phố Đà Nẵng tổ chức lễ khánh thành cầu vượt nút giao Hòa Cầm.
Đà Nẵng thông xe hầm chui Điện Biên Phủ
Đà Nẵng đề xuất mở rộng đường Nguyễn Tất Thành

Công trình có tổng vốn đầu tư hơn 500 tỷ đồng, giúp giảm ùn tắc ở cửa ngõ phía tây.

Kỳ vọng giảm ùn tắc giờ cao điểm

Theo Sở Xây dựng, lưu lượng xe qua nút giao đã tăng gấp đôi trong 5 năm qua.
Lãnh đạo thành phố cắt băng khánh thành công trình. (Ảnh: Hữu Phúc)

Người dân trong khu vực vui mừng khi công trình về đích trước thời hạn.

Trần Hữu Phúc

Bài viết cùng chuyên mục

Hội An đón lượng khách kỷ lục dịp cuối năm
Lượng khách quốc tế đến Hội An trong tháng 12 tăng 30% so với cùng kỳ.
Quảng Nam khởi công cao tốc nối Tây Nguyên
Dự án dài 140 km, dự kiến hoàn thành năm 2028.
Huế tổ chức lễ hội ánh sáng bên sông Hương
Giá vàng hôm nay tăng mạnh
"""
UNSEEN_BODY = [
    "Sáng 18/12, UBND thành phố Đà Nẵng tổ chức lễ khánh thành cầu vượt nút giao Hòa Cầm.",
    "Công trình có tổng vốn đầu tư hơn 500 tỷ đồng, giúp giảm ùn tắc ở cửa ngõ phía tây.",
    "Kỳ vọng giảm ùn tắc giờ cao điểm",
    "Theo Sở Xây dựng, lưu lượng xe qua nút giao đã tăng gấp đôi trong 5 năm qua.",
    "Người dân trong khu vực vui mừng khi công trình về đích trước thời hạn.",
]


def test_unseen_related_block_is_dropped_by_structure():
    assert "bài viết cùng chuyên mục" not in clean._MARKERS  # structure alone must find it
    page = clean_page(UNSEEN)
    assert page.title == "Đà Nẵng khánh thành cầu vượt nút giao Hòa Cầm"
    assert list(page.paragraphs) == UNSEEN_BODY
    assert page.byline == "Trần Hữu Phúc"
    assert extract_date(UNSEEN) == "2025-12-18"


def test_question_title_and_upper_case_byline():
    raw = (
        "TUỔI TRẺ ONLINE\nVì sao Hà Nội phải cấm xe máy xăng?\n25/12/2025 08:00 GMT+7\n"
        "Quyết định cấm xe máy xăng trong vành đai 1 gây nhiều tranh luận.\n"
        "Chuyên gia cho rằng đây là bước đi cần thiết.\nNGỌC AN\nChủ đề: Giao thông Hà Nội\n"
        "Đọc tiếp\nHà Nội đề xuất thu phí vào nội đô\nÔ tô vào phố cổ phải đăng ký trước?\n"
    )
    page = clean_page(raw)
    assert page.title == "Vì sao Hà Nội phải cấm xe máy xăng?"
    assert page.paragraphs == (
        "Quyết định cấm xe máy xăng trong vành đai 1 gây nhiều tranh luận.",
        "Chuyên gia cho rằng đây là bước đi cần thiết.",
    )
    assert page.byline == "NGỌC AN"


def test_link_lists_and_bare_urls_are_dropped():
    raw = (
        "Tiêu đề bài viết thử nghiệm\n\nĐoạn mở đầu của bài.\n\n- [Tin một](https://x.vn/1)\n"
        "* [Tin hai](/tin-hai.html)\nhttps://x.vn/3\n\n- Gạch đầu dòng của bài\n\nĐoạn kết bài.\n"
    )
    assert clean_page(raw).paragraphs == (
        "Đoạn mở đầu của bài.",
        "- Gạch đầu dòng của bài",  # a list item of the body stays
        "Đoạn kết bài.",
    )


def test_inline_related_box_mid_article_keeps_the_rest_of_the_body():
    raw = (
        "Tiêu đề bài viết thử nghiệm\n\nĐoạn mở đầu của bài.\n\nTin liên quan\n"
        "Một bài khác hoàn toàn\nMột bài khác nữa\n\nĐoạn thân bài tiếp tục.\n\nĐoạn kết bài.\n"
    )
    assert clean_page(raw).paragraphs == (
        "Đoạn mở đầu của bài.",
        "Đoạn thân bài tiếp tục.",
        "Đoạn kết bài.",
    )


# --- properties on generated pages --------------------------------------------------------

_WORDS = (
    "hà nội thành phố phát triển kinh tế người dân công trình đầu tư hợp tác giáo dục y tế "
    "giao thông đô thị văn hóa năm mới chính quyền địa phương dự án nhà máy bền vững xanh "
    "tăng trưởng doanh nghiệp lao động nông thôn khoa học công nghệ an toàn thực phẩm du lịch"
).split()
_UNSEEN_HEADINGS = ["Bài viết cùng chuyên mục", "Đừng bỏ lỡ", "Tin cùng sự kiện", "Bài đọc thêm"]


def _phrase(rng: random.Random, lo: int, hi: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(lo, hi)))
    return text[0].upper() + text[1:]


def _article(rng: random.Random) -> tuple[str, list[str]]:
    body = [_phrase(rng, 8, 40) + "."]
    for _ in range(rng.randint(1, 8)):
        if body and is_sentence(body[-1]) and rng.random() < 0.3:
            body.append(_phrase(rng, 3, 8))  # a subheading, never two in a row
        body.append(_phrase(rng, 8, 40) + rng.choice([".", "!", "…", ".”"]))
    return _phrase(rng, 6, 14), body


def _teaser_tail(rng: random.Random) -> list[str]:
    tail = [rng.choice(_UNSEEN_HEADINGS)]
    for _ in range(rng.randint(2, 6)):
        tail.append(_phrase(rng, 5, 15))
        if rng.random() < 0.6:
            tail.append(_phrase(rng, 10, 30) + ".")
    return tail


@pytest.mark.parametrize("seed", range(40))
def test_clean_article_passes_through_unchanged(seed):
    rng = random.Random(seed)
    title, body = _article(rng)
    sep = rng.choice(["\n", "\n\n"])
    page = clean_page(sep.join([title, *body]))
    assert (page.title, list(page.paragraphs)) == (title, body)


@pytest.mark.parametrize("seed", range(40))
def test_any_teaser_tail_is_cut(seed):
    rng = random.Random(1000 + seed)
    title, body = _article(rng)
    sep = rng.choice(["\n", "\n\n"])
    page = clean_page(sep.join([title, *body, *_teaser_tail(rng)]))
    assert list(page.paragraphs) == body


@pytest.mark.parametrize("seed", range(20))
def test_garbage_never_crashes(seed):
    rng = random.Random(seed)
    alphabet = "aăâ đêô|![]()\n\n:.?…-–0123456789 ẠỆ\u200b\u00a0\tXYZ/"
    raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
    page = clean_page(raw)
    assert all(p == p.strip() and p for p in page.paragraphs)
    date = extract_date(raw)
    assert date is None or dt.date.fromisoformat(date)


def test_empty_page():
    assert clean_page("") == clean.CleanPage(title="", paragraphs=())


# --- metadata -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tiêu đề\n11:06 | 25/12/2025 GMT+7\nNội dung.", "2025-12-25"),
        (" date 2025-12-03 Lãnh đạo hai Thủ đô nhất trí...", "2025-12-03"),
        ("Thứ Năm, 18/12/2025 - 09:30 (GMT+7)\nTiêu đề", "2025-12-18"),
        ("Tiêu đề\nChiều ngày 2/12/2025, đồng chí A đã hội đàm.", "2025-12-02"),
        ("Tiêu đề\nNgày 2 tháng 12 năm 2025, hội nghị diễn ra.", "2025-12-02"),
        ("Tiêu đề\nTối 5/11/2025, đoàn đến Viêng Chăn.", "2025-11-05"),
        ("Kỷ niệm 55 năm quan hệ ngoại giao (24/6/1967 - 24/6/2022).", None),
        ("Kỷ niệm từ ngày 24/6/1967 - 24/6/2022 đến nay.", None),
        ("Tiêu đề\nNgày 31/2/2025, một ngày không có thật.", None),
        ("Tiêu đề\n" + "Đoạn văn dài. " * 200 + "\nNgày 2/12/2025, tin khác.", None),
        ("Tiêu đề\nSáng 19/12: Hà Nội khởi công 7 dự án", None),
    ],
)
def test_extract_date(raw, expected):
    assert extract_date(raw) == expected


def test_date_line_is_only_a_timestamp():
    assert is_date_line("11:06 | 25/12/2025 GMT+7")
    assert is_date_line("Thứ Hai, 01/12/2025 08:00")
    assert not is_date_line("Ngày 2/12/2025, ông A đến thăm.")
    assert not is_date_line("Cập nhật danh sách xe vi phạm ngày 06/01/2026")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-03", "2025-12-03"),
        ("2025-12-03T08:30:00+07:00", "2025-12-03"),
        ("25/12/2025", "2025-12-25"),
        ("2025-13-01", None),
        ("", None),
        ("tuần trước", None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Đoạn cuối.", "Phan Minh"], "Phan Minh"),
        (["Đoạn cuối.", "Mạnh Quân", "Nguồn:"], "Mạnh Quân"),
        (["Đoạn cuối.", "Nguyễn Thị Thu Hà (tổng hợp)"], "Nguyễn Thị Thu Hà"),
        (["Đoạn cuối.", "Kết quả bước đầu"], None),  # lowercase words: a heading
        (["Đoạn cuối.", "Hà Nội Mùa Thu Lá Vàng Rơi"], None),  # too many words
        (["Phan Minh"], None),  # alone, it is not a byline of anything
        ([], None),
    ],
)
def test_extract_author(lines, expected):
    assert extract_author(lines) == expected


def test_looks_like_name_rejects_digits_and_punctuation():
    assert looks_like_name("T.L Minh") and looks_like_name("N. Anh Tú")
    assert not looks_like_name("Phan Minh.")
    assert not looks_like_name("Tàu 016 Quang")


@pytest.mark.parametrize(
    ("raw", "url", "expected"),
    [
        ("", "https://www.thoidai.com.vn/bai-viet-1.html", "thoidai.com.vn"),
        ("", "http://m.vnexpress.net:8080/a", "vnexpress.net"),
        ("", "https://news.bbc.co.uk/x", "bbc.co.uk"),
        ("![x](https://tacnghiep.thoidai.com.vn/a.jpg)\n![y](https://cdn.other.vn/b.jpg)\n"
         "![[Video] z](https://img.thoidai.com.vn/c.jpg)", None, "thoidai.com.vn"),
        ("Theo phóng viên TTXVN tại Viêng Chăn, ...", None, "TTXVN"),
        ("Một bài không rõ nguồn.", None, None),
    ],
)  # fmt: skip
def test_detect_outlet(raw, url, expected):
    assert detect_outlet(raw, url) == expected


def test_lead_title_is_a_short_prefix_of_the_lead():
    lead = normalize_text(EXPECTED["004_77504261a22b19dc"][0])
    title = lead_title(lead)
    assert lead.startswith(title) and 6 <= len(title.split()) <= 24
    assert lead_title("Ngắn.") == "Ngắn"
    assert lead_title("Dòng đầu không có dấu chấm\n\nĐoạn sau.") == "Dòng đầu không có dấu chấm"


def test_no_chunk_of_the_bundled_corpus_holds_boilerplate():
    from corpus.chunk import chunk_article
    from corpus.readers import read_paths

    report = read_paths([SEEDS])
    assert not report.errors and len(report.articles) == 5
    for article in report.articles:
        for chunk in chunk_article(article):
            for needle in MARKERS + EVERYWHERE + BOILERPLATE[article.id]:
                assert normalize_text(needle) not in chunk.text, (chunk.chunk_id, needle)
