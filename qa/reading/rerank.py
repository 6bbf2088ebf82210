"""Re-rank retrieved passages by what the reader found in them.

Retrieval orders passages by how alike they look to the question; the reader, having read
the top ``top`` of them, knows which holds the best answer. Each of those is re-ordered by
the reader's best span score in it plus ``retrieval_weight`` x its retrieval score; the
rest keep their places. ``top`` and the weight are fitted on ViQuAD dev with 35k news
articles as distractors (``scripts/rerank_sweep.py``) and stored in the reader's manifest.

>>> def hit(d, s):
...     return Hit(doc_id=d, chunk_id=d, text=d, score=s, title="", date=None, start=0, end=1)
>>> hits = [hit("a", 1.0), hit("b", 0.9)]
>>> [h.doc_id for h in rerank(hits, [2.0, 9.0], Rerank(top=2, retrieval_weight=1.0))]
['b', 'a']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qa.records.hit import Hit


@dataclass(frozen=True, kw_only=True)
class Rerank:
    """How many of the first passages the reader re-orders, and how much their retrieval
    score still counts beside the reader's span score."""

    top: int
    retrieval_weight: float

    @classmethod
    def from_manifest(cls, manifest: Mapping) -> Rerank | None:
        """The reader folder's fitted re-ranking, or None when it has none.

        >>> Rerank.from_manifest({"rerank": {"top": 5, "retrieval_weight": 4.0}}).top
        5
        >>> Rerank.from_manifest({}) is None
        True
        """
        spec = manifest.get("rerank")
        if not spec:
            return None
        return cls(top=int(spec["top"]), retrieval_weight=float(spec["retrieval_weight"]))


def rerank(hits: Sequence[Hit], scores: Sequence[float], how: Rerank | None) -> list[Hit]:
    """``hits`` with the first ``how.top`` re-ordered by reader + weight x retrieval score
    (``scores[i]`` is the reader's best span score in ``hits[i]``; ``-inf`` where
    it found none). Ties keep retrieval's order; ``how=None`` changes nothing."""
    hits = list(hits)
    if how is None or how.top < 2:
        return hits
    n = min(how.top, len(hits), len(scores))

    def key(i: int) -> tuple[float, int]:
        read = scores[i]
        read = -1e9 if math.isinf(read) or math.isnan(read) else read
        return (-(read + how.retrieval_weight * hits[i].score), i)

    return [hits[i] for i in sorted(range(n), key=key)] + hits[n:]
