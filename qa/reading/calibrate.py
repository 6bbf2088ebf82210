"""Turn the reader's span-vs-null margin into a probability, and choose where to refuse.

``fit_platt`` fits P(right answer) = sigmoid(a * margin + b) by logistic regression on
dev-set outcomes; ``expected_calibration_error`` checks it on held-out questions, and
``fit_threshold`` picks the P(no answer) above which the reader refuses, maximizing
balanced accuracy (answered-and-right on answerable questions, refused on unanswerable).

>>> cal = fit_platt([-4.0, -2.0, -1.0, 1.0, 2.0, 4.0], [0, 0, 1, 0, 1, 1])
>>> cal["a"] > 0
True
>>> expected_calibration_error([0.9, 0.1], [1, 0]) < 0.2
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.reading.decode import FEATURES, Evidence


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One dev question as the reader met it: its margin (or its whole evidence), whether
    a gold answer exists in the passages read, and whether the reader's best span was
    right (F1 >= 0.5)."""

    margin: float
    answerable: bool
    right: bool
    evidence: Evidence | None = None

    def features(self) -> Evidence:
        return self.evidence if self.evidence is not None else Evidence(margin=self.margin)


def fit_logistic(
    evidence: Sequence[Evidence], right: Sequence[int], names=FEATURES, l2: float = 1e-2
) -> dict:
    """Logistic regression of ``right`` on the named evidence features; the calibration
    ``p_no_answer`` reads (``{"features", "weights", "bias"}``). Features are standardized
    for the fit (one L2 for all), and the weights mapped back to raw units.

    >>> ev = [Evidence(margin=m, span_logprob=m / 2) for m in (-3.0, -1.0, 0.5, 1.0, 3.0)]
    >>> cal = fit_logistic(ev, [0, 0, 1, 0, 1], ("margin", "span_logprob"))
    >>> cal["features"], cal["weights"][0] > 0
    (['margin', 'span_logprob'], True)
    """
    x = np.asarray([e.vector(names) for e in evidence], np.float64)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    w = _newton(np.hstack([(x - mu) / sd, np.ones((len(x), 1))]), np.asarray(right, float), l2)
    weights = w[:-1] / sd
    return {
        "features": list(names),
        "weights": [float(v) for v in weights],
        "bias": float(w[-1] - (weights * mu).sum()),
    }


def _newton(feats: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Weights of an L2-regularized logistic regression (the last column is the bias)."""
    w = np.zeros(feats.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(feats @ w, -60, 60)))
        grad = feats.T @ (p - y) + l2 * w
        hess = feats.T @ (feats * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_platt(margins: Sequence[float], right: Sequence[int], l2: float = 1e-3) -> dict:
    """Logistic regression of ``right`` on ``margin`` alone (``{"a", "b"}``)."""
    x = np.asarray(margins, np.float64)
    w = _newton(np.stack([x, np.ones_like(x)], axis=1), np.asarray(right, np.float64), l2)
    return {"a": float(w[0]), "b": float(w[1])}


def expected_calibration_error(
    confidence: Sequence[float], right: Sequence[int], bins: int = 10
) -> float:
    """|accuracy - confidence| averaged over equal-width confidence bins, weighted by size."""
    conf = np.asarray(confidence, np.float64)
    y = np.asarray(right, np.float64)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    err = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            err += sel.mean() * abs(y[sel].mean() - conf[sel].mean())
    return float(err)


def reliability(confidence: Sequence[float], right: Sequence[int], bins: int = 10):
    """Per bin: (mean confidence, accuracy, count), for the reliability plot."""
    conf, y = np.asarray(confidence, float), np.asarray(right, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = which == b
        if sel.any():
            rows.append((float(conf[sel].mean()), float(y[sel].mean()), int(sel.sum())))
    return rows


def fit_threshold(outcomes: Sequence[Outcome], cal: dict) -> tuple[float, list[tuple]]:
    """The P(no answer) threshold with the best balanced accuracy (answerable questions
    answered, unanswerable ones refused), and the whole curve as (threshold, answerable
    answered right, unanswerable refused, answerable refused)."""
    from qa.reading.reader import p_no_answer

    ps = [p_no_answer(o.features(), cal) for o in outcomes]
    ans = [(p, o) for p, o in zip(ps, outcomes, strict=True) if o.answerable]
    unans = [p for p, o in zip(ps, outcomes, strict=True) if not o.answerable]
    curve = []
    for t in np.linspace(0.05, 0.95, 91):
        right = sum(p <= t and o.right for p, o in ans) / max(1, len(ans))
        refused = sum(p > t for p in unans) / max(1, len(unans))
        false_ref = sum(p > t for p, _ in ans) / max(1, len(ans))
        curve.append((float(t), right, refused, false_ref))
    best = max(curve, key=lambda row: (1 - row[3] + row[2]) / 2 if unans else row[1])
    return best[0], curve


def plot_reliability(rows: list[tuple], path: str | Path, title: str) -> Path:
    """A reliability diagram (PNG): accuracy against confidence per bin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    ax.plot([0, 1], [0, 1], "--", color="grey", linewidth=1)
    if rows:
        conf, acc, n = zip(*rows, strict=True)
        ax.plot(conf, acc, "o-")
        for c, a, k in rows:
            ax.annotate(str(k), (c, a), fontsize=7, xytext=(3, -8), textcoords="offset points")
    ax.set(xlabel="confidence (P(the span is right))", ylabel="share right", title=title)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def sigmoid(z: float) -> float:
    """The logistic function, clipped so it never overflows.

    >>> sigmoid(0.0)
    0.5
    """
    return 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))


def calibration_figures(
    confidence: Sequence[float], right: Sequence[int], png: str | Path, title: str
) -> float | None:
    """The ECE of ``confidence`` against ``right`` (None when there is nothing to score),
    with its reliability plot written to ``png``."""
    plot_reliability(reliability(confidence, right), png, title)
    return expected_calibration_error(confidence, right) if len(confidence) else None
