"""The answer's confidence, P(the span is right), is calibrated where P(no answer) is not:
a span can be wrong while the passage holds the answer, so the two are fitted apart
(``qa.reading.probability``, ``scripts/fit_reader.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from qa.evaluation.gold import GoldRecord
from qa.reading.calibrate import expected_calibration_error, fit_logistic
from qa.reading.decode import Evidence
from qa.reading.probability import p_no_answer, p_right

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import fit_reader  # noqa: E402


def _readings(n: int, seed: int):
    """Every passage holds the answer; the span is right more often the larger the margin."""
    rng = np.random.default_rng(seed)
    ev = [
        Evidence(margin=m, span_logprob=s)
        for m, s in zip(rng.normal(3, 2, n), rng.normal(-2, 1, n), strict=True)
    ]
    z = np.array([0.7 * e.margin + 0.8 * e.span_logprob + 0.5 for e in ev])
    return ev, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int).tolist()


def test_confidence_fitted_on_rightness_is_calibrated_on_held_out_readings() -> None:
    names = ("margin", "span_logprob")
    fit_ev, fit_right = _readings(4000, seed=1)
    held_ev, held_right = _readings(4000, seed=2)
    # P(no answer) learns that every passage holds an answer: 1 - P is near 1 ...
    cal = fit_logistic(fit_ev, [1] * 2000 + [0] * 20 + [1] * 1980, names)
    cal["confidence"] = fit_logistic(fit_ev, fit_right, names)
    no_answer = [1 - p_no_answer(e, cal) for e in held_ev]
    confidence = [p_right(e, cal) for e in held_ev]
    # ... which overstates how often the span is right; the confidence does not
    assert expected_calibration_error(no_answer, held_right) > 0.2
    assert expected_calibration_error(confidence, held_right) < 0.03


def test_without_a_confidence_block_the_confidence_is_one_minus_p_no_answer() -> None:
    cal = {"features": ["margin"], "weights": [1.0], "bias": -1.0}
    ev = Evidence(margin=2.5)
    assert p_right(ev, cal) == pytest.approx(1 - p_no_answer(ev, cal))


def test_english_questions_read_the_english_confidence() -> None:
    block = {"features": ["margin"], "weights": [1.0], "bias": 0.0}
    cal = {**block, "confidence": {**block, "bias": 5.0}, "english": {**block}}
    assert p_right(Evidence(margin=0.0), cal) > 0.99
    assert p_right(Evidence(margin=0.0, english=1.0), cal) == pytest.approx(0.5)


def _record(n: int, answerable: bool, right: bool) -> GoldRecord:
    return GoldRecord(
        id=f"q{n}",
        question="?",
        answerable=answerable,
        span=None,
        best="x",
        p_no_answer=0.5,
        margin=float(n),
        refused=False,
        f1=0.0,
        em=0.0,
        best_f1=float(right),
        ms=1.0,
        evidence=Evidence(margin=float(n % 7) - 3),
    )


def test_fit_confidence_uses_answerable_even_questions_read_against_their_paragraph() -> None:
    records = {
        "gold": [_record(n, answerable=n % 3 > 0, right=n % 7 > 2) for n in range(40)],
        "gold_open": [_record(n, True, True) for n in range(40)],
        "gold_negatives": [_record(n, False, False) for n in range(40)],
    }
    block = fit_reader.fit_confidence(records, ("gold", "gold_open", "gold_negatives"))
    assert block["fitted_on"].startswith("13 answerable even-numbered questions of gold")
    assert "open" not in block["fitted_on"] and block["weights"][0] > 0


def test_p_no_answer_is_fitted_on_the_first_questions_and_the_confidence_on_all() -> None:
    many = list(range(2000))
    assert fit_reader.no_answer_part("viquad_dev", many) == many[:800]
    assert fit_reader.no_answer_part("viquad_dev_en_open", many) == many[:150]
    assert fit_reader.no_answer_part("viquad_dev_folded", many) == many
