"""Merging segments: fewer, larger segments without the tombstoned articles.

Every ingest batch adds a segment, and a search visits each one, so small segments are
merged as they pile up (``merge_policy``: past ``MAX_SEGMENTS``, the ``MERGE_FACTOR``
smallest at once, as Lucene's merge policies do, so a passage is rewritten about
log10(batches) times, not once per batch), and ``hoidap compact`` merges all into one. A merge
re-embeds nothing: it copies the live articles, vectors, signatures and postings, and
builds the ANN index when the merged segment is large enough.

>>> merge_policy([5, 1, 9, 2], max_segments=3, factor=2)
[1, 3]
"""

from __future__ import annotations

import numpy as np

from embeddings.articledb import write_articles
from embeddings.genfiles import SEGMENTS
from embeddings.lexical import SegmentTerms
from embeddings.segment import Segment, SegmentInfo, write_arrays
from embeddings.writelock import index_lock

MAX_SEGMENTS = 10
MERGE_FACTOR = 10


def merge_policy(
    sizes: list[int], max_segments: int = MAX_SEGMENTS, factor: int = MERGE_FACTOR
) -> list[int]:
    """Which segments to merge (by index) once more than ``max_segments`` exist: the
    ``factor`` smallest, so that large segments (and their ANN indexes) are rarely
    rewritten."""
    if len(sizes) <= max_segments:
        return []
    smallest = sorted(range(len(sizes)), key=lambda i: (sizes[i], i))
    return sorted(smallest[: max(factor, len(sizes) - max_segments + 1)])


def merge_segments(store, which: list[int]) -> SegmentInfo:
    """Write one segment holding the live articles of ``store``'s segments ``which``, and
    put it in their place (in memory; ``store.commit()`` makes it the index)."""
    parts: list[Segment] = [store.segments[i] for i in which]
    keep_docs = [store.rows.live_docs[i] for i in which]
    keep_rows = [k[p.doc_rows()] for p, k in zip(parts, keep_docs, strict=True)]
    name = store.new_segment_name()
    with store.writing(name):
        info = _write_merge(store.folder / SEGMENTS / name, parts, keep_docs, keep_rows)
    store.replace_segments(which, info)
    return info


def _write_merge(folder, parts: list[Segment], keep_docs, keep_rows) -> SegmentInfo:
    folder.mkdir(parents=True)
    pairs = list(zip(parts, keep_docs, keep_rows, strict=True))
    write_articles(
        folder / "articles.sqlite", (a for p, d, _ in pairs for a in p.articles(np.flatnonzero(d)))
    )
    return write_arrays(
        folder,
        _merged_table(parts, keep_docs, keep_rows),
        np.concatenate([np.asarray(p.vectors)[r] for p, _, r in pairs]),
        np.concatenate([p.signatures[d] for p, d, _ in pairs]),
        SegmentTerms.merge([p.terms for p in parts], keep_rows),
    )


def _merged_table(parts, keep_docs, keep_rows) -> np.ndarray:
    """The chunk table of the merge: article rows renumbered across the parts."""
    tables, base = [], 0
    for part, docs, rows in zip(parts, keep_docs, keep_rows, strict=True):
        new_doc = np.cumsum(docs) - 1 + base
        table = part.table[rows].copy()
        table[:, 0] = new_doc[table[:, 0]]
        tables.append(table)
        base += int(docs.sum())
    return np.concatenate(tables) if tables else np.zeros((0, 4), np.int64)


def compact(store, progress=None) -> int:
    """Merge all segments into one, dropping tombstoned articles; returns segments merged.

    Holds the writer lock and builds on the newest generation (as ingest does)."""
    say = progress or (lambda _msg: None)
    with index_lock(store.folder, say):
        store.catch_up()
        n = len(store.segments)
        if n == 0 or (n == 1 and not store.deleted):
            return 0
        say(f"Merging {n} segments ({int(store.rows.live.sum())} passages)...")
        merge_segments(store, list(range(n)))
        store.commit()
        return n
