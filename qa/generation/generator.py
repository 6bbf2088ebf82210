"""The answer generator: a tiny interface and its transformers implementation.

``run(messages)`` (the same as ``stream``) yields text pieces as the model writes them, then
one ``GenerationStats``. The model loads on ``warm_up()`` or first use and is cached per
process, so every ``Answerer`` (CLI, UI, REST) shares one copy; a lock makes concurrent
calls queue.

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
from typing import Protocol, runtime_checkable

from qa.generation.kvcache import PromptCache
from qa.generation.loading import load_model, resolve_generator_dtype
from qa.records.answer import Turn

_MODELS: dict[tuple[str, str], tuple[object, object]] = {}
_PROMPTS: dict[int, PromptCache] = {}  # id(model) -> KV states of prompts it has read
_LOAD_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class GenerationStats:
    prompt_tokens: int
    new_tokens: int
    first_token_ms: float | None
    total_ms: float
    mean_logprob: float | None = None  # the model's confidence in what it wrote
    reused_tokens: int = 0  # prompt tokens whose KV state was kept from before, not read

    @property
    def prefill_tps(self) -> float | None:
        """Prompt tokens read per second (reused ones are not read)."""
        if not self.first_token_ms:
            return None
        return (self.prompt_tokens - self.reused_tokens) / (self.first_token_ms / 1000)

    @property
    def decode_tps(self) -> float | None:
        if self.first_token_ms is None or self.new_tokens < 2:
            return None
        seconds = (self.total_ms - self.first_token_ms) / 1000
        return (self.new_tokens - 1) / seconds if seconds > 0 else None


@runtime_checkable
class Generator(Protocol):
    """What the ``Answerer`` needs of a generator: text pieces for a chat, then one
    ``GenerationStats``. Build it cheaply; load the model in ``warm_up()``.

    >>> isinstance(TransformersGenerator("qwen2.5-0.5b"), Generator)
    True
    """

    name: str

    def warm_up(self) -> None: ...

    def run(
        self, messages: list[Turn], max_new_tokens: int = 96, avoid: str | None = None
    ) -> Iterator[str | GenerationStats]: ...


class TransformersGenerator:
    """A causal LM from a converted folder, a known alias or a hub id.

    ``spec=None`` takes ``$HOIDAP_GENERATOR`` or the default model; ``dtype`` is ``auto``
    (``$HOIDAP_GENERATOR_DTYPE``, else int8), ``int8``, ``bf16`` or ``fp32``. Decoding is greedy
    with prompt lookup (``qa.generation.decode``): answers copy spans of the passages, so guesses
    looked up in the prompt let one forward pass produce several tokens, with output
    identical to plain greedy decoding. What a prompt shares with one read before is not
    read again (``reuse_prefix``, qa.generation.kvcache): the system message, kept for good, and the
    longest shared start of the last few prompts. Unless the prompt holds Chinese, Japanese
    or Korean, the model may not write them (``ban_foreign``, qa.generation.foreign_scripts).
    """

    def __init__(
        self,
        spec: str | Path | None = None,
        dtype: str = "auto",
        lookup: int = 10,
        reuse_prefix: bool = True,
        recent: int = 4,
        ban_foreign: bool = True,
    ):
        from qa.generation.weights import DEFAULT_GENERATOR

        self.spec = spec
        self.reuse_prefix = reuse_prefix
        self.recent = recent  # whole prompts whose KV state is kept (0: the system's only)
        self.dtype = dtype
        self.lookup = lookup
        self.ban_foreign = ban_foreign  # no Chinese/Japanese/Korean unless the prompt has it
        self.name = str(spec or _env_spec() or DEFAULT_GENERATOR)

    def load(self, say=print) -> tuple[object, object]:
        """The (model, tokenizer) pair, converted and loaded once per process."""
        from qa.generation.weights import ensure_generator

        dtype = resolve_generator_dtype(self.dtype)
        with _LOAD_LOCK:
            folder = ensure_generator(self.spec, say=say)
            key = (str(folder), dtype)
            if key not in _MODELS:
                _MODELS[key] = load_model(folder, dtype)
                if self.ban_foreign:  # 0.7 s over a 150k vocabulary: not in the first answer
                    self._suppress(*_MODELS[key], [])
            return _MODELS[key]

    def warm_up(self) -> None:
        self.load()

    def run(
        self, messages: list[Turn], max_new_tokens: int = 96, avoid: str | None = None
    ) -> Iterator[str | GenerationStats]:
        """The ``Generator`` seam: ``stream``."""
        return self.stream(messages, max_new_tokens, avoid)

    def count_tokens(self, messages: list[Turn]) -> int:
        _, tok = self.load()
        return len(_chat_ids(tok, messages)[0])

    def stream(
        self, messages: list[Turn], max_new_tokens: int = 96, avoid: str | None = None
    ) -> Iterator[str | GenerationStats]:
        """Text pieces, then stats. The answer may not start with the first token of
        ``avoid`` (a rejected earlier answer)."""
        model, tok = self.load()
        ids = _chat_ids(tok, messages)
        banned = _first_tokens(tok, avoid)
        suppress = self._suppress(model, tok, messages)
        with _RUN_LOCK:
            store = self._store(model, tok, messages)
            reused, cache = store.take(ids[0].tolist()) if store else (0, None)
            cache = cache if cache is not None else _empty_cache()
            yield from _generate(
                model, tok, ids, max_new_tokens, self.lookup, cache, banned, reused, suppress
            )
            if store and self.recent:  # once whole: a cut stream keeps nothing
                store.put(ids[0].tolist(), cache)

    def _suppress(self, model, tok, messages: list[Turn]):
        """The tokens the answer may not use (qa.generation.foreign_scripts), or None when
        all are allowed."""
        from qa.generation.foreign_scripts import foreign, foreign_mask

        if not self.ban_foreign or any(foreign(m.content) for m in messages):
            return None
        return foreign_mask(tok, model.config.vocab_size)

    def _store(self, model, tok, messages: list[Turn]) -> PromptCache | None:
        """The model's kept KV states, with the system message's read in; None without reuse."""
        if not self.reuse_prefix:
            return None
        store = _PROMPTS.setdefault(id(model), PromptCache(self.recent))
        _pin_system(model, tok, messages, store)
        return store


def _env_spec() -> str | None:
    import os

    return os.environ.get("HOIDAP_GENERATOR") or None


def chat_text(tok, messages: list[Turn], generation_prompt: bool = True) -> str:
    """``messages`` in the model's chat template, as text (the prompt it reads)."""
    return tok.apply_chat_template(
        [{"role": m.role, "content": m.content} for m in messages],
        tokenize=False,
        add_generation_prompt=generation_prompt,
    )


def _chat_ids(tok, messages: list[Turn], generation_prompt: bool = True):
    text = chat_text(tok, messages, generation_prompt)
    return tok(text, return_tensors="pt", add_special_tokens=False)["input_ids"]


def _pin_system(model, tok, messages: list[Turn], store: PromptCache) -> None:
    """Read the system message once and keep its KV state for every later prompt."""
    import torch

    from qa.generation.decode import cache_of

    if not messages or messages[0].role != "system" or messages[0].content in store.pinned:
        return
    head = _chat_ids(tok, messages[:1], generation_prompt=False)
    with torch.inference_mode():
        out = model(input_ids=head, use_cache=True, logits_to_keep=1)
    store.pin(messages[0].content, head[0].tolist(), cache_of(out))


def _empty_cache():
    from transformers import DynamicCache

    return DynamicCache()


def _stop_ids(tok) -> list[int]:
    ids = {tok.eos_token_id, tok.convert_tokens_to_ids("<|im_end|>")}
    return sorted(i for i in ids if isinstance(i, int) and i >= 0)


def _first_tokens(tok, text: str | None) -> frozenset[int]:
    """The token ``text`` starts with, as the model would write it at an answer's start."""
    ids = tok(text.strip(), add_special_tokens=False)["input_ids"] if text and text.strip() else []
    return frozenset(ids[:1])


def _generate(
    model,
    tok,
    ids,
    max_new_tokens: int,
    lookup: int,
    cache,
    banned=frozenset(),
    reused: int = 0,
    suppress=None,
):
    """Stream text pieces, then stats; text is decoded incrementally from all new ids.
    ``cache`` holds the KV state of the first ``reused`` prompt tokens (or none)."""
    from qa.generation.decode import greedy_stream

    t0 = time.perf_counter()
    first, new, logprobs, shown = None, [], [], ""
    stops = set(_stop_ids(tok))
    for step in greedy_stream(model, ids, cache, max_new_tokens, stops, lookup, banned, suppress):
        first = first or time.perf_counter()
        new.append(step.token)
        logprobs.append(step.logprob)
        text = tok.decode(new, skip_special_tokens=True)
        # A Vietnamese letter can span two tokens: wait until it is complete.
        if len(text) > len(shown) and not text.endswith("\ufffd"):
            yield text[len(shown) :]
            shown = text
    text = tok.decode(new, skip_special_tokens=True)
    if len(text) > len(shown):
        yield text[len(shown) :]
    yield _stats(int(ids.shape[1]), logprobs, t0, first, reused)


def _stats(prompt_tokens: int, logprobs: list, t0: float, first, reused: int) -> GenerationStats:
    """One generation's figures: ``t0`` its start, ``first`` when its first token came."""
    return GenerationStats(
        prompt_tokens=prompt_tokens,
        new_tokens=len(logprobs),
        first_token_ms=None if first is None else (first - t0) * 1000,
        total_ms=(time.perf_counter() - t0) * 1000,
        mean_logprob=sum(logprobs) / len(logprobs) if logprobs else None,  # its confidence
        reused_tokens=reused,
    )
