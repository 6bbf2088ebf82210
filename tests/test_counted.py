"""qa.counted: a counted number is the one the passage writes before the counted words."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.counted import counted_words, date_parts, misattached, recount
from qa.hit import Hit

SENTENCE = "Hai bên ký 2 thỏa thuận cấp Thành phố và 8 thỏa thuận cấp sở ban ngành."
PASSAGE = Hit("a", "a#0", SENTENCE, 1.0, "T", None, 0, len(SENTENCE))
ASKED = "Hai bên đã ký bao nhiêu thỏa thuận cấp sở, ngành?"


def test_the_first_number_of_the_sentence_is_replaced_by_the_counting_one():
    assert recount(ASKED, "2 thỏa thuận cấp sở, ngành [1].", [PASSAGE]) == (
        "8 thỏa thuận cấp sở, ngành [1]."
    )
    folded = "Hai ben da ky bao nhieu thoa thuan cap so, nganh?"
    assert recount(folded, "2 thỏa thuận cấp sở [1]", [PASSAGE]) == "8 thỏa thuận cấp sở [1]"


def test_answers_that_claim_nothing_contradicted_are_left_alone():
    assert recount(ASKED, "8 thỏa thuận cấp sở [1].", [PASSAGE]) == "8 thỏa thuận cấp sở [1]."
    assert recount(ASKED, "2 thỏa thuận [1].", [PASSAGE]) == "2 thỏa thuận [1]."  # no claim
    assert recount("GRDP đạt bao nhiêu?", "2 thỏa thuận cấp sở", [PASSAGE]) == (
        "2 thỏa thuận cấp sở"
    )
    # The marker's digit is not the answer's number.
    assert recount(ASKED, "Hai thỏa thuận cấp sở [2]", [PASSAGE]) == "Hai thỏa thuận cấp sở [2]"
    assert counted_words("Ký mấy thỏa thuận cấp sở?") == ["thỏa", "thuận", "cấp", "sở"]


WORD = st.sampled_from(["dự", "án", "cấp", "sở", "tỉnh", "xã", "km", "đường", "bay", "tàu"])


@given(st.lists(WORD, min_size=2, max_size=4), st.lists(WORD, min_size=1, max_size=4),
       st.integers(1, 999), st.integers(1, 999))  # fmt: skip
def test_an_answer_the_passage_writes_is_never_changed(counted, other, n, m):
    text = f"Có {m} {' '.join(other)} và {n} {' '.join(counted)} trong năm."
    passage = Hit("a", "a#0", text, 1.0, "T", None, 0, len(text))
    question = f"Có bao nhiêu {' '.join(counted)}?"
    answer = f"{n} {' '.join(counted)} [1]."
    assert recount(question, answer, [passage]) == answer
    wrong = f"{m} {' '.join(counted)} [1]."
    fixed = recount(question, wrong, [passage])
    if other[: len(counted)] != counted[: len(other)]:  # m does not count the same words
        assert fixed == answer if m != n else fixed == wrong


@given(st.text(alphabet="0123456789,.%/- [] thỏaqn", max_size=30))
def test_odd_answers_never_break_the_repairs(answer):
    assert isinstance(recount(ASKED, answer, [PASSAGE]), str)
    assert isinstance(misattached(answer, [PASSAGE]), list)


def test_a_number_written_against_its_word_still_counts_it():
    road = Hit("r", "r#0", "Tuyến dài 96,8km.", 1.0, "T", None, 0, 17)
    assert misattached("96,8 km [1]", [road]) == [] and misattached("96,8 tỷ", [road])


@pytest.mark.parametrize(
    "answer, parts",
    [
        ("12 days [1].", ["12"]),  # the month of "2/12/2025"
        ("12 ngày [1].", ["12"]),
        ("2 giờ [1].", []),  # the passage writes "2 giờ" outside a date too
        ("Ngày 2/12/2025 [1].", []),  # a date answered
        ("Tháng 12 [1].", []),
        ("2025 [1].", []),  # a year
        ("15 tuyến [1].", []),  # not in a date at all
    ],
)
def test_a_number_the_passages_write_only_in_a_date_is_a_date_part(answer, parts):
    text = "Ngày 2/12/2025, hai bên hội đàm 2 giờ về 15 tuyến đường sắt."
    p = Hit("a", "a#0", text, 1.0, "T", None, 0, len(text))
    assert date_parts(answer, [p]) == parts
    assert date_parts(answer, [p], "Họp trong 12 ngày?") == []  # the question's own number


def test_a_date_part_answered_as_a_count_is_taken_for_invented_in_both_languages():
    from qa.unfit import invents

    text = "Ngày 2/12/2025, hai bên hội đàm."
    p = Hit("a", "a#0", text, 1.0, "T", None, 0, len(text))
    assert invents("12 days [1].", [p], "How long did the talks last?", "en")
    assert invents("12 ngày [1].", [p], "Hội đàm kéo dài mấy ngày?", "vi")
    assert not invents("2/12/2025 [1].", [p], "Hội đàm ngày nào?", "vi")
