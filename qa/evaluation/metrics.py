"""Retrieval scores for ``hoidap eval``: recall@k and MRR by article, plus latency.

Scoring is by article: a question is hit at rank r when the r-th retrieved doc id (1-based,
in the order the retriever returned them) names one of its sources (``source_matches``).
The list is not de-duplicated: several chunks of one article occupy several positions, and
the article counts at its first one. So R@k reads "among the first k retrieved chunks".
Only answerable questions (with sources) are scored; unanswerable ones are counted apart.
Latency percentiles cover every question.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa.evaluation.questions import source_matches

DEFAULT_KS = (1, 5, 10)
OVERALL = "overall"


@dataclass(frozen=True, kw_only=True)
class EvalRecord:
    """One question's outcome: its sources and the doc ids retrieved for it, best first.

    >>> rec = EvalRecord(id="q1", type="fact", sources=("000",), retrieved=("001_b", "000_a"),
    ...                  latency_ms=12.5)
    >>> rec.answerable
    True
    """

    id: str
    type: str
    sources: tuple[str, ...]
    retrieved: tuple[str, ...]
    latency_ms: float

    @property
    def answerable(self) -> bool:
        return bool(self.sources)


@dataclass(frozen=True, kw_only=True)
class ScoreRow:
    """Scores of one group of questions; ``None`` where the group has nothing to score.

    ``recall[i]`` is recall at the report's ``ks[i]``; ``n`` counts answerable questions.
    """

    name: str
    n: int
    n_unanswerable: int
    recall: tuple[float | None, ...]
    mrr: float | None


@dataclass(frozen=True, kw_only=True)
class RetrievalReport:
    """Overall and per-type retrieval scores with latency percentiles.

    >>> rec = EvalRecord(id="q", type="t", sources=("a",), retrieved=("b", "a"), latency_ms=5.0)
    >>> r = retrieval_report([rec], ks=(1, 2))
    >>> r.overall.recall, r.overall.mrr
    ((0.0, 1.0), 0.5)
    """

    ks: tuple[int, ...]
    mrr_k: int
    n: int
    overall: ScoreRow
    by_type: tuple[ScoreRow, ...]
    latency_p50_ms: float | None
    latency_p95_ms: float | None

    @property
    def rows(self) -> tuple[ScoreRow, ...]:
        """The overall row first, then one per question type (sorted by name)."""
        return (self.overall, *self.by_type)

    def _row_dict(self, row: ScoreRow) -> dict[str, object]:
        out: dict[str, object] = {"n": row.n, "n_unanswerable": row.n_unanswerable}
        out.update({f"recall@{k}": v for k, v in zip(self.ks, row.recall, strict=True)})
        out[f"mrr@{self.mrr_k}"] = row.mrr
        return out

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict; unscorable values are ``None`` (``null``), never NaN.

        >>> rec = EvalRecord(id="q", type="t", sources=("a",), retrieved=("a",), latency_ms=5.0)
        >>> r = retrieval_report([rec], ks=(1,))
        >>> r.to_dict()["overall"]["recall@1"], r.to_dict()["latency_ms"]["p50"]
        (1.0, 5.0)
        """
        return {
            "n": self.n,
            "ks": list(self.ks),
            "mrr_k": self.mrr_k,
            "overall": self._row_dict(self.overall),
            "by_type": {row.name: self._row_dict(row) for row in self.by_type},
            "latency_ms": {"p50": self.latency_p50_ms, "p95": self.latency_p95_ms},
        }

    def format_table(self) -> str:
        """A plain-text table: one row for overall and one per type, then latency.

        >>> rec = EvalRecord(id="q", type="t", sources=("a",), retrieved=("a",), latency_ms=5.0)
        >>> r = retrieval_report([rec], ks=(1,))
        >>> print(r.format_table().splitlines()[1])
        overall       1      0   1.000   1.000
        """
        width = max(len(row.name) for row in self.rows) + 2
        heads = [f"R@{k}" for k in self.ks] + [f"MRR@{self.mrr_k}"]
        lines = ["type".ljust(width) + f"{'n':>6} {'unans':>6}" + "".join(f"{h:>8}" for h in heads)]
        for row in self.rows:
            cells = "".join(f"{_fmt(v):>8}" for v in (*row.recall, row.mrr))
            lines.append(row.name.ljust(width) + f"{row.n:>6} {row.n_unanswerable:>6}" + cells)
        lines.append(
            f"latency ms: p50 {_fmt(self.latency_p50_ms, 1)}  "
            f"p95 {_fmt(self.latency_p95_ms, 1)}  (n={self.n})"
        )
        return "\n".join(lines)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def first_hit_rank(record: EvalRecord) -> int | None:
    """1-based position of the first retrieved doc id naming a source, else ``None``.

    >>> rec = EvalRecord(id="q", type="t", sources=("000",),
    ...                  retrieved=("001_x", "000_y", "000_y"), latency_ms=1.0)
    >>> first_hit_rank(rec)
    2
    """
    for rank, doc_id in enumerate(record.retrieved, start=1):
        if any(source_matches(doc_id, s) for s in record.sources):
            return rank
    return None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100), linear between closest ranks; ``None`` when empty.

    >>> percentile([10.0, 20.0, 30.0, 40.0], 50), percentile([1.0, 2.0], 95)
    (25.0, 1.95)
    """
    data = sorted(v for v in values if not math.isnan(v))
    if not data:
        return None
    pos = (len(data) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def _score(name: str, records: list[EvalRecord], ks: tuple[int, ...], mrr_k: int) -> ScoreRow:
    scored = [r for r in records if r.answerable]
    unanswerable = len(records) - len(scored)
    if not scored:
        return ScoreRow(
            name=name, n=0, n_unanswerable=unanswerable, recall=tuple(None for _ in ks), mrr=None
        )
    ranks = [first_hit_rank(r) for r in scored]
    recall = tuple(sum(1 for r in ranks if r is not None and r <= k) / len(ranks) for k in ks)
    # fsum is exactly rounded, so the score does not depend on the order of the records.
    mrr = math.fsum(1 / r for r in ranks if r is not None and r <= mrr_k) / len(ranks)
    return ScoreRow(name=name, n=len(scored), n_unanswerable=unanswerable, recall=recall, mrr=mrr)


def retrieval_report(
    records: Iterable[EvalRecord], ks: Sequence[int] = DEFAULT_KS, mrr_k: int = 10
) -> RetrievalReport:
    """Score retrieval records overall and per question type.

    >>> recs = [
    ...     EvalRecord(id="a", type="x", sources=("d1",), retrieved=("d2", "d1"), latency_ms=10.0),
    ...     EvalRecord(id="b", type="y", sources=("d9",), retrieved=("d1",), latency_ms=30.0),
    ... ]
    >>> r = retrieval_report(recs, ks=(1, 2))
    >>> r.overall.recall, r.overall.mrr, r.latency_p50_ms
    ((0.0, 0.5), 0.25, 20.0)
    """
    records = list(records)
    ks = tuple(ks)
    if not records:
        raise ValueError("retrieval_report: no records to score (did the question file load?)")
    if not ks or any(not isinstance(k, int) or k < 1 for k in ks) or list(ks) != sorted(set(ks)):
        raise ValueError(f"retrieval_report: ks must be increasing positive integers, got {ks}")
    if mrr_k < 1:
        raise ValueError(f"retrieval_report: mrr_k must be positive, got {mrr_k}")
    groups: dict[str, list[EvalRecord]] = {}
    for r in records:
        groups.setdefault(r.type, []).append(r)
    latencies = [r.latency_ms for r in records]
    return RetrievalReport(
        ks=ks,
        mrr_k=mrr_k,
        n=len(records),
        overall=_score(OVERALL, records, ks, mrr_k),
        by_type=tuple(_score(t, groups[t], ks, mrr_k) for t in sorted(groups)),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
    )
