"""KV states of earlier prompts, reused for the longest token prefix a new prompt shares.

Reading the prompt sets the time to the first token: about 5 ms a token for the 1.5B
generator on 2 cores, attention and int8 products both near what the CPU can do. So what
was read before is not read again. The system message opens every prompt and is kept for
good (``pin``); the last few whole prompts are kept too (``put``): questions about one story
often start with the same passage, and a retried answer (qa.answering.answerer's ``_ask_again``)
sends exactly the prompt just read. llama.cpp reuses its previous prompt the same way.

Reuse is by token ids, so a prefix is only ever taken where tokenization agrees.

>>> class Kv(list):                          # a stand-in for transformers' DynamicCache
...     def get_seq_length(self): return len(self)
...     def crop(self, n): del self[n:]      # n < 0: drop the last -n tokens
>>> store = PromptCache()
>>> store.put([1, 2, 3, 4], Kv("abcd"))
>>> store.take([1, 2, 9])                    # a private copy of the shared prefix's state
(2, ['a', 'b'])
>>> store.take([1, 2, 3, 4])                 # the last token is read again for its logits
(3, ['a', 'b', 'c'])
"""

from __future__ import annotations

import copy
from collections.abc import Sequence


def shared_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` have in common.

    >>> shared_prefix([1, 2, 3], [1, 2, 4, 5])
    2
    """
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class PromptCache:
    """Pinned prefixes (kept for good) and the ``slots`` latest prompts (oldest dropped).

    A cache object needs ``get_seq_length()`` and ``crop(-n)`` (drop the last ``n``
    tokens' state), as transformers' ``DynamicCache``, and must copy with
    ``copy.deepcopy``. The KV state of the 1.5B model in float32 takes ~57 KB a token, so
    four 800-token prompts hold ~180 MB.
    """

    def __init__(self, slots: int = 4):
        self.slots = slots
        self.pinned: dict[str, tuple[tuple[int, ...], object]] = {}
        self.recent: list[tuple[tuple[int, ...], object]] = []

    def pin(self, key: str, ids: Sequence[int], cache) -> None:
        """Keep ``cache`` (the state of exactly ``ids``) under ``key`` for good."""
        self.pinned[key] = (tuple(ids), cache)

    def put(self, ids: Sequence[int], cache) -> None:
        """Keep the state of a prompt just read; ``cache`` may hold more (the answer), which is
        cropped away in place, so it must not be used after."""
        ids = tuple(ids)
        _keep(cache, len(ids))
        kept = [e for e in self.recent if e[0] != ids] + [(ids, cache)]
        self.recent = kept[-self.slots :] if self.slots > 0 else []

    def take(self, ids: Sequence[int]) -> tuple[int, object | None]:
        """``(n, cache)``: a private copy of the state of the first ``n`` tokens of ``ids``,
        the longest prefix held (``n`` < ``len(ids)``: the last token must be read for its
        logits), or ``(0, None)`` when nothing is shared."""
        best, found = 0, None
        for held, cache in [*self.pinned.values(), *self.recent]:
            n = min(shared_prefix(held, ids), len(ids) - 1)
            if n > best:
                best, found = n, (held, cache)
        if found is None:
            return 0, None
        held, cache = found
        mine = copy.deepcopy(cache)
        _keep(mine, best)
        return best, mine


def _keep(cache, n: int) -> None:
    """Crop ``cache`` to its first ``n`` tokens (transformers 5 crops only from the end)."""
    extra = cache.get_seq_length() - n
    if extra > 0:
        cache.crop(-extra)
