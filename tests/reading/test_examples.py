"""The reader's training examples: SQuAD files in, exact answer offsets out (re-anchored or
dropped answers counted), bad files named, and own-article negatives that never hold the
answer."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.normalize import normalize_text
from qa.reading.examples import DataError, Example, article_negatives, load_squad


def _write(tmp_path: Path, data, name: str = "squad.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"version": "v2.0", "data": data}, ensure_ascii=False), "utf-8")
    return path


def _qa(qid: str, question: str, text: str | None, start: int = 0, impossible: bool = False):
    answers = [] if text is None else [{"text": text, "answer_start": start}]
    return {"id": qid, "question": question, "answers": answers, "is_impossible": impossible}


CONTEXT = "Hôm qua, Ông Ba đến Huế. Sáng nay Ông Ba về Hà Nội."
FIRST, SECOND = CONTEXT.index("Ông Ba"), CONTEXT.rindex("Ông Ba")


def test_load_squad_reanchors_drops_and_keeps_unanswerable(tmp_path: Path) -> None:
    qas = [
        _qa("ok", "Ai đến Huế?", "Ông Ba", FIRST),
        _qa("early", "Ai đến Huế hôm qua?", "Ông Ba", FIRST + 3),  # nearest: the first
        _qa("late", "Ai về Hà Nội?", "Ông Ba", SECOND - 2),  # nearest: the second
        _qa("absent", "Ai ở Đà Nẵng?", "Bà Tư", 5),
        _qa("none", "Ai ở Vinh?", None, impossible=True),
    ]
    rep = load_squad(
        _write(tmp_path, [{"title": "T", "paragraphs": [{"context": CONTEXT, "qas": qas}]}])
    )
    by_id = {e.id: e for e in rep.examples}
    assert set(by_id) == {"ok", "early", "late", "none"}
    assert (rep.reanchored, rep.dropped) == (2, 1)
    assert rep.counts == {"answerable": 3, "unanswerable": 1}
    assert by_id["ok"].answer_start == FIRST
    assert by_id["early"].answer_start == FIRST
    assert by_id["late"].answer_start == SECOND
    for qid in ("ok", "early", "late"):
        ex = by_id[qid]
        assert ex.context[ex.answer_start : ex.answer_end] == "Ông Ba" == ex.answers[0]
    none = by_id["none"]
    assert none.answer_start is None and none.answer_end is None and not none.answerable
    assert none.answers == () and none.context == CONTEXT
    assert {e.source for e in rep.examples} == {"squad"}
    assert by_id["ok"].title == "T#0"


def test_offsets_stay_exact_through_normalization(tmp_path: Path) -> None:
    """Decomposed letters, zero-width spaces and the old tone placement before (and in) the
    answer change lengths; the answer's offsets must follow."""
    nfd = unicodedata.normalize("NFD", "Lễ ký kết ở Thừa Thiên Huế")
    context = f"{nfd}\u200b\u200b, \u00a0Uỷ ban hoà bình\u200b đã họp. Thuý dự."
    answer, place = "Uỷ ban hoà bình", unicodedata.normalize("NFD", "Thừa Thiên Huế")
    start = context.index(answer)
    qas = [
        _qa("q1", "Ai họp?", answer, start),
        _qa("q2", "Ai dự?", "Thuý", start + 3),  # off by a few: re-anchored
        _qa("q3", "Ở đâu?", place, context.index(place)),  # decomposed, in place
    ]
    data = [{"title": "T", "paragraphs": [{"context": context, "qas": qas}]}]
    rep = load_squad(_write(tmp_path, data))
    assert rep.dropped == 0 and rep.reanchored == 1
    for ex in rep.examples:
        assert ex.context[ex.answer_start : ex.answer_end] == ex.answers[0]
        assert ex.context == normalize_text(ex.context)  # no zero-width, NFC, one tone style
        assert "\u200b" not in ex.context
    q1, q2, q3 = rep.examples
    assert q1.answers[0] == "Ủy ban hòa bình" == normalize_text(answer)
    assert q2.answers[0] == "Thúy"
    assert q3.answers[0] == "Thừa Thiên Huế" and unicodedata.is_normalized("NFC", q3.context)


_PIECES = [
    "hoà",
    "hòa",
    "Uỷ",
    "thuý",
    "khoẻ",
    "Huế",
    "ông",
    "1,3",
    "tỷ",
    "USD",
    ".",
    ",",
    " ",
    " ",
    "  ",
    "\u200b",
    "\u00a0",
    "\ufeff",
    "\n",
    unicodedata.normalize("NFD", "Thừa"),
    unicodedata.normalize("NFD", "đạt"),
]
_text = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
_answer = (
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5)
    .map("".join)
    .filter(lambda a: normalize_text(a).strip() != "" and a.strip() == a)
)


@given(before=_text, answer=_answer, after=_text, shift=st.integers(-6, 6))
def test_every_loaded_answer_is_cut_exactly(tmp_path_factory, before, answer, after, shift):
    context = before + answer + after
    start = max(0, len(before) + shift)
    data = [
        {"title": "T", "paragraphs": [{"context": context, "qas": [_qa("q", "?", answer, start)]}]}
    ]
    rep = load_squad(_write(tmp_path_factory.mktemp("p"), data))
    assert rep.dropped == 0  # the answer is in the context, so it is found
    (ex,) = rep.examples
    assert ex.context[ex.answer_start : ex.answer_end] == ex.answers[0] == normalize_text(answer)
    if shift == 0:
        assert rep.reanchored == 0 and ex.answer_start == len(normalize_text(before))
    raw = context[start : start + len(answer)] == answer
    assert rep.reanchored == (0 if raw else 1)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"no_data": []}',
        "[1, 2]",
        '{"data": {"title": "x"}}',  # data is not a list of articles
        '{"data": [{"paragraphs": [{"qas": [{"id": "1", "question": "q", "answers": []}]}]}]}',
        '{"data": [{"paragraphs": [{"context": "abc", "qas": [{"question": "q"}]}]}]}',
        '{"data": [{"paragraphs": [{"context": "abc", "qas": [{"id": "1", "question": "q",'
        ' "answers": [{"text": "b", "answer_start": "x"}]}]}]}]}',
    ],
    ids=["not-json", "no-data", "list", "data-dict", "no-context", "no-id", "bad-start"],
)
def test_malformed_file_raises_data_error_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broken_squad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match="broken_squad.json"):
        load_squad(path)


def test_missing_or_binary_file_raises_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="nope.json"):
        load_squad(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="bin.json"):
        load_squad(tmp_path / "bin.json")


def _ex(qid: str, context: str, title: str, answer: str | None, question: str = "") -> Example:
    start = context.find(answer) if answer else None
    return Example(
        id=qid,
        question=question,
        context=context,
        answer_start=start,
        answers=(answer,) if answer else (),
        title=title,
    )


def test_article_negatives_pick_a_same_article_paragraph_without_the_answer() -> None:
    q = "Ông Ba đến Huế ngày nào để dự lễ hội?"
    own = _ex("a", "Ông Ba đến Huế ngày 2/9 để dự lễ hội.", "T#0", "Ông Ba", q)
    exs = [
        own,
        # shares the most words, but holds the answer (in another case): never the negative
        _ex("b", "ông ba đến Huế ngày 3/9 dự lễ hội lần nữa.", "T#1", None),
        _ex("c", "Lễ hội ở Huế kéo dài ba ngày.", "T#2", None),  # the right negative
        _ex("d", "Trời mưa.", "T#3", None),  # shares no word
        _ex("e", "Ông Tư đến Huế ngày 2/9 để dự lễ hội lớn.", "U#0", None),  # other article
    ]
    (neg,) = article_negatives(exs)
    assert neg.context == "Lễ hội ở Huế kéo dài ba ngày."
    assert neg.id == "a-neg" and neg.question == q
    assert neg.answer_start is None and neg.answers == () and not neg.answerable


def test_no_negative_when_every_other_paragraph_holds_the_answer() -> None:
    exs = [
        _ex("a", "Ông Ba đến Huế.", "T#0", "Ông Ba", "Ai đến Huế?"),
        _ex("b", "Ở Huế, Ông Ba nghỉ.", "T#1", None),
        _ex("c", "Huế đẹp.", "", None),  # no title: no article
    ]
    assert article_negatives(exs) == []


def test_article_negatives_every_nth() -> None:
    exs = [
        _ex(f"q{i}", f"Ông Ba số {i} đến Huế.", f"T#{i}", f"số {i}", "Ai đến Huế?")
        for i in range(6)
    ]
    negs = article_negatives(exs, every=3)
    assert [n.id for n in negs] == ["q0-neg", "q3-neg"]


_WORDS = ["ông", "ba", "đến", "huế", "hà", "nội", "mưa", "lễ", "hội", "tư"]


@given(
    paragraphs=st.lists(
        st.tuples(st.integers(0, 2), st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8)),
        min_size=1,
        max_size=8,
    ),
    answer=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=2).map(" ".join),
    question=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=5).map(" ".join),
)
def test_negatives_never_hold_the_answer(paragraphs, answer, question) -> None:
    exs, contexts = [], {}
    for i, (article, words) in enumerate(paragraphs):
        ctx = " ".join(words)
        title = f"A{article}#{i}"
        contexts[title] = ctx
        if answer in ctx:
            exs.append(_ex(f"q{i}", ctx, title, answer, question))
        else:
            exs.append(_ex(f"u{i}", ctx, title, None, question))
    by_id = {e.id: e for e in exs}
    for neg in article_negatives(exs):
        src = by_id[neg.id.removesuffix("-neg")]
        article, _, own = src.title.rpartition("#")
        same = {t: c for t, c in contexts.items() if t.rpartition("#")[0] == article}
        assert neg.context in [c for t, c in same.items() if t != src.title]
        assert answer.lower() not in neg.context.lower()
        assert neg.answer_start is None and neg.answers == ()
