"""English place names get the Vietnamese spelling the articles use, and nothing else does."""

import pytest

from qa.retrieval.gazetteer import with_vietnamese_names


@pytest.mark.parametrize(
    "query, expanded",
    [
        ("How much did the Netherlands invest in Hanoi?",
         "How much did the Netherlands (Hà Lan) invest in Hanoi (Hà Nội)?"),
        ("What did Vientiane award Hanoi's leaders?",
         "What did Vientiane (Viêng Chăn) award Hanoi's (Hà Nội) leaders?"),
        # the longest name wins
        ("Trade with South Korea?", "Trade with South Korea (Hàn Quốc)?"),
        ("Schools in South Africa?", "Schools in South Africa (Nam Phi)?"),
        ("Cities of Eastern Europe?", "Cities of Eastern Europe (Đông Âu)?"),
        # the pronoun is not the country; names spelled alike stay as they are
        ("Did the US help us?", "Did the US (Mỹ) help us?"),
        ("Flights to Amsterdam and Tokyo?", "Flights to Amsterdam and Tokyo?"),
        # adjectives are left alone: they also name languages and styles
        ("French names and Dutch art?", "French names and Dutch art?"),
    ],
)  # fmt: skip
def test_known_names_get_their_vietnamese_form(query, expanded):
    assert with_vietnamese_names(query) == expanded


def test_text_without_known_names_is_unchanged():
    for text in ["Who founded McKinsey?", "Hà Nội hợp tác với ai?", "hanoi in lower case"]:
        assert with_vietnamese_names(text) == text
