"""English place names get the Vietnamese spelling the articles use, and nothing else does."""

import pytest

from qa.gazetteer import quote_place_names, with_vietnamese_names


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


@pytest.mark.parametrize(
    "answer, quoted",
    [
        ("China [1].", "China (Trung Quốc) [1]."),
        ("China and Thailand [1].", "China (Trung Quốc) and Thailand (Thái Lan) [1]."),
        ("Laos [1].", "Laos [1]."),  # no passage writes "Lào"
        ("China invests most [1].", "China invests most [1]."),  # a sentence: left alone
        ("Amsterdam [1].", "Amsterdam [1]."),  # spelled the same
        ("The articles do not say.", "The articles do not say."),
    ],
)
def test_an_english_answer_naming_places_quotes_the_passage_s_names(answer, quoted):
    texts = ["Trung Quốc và Thái Lan đầu tư nhiều nhất.", "Đường bay tới Amsterdam."]
    assert quote_place_names(answer, texts) == quoted
