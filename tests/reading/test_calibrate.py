"""Calibration of the reader's margin: Platt scaling recovers a known logistic model, the
calibration error tells calibrated from overconfident, and the refusal threshold maximises
balanced accuracy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qa.reading.calibrate import (
    Outcome,
    expected_calibration_error,
    fit_logistic,
    fit_platt,
    fit_threshold,
    reliability,
    sigmoid,
)
from qa.reading.decode import Evidence
from qa.reading.reader import p_no_answer


def _simulate(a: float, b: float, n: int = 5000, seed: int = 0):
    rng = np.random.default_rng(seed)
    margins = rng.normal(1.0, 3.0, n)
    right = (rng.random(n) < 1 / (1 + np.exp(-(a * margins + b)))).astype(int)
    return margins, right


@pytest.mark.parametrize(("a", "b"), [(1.3, -0.7), (0.5, 1.0), (2.0, 0.0)])
def test_fit_platt_recovers_a_known_logistic_model(a: float, b: float) -> None:
    margins, right = _simulate(a, b)
    cal = fit_platt(margins.tolist(), right.tolist())
    assert cal["a"] == pytest.approx(a, abs=0.15)
    assert cal["b"] == pytest.approx(b, abs=0.15)


def test_fit_platt_makes_p_no_answer_calibrated() -> None:
    margins, right = _simulate(1.3, -0.7, seed=1)
    cal = fit_platt(margins, right)
    conf = [1 - p_no_answer(m, cal) for m in margins]
    assert expected_calibration_error(conf, right) < 0.03
    # the same margins read with a wrong calibration are far off
    wrong = [1 - p_no_answer(m, {"a": 5.0, "b": 3.0}) for m in margins]
    assert expected_calibration_error(wrong, right) > 0.1


def _simulate_two(n: int = 6000, seed: int = 3):
    """Rightness driven by the margin and, as much, by how peaked the span was."""
    rng = np.random.default_rng(seed)
    ev = [
        Evidence(margin=m, span_logprob=lp, span_tokens=t)
        for m, lp, t in zip(
            rng.normal(1, 3, n), rng.normal(-3, 2, n), rng.integers(1, 20, n), strict=True
        )
    ]
    z = np.array([0.8 * e.margin + 1.2 * e.span_logprob + 2.0 for e in ev])
    return ev, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)


def test_fit_logistic_recovers_known_weights_in_raw_units() -> None:
    ev, right = _simulate_two()
    cal = fit_logistic(ev, right, ("margin", "span_logprob", "span_tokens"))
    assert cal["weights"] == pytest.approx([0.8, 1.2, 0.0], abs=0.12)
    assert cal["bias"] == pytest.approx(2.0, abs=0.3)


def test_a_second_feature_calibrates_where_the_margin_alone_cannot() -> None:
    ev, right = _simulate_two()
    held_ev, held = _simulate_two(seed=4)
    both = fit_logistic(ev, right, ("margin", "span_logprob"))
    alone = fit_platt([e.margin for e in ev], right)

    def brier(cal):
        conf = np.array([1 - p_no_answer(e, cal) for e in held_ev])
        return float(((conf - held) ** 2).mean())

    assert brier(both) < brier(alone) - 0.02
    conf = [1 - p_no_answer(e, both) for e in held_ev]
    assert expected_calibration_error(conf, held) < 0.03


def test_ece_near_zero_when_calibrated_large_when_overconfident() -> None:
    rng = np.random.default_rng(2)
    conf = rng.random(5000)
    right = (rng.random(5000) < conf).astype(int)
    assert expected_calibration_error(conf, right) < 0.03
    overconfident = np.where(conf > 0.5, 0.99, 0.01)  # says 99% where it is right 75%
    assert expected_calibration_error(overconfident, right) > 0.2


def test_ece_by_hand() -> None:
    # bin 9: confidence 0.9, right 1 of 2 -> |0.5 - 0.9| = 0.4, half the data
    # bin 1: confidence 0.15, right 0 of 2 -> 0.15, half the data
    ece = expected_calibration_error([0.9, 0.9, 0.15, 0.15], [1, 0, 0, 0])
    assert ece == pytest.approx(0.5 * 0.4 + 0.5 * 0.15)
    assert expected_calibration_error([1.0, 0.0], [1, 0]) == 0.0  # the edges land in a bin
    rows = reliability([0.9, 0.9, 0.15, 0.15], [1, 0, 0, 0])
    assert rows == [(pytest.approx(0.15), 0.0, 2), (pytest.approx(0.9), 0.5, 2)]


# margins -> P(no answer) with a=1, b=0: 3 -> 0.047, 2 -> 0.119, 1 -> 0.269, 0.5 -> 0.378,
# 0.2 -> 0.450, -1 -> 0.731, -2 -> 0.881
OUTCOMES = [
    Outcome(margin=3.0, answerable=True, right=True),
    Outcome(margin=2.0, answerable=True, right=True),
    Outcome(margin=1.0, answerable=True, right=True),
    Outcome(margin=0.5, answerable=True, right=False),  # answerable, though read wrong
    Outcome(margin=0.2, answerable=False, right=False),
    Outcome(margin=-1.0, answerable=False, right=False),
    Outcome(margin=-2.0, answerable=False, right=False),
]
CAL = {"a": 1.0, "b": 0.0}


def _balanced(t: float) -> float:
    ps = [(p_no_answer(o.margin, CAL), o) for o in OUTCOMES]
    ans = [(p, o) for p, o in ps if o.answerable]
    unans = [p for p, o in ps if not o.answerable]
    answered = sum(p <= t for p, _ in ans) / len(ans)
    return (answered + sum(p > t for p in unans) / len(unans)) / 2


def test_fit_threshold_maximises_balanced_accuracy() -> None:
    t, curve = fit_threshold(OUTCOMES, CAL)
    # answer every answerable one (p <= 0.378), refuse every unanswerable one (p >= 0.450)
    assert sigmoid(-0.5) <= t < sigmoid(-0.2)
    assert _balanced(t) == pytest.approx(1.0)
    assert _balanced(t) == max(_balanced(row[0]) for row in curve)
    assert len(curve) == 91 and curve[0][0] == pytest.approx(0.05)
    row = next(r for r in curve if r[0] == t)
    assert row[1:] == (0.75, 1.0, 0.0)  # right: 3 of 4 answered; nothing answerable refused
    # a lower threshold refuses an answerable one; a higher one answers an unanswerable one
    assert _balanced(0.3) < _balanced(t) and _balanced(0.5) < _balanced(t)


def test_fit_threshold_without_unanswerable_maximises_right_answers() -> None:
    answerable = [o for o in OUTCOMES if o.answerable]
    t, _ = fit_threshold(answerable, CAL)
    assert t >= p_no_answer(1.0, CAL)  # every right answer is given


def test_sigmoid_does_not_overflow() -> None:
    assert sigmoid(1e6) == 1.0 and sigmoid(-1e6) == pytest.approx(0.0, abs=1e-25)
    assert sigmoid(1.0) == pytest.approx(1 / (1 + math.exp(-1)))
