import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from corpus.normalize import fold_text, has_diacritics, normalize_text
from embeddings.lexical import syllables, terms

TONE_PAIRS = [
    ("hoà", "hòa"),
    ("Uỷ ban", "Ủy ban"),
    ("thuý", "thúy"),
    ("khoẻ", "khỏe"),
    ("Thành uỷ", "Thành ủy"),
    ("HOÀ BÌNH", "HÒA BÌNH"),
    ("thuỷ sản", "thủy sản"),
    ("loà", "lòa"),
]


def test_tone_mark_styles_match():
    for old, new in TONE_PAIRS:
        assert normalize_text(old) == normalize_text(new), (old, new)
        assert syllables(old) == syllables(new)


def test_words_that_are_not_ambiguous_are_untouched():
    for word in ["quý", "hoàn", "tuyết", "người", "giữa", "Nguyễn", "thuở", "quà"]:
        assert normalize_text(word) == word


def test_decomposed_input_is_composed_and_invisible_chars_dropped():
    decomposed = unicodedata.normalize("NFD", "Hà Nội")
    assert normalize_text(decomposed) == "Hà Nội"
    assert normalize_text("Hà\u200b Nội\ufeff") == "Hà Nội"
    assert normalize_text("1\u00a0000") == "1 000"


def test_fold_text_strips_all_diacritics():
    assert fold_text("Đại sứ Hà Lan Kees van Baar") == "dai su ha lan kees van baar"
    assert not has_diacritics(fold_text("Thủ đô Viêng Chăn"))


def test_one_letter_syllables_are_terms():
    assert "ở" in syllables("Ông ở Hà Nội")
    assert "ý" in terms("ý kiến")


def test_numbers_stay_whole_tokens():
    assert syllables("3.100 tỷ, 1,3 tỷ USD, ngày 24/12") == [
        "3.100",
        "tỷ",
        "1,3",
        "tỷ",
        "usd",
        "ngày",
        "24/12",
    ]


@given(st.text(max_size=200))
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text(max_size=200))
def test_fold_is_idempotent_and_ascii_letters_for_vietnamese(text):
    folded = fold_text(text)
    assert fold_text(folded) == folded
