"""Fusing dense and BM25 scores, with weights that adapt to the query.

Both signals are rescaled over the candidate set (dense: min-max of cosine; BM25: divided
by the best score) and mixed convexly. The BM25 weight depends on how the query was typed:
English questions share few words with Vietnamese passages, so BM25 gets little weight
and can only break near-ties (plain reciprocal-rank fusion measured 0.446 R@1 against
dense 0.748 on XQuAD English questions); unaccented Vietnamese is the reverse (dense falls
to 0.30 R@1, folded BM25 keeps 0.88). The weight also shrinks when BM25 is not confident,
i.e. when few of the query's terms matched anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.retrieval.language import ENGLISH, UNACCENTED, VIETNAMESE


@dataclass(frozen=True, kw_only=True)
class FusionWeights:
    """BM25 weight per query language (the dense weight is one minus it)."""

    # Decided on ViQuAD dev (scripts/tune_fusion.py; docs/evaluation.md): R@1 peaks here.
    vi: float = 0.5  # 0.815 (dense alone 0.671, BM25 alone 0.761)
    # Unaccented: dense on the question with diacritics restored, BM25 on the folded text
    # (every 6th question: 0.798 at 0.5 and 0.6; 0.766 at 0.8, 0.780 at 0.3).
    vi_folded: float = 0.5
    # English: BM25 over the question's names and numbers only
    # (qa.retrieval.language.english_anchors)
    # and dense ranking mixed with the question embedded as a passage: R@1 0.781 at 0.05
    # and at 0.10 (dense alone 0.763; full-question BM25 at 0.05: 0.766).
    en: float = 0.05
    en_passage_mix: float = 0.25  # 0.5: 0.776-0.780; 0: 0.771

    def for_language(self, language: str) -> float:
        return {VIETNAMESE: self.vi, UNACCENTED: self.vi_folded, ENGLISH: self.en}[language]


def rescale(values: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1]; a constant vector maps to zeros.

    >>> rescale(np.array([1.0, 3.0, 2.0])).tolist()
    [0.0, 1.0, 0.5]
    """
    if len(values) == 0 or float(values.max() - values.min()) < 1e-9:
        return np.zeros(len(values), dtype=np.float32)
    lo, hi = float(values.min()), float(values.max())
    return ((values - lo) / (hi - lo)).astype(np.float32)


def fuse(dense: np.ndarray, lexical: np.ndarray, weight: float) -> np.ndarray:
    """Fused scores of candidates from their cosine and BM25 scores.

    >>> fuse(np.array([0.9, 0.8]), np.array([0.0, 10.0]), 0.5).round(3).tolist()
    [0.5, 0.5]
    """
    lex = lexical / lexical.max() if len(lexical) and lexical.max() > 0 else np.zeros_like(lexical)
    return (1.0 - weight) * rescale(dense) + weight * lex.astype(np.float32)
