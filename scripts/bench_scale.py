"""Benchmarks of a big index (e.g. the 35k-article archive): search, ANN recall, adding.

    python scripts/bench_scale.py --index DIR [--add ARCHIVE.jsonl.gz] [--n 100]
                                  [--queries XQUAD.json] [--skip-add]

Prints, from one run on this machine:
- the index: articles, live passages, segments and which have an ANN index;
- dense search p50/p95 over all segments (``RowMap.search``, what the retriever calls),
  and the full hybrid search p50/p95 (query encoding + BM25 + fusion) on real questions;
- recall@10 of each ANN segment's search against the exact scan of the same vectors;
- adding ``--n`` articles of ``--add`` to a clone of the index (hard links: the index
  itself is untouched) against adding the same articles to an empty index: wall seconds
  of each and the difference, which is what the index's size costs.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np

from corpus.readers import ArticleStream
from embeddings.ann import exact_search
from embeddings.clone import clone_index
from embeddings.encoder import default_encoder
from embeddings.ingest import ingest
from embeddings.store import IndexStore
from qa.evaluation.squad import load_squad
from qa.retrieval.indexes import open_index
from qa.retrieval.retriever import HybridRetriever

SHARED = Path(__file__).resolve().parents[2] / "shared"
XQUAD = SHARED / "benchmarks/xquad-vi/xquad.vi.json"
DANTRI = SHARED / "datasets/news/dantri-2020-21-2.6k.jsonl.gz"


def percentiles(times: list[float]) -> str:
    p50, p95 = np.percentile(times, [50, 95])
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(times)} searches)"


def describe(store: IndexStore) -> None:
    segs = ", ".join(
        f"{s.info.name}: {len(s)} rows{' ' + s.info.ann if s.ann else ''}" for s in store.segments
    )
    print(f"index: {len(store.articles)} articles, {store.passages} live passages; {segs}")


def search_latency(store: IndexStore, encoder, questions: list[str]) -> None:
    qvecs = encoder.encode_queries(questions)
    store.rows.search(qvecs[0], 50)
    times = []
    for q in qvecs:
        t0 = time.perf_counter()
        store.rows.search(q, 50)
        times.append((time.perf_counter() - t0) * 1000)
    print(f"dense search (top 50, all segments): {percentiles(times)}")
    retriever = HybridRetriever(store, encoder)
    retriever.search(questions[0])
    times = []
    for q in questions:
        t0 = time.perf_counter()
        retriever.search(q, k=5)
        times.append((time.perf_counter() - t0) * 1000)
    print(f"hybrid search (encode + BM25 + dense + fusion, k=5): {percentiles(times)}")


def ann_recall(store: IndexStore, encoder, questions: list[str]) -> None:
    qvecs = encoder.encode_queries(questions)
    for seg in store.segments:
        if seg.ann is None:
            continue
        hits = [
            len(set(seg.ann.search(q, 10)[0]) & set(exact_search(seg.vectors, q, 10)[0])) / 10
            for q in qvecs
        ]
        print(
            f"recall@10 {seg.info.ann} vs exact on {seg.info.name} ({len(seg)} rows): "
            f"{np.mean(hits):.4f} over {len(hits)} questions"
        )


def add_cost(index: Path, archive: Path, n: int, encoder) -> None:
    fresh = list(itertools.islice(ArticleStream([archive]), n))
    with tempfile.TemporaryDirectory(dir=index.parent) as tmp:
        empty = open_index(Path(tmp) / "empty", encoder)
        t0 = time.perf_counter()
        ingest(empty, fresh, encoder)
        t_empty = time.perf_counter() - t0
        clone_index(index, Path(tmp) / "big")
        big = IndexStore.load(Path(tmp) / "big")
        t0 = time.perf_counter()
        ingest(big, fresh, encoder)
        t_big = time.perf_counter() - t0
    print(
        f"adding {n} articles: {t_empty:.1f} s into an empty index, {t_big:.1f} s into "
        f"this one (+{t_big - t_empty:.1f} s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--add", type=Path, default=DANTRI)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--queries", type=Path, default=XQUAD)
    ap.add_argument("--limit", type=int, default=300, help="questions for the search timings")
    ap.add_argument("--skip-add", action="store_true")
    args = ap.parse_args()
    encoder = default_encoder()
    questions = [q.question for q in load_squad(args.queries).questions][: args.limit]
    store = IndexStore.load(args.index)
    describe(store)
    search_latency(store, encoder, questions)
    ann_recall(store, encoder, questions)
    if not args.skip_add:
        add_cost(args.index, args.add, args.n, encoder)


if __name__ == "__main__":
    main()
