"""Global passage rows across segments, which of them are live, and the live articles.

Segments are laid end to end: segment ``i``'s local row ``r`` is global row
``offsets[i] + r``, the order the BM25 scores (``embeddings.lexical``) use too. A row is
live unless its article has a tombstone. Article ids map to (segment, article row);
article text stays in each segment's SQLite file and is read on access.

>>> RowMap([], {}).live.shape
(0,)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from corpus.article import Article
from embeddings.lexical import LexicalIndex


class RowMap:
    """Where each global row and each live article is; rebuilt after every change."""

    def __init__(self, segments: list, deleted: dict[str, list[int]]):
        self.segments = segments
        self.offsets = np.cumsum([0] + [len(s) for s in segments]).astype(np.int64)
        self.where: dict[str, tuple[int, int]] = {}
        self.live_docs: list[np.ndarray] = []  # per segment: which article rows are live
        masks = []
        for i, seg in enumerate(segments):
            live = np.ones(len(seg.ids), dtype=bool)
            live[list(deleted.get(seg.info.name, []))] = False
            self.live_docs.append(live)
            masks.append(live[seg.doc_rows()])
            self.where.update((doc_id, (i, row)) for row, doc_id in enumerate(seg.ids) if live[row])
        self.live = np.concatenate(masks) if masks else np.zeros(0, dtype=bool)
        self.articles = ArticleView(self.where, segments)  # no cycle: freed when dropped
        self.lexical = LexicalIndex([s.terms for s in segments])

    def lexical_scores(self, text: str) -> np.ndarray:
        """BM25 scores of every global row for ``text``; tombstoned rows score 0."""
        scores = self.lexical.scores(text)
        scores[~self.live] = 0
        return scores

    def search(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` live rows nearest ``query`` across all segments, best first."""
        found = [
            (seg.search(query, n, self.dead_mask(i)), self.offsets[i])
            for i, seg in enumerate(self.segments)
        ]
        rows = np.concatenate([r + base for (r, _), base in found] or [np.zeros(0, np.int64)])
        scores = np.concatenate([s for (_, s), _ in found] or [np.zeros(0, np.float32)])
        order = np.argsort(-scores, kind="stable")[:n]
        return rows[order].astype(np.int64), scores[order]

    def select(self, *, date_from=None, date_to=None, sources=None, doc_ids=None) -> np.ndarray:
        """Global live rows of the articles that pass the filters (a query per segment for
        dates and outlets; ids from the in-memory map)."""
        chosen: list[np.ndarray] = []
        for i, seg in enumerate(self.segments):
            if date_from or date_to or sources is not None:
                docs = seg.db.select(date_from, date_to, sources)
            else:
                docs = range(len(seg.ids))
            if doc_ids is not None:
                docs = [d for d in docs if seg.ids[d] in doc_ids]
            chosen.append(self.rows_of(i, docs))
        return np.concatenate(chosen) if chosen else np.zeros(0, np.int64)

    @property
    def total(self) -> int:
        """Rows, live and dead."""
        return int(self.offsets[-1])

    def locate(self, row: int) -> tuple[int, int]:
        """(segment, local row) of a global row."""
        seg = int(np.searchsorted(self.offsets, row, side="right")) - 1
        if not 0 <= row < self.total:
            raise IndexError(f"row {row} out of range (0..{self.total - 1})")
        return seg, row - int(self.offsets[seg])

    def doc_ids(self, rows: np.ndarray) -> list[str]:
        """The article id of each global row."""
        out = []
        for row in np.asarray(rows, dtype=np.int64):
            seg, local = self.locate(int(row))
            s = self.segments[seg]
            out.append(s.ids[int(s.table[local, 0])])
        return out

    def rows_of(self, seg: int, doc_rows) -> np.ndarray:
        """Global live rows of the given article rows of segment ``seg``."""
        s = self.segments[seg]
        mask = np.isin(s.doc_rows(), np.asarray(list(doc_rows), dtype=np.int64))
        rows = np.flatnonzero(mask) + self.offsets[seg]
        return rows[self.live[rows]]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of global rows (read from the memory-mapped files)."""
        rows = np.asarray(rows, dtype=np.int64)
        dim = self.segments[0].vectors.shape[1] if self.segments else 0
        out = np.zeros((len(rows), dim), dtype=np.float32)
        seg_of = np.searchsorted(self.offsets, rows, side="right") - 1
        for seg in np.unique(seg_of):
            pick = seg_of == seg
            out[pick] = self.segments[seg].vectors[rows[pick] - self.offsets[seg]]
        return out

    def dead_mask(self, seg: int) -> np.ndarray:
        lo, hi = self.offsets[seg], self.offsets[seg + 1]
        return ~self.live[lo:hi]

    def signatures(self) -> dict[str, np.ndarray]:
        """MinHash signatures of the live articles, by id."""
        return {i: self.segments[s].signatures[row] for i, (s, row) in self.where.items()}

    def checksum(self, doc_id: str) -> str | None:
        found = self.where.get(doc_id)
        return None if found is None else self.segments[found[0]].checksums[found[1]]


class ArticleView(Mapping):
    """The live articles by id; ``len``, ``in`` and iterating ids need no disk reads."""

    def __init__(self, where: dict[str, tuple[int, int]], segments: list):
        self._where = where
        self._segments = segments

    def __getitem__(self, doc_id: str) -> Article:
        seg, row = self._where[doc_id]
        return self._segments[seg].db.article(row)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._where
