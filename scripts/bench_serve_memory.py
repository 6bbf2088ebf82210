"""Memory of a serving process by index: what an index costs above the models.

    python scripts/bench_serve_memory.py --index BIG_DIR [--baseline SMALL_DIR] [--asks 10]

For each index, in its own process (as ``hoidap serve`` runs it): a ``Service`` is
started with the glibc arenas capped (as ``app.main`` does), warmed up (encoder, reader,
generator), asked ``--asks`` questions from the bundled set (generator phrasing on) and
pages through the article list; the process's RSS after warm-up, after the questions, and
its peak (VmHWM) are printed. The difference between an index and the baseline (the
bundled corpus by default) is the index's cost above the models.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(index: str | None, asks: int) -> dict:
    """Run in the child process: start, warm up, ask, page; memory at each step."""
    sys.path.insert(0, str(ROOT))
    from corpus.bundled import questions_path
    from qa.evaluation.questions import load_questions
    from qa.generation.heap import cap_arenas
    from qa.interfaces.service import Service

    cap_arenas()
    service = Service(index).start()
    service.warm_up()
    after_warm = status_kb("VmRSS")
    questions = [q.question for q in load_questions(questions_path())][:asks]
    for q in questions:
        service.ask(q)
    for offset in range(0, 500, 50):
        service.article_page("", offset, 50)
    return {
        "index": index or "default (bundled)",
        "articles": len(service.retriever.store.articles),
        "passages": service.retriever.store.passages,
        "rss_after_warm_up_mb": after_warm / 1024,
        "rss_after_asks_mb": status_kb("VmRSS") / 1024,
        "peak_mb": status_kb("VmHWM") / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--baseline", default=None, help="default: the bundled corpus's index")
    ap.add_argument("--asks", type=int, default=10)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.index if args.index != "-" else None, args.asks)))
        return
    rows = []
    for index in (args.baseline or "-", args.index):
        cmd = [sys.executable, __file__, "--child", "--index", index, "--asks", str(args.asks)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    for r in rows:
        print(
            f"{r['index']}: {r['articles']} articles, {r['passages']} passages; RSS after "
            f"warm-up {r['rss_after_warm_up_mb']:.0f} MB, after {args.asks} questions "
            f"{r['rss_after_asks_mb']:.0f} MB, peak {r['peak_mb']:.0f} MB"
        )
    base, big = rows
    print(
        f"the index costs {big['peak_mb'] - base['peak_mb']:.0f} MB of peak RSS above the "
        f"baseline ({big['rss_after_asks_mb'] - base['rss_after_asks_mb']:.0f} MB after the "
        "questions)"
    )


if __name__ == "__main__":
    main()
