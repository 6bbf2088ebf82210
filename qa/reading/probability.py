"""From the reader's evidence to the two probabilities its manifest's calibration gives.

- ``p_no_answer``: P(the passages read hold no answer to the question); the reader
  refuses above a threshold fitted on the dev sets.
- ``p_right``: the confidence shown with an answer, P(the best span is a right answer)
  given that the passages hold one (the calibration's ``"confidence"`` block, fitted on
  dev questions read against their own paragraph).

The two differ because a span can be wrong while the passage does hold the answer: one
number for both kept the refusals right but overstated every answer's chance of being
right (ECE 0.10 against 0.03 on ViQuAD dev's held-out half, docs/reader.md).

>>> cal = {"features": ["margin"], "weights": [1.0], "bias": 0.0,
...        "confidence": {"features": ["margin"], "weights": [2.0], "bias": -2.0}}
>>> round(p_no_answer(Evidence(margin=1.0), cal), 3), p_right(Evidence(margin=1.0), cal)
(0.269, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from qa.reading.decode import Evidence


def calibration_for(evidence: Evidence, calibration: Mapping) -> Mapping:
    """The part of a manifest's calibration that reads ``evidence``: its ``"english"``
    block for an English question (the reader's evidence means less across languages, so
    it is fitted on English questions alone), else the calibration itself.

    >>> cal = {"a": 1.0, "english": {"a": 0.5}}
    >>> calibration_for(Evidence(english=1.0), cal), calibration_for(Evidence(), cal)["a"]
    ({'a': 0.5}, 1.0)
    """
    if evidence.english and "english" in calibration:
        return calibration["english"]
    return calibration


def _logit(evidence: Evidence, block: Mapping) -> float:
    """The block's linear score: named features and weights, or the margin form."""
    if "weights" in block:
        x = evidence.vector(block["features"])
        z = sum(w * v for w, v in zip(block["weights"], x, strict=True))
        z += float(block.get("bias", 0.0))
    else:
        z = float(block.get("a", 1.0)) * evidence.margin + float(block.get("b", 0.0))
    return max(-60.0, min(60.0, z))


def p_no_answer(evidence: Evidence | float, calibration: Mapping) -> float:
    """Calibrated P(no answer): a logistic function of the named evidence features
    (``{"features", "weights", "bias"}``), or of the margin alone (``{"a", "b"}``, the
    first readers' form). A bare number is read as the margin; an English question's
    evidence is read by the ``"english"`` block where there is one.

    >>> round(p_no_answer(0.0, {"a": 1.0, "b": 0.0}), 2)
    0.5
    >>> p_no_answer(10.0, {"a": 1.0, "b": 0.0}) < 0.01
    True
    >>> cal = {"features": ["margin", "span_logprob"], "weights": [1.0, 0.5], "bias": 0.0}
    >>> round(p_no_answer(Evidence(margin=1.0, span_logprob=-2.0), cal), 2)
    0.5
    """
    if not isinstance(evidence, Evidence):
        evidence = Evidence(margin=float(evidence))
    return 1.0 - 1.0 / (1.0 + math.exp(-_logit(evidence, calibration_for(evidence, calibration))))


def p_right(evidence: Evidence, calibration: Mapping) -> float:
    """The answer's confidence: P(the best span is right | the text holds an answer), from
    the ``"confidence"`` block; readers fitted before there was one fall back on
    1 - P(no answer).

    >>> p_right(Evidence(margin=0.0), {"a": 1.0, "b": 0.0})
    0.5
    """
    block = calibration_for(evidence, calibration).get("confidence")
    if block is None:
        return 1.0 - p_no_answer(evidence, calibration)
    return 1.0 / (1.0 + math.exp(-_logit(evidence, block)))
