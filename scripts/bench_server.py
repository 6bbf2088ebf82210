"""Concurrent /api/ask against a running server: do N simultaneous questions all succeed,
how long does each wait, and how much memory does the server hold?

    .venv/bin/python app.py --port 7870 & PID=$!
    .venv/bin/python scripts/bench_server.py --url http://127.0.0.1:7870 --n 10 --pid $PID

Questions come from the bundled question set (round robin). Prints each request's status,
total and server-side timings, then medians, and the server's peak RSS (VmHWM) if --pid.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.bundled import questions_path  # noqa: E402


def ask(url: str, question: str) -> tuple[int, float, dict]:
    body = json.dumps({"question": question}).encode()
    req = urllib.request.Request(
        f"{url}/api/ask", body, {"content-type": "application/json"}, method="POST"
    )
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=1800) as r:
            return r.status, time.perf_counter() - t0, json.load(r)
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - t0, {"error": exc.read().decode()}


def peak_rss_gb(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024 / 1024
    return None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:7860")
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--pid", type=int, help="server process id, for its peak RSS")
    args = p.parse_args()
    lines = questions_path().read_text(encoding="utf-8").splitlines()
    questions = [json.loads(x)["question"] for x in lines][: args.n]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.n) as pool:
        results = list(pool.map(lambda q: ask(args.url, q), questions))
    wall = time.perf_counter() - t0
    for q, (status, seconds, body) in zip(questions, results, strict=True):
        answer = body.get("answer", body.get("error", ""))[:50]
        print(f"{status}  {seconds:6.1f} s  {q[:50]:50s} → {answer}")
    ok = sum(s == 200 for s, _, _ in results)
    totals = [b["timings"]["total_ms"] / 1000 for s, _, b in results if s == 200]
    print(f"\n{ok}/{len(results)} succeeded; wall {wall:.1f} s for all")
    print(f"client-side latency p50 {statistics.median([r[1] for r in results]):.1f} s")
    if totals:
        # Answer timings start before retrieval, so they include waiting for the model.
        print(f"server-side total p50 {statistics.median(totals):.1f} s (incl. queueing)")
    if args.pid:  # the python process itself, not a shell wrapping it
        print(f"server peak RSS {peak_rss_gb(args.pid):.2f} GB")


if __name__ == "__main__":
    main()
