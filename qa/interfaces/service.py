"""One long-lived service over an index: what the chat UI and the REST API both call.

It owns one encoder and one generator for the process (models load once, on first use),
answers, searches, and adds or removes articles. Changes to the index are made on a fresh
copy of it and swapped in when committed, so a question being answered keeps a consistent
view, and a page closed mid-upload cannot leave a half-written index.

>>> s = Service(index_dir="/tmp/idx", encoder=None, generator=None)   # doctest: +SKIP
>>> s.start(print)                                                   # doctest: +SKIP
>>> s.ask("Hà Lan đã đầu tư bao nhiêu vào Hà Nội?").text              # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import logging
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.article import Article, ReadError
from embeddings.ingest import IngestProgress
from embeddings.manifest import IndexFolderError
from embeddings.store import changed_on_disk
from qa.interfaces.admission import Admission
from qa.interfaces.background import drain_in_thread, until_done
from qa.interfaces.listing import DEFAULT_LIMIT, ArticleListing, ArticlePage
from qa.interfaces.uploads import MAX_UPLOAD_FILES, Upload, stage, staging_prefix
from qa.records.answer import Answer, Delta, Turn, final_answer
from qa.records.hit import Filters, Hit
from qa.retrieval.indexes import ArticleRow, list_articles

Say = Callable[[str], None]
OnBatch = Callable[[IngestProgress], None]
log = logging.getLogger("hoidap.service")


class UploadError(ValueError):
    """An upload refused as a whole (too many files); single bad files are reported instead."""


@dataclass(frozen=True, kw_only=True)
class UploadReport:
    """What an upload changed; ``errors`` lists each skipped file by its given name."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    errors: tuple[ReadError, ...] = ()
    passages: int = 0


class Service:
    """The index, the models and a lock for changes; cheap to build, ``start`` loads."""

    def __init__(
        self,
        index_dir: str | Path | None = None,
        encoder=None,
        generator=None,
        k=5,
        reader=None,
        admission: Admission | None = None,
    ):
        from qa.retrieval.indexes import default_index_dir

        self.index_dir = Path(index_dir) if index_dir else default_index_dir()
        self.default_index = index_dir is None
        self._encoder = encoder
        self._generator = generator
        self._reader = reader
        self.k = k
        self._retriever = None
        self._change_lock = threading.Lock()
        self._unloadable = None  # manifest stamp of an on-disk index that failed to load
        self.generator_ready = False
        self.admission = admission or Admission()  # answers take turns; few may wait
        self._listing = ArticleListing()  # the article rows, read once per index generation

    @property
    def encoder(self):
        if self._encoder is None:
            from embeddings.encoder import default_encoder

            self._encoder = default_encoder()
        return self._encoder

    @property
    def generator(self):
        if self._generator is None:
            from qa.generation.generator import TransformersGenerator

            self._generator = TransformersGenerator()
        return self._generator

    @property
    def reader(self):
        if self._reader is None:
            from qa.reading.reader import TrainedReader

            self._reader = TrainedReader()
        return self._reader

    def start(self, say: Say | None = None) -> Service:
        """Open the index (building the default one first if missing)."""
        from qa.retrieval.indexes import ensure_default_index, open_index
        from qa.retrieval.retriever import HybridRetriever

        say = say or (lambda _m: None)
        if self.default_index:
            ensure_default_index(self.index_dir, self.encoder, say)
        self._retriever = HybridRetriever(open_index(self.index_dir, self.encoder), self.encoder)
        return self

    def warm_up(self, say: Say | None = None) -> None:
        """Load the encoder, the reader and the generator now rather than on first use."""
        self.encoder.encode_queries(["khởi động"])
        self.reader.warm_up()  # every Reader has one (qa.reading.reader.Reader)
        load = getattr(self.generator, "load", None)
        if load:
            load(say or (lambda _m: None))
        self.generator_ready = True

    @property
    def retriever(self):
        """The retriever, reloaded first if another process committed a change (one stat).

        While this process is itself changing the index the loaded view is used: its change
        catches up with the other process's and swaps in a store holding both.
        """
        if self._retriever is None:
            with self._change_lock:  # two first requests must not open the index twice
                if self._retriever is None:
                    self.start()
        elif (stamp := changed_on_disk(self._retriever.store, self._unloadable)) and (
            self._change_lock.acquire(blocking=False)
        ):
            try:
                self._reload(stamp)
            finally:
                self._change_lock.release()
        return self._retriever

    def _reload(self, stamp) -> None:
        """Load what another process committed; keep serving the loaded index if it fails."""
        try:
            self._swap(self._fresh_store())
        except IndexFolderError as exc:
            log.warning("keeping the loaded index; the one on disk cannot be used: %s", exc)
            self._unloadable = stamp

    def health(self) -> dict:
        store = self.retriever.store
        return {
            "status": "ok",
            "articles": len(store.articles),
            "passages": store.passages,
            "encoder": store.manifest.encoder.name,
            "generator": getattr(self.generator, "name", type(self.generator).__name__),
            "generator_ready": self.generator_ready,  # false until warmed up: answers wait
        }

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        history: Iterable[Turn | dict] | None = None,
    ) -> list[Hit]:
        """Passages for ``query``; with ``history`` a follow-up is made standalone first."""
        from qa.retrieval.history import standalone
        from qa.retrieval.retriever import analyse

        question = standalone(analyse(query), history)  # analysed once, as in the Answerer
        return self.retriever.run(question, k=self.k if k is None else k, filters=filters)

    def stream(
        self,
        question: str,
        history: Iterable[Turn | dict] | None = None,
        k: int | None = None,
        filters: Filters | None = None,
        extractive: bool = False,
    ) -> Iterator[Delta | Answer]:
        """Like ``Answerer.stream``, but generation runs to the end in its own thread.
        ``extractive`` answers with the reader's span alone, without the generator.

        A consumer that goes away (a closed page, a dropped connection) cannot leave the
        model's lock held: the worker finishes the answer and releases it. Answers take
        turns (``self.admission``): a full queue raises ``QueueFull`` and a turn waited for
        too long ``TurnTimeout``, both ``qa.interfaces.admission.Busy``, before anything is done.
        """
        from qa.answering.answerer import Answerer

        leave = self.admission.enter()
        try:
            generator = None if extractive else self.generator
            answerer = Answerer(
                self.retriever, generator, reader=self.reader, k=self.k, extractive=extractive
            )
            events = until_done(answerer.stream(question, history, k, filters), leave)
            first = next(events)  # bad input raises here, in the caller's thread
        except BaseException:
            leave()
            raise
        self.generator_ready |= isinstance(first, Delta)
        try:
            yield first
        except BaseException:  # its reader left before the drain began: free the turn now
            events.close()
            raise
        if isinstance(first, Answer):
            events.close()  # complete: this frees the turn
            return
        yield from drain_in_thread(events)

    def ask(self, question: str, history=None, k=None, filters=None, extractive=False) -> Answer:
        return final_answer(self.stream(question, history, k, filters, extractive))

    def articles(self) -> list[ArticleRow]:
        """Every article, oldest first (undated first), with its near-duplicate group."""
        return list(self._listing.rows(self.retriever.store, list_articles))

    def article_page(
        self, query: str = "", offset: int = 0, limit: int = DEFAULT_LIMIT
    ) -> ArticlePage:
        """The articles whose id, title or outlet hold every word of ``query`` (any case,
        with or without diacritics), ``limit`` (1..500) from ``offset``; bad values raise
        ``PageError``. The metadata is read once per index generation, not per page."""
        return self._listing.page(self.retriever.store, list_articles, query, offset, limit)

    def article(self, doc_id: str) -> Article:
        """The whole cleaned article; ``KeyError`` if the index does not hold it."""
        return self.retriever.store.articles[doc_id]

    def upload(
        self, files: Sequence[Upload], say: Say | None = None, on_batch: OnBatch | None = None
    ) -> UploadReport:
        """Add uploaded files to the index; bad files are skipped and listed by name.
        Articles are read lazily and committed in batches; ``on_batch`` hears an
        ``embeddings.ingest.IngestProgress`` after each (with the fraction of bytes read)."""
        if len(files) > MAX_UPLOAD_FILES:
            raise UploadError(f"too many files ({len(files)}); at most {MAX_UPLOAD_FILES} at once")
        # The pid in the name lets a later start-up remove it if this process is killed.
        with tempfile.TemporaryDirectory(prefix=staging_prefix()) as tmp:
            paths, errors = stage(files, Path(tmp))
            return self._ingest(paths, errors, say or (lambda _m: None), on_batch)

    def remove(self, ids: Sequence[str], say: Say | None = None):
        """Remove articles by id (a ``RemoveReport``; unknown ids are listed, not fatal)."""
        from embeddings.ingest import remove

        with self._change_lock:
            store = self._fresh_store()
            report = remove(store, list(ids), say)
            self._swap(store)
        return report

    def _ingest(self, paths, errors: list[ReadError], say: Say, on_batch=None) -> UploadReport:
        from corpus.readers import ArticleStream
        from embeddings.ingest import ingest

        stream = ArticleStream(paths)
        articles = iter(stream)
        first = next(articles, None)  # nothing readable: the index is not even opened
        result = None
        if first is not None:
            done = lambda: stream.bytes_done / max(stream.bytes_total, 1)  # noqa: E731
            with self._change_lock:
                store = self._fresh_store()
                todo = itertools.chain([first], articles)
                result = ingest(store, todo, self.encoder, say, on_batch=on_batch, fraction=done)
                self._swap(store)
        names = {str(p): p.name for p in paths}
        errors += [replace(e, path=names.get(e.path, Path(e.path).name)) for e in stream.errors]
        if result is None:
            return UploadReport(errors=tuple(errors))
        changed = {"added": result.added, "updated": result.updated, "unchanged": result.unchanged}
        return UploadReport(**changed, errors=tuple(errors), passages=result.chunks_added)

    def _fresh_store(self):
        """The index as on disk now, checked against this service's encoder."""
        from qa.retrieval.indexes import open_index

        return open_index(self.index_dir, self.encoder)

    def _swap(self, store) -> None:
        from qa.retrieval.retriever import HybridRetriever

        self._retriever = HybridRetriever(store, self.encoder)
