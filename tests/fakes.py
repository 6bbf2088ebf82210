"""A fast, deterministic stand-in for the real encoder, for logic tests.

It embeds text as a bag of folded syllables projected onto random unit directions, so
texts sharing words are close, and it counts its calls so tests can check what was (not)
re-embedded.
"""

from __future__ import annotations

import hashlib

import numpy as np

from embeddings.lexical import syllables


class FakeEncoder:
    name = "fake-bag-of-syllables"
    dim = 64

    def __init__(self, fingerprint: str = "fake-v1"):
        self.fingerprint = fingerprint
        self.passages_seen = 0
        self.queries_seen = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in syllables(text, folded=True):
            seed = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
            v += np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        n = np.linalg.norm(v)
        return v / n if n else v

    def encode_queries(self, texts):
        self.queries_seen += len(texts)
        return (
            np.stack([self._vector(t) for t in texts])
            if texts
            else np.zeros((0, self.dim), np.float32)
        )

    def encode_passages(self, texts):
        self.passages_seen += len(texts)
        return (
            np.stack([self._vector(t) for t in texts])
            if texts
            else np.zeros((0, self.dim), np.float32)
        )


class FakeGenerator:
    """A scripted generator: ``reply`` is a string or a function of the prompt messages.

    It streams the reply word by word, then a ``GenerationStats``, and records every prompt
    it was given so tests can check what the model would have read.
    """

    name = "fake-generator"

    def __init__(self, reply="Câu trả lời [1].", confidence=None):
        self.reply = reply
        self.confidence = confidence
        self.prompts = []
        self.avoided = []  # the ``avoid`` of each call

    def load(self, say=print):
        return None

    def warm_up(self):
        pass

    def run(self, messages, max_new_tokens=96, avoid=None):
        return self.stream(messages, max_new_tokens, avoid)  # subclasses override stream

    def stream(self, messages, max_new_tokens=96, avoid=None):
        from qa.generation.generator import GenerationStats

        self.prompts.append(list(messages))
        self.avoided.append(avoid)
        text = self.reply(messages) if callable(self.reply) else self.reply
        words = text.split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word
        prompt_tokens = sum(len(m.content.split()) for m in messages)
        yield GenerationStats(
            prompt_tokens=prompt_tokens,
            new_tokens=len(words),
            first_token_ms=1.0,
            total_ms=2.0,
            mean_logprob=self.confidence,
        )


class ScriptedGenerator:
    """A generator that writes exactly ``pieces`` (as a model's tokens would arrive), then
    a ``GenerationStats``; it records each prompt and how many pieces were taken from it."""

    name = "scripted-generator"

    def __init__(self, pieces):
        self.pieces = list(pieces)
        self.prompts = []
        self.taken = 0  # pieces read by the caller in the last call

    def load(self, say=print):
        return None

    def warm_up(self):
        pass

    def run(self, messages, max_new_tokens=96, avoid=None):
        return self.stream(messages, max_new_tokens, avoid)  # subclasses override stream

    def stream(self, messages, max_new_tokens=96, avoid=None):
        from qa.generation.generator import GenerationStats

        self.prompts.append(list(messages))
        self.taken = 0
        for piece in self.pieces:
            self.taken += 1
            yield piece
        prompt_tokens = sum(len(m.content.split()) for m in messages)
        yield GenerationStats(
            prompt_tokens=prompt_tokens,
            new_tokens=len(self.pieces),
            first_token_ms=1.0,
            total_ms=2.0,
        )


# A fake causal language model over token ids, with a fake KV cache, for decoding logic.

VOCAB = 12
STOP = 11


class Cache:
    """Just the tokens whose 'KV state' is held; same crop/length API as DynamicCache."""

    def __init__(self):
        self.tokens = []

    def get_seq_length(self):
        return len(self.tokens)

    def crop(self, n):
        assert n < 0  # transformers 5 crops only from the end
        del self.tokens[n:]


class _Out:
    def __init__(self, logits):
        self.logits = logits


class FakeLM:
    """Next token = a fixed function of the last three tokens seen: repetitive, like copying.

    ``fed`` has how many tokens each forward pass read."""

    def __init__(self):
        self.fed = []

    @property
    def calls(self):
        return len(self.fed)

    def __call__(self, input_ids, past_key_values, use_cache=True, logits_to_keep=0):
        import torch

        self.fed.append(input_ids.shape[1])
        rows = []
        for t in input_ids[0].tolist():
            past_key_values.tokens.append(t)
            a, b, c = ([0, 0, 0] + past_key_values.tokens)[-3:]
            rows.append(
                torch.nn.functional.one_hot(torch.tensor((a * 7 + b * 3 + c) % VOCAB), VOCAB)
            )
        logits = torch.stack(rows).float()[None] * 5
        return _Out(logits[:, -logits_to_keep:])  # like transformers: 0 keeps them all


def plain_greedy(prompt, n):
    seq, out = list(prompt), []
    for _ in range(n):
        a, b, c = ([0, 0, 0] + seq)[-3:]
        t = (a * 7 + b * 3 + c) % VOCAB
        if t == STOP:
            break
        out.append(t)
        seq.append(t)
    return out
