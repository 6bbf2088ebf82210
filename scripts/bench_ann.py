"""Exact scan vs FAISS HNSW / IVF on segment-sized sets of passage vectors.

    python scripts/bench_ann.py --vectors A.npy [B.npy ...] --queries Q.npy \\
        --sizes 100000 1000000 [--kinds hnsw16 hnsw32 ivf] [--nq 500]

Vectors and queries are float32 ``.npy`` matrices of normalized rows (passages encoded with
``encode_passages``, questions with ``encode_queries``). Per size it prints: build seconds,
the index's size (serialized bytes, about its memory; the raw vectors are ``n * d * 4`` of
it), exact-scan p50/p95 ms (``embeddings.ann.exact_search``), and for each search effort
(``efSearch`` for HNSW, ``nprobe`` for IVF) ANN p50/p95 ms and the median over the queries
of recall@10 against the exact top 10. Then, for the first kind, the cost of FAISS's own
OpenMP pool next to torch's: ANN with 1 vs all FAISS threads, interleaved with a torch
workload standing in for query encoding. Latencies are one query at a time, as served.

Synthetic extension, when the real vectors are fewer than a size: every extra vector is a
real vector (sources taken round-robin) plus Gaussian noise shaped like the data, i.e.
drawn from N(0, s^2 C) with C the covariance of the real vectors, then renormalized. Noise
shaped by C stays in the directions real passages vary in (the encoder's vectors share a
large common component, so isotropic noise would push points off the cone real data lies
on and make neighbours artificially far). The scale ``s`` is set so that the median cosine
of an extra vector to its source equals the median cosine of a real vector to its nearest
real neighbour: an extra vector is as close to its source as a real passage's nearest
neighbour typically is to it. The script prints the check: the distribution of top-10
cosines of held-out real passages and of the queries against the real set and against a
synthetic set of the same size (one noisy copy of each real vector). On 10k dantri passages
(/work/runs/ann/bench-100k.txt): target 0.960 (overlapping chunks of one article are the
nearest neighbours), s = 0.68; pooled top-10 cosines p50 0.885 synthetic vs 0.919 real for
held-out passages, 0.816 vs 0.840 for the queries: the copies are a little looser than real
neighbours, not tighter. At 1M rows, though, each real vector has ~100 copies: clusters of
near-duplicates that are harder for HNSW than a real 1M corpus probably is.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings.ann import AnnIndex, exact_search, ivf_lists  # noqa: E402

EFFORTS = {"hnsw": [64, 128, 256, 512, 1024], "ivf": [32, 64, 128, 256]}


def load(paths: list[str]) -> np.ndarray:
    """The rows of every file, float32, renormalized (a few encoders store float16)."""
    m = np.concatenate([np.load(p).astype(np.float32) for p in paths])
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def top_scores(base: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` rows and cosines of every query, in blocks (batched, for truth)."""
    import torch

    b = torch.from_numpy(base)
    rows, scores = [], []
    for i in range(0, len(queries), 256):
        s = torch.from_numpy(queries[i : i + 256]) @ b.T
        top = torch.topk(s, min(k, len(base)), dim=1)
        rows.append(top.indices.numpy())
        scores.append(top.values.numpy())
    return np.concatenate(rows), np.concatenate(scores)


def noise_basis(real: np.ndarray) -> np.ndarray:
    """``W`` with ``W.T @ W = C``, the real vectors' covariance: ``z @ W ~ N(0, C)``."""
    centered = real - real.mean(axis=0)
    values, vectors = np.linalg.eigh(centered.T @ centered / len(real))
    return (vectors * np.sqrt(np.clip(values, 0, None))).T.astype(np.float32)


def noisy(sources: np.ndarray, basis: np.ndarray, scale: float, rng) -> np.ndarray:
    z = rng.standard_normal((len(sources), basis.shape[0]), dtype=np.float32)
    out = sources + scale * (z @ basis)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def calibrate(real: np.ndarray, basis: np.ndarray) -> tuple[float, float]:
    """The noise scale whose median cosine-to-source is the real median top-1 cosine."""
    rng = np.random.default_rng(1)
    sample = real[rng.choice(len(real), min(2000, len(real)), replace=False)]
    target = float(np.median(top_scores(real, sample, 2)[1][:, 1]))  # [:, 0] is itself
    lo, hi = 0.0, 10.0
    for _ in range(30):
        mid = (lo + hi) / 2
        cos = np.median(np.sum(noisy(sample, basis, mid, rng) * sample, axis=1))
        lo, hi = (mid, hi) if cos > target else (lo, mid)
    return (lo + hi) / 2, target


def extend(real: np.ndarray, size: int, basis: np.ndarray, scale: float) -> np.ndarray:
    """``size`` rows: the real ones first, then noisy copies of them, round-robin."""
    if size <= len(real):
        return np.ascontiguousarray(real[:size])
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    out[: len(real)] = real
    rng = np.random.default_rng(size)
    for start in range(len(real), size, 100_000):
        stop = min(size, start + 100_000)
        out[start:stop] = noisy(real[np.arange(start, stop) % len(real)], basis, scale, rng)
    return out


def percentiles(x: np.ndarray) -> str:
    p = np.percentile(x, [10, 50, 90])
    return f"p10 {p[0]:.3f}  p50 {p[1]:.3f}  p90 {p[2]:.3f}"


def check_synthetic(real: np.ndarray, queries: np.ndarray, basis, scale: float) -> None:
    """Top-10 cosine distributions: real set vs a same-size set of noisy copies."""
    rng = np.random.default_rng(2)
    held = rng.permutation(len(real))
    probes, base = real[held[:500]], real[held[500:]]
    fake = noisy(base, basis, scale, rng)
    print("check: top-10 cosines (all 10 ranks pooled) against a set of", len(base), "vectors")
    for name, q in (("held-out passages", probes), ("queries", queries[:500])):
        print(f"  {name:18} real set:      {percentiles(top_scores(base, q, 10)[1])}")
        print(f"  {name:18} synthetic set: {percentiles(top_scores(fake, q, 10)[1])}")


def timed(fn, queries: np.ndarray) -> tuple[list, np.ndarray]:
    """Each query's result and its latency in ms (after two warm-up calls)."""
    fn(queries[0]), fn(queries[1])
    results, ms = [], []
    for q in queries:
        t = time.perf_counter()
        results.append(fn(q))
        ms.append((time.perf_counter() - t) * 1000)
    return results, np.array(ms)


def recalls(results: list, truth: np.ndarray) -> np.ndarray:
    """Per query, |ANN top 10 & exact top 10| / 10."""
    pairs = zip(results, truth, strict=True)
    return np.array([len(set(r[0][:10].tolist()) & set(t.tolist())) / 10 for r, t in pairs])


def bench_kind(kind: str, data: np.ndarray, queries: np.ndarray, truth: np.ndarray):
    t = time.perf_counter()
    ann = AnnIndex.build(data, kind)
    build = time.perf_counter() - t
    mb = ann.nbytes() / 2**20
    print(
        f"  {ann.kind:9} build {build:7.1f} s  index {mb:7.0f} MiB "
        f"(vectors {data.nbytes / 2**20:.0f} MiB)"
    )
    for effort in EFFORTS[kind.rstrip("0123456789")]:
        ann.effort = effort
        results, ms = timed(lambda q, a=ann: a.search(q, 10), queries)
        p50, p95 = np.percentile(ms, [50, 95])
        r = recalls(results, truth)
        print(
            f"    effort {effort:4}: p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  recall@10 median "
            f"{np.median(r):.3f} mean {r.mean():.4f} p5 {np.percentile(r, 5):.2f}"
        )
    return ann


def encoder_like(x, weights) -> None:
    """A torch workload about a small encoder's forward pass on one short query."""
    for w1, w2 in weights:
        x = (x @ w1).relu() @ w2


def thread_check(ann: AnnIndex, queries: np.ndarray) -> None:
    """ANN alone and interleaved with torch work, FAISS on 1 thread vs all cores."""
    import faiss
    import torch

    weights = [(torch.randn(384, 1536), torch.randn(1536, 384)) for _ in range(6)]
    x = torch.randn(16, 384)
    default = faiss.omp_get_max_threads()
    for threads in (1, default):
        # the raw FAISS index, to bypass AnnIndex.search's own pinning to one thread
        faiss.omp_set_num_threads(threads)
        alone = timed(lambda q: ann._index.search(q.reshape(1, -1), 10), queries[:200])[1]
        both_ann, both_torch = [], []
        for q in queries[:200]:
            t0 = time.perf_counter()
            ann._index.search(q.reshape(1, -1), 10)
            t1 = time.perf_counter()
            encoder_like(x, weights)
            both_ann.append((t1 - t0) * 1000)
            both_torch.append((time.perf_counter() - t1) * 1000)
        print(
            f"  faiss threads {threads}: ANN alone p50 {np.median(alone):.2f} ms; interleaved "
            f"ANN p50 {np.median(both_ann):.2f} ms, torch work p50 {np.median(both_torch):.1f} "
            f"ms p95 {np.percentile(both_torch, 95):.1f} ms"
        )
    faiss.omp_set_num_threads(default)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", nargs="+", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    ap.add_argument("--kinds", nargs="+", default=["hnsw32", "hnsw16", "ivf"])
    ap.add_argument("--nq", type=int, default=500)
    ap.add_argument("--no-thread-check", action="store_true")
    args = ap.parse_args()
    real, queries = load(args.vectors), load([args.queries])[: args.nq]
    print(f"{len(real)} real vectors x {real.shape[1]} dims, {len(queries)} queries")
    basis, scale, target = None, 0.0, 0.0
    if max(args.sizes) > len(real):
        basis = noise_basis(real)
        scale, target = calibrate(real, basis)
        print(
            f"synthetic rows: real row + N(0, s^2 C) noise, renormalized; s = {scale:.3f} "
            f"gives median cosine to source {target:.3f} = real median top-1 neighbour cosine"
        )
        check_synthetic(real, queries, basis, scale)
    for size in args.sizes:
        data = extend(real, size, basis, scale)
        synth = max(0, size - len(real))
        print(f"\n== {size} vectors ({synth} synthetic) ==")
        truth = top_scores(data, queries, 10)[0]
        ms = timed(lambda q, d=data: exact_search(d, q, 10), queries)[1]
        print(f"  exact     p50 {np.median(ms):6.2f} ms  p95 {np.percentile(ms, 95):6.2f} ms")
        for i, kind in enumerate(args.kinds):
            kind = f"ivf{ivf_lists(size)}" if kind == "ivf" else kind
            ann = bench_kind(kind, data, queries, truth)
            if i == 0 and not args.no_thread_check:
                thread_check(ann, queries)
            del ann


if __name__ == "__main__":
    main()
