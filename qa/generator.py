"""The answer generator: a tiny interface and its transformers implementation.

``stream(messages)`` yields text pieces as the model writes them, then one
``GenerationStats``. The model loads on first use and is cached per process, so every
``Answerer`` (CLI, UI, REST) shares one copy; a lock makes concurrent calls queue.

>>> g = TransformersGenerator("qwen2.5-0.5b")   # cheap: nothing is loaded yet
>>> g.name
'qwen2.5-0.5b'
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from qa.answer import Turn

_MODELS: dict[tuple[str, str], tuple[object, object]] = {}
_LOAD_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()


@dataclass(frozen=True)
class GenerationStats:
    prompt_tokens: int
    new_tokens: int
    first_token_ms: float | None
    total_ms: float

    @property
    def prefill_tps(self) -> float | None:
        if not self.first_token_ms:
            return None
        return self.prompt_tokens / (self.first_token_ms / 1000)

    @property
    def decode_tps(self) -> float | None:
        if self.first_token_ms is None or self.new_tokens < 2:
            return None
        seconds = (self.total_ms - self.first_token_ms) / 1000
        return (self.new_tokens - 1) / seconds if seconds > 0 else None


class Generator(Protocol):
    name: str

    def stream(
        self, messages: list[Turn], max_new_tokens: int = 96
    ) -> Iterator[str | GenerationStats]: ...


class TransformersGenerator:
    """A causal LM from a converted folder, a known alias or a hub id.

    ``spec=None`` takes ``$HOIDAP_GENERATOR`` or the default model; ``dtype`` is ``auto``
    (bf16 where the CPU has fast bf16, else fp32), ``bf16`` or ``fp32``. Decoding is greedy
    with prompt lookup: answers copy spans of the passages, and looking them up in the
    prompt lets several tokens be checked in one forward pass at no cost in quality.
    """

    def __init__(self, spec: str | Path | None = None, dtype: str = "auto", lookup: int = 10):
        from qa.genmodel import DEFAULT_GENERATOR

        self.spec = spec
        self.dtype = dtype
        self.lookup = lookup
        self.name = str(spec or _env_spec() or DEFAULT_GENERATOR)

    def load(self, say=print) -> tuple[object, object]:
        """The (model, tokenizer) pair, converted and loaded once per process."""
        from embeddings.modelspec import resolve_dtype
        from qa.genmodel import ensure_generator

        dtype = resolve_dtype(self.dtype)
        with _LOAD_LOCK:
            folder = ensure_generator(self.spec, say=say)
            key = (str(folder), dtype)
            if key not in _MODELS:
                _MODELS[key] = _load(folder, dtype)
            return _MODELS[key]

    def count_tokens(self, messages: list[Turn]) -> int:
        _, tok = self.load()
        return len(_chat_ids(tok, messages)[0])

    def stream(
        self, messages: list[Turn], max_new_tokens: int = 96
    ) -> Iterator[str | GenerationStats]:
        model, tok = self.load()
        ids = _chat_ids(tok, messages)
        with _RUN_LOCK:
            yield from _generate(model, tok, ids, max_new_tokens, self.lookup)


def _env_spec() -> str | None:
    import os

    return os.environ.get("HOIDAP_GENERATOR") or None


def _load(folder, dtype: str):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch_dtype = torch.bfloat16 if dtype == "bf16" else torch.float32
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype)
    model.eval()
    return model, tok


def _chat_ids(tok, messages: list[Turn]):
    text = tok.apply_chat_template(
        [{"role": m.role, "content": m.content} for m in messages],
        tokenize=False,
        add_generation_prompt=True,
    )
    return tok(text, return_tensors="pt", add_special_tokens=False)["input_ids"]


def _stop_ids(tok) -> list[int]:
    ids = {tok.eos_token_id, tok.convert_tokens_to_ids("<|im_end|>")}
    return sorted(i for i in ids if isinstance(i, int) and i >= 0)


def _generate(model, tok, ids, max_new_tokens: int, lookup: int):
    import torch

    streamer = _counting_streamer(tok)
    kwargs = dict(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=max_new_tokens,
        do_sample=False,
        streamer=streamer,
        eos_token_id=_stop_ids(tok),
        pad_token_id=_stop_ids(tok)[0],
    )
    if lookup:
        kwargs["prompt_lookup_num_tokens"] = lookup
    failure: list[BaseException] = []

    def work():
        try:
            with torch.inference_mode():
                model.generate(**kwargs)
        except BaseException as exc:  # surfaced in the caller's thread below
            failure.append(exc)
            streamer.end()

    t0 = time.perf_counter()
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    for piece in streamer:
        if piece:
            yield piece
    thread.join()
    if failure:
        raise failure[0]
    first = None if streamer.first is None else (streamer.first - t0) * 1000
    total = (time.perf_counter() - t0) * 1000
    yield GenerationStats(int(ids.shape[1]), streamer.count, first, total)


def _counting_streamer(tok):
    """A TextIteratorStreamer that also counts new tokens and times the first one."""
    from transformers import TextIteratorStreamer

    class CountingStreamer(TextIteratorStreamer):
        count = 0
        first: float | None = None

        def put(self, value):
            if not (self.skip_prompt and self.next_tokens_are_prompt):
                self.count += int(value.numel())
                self.first = self.first or time.perf_counter()
            super().put(value)

    return CountingStreamer(tok, skip_prompt=True, skip_special_tokens=True)
