"""One immutable segment of an index: the articles of one ingest batch, searchable alone.

A segment is a folder written once and never changed (as in Lucene)::

    segments/seg-000004/
        articles.sqlite     the articles, text and metadata (embeddings.articledb)
        chunks.npy          int64 (n, 4): article row, position, start, end
        vectors.npy         float32 (n, dim) normalized passage vectors, memory-mapped
        signatures.npy      uint64 (articles, 128) MinHash signatures (near-duplicates)
        terms/              BM25 postings, accented and folded (embeddings.lexical)
        ann.faiss           an approximate index, only on large segments (embeddings.ann)

Removing an article does not touch its segment: the store records a tombstone, and a
compaction (``embeddings.compact``) later writes a merged segment without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.article import Article, Chunk
from corpus.chunk import passage_text
from embeddings.articledb import ArticleDB, write_articles
from embeddings.genfiles import SEGMENTS
from embeddings.lexical import SegmentTerms


@dataclass(frozen=True, kw_only=True)
class SegmentInfo:
    """A segment as the manifest records it."""

    name: str
    articles: int
    chunks: int
    ann: str | None = None

    def path(self, root: Path) -> Path:
        return root / SEGMENTS / self.name


@dataclass(frozen=True, kw_only=True)
class SegmentData:
    """What a new segment is written from: articles with their chunks, vectors, signatures."""

    articles: list[Article]
    chunks: list[Chunk]
    vectors: np.ndarray
    signatures: np.ndarray


def write_segment(root: Path, name: str, data: SegmentData) -> SegmentInfo:
    """Write a new segment folder (not yet part of the index until the manifest names it)."""
    folder = root / SEGMENTS / name
    folder.mkdir(parents=True, exist_ok=False)
    row_of = {a.id: i for i, a in enumerate(data.articles)}
    table = np.array(
        [[row_of[c.doc_id], c.position, c.start, c.end] for c in data.chunks], dtype=np.int64
    ).reshape(-1, 4)
    write_articles(folder / "articles.sqlite", data.articles)
    terms = SegmentTerms.build([passage_text(c) for c in data.chunks])
    return write_arrays(folder, table, data.vectors, data.signatures, terms)


def write_arrays(folder: Path, table, vectors, signatures, terms: SegmentTerms) -> SegmentInfo:
    """Write a segment's arrays (its articles.sqlite is already there) and its ANN index."""
    from embeddings.ann import ANN_MIN_ROWS, AnnIndex

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    for name, array in (("chunks", table), ("vectors", vectors), ("signatures", signatures)):
        with open(folder / f"{name}.npy", "wb") as fh:
            np.save(fh, array)
    terms.save(folder / "terms")
    ann = None
    if len(vectors) >= ANN_MIN_ROWS:
        index = AnnIndex.build(vectors)
        index.save(folder / "ann.faiss")
        ann = index.kind
    return SegmentInfo(name=folder.name, articles=len(signatures), chunks=len(table), ann=ann)


class Segment:
    """An open segment. Vectors and postings are memory-mapped; article text stays on disk."""

    def __init__(self, root: Path, info: SegmentInfo):
        from embeddings.ann import AnnIndex

        folder = info.path(root)
        self.info = info
        self.folder = folder
        self.db = ArticleDB(folder / "articles.sqlite")
        self.ids: list[str] = self.db.ids()
        self.checksums: list[str] = self.db.checksums()
        self.table = np.load(folder / "chunks.npy")
        self.vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        self.signatures = np.load(folder / "signatures.npy")
        self.terms = SegmentTerms.load(folder / "terms")
        self.ann = AnnIndex.load(folder / "ann.faiss") if info.ann else None

    def __len__(self) -> int:
        return len(self.table)

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.rglob("*") if p.is_file())

    def counts(self) -> dict[str, int]:
        """Records in each file (a load checks them against each other and the manifest)."""
        return {
            "articles": len(self.ids),
            "chunks": len(self.table),
            "signatures": len(self.signatures),
            "vectors": len(self.vectors),
            "bm25": self.terms.rows,
        }

    def bad_spans(self) -> int:
        """Chunks naming an article row that is not there (spans are checked on read)."""
        rows = self.table[:, 0] if len(self.table) else np.zeros(0, np.int64)
        return int(np.sum((rows < 0) | (rows >= len(self.ids))))

    def chunk(self, row: int) -> Chunk:
        doc_row, position, start, end = (int(x) for x in self.table[row])
        a = self.db.article(doc_row)
        return Chunk(
            doc_id=a.id,
            position=position,
            start=start,
            end=end,
            text=a.text[start:end],
            title=a.title,
            date=a.date,
            source=a.source,
        )

    def doc_rows(self) -> np.ndarray:
        """Each chunk's article row."""
        return self.table[:, 0] if len(self.table) else np.zeros(0, np.int64)

    def search(self, query: np.ndarray, n: int, dead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` best live rows (``dead`` masks tombstoned rows) and their cosines."""
        from embeddings.ann import exact_search

        want = min(n + int(dead.sum()), len(self))
        if self.ann is not None:
            rows, scores = self.ann.search(query, want)
        else:
            rows, scores = exact_search(self.vectors, query, want)
        alive = ~dead[rows]
        return rows[alive][:n], scores[alive][:n]

    def articles(self, rows: Iterable[int] | None = None):
        return self.db.articles(rows)

    def close(self) -> None:
        self.db.close()
