"""Passage-encoder throughput by backend, dtype and batching, and agreement with fp32 (dev tool).

Real news passages: the first articles of the Dân trí archive in shared/datasets, chunked
as ``hoidap ingest`` chunks them. Every option encodes the same passages; the options take
turns within each repeat (the machine is shared: load moves between minutes, not within
a turn), and each figure is the median over the repeats. ``cpu p/s`` divides by the CPU
time this process got instead of the wall time: steadier when other jobs compete for the
cores, flattering for threads that spin while waiting.

Agreement is the cosine between an option's vectors and torch fp32's, on the passages and
on the bundled questions (query prefix), mean and minimum.

    python scripts/bench_encoder.py --passages 1000 [--repeats 3] [--options a,b,...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.bundled import questions_path  # noqa: E402
from corpus.chunk import ChunkerSettings, chunk_article, passage_text  # noqa: E402
from corpus.readers import _from_json_line  # noqa: E402
from embeddings.encoder import SentenceTransformerEncoder, ensure_default_model  # noqa: E402

ARCHIVE = ROOT.parent / "shared" / "datasets" / "news" / "dantri-2020-21-2.6k.jsonl.gz"
BASELINE = "torch-bf16-b32"  # what ingest ran before: dtype auto (bf16 here), batch 32
# name: (dtype, batch size, passages per encode call; 0 = all at once, as ingest does)
OPTIONS = {
    "torch-bf16-b16": ("bf16", 16, 0),
    "torch-bf16-b32": ("bf16", 32, 0),
    "torch-bf16-b64": ("bf16", 64, 0),
    "torch-bf16-b32-by200": ("bf16", 32, 200),
    "torch-fp32-b32": ("fp32", 32, 0),
    "onnx-fp32-b16": ("onnx-fp32", 16, 0),
    "onnx-fp32-b32": ("onnx-fp32", 32, 0),
    "onnx-int8-b16": ("onnx-int8", 16, 0),
    "onnx-int8-b32": ("onnx-int8", 32, 0),
    "onnx-int8-b64": ("onnx-int8", 64, 0),
}


def news_passages(n: int, archive: Path = ARCHIVE) -> list[str]:
    """The first ``n`` passages of the archive's articles, as the encoder reads them."""
    out: list[str] = []
    with gzip.open(archive, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            article = _from_json_line(f"{archive.name}:{number}", line)
            out += [passage_text(c) for c in chunk_article(article, ChunkerSettings())]
            if len(out) >= n:
                break
    return out[:n]


def bundled_questions() -> list[str]:
    lines = questions_path().read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def timed(encoder, texts: list[str], per_call: int) -> tuple[np.ndarray, float, float]:
    """Vectors, wall seconds and CPU seconds of encoding ``texts``."""
    step = per_call or len(texts)
    wall, cpu = time.perf_counter(), time.process_time()
    parts = [encoder.encode_passages(texts[i : i + step]) for i in range(0, len(texts), step)]
    return np.concatenate(parts), time.perf_counter() - wall, time.process_time() - cpu


def agreement(a: np.ndarray, b: np.ndarray) -> str:
    cos = (a * b).sum(axis=1)
    return f"{cos.mean():.5f} / {cos.min():.5f}"


def run(names: list[str], texts: list[str], repeats: int, folder: Path) -> dict:
    encoders = {}
    for name in names:  # load (and export) first, outside every timing
        dtype, batch, _ = OPTIONS[name]
        encoders[name] = SentenceTransformerEncoder(folder, dtype=dtype, batch_size=batch)
        encoders[name].encode_passages(texts[:8])
    walls: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    vectors = {}
    for rep in range(repeats):
        for name in names[rep % len(names) :] + names[: rep % len(names)]:  # rotate order
            vectors[name], wall, cpu = timed(encoders[name], texts, OPTIONS[name][2])
            walls[name].append(len(texts) / wall)
            cpus[name].append(len(texts) / cpu)
        print(f"  repeat {rep + 1}/{repeats} done, load average {os.getloadavg()[0]:.1f}")
    return {"walls": walls, "cpus": cpus, "vectors": vectors, "encoders": encoders}


def report(names: list[str], result: dict, queries: list[str], folder: Path) -> None:
    ref = SentenceTransformerEncoder(folder, dtype="fp32")
    ref_p = next(v for n, v in result["vectors"].items() if OPTIONS[n][0] == "fp32")
    ref_q = ref.encode_queries(queries)
    base = statistics.median(result["walls"].get(BASELINE) or [float("nan")])
    print(f"\n{'option':<22} {'p/s':>7} {'runs':>22} {'x base':>7} {'cpu p/s':>8}", end="")
    print(f"  {'cos passages mean/min':>22}  {'cos queries mean/min':>21}")
    for name in names:
        wall = statistics.median(result["walls"][name])
        runs = " ".join(f"{w:.1f}" for w in result["walls"][name])
        cpu = statistics.median(result["cpus"][name])
        q = result["encoders"][name].encode_queries(queries)
        print(f"{name:<22} {wall:7.1f} {runs:>22} {wall / base:7.2f} {cpu:8.1f}", end="")
        print(f"  {agreement(result['vectors'][name], ref_p):>22}  {agreement(q, ref_q):>21}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--options", default=",".join(OPTIONS), help="comma-separated names")
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    args = parser.parse_args()
    names = [n for n in args.options.split(",") if n]
    unknown = [n for n in names if n not in OPTIONS]
    if unknown:
        parser.error(f"unknown options {unknown}; known: {', '.join(OPTIONS)}")
    if not any(OPTIONS[n][0] == "fp32" for n in names):
        names.append("torch-fp32-b32")  # the reference for agreement
    texts = news_passages(args.passages, args.archive)
    folder = ensure_default_model()
    tokens = SentenceTransformerEncoder(folder, dtype="fp32").token_counts(texts)
    print(f"{len(texts)} passages, tokens mean {statistics.mean(tokens):.0f} max {max(tokens)}")
    print(f"{os.cpu_count()} CPUs, {len(os.sched_getaffinity(0))} usable; {args.repeats} repeats")
    result = run(names, texts, args.repeats, folder)
    report(names, result, bundled_questions(), folder)


if __name__ == "__main__":
    main()
