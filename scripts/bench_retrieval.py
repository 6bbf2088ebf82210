"""Retrieval benchmarks: ingest throughput vs the raw encoder, and search latency.

    python scripts/bench_retrieval.py [--big 100000] [--xquad PATH]

Prints, from one run on this machine:
- raw encoder passages/s and full-ingest passages/s on the same chunks (median of 3), and
  their ratio;
- search latency p50/p95 (model loaded) on the bundled corpus;
- search latency p50/p95 on a synthetic index of ``--big`` chunks (real query encoding,
  real BM25 over synthetic Vietnamese text, random unit vectors standing in for passage
  embeddings so the benchmark does not spend an hour embedding).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from corpus.article import Article
from corpus.bundled import questions_path, seeds_dir
from corpus.chunk import chunk_article, passage_text
from corpus.readers import read_paths
from embeddings.encoder import default_encoder
from embeddings.ingest import ingest
from qa.evaluation.questions import load_questions
from qa.retrieval.indexes import open_index
from qa.retrieval.retriever import HybridRetriever

XQUAD = Path(__file__).resolve().parents[2] / "shared/benchmarks/xquad-vi/xquad.vi.json"


class RandomPassages:
    """The real encoder for queries; random unit vectors for passages (latency only)."""

    def __init__(self, real):
        self.real, self.name, self.dim = real, real.name, real.dim
        self.fingerprint = real.fingerprint
        self.rng = np.random.default_rng(0)

    def encode_queries(self, texts):
        return self.real.encode_queries(texts)

    def encode_passages(self, texts):
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def corpus_articles(xquad: Path) -> list[Article]:
    articles = list(read_paths([seeds_dir()]).articles)
    if xquad.exists():
        from qa.evaluation.squad import load_squad

        articles += list(load_squad(xquad).articles)
    return articles


def throughput(encoder, articles: list[Article]) -> None:
    chunks = [c for a in articles for c in chunk_article(a)]
    texts = [passage_text(c) for c in chunks]
    encoder.encode_passages(texts[:8])  # load the model before timing
    raw, full = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        encoder.encode_passages(texts)
        raw.append(len(texts) / (time.perf_counter() - t0))
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            ingest(open_index(Path(tmp) / "idx", encoder), articles, encoder)
            full.append(len(texts) / (time.perf_counter() - t0))
    r, f = statistics.median(raw), statistics.median(full)
    print(f"chunks: {len(texts)} from {len(articles)} articles")
    print(f"raw encoder: {r:.1f} passages/s   ingest: {f:.1f} passages/s   ratio {f / r:.2f}")


def latency(retriever: HybridRetriever, queries: list[str], label: str, repeat: int = 3) -> None:
    retriever.search(queries[0])
    times = []
    for _ in range(repeat):
        for q in queries:
            t0 = time.perf_counter()
            retriever.search(q, k=5)
            times.append((time.perf_counter() - t0) * 1000)
    p50, p95 = np.percentile(times, [50, 95])
    print(f"search latency {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(times)} searches)")


def synthetic_articles(n_chunks: int, seed_text: str) -> list[Article]:
    """Articles of words drawn from real text, until the chunker yields ``n_chunks``."""
    rng = np.random.default_rng(1)
    words = np.array(seed_text.split())
    out, total = [], 0
    while total < n_chunks:
        paras = [" ".join(rng.choice(words, 150)) + "." for _ in range(10)]
        article = Article(id=f"syn{len(out):06d}", title=f"Bài {len(out)}", text="\n\n".join(paras))
        total += len(chunk_article(article))
        out.append(article)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", type=int, default=100_000)
    ap.add_argument("--xquad", type=Path, default=XQUAD)
    args = ap.parse_args()
    encoder = default_encoder()
    articles = corpus_articles(args.xquad)
    throughput(encoder, articles)
    queries = [q.question for q in load_questions(questions_path())]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_index(Path(tmp) / "bundled", encoder)
        ingest(store, read_paths([seeds_dir()]).articles, encoder)
        latency(
            HybridRetriever(store, encoder), queries, f"bundled corpus ({store.passages} chunks)"
        )
        fake = RandomPassages(encoder)
        seed_text = " ".join(a.text for a in articles[:5])
        big = open_index(Path(tmp) / "big", fake)
        t0 = time.perf_counter()
        ingest(big, synthetic_articles(args.big, seed_text), fake)
        print(f"synthetic index: {big.passages} chunks built in {time.perf_counter() - t0:.0f} s")
        latency(HybridRetriever(big, encoder), queries, f"{big.passages} chunks", repeat=1)


if __name__ == "__main__":
    main()
