"""An answer's clause must state the kind of fact asked for (qa.kinds)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.kinds import KINDS, clause, kinds, other_kind, other_year, planned_instead, wrong_kind

CITY = (
    "Năm 2025 GRDP ước tăng 8,5%, tổng thu ngân sách Nhà nước đạt khoảng 641,7 nghìn tỷ "
    "đồng, tăng 24,6%. Hà Lan đã đầu tư trực tiếp trên 1,3 tỷ USD vào Hà Nội. Tổng kim "
    "ngạch thương mại song phương Việt Nam - Lào đạt gần 8 tỷ USD. Trường được khởi công "
    "xây dựng từ đầu năm 1985."
)


@pytest.mark.parametrize(
    "question, answer, other",
    [
        ("Hà Nội thu hút được bao nhiêu vốn FDI?", "khoảng 641,7 nghìn tỷ đồng [1].", "budget"),
        ("Tổng vốn đầu tư của Việt Nam vào Lào là bao nhiêu?", "gần 8 tỷ USD [1].", "trade"),
        ("Trường được khánh thành vào năm nào?", "1985 [1]", "start"),
        ("Tổng thu ngân sách của Hà Nội năm 2025?", "641,7 nghìn tỷ đồng", None),
        ("Hà Lan đầu tư bao nhiêu vào Hà Nội?", "trên 1,3 tỷ USD [1]", None),
        ("Trường được khởi công năm nào?", "1985", None),
        ("Kim ngach thuong mai Viet Nam - Lao dat bao nhieu?", "gần 8 tỷ USD", None),
        ("Von dau tu cua Viet Nam vao Lao la bao nhieu?", "gần 8 tỷ USD", "trade"),
        ("GRDP tăng bao nhiêu?", "8,5%", None),  # a clause of the kind asked
        ("Ai đầu tư vào Hà Nội?", "Hà Lan", None),  # names stand in many clauses
        ("Năm 2025 có gì?", "641,7 nghìn tỷ đồng", None),  # no kind asked
        ("Vốn FDI bao nhiêu?", "9 tỷ USD", None),  # the answer is nowhere
        ("Amsterdam hỗ trợ bao nhiêu kinh phí xây trường?", "gần 8 tỷ USD", "trade"),
    ],
)
def test_a_figure_of_another_kind_is_told_apart(question, answer, other):
    found = other_kind(question, answer, [CITY])
    assert (found.split(",")[0] if found else None) == other


def test_one_clause_of_the_kind_asked_is_enough():
    texts = ["Thu ngân sách đạt 5 tỷ USD.", "Vốn FDI đạt 5 tỷ USD."]
    assert other_kind("Vốn FDI đạt bao nhiêu?", "5 tỷ USD", texts) is None
    assert other_kind("Vốn FDI đạt bao nhiêu?", "5 tỷ USD", texts[:1]) == "budget, not investment"


def test_kinds_match_whole_words_only():
    assert kinds("Luật GDPR có hiệu lực") == set()  # "gdp" inside another word
    assert kinds("Hai bên ký kết 8 thỏa thuận") == {"signing"}
    assert kinds("Vốn nhân lực quan trọng") == set()  # capital of another sort


@given(st.sampled_from(sorted(KINDS)), st.integers(1, 10_000))
def test_a_clause_of_the_kind_asked_is_never_flagged(kind, amount):
    term = KINDS[kind][0]
    text = f"Năm nay, {term} đạt {amount} tỷ đồng, cao nhất từ trước tới nay."
    assert other_kind(f"{term.capitalize()} đạt bao nhiêu?", f"{amount} tỷ đồng", [text]) is None


@given(st.text(alphabet="abc ,;().-", max_size=30), st.text(alphabet="abc ,.", max_size=30))
def test_the_clause_holds_the_answer_and_no_clause_end(before, after):
    text = f"{before}X 12 Y{after}"
    found = clause(text, "X 12 Y")
    assert "X 12 Y" in found and found in text
    # No clause end inside, but for a bracket opening the answer's clause: "(khoảng 426,7
    # tỷ USD)" restates the clause before it, which is taken along.
    head, _, own = found.rpartition("(")
    assert not any(c in own for c in ",;()") and not any(c in head for c in ",;()")


def test_a_planned_figure_is_no_answer_for_what_is_done():
    plan = "Đến 2030, Hà Nội phấn đấu hoàn thành 96,8 km đường sắt đô thị."
    done = "Hà Nội đã đưa vào vận hành 2 tuyến, dài 96,8 km."
    q = "Hiện nay Hà Nội đã vận hành bao nhiêu km đường sắt?"
    assert planned_instead(q, "96,8 km [1]", [plan]) == "planned, not done"
    assert planned_instead(q, "96,8 km [1]", [plan, done]) is None  # one clause says done
    assert planned_instead("Hà Nội phấn đấu hoàn thành bao nhiêu km?", "96,8 km", [plan]) is None
    assert planned_instead("Hà Nội có bao nhiêu km đường sắt?", "96,8 km", [plan]) is None


def test_a_reached_figure_is_no_answer_for_a_plan():
    reached = "Năm 2025, tổng thu ngân sách đạt khoảng 641,7 nghìn tỷ đồng."
    q = "Dự toán thu ngân sách năm 2025 là bao nhiêu?"
    assert planned_instead(q, "641,7 nghìn tỷ đồng", [reached]) == "done, not planned"
    target = "Thành phố đặt chỉ tiêu thu ngân sách 641,7 nghìn tỷ đồng."
    assert planned_instead(q, "641,7 nghìn tỷ đồng", [target]) is None
    assert planned_instead("Thu ngân sách đạt bao nhiêu?", "641,7 nghìn tỷ", [reached]) is None


def test_a_figure_of_another_year_is_no_answer_for_the_year_asked():
    total = "Từ năm 2022 đến nay, kim ngạch Việt Nam - Lào đạt gần 8 tỷ USD."
    q = "Kim ngạch Việt Nam - Lào riêng năm 2024 đạt bao nhiêu?"
    assert other_year(q, "gần 8 tỷ USD [1].", [total]) == "2022, not 2024"
    assert other_year(q.replace("2024", "2022"), "gần 8 tỷ USD", [total]) is None
    upto = "Đến hết năm 2024, kim ngạch đạt khoảng 1,165 tỷ USD."  # a year before a comma
    assert other_year("Kim ngạch năm 2025?", "khoảng 1,165 tỷ USD", [upto]) == "2024, not 2025"
    undated = "Kim ngạch đạt gần 8 tỷ USD."  # a sentence naming no year: not judged
    assert other_year(q, "gần 8 tỷ USD", [total, undated]) is None
    assert other_year("Năm 2024 là năm gì?", "2022", [total]) is None  # a year answered
    assert other_year("Năm 2024 ai đến?", "Kees van Baar", ["Năm 2023 Kees van Baar đến."]) is None


def test_wrong_kind_gives_the_first_reason_found():
    plan = "Đến 2030, Hà Nội phấn đấu hoàn thành 96,8 km đường sắt đô thị."
    q = "Hiện nay Hà Nội đã vận hành bao nhiêu km đường sắt?"
    assert wrong_kind(q, "96,8 km", [plan]) == "planned, not done"
    assert wrong_kind("Đến 2030 Hà Nội hoàn thành bao nhiêu km?", "96,8 km", [plan]) is None


def test_an_english_question_asks_its_kind_in_english_words():
    # "(khoảng 426,7 tỷ USD)" restates the GDP figure before it: a GDP, not a population.
    text = "GDP năm 2024 của Quảng Châu hơn 3.100 tỷ nhân dân tệ (khoảng 426,7 tỷ USD)."
    assert other_kind("What is the population of Guangzhou?", "426,7 billion", [text]) == (
        "output, not population"
    )
    assert other_kind("What was Guangzhou's GDP in 2024?", "426,7 billion", [text]) is None
