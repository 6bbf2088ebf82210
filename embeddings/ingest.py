"""Incremental changes to an index: add or replace articles, remove them.

Only new or changed articles are chunked and embedded; unchanged ones are skipped by
content checksum. BM25 statistics depend on the whole collection, so the BM25 matrices are
refit from the stored chunk texts (cheap next to embedding).

Each change holds the folder's writer lock from start to commit, and first catches up with
any generation another process committed since the store was loaded: a server's upload
and a CLI ingest into one index both keep their articles.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from corpus.article import Article
from corpus.chunk import chunk_article, passage_text
from corpus.dedup import signature
from embeddings.lexical import LexicalIndex
from embeddings.store import IndexStore, StoredChunk
from embeddings.writelock import index_lock

Progress = Callable[[str], None]
_SHOWN = 10  # unknown ids named in a message (and given suggestions); the rest are counted
_CLOSE = 3  # suggestions per unknown id


@dataclass(frozen=True, kw_only=True)
class IngestReport:
    """What an ingest changed, and how fast it embedded."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    chunks_added: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def passages_per_second(self) -> float:
        return self.chunks_added / self.seconds if self.seconds else 0.0


@dataclass(frozen=True, kw_only=True)
class RemoveReport:
    """What a removal did; ``suggestions`` maps an unknown id to a few close, known ids."""

    removed: tuple[str, ...]
    missing: tuple[str, ...]
    chunks_removed: int
    suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def missing_message(self, limit: int = _SHOWN) -> str:
        """One line naming the unknown ids (at most ``limit``) and close matches, if any.

        >>> RemoveReport(removed=(), missing=("bai-1O",), chunks_removed=0,
        ...     suggestions={"bai-1O": ("bai-10",)}).missing_message()
        'not in the index: bai-1O (did you mean bai-10?)'
        """
        parts = []
        for i in self.missing[:limit]:
            close = self.suggestions.get(i, ())
            parts.append(f"{i} (did you mean {' or '.join(close)}?)" if close else i)
        more = len(self.missing) - limit
        tail = f" and {more} more" if more > 0 else ""
        return f"not in the index: {', '.join(parts)}{tail}" if parts else ""


def ingest(
    store: IndexStore, articles: Iterable[Article], encoder, progress: Progress | None = None
) -> IngestReport:
    """Add new articles, replace changed ones, skip unchanged ones; then commit.

    ``encoder`` must be the one the index was built with (checked by the caller). Holds the
    folder's writer lock throughout; ``store`` is first brought up to date with the disk.
    """
    say = progress or (lambda _msg: None)
    with index_lock(store.folder, say):
        store.catch_up()
        return _ingest(store, articles, encoder, say)


def _ingest(store: IndexStore, articles: Iterable[Article], encoder, say: Progress):
    started = time.perf_counter()
    added, updated, unchanged, todo = _triage(store, articles)
    if not todo:
        return IngestReport(unchanged=tuple(unchanged), seconds=time.perf_counter() - started)
    _drop_chunks(store, {a.id for a in todo})
    chunks = [c for a in todo for c in chunk_article(a, store.settings)]
    say(f"Embedding {len(chunks)} passages from {len(todo)} articles...")
    t0 = time.perf_counter()
    vectors = encoder.encode_passages([passage_text(c) for c in chunks])
    embed_seconds = time.perf_counter() - t0
    first = store.manifest.next_id
    ids = np.arange(first, first + len(chunks), dtype=np.int64)
    store.vectors.add(vectors, ids)
    store.chunks += [
        StoredChunk(vid=int(i), doc_id=c.doc_id, position=c.position, start=c.start, end=c.end)
        for i, c in zip(ids, chunks, strict=True)
    ]
    for a in todo:
        store.articles[a.id] = a
        store.checksums[a.id] = a.checksum
        store.signatures[a.id] = signature(f"{a.title}\n{a.text}")
    store.manifest = replace(store.manifest, next_id=first + len(chunks))
    _refresh(store, {a.id for a in todo}, say)
    seconds = time.perf_counter() - started
    return IngestReport(
        added=tuple(added),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        chunks_added=len(chunks),
        seconds=seconds,
        embed_seconds=embed_seconds,
    )


def remove(store: IndexStore, ids: Sequence[str], progress: Progress | None = None) -> RemoveReport:
    """Remove articles (and their chunks) by id; unknown ids are reported, not fatal.

    Unknown ids get up to three close matches among the known ones (a typo's likely
    intent), never the whole list: an index can hold many thousands of articles.
    """
    say = progress or (lambda _msg: None)
    with index_lock(store.folder, say):
        store.catch_up()
        present = [i for i in ids if i in store.articles]
        missing = tuple(i for i in ids if i not in store.articles)
        before = len(store.chunks)
        if present:
            _drop_chunks(store, set(present))
            for i in present:
                del store.articles[i], store.checksums[i], store.signatures[i]
            _refresh(store, set(present), say)
    return RemoveReport(
        removed=tuple(present),
        missing=missing,
        chunks_removed=before - len(store.chunks),
        suggestions=_suggest(missing[:_SHOWN], list(store.articles)),
    )


def _suggest(unknown: Sequence[str], known: list[str]) -> dict[str, tuple[str, ...]]:
    close = {i: difflib.get_close_matches(i, known, n=_CLOSE, cutoff=0.75) for i in unknown}
    return {i: tuple(c) for i, c in close.items() if c}


def _triage(store: IndexStore, articles: Iterable[Article]):
    added, updated, unchanged, todo = [], [], [], []
    for a in articles:
        old = store.checksums.get(a.id)
        if old == a.checksum:
            unchanged.append(a.id)
            continue
        (updated if old else added).append(a.id)
        todo.append(a)
    return added, updated, unchanged, todo


def _drop_chunks(store: IndexStore, doc_ids: set[str]) -> None:
    gone = [c.vid for c in store.chunks if c.doc_id in doc_ids]
    store.vectors.remove(np.array(gone, dtype=np.int64))
    store.chunks = [c for c in store.chunks if c.doc_id not in doc_ids]


def _refresh(store: IndexStore, touched: set[str], say: Progress) -> None:
    say(f"Indexing {len(store.chunks)} passages for keyword search...")
    store.lexical = LexicalIndex.build(
        [passage_text(store.chunk(i)) for i in range(len(store.chunks))]
    )
    store.regroup(touched)
    store.commit()
