"""The answer path with fake models: the reader's span, cited at its exact offsets, shown
alone or inside the generator's sentence; refusals; streaming; follow-ups; bad input."""

import pytest
from fakes import FakeEncoder, FakeGenerator, ScriptedGenerator
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.article import Article
from embeddings.ingest import ingest
from qa.answering.answerer import Answerer
from qa.answering.phrase import load_phrase_template
from qa.answering.prompt import read_prompt
from qa.reading.reader import FakeReader, Reading, SpanAnswer
from qa.reading.rerank import Rerank
from qa.records.answer import Answer, Delta, Turn
from qa.records.hit import Filters
from qa.retrieval.condense import condense
from qa.retrieval.indexes import open_index
from qa.retrieval.retriever import HybridRetriever, QueryError

ASKED = "Hà Lan đã đầu tư bao nhiêu vào Hà Nội?"
SPAN = "1,3 tỷ USD"
TEMPLATE = load_phrase_template()
TRANSLATE = read_prompt("translate")

# An article long enough to be cut into several chunks: its answer lies in a chunk that
# starts well inside the article, so a highlight must add the chunk's own offset.
RICE = Article(
    id="lua",
    title="Giá lúa tuần này",
    text="\n\n".join(
        f"Đoạn {i}: thời tiết miền Bắc hôm nay nắng nhẹ, gió đông bắc cấp {i % 4 + 2}."
        for i in range(30)
    )
    + "\n\nTại An Giang, giá lúa IR50404 tăng 200 đồng, lên 7.800 đồng/kg.",
    date="2025-12-20",
)
RICE_ASKED = "Giá lúa IR50404 ở An Giang là bao nhiêu?"
RICE_SPAN = "7.800 đồng/kg"


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    from conftest import ARTICLES

    folder = tmp_path_factory.mktemp("answerer") / "idx"
    encoder = FakeEncoder()
    ingest(open_index(folder, encoder), [*ARTICLES, RICE], encoder, lambda _m: None)
    return HybridRetriever.load(folder, encoder)


class RecordingReader(FakeReader):
    """A ``FakeReader`` that keeps every question it was asked, with its passages."""

    def __init__(self, answers, p_no_answer=0.1):
        super().__init__(answers, p_no_answer)
        self.asked = []

    def read(self, question, passages, prior=None):
        self.asked.append((question, list(passages)))
        return super().read(question, passages, prior)


def answerer(retriever, answers, generator=None, p_no_answer=0.1, **kw):
    return Answerer(retriever, generator, reader=RecordingReader(answers, p_no_answer), **kw)


def run(a: Answerer, question: str, **kw) -> tuple[list[Delta], Answer]:
    events = list(a.stream(question, **kw))
    assert isinstance(events[-1], Answer)
    assert all(isinstance(e, Delta) for e in events[:-1])
    return events[:-1], events[-1]


def shown(deltas: list[Delta]) -> str:
    return "".join(d.text for d in deltas)


# --- the extractive answer ---------------------------------------------------------


@pytest.mark.parametrize(
    "asked, span, doc_id", [(ASKED, SPAN, "hl"), (RICE_ASKED, RICE_SPAN, "lua")]
)
def test_the_answer_is_the_reader_s_span_cited_at_its_exact_offsets(retriever, asked, span, doc_id):
    a = answerer(retriever, {asked: span}, extractive=True)
    deltas, ans = run(a, asked)
    assert not ans.refused and ans.span == span and ans.text == span + " [1]"
    assert shown(deltas) == ans.text
    cited = ans.citations[0]
    assert len(ans.citations) == 1 and cited.doc_id == doc_id and span in cited.text
    assert cited in ans.passages
    # the reader's passage is the cited one: the first retrieved passage holding the span
    assert cited == next(h for h in ans.passages if span in h.text)
    article = retriever.store.articles[doc_id].text
    (h,) = ans.highlights
    assert h.doc_id == doc_id and article[h.start : h.end] == span
    assert cited.start <= h.start < h.end <= cited.end
    assert ans.span == span and ans.cited_spans() == [h]  # its JSON: tests/interfaces
    assert ans.p_no_answer == pytest.approx(0.1)


def test_a_highlight_in_a_later_chunk_adds_the_chunk_s_offset(retriever):
    a = answerer(retriever, {RICE_ASKED: RICE_SPAN}, extractive=True)
    ans = a.ask(RICE_ASKED)
    assert ans.citations[0].start > 0  # else this test could not tell offsets apart
    article = retriever.store.articles["lua"].text
    assert article[ans.highlights[0].start : ans.highlights[0].end] == RICE_SPAN


def test_the_citation_is_the_passage_the_span_was_read_from_not_the_best_ranked(retriever):
    span = "hơn 4 triệu thực thể kinh doanh"  # only the Guangzhou article says it
    ans = answerer(retriever, {ASKED: span}, extractive=True).ask(ASKED)
    assert ans.passages[0].doc_id != "qc"  # else this test could not tell them apart
    assert ans.citations[0].doc_id == "qc" and span in ans.citations[0].text
    h = ans.highlights[0]
    assert h.doc_id == "qc" and retriever.store.articles["qc"].text[h.start : h.end] == span


def test_a_fitted_reranking_puts_the_passage_answered_from_first(retriever):
    span = "hơn 4 triệu thực thể kinh doanh"  # only the Guangzhou article says it
    how = Rerank(top=5, retrieval_weight=1.0)
    reader = RecordingReader({ASKED: span})
    plain = Answerer(retriever, None, reader=reader, extractive=True).ask(ASKED)
    reader.rerank = how
    ranked = Answerer(retriever, None, reader=reader, extractive=True).ask(ASKED)
    assert plain.passages[0].doc_id != "qc"  # else this test could not tell them apart
    assert ranked.passages[0].doc_id == "qc" == ranked.citations[0].doc_id
    assert set(ranked.passages) == set(plain.passages)  # the same passages, re-ordered
    assert ranked.passages[1:] == tuple(h for h in plain.passages if h.doc_id != "qc")


def test_with_a_fitted_reranking_retrieval_helps_choose_the_span(retriever):
    # "Hà Nội" is in several passages: the reader scores them alike, retrieval decides
    hits = retriever.search(ASKED, k=5)
    holding = [h for h in hits if "Hà Nội" in h.text]
    assert len(holding) >= 2
    reader = RecordingReader({ASKED: "Hà Nội"})
    reader.rerank = Rerank(top=5, retrieval_weight=1.0)
    ans = Answerer(retriever, None, reader=reader, extractive=True).ask(ASKED)
    assert ans.citations[0] == holding[0] == ans.passages[0]
    # a prior that favours a later passage moves the answer there
    later = holding[1]
    prior = [10.0 if h == later else 0.0 for h in hits]
    got = reader.read(ASKED, [h.text for h in hits], prior)
    assert hits[got.best.passage] == later


def test_without_a_generator_the_answer_is_extractive(retriever):
    ans = answerer(retriever, {ASKED: SPAN}).ask(ASKED)
    assert ans.text == SPAN + " [1]" and ans.timings.first_token_ms is not None


def test_extractive_does_not_call_the_generator(retriever):
    gen = FakeGenerator("Hà Lan đầu tư 1,3 tỷ USD.")
    ans = answerer(retriever, {ASKED: SPAN}, gen, extractive=True).ask(ASKED)
    assert ans.text == SPAN + " [1]" and gen.prompts == []


# --- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, refusal",
    [
        (ASKED, TEMPLATE.refusal_vi),
        ("How much did the Netherlands invest in Hanoi?", TEMPLATE.refusal_en),
    ],
)
def test_no_answer_from_the_reader_is_the_refusal_in_the_question_s_language(
    retriever, question, refusal
):
    gen = FakeGenerator("Hà Lan đầu tư 1,3 tỷ USD.")
    a = answerer(retriever, {}, gen)
    deltas, ans = run(a, question)
    assert ans.refused and ans.span is None and ans.text == refusal
    assert shown(deltas) == refusal
    assert ans.citations == () and ans.highlights == () and ans.passages
    # Read, then refused unphrased (an English question was first offered for translation).
    assert [p[0].content for p in gen.prompts] == [TRANSLATE["system"]] * (question != ASKED)
    assert a.reader.asked and ans.cited_spans() == [] and ans.p_no_answer == 1.0


def test_an_unsure_reader_refuses_although_it_found_a_span(retriever):
    sure = answerer(retriever, {ASKED: SPAN}, p_no_answer=0.4).ask(ASKED)
    unsure = answerer(retriever, {ASKED: SPAN}, p_no_answer=0.6).ask(ASKED)
    assert not sure.refused and sure.span == SPAN
    assert unsure.refused and unsure.span is None and unsure.text == TEMPLATE.refusal_vi
    assert unsure.p_no_answer == pytest.approx(0.6)


class AnswersAnything:
    """A reader that always answers from the first passage (there may be none)."""

    def warm_up(self):
        pass

    def run(self, question, passages):
        best = SpanAnswer(passage=0, start=0, end=1, text="x", score=1.0)
        return Reading(best=best, p_no_answer=0.0)


def test_nothing_retrieved_is_a_refusal(retriever):
    a = Answerer(retriever, None, reader=AnswersAnything())
    ans = a.ask(ASKED, filters=Filters(date_from="2099-01-01"))
    assert ans.refused and ans.passages == () and ans.text == TEMPLATE.refusal_vi


# --- phrased answers and streaming ---------------------------------------------------


def phrased(retriever, pieces, asked=ASKED, span=SPAN):
    gen = ScriptedGenerator(pieces)
    deltas, ans = run(answerer(retriever, {asked: span}, gen), asked)
    assert shown(deltas) == ans.text  # nothing shown is taken back, nothing is added later
    return ans, gen


def test_a_phrased_answer_holds_the_span_and_cites_it(retriever):
    pieces = ["Hà Lan đã đầu tư ", "trên ", "1,3 tỷ USD", " vào Hà Nội", "."]
    ans, gen = phrased(retriever, pieces)
    assert ans.text == "Hà Lan đã đầu tư trên 1,3 tỷ USD vào Hà Nội [1]."
    assert ans.span == SPAN and ans.citations[0].doc_id == "hl"
    article = retriever.store.articles["hl"].text
    assert article[ans.highlights[0].start : ans.highlights[0].end] == SPAN
    assert ans.timings.prompt_tokens > 0  # the generator's stats reach the timings
    user = gen.prompts[0][1].content  # the prompt: the span's sentence, the question, the span
    assert "Hà Lan đã đầu tư trực tiếp trên 1,3 tỷ USD vào Hà Nội." in user
    assert ASKED in user and f"Cụm trả lời: {SPAN}" in user
    assert "Kim ngạch" not in user  # the sentence only, not the whole passage


def test_digits_written_one_at_a_time_still_make_the_span(retriever):
    # A real tokenizer writes "1,3" as "1", ",", "3": "1" alone is no number of the span.
    pieces = ["Hà Lan đã đầu tư trên ", "1", ",", "3", " tỷ", " USD", " vào Hà Nội", "."]
    ans, _ = phrased(retriever, pieces)
    assert ans.text == "Hà Lan đã đầu tư trên 1,3 tỷ USD vào Hà Nội [1]."


def test_leading_spaces_are_not_shown(retriever):
    ans, _ = phrased(retriever, [" Đó là ", "1,3 tỷ USD", "!"])
    assert ans.text == "Đó là 1,3 tỷ USD [1]."


def test_the_answer_stops_at_the_end_of_the_first_sentence(retriever):
    pieces = ["Hà Lan đầu tư 1,3 tỷ USD.", " Ngoài ra", " còn", " 5 dự án."]
    ans, gen = phrased(retriever, pieces)
    assert ans.text == "Hà Lan đầu tư 1,3 tỷ USD [1]."
    assert gen.taken == 2  # and stops reading the generator there


@pytest.mark.parametrize(
    "pieces",
    [
        ["Hà Lan đầu tư rất nhiều ", "vào Hà Nội."],  # the span dropped
        ["Hà Lan đã đầu tư ", "1.3 tỷ USD."],  # the span altered
        ["Hà Lan đầu tư 1,3 tỷ đô."],  # the span cut short
        ["Đến hết năm 2024, ", "Hà Lan đầu tư ", "1,3 tỷ USD."],  # a new number before it
        [],  # nothing written
    ],
)
def test_a_sentence_without_the_span_shows_the_span_alone(retriever, pieces):
    ans, _ = phrased(retriever, pieces)
    assert ans.text == SPAN + " [1]" and not ans.refused


def test_a_number_added_after_the_span_is_cut_off(retriever):
    ans, _ = phrased(retriever, ["Hà Lan đầu tư ", "1,3 tỷ USD", " trong 1", "2 năm", "."])
    assert "12" not in ans.text and "1" not in ans.text.replace(SPAN, "").replace("[1]", "")
    assert ans.text == "Hà Lan đầu tư 1,3 tỷ USD [1]."  # the rest of the sentence dropped


def test_numbers_of_the_question_may_be_repeated(retriever):
    asked = "Đến hết năm 2024, Hà Lan đã đầu tư bao nhiêu vào Hà Nội?"
    ans, _ = phrased(
        retriever, ["Đến hết năm 2", "024, Hà Lan đầu tư ", "1,3 tỷ USD", "."], asked=asked
    )
    assert ans.text == "Đến hết năm 2024, Hà Lan đầu tư 1,3 tỷ USD [1]."


@pytest.mark.parametrize(
    "asked, span, pieces",
    [
        (ASKED, SPAN, ["Khoảng ", "1,3 tỷ USD", "."]),
        # a span ending in a full stop keeps it: the answer quotes the span whole
        (
            "Hà Nội được trao gì?",
            "Huân chương Phát triển hạng 2 cho Hà Nội.",
            ["Lễ trao ", "Huân chương Phát triển hạng 2 cho Hà Nội."],
        ),
    ],
)
def test_a_phrased_answer_holds_the_span_verbatim(retriever, asked, span, pieces):
    ans, _ = phrased(retriever, pieces, asked=asked, span=span)
    assert span in ans.text and ans.text != span + " [1]" and ans.span == span


SENTENCES = [
    "Hà Lan đã đầu tư trên 1,3 tỷ USD vào Hà Nội. Ngoài ra còn 5 dự án.",
    "Đến hết năm 2024, Hà Lan đầu tư 1,3 tỷ USD.",
    "Hà Lan đầu tư 1,3 tỷ USD trong 12 năm.",
    "Hà Lan đầu tư 1,35 tỷ USD.",
    "  Câu trả lời: 1,3 tỷ USD!\nHết.",
    "1,3 tỷ USD",
]


@given(
    st.sampled_from(SENTENCES),
    st.lists(st.integers(0, 80), max_size=12),
)
@settings(max_examples=60)
def test_how_the_generator_cuts_its_text_into_pieces_changes_nothing(retriever, sentence, cuts):
    whole, _ = phrased(retriever, [sentence])
    at = sorted({min(c, len(sentence)) for c in cuts} | {0, len(sentence)})
    pieces = [sentence[i:j] for i, j in zip(at, at[1:], strict=False)]
    split, _ = phrased(retriever, pieces)
    assert split.text == whole.text
    assert SPAN in split.text and split.text.endswith(("[1]", "[1]."))


# --- follow-ups -----------------------------------------------------------------------


def test_a_rewritten_follow_up_is_read_as_its_standalone_question(retriever):
    history = [
        {"role": "user", "content": "Hà Nội hợp tác với Viêng Chăn về những lĩnh vực nào?"},
        {"role": "assistant", "content": "Hai Thủ đô ký 2 thỏa thuận [1]."},
    ]
    standalone = "Hà Nội hợp tác với Quảng Châu về những lĩnh vực nào?"
    a = answerer(retriever, {standalone: "hơn 4 triệu thực thể kinh doanh"}, extractive=True)
    ans = a.ask("Còn với Quảng Châu thì sao?", history=history)
    assert ans.question == "Còn với Quảng Châu thì sao?" and ans.query == standalone
    assert [q for q, _ in a.reader.asked] == [standalone]
    assert not ans.refused and ans.citations[0].doc_id == "qc"


def test_a_follow_up_searched_with_its_context_is_read_as_asked(retriever):
    history = [Turn(role="user", content=ASKED), Turn(role="assistant", content="1,3 tỷ USD [1]")]
    question = "Kim ngạch của họ đạt bao nhiêu?"
    a = answerer(retriever, {question: "1,165 tỷ USD"}, extractive=True)
    ans = a.ask(question, history=history)
    assert ans.query == f"{ASKED} {question}"  # the search sees the conversation
    assert [q for q, _ in a.reader.asked] == [question]  # the reader, the question itself
    assert not ans.refused and ans.span == "1,165 tỷ USD"


@pytest.mark.parametrize(
    "previous, question, expected",
    [
        ("Hà Nội hợp tác với Viêng Chăn về những lĩnh vực nào?", "Còn với Quảng Châu thì sao?",
         "Hà Nội hợp tác với Quảng Châu về những lĩnh vực nào?"),
        ("GRDP của Hà Nội năm 2025 tăng bao nhiêu?", "Còn năm 2024?",
         "GRDP của Hà Nội năm 2024 tăng bao nhiêu?"),
        ("Ha Noi hop tac voi Vieng Chan ve linh vuc nao?", "con voi Quang Chau thi sao?",
         "Ha Noi hop tac voi Quang Chau ve linh vuc nao?"),
    ],
)  # fmt: skip
def test_follow_ups_become_standalone(previous, question, expected):
    assert condense(question, [previous]) == expected


def test_standalone_questions_pass_through():
    q = "Hà Lan đã đầu tư bao nhiêu vào Hà Nội tính đến hết năm 2024?"
    assert condense(q, ["Quảng Châu có bao nhiêu doanh nghiệp?"]) == q


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 51, -1, "5", 2.5, True, [5]])
def test_a_bad_k_is_refused_before_any_work(retriever, k):
    a = answerer(retriever, {ASKED: SPAN}, ScriptedGenerator(["1,3 tỷ USD"]))
    before = retriever.encoder.queries_seen
    with pytest.raises(QueryError, match="k must be"):
        next(a.stream(ASKED, k=k))
    assert a.reader.asked == [] and a.generator.prompts == []
    assert retriever.encoder.queries_seen == before  # nothing searched either
    with pytest.raises(QueryError, match="k must be"):
        answerer(retriever, {}, k=k)


def test_a_good_k_is_how_many_passages_are_read(retriever):
    a = answerer(retriever, {ASKED: SPAN}, extractive=True)
    assert len(a.ask(ASKED, k=2).passages) == 2 and len(a.reader.asked[-1][1]) == 2
    assert len(a.ask(ASKED, k=4).passages) == 4


@pytest.mark.parametrize("bad", ["", "   ", "x" * 20000, "\x00\x01\x02\x03" * 20, None])
def test_a_bad_question_is_refused_before_any_work(retriever, bad):
    a = answerer(retriever, {ASKED: SPAN}, ScriptedGenerator(["1,3 tỷ USD"]))
    with pytest.raises(QueryError, match=r"empty|limit|letters|text"):
        a.ask(bad)
    assert a.reader.asked == [] and a.generator.prompts == []


@pytest.mark.parametrize("history", ["text", [{"role": "robot", "content": "x"}], [42]])
def test_a_bad_history_is_refused_clearly(retriever, history):
    a = answerer(retriever, {ASKED: SPAN})
    with pytest.raises(QueryError, match="history"):
        a.ask(ASKED, history=history)
    assert a.reader.asked == []


def test_turn_roles_and_content_are_checked():
    with pytest.raises(ValueError):
        Turn.coerce({"role": "system", "content": "x"})
    with pytest.raises(ValueError):
        Turn(role="robot", content="x")
    with pytest.raises(ValueError):
        Turn(role="user", content=5)
    with pytest.raises(ValueError):
        Turn.coerce({"role": "user", "content": "x", "extra": 1})
    assert Turn.coerce({"role": "assistant", "content": "Có."}) == Turn(
        role="assistant", content="Có."
    )


NOT_UTF8 = b"\xff H\xe0 N\xf4i".decode("utf-8", "surrogateescape")  # as sys.argv has it


@pytest.mark.parametrize("bad", [NOT_UTF8, "Hà\ud83d"])
def test_a_question_that_is_not_utf8_is_refused_before_any_work(retriever, bad):
    a = answerer(retriever, {ASKED: SPAN}, ScriptedGenerator(["1,3 tỷ USD"]))
    with pytest.raises(QueryError, match="not valid UTF-8"):
        a.ask(bad)
    assert a.reader.asked == [] and a.generator.prompts == []


def test_k_zero_is_an_error_not_the_default(retriever):
    a = answerer(retriever, {ASKED: SPAN}, extractive=True)
    with pytest.raises(QueryError, match="k must be a whole number from 1 to 50, got 0"):
        a.ask(ASKED, k=0)


# --- English questions: searched and read in Vietnamese ------------------------------

ENGLISH = "How much did the Netherlands invest in Hanoi?"


def _translating(translation: str, sentence: str):
    """A generator's replies: ``translation`` to the translation prompt, else ``sentence``."""
    return lambda messages: translation if messages[0].content == TRANSLATE["system"] else sentence


def test_english_question_is_searched_and_read_in_vietnamese_and_answered_in_english(retriever):
    gen = FakeGenerator(_translating(ASKED, f"The Netherlands invested {SPAN} in Hanoi."))
    a = answerer(retriever, {ASKED: SPAN}, gen)
    _, ans = run(a, ENGLISH)
    assert a.reader.asked[0][0] == ASKED and ans.query == ASKED and ans.question == ENGLISH
    assert ans.span == SPAN and ans.text.startswith("The Netherlands invested 1,3 tỷ USD")
    assert gen.prompts[0][-1].content == ENGLISH  # translated from what was asked
    assert ENGLISH in gen.prompts[1][-1].content  # phrased for the English question
    # with the English phrasing prompt: a Vietnamese one draws Vietnamese sentences
    assert gen.prompts[1][0].content == load_phrase_template("phrase_en").system


def test_a_vietnamese_question_is_phrased_with_the_vietnamese_prompt(retriever):
    gen = FakeGenerator(lambda messages: f"Hà Lan đầu tư {SPAN}.")
    _, ans = run(answerer(retriever, {ASKED: SPAN}, gen), ASKED)
    assert gen.prompts[0][0].content == TEMPLATE.system and ans.text.startswith("Hà Lan")


@pytest.mark.parametrize("reply", ["How much did they invest?", "", "   ", "?!"])
def test_a_translation_that_is_not_vietnamese_is_dropped(retriever, reply):
    gen = FakeGenerator(_translating(reply, "Câu trả lời."))
    a = answerer(retriever, {}, gen)
    _, ans = run(a, ENGLISH)
    assert a.reader.asked[0][0] == ENGLISH and ans.query == ENGLISH


def test_extractive_answers_do_not_translate(retriever):
    gen = FakeGenerator(_translating(ASKED, "unused"))
    a = answerer(retriever, {}, gen, extractive=True)
    run(a, ENGLISH)
    assert gen.prompts == [] and a.reader.asked[0][0] == ENGLISH
