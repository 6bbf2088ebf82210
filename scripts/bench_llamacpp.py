"""llama.cpp baseline for the answer generator (dev tool, never part of the product).

Runs already chat-templated prompts through llama.cpp (via llama-cpp-python) on the CPU and
times each one, so the project's transformers generator can be compared with it on exactly
the same prompts. Uses only the standard library and ``llama_cpp``; it does not import the
project's packages and must run with the separate venv's Python, not the project's.

Prompts file: JSON lines ``{"id": str, "prompt": str, "max_new_tokens": int}`` where
``prompt`` is the full Qwen chat text (``<|im_start|>...<|im_end|>``, ending with
``<|im_start|>assistant\\n``). It is tokenized as raw text with special tokens parsed and no
BOS added, then decoded greedily (temperature 0, no repeat penalty) until ``<|im_end|>`` / an
end-of-generation token or ``max_new_tokens``.

Measured per prompt with ``time.perf_counter`` (field names match ``qa.records.answer.Timings``):
``prompt_tokens``; ``first_token_ms`` (prompt read + first token sampled); ``total_ms``;
``new_tokens`` (the stop token counts when it was produced, as in transformers'
``generate`` output, but is not in ``text``); ``prefill_tps`` = prompt tokens read (not
cached) / first token time; ``decode_tps`` = (new_tokens - 1) / (total - first token
time); and ``cached_tokens``, the prompt prefix llama.cpp found already in its KV cache
and did not read again.

KV cache between prompts: by default (``--reuse-prefix``) llama.cpp's own prefix caching is
left on, as users of llama-cpp-python get it: the part of a prompt that matches the previous
prompt + answer (e.g. a shared system prompt) is not read again (see ``cached_tokens``;
hoidap reuses earlier prompts' KV state the same way, qa.generation.kvcache). ``--no-reuse-prefix``
clears the KV cache before every prompt so each is read in full, the like-for-like
comparison with a generator that reads the whole prompt each time. The summary says which
was used. The model is loaded once and one short warm-up prompt is run first (the cache is
cleared after it in both modes).

Building the venv (llama-cpp-python 0.3.36 from the PyPI sdist, CPU only; took 8 min on the
2-core dev machine; cmake and gcc are needed, no BLAS):

    python3 -m venv /tmp/llama-venv
    /tmp/llama-venv/bin/pip install --upgrade pip
    CMAKE_ARGS="-DGGML_NATIVE=ON" nice -n 15 /tmp/llama-venv/bin/pip install \\
        --no-binary llama-cpp-python --no-cache-dir "llama-cpp-python==0.3.36"

Example:

    /tmp/llama-venv/bin/python scripts/bench_llamacpp.py \\
        --gguf /tmp/hc/generators/qwen2.5-0.5b.gguf --prompts prompts.jsonl \\
        --threads 2 --ctx 4096 --out llamacpp-0.5b.jsonl [--no-reuse-prefix]

On a machine where something else is using the cores, llama.cpp's OpenMP threads spin-wait and
``--threads 2`` on 2 cores can fall 10-20x behind (decode under 1 tok/s): run it with
``OMP_WAIT_POLICY=passive`` in the environment, or ``--threads 1``, and compare on an idle
machine only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

try:
    import llama_cpp
    from llama_cpp import Llama
except ImportError:  # pragma: no cover - depends on the venv
    sys.exit(
        "llama_cpp is not installed in this Python; run this script with the llama venv's "
        "python (see the docstring for how to build it)"
    )

WARMUP = "<|im_start|>user\nXin chào!<|im_end|>\n<|im_start|>assistant\n"
# general.file_type in GGUF metadata (llama_ftype), for the header line.
FILE_TYPES = {"0": "F32", "1": "F16", "2": "Q4_0", "7": "Q8_0", "15": "Q4_K_M", "17": "Q5_K_M"}
FILE_TYPES |= {"18": "Q6_K", "32": "BF16"}


def load_prompts(path: str) -> list[dict]:
    prompts = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            for key, kind in (("id", str), ("prompt", str), ("max_new_tokens", int)):
                if not isinstance(item.get(key), kind):
                    sys.exit(f"{path}:{n}: {key!r} must be {kind.__name__}")
            prompts.append(item)
    if not prompts:
        sys.exit(f"{path}: no prompts")
    return prompts


def stop_tokens(llm: Llama) -> set[int]:
    """``<|im_end|>`` and the model's EOS (other end-of-generation tokens are checked too)."""
    stops = {llm.token_eos()}
    for text in (b"<|im_end|>", b"<|endoftext|>"):
        ids = llm.tokenize(text, add_bos=False, special=True)
        if len(ids) == 1:
            stops.add(ids[0])
    return stops


def is_stop(llm: Llama, token: int, stops: set[int]) -> bool:
    if token in stops:
        return True
    vocab = getattr(getattr(llm, "_model", None), "vocab", None)
    return vocab is not None and bool(llama_cpp.llama_vocab_is_eog(vocab, token))


def cached_prefix(llm: Llama, tokens: list[int]) -> int:
    """How many leading prompt tokens llama.cpp will take from its KV cache (as ``generate``)."""
    common = 0
    for a, b in zip(llm.input_ids[: llm.n_tokens].tolist(), tokens, strict=False):
        if a != b:
            break
        common += 1
    if common == len(tokens):  # the last prompt token is read again to get fresh logits
        common -= 1
    return max(common, 0)


def run_one(llm: Llama, prompt: str, max_new: int, stops: set[int], reuse: bool) -> dict:
    tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    room = llm.n_ctx() - len(tokens)
    if room < 1:
        return {
            "prompt_tokens": len(tokens),
            "error": f"prompt does not fit in --ctx {llm.n_ctx()}",
        }
    if not reuse:
        llm.reset()  # n_tokens = 0: eval() then drops the whole KV cache
    cached = cached_prefix(llm, tokens)
    out, stopped, ttft, total = _greedy(llm, tokens, min(max_new, room), stops)
    new = len(out) + stopped
    return {
        "prompt_tokens": len(tokens),
        "cached_tokens": cached,
        "first_token_ms": round(ttft, 2),
        "total_ms": round(total, 2),
        "new_tokens": new,
        "prefill_tps": round((len(tokens) - cached) / (ttft / 1000), 2) if ttft > 0 else None,
        "decode_tps": round((new - 1) / ((total - ttft) / 1000), 2)
        if new > 1 and total > ttft
        else None,
        "stopped": "eos" if stopped else "max_new_tokens",
        "text": llm.detokenize(out).decode("utf-8", errors="replace"),
    }


def _greedy(llm: Llama, tokens: list[int], max_new: int, stops: set[int]):
    """Greedy tokens (stop token excluded), whether a stop token ended them, and the
    milliseconds to the first and the last token."""
    out: list[int] = []
    first = end = None
    stopped = False
    t0 = time.perf_counter()
    for token in llm.generate(tokens, top_k=1, top_p=1.0, min_p=0.0, temp=0.0, repeat_penalty=1.0):
        end = time.perf_counter()
        first = first or end
        if is_stop(llm, token, stops):
            stopped = True
            break
        out.append(token)
        if len(out) >= max_new:
            break
    return out, stopped, (first - t0) * 1000, (end - t0) * 1000


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def summarize(rows: list[dict], header: str) -> str:
    ok = [r for r in rows if "error" not in r]
    lines = [
        header,
        f"n={len(ok)}" + (f" ({len(rows) - len(ok)} failed)" if len(ok) < len(rows) else ""),
    ]
    for key, label, unit in (
        ("first_token_ms", "TTFT", "ms"),
        ("total_ms", "total", "ms"),
        ("prefill_tps", "prefill", "tok/s"),
        ("decode_tps", "decode", "tok/s"),
    ):
        vals = [r[key] for r in ok if r.get(key) is not None]
        if vals:
            lines.append(
                f"  {label:<8} median {statistics.median(vals):9.1f}  p95 {p95(vals):9.1f} {unit}"
            )
    for key, label in (
        ("prompt_tokens", "prompt tokens"),
        ("cached_tokens", "cached prefix tokens"),
        ("new_tokens", "new tokens"),
    ):
        vals = [r[key] for r in ok]
        if vals:
            lines.append(f"  median {label}: {statistics.median(vals):g}")
    return "\n".join(lines)


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gguf", required=True, help="GGUF model file")
    ap.add_argument("--prompts", required=True, help="JSON lines: id, prompt, max_new_tokens")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--out", help="write one JSON line per prompt here")
    ap.add_argument(
        "--reuse-prefix",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep llama.cpp's prefix caching between prompts (default); "
        "--no-reuse-prefix clears the KV cache before each prompt",
    )
    return ap.parse_args(argv)


def _load(args: argparse.Namespace, mode: str) -> tuple[Llama, set[int]]:
    """The model, warmed up, and its stop tokens; prints what was loaded to stderr."""
    t0 = time.perf_counter()
    llm = Llama(
        model_path=args.gguf,
        n_ctx=args.ctx,
        n_batch=512,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        verbose=False,
    )
    load_s = time.perf_counter() - t0
    stops = stop_tokens(llm)
    run_one(llm, WARMUP, 4, stops, reuse=False)
    llm.reset()
    meta = llm.metadata
    ftype = meta.get("general.file_type", "?")
    weights = f"{meta.get('general.name', '?')} ({FILE_TYPES.get(ftype, 'file_type ' + ftype)})"
    print(
        f"llama-cpp-python {llama_cpp.__version__}  {os.path.basename(args.gguf)}: {weights}  "
        f"load {load_s:.1f}s  threads {args.threads}  ctx {args.ctx}  {mode}",
        file=sys.stderr,
    )
    return llm, stops


def _report(row: dict) -> None:
    if "error" in row:
        print(f"{row['id']}: {row['error']}", file=sys.stderr)
        return
    print(
        f"{row['id']}: {row['prompt_tokens']} prompt tok "
        f"(cached {row['cached_tokens']}), TTFT {row['first_token_ms']:.0f} ms, "
        f"{row['new_tokens']} new tok, total {row['total_ms']:.0f} ms",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    if not os.path.isfile(args.gguf):
        sys.exit(f"no such GGUF file: {args.gguf}")
    prompts = load_prompts(args.prompts)
    mode = (
        "reuse-prefix (llama.cpp default)" if args.reuse_prefix else "KV cache cleared per prompt"
    )
    llm, stops = _load(args, mode)
    rows = []
    out = open(args.out, "w", encoding="utf-8") if args.out else None  # noqa: SIM115
    try:
        for item in prompts:
            row = {"id": item["id"]}
            row.update(
                run_one(llm, item["prompt"], item["max_new_tokens"], stops, args.reuse_prefix)
            )
            row.update(
                model=os.path.basename(args.gguf),
                threads=args.threads,
                reuse_prefix=args.reuse_prefix,
            )
            rows.append(row)
            _report(row)
            if out:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
    finally:
        if out:
            out.close()
    print(summarize(rows, f"{os.path.basename(args.gguf)} via llama.cpp, {mode}"))
    return 0 if all("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
