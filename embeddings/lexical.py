"""Vietnamese-aware BM25 over normalized syllables, with a folded twin for unaccented queries.

Vietnamese writes one syllable per token, and most words are two syllables, so documents
are indexed by syllables plus adjacent-syllable bigrams. One-letter syllables (``ở``,
``ý``) are real words and are kept. Two sets of postings are kept per segment: one over
accented syllables, one over the folded key (no diacritics, ``đ`` -> ``d``); a query typed
without diacritics is scored against the folded one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.normalize import fold_text, has_diacritics, normalize_text
from embeddings.postings import Postings, term_keys

_TOKEN = re.compile(r"\d+(?:[.,/]\d+)*|[^\W_]+")


def syllables(text: str, folded: bool = False) -> list[str]:
    """Lowercased syllables and numbers of ``text``.

    >>> syllables("Hà Lan đầu tư 1,3 tỷ USD")
    ['hà', 'lan', 'đầu', 'tư', '1,3', 'tỷ', 'usd']
    >>> syllables("Hà Lan", folded=True)
    ['ha', 'lan']
    """
    text = fold_text(text) if folded else normalize_text(text).lower()
    return _TOKEN.findall(text)


def terms(text: str, folded: bool = False) -> list[str]:
    """Index terms: syllables plus adjacent-syllable bigrams.

    >>> terms("Hà Nội")
    ['hà', 'nội', 'hà_nội']
    """
    s = syllables(text, folded)
    return s + [f"{a}_{b}" for a, b in zip(s, s[1:], strict=False)]


@dataclass(frozen=True, kw_only=True)
class SegmentTerms:
    """One segment's postings, accented and folded, over the same passages in one order."""

    accented: Postings
    folded: Postings

    @classmethod
    def build(cls, texts: list[str]) -> SegmentTerms:
        return cls(
            accented=Postings.build([terms(t) for t in texts]),
            folded=Postings.build([terms(t, True) for t in texts]),
        )

    @property
    def rows(self) -> int:
        """Passages in both twins (a load checks it against the chunks); -1 if they differ.

        >>> SegmentTerms.build(["Hà Lan", "Lào"]).rows
        2
        """
        a, f = self.accented.docs, self.folded.docs
        return a if a == f else -1

    def save(self, folder: Path) -> None:
        self.accented.save(folder / "accented")
        self.folded.save(folder / "folded")

    @classmethod
    def load(cls, folder: Path) -> SegmentTerms:
        return cls(
            accented=Postings.load(folder / "accented"), folded=Postings.load(folder / "folded")
        )

    @classmethod
    def merge(cls, parts: list[SegmentTerms], keep: list[np.ndarray]) -> SegmentTerms:
        return cls(
            accented=Postings.merge([p.accented for p in parts], keep),
            folded=Postings.merge([p.folded for p in parts], keep),
        )


class LexicalIndex:
    """BM25 (Lucene's variant, k1=1.2, b=0.75) over the passages of several segments.

    Segments are laid end to end: segment ``i``'s row ``r`` is global row
    ``offsets[i] + r``. Document frequencies and the average length are summed over all
    segments at query time, so scores are those of one index over all the passages however
    they are split (a test checks this against bm25s).

    >>> idx = LexicalIndex([SegmentTerms.build(["Hà Lan đầu tư", "Lào hợp tác"])])
    >>> [bool(s > 0) for s in idx.scores("ha lan dau tu")]
    [True, False]
    """

    def __init__(self, segments: list[SegmentTerms], k1: float = 1.2, b: float = 0.75):
        self.segments = segments
        self.k1, self.b = k1, b
        self.offsets = np.cumsum([0] + [s.rows for s in segments])
        self.size = int(self.offsets[-1])
        total = {f: sum(int(np.sum(getattr(s, f).doclen)) for s in segments) for f in _TWINS}
        self._avglen = {f: total[f] / self.size if self.size else 1.0 for f in _TWINS}

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (float32, global row order).

        A query without diacritics is scored against the folded twin.
        """
        out = np.zeros(self.size, dtype=np.float32)
        if self.size == 0:
            return out
        twin = "accented" if has_diacritics(query) else "folded"
        keys = term_keys(terms(query, twin == "folded"))
        looked = [getattr(s, twin).lookup(keys) for s in self.segments]
        df = np.sum([d for _, d in looked], axis=0)
        idf = np.log(1 + (self.size - df + 0.5) / (df + 0.5))
        for seg, (cols, _), base in zip(self.segments, looked, self.offsets, strict=False):
            self._add_segment(out[base:], getattr(seg, twin), cols, idf, self._avglen[twin])
        return out

    def _add_segment(self, out, postings: Postings, cols, idf, avglen: float) -> None:
        norm = self.k1 * (1 - self.b + self.b * np.asarray(postings.doclen) / avglen)
        for col, weight in zip(cols, idf, strict=True):
            if col < 0:
                continue
            rows, tf = postings.postings(int(col))
            tf = tf.astype(np.float32)
            out[rows] += weight * tf / (norm[rows] + tf)  # rows are unique within a column


_TWINS = ("accented", "folded")
