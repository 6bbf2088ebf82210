"""The reader alone: each question read against its own paragraph (``--gold-passage``).

Scores the span as SQuAD does (F1/EM on answerable questions, a refusal scoring 0), and
unanswerable questions as refusals; keeps each question's margin for calibration.

>>> from qa.reading.reader import FakeReader
>>> ex = Example(id="q", question="Ai?", context="Ông Ba đến.", answer_start=0,
...              answers=("Ông Ba",))
>>> rec = read_gold(FakeReader({"Ai?": "Ông Ba"}), [ex])[0]
>>> rec.f1, rec.refused
(1.0, False)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from qa.evaluation.answer_metrics import exact_match, token_f1
from qa.reading.calibrate import Outcome
from qa.reading.decode import Evidence
from qa.reading.examples import Example
from qa.reading.reader import Reading, TrainedReader


@dataclass(frozen=True, kw_only=True)
class GoldRecord:
    """One question's reading: the span (or None), P(no answer), and its scores."""

    id: str
    question: str
    answerable: bool
    span: str | None
    best: str | None  # the best span even when refused (for calibration)
    p_no_answer: float
    margin: float
    refused: bool
    f1: float  # of the shown span (0 when refused); unanswerable: 1 if refused
    em: float
    best_f1: float  # of the best span, refused or not
    ms: float
    evidence: Evidence = Evidence()  # what the calibration reads
    confidence: float | None = None  # calibrated P(the best span is right)

    def outcome(self) -> Outcome:
        return Outcome(
            margin=self.margin,
            answerable=self.answerable,
            right=self.best_f1 >= 0.5,
            evidence=self.evidence,
        )

    def to_dict(self) -> dict:
        return asdict(self)


def read_gold(reader: TrainedReader, examples: Sequence[Example], progress: bool = False):
    """Read every example against its own context; ``progress`` prints a counter to stderr.
    Each question is read as the set has it (``read``: text, not an analysed ``Question``)."""
    out = []
    for n, ex in enumerate(examples, 1):
        t0 = time.perf_counter()
        reading = reader.read(ex.question, [ex.context])
        out.append(score_reading(ex, reading, (time.perf_counter() - t0) * 1000))
        if progress and n % 100 == 0:
            print(f"  read {n}/{len(examples)}", file=sys.stderr, flush=True)
    return out


def score_reading(ex: Example, reading: Reading, ms: float) -> GoldRecord:
    """One example's reading (of any passages) scored against its gold answers."""
    best = reading.best.text if reading.best else None
    shown = best if reading.answered else None
    golds = list(ex.answers)
    if ex.answerable:
        f1 = token_f1(shown, golds) if shown else 0.0
        em = exact_match(shown, golds) if shown else 0.0
        best_f1 = token_f1(best, golds) if best else 0.0
    else:
        f1 = em = float(shown is None)
        best_f1 = 0.0
    return GoldRecord(
        id=ex.id,
        question=ex.question,
        answerable=ex.answerable,
        span=shown,
        best=best,
        p_no_answer=reading.p_no_answer,
        margin=reading.margin,
        refused=shown is None,
        f1=f1,
        em=em,
        best_f1=best_f1,
        ms=ms,
        evidence=reading.evidence,
        confidence=reading.confidence,
    )


def summary(records: Sequence[GoldRecord]) -> dict:
    """F1/EM over answerable questions, refusal accuracy over unanswerable ones, false
    refusals, latency p50."""
    ans = [r for r in records if r.answerable]
    unans = [r for r in records if not r.answerable]
    ms = sorted(r.ms for r in records)

    def mean(xs):
        return round(100 * sum(xs) / len(xs), 1) if xs else None

    return {
        "questions": len(records),
        "f1": mean([r.f1 for r in ans]),
        "em": mean([r.em for r in ans]),
        "f1_unrefused": mean([r.best_f1 for r in ans]),
        "refusal_accuracy": round(sum(r.refused for r in unans) / len(unans), 3) if unans else None,
        "false_refusals": round(sum(r.refused for r in ans) / len(ans), 3) if ans else None,
        "p50_ms": round(ms[len(ms) // 2], 1) if ms else None,
    }
