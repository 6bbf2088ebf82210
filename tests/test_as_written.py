"""Small numbers and dates written as the passage writes them (qa.numerals, qa.dates)."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_answer_logic import answerer, index  # noqa: F401 (fixture)

from qa.hit import Hit
from qa.numerals import WORDS, spell_as_written

P = Hit("a", "a#0", "Manning dẫn dắt hai đội khác nhau. Đội ghi 2 điểm.", 1.0, "T", None, 0, 50)


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("2 đội [1].", "hai đội [1]."),
        ("2 điểm [1].", "2 điểm [1]."),  # the passage writes the digit before "điểm"
        ("3 đội [1].", "3 đội [1]."),  # it never writes "ba đội"
        ("12 đội", "12 đội"),
        ("1,2 đội", "1,2 đội"),
    ],
)
def test_a_small_number_is_spelled_only_where_the_passage_spells_it(answer, expected):
    assert spell_as_written(answer, [P], "Manning dẫn dắt bao nhiêu đội?") == expected


@given(st.lists(st.sampled_from(["2", "đội", "điểm", "hai", "[1]", ",", "7", "khác"])))
def test_spelling_changes_only_the_digits_the_passage_spells_and_is_stable(words):
    answer = " ".join(words)
    out = spell_as_written(answer, [P], "bao nhiêu đội?")
    assert re.sub(r"\bhai\b", "2", out) == re.sub(r"\bhai\b", "2", answer)  # only 2 -> hai
    assert spell_as_written(out, [P], "bao nhiêu đội?") == out
    assert WORDS[2] == "hai"


def test_a_right_count_the_passage_spells_is_not_refused_as_invented(index):  # noqa: F811
    text = "Đến nay Hà Nội đã ký hai thỏa thuận cấp Thành phố với Viêng Chăn."
    a = answerer(index, "unused")
    passages = [Hit("a", "a#0", text, 1.0, "T", None, 0, len(text))]
    question = "Hà Nội đã ký bao nhiêu thỏa thuận cấp Thành phố?"
    assert a._repair(question, "vi", passages, "2 thỏa thuận [1].") == "hai thỏa thuận [1]."


# --- dates as the text writes them ------------------------------------------------------


def test_a_heading_date_is_written_as_the_text_writes_that_day_or_left_to_the_checks():
    from qa.dates import snap_dates

    text = "Chiều ngày 2/12/2025, hai bên hội đàm. Ngày 5 tháng 1 năm 2024 ký kết."
    p = Hit("a", "a#0", text, 1.0, "T", "2025-12-02", 0, len(text))
    assert snap_dates("2025-12-02 [1].", [p]) == "2/12/2025 [1]."
    assert snap_dates("Ngày 2024-01-05.", [p]) == "Ngày 5 tháng 1 năm 2024."
    assert snap_dates("2025-12-20 [1].", [p]) == "2025-12-20 [1]."  # 20/12 is nowhere
    assert snap_dates("12/2/2025", [p]) == "12/2/2025"  # not ISO: as the model wrote it


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("1500-1850 [1].", "Từ 1500 đến 1850 [1]."),
        ("Kéo dài 1500–1850 [1].", "Kéo dài từ 1500 đến 1850 [1]."),
        ("2005 - 2010 [1].", "Năm 2005 đến năm 2010 [1]."),  # as written, "năm" and all
        ("1500-1900 [1].", "1500-1900 [1]."),  # no passage writes that range
        ("1,5-2 tỷ [1].", "1,5-2 tỷ [1]."),  # not a range of whole numbers
        ("20-30 [1].", "20-30 [1]."),  # a passage writes it with the dash: kept
    ],
)
def test_a_range_is_written_as_the_passage_writes_it(answer, expected):
    from qa.dates import range_as_written

    text = "Dịch quay lại từ 1500 đến 1850. Năm 2005 đến năm 2010 tăng. Giá 20-30 đồng."
    p = Hit("a", "a#0", text, 1.0, "T", None, 0, len(text))
    assert range_as_written(answer, [p]) == expected


def test_a_right_date_copied_from_the_heading_is_kept_in_the_text_s_form(index):  # noqa: F811
    a = answerer(index, "unused")
    text = "Chiều ngày 2/12/2025, Hà Nội và Viêng Chăn hội đàm."
    passages = [Hit("a", "a#0", text, 1.0, "T", "2025-12-02", 0, len(text))]
    question = "Hà Nội và Viêng Chăn hội đàm ngày nào?"
    assert a._repair(question, "vi", passages, "2025-12-02 [1].") == "2/12/2025 [1]."
