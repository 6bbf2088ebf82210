"""Training and dev examples for the reader, read from SQuAD 1.1 / 2.0 JSON files.

An ``Example`` is one question over one context; ``answer_start`` is ``None`` when the
context holds no answer. Text is passed through ``normalize_text`` piecewise (before,
answer, after) so the answer's offsets stay exact.

>>> ex = Example(id="q1", question="Ai?", context="Ông Ba đến.", answer_start=0,
...              answers=("Ông Ba",), source="t")
>>> ex.context[ex.answer_start:ex.answer_end]
'Ông Ba'
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from corpus.normalize import normalize_text

_WORD = re.compile(r"\w+")


# Licences of the known training files, by file name (../shared/datasets/README.md).
LICENCES = {
    "train_ViQuAD.json": "UIT-ViQuAD 1.0: free for research use (UIT)",
    "dev_ViQuAD.json": "UIT-ViQuAD 1.0: free for research use (UIT)",
    "train-v2.0.json": "mailong25 Vietnamese SQuAD 2.0: licence not stated by the source",
    "dev-v2.0.json": "mailong25 Vietnamese SQuAD 2.0: licence not stated by the source",
    "train_reg.json": "Th1nhNg0/seminar: licence not stated by the source",
    "train_wiki.json": "Th1nhNg0/seminar: licence not stated by the source",
    "train-v2.0-first-10-articles.json": "SQuAD 2.0 (English): CC BY-SA 4.0",
    "dev-v2.0-first-half.json": "SQuAD 2.0 (English): CC BY-SA 4.0",
    # scripts/cross_lingual_squad.py: ViQuAD train paragraphs and answers, its questions
    # also machine-translated into English by the shipped generator (Qwen2.5-Coder, Apache-2.0)
    "viquad-train-paired.json": "UIT-ViQuAD 1.0: free for research use (UIT); "
    "English questions machine-translated in this project",
}


def licence_of(path: str | Path) -> str:
    """The licence of a known data file, or a note that it is not known here.

    >>> licence_of("x/train_ViQuAD.json")
    'UIT-ViQuAD 1.0: free for research use (UIT)'
    """
    return LICENCES.get(Path(path).name, "unknown: check the data's source before shipping")


class DataError(ValueError):
    """A data file that is not SQuAD-format JSON, with what to do about it."""


@dataclass(frozen=True, kw_only=True)
class Example:
    """One question over one context; ``answer_start is None`` means no answer in it."""

    id: str
    question: str
    context: str
    answer_start: int | None
    answers: tuple[str, ...] = ()  # every gold text (dev sets have several); [0] is trained
    source: str = ""
    title: str = ""

    @property
    def answerable(self) -> bool:
        return self.answer_start is not None

    @property
    def answer_end(self) -> int | None:
        if self.answer_start is None:
            return None
        return self.answer_start + len(self.answers[0])


@dataclass(frozen=True, kw_only=True)
class LoadReport:
    """What ``load_squad`` read: examples, plus how many answers it re-anchored or dropped."""

    examples: tuple[Example, ...]
    reanchored: int = 0
    dropped: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def load_squad(path: str | Path, source: str | None = None) -> LoadReport:
    """Read a SQuAD 1.1 / 2.0 file; misplaced ``answer_start`` values are re-anchored to
    the nearest occurrence of the answer text, or the answer is dropped if absent.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(
            f"{path}: not a readable SQuAD JSON file ({exc}); expected "
            '{"data": [{"title", "paragraphs": [{"context", "qas": [...]}]}]}'
        ) from exc
    source = source or path.stem
    out: list[Example] = []
    fixed = dropped = 0
    try:
        for article in data:
            for pi, para in enumerate(article.get("paragraphs", [])):
                for qa in para.get("qas", []):
                    ex, how = _example(qa, para["context"], article.get("title", ""), source, pi)
                    fixed += how == "reanchored"
                    dropped += how == "dropped"
                    if ex is not None:
                        out.append(ex)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise DataError(
            f"{path}: not SQuAD-format JSON ({type(exc).__name__}: {exc}); each paragraph needs "
            '"context" and "qas", each question "id", "question" and "answers": '
            '[{"text", "answer_start" (an integer)}]'
        ) from exc
    answerable = sum(e.answerable for e in out)
    counts = {"answerable": answerable, "unanswerable": len(out) - answerable}
    return LoadReport(examples=tuple(out), reanchored=fixed, dropped=dropped, counts=counts)


def _example(qa: dict, context: str, title: str, source: str, pi: int):
    texts = [a["text"] for a in qa.get("answers", []) if a.get("text", "").strip()]
    base = dict(id=str(qa["id"]), source=source, title=f"{title}#{pi}" if title else "")
    if qa.get("is_impossible") or not texts:
        ctx, q = normalize_text(context), normalize_text(qa["question"])
        return Example(question=q, context=ctx, answer_start=None, **base), "ok"
    first = qa["answers"][0]
    text, start = first["text"], int(first.get("answer_start", -1))
    how = "ok"
    if context[start : start + len(text)] != text:
        start = _nearest(context, text, start)
        how = "reanchored" if start >= 0 else "dropped"
        if start < 0:
            return None, how
    before, after = context[:start], context[start + len(text) :]
    nb, na = normalize_text(before), normalize_text(text)
    return (
        Example(
            question=normalize_text(qa["question"]),
            context=nb + na + normalize_text(after),
            answer_start=len(nb),
            answers=tuple(dict.fromkeys([na, *(normalize_text(t) for t in texts)])),
            **base,
        ),
        how,
    )


def _nearest(context: str, text: str, start: int) -> int:
    hits = [m.start() for m in re.finditer(re.escape(text), context)]
    return min(hits, key=lambda h: abs(h - start)) if hits else -1


def article_negatives(examples: list[Example], every: int = 1) -> list[Example]:
    """Unanswerable pairs like those met in use: each answerable question (every
    ``every``-th) paired with the paragraph of its own article that shares most words
    with it but does not contain the answer.

    >>> a = Example(id="a", question="Ai đến Huế?", context="Ông Ba đến Huế.", answer_start=0,
    ...             answers=("Ông Ba",), title="T#0")
    >>> b = replace(a, id="b", context="Huế mưa to.", answer_start=None, answers=(),
    ...             title="T#1")
    >>> [n.context for n in article_negatives([a, b])]
    ['Huế mưa to.']
    """
    paragraphs: dict[str, dict[str, str]] = defaultdict(dict)
    for ex in examples:
        article, _, para = ex.title.rpartition("#")
        if article:
            paragraphs[article][para] = ex.context
    out = []
    for i, ex in enumerate(e for e in examples if e.answerable):
        article, _, para = ex.title.rpartition("#")
        if i % every or not article:
            continue
        best = _most_similar(ex, paragraphs[article], para)
        if best is not None:
            out.append(replace(ex, id=f"{ex.id}-neg", context=best, answer_start=None, answers=()))
    return out


def _most_similar(ex: Example, paragraphs: dict[str, str], own: str) -> str | None:
    words = set(_WORD.findall(ex.question.lower()))
    gold = [a.lower() for a in ex.answers]
    best, best_score = None, 0
    for key, text in paragraphs.items():
        low = text.lower()
        if key == own or any(g in low for g in gold):
            continue
        score = len(words & set(_WORD.findall(low)))
        if score > best_score:
            best, best_score = text, score
    return best
