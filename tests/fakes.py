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

    def stream(self, messages, max_new_tokens=96, check=None, avoid=None):
        from qa.generator import GenerationStats

        self.prompts.append(list(messages))
        self.avoided.append(avoid)
        text = self.reply(messages) if callable(self.reply) else self.reply
        words = text.split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word
        prompt_tokens = sum(len(m.content.split()) for m in messages)
        yield GenerationStats(prompt_tokens, len(words), 1.0, 2.0, self.confidence)
