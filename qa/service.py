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

import queue
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.article import Article, ReadError
from qa.answer import Answer, Delta, Turn, final_answer
from qa.hit import Filters, Hit
from qa.library import ArticleRow, list_articles

ALLOWED_SUFFIXES = (".txt", ".html", ".htm", ".jsonl")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # per file
MAX_UPLOAD_FILES = 50
Say = Callable[[str], None]


class UploadError(ValueError):
    """An upload refused as a whole (too many files); single bad files are reported instead."""


@dataclass(frozen=True)
class Upload:
    """A file as received from a user: its (untrusted) name and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class UploadReport:
    """What an upload changed; ``errors`` lists each skipped file by its given name."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    errors: tuple[ReadError, ...]
    passages: int


def safe_stem(name: str) -> str:
    """An article id from an uploaded file name: never a path, only safe characters.

    >>> safe_stem("../../etc/Bài báo Hà Nội.txt")
    'Bai_bao_Ha_Noi'
    >>> safe_stem("...")
    'upload'
    """
    base = re.split(r"[\\/]", name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    ascii_ = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    ascii_ = ascii_.encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_).strip("_-")
    return cleaned[:80] or "upload"


class Service:
    """The index, the models and a lock for changes; cheap to build, ``start`` loads."""

    def __init__(
        self, index_dir: str | Path | None = None, encoder=None, generator=None, k=5, reader=None
    ):
        from qa.library import default_index_dir

        self.index_dir = Path(index_dir) if index_dir else default_index_dir()
        self.default_index = index_dir is None
        self._encoder = encoder
        self._generator = generator
        self._reader = reader
        self.k = k
        self._retriever = None
        self._change_lock = threading.Lock()
        self.generator_ready = False

    @property
    def encoder(self):
        if self._encoder is None:
            from embeddings.encoder import default_encoder

            self._encoder = default_encoder()
        return self._encoder

    @property
    def generator(self):
        if self._generator is None:
            from qa.generator import TransformersGenerator

            self._generator = TransformersGenerator()
        return self._generator

    @property
    def reader(self):
        if self._reader is None:
            from qa.reader.reader import TrainedReader

            self._reader = TrainedReader()
        return self._reader

    def start(self, say: Say | None = None) -> Service:
        """Open the index (building the default one first if missing)."""
        from qa.library import ensure_default_index, open_index
        from qa.retriever import Retriever

        say = say or (lambda _m: None)
        if self.default_index:
            ensure_default_index(self.index_dir, self.encoder, say)
        self._retriever = Retriever(open_index(self.index_dir, self.encoder), self.encoder)
        return self

    def warm_up(self, say: Say | None = None) -> None:
        """Load the encoder, the reader and the generator now rather than on first use."""
        self.encoder.encode_queries(["khởi động"])
        getattr(self.reader, "warm_up", lambda: None)()
        load = getattr(self.generator, "load", None)
        if load:
            load(say or (lambda _m: None))
        self.generator_ready = True

    @property
    def retriever(self):
        if self._retriever is None:
            with self._change_lock:  # two first requests must not open the index twice
                if self._retriever is None:
                    self.start()
        return self._retriever

    def health(self) -> dict:
        store = self.retriever.store
        return {
            "status": "ok",
            "articles": len(store.articles),
            "passages": len(store.chunks),
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
        from qa.history import standalone_query

        text = standalone_query(query, history)
        return self.retriever.search(text, k=k or self.k, filters=filters)

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
        model's lock held: the worker finishes the answer and releases it.
        """
        from qa.answerer import Answerer

        generator = None if extractive else self.generator
        answerer = Answerer(
            self.retriever, generator, reader=self.reader, k=k or self.k, extractive=extractive
        )
        events = answerer.stream(question, history, k, filters)
        first = next(events)  # bad input raises here, in the caller's thread
        self.generator_ready |= isinstance(first, Delta)
        yield first
        if isinstance(first, Answer):
            return
        yield from _drain_in_thread(events)

    def ask(self, question: str, history=None, k=None, filters=None, extractive=False) -> Answer:
        return final_answer(self.stream(question, history, k, filters, extractive))

    def articles(self) -> list[ArticleRow]:
        """Every article, oldest first (undated first), with its near-duplicate group."""
        return list_articles(self.retriever.store)

    def article(self, doc_id: str) -> Article:
        """The whole cleaned article; ``KeyError`` if the index does not hold it."""
        return self.retriever.store.articles[doc_id]

    def upload(self, files: Sequence[Upload], say: Say | None = None) -> UploadReport:
        """Add uploaded files to the index; bad files are skipped and listed by name."""
        if len(files) > MAX_UPLOAD_FILES:
            raise UploadError(f"too many files ({len(files)}); at most {MAX_UPLOAD_FILES} at once")
        with tempfile.TemporaryDirectory(prefix="hoidap-upload-") as tmp:
            paths, errors = _stage(files, Path(tmp))
            return self._ingest(paths, errors, say or (lambda _m: None))

    def remove(self, ids: Sequence[str], say: Say | None = None):
        """Remove articles by id (a ``RemoveReport``; unknown ids are listed, not fatal)."""
        from embeddings.ingest import remove

        with self._change_lock:
            store = self._fresh_store()
            report = remove(store, list(ids), say)
            self._swap(store)
        return report

    def _ingest(self, paths: list[Path], errors: list[ReadError], say: Say) -> UploadReport:
        from corpus.readers import read_paths
        from embeddings.ingest import ingest

        report = read_paths(paths)
        names = {str(p): p.name for p in paths}
        errors += [ReadError(names.get(e.path, Path(e.path).name), e.reason) for e in report.errors]
        if not report.articles:
            return UploadReport((), (), (), tuple(errors), 0)
        with self._change_lock:
            store = self._fresh_store()
            result = ingest(store, report.articles, self.encoder, say)
            self._swap(store)
        return UploadReport(
            result.added, result.updated, result.unchanged, tuple(errors), result.chunks_added
        )

    def _fresh_store(self):
        from embeddings.store import IndexStore

        return IndexStore.load(self.index_dir)

    def _swap(self, store) -> None:
        from qa.retriever import Retriever

        self._retriever = Retriever(store, self.encoder)


def _stage(files: Sequence[Upload], folder: Path) -> tuple[list[Path], list[ReadError]]:
    """Write acceptable uploads under safe names; explain each refused one."""
    paths: list[Path] = []
    errors: list[ReadError] = []
    used: set[str] = set()
    for f in files:
        suffix = Path(f.name.replace("\\", "/")).suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            errors.append(
                ReadError(f.name, f"only {', '.join(ALLOWED_SUFFIXES)} files are accepted")
            )
        elif len(f.data) > MAX_UPLOAD_BYTES:
            mb = MAX_UPLOAD_BYTES // (1024 * 1024)
            errors.append(ReadError(f.name, f"file is larger than the {mb} MB limit"))
        elif safe_stem(f.name) in used:
            errors.append(ReadError(f.name, "another uploaded file has the same name"))
        else:
            used.add(safe_stem(f.name))
            path = folder / f"{safe_stem(f.name)}{suffix}"
            path.write_bytes(f.data)
            paths.append(path)
    return paths, errors


_DONE = object()


def _drain_in_thread(events: Iterator) -> Iterator:
    """Run ``events`` to its end in a worker thread, handing items over through a queue."""
    box: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            for item in events:
                box.put(item)
        except BaseException as exc:  # re-raised in the consumer's thread
            box.put(exc)
        box.put(_DONE)

    threading.Thread(target=work, name="hoidap-answer", daemon=True).start()
    while (item := box.get()) is not _DONE:
        if isinstance(item, BaseException):
            raise item
        yield item
