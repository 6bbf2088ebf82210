"""``ingest`` with its chunk -> embed work spread over a Ray cluster (``hoidap ingest --ray``).

Same semantics and result as ``embeddings.ingest.ingest``: the folder's writer lock is held
throughout, the store catches up first, new/changed articles are triaged in the driver, and
every batch is committed through ``add_batch`` in input order, so the segments written are
the ones a single process would write. Only chunking and embedding move to Ray Data:
``from_items(articles) -> map_batches(chunk) -> map_batches(_Embedder, actor pool)``, one
encoder per actor (one GPU each when the cluster has GPUs), results streamed back in order.

Reading and cleaning stay in the driver (``corpus.readers.ArticleStream``): they run about
2,000 articles/s, ~300x faster than embedding on the same cores, so they are not the
bottleneck until a cluster has hundreds of encoder workers, and the index folder lives on
the driver machine anyway.

Actors start (and load the model) once per *window* of batches, not once per batch: each
start costs seconds, a 500-article batch can take ~1 s on a big cluster. Within a window,
later batches are triaged before earlier ones commit, so triage also sees the articles
queued ahead of them (a repeated id is "unchanged" or "updated", as it would be run alone).

>>> from embeddings.rayingest import ray_ingest                  # doctest: +SKIP
>>> ray_ingest(store, ArticleStream(["a.jsonl"]), encoder).added   # doctest: +SKIP
('bai-1', 'bai-2')
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from corpus.article import Article, Chunk
from corpus.chunk import chunk_article, passage_text
from embeddings import ingest as one  # the single-process path: its steps, reused
from embeddings.encoder import DEFAULT_MODEL_NAME, EncoderError
from embeddings.ingest import BATCH_ARTICLES, IngestProgress, IngestReport, Progress
from embeddings.manifest import IndexFolderError
from embeddings.writelock import index_lock

WINDOW_BATCHES = 8  # batches per Ray Data run: amortizes actor start + model load
CPU_THREADS = 2  # torch threads per CPU actor: e5-small scales ~linearly to 2, then less
_EMBED_ROWS = 512  # passages per actor call: few Ray round trips, small enough to stream
_CHUNK_CPUS = 0.5  # chunking is cheap; a whole CPU each would starve the actor pool


class RayMissing(IndexFolderError):
    """Ray is not installed. An ``IndexFolderError`` so the CLI shows it as one line.

    >>> str(RayMissing())[:22]
    'Ray is not installed: '
    """

    def __init__(self) -> None:
        super().__init__(
            "Ray is not installed: pip install -e '.[ray]' (or pip install 'ray[data]==2.60.0')"
        )


def ray_ingest(
    store,
    articles: Iterable[Article],
    encoder,
    progress: Progress | None = None,
    *,
    address: str | None = None,
    batch_size: int = BATCH_ARTICLES,
    on_batch: Callable[[IngestProgress], None] | None = None,
    fraction: Callable[[], float] | None = None,
    window: int = WINDOW_BATCHES,
    runtime_env: dict | None = None,
) -> IngestReport:
    """``ingest``, with chunk + embed on Ray: ``address`` is ``ray://host:10001`` or
    ``auto``; None starts a local cluster (or uses the one this process already joined).

    >>> ray_ingest(store, articles, encoder, address="ray://head:10001")  # doctest: +SKIP
    IngestReport(added=(...), ...)
    """
    ray = _import_ray()
    say = progress or (lambda _msg: None)
    joined = _connect(ray, address, runtime_env)
    try:
        with index_lock(store.folder, say), _quiet_data(ray):
            store.catch_up()
            total = one._Totals(started=time.perf_counter())
            run = _Run(ray, store, encoder, _plan(ray), say, total, on_batch, fraction)
            for group in one._batches(one._batches(articles, batch_size), window):
                run.window(group)  # a window of batches: one Ray Data run
            if store.replaces:  # a rebuild of nothing still replaces the old index
                store.commit()
            return total.report()
    finally:
        if joined:  # a local cluster stops; a remote one is only disconnected from
            ray.shutdown()


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401  (ray without the [data] extra lacks pyarrow etc.)
    except ImportError as exc:
        raise RayMissing() from exc
    return ray


def _connect(ray, address: str | None, runtime_env: dict | None) -> bool:
    """Join ``address`` or start a local cluster; False when this process already had one."""
    if ray.is_initialized():
        return False
    quiet = {"logging_level": logging.WARNING, "runtime_env": runtime_env}
    if address:
        ray.init(address=address, **quiet)
    else:  # workers' logs would break the CLI's progress line; errors still propagate
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, **quiet)
    return True


@contextlib.contextmanager
def _quiet_data(ray) -> Iterator[None]:
    """Ordered results, no Ray Data progress bars (the CLI draws its own line)."""
    ctx = ray.data.DataContext.get_current()
    saved = (ctx.execution_options.preserve_order, ctx.enable_progress_bars)
    ctx.execution_options.preserve_order = True  # a batch is complete once the next starts
    ctx.enable_progress_bars = False
    try:
        yield
    finally:
        ctx.execution_options.preserve_order, ctx.enable_progress_bars = saved


@dataclass(frozen=True)
class _Plan:
    """How many encoder actors, and what each one asks the cluster for."""

    workers: int
    gpus: bool
    threads: int | None  # torch threads per actor; None leaves a GPU actor's default

    def remote_args(self) -> dict:
        if self.gpus:
            return {"num_gpus": 1, "num_cpus": _CHUNK_CPUS}
        # Logical CPUs a bit under the threads used, so chunk tasks still get scheduled.
        return {"num_cpus": max(_CHUNK_CPUS, self.threads - _CHUNK_CPUS)}


def _plan(ray) -> _Plan:
    """One actor per GPU, else one per ``CPU_THREADS`` cores of the whole cluster."""
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    if gpus:
        return _Plan(workers=gpus, gpus=True, threads=None)
    cpus = max(1, int(resources.get("CPU", 1)))
    threads = min(CPU_THREADS, cpus)
    return _Plan(workers=max(1, cpus // threads), gpus=False, threads=threads)


class _Queued:
    """What ``triage`` reads as the store: the index, plus articles queued in this window."""

    def __init__(self, store, queued: dict[str, str]) -> None:
        self.store, self.queued, self.rows = store, queued, self

    def checksum(self, doc_id: str) -> str | None:
        return self.queued.get(doc_id) or self.store.rows.checksum(doc_id)


@dataclass
class _Run:
    ray: object
    store: object
    encoder: object
    plan: _Plan
    say: Progress
    total: one._Totals
    on_batch: Callable[[IngestProgress], None] | None
    fraction: Callable[[], float] | None

    def window(self, group: list[list[Article]]) -> None:
        """Triage, embed on Ray and commit each batch of ``group``, in order."""
        queued: dict[str, str] = {}
        todo = []
        for batch in group:
            todo.append(one.triage(_Queued(self.store, queued), batch, self.total))
            queued.update((a.id, a.checksum) for a in todo[-1])
        results = self._embedded(todo) if any(todo) else iter(())
        for batch, articles, (chunks, vectors) in zip(
            group, todo, _per_batch(results, len(todo)), strict=True
        ):
            self.total.read += len(batch)
            if articles:
                if not chunks:  # articles without text: an empty, correctly shaped block
                    vectors = self.encoder.encode_passages([])
                one.add_batch(self.store, articles, chunks, vectors)
                self.total.chunks += len(chunks)
            if self.on_batch:
                done = self.fraction() if self.fraction else None
                self.on_batch(self.total.progress(done))

    def _embedded(self, todo: list[list[Article]]) -> Iterator[dict]:
        """Column batches ``{"batch", "chunk", "vector"}`` in article order, as they arrive."""
        ray, plan = self.ray, self.plan
        items = [
            {"batch": b, "article": json.dumps(dataclasses.asdict(a), ensure_ascii=False)}
            for b, articles in enumerate(todo)
            for a in articles
        ]
        self.say(f"Embedding {len(items)} articles on {plan.workers} Ray workers...")
        fingerprint = self.encoder.fingerprint
        ds = ray.data.from_items(items).map_batches(
            _chunk_rows, fn_kwargs={"settings": self.store.settings}, num_cpus=_CHUNK_CPUS
        )
        ds = ds.map_batches(
            _Embedder,
            fn_constructor_args=(self.encoder, fingerprint, plan.threads),
            compute=ray.data.ActorPoolStrategy(size=plan.workers),
            batch_size=_EMBED_ROWS,
            **plan.remote_args(),
        )
        t0 = time.perf_counter()
        yield from ds.iter_batches(batch_size=None, batch_format="numpy")
        self.total.embed_seconds += time.perf_counter() - t0  # wall time of the Ray run


def _per_batch(parts: Iterable[dict], n: int) -> Iterator[tuple[list[Chunk], np.ndarray]]:
    """(chunks, vectors) for batches ``0..n-1``, each yielded as soon as the next begins.

    >>> v = np.ones((3, 2), np.float32)
    >>> c = [json.dumps({"doc_id": "a", "position": i, "text": "x", "start": 0, "end": 1})
    ...      for i in range(3)]
    >>> [len(ch) for ch, _ in _per_batch([{"batch": [0, 2, 2], "chunk": c, "vector": v}], 4)]
    [1, 0, 2, 0]
    """
    b, chunks, vectors = 0, [], []
    for part in parts:
        for bi, chunk, vector in zip(part["batch"], part["chunk"], part["vector"], strict=True):
            while int(bi) > b:  # ordered results: batch b is complete
                yield chunks, np.asarray(vectors, np.float32)
                b, chunks, vectors = b + 1, [], []
            chunks.append(Chunk(**json.loads(chunk)))
            vectors.append(vector)
    while b < n:
        yield chunks, np.asarray(vectors, np.float32)
        b, chunks, vectors = b + 1, [], []


def _chunk_rows(rows: dict, settings) -> dict:
    """Ray Data stage 1: articles (JSON) -> chunks (JSON) and their passage texts."""
    batch, chunks, texts = [], [], []
    for b, record in zip(rows["batch"], rows["article"], strict=True):
        for c in chunk_article(Article(**json.loads(record)), settings):
            batch.append(int(b))
            chunks.append(json.dumps(dataclasses.asdict(c), ensure_ascii=False))
            texts.append(passage_text(c))
    return {"batch": np.array(batch, np.int64), "chunk": chunks, "text": texts}


class _Embedder:
    """Ray Data stage 2, an actor: holds one encoder, loaded once, and embeds passages."""

    def __init__(self, encoder, fingerprint: str, threads: int | None) -> None:
        self.encoder = _worker_encoder(encoder, fingerprint)
        self.encoder.encode_passages(["khởi động"])  # load the model now, not mid-stream
        torch = sys.modules.get("torch")
        if threads and torch is not None:  # Ray sets OMP_NUM_THREADS to the logical CPUs
            torch.set_num_threads(threads)

    def __call__(self, rows: dict) -> dict:
        vectors = self.encoder.encode_passages([str(t) for t in rows["text"]])
        return {"batch": rows["batch"], "chunk": rows["chunk"], "vector": vectors}


def _worker_encoder(encoder, fingerprint: str):
    """The driver's encoder, or for the default model this machine's own copy of it.

    The pickled encoder names the driver's model folder, which another machine may keep
    elsewhere (its own ``HOIDAP_CACHE``); its fingerprint must still match the index's.
    """
    from embeddings.encoder import SentenceTransformerEncoder, default_model_dir

    if not (isinstance(encoder, SentenceTransformerEncoder) and encoder.name == DEFAULT_MODEL_NAME):
        return encoder  # any other model must be at the same path on every worker
    local = SentenceTransformerEncoder(default_model_dir(), encoder.dtype, encoder.batch_size)
    try:
        same = local.fingerprint == fingerprint
    except (OSError, EncoderError):
        same = False
    if not same:
        raise EncoderError(
            f"Ray worker {socket.gethostname()}: no embedding model matching {fingerprint} "
            f"in {default_model_dir()}; install the same hoidap there and run `hoidap setup`"
        )
    return local
