"""Vietnamese-aware BM25 over normalized syllables, with a folded twin for unaccented queries.

Vietnamese writes one syllable per token, and most words are two syllables, so documents
are indexed by syllables plus adjacent-syllable bigrams. One-letter syllables (``ở``,
``ý``) are real words and are kept. Two bm25s indexes are kept: one over accented
syllables, one over the folded key (no diacritics, ``đ`` -> ``d``); a query typed without
diacritics is scored against the folded one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.normalize import fold_text, has_diacritics, normalize_text

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
class LexicalIndex:
    """Two BM25 indexes (accented, folded) over the same documents, in one order."""

    accented: object
    folded: object
    size: int

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        return cls(
            accented=_fit([terms(t) for t in texts]),
            folded=_fit([terms(t, True) for t in texts]),
            size=len(texts),
        )

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (float32, document order).

        >>> idx = LexicalIndex.build(["Hà Lan đầu tư", "Lào hợp tác"])
        >>> [bool(s > 0) for s in idx.scores("ha lan dau tu")]
        [True, False]
        """
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        folded = not has_diacritics(query)
        index = self.folded if folded else self.accented
        tokens = [t for t in terms(query, folded) if t in index.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(index.get_scores(tokens), dtype=np.float32)

    @property
    def rows(self) -> int:
        """Documents in the stored BM25 matrices (a load checks it against the chunks).

        >>> LexicalIndex.build(["Hà Lan", "Lào"]).rows
        2
        """
        if self.size == 0:
            return 0
        counts = {int(m.scores["num_docs"]) for m in (self.accented, self.folded)}
        return counts.pop() if len(counts) == 1 else -1  # the twins disagree: refused

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.accented.save(str(folder / "accented"))
        self.folded.save(str(folder / "folded"))

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        import bm25s

        if size == 0:
            return cls.build([])
        accented = bm25s.BM25.load(str(folder / "accented"))
        folded = bm25s.BM25.load(str(folder / "folded"))
        return cls(accented=accented, folded=folded, size=size)


def _fit(corpus_terms: list[list[str]]):
    import bm25s

    model = bm25s.BM25(k1=1.2, b=0.75)
    if corpus_terms:
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus_terms]
        model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    return model
