"""Greedy decoding with prompt lookup over a reusable KV cache, streamed token by token.

Answers copy spans of the passages. Prompt lookup guesses the next tokens by finding the
last few generated tokens earlier in the prompt and proposing what followed them there;
one forward pass then checks all the guesses, and every guess that matches the model's own
greedy choice is kept. The output is exactly plain greedy decoding, only in fewer passes.
transformers' ``generate`` has this (``prompt_lookup_num_tokens``) but not together with a
pre-filled cache, which is how the shared system prompt is read only once; so the loop is
written here, in a few lines.

>>> propose([5, 6, 7, 8, 9, 6, 7], max_tokens=2)
[8, 9]
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple


class Step(NamedTuple):
    """One generated token and the log-probability the model gave it."""

    token: int
    logprob: float


def propose(
    seq: list[int], max_tokens: int = 10, max_ngram: int = 3, min_ngram: int = 2
) -> list[int]:
    """Tokens that followed the latest earlier occurrence of the sequence's last n-gram.

    A one-token match is a poor guess, and on a CPU every guess checked costs compute, so
    at least ``min_ngram`` tokens must match.

    >>> propose([1, 2, 3, 4, 1, 2], max_tokens=3)
    [3, 4, 1]
    >>> propose([1, 2, 3, 1])
    []
    """
    for n in range(max_ngram, min_ngram - 1, -1):
        if len(seq) <= n:
            continue
        tail = seq[-n:]
        for start in range(len(seq) - n - 1, -1, -1):
            if seq[start : start + n] == tail:
                return seq[start + n : start + n + max_tokens]
    return []


def accept(candidates: list[int], predictions: list[int]) -> list[int]:
    """The tokens one verification pass yields: matching guesses plus the model's next token.

    ``predictions[i]`` is the model's greedy choice after the i-th input token (the last
    accepted token, then each candidate).

    >>> accept([7, 8, 9], [7, 8, 4, 5])
    [7, 8, 4]
    >>> accept([], [3])
    [3]
    """
    out = []
    for guess, choice in zip(candidates, predictions, strict=False):
        if guess != choice:
            break
        out.append(guess)
    return out + [predictions[len(out)]]


def greedy_stream(
    model,
    ids,
    cache,
    max_new_tokens: int,
    stop_ids: set[int],
    lookup: int = 10,
    banned_first: frozenset[int] = frozenset(),
    suppress=None,
) -> Iterator[Step]:
    """Yield new tokens (with log-probabilities), greedy, until a stop token or the limit.

    ``ids`` is the whole prompt (1 x n tensor); ``cache`` a ``DynamicCache`` already holding
    the KV state of a prefix of it (or empty). The cache is extended in place. The tokens in
    ``banned_first`` may not start the answer (the best other token does); tokens where
    the bool tensor ``suppress`` is True are never chosen (qa.generation.foreign_scripts).

    Checking a guess is not free on a CPU (feeding 11 tokens costs 3.3x feeding one, for
    the 1.5B model in fp32), and short answers rarely copy long spans; so it checks one
    guess at first, doubles the number (up to ``lookup``) while all are right, and drops
    back to one after a miss.
    """
    seq, done = ids[0].tolist(), cache.get_seq_length()
    window = 1  # guesses to check next; grows while they keep being right
    step = _prefill(model, ids[:, done:], cache, banned_first, suppress)
    produced = 0
    while step.token not in stop_ids and produced < max_new_tokens:
        yield step
        produced += 1
        seq.append(step.token)
        limit = min(window, lookup, max_new_tokens - produced)
        guesses = propose(seq, limit) if limit > 0 else []
        steps = _verify(model, cache, step.token, guesses, suppress)
        window = window * 2 if guesses and len(steps) > len(guesses) else 1
        for b in steps[:-1]:
            if b.token in stop_ids or produced >= max_new_tokens:
                return
            yield b
            produced += 1
            seq.append(b.token)
        step = steps[-1]


def _no_grad(fn):
    """Run ``fn`` under ``torch.inference_mode``, entered and left within the call.

    Not around the whole loop: grad mode is per thread, and a stream may be resumed in
    another thread than the one that started it (qa.interfaces.service drains answers in a worker),
    where a mode entered before a ``yield`` does not hold. Decoding there built autograd
    graphs, and their KV tensors could not be copied for reuse (qa.generation.kvcache).
    """
    import functools

    @functools.wraps(fn)
    def run(*args, **kwargs):
        import torch

        with torch.inference_mode():
            return fn(*args, **kwargs)

    return run


@cache
def _cache_name(kind: type) -> str:
    """The KV-cache argument of a model class's forward: ``cache`` from transformers 5.25
    (``past_key_values`` still works there with a warning each call, until 5.40), else
    ``past_key_values``."""
    params = inspect.signature(getattr(kind, "forward", kind.__call__)).parameters
    return "cache" if "cache" in params else "past_key_values"


def with_cache(model, cache, **kwargs):
    """``model(**kwargs)`` reading and extending ``cache``, under either transformers' name."""
    return model(**{_cache_name(type(model)): cache}, use_cache=True, **kwargs)


def cache_of(out):
    """The KV cache a forward pass returned, under either transformers' name."""
    return out["cache"] if "cache" in out else out["past_key_values"]


@_no_grad
def _prefill(model, ids, cache, banned: frozenset[int] = frozenset(), suppress=None) -> Step:
    """Read the prompt tokens not yet in ``cache``; the first generated token."""
    # Only the last position's logits: the vocabulary projection of every prompt token
    # would cost as much as a fifth of the whole prompt reading.
    out = with_cache(model, cache, input_ids=ids, logits_to_keep=1)
    logits = out.logits[0, -1:]
    if banned:
        logits = logits.clone()
        logits[0, sorted(banned)] = float("-inf")
    return _best(logits, suppress)[0]


@_no_grad
def _verify(model, cache, token: int, guesses: list[int], suppress=None) -> list[Step]:
    """One pass over ``token`` and the guesses: the matching guesses, then the model's own
    next token. Rejected guesses are cropped from the end of the cache."""
    import torch

    feed = torch.tensor([[token, *guesses]])
    logits = with_cache(model, cache, input_ids=feed).logits[0]
    best = _best(logits, suppress)
    new = accept(guesses, [b.token for b in best])
    rejected = len(guesses) + 1 - len(new)
    if rejected:
        cache.crop(-rejected)  # negative: remove from the end (all versions agree)
    return best[: len(new)]


def _best(logits, suppress=None) -> list[Step]:
    """The greedy token of each row of logits, with its log-probability; never a token
    where ``suppress`` is True (the others' probabilities renormalised)."""
    logits = logits.float()
    if suppress is not None:
        logits = logits.masked_fill(suppress[: logits.shape[-1]], float("-inf"))
    logprobs = logits.log_softmax(-1)
    values, tokens = logprobs.max(-1)
    return [Step(int(t), float(v)) for t, v in zip(tokens, values, strict=True)]
