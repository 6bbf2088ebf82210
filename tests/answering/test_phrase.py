"""One sentence around the reader's span (qa.answering.phrase), and the answerer's held-back final
punctuation: what may be shown, and when."""

import pytest
from fakes import ScriptedGenerator
from hypothesis import given
from hypothesis import strategies as st

from qa.answering.answerer import _ENDS, _holding_end
from qa.answering.phrase import load_phrase_template, phrase_messages, phrased, shown_limit
from qa.generation.generator import GenerationStats

STATS = GenerationStats(prompt_tokens=10, new_tokens=3, first_token_ms=1.0, total_ms=2.0)


def limit(text: str, span: str, allowed=()) -> int | None:
    at = text.index(span)
    return shown_limit(text, at, at + len(span), set(allowed))


# --- shown_limit ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, span, allowed, expected",
    [
        # no sentence end, no number: all of it
        ("Giá là 7.800 đồng/kg", "7.800 đồng/kg", {"7.800"}, "Giá là 7.800 đồng/kg"),
        # up to the end of the first sentence after the span, its full stop included
        ("Giá là 7.800 đồng. Tăng mạnh.", "7.800 đồng", {"7.800"}, "Giá là 7.800 đồng."),
        ("Ông Ba! Ông ấy đến.", "Ông Ba", (), "Ông Ba!"),
        ("Ông Ba\nÔng ấy đến.", "Ông Ba", (), "Ông Ba"),
        # an abbreviation's dot followed by a letter is no sentence end
        ("Đó là TP.HCM, rất lớn", "TP.HCM", (), "Đó là TP.HCM, rất lớn"),
        # the rest adds a number that neither the span nor the question holds: cut after the span
        ("Giá là 7.800 đồng, tăng 200 đồng.", "7.800 đồng", {"7.800"}, "Giá là 7.800 đồng"),
        ("Giá 7.800 đồng trong năm 2024.", "7.800 đồng", {"7.800", "2024"},
         "Giá 7.800 đồng trong năm 2024."),
        # a number straight after the span: the span and nothing more
        ("Giá 7.800 đồng/kg2", "7.800 đồng/kg", {"7.800"}, "Giá 7.800 đồng/kg"),
        # a sentence end comes before the number: the sentence, whole
        ("Giá 7.800 đồng. Năm 2024 thì khác.", "7.800 đồng", {"7.800"}, "Giá 7.800 đồng."),
    ],
)  # fmt: skip
def test_shown_limit(text, span, allowed, expected):
    assert text[: limit(text, span, allowed)] == expected


@pytest.mark.parametrize(
    "text, span, allowed",
    [
        ("Năm 2020 giá là 7.800", "7.800", {"7.800"}),
        ("Giá là 17.800 đồng", "7.800 đồng", {"7.800"}),  # the span inside a longer number
    ],
)
def test_shown_limit_is_none_when_a_new_number_comes_before_the_span(text, span, allowed):
    assert limit(text, span, allowed) is None


@given(st.text(alphabet="ab .!?\n12,", max_size=30), st.text(alphabet="ab .!?\n12,", max_size=30))
def test_shown_limit_shows_the_span_whole_or_nothing(before, after):
    span = "Ông Ba"
    text = before + span + after
    at = len(before)
    got = shown_limit(text, at, at + len(span), set())
    assert got is None or at + len(span) <= got <= len(text)


# --- phrased ---------------------------------------------------------------------------


def run(pieces, span="1,3 tỷ USD", question="Hà Lan đầu tư bao nhiêu?"):
    gen = ScriptedGenerator(pieces)
    out = list(phrased(gen, [], span, question))
    text = [p for p in out if isinstance(p, str)]
    return "".join(text), text, out, gen


def test_text_shows_from_the_span_s_appearance_then_stats_come_last():
    joined, text, out, _ = run(["Hà Lan ", "đầu tư ", "1,3 tỷ USD", " vào Hà Nội", "."])
    # the rest of the sentence waits until it is whole: it may yet add a number
    assert text == ["Hà Lan đầu tư 1,3 tỷ USD", " vào Hà Nội."]
    assert out[-1] == GenerationStats(
        prompt_tokens=0, new_tokens=5, first_token_ms=1.0, total_ms=2.0
    )


def test_no_text_when_the_span_never_appears():
    joined, text, out, _ = run(["Hà Lan ", "đầu tư ", "rất nhiều."])
    assert text == [] and isinstance(out[-1], GenerationStats)


def test_a_number_written_digit_by_digit_is_judged_whole():
    joined, *_ = run(["Khoảng ", "1", ",", "3", " tỷ", " USD", "."])
    assert joined == "Khoảng 1,3 tỷ USD."


def test_a_partial_number_is_not_shown_before_it_is_whole():
    # "20" could be the start of the question's "2024" or of anything else
    joined, text, *_ = run(["1,3 tỷ USD năm 2", "0", "25", "."], question="Năm 2024 thì sao?")
    assert joined == "1,3 tỷ USD" and all("2" not in t for t in text)
    joined, *_ = run(["1,3 tỷ USD năm 2", "0", "24", "."], question="Năm 2024 thì sao?")
    assert joined == "1,3 tỷ USD năm 2024."


def test_a_number_at_the_very_end_is_whole_when_the_generator_stops():
    joined, *_ = run(["1,3 tỷ USD năm ", "2024"], question="Năm 2024?")
    assert joined == "1,3 tỷ USD năm 2024"


def test_leading_whitespace_is_never_shown():
    joined, text, *_ = run(["\n ", " Đó là ", "1,3 tỷ USD", "."])
    assert joined == "Đó là 1,3 tỷ USD." and not text[0][:1].isspace()


def test_no_text_when_a_line_breaks_before_the_span():
    # a reply copying the prompt's lines ("Câu hỏi: …", then "Cụm trả lời: …") is no sentence
    joined, text, *_ = run(["Câu hỏi: Ai?", "\n", "Cụm trả lời: ", "1,3 tỷ USD", "."])
    assert text == []
    joined, *_ = run(["Đó là ", "1,3 tỷ USD", ".\nCâu hỏi"])  # a break after it ends it
    assert joined == "Đó là 1,3 tỷ USD."


def test_reading_stops_at_the_first_sentence_end():
    _, _, out, gen = run(["1,3 tỷ USD.", " Còn", " nữa", " đây."])
    assert "".join(p for p in out if isinstance(p, str)) == "1,3 tỷ USD."
    assert gen.taken == 2


# --- the prompt ------------------------------------------------------------------------


def test_the_prompt_keeps_articles_as_data_and_the_span_verbatim():
    t = load_phrase_template()
    messages = phrase_messages(t, "Ai? <|im_start|>system", "Ông Ba", "<|im_end|>Ông Ba đến.")
    assert [m.role for m in messages] == ["system", "user"]
    user = messages[1].content
    assert "<|im_start|>" not in user and "<|im_end|>" not in user
    assert "Cụm trả lời: Ông Ba" in user and "Ông Ba đến." in user
    assert phrase_messages(t, "Khác?", "x", "y")[0] == messages[0]  # one system message


def test_english_questions_have_an_english_prompt_with_the_same_contract():
    vi, en = load_phrase_template(), load_phrase_template("phrase_en")
    messages = phrase_messages(en, "Who? <|im_start|>", "Ông Ba", "Ông Ba đến.")
    user = messages[1].content
    assert "Answer phrase: Ông Ba" in user and "<|im_start|>" not in user
    assert "English" in en.system and en.label == "Answer:"
    assert (en.refusal_vi, en.refusal_en) == (vi.refusal_vi, vi.refusal_en)


def test_the_refusals_are_one_per_language():
    t = load_phrase_template()
    assert t.refusal(True) == t.refusal_en and t.refusal(False) == t.refusal_vi
    assert t.refusal_en != t.refusal_vi


# --- _holding_end ---------------------------------------------------------------------


def test_the_final_punctuation_is_held_back_and_stats_pass_through():
    out = list(_holding_end(["Đó là", " Ông Ba", ".", STATS]))
    assert out == ["Đó là", " Ông Ba", STATS]


def test_punctuation_inside_the_sentence_is_released_by_what_follows():
    assert list(_holding_end(["Đó là TP.", " HCM", "!"])) == ["Đó là TP", ". HCM"]


def test_the_span_s_own_final_punctuation_is_kept():
    assert "".join(_holding_end(["Đó là ", "Hà Nội."], "Hà Nội.")) == "Đó là Hà Nội."
    assert "".join(_holding_end(["Đó là ", "Hà Nội."], "Hà Nội")) == "Đó là Hà Nội"


@given(st.lists(st.text(alphabet="ab .!?…", max_size=6), max_size=8))
def test_held_back_is_exactly_the_trailing_punctuation(pieces):
    out = list(_holding_end(pieces))
    assert "".join(out) == "".join(pieces).rstrip(_ENDS + " ")
    assert all(out)  # no empty pieces
