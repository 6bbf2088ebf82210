"""Quoted numbers are completed with the passage's own qualifier and unit, and only then."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.hit import Hit
from qa.quantities import complete_quantities

TEXT = (
    "Kim ngạch gấp 1,6 lần giai đoạn trước. Việt Nam đứng vị trí thứ 3. Quan hệ hơn 50 năm. "
    "GRDP ước đạt 63,5 tỷ USD, tăng 8,5%. Ngày 2/12/2025 hai bên ký 2 thỏa thuận. "
    "Xuất khẩu 791 triệu USD, nhập khẩu 374 triệu USD. Có 7 dự án và 7 trường học."
)
P = [Hit("a", "a#0", TEXT, 1.0, "T", None, 0, len(TEXT))]


@pytest.mark.parametrize(
    "answer, completed",
    [
        ("1,6 [1].", "gấp 1,6 lần [1]."),
        ("3 [1]", "thứ 3 [1]"),
        ("50 năm [1].", "hơn 50 năm [1]."),
        ("63,5 [1].", "63,5 tỷ USD [1]."),
        ("791, nhập 374 [1].", "791 triệu USD, nhập 374 triệu USD [1]."),
    ],
)  # fmt: skip
def test_a_bare_number_gets_the_passage_wording(answer, completed):
    assert complete_quantities(answer, P) == completed


@pytest.mark.parametrize(
    "answer",
    [
        "63,5 tỷ USD [1].",  # already complete
        "8,5% [1]",
        "Ngày 2/12/2025 [1].",  # a date
        "Năm 2025 [1].",  # a year
        "791 million USD [1].",  # the answer says its own unit
        "Hà Lan đầu tư 63,5 vào Hà Nội [1].",  # goes on with other words
        "7 [1].",  # written two ways in the passage: ambiguous
        "12 [1].",  # not in the passage
        "Có [1] và [2].",  # markers are not numbers
    ],
)
def test_other_answers_are_left_alone(answer):
    assert complete_quantities(answer, P) == answer


@given(st.sampled_from(["1,6", "3", "50 năm", "63,5", "791", "8,5%", "2 thỏa thuận", "7"]),
       st.sampled_from(["", " [1]", " [1].", ".", ", và"]))  # fmt: skip
def test_completion_keeps_the_number_adds_only_passage_words_and_is_idempotent(core, tail):
    answer = core + tail
    once = complete_quantities(answer, P)
    assert core.split()[0] in once
    assert complete_quantities(once, P) == once
    added = set(once.split()) - set(answer.split())
    assert all(w.strip(".,") in TEXT for w in added)


# --- English answers translate amounts ------------------------------------------------

from qa.citations import unsupported_numbers  # noqa: E402
from qa.quantities import quote_amounts, translated_amounts  # noqa: E402


def hit(text):
    return Hit("b", "b#0", text, 1.0, "T", None, 0, len(text))


@given(st.integers(1, 999), st.integers(0, 9), st.sampled_from(["triệu", "tỷ", "nghìn tỷ"]))
def test_an_english_amount_of_the_same_value_is_the_passage_s(whole, tenth, scale):
    passage = hit(f"Thu ngân sách đạt khoảng {whole},{tenth} {scale} đồng.")
    thousands = {"triệu": "thousand", "tỷ": "million", "nghìn tỷ": "billion"}[scale]
    english = f"{whole * 1000 + tenth * 100:,} {thousands} VND [1]"  # 641,700 billion
    assert translated_amounts(english, [passage]) == [f"{whole * 1000 + tenth * 100:,}"]
    assert unsupported_numbers(english, [passage]) == []
    quoted = quote_amounts(english, [passage])
    assert quoted == english.replace(thousands, f"{thousands} (khoảng {whole},{tenth} {scale})")


def test_an_english_amount_of_another_value_is_still_invented():
    passage = hit("Thu ngân sách đạt khoảng 641,7 nghìn tỷ đồng.")
    assert unsupported_numbers("641,800 billion VND", [passage]) == ["641,800"]
    assert quote_amounts("641,800 billion VND", [passage]) == "641,800 billion VND"


def test_an_amount_written_two_ways_is_not_quoted():
    passages = [hit("Có hơn 4 triệu người."), hit("Có gần 4 triệu xe.")]
    assert quote_amounts("4 million [1]", passages) == "4 million [1]"
