"""One segment's term postings: which passages hold which term, and how often.

A segment stores raw term frequencies, not BM25 scores: BM25's idf and average length
depend on the whole collection, so they are computed at query time from every segment's
postings (``embeddings.lexical``). Adding a segment then never rewrites the others.

Terms are kept as 64-bit hashes (blake2b), sorted, so a segment loads as four flat arrays
that can be memory-mapped, with no vocabulary of strings to parse or hold in RAM; two
terms of one collection colliding in 64 bits is vanishingly unlikely.

>>> p = Postings.build([["hà", "nội"], ["nội", "nội"]])
>>> p.docs, p.lookup(["nội", "lào"])[1].tolist()
(2, [2, 0])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_FILES = ("keys", "indptr", "rows", "tf", "doclen")
_MAX_TF = 255  # counts above this are clipped: BM25's tf part has long saturated there


def term_key(term: str) -> int:
    """The 64-bit key a term is stored under.

    >>> term_key("hà_nội") == term_key("hà_nội") != term_key("ha_noi")
    True
    """
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")


def term_keys(terms: list[str]) -> np.ndarray:
    return np.fromiter((term_key(t) for t in terms), dtype=np.uint64, count=len(terms))


@dataclass(frozen=True, kw_only=True)
class Postings:
    """Postings in column order: term ``keys[i]`` occurs in ``rows[indptr[i]:indptr[i+1]]``
    with counts ``tf[...]``; ``doclen`` is each passage's number of terms."""

    keys: np.ndarray  # uint64, sorted
    indptr: np.ndarray  # int64, len(keys) + 1
    rows: np.ndarray  # int32, passage row within the segment
    tf: np.ndarray  # uint8
    doclen: np.ndarray  # int32, one per passage

    @property
    def docs(self) -> int:
        return len(self.doclen)

    @classmethod
    def build(cls, docs_terms: list[list[str]]) -> Postings:
        """Postings of passages given as term lists (``embeddings.lexical.terms``)."""
        doc_of, key_of = [], []
        for row, terms in enumerate(docs_terms):
            keys = term_keys(terms)
            doc_of.append(np.full(len(keys), row, dtype=np.int32))
            key_of.append(keys)
        doclen = np.array([len(t) for t in docs_terms], dtype=np.int32)
        if not doc_of or not sum(len(k) for k in key_of):
            return cls.empty(len(docs_terms))
        return cls._from_pairs(np.concatenate(key_of), np.concatenate(doc_of), doclen)

    @classmethod
    def _from_pairs(cls, keys: np.ndarray, rows: np.ndarray, doclen: np.ndarray) -> Postings:
        """Postings from one (term key, row) pair per term occurrence."""
        order = np.lexsort((rows, keys))
        keys, rows = keys[order], rows[order]
        change = np.ones(len(keys), dtype=bool)
        change[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
        starts = np.flatnonzero(change)  # one (term, row) pair each
        tf = np.minimum(np.diff(np.append(starts, len(keys))), _MAX_TF)
        return cls._columns(keys[starts], rows[starts], tf, doclen)

    @classmethod
    def _columns(cls, keys, rows, tf, doclen) -> Postings:
        """Postings from (key, row, count) triples sorted by key, then row: one column per key."""
        new_term = np.ones(len(keys), dtype=bool)
        new_term[1:] = keys[1:] != keys[:-1]
        term_starts = np.flatnonzero(new_term)
        return cls(
            keys=keys[term_starts],
            indptr=np.append(term_starts, len(keys)).astype(np.int64),
            rows=rows.astype(np.int32),
            tf=tf.astype(np.uint8),
            doclen=doclen.astype(np.int32),
        )

    @classmethod
    def empty(cls, docs: int = 0) -> Postings:
        return cls(
            keys=np.zeros(0, np.uint64),
            indptr=np.zeros(1, np.int64),
            rows=np.zeros(0, np.int32),
            tf=np.zeros(0, np.uint8),
            doclen=np.zeros(docs, np.int32),
        )

    def lookup(self, keys: list[str] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each query term (or key): its column (-1 if absent) and document frequency."""
        keys = term_keys(keys) if isinstance(keys, list) else keys
        col = np.searchsorted(self.keys, keys)
        col[col >= len(self.keys)] = 0
        found = (self.keys[col] == keys) if len(self.keys) else np.zeros(len(keys), bool)
        col = np.where(found, col, -1)
        df = np.where(found, self.indptr[col + 1] - self.indptr[col], 0)
        return col, df

    def postings(self, col: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and term counts of one column."""
        lo, hi = self.indptr[col], self.indptr[col + 1]
        return self.rows[lo:hi], self.tf[lo:hi]

    def save(self, folder: Path) -> None:
        """Write the five arrays as ``.npy`` files (not fsynced here: the store seals)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in _FILES:
            with open(folder / f"{name}.npy", "wb") as fh:
                np.save(fh, getattr(self, name))

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> Postings:
        """Open saved postings; memory-mapped, so only the columns a query reads are paged in."""
        mode = "r" if mmap else None
        return cls(**{n: np.load(folder / f"{n}.npy", mmap_mode=mode) for n in _FILES})

    @classmethod
    def merge(cls, parts: list[Postings], keep: list[np.ndarray]) -> Postings:
        """One segment's postings from several, keeping the rows ``keep[i]`` (a bool mask
        over part ``i``'s rows); the kept rows are renumbered in order, as a merge does."""
        all_keys, all_rows, all_tf, lengths, base = [], [], [], [], 0
        for part, mask in zip(parts, keep, strict=True):
            new_row = np.cumsum(mask) - 1 + base
            term_of = np.repeat(part.keys, np.diff(part.indptr))
            alive = mask[part.rows]
            all_keys.append(term_of[alive])
            all_rows.append(new_row[part.rows[alive]].astype(np.int32))
            all_tf.append(np.asarray(part.tf)[alive])
            lengths.append(np.asarray(part.doclen)[mask])
            base += int(mask.sum())
        return cls._from_counts(all_keys, all_rows, all_tf, np.concatenate(lengths or [[]]))

    @classmethod
    def _from_counts(cls, keys, rows, tf, doclen) -> Postings:
        doclen = doclen.astype(np.int32)
        if not keys or not sum(len(k) for k in keys):
            return cls.empty(len(doclen))
        keys, rows, tf = np.concatenate(keys), np.concatenate(rows), np.concatenate(tf)
        order = np.lexsort((rows, keys))
        return cls._columns(keys[order], rows[order], tf[order], doclen)
