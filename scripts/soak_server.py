"""Soak a running server: C clients ask in a loop for D minutes while the server's memory is
sampled. Does RSS stay flat, do refusals of a full queue (503) come quickly?

    .venv/bin/python app.py --port 7870 & PID=$!
    .venv/bin/python scripts/soak_server.py --url http://127.0.0.1:7870 --pid $PID \
        --clients 20 --minutes 30

Warm-up (the first ``--warmup`` minutes) is excluded from the drift figure: the models and
caches fill then. Prints one RSS sample a minute, then: RSS after warm-up, at the end, the
highest, drift = (end - after warm-up) / after warm-up, and per status code the count and
median latency. Questions come from the bundled question set, round robin.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.bundled import questions_path  # noqa: E402


def rss_gb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024 / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def ask(url: str, question: str) -> int:
    body = json.dumps({"question": question}).encode()
    req = urllib.request.Request(
        f"{url}/api/ask", body, {"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code
    except OSError:
        return 0  # connection refused or reset: counted apart from HTTP statuses


def client(url: str, questions, stop: float, log: dict, lock: threading.Lock) -> None:
    while time.monotonic() < stop:
        t0 = time.monotonic()
        status = ask(url, next(questions))
        with lock:
            log[status].append(time.monotonic() - t0)
        if status == 503:
            time.sleep(1.0)  # a polite client honours Retry-After


def sample(pid: int, stop: float, every: float, samples: list) -> None:
    t0 = time.monotonic()
    while time.monotonic() < stop:
        samples.append((time.monotonic() - t0, rss_gb(pid)))
        time.sleep(every)


def report(samples: list, log: dict, warmup_s: float) -> None:
    for t, gb in samples[:: max(1, int(60 / (samples[1][0] - samples[0][0] or 1)))]:
        print(f"{t / 60:5.1f} min  RSS {gb:.2f} GB")
    after = [gb for t, gb in samples if t >= warmup_s] or [samples[-1][1]]
    start, end, high = after[0], after[-1], max(gb for _, gb in samples)
    print(f"\nRSS after warm-up {start:.2f} GB, end {end:.2f} GB, highest {high:.2f} GB")
    print(f"drift after warm-up {100 * (end - start) / start:+.1f} %")
    print(f"range after warm-up {min(after):.2f}-{max(after):.2f} GB")
    for status, times in sorted(log.items()):
        p50 = statistics.median(times)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(f"status {status}: {len(times)} requests, p50 {p50:.1f} s, p95 {p95:.1f} s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:7860")
    p.add_argument("--pid", type=int, required=True, help="the server's python process id")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=3.0, help="minutes left out of the drift")
    p.add_argument("--every", type=float, default=10.0, help="seconds between RSS samples")
    args = p.parse_args()
    lines = questions_path().read_text(encoding="utf-8").splitlines()
    questions = itertools.cycle([json.loads(x)["question"] for x in lines])
    stop = time.monotonic() + args.minutes * 60
    log: dict[int, list[float]] = defaultdict(list)
    lock, samples = threading.Lock(), []
    threads = [
        threading.Thread(target=client, args=(args.url, questions, stop, log, lock))
        for _ in range(args.clients)
    ]
    threads.append(threading.Thread(target=sample, args=(args.pid, stop, args.every, samples)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report(samples, log, args.warmup * 60)


if __name__ == "__main__":
    main()
