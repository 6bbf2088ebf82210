"""From logits to an answer: ``decode`` over hand-made logits picks the best valid span
(never a question token, at most MAX_ANSWER_TOKENS, cut verbatim without surrounding
whitespace), the no-answer score is the lowest over windows, P(no answer) falls as the
margin grows; ``TrainedReader`` and ``FakeReader`` around it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.reading import decode as decoding
from qa.reading.decode import MAX_ANSWER_TOKENS, TOP_K, Evidence, SpanAnswer
from qa.reading.features import NO_OFFSET, Window
from qa.reading.reader import FakeReader, Reading, TrainedReader, p_no_answer


def decode(wins, s, e, passages, n):
    """``decode`` as (best, null, per-passage list), the parts most tests look at."""
    got = decoding.decode(wins, s, e, passages, n)
    return got.best, got.null, list(got.per_passage)


Q_LEN = 3  # question tokens in the hand-made windows: <s> q q q </s></s> context... </s>
HEAD = Q_LEN + 3


def _tokens(passage: str) -> list[tuple[int, int]]:
    """XLM-R-like offsets: each word with its leading space, as the e5 tokenizer gives."""
    out, i = [], 0
    for word in passage.split(" "):
        start = i - 1 if i else 0
        i += len(word)
        if word:
            out.append((start, i))
        i += 1
    return out


def _window(offsets, passage: int = 0) -> Window:
    n = HEAD + len(offsets) + 1
    return Window(
        example=0,
        passage=passage,
        input_ids=(0,) + (5,) * (n - 2) + (2,),
        context_offsets=(NO_OFFSET,) * HEAD + tuple(offsets) + (NO_OFFSET,),
    )


def _logits(wins, fill: float = 0.0):
    width = max(w.length for w in wins)
    s = np.full((len(wins), width), -np.inf, np.float32)
    for r, w in enumerate(wins):
        s[r, : w.length] = fill
    return s, s.copy()


PASSAGE = "Hôm qua Ông Ba đến Huế ."
#          Hôm  qua  Ông  Ba  đến  Huế  .     (context token k is at HEAD + k)


def test_decode_picks_the_best_valid_span_never_a_question_token() -> None:
    win = _window(_tokens(PASSAGE))
    s, e = _logits([win])
    s[0, 0] = e[0, 0] = 1.0  # <s>: no answer scores 2
    s[0, 1:HEAD] = e[0, 1:HEAD] = 100.0  # question and separators: never a span
    s[0, HEAD + 5], s[0, HEAD + 2] = 9.0, 8.0  # starts: Huế, Ông
    e[0, HEAD + 1], e[0, HEAD + 3] = 10.0, 7.0  # ends: qua (before both starts), Ba
    best, null, per_passage = decode([win], s, e, [PASSAGE], 1)
    assert best == SpanAnswer(passage=0, start=8, end=14, text="Ông Ba", score=15.0)
    assert null == 2.0 and per_passage == [15.0]


def test_decode_keeps_spans_within_max_answer_tokens() -> None:
    passage = " ".join(f"w{i}" for i in range(60))
    win = _window(_tokens(passage))
    s, e = _logits([win], fill=-5.0)
    s[0, HEAD] = 10.0
    e[0, HEAD + MAX_ANSWER_TOKENS + 5] = 10.0  # too long
    e[0, HEAD + MAX_ANSWER_TOKENS] = 6.0  # MAX_ANSWER_TOKENS + 1 tokens: too long
    e[0, HEAD + MAX_ANSWER_TOKENS - 1] = 5.0  # exactly MAX_ANSWER_TOKENS tokens
    best, _, _ = decode([win], s, e, [passage], 1)
    assert best.score == 15.0
    assert best.text == " ".join(f"w{i}" for i in range(MAX_ANSWER_TOKENS))


def test_null_is_the_lowest_over_windows_and_best_the_highest() -> None:
    other = "Hà Nội là thủ đô ."
    wins = [_window(_tokens(PASSAGE)), _window(_tokens(other), 1), _window(_tokens(other)[2:], 1)]
    s, e = _logits(wins)
    for r, (s0, e0) in enumerate([(2.0, 1.0), (0.5, 0.25), (4.0, 4.0)]):
        s[r, 0], e[r, 0] = s0, e0
    s[2, HEAD + 1] = e[2, HEAD + 1] = 3.0  # "thủ" (the 4th token of passage 1)
    best, null, per_passage = decode(wins, s, e, [PASSAGE, other], 2)
    assert null == 0.75
    assert (best.passage, best.text, best.score) == (1, "thủ", 6.0)
    assert other[best.start : best.end] == "thủ"
    assert per_passage == [0.0, 6.0]


def test_no_context_token_no_span() -> None:
    wins = [_window([])]
    s, e = _logits(wins, fill=3.0)
    best, null, per_passage = decode(wins, s, e, ["x"], 2)
    assert best is None and null == 6.0 and per_passage == [-math.inf, -math.inf]
    assert decode([], s[:0], e[:0], [], 0) == (None, 0.0, [])


def test_a_blank_top_span_gives_way_to_the_best_real_one() -> None:
    """The e5 tokenizer makes a lone "▁" token before some syllables (" lá" -> "▁", "lá");
    a span of only that token is blank, and must not hide the other spans of the window."""
    passage = "Quả ở nách lá ."
    offsets = [(0, 3), (3, 5), (5, 10), (10, 11), (11, 13), (13, 15)]  # "▁" is (10, 11)
    win = _window(offsets)
    s, e = _logits([win])
    s[0, HEAD + 3] = e[0, HEAD + 3] = 10.0  # the blank token scores best as start and end
    e[0, HEAD + 4] = 8.0  # then "lá"
    best, _, _ = decode([win], s, e, [passage], 1)
    assert best is not None, "the window's real spans were dropped with the blank one"
    assert (best.text, best.start, best.end, best.score) == ("lá", 11, 13, 18.0)


_WORDS = ["Hà", "Nội", "đạt", "1,3", "tỷ", "USD", "lá", "(8,5%)", "Huế", "."]


@st.composite
def _case(draw):
    passages, wins = [], []
    for p in range(draw(st.integers(1, 3))):
        # a passage of words; some with a lone space token before them, as e5 makes
        words = draw(
            st.lists(st.tuples(st.sampled_from(_WORDS), st.booleans()), min_size=1, max_size=TOP_K)
        )
        text, offs = "", []
        for word, lone_space in words:
            at = len(text)  # text ends with a space: the word's leading space is at - 1
            if not text:
                offs.append((0, len(word)))
            elif lone_space:
                offs += [(at - 1, at), (at, at + len(word))]
            else:
                offs.append((at - 1, at + len(word)))
            text += word + " "
        passages.append(text.rstrip())
        offs = offs[:TOP_K]  # top-k is exact for windows of at most TOP_K context tokens
        for _ in range(draw(st.integers(1, 2))):
            a = draw(st.integers(0, len(offs) - 1))
            b = draw(st.integers(a + 1, len(offs)))
            wins.append(_window(offs[a:b], p))
    width = max(w.length for w in wins)
    finite = st.floats(-20, 20, allow_nan=False, width=32)
    s = np.array([draw(st.lists(finite, min_size=width, max_size=width)) for _ in wins], np.float32)
    e = np.array([draw(st.lists(finite, min_size=width, max_size=width)) for _ in wins], np.float32)
    for r, w in enumerate(wins):
        s[r, w.length :] = e[r, w.length :] = -np.inf
    return passages, wins, s, e


@given(_case())
def test_decode_matches_brute_force(case) -> None:
    passages, wins, s, e = case
    best, null, per_passage = decode(wins, s, e, passages, len(passages))
    assert null == min(float(s[r, 0] + e[r, 0]) for r in range(len(wins)))
    want = [-math.inf] * len(passages)
    for r, w in enumerate(wins):
        ctx = [i for i, o in enumerate(w.context_offsets) if o != NO_OFFSET]
        for i in ctx:
            for j in ctx:
                if i <= j < i + MAX_ANSWER_TOKENS:
                    a, b = w.context_offsets[i][0], w.context_offsets[j][1]
                    if passages[w.passage][a:b].strip():
                        want[w.passage] = max(want[w.passage], float(s[r, i] + e[r, j]))
    assert per_passage == pytest.approx(want)
    if max(want) == -math.inf:
        assert best is None
        return
    assert best.score == pytest.approx(max(want))
    ev = decoding.decode(wins, s, e, passages, len(passages)).evidence
    assert ev.margin == pytest.approx(best.score - null)
    assert ev.span_logprob <= 1e-9 and ev.null_logprob <= 1e-9  # log probabilities
    assert 1 <= ev.span_tokens <= MAX_ANSWER_TOKENS
    text = passages[best.passage][best.start : best.end]
    assert best.text == text == text.strip() != ""


@given(m1=st.floats(-50, 50), m2=st.floats(-50, 50), a=st.floats(0.01, 5), b=st.floats(-5, 5))
def test_p_no_answer_falls_as_the_margin_grows(m1, m2, a, b) -> None:
    lo, hi = sorted((m1, m2))
    cal = {"a": a, "b": b}
    assert 0.0 <= p_no_answer(hi, cal) <= p_no_answer(lo, cal) <= 1.0


def test_evidence_of_a_hand_made_window() -> None:
    win = _window(_tokens(PASSAGE))
    s, e = _logits([win], fill=0.0)
    s[0, 0] = e[0, 0] = 1.0
    s[0, HEAD + 2], e[0, HEAD + 3] = 5.0, 5.0  # "Ông Ba"
    ev = decoding.decode([win], s, e, [PASSAGE], 1).evidence
    keep = [0] + list(range(HEAD, HEAD + 7))  # <s> and the passage's 7 tokens
    lse = math.log(sum(math.exp(float(s[0, k])) for k in keep))
    assert ev.span_logprob == pytest.approx(2 * (5.0 - lse))
    assert ev.null_logprob == pytest.approx(2 * (1.0 - lse))
    assert ev.margin == 8.0 and ev.span_tokens == 2.0
    assert ev.log_context_tokens == pytest.approx(math.log(8))


@given(m1=st.floats(-50, 50), m2=st.floats(-50, 50), w=st.floats(0.01, 5), lp=st.floats(-30, 0))
def test_p_no_answer_with_features_falls_as_the_margin_grows(m1, m2, w, lp) -> None:
    lo, hi = sorted((m1, m2))
    cal = {"features": ["margin", "span_logprob"], "weights": [w, 0.3], "bias": -1.0}
    p_hi = p_no_answer(Evidence(margin=hi, span_logprob=lp), cal)
    assert 0.0 <= p_hi <= p_no_answer(Evidence(margin=lo, span_logprob=lp), cal) <= 1.0


def test_p_no_answer_values() -> None:
    assert p_no_answer(0.0, {}) == 0.5  # no calibration: a=1, b=0
    assert p_no_answer(2.0, {"a": 1.0, "b": -2.0}) == 0.5
    assert p_no_answer(1.0, {"a": 2.0, "b": 0.0}) == pytest.approx(1 / (1 + math.exp(2)))
    assert p_no_answer(1e9, {"a": 1.0}) < 1e-20 and p_no_answer(-1e9, {"a": 1.0}) == 1.0


def test_reading_answered_only_with_a_span_under_the_threshold() -> None:
    span = SpanAnswer(passage=0, start=0, end=1, text="x", score=1.0)
    assert Reading(best=span, p_no_answer=0.5).answered
    assert not Reading(best=span, p_no_answer=0.51).answered
    assert Reading(best=span, p_no_answer=0.6, threshold=0.7).answered
    assert not Reading(best=None, p_no_answer=0.0).answered


def test_fake_reader() -> None:
    r = FakeReader({"Ai?": "Ông Ba", "Đâu?": "Huế"}, p_no_answer=0.2)
    got = r.read("Ai?", ["Không có.", "Hôm qua Ông Ba đến Huế; Ông Ba về."])
    assert got.best == SpanAnswer(passage=1, start=8, end=14, text="Ông Ba", score=9.0)
    assert got.answered and got.p_no_answer == 0.2 and got.margin == 5.0
    missing = r.read("Đâu?", ["Hà Nội."])
    assert missing.best is None and missing.p_no_answer == 1.0 and not missing.answered
    assert r.read("Khác?", ["Ông Ba"]).best is None
    assert r.read("Ai?", []).best is None
    doubtful = FakeReader({"Ai?": "Ông Ba"}, p_no_answer=0.9).read("Ai?", ["Ông Ba"])
    assert doubtful.best.text == "Ông Ba" and not doubtful.answered


# --- TrainedReader: hand-made logits through read(), and a tiny model end to end ---------


@pytest.fixture
def stub_reader(tmp_path, tiny_base):
    """A TrainedReader whose model is replaced: ``read`` runs, ``logits`` is hand-made."""
    from transformers import AutoTokenizer

    reader = TrainedReader(folder=tmp_path)
    reader._model = object()  # "loaded": warm_up does nothing
    reader._tok = AutoTokenizer.from_pretrained(str(tiny_base))
    reader._manifest = {
        "calibration": {"a": 0.5, "b": -1.0, "threshold": 0.3},
        "hyperparameters": {"max_len": 48, "stride": 8},
    }
    return reader


def test_trained_reader_read_over_hand_made_logits(stub_reader) -> None:
    passages = ["Hà Nội là thủ đô của Việt Nam.", "Ông Ba đến Huế năm 2024 để dự lễ hội."]
    target = (1, 0, len("Ông Ba"))
    seen = []

    def logits(wins):
        seen.extend(wins)
        width = max(w.length for w in wins)
        s = np.full((len(wins), width), -np.inf, np.float32)
        e = s.copy()
        for r, w in enumerate(wins):
            s[r, : w.length] = e[r, : w.length] = 0.0
            s[r, 0] = e[r, 0] = 1.0
            if w.passage == target[0]:
                for i, (a, b) in enumerate(w.context_offsets):
                    if a <= target[1] < b:
                        s[r, i] = max(s[r, i], 6.0)
                    if a < target[2] <= b:
                        e[r, i] = max(e[r, i], 6.0)
        return s, e

    stub_reader.logits = logits
    reading = stub_reader.read("Ai đến Huế?", passages)
    assert {w.passage for w in seen} == {0, 1}
    assert all(w.length <= 48 for w in seen)  # the manifest's max_len was used
    assert reading.best.text == "Ông Ba" and (reading.best.passage, reading.best.start) == (1, 0)
    assert reading.margin == 12.0 - 2.0
    assert reading.p_no_answer == p_no_answer(10.0, {"a": 0.5, "b": -1.0})
    assert reading.threshold == 0.3 and reading.answered
    assert reading.passage_scores == (0.0, 12.0)
    assert stub_reader.read("Ai?", []) == Reading(best=None, p_no_answer=1.0, threshold=0.3)


def test_english_questions_read_by_their_own_calibration(stub_reader) -> None:
    english = {"a": 0.25, "b": 2.0, "threshold": 0.9}
    stub_reader._manifest["calibration"]["english"] = english

    def flat(wins):
        s = np.full((len(wins), max(w.length for w in wins)), -np.inf, np.float32)
        for r, w in enumerate(wins):
            s[r, : w.length] = 0.0
        return s, s.copy()

    stub_reader.logits = flat
    passage = ["Ông Ba đến Huế năm 2024 để dự lễ hội."]
    en = stub_reader.read("Who came to Hue in 2024?", passage)
    vi = stub_reader.read("Ai đến Huế năm 2024?", passage)
    assert (en.evidence.english, vi.evidence.english) == (1.0, 0.0)
    assert en.threshold == 0.9 and vi.threshold == 0.3 == stub_reader.threshold
    assert en.p_no_answer == p_no_answer(en.evidence.margin, {"a": 0.25, "b": 2.0})
    assert vi.p_no_answer == p_no_answer(vi.evidence.margin, {"a": 0.5, "b": -1.0})


def test_trained_reader_threshold_argument_wins(tmp_path) -> None:
    reader = TrainedReader(folder=tmp_path, threshold=0.8)
    reader._model, reader._manifest = object(), {"calibration": {"threshold": 0.3}}
    assert reader.threshold == 0.8


def test_trained_reader_without_a_folder_says_what_to_do(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="train-reader"):
        TrainedReader(folder=tmp_path / "nope")


def test_trained_reader_end_to_end_on_a_tiny_model(tmp_path, tiny_base, one_torch_thread):
    import torch

    from qa.reading import model as reader_model

    model = reader_model.build(tiny_base, 1)
    with torch.no_grad():
        model.head.weight.mul_(30.0)  # spread the logits
    reader_model.save(
        model,
        tmp_path / "r",
        {
            "calibration": {"a": 1.0, "b": 0.0, "threshold": 0.4},
            "hyperparameters": {"max_len": 40, "stride": 8},
        },
        dtype="fp32",
    )
    reader = TrainedReader(folder=tmp_path / "r", dtype="fp32", base=tiny_base)
    passages = ["Ông Ba đến Huế năm 2024 để dự lễ hội hoà bình.", "Hà Nội là thủ đô.", ""]
    reading = reader.read("Ai đến Huế?", passages)
    assert reader.threshold == 0.4
    assert reading.best is not None
    text = passages[reading.best.passage][reading.best.start : reading.best.end]
    assert reading.best.text == text == text.strip() != ""
    assert 0.0 <= reading.p_no_answer <= 1.0 and len(reading.passage_scores) == 3
    # logits of a padded batch equal those of each window alone
    from qa.reading.features import windows

    wins = windows(reader._tok, "Ai đến Huế?", passages, max_len=40, stride=8)
    assert len({w.length for w in wins}) > 1  # so there is padding
    s, e = reader.logits(wins)
    for r, w in enumerate(wins):
        s1, e1 = reader.logits([w])
        assert np.allclose(s[r, : w.length], s1[0], atol=1e-5)
        assert np.allclose(e[r, : w.length], e1[0], atol=1e-5)
        assert np.isneginf(s[r, w.length :]).all() and np.isneginf(e[r, w.length :]).all()
