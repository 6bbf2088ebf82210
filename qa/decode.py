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

from collections.abc import Iterator


def propose(seq: list[int], max_tokens: int = 10, max_ngram: int = 3) -> list[int]:
    """Tokens that followed the latest earlier occurrence of the sequence's last n-gram.

    >>> propose([1, 2, 3, 4, 1, 2], max_tokens=3)
    [3, 4, 1]
    >>> propose([1, 2, 3])
    []
    """
    for n in range(max_ngram, 0, -1):
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
    model, ids, cache, max_new_tokens: int, stop_ids: set[int], lookup: int = 10
) -> Iterator[int]:
    """Yield new token ids, greedy, until a stop token (not yielded) or the limit.

    ``ids`` is the whole prompt (1 x n tensor); ``cache`` a ``DynamicCache`` already holding
    the KV state of a prefix of it (or empty). The cache is extended in place.
    """
    import torch

    seq = ids[0].tolist()
    done = cache.get_seq_length()
    with torch.inference_mode():
        logits = model(input_ids=ids[:, done:], past_key_values=cache, use_cache=True).logits
        token = int(logits[0, -1].argmax())
        produced = 0
        while token not in stop_ids and produced < max_new_tokens:
            yield token
            produced += 1
            seq.append(token)
            guesses = propose(seq, min(lookup, max_new_tokens - produced)) if lookup else []
            step = torch.tensor([[token, *guesses]])
            logits = model(input_ids=step, past_key_values=cache, use_cache=True).logits
            new = accept(guesses, logits[0].argmax(-1).tolist())
            rejected = len(guesses) + 1 - len(new)
            if rejected:
                cache.crop(-rejected)  # negative: remove from the end (all versions agree)
            for t in new[:-1]:
                if t in stop_ids or produced >= max_new_tokens:
                    return
                yield t
                produced += 1
                seq.append(t)
            token = new[-1]
