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
