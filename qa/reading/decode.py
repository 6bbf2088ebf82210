"""From start/end logits to the answer: the best span over every window of every passage,
the "no answer" score, and the evidence the calibration turns into P(no answer).

The best span anywhere (at most ``MAX_ANSWER_TOKENS`` tokens, end not before start)
competes with the lowest "no answer" score of any window (the ``<s>`` token's start+end).
Besides their margin, the ``Evidence`` carries how peaked the reader was: the log
probability of the best span and of "no answer" within their windows (a softmax over the
window's passage tokens and ``<s>``), and how much text was read.

>>> Evidence(margin=2.0).vector(("margin",))
[2.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qa.reading.features import Window

MAX_ANSWER_TOKENS = 40
TOP_K = 20


@dataclass(frozen=True, kw_only=True)
class SpanAnswer:
    """An answer cut from ``passages[passage][start:end]`` verbatim."""

    passage: int
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """What the calibration reads: the span-vs-null margin and how sure the reader was."""

    margin: float = 0.0  # best span score minus the no-answer score
    span_logprob: float = 0.0  # log P(start) + log P(end) of the best span in its window
    null_logprob: float = 0.0  # log P(<s>) for start and end, in the no-answer window
    log_context_tokens: float = 0.0  # log(1 + passage tokens read, over all windows)
    span_tokens: float = 0.0  # the best span's length in tokens
    english: float = 0.0  # 1 for an English question (read across languages), else 0

    def vector(self, names: tuple[str, ...] | list[str]) -> list[float]:
        """The named features, in order (the calibration names which it uses)."""
        return [float(getattr(self, n)) for n in names]


FEATURES = ("margin", "span_logprob", "null_logprob", "log_context_tokens", "span_tokens")


@dataclass(frozen=True, kw_only=True)
class Decoded:
    """``decode``'s result: the best span, the no-answer score, each passage's best span
    score (``-inf`` where none) and the evidence."""

    best: SpanAnswer | None
    null: float
    per_passage: tuple[float, ...]
    evidence: Evidence


def decode(wins: list[Window], starts, ends, passages, n_passages: int, prior=None) -> Decoded:
    """The best span over all windows, the lowest no-answer score and the evidence.
    ``prior[p]``, when given, is added to the spans of passage ``p`` when choosing the best
    (retrieval's say: ``qa.reading.rerank``); scores and evidence stay the reader's own."""
    bonus = list(prior) if prior is not None else [0.0] * n_passages
    best, best_at, best_ij = None, -1, (0, 0)
    null, null_at = math.inf, -1
    per_passage = [-math.inf] * n_passages
    for wi, w in enumerate(wins):
        s, e = starts[wi], ends[wi]
        if float(s[0] + e[0]) < null:
            null, null_at = float(s[0] + e[0]), wi
        found = _best_in_window(w, s, e, passages[w.passage])
        if found is not None:
            span, ij = found
            per_passage[w.passage] = max(per_passage[w.passage], span.score)
            if best is None or span.score + bonus[w.passage] > best.score + bonus[best.passage]:
                best, best_at, best_ij = span, wi, ij
    null = null if null < math.inf else 0.0
    evidence = Evidence(
        margin=(best.score if best else -1e4) - null,
        span_logprob=_logprob(wins, starts, ends, best_at, best_ij) if best else -60.0,
        null_logprob=_logprob(wins, starts, ends, null_at, (0, 0)) if null_at >= 0 else 0.0,
        log_context_tokens=math.log1p(sum(_context_count(w) for w in wins)),
        span_tokens=float(best_ij[1] - best_ij[0] + 1) if best else 0.0,
    )
    return Decoded(best=best, null=null, per_passage=tuple(per_passage), evidence=evidence)


def _context_count(w: Window) -> int:
    return sum(a >= 0 for a, _ in w.context_offsets)


def _logprob(wins, starts, ends, wi: int, ij: tuple[int, int]) -> float:
    """log P(start=i) + log P(end=j) in window ``wi``, over its passage tokens and <s>."""
    keep = [0] + [k for k, (a, _) in enumerate(wins[wi].context_offsets) if a >= 0]
    s, e = np.asarray(starts[wi], np.float64), np.asarray(ends[wi], np.float64)
    return float(s[ij[0]] + e[ij[1]] - _lse(s[keep]) - _lse(e[keep]))


def _lse(x: np.ndarray) -> float:
    top = float(x.max())
    return top + math.log(float(np.exp(x - top).sum()))


def _best_in_window(w: Window, s: np.ndarray, e: np.ndarray, passage: str):
    """The window's best non-blank span and its (start, end) token positions, or None."""
    offs = w.context_offsets
    ctx = [i for i, (a, _) in enumerate(offs) if a >= 0]
    if not ctx:
        return None
    cs, ce = s[ctx], e[ctx]
    top_s = np.argsort(-cs)[:TOP_K]
    top_e = np.argsort(-ce)[:TOP_K]
    best = None
    for i in top_s:
        for j in top_e:
            if j < i or j - i >= MAX_ANSWER_TOKENS:
                continue
            score = float(cs[i] + ce[j])
            if best is not None and score <= best[0]:
                continue
            if not passage[offs[ctx[i]][0] : offs[ctx[j]][1]].strip():
                continue  # only a lone "▁" token (e5 makes them): blank, not an answer
            best = (score, ctx[i], ctx[j])
    if best is None:
        return None
    score, ti, tj = best
    start, end = offs[ti][0], offs[tj][1]
    text = passage[start:end]
    lead = len(text) - len(text.lstrip())  # offsets include the token's leading space
    text = text.strip()
    if not text:
        return None
    span = SpanAnswer(
        passage=w.passage, start=start + lead, end=start + lead + len(text), text=text, score=score
    )
    return span, (ti, tj)
