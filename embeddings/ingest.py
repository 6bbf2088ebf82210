"""Incremental changes to an index: add or replace articles in batches, remove them.

Articles arrive as a stream and are taken in batches: each batch's new or changed
articles are chunked, embedded and written as one new segment, then committed, so a kill
loses at most the batch in flight and running the same command again resumes (articles
already in the index are skipped by content checksum). Replaced and removed articles get
tombstones; small segments are merged as they pile up (``embeddings.compact``).

Each change holds the folder's writer lock from start to commit, and first catches up with
any generation another process committed since the store was loaded: a server's upload
and a CLI ingest into one index both keep their articles.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import difflib
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from corpus.article import Article
from corpus.chunk import chunk_article, passage_text
from corpus.dedup import signature
from embeddings.compact import merge_policy, merge_segments
from embeddings.segment import SegmentData
from embeddings.store import IndexStore
from embeddings.writelock import index_lock

BATCH_ARTICLES = 500  # ~2,000 passages, ~1.5 min of embedding: what a kill can cost
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


@dataclass(frozen=True, kw_only=True)
class IngestProgress:
    """Where a running ingest stands, after each committed batch."""

    articles: int  # read so far
    embedded: int  # passages embedded so far
    seconds: float
    fraction: float | None = None  # of the input consumed, when the reader knows

    @property
    def eta_seconds(self) -> float | None:
        if not self.fraction or self.fraction <= 0:
            return None
        return self.seconds * (1 - self.fraction) / self.fraction


def ingest(
    store: IndexStore,
    articles: Iterable[Article],
    encoder,
    progress: Progress | None = None,
    *,
    batch_size: int = BATCH_ARTICLES,
    on_batch: Callable[[IngestProgress], None] | None = None,
    fraction: Callable[[], float] | None = None,
) -> IngestReport:
    """Add new articles, replace changed ones, skip unchanged ones; commit every batch.

    ``encoder`` must be the one the index was built with (checked by the caller). Holds the
    folder's writer lock throughout; ``store`` is first brought up to date with the disk.
    ``on_batch`` hears an ``IngestProgress`` after each commit (``fraction`` tells how
    much of the input was read, for an ETA).
    """
    say = progress or (lambda _msg: None)
    with index_lock(store.folder, say):
        store.catch_up()
        total = _Totals(started=time.perf_counter())
        for batch in _batches(articles, batch_size):
            _ingest_batch(store, batch, encoder, say, total, quiet=on_batch is not None)
            give_back_freed_memory()
            if on_batch:
                done = fraction() if fraction else None
                on_batch(total.progress(done))
        if store.replaces:  # a rebuild of nothing still replaces the old index
            store.commit()
        return total.report()


def give_back_freed_memory() -> bool:
    """Return the heap's free pages to the kernel (glibc ``malloc_trim``); False elsewhere.

    Embedding a batch frees gigabytes of activations, which glibc keeps in a fragmented
    heap: ingesting the 35k archive, resident memory grew to 5.4 GB by article 11,000, and
    one ``malloc_trim(0)`` brought it to 2.4 GB (all of it free memory). Once per batch it
    costs milliseconds.
    """
    libc = ctypes.util.find_library("c")
    try:
        return bool(ctypes.CDLL(libc).malloc_trim(0)) if libc else False
    except (OSError, AttributeError):  # not glibc
        return False


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    it = iter(articles)
    while batch := list(itertools.islice(it, max(1, size))):
        yield batch


@dataclass
class _Totals:
    started: float
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    read: int = 0
    chunks: int = 0
    embed_seconds: float = 0.0

    def progress(self, fraction: float | None) -> IngestProgress:
        return IngestProgress(
            articles=self.read,
            embedded=self.chunks,
            seconds=time.perf_counter() - self.started,
            fraction=fraction,
        )

    def report(self) -> IngestReport:
        return IngestReport(
            added=tuple(self.added),
            updated=tuple(self.updated),
            unchanged=tuple(self.unchanged),
            chunks_added=self.chunks,
            seconds=time.perf_counter() - self.started,
            embed_seconds=self.embed_seconds,
        )


def _ingest_batch(
    store: IndexStore, batch: list[Article], encoder, say, total: _Totals, quiet: bool = False
) -> None:
    total.read += len(batch)
    todo = triage(store, batch, total)
    if not todo:
        return
    chunks = [c for a in todo for c in chunk_article(a, store.settings)]
    if not quiet:
        say(f"Embedding {len(chunks)} passages from {len(todo)} articles...")
    t0 = time.perf_counter()
    vectors = encoder.encode_passages([passage_text(c) for c in chunks])
    total.embed_seconds += time.perf_counter() - t0
    add_batch(store, todo, chunks, vectors)
    total.chunks += len(chunks)


def add_batch(store: IndexStore, articles: list[Article], chunks: list, vectors) -> None:
    """Write embedded articles as a new segment and commit (replaced versions tombstoned).

    ``chunks`` are ``chunk_article``'s chunks of ``articles`` with the store's settings,
    in order, and ``vectors`` their passage vectors: any pipeline that embeds (one process,
    or Ray workers) ends here, so its index is the same.
    """
    signatures = np.stack([signature(f"{a.title}\n{a.text}") for a in articles])
    store.add_segment(
        SegmentData(articles=articles, chunks=chunks, vectors=vectors, signatures=signatures)
    )
    _settle(store, {a.id for a in articles})


def _settle(store: IndexStore, touched: set[str]) -> None:
    """Regroup near-duplicates, merge segments if they piled up, and commit."""
    store.regroup(touched)
    merge = merge_policy([len(s) for s in store.segments])
    if merge:
        merge_segments(store, merge)
    store.commit()


def remove(store: IndexStore, ids: Sequence[str], progress: Progress | None = None) -> RemoveReport:
    """Remove articles (and their chunks) by id; unknown ids are reported, not fatal.

    Unknown ids get up to three close matches among the known ones (a typo's likely
    intent), never the whole list: an index can hold many thousands of articles.
    """
    say = progress or (lambda _msg: None)
    with index_lock(store.folder, say):
        store.catch_up()
        live_before = int(store.rows.live.sum())
        found = set(store.tombstone(set(ids)))
        present = tuple(i for i in ids if i in found)
        missing = tuple(i for i in ids if i not in found)
        if present:
            _settle(store, set(present))
    return RemoveReport(
        removed=present,
        missing=missing,
        chunks_removed=live_before - int(store.rows.live.sum()),
        suggestions=_suggest(missing[:_SHOWN], list(store.articles)),
    )


def _suggest(unknown: Sequence[str], known: list[str]) -> dict[str, tuple[str, ...]]:
    close = {i: difflib.get_close_matches(i, known, n=_CLOSE, cutoff=0.75) for i in unknown}
    return {i: tuple(c) for i, c in close.items() if c}


def triage(store: IndexStore, batch: list[Article], total: _Totals | None = None) -> list:
    """The articles of ``batch`` that are new or changed (recorded in ``total``)."""
    total = total or _Totals(started=0.0)
    todo = []
    for a in batch:
        old = store.rows.checksum(a.id)
        if old == a.checksum:
            total.unchanged.append(a.id)
            continue
        (total.updated if old else total.added).append(a.id)
        todo.append(a)
    return todo
