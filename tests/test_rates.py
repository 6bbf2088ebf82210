"""A per-year question gets the passage's yearly figure, and nothing else changes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.hit import Hit
from qa.rates import per_year

TEXT = (
    "Tổng kim ngạch thương mại từ năm 2022 đến nay đạt gần 8 tỷ USD (trung bình đạt khoảng "
    "1,8 tỷ USD/năm), vượt xa mục tiêu tăng từ 10-15%/năm."
)
P = Hit("a", "a#0", TEXT, 1.0, "T", None, 0, len(TEXT))
YEARLY_Q = "Bình quân mỗi năm kể từ 2022, thương mại đạt khoảng bao nhiêu?"


@pytest.mark.parametrize(
    "question, answer, fixed",
    [
        (YEARLY_Q, "gần 8 tỷ USD [1].", "1,8 tỷ USD/năm [1]."),
        ("Binh quan moi nam thuong mai dat bao nhieu?", "8 tỷ USD", "1,8 tỷ USD/năm"),
        ("Thương mại đạt bao nhiêu một năm?", "Gần 8 tỷ USD [1]", "1,8 tỷ USD/năm [1]"),
    ],
)  # fmt: skip
def test_the_total_becomes_the_yearly_figure(question, answer, fixed):
    assert per_year(question, answer, [P]) == fixed


@pytest.mark.parametrize(
    "question, answer",
    [
        ("Từ năm 2022 đến nay thương mại đạt bao nhiêu?", "gần 8 tỷ USD [1]."),  # a total asked
        ("GRDP bình quân đầu người đạt bao nhiêu?", "gần 8 tỷ USD [1]."),  # per head, not year
        (YEARLY_Q, "khoảng 1,8 tỷ USD/năm [1]."),  # already yearly
        (YEARLY_Q, "1,8 tỷ USD [1]."),  # the yearly figure, without "/năm"
        (YEARLY_Q, "10-15% [1]."),  # a range whose end is the yearly figure
        (YEARLY_Q, "gần 8 triệu tấn [1]."),  # another unit: no yearly figure counts it
        (YEARLY_Q, "8 tỷ USD, gấp 1,6 lần [1]."),  # two figures: which one is unclear
        (YEARLY_Q, "Thương mại tăng mạnh [1]."),  # no figure
    ],
)  # fmt: skip
def test_other_answers_are_kept(question, answer):
    assert per_year(question, answer, [P]) == answer


def test_two_yearly_figures_in_the_unit_leave_the_answer_alone():
    text = "Xuất khẩu 1,8 tỷ USD/năm, nhập khẩu 0,9 tỷ USD/năm, tổng 8 tỷ USD."
    p = Hit("b", "b#0", text, 1.0, "T", None, 0, len(text))
    assert per_year(YEARLY_Q, "8 tỷ USD [1].", [p]) == "8 tỷ USD [1]."


@given(st.text(max_size=60))
def test_nothing_changes_unless_a_yearly_figure_is_asked(answer):
    assert per_year("Thương mại đạt bao nhiêu?", answer, [P]) == answer
