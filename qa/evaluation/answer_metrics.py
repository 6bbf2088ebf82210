"""Answer-quality scores for ``hoidap eval``: EM/F1 against gold answers, citations, refusals.

Text scores follow SQuAD/MLQA (normalize, then exact match and bag-of-tokens F1, best over
the gold answers) without the English-only rule that drops "a/an/the". Tokens are split on
whitespace after normalization, so for Vietnamese a token is a syllable. EM/F1/containment
cover answerable questions with a gold answer (a refusal scores 0); citation precision pools
the distinct cited docs of non-refused answerable answers. Empty groups score ``None``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from corpus.normalize import normalize_text
from qa.evaluation.metrics import percentile
from qa.evaluation.questions import source_matches

# Citation markers: [1], [1, 2], [1][3], [2-4]. Scoring removes them from the answer text,
# else "Hà Lan [1]" would not match the gold "Hà Lan" (and "1" would count as a token).
_MARKER = re.compile(r"\[\s*\d+(?:\s*[,;\u2013-]\s*\d+)*\s*\]")


def _inside_number(text: str, i: int) -> bool:
    """True for the ``,``/``.`` of ``1.165`` or ``8,5``: a separator between two digits."""
    if text[i] not in ",." or not 0 < i < len(text) - 1:
        return False
    return text[i - 1].isdigit() and text[i + 1].isdigit()


def normalize_answer(text: str) -> str:
    """Lowercase, punctuation-free, single-spaced text for comparing answers.

    * ``corpus.normalize.normalize_text`` first: NFC, so precomposed Vietnamese letters keep
      their diacritics, and one tone placement: ``hoà`` equals ``hòa`` (which is not ``hoa``).
    * ``,``/``.`` between digits is deleted as in SQuAD: ``1.165``, ``1,165``, ``1165`` agree.
    * Other punctuation (Unicode P*) becomes a space; deleting it would glue words
      (``Hà Nội-Viêng Chăn``) and turn the range ``2024-2025`` into one number.
    * ``%`` and symbols (S*: ``$``, ``°``) carry meaning, so each stays as its own token:
      the press writes both ``8,5%`` and ``8,5 %``.

    >>> normalize_answer("  Tăng 8,5%  (so với 2024-2025)! ")
    'tăng 85 % so với 2024 2025'
    >>> normalize_answer("Hoà bình") == normalize_answer("hòa bình") != normalize_answer("hoa bình")
    True
    """
    text = normalize_text(text).lower()
    out = []
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if ch == "%" or category.startswith("S"):
            out.append(f" {ch} ")
        elif category.startswith("P"):
            out.append("" if _inside_number(text, i) else " ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _normalized_golds(golds: Sequence[str]) -> list[str]:
    if not golds:
        raise ValueError("no gold answers to compare with (score only questions that have some)")
    return [normalize_answer(g) for g in golds]


def exact_match(pred: str, golds: Sequence[str]) -> float:
    """1.0 when the normalized prediction equals some normalized gold answer, else 0.0.

    >>> exact_match("Hà Nội.", ["hà nội", "Thủ đô"]), exact_match("Hà Nội", ["Hà Lan"])
    (1.0, 0.0)
    """
    p = normalize_answer(pred)
    return float(any(p == g for g in _normalized_golds(golds)))


def _f1(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    if not pred_tokens or not gold_tokens:
        # SQuAD: two empty answers agree; an empty and a non-empty one share nothing.
        return float(pred_tokens == gold_tokens)
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_tokens), common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(pred: str, golds: Sequence[str]) -> float:
    """Best token-overlap F1 (0-1) of the prediction against any gold answer.

    >>> token_f1("1,3 tỷ USD", ["1,3 tỷ"])  # precision 2/3, recall 1
    0.8
    """
    p = normalize_answer(pred).split()
    return max(_f1(p, g.split()) for g in _normalized_golds(golds))


def contains_gold(pred: str, golds: Sequence[str]) -> bool:
    """True when some normalized gold answer occurs in the prediction as whole tokens.

    Whole tokens, so gold ``8`` is not found in ``85``. An empty normalized gold is found
    only in an empty prediction, so exact match always implies containment.

    >>> contains_gold("GRDP tăng 8,5% so với", ["8,5%"]), contains_gold("tăng 85%", ["8"])
    (True, False)
    """
    p = normalize_answer(pred)
    return any(g == p or (g and f" {g} " in f" {p} ") for g in _normalized_golds(golds))


@dataclass(frozen=True, kw_only=True)
class AnswerRecord:
    """One question's generated answer with what it is scored against.

    ``answer`` is the generated text with its ``[n]`` markers (scoring drops them);
    ``cited_docs`` are the article ids those markers point at, in order; ``sources`` the gold
    article ids (matched by ``source_matches``); ``markers_valid`` is whether every ``[n]``
    pointed at a shown passage. ``first_token_ms`` is ``None`` when nothing was streamed.
    """

    id: str
    type: str
    answerable: bool
    golds: tuple[str, ...] = ()
    answer: str
    refused: bool = False
    cited_docs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    markers_valid: bool = True
    first_token_ms: float | None = None
    total_ms: float = 0.0


@dataclass(frozen=True, kw_only=True)
class TypeRow:
    """Scores of one question type; ``refused`` is over all ``n`` questions of the type."""

    name: str
    n: int
    f1: float | None
    contains_gold: float | None
    refused: float


@dataclass(frozen=True, kw_only=True)
class AnswerReport:
    """Answer-quality scores. EM and F1 are 0-100; every other rate is a 0-1 fraction.

    ``n_scored`` counts the answerable questions with a gold answer (EM/F1/contains_gold
    average over them). ``None`` marks a score whose group is empty.
    """

    n: int
    n_answerable: int
    n_unanswerable: int
    n_scored: int
    exact_match: float | None
    f1: float | None
    contains_gold: float | None
    citation_precision: float | None
    answers_with_citation: float | None
    markers_valid: float
    refusal_accuracy: float | None
    false_refusal_rate: float | None
    first_token_p50_ms: float | None
    first_token_p95_ms: float | None
    total_p50_ms: float | None
    total_p95_ms: float | None
    by_type: tuple[TypeRow, ...]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict; unscorable values are ``None`` (``null``), never NaN.

        >>> r = answer_report([AnswerRecord(id="q", type="t", answerable=True, golds=("a",),
        ...                                 answer="a", sources=("d",), total_ms=5.0)])
        >>> r.to_dict()["f1"], r.to_dict()["latency_ms"]["first_token"]["p50"]
        (100.0, None)
        """
        out = asdict(self)
        out["latency_ms"] = {
            kind: {q: out.pop(f"{kind}_{q}_ms") for q in ("p50", "p95")}
            for kind in ("first_token", "total")
        }
        out["by_type"] = {row.pop("name"): row for row in out["by_type"]}
        return out

    def format_table(self) -> str:
        """A plain-text table: one row per type, then overall scores and latency.

        >>> r = answer_report([AnswerRecord(id="q", type="t", answerable=True, golds=("a",),
        ...                                 answer="a", sources=("d",), total_ms=5.0)])
        >>> print(r.format_table().splitlines()[1])
        t        1   100.0    1.000    0.000
        """
        width = max(len("type"), *(len(row.name) for row in self.by_type)) + 2
        lines = ["type".ljust(width) + f"{'n':>4}{'F1':>8}{'contains':>9}{'refused':>9}"]
        lines += [
            row.name.ljust(width) + f"{row.n:>4}{_fmt(row.f1, 1):>8}"
            f"{_fmt(row.contains_gold):>9}{_fmt(row.refused):>9}"
            for row in self.by_type
        ]
        lines += [
            f"EM {_fmt(self.exact_match, 1)}  F1 {_fmt(self.f1, 1)}  contains "
            f"{_fmt(self.contains_gold)}  (scored {self.n_scored} of {self.n_answerable} "
            f"answerable; {self.n_unanswerable} unanswerable)",
            f"citations: precision {_fmt(self.citation_precision)}  answers cited "
            f"{_fmt(self.answers_with_citation)}  markers valid {_fmt(self.markers_valid)}",
            f"refusals: accuracy {_fmt(self.refusal_accuracy)}  "
            f"false-refusal rate {_fmt(self.false_refusal_rate)}",
            f"latency ms: first token p50 {_fmt(self.first_token_p50_ms, 1)} "
            f"p95 {_fmt(self.first_token_p95_ms, 1)}  total p50 {_fmt(self.total_p50_ms, 1)} "
            f"p95 {_fmt(self.total_p95_ms, 1)}  (n={self.n})",
        ]
        return "\n".join(lines)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _mean(values: Sequence[float], scale: float = 1.0) -> float | None:
    # fsum is exactly rounded, so the score does not depend on the order of the records.
    return scale * math.fsum(values) / len(values) if values else None


def _record_scores(r: AnswerRecord) -> tuple[float, float, float]:
    """EM, F1 and containment (each 0-1) of one record with golds; a refusal scores 0."""
    if r.refused:
        return 0.0, 0.0, 0.0
    pred = _MARKER.sub(" ", r.answer)
    return exact_match(pred, r.golds), token_f1(pred, r.golds), float(contains_gold(pred, r.golds))


def _text_scores(records: Iterable[AnswerRecord]) -> list[tuple[float, float, float]]:
    # Answerable questions without a gold answer (retrieval-only) have nothing to match.
    return [_record_scores(r) for r in records if r.answerable and r.golds]


def _type_row(name: str, records: list[AnswerRecord]) -> TypeRow:
    scores = _text_scores(records)
    f1, found = _mean([s[1] for s in scores], 100), _mean([s[2] for s in scores])
    refused = sum(r.refused for r in records) / len(records)
    return TypeRow(name=name, n=len(records), f1=f1, contains_gold=found, refused=refused)


def _citation_precision(records: list[AnswerRecord]) -> float | None:
    # Distinct docs per answer: citing two passages of one article is one cited doc.
    hits = [
        float(any(source_matches(doc, s) for s in r.sources))
        for r in records
        if r.answerable and not r.refused
        for doc in dict.fromkeys(r.cited_docs)
    ]
    return _mean(hits)


def answer_report(records: Iterable[AnswerRecord]) -> AnswerReport:
    """Score generated answers overall and per question type.

    >>> recs = [AnswerRecord(id="a", type="x", answerable=True, golds=("Hà Lan",), total_ms=100.0,
    ...             answer="Hà Lan [1]", cited_docs=("000_x", "001_y"), sources=("000",)),
    ...         AnswerRecord(id="b", type="y", answerable=False, answer="Không rõ.", refused=True)]
    >>> r = answer_report(recs)
    >>> r.exact_match, r.citation_precision, r.refusal_accuracy, r.total_p50_ms
    (100.0, 0.5, 1.0, 50.0)
    """
    records = list(records)
    if not records:
        raise ValueError("answer_report: no records to score (did any question get an answer?)")
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    scores = _text_scores(answerable)
    groups: dict[str, list[AnswerRecord]] = {}
    for r in records:
        groups.setdefault(r.type, []).append(r)
    first = [r.first_token_ms for r in records if r.first_token_ms is not None]
    total = [r.total_ms for r in records]
    return AnswerReport(
        n=len(records),
        n_answerable=len(answerable),
        n_unanswerable=len(unanswerable),
        n_scored=len(scores),
        exact_match=_mean([s[0] for s in scores], 100),
        f1=_mean([s[1] for s in scores], 100),
        contains_gold=_mean([s[2] for s in scores]),
        citation_precision=_citation_precision(records),
        answers_with_citation=_mean([float(bool(r.cited_docs)) for r in records if not r.refused]),
        markers_valid=sum(r.markers_valid for r in records) / len(records),
        refusal_accuracy=_mean([float(r.refused) for r in unanswerable]),
        false_refusal_rate=_mean([float(r.refused) for r in answerable]),
        first_token_p50_ms=percentile(first, 50),
        first_token_p95_ms=percentile(first, 95),
        total_p50_ms=percentile(total, 50),
        total_p95_ms=percentile(total, 95),
        by_type=tuple(_type_row(t, groups[t]) for t in sorted(groups)),
    )
