"""Answer benchmark on the bundled corpus: search, reading, first visible text, whole answer,
tokens/s, peak RSS. ``--extractive`` measures the reader alone (the generator never loads).

    python scripts/bench_answer.py [--n 20] [--model qwen2.5-1.5b] [--dtype auto]
        [--recent 4] [--prompts-out eval-out/bench-prompts.jsonl]
        [--llama-python /tmp/llama-venv/bin/python --gguf PATH]

Asks the first ``--n`` answerable questions of the bundled test set through the full
pipeline (one warm-up question first, not counted) and prints medians and p95 of time to
first token and whole-answer time, prompt tokens, prefill and decode tokens/s beside the
limits measured for this machine, and the process's peak RSS. The exact chat-templated
prompts are written to ``--prompts-out``; with ``--llama-python`` and ``--gguf`` the same
prompts are then run through llama.cpp (scripts/bench_llamacpp.py, in its own venv) and
both are printed side by side. The questions are asked in the test set's order, so one
often starts with the passage the one before did; ``reused_tokens`` shows how much of each
prompt was not read again, and ``--recent 0`` reuses only the system message.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from corpus.bundled import questions_path
from qa.answering.answerer import Answerer
from qa.evaluation.questions import load_questions
from qa.generation.generator import TransformersGenerator, _chat_ids

# Measured on this kind of machine (2 threads), from the answers issue: tokens/s.
LIMITS = {
    "qwen2.5-1.5b": "transformers bf16 prefill ~200, decode ~4.5 (bandwidth limit ~9); "
    "llama.cpp Q4 prefill ~105, decode ~30",
    "qwen2.5-0.5b": "transformers bf16 prefill ~550, decode ~10 (bandwidth limit ~28); "
    "llama.cpp Q4 prefill ~200, decode ~40",
}


class Recording:
    """Wraps a generator and keeps the chat-templated text of every prompt it reads."""

    def __init__(self, inner: TransformersGenerator):
        self.inner, self.name, self.prompts = inner, inner.name, []

    def warm_up(self) -> None:
        self.inner.warm_up()

    def run(self, messages, max_new_tokens=96, avoid=None):
        _, tok = self.inner.load()
        ids = _chat_ids(tok, messages)
        self.prompts.append({"prompt": tok.decode(ids[0]), "max_new_tokens": max_new_tokens})
        yield from self.inner.run(messages, max_new_tokens, avoid)

    stream = run


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def summary(rows: list[dict], label: str) -> None:
    def line(key: str, unit: str, digits: int = 0) -> str:
        vals = [r[key] for r in rows if r.get(key) is not None]
        if not vals:
            return f"  {key:15} -"
        med, p95 = statistics.median(vals), pct(vals, 95)
        return f"  {key:15} p50 {med:8.{digits}f}  p95 {p95:8.{digits}f} {unit}"

    print(f"{label} (n={len(rows)})")
    for key, unit, d in (
        ("retrieve_ms", "ms", 0),
        ("read_ms", "ms", 0),
        ("first_token_ms", "ms", 0),
        ("total_ms", "ms", 0),
        ("prompt_tokens", "tokens", 0),
        ("reused_tokens", "tokens", 0),
        ("cached_tokens", "tokens", 0),
        ("new_tokens", "tokens", 0),
        ("prefill_tps", "tok/s", 1),
        ("decode_tps", "tok/s", 1),
    ):
        print(line(key, unit, d))


def run_ours(args) -> tuple[list[dict], list[dict]]:
    if args.extractive:  # the reader alone: the generator is never loaded
        generator = None
        answerer = Answerer.load(extractive=True)
    else:
        generator = Recording(
            TransformersGenerator(args.model, args.dtype, lookup=args.lookup, recent=args.recent)
        )
        generator.inner.load()
        answerer = Answerer.load(generator=generator)
    questions = [q for q in load_questions(questions_path()) if q.answerable]
    answerer.ask(questions[-1].question)  # warm-up: first calls allocate and tune kernels
    if generator is not None:
        generator.prompts.clear()
    rows = []
    for q in questions[: args.n]:
        ans = answerer.ask(q.question)
        t = ans.timings
        # Phrased: the generator's sentence passed the check and is shown, not the span alone.
        phrased = ans.span is not None and ans.text.strip() != f"{ans.span} [1]"
        rows.append(
            {"id": q.id, **t.__dict__, "refused": ans.refused, "text": ans.text, "phrased": phrased}
        )
    recorded = generator.prompts if generator is not None else []
    prompts = [{"id": r["id"], **p} for r, p in zip(rows, recorded, strict=False)]
    return rows, prompts


def run_llama(args, prompts_path: Path) -> list[dict]:
    out = prompts_path.with_name("bench-llamacpp.jsonl")
    script = Path(__file__).with_name("bench_llamacpp.py")
    cmd = [args.llama_python, str(script), "--gguf", args.gguf, "--prompts", str(prompts_path)]
    # llama.cpp reuses its last prompt's KV state, as ours reuses earlier prompts'
    # (qa.generation.kvcache).
    subprocess.run([*cmd, "--out", str(out), "--reuse-prefix"], check=True)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--model", default=None)
    p.add_argument("--dtype", default="auto")
    p.add_argument("--lookup", type=int, default=TransformersGenerator().lookup)
    p.add_argument(
        "--recent",
        type=int,
        default=TransformersGenerator().recent,
        help="earlier prompts whose KV state is reused (0: the system message's only)",
    )
    p.add_argument("--prompts-out", default="eval-out/bench-prompts.jsonl")
    p.add_argument("--extractive", action="store_true", help="the reader's span alone")
    p.add_argument("--llama-python")
    p.add_argument("--gguf")
    args = p.parse_args()
    rows, prompts = run_ours(args)
    path = Path(args.prompts_out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in prompts), "utf-8")
    name = "reader only" if args.extractive else TransformersGenerator(args.model).name
    summary(rows, f"hoidap, {name}")
    print(f"  limits here: {LIMITS.get(name, 'n/a')}")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    print(f"  refused {sum(r['refused'] for r in rows)}/{len(rows)}; prompts in {path}")
    phrased = sum(r.get("phrased", False) for r in rows)
    print(f"  phrased {phrased}/{len(rows)} (the others: the span alone)")
    if args.llama_python and args.gguf:
        llama = run_llama(args, path)
        summary(llama, "llama.cpp (Q4_K_M GGUF) on the same prompts, prefix cache on")
        ours = statistics.median(r["total_ms"] for r in rows)
        theirs = statistics.median(r["total_ms"] for r in llama)
        print(
            f"whole answer, median: hoidap {ours:.0f} ms vs llama.cpp {theirs:.0f} ms "
            f"(ratio {theirs / ours:.2f}x)"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
