"""Re-ranking by the reader: a permutation that moves only the first ``top`` passages,
orders them by reader + weight x retrieval, keeps retrieval's order on ties and when the
retrieval weight dominates, and changes nothing without a fitted re-ranking."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from qa.reading.rerank import Rerank, rerank
from qa.records.hit import Hit


def _hits(scores: list[float]) -> list[Hit]:
    return [
        Hit(
            doc_id=f"d{i}",
            chunk_id=f"d{i}#0",
            text="x",
            score=s,
            title="",
            date=None,
            start=0,
            end=1,
        )
        for i, s in enumerate(scores)
    ]


reader_scores = st.lists(st.one_of(st.floats(-30, 30), st.just(-math.inf)), min_size=0, max_size=12)


@given(reader=reader_scores, top=st.integers(0, 15), weight=st.floats(0, 20))
def test_a_permutation_of_the_top_only(reader, top, weight) -> None:
    hits = _hits(sorted((1 - i / 20 for i in range(len(reader))), reverse=True))
    got = rerank(hits, reader, Rerank(top=top, retrieval_weight=weight))
    assert sorted(h.doc_id for h in got) == sorted(h.doc_id for h in hits)
    n = min(top, len(hits)) if top >= 2 else 0
    assert got[n:] == hits[n:]
    keys = [reader[int(h.doc_id[1:])] for h in got[:n]]
    finite = [k if k != -math.inf else -1e9 for k in keys]
    combined = [f + weight * h.score for f, h in zip(finite, got[:n], strict=True)]
    assert combined == sorted(combined, reverse=True)


def test_reader_decides_at_weight_zero_and_retrieval_when_it_dominates() -> None:
    hits = _hits([1.0, 0.8, 0.6, 0.4])
    reader = [1.0, 5.0, -math.inf, 3.0]
    order = [h.doc_id for h in rerank(hits, reader, Rerank(top=4, retrieval_weight=0.0))]
    assert order == ["d1", "d3", "d0", "d2"]  # no span found: last of the top
    order = [h.doc_id for h in rerank(hits, reader, Rerank(top=3, retrieval_weight=0.0))]
    assert order == ["d1", "d0", "d2", "d3"]  # d3 is beyond the top 3: it stays
    order = [
        h.doc_id for h in rerank(hits, [1.0, 1.0, 1.0, 1.0], Rerank(top=4, retrieval_weight=0.0))
    ]
    assert order == ["d0", "d1", "d2", "d3"]  # ties keep retrieval's order
    big = Rerank(top=4, retrieval_weight=1e6)
    assert rerank(hits, [0.0, 1.0, 2.0, 3.0], big) == hits


def test_no_fitted_reranking_changes_nothing() -> None:
    hits = _hits([1.0, 0.5])
    assert rerank(hits, [0.0, 9.0], None) == hits
    assert rerank(hits, [0.0, 9.0], Rerank(top=1, retrieval_weight=0.0)) == hits
    assert Rerank.from_manifest({"rerank": None}) is None
