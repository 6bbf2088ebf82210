"""Evaluating at scale: a question set's paragraphs indexed beside a news archive.

``hoidap eval --squad FILE --distractors ARCHIVE`` asks FILE's questions over an index
that holds FILE's paragraphs and every article of ARCHIVE (a ``.jsonl.gz`` or any input
``hoidap ingest`` takes, or an existing index folder): what retrieval meets in a real
newsroom, where thousands of articles compete with the one that answers.

The archive's index is built once per archive content and encoder, under
``$HOIDAP_CACHE/eval-index/`` (resumable: run again after a kill), and each question set
gets a clone of it (hard links: ``embeddings.clone``) plus one segment of its paragraphs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from corpus.article import Article
from embeddings.manifest import MANIFEST

_DONE = "complete.txt"  # written in an archive's index once its whole ingest committed


def archive_index(archive: Path, encoder, say: Callable[[str], None]) -> Path:
    """The index of ``archive``'s articles: the folder itself if it is an index, else a
    cached one, built (or completed, after an interruption) now."""
    if (archive / MANIFEST).exists():
        return archive
    if not archive.exists():
        raise FileNotFoundError(f"--distractors: no such file or folder: {archive}")
    folder = _cache() / f"distractors-{archive.name.split('.')[0]}-{_key(archive, encoder)}"
    if not (folder / _DONE).exists():
        _build(archive, folder, encoder, say)
    return folder


def _build(archive: Path, folder: Path, encoder, say) -> None:
    from corpus.readers import ArticleStream
    from embeddings.ingest import ingest
    from qa.retrieval.indexes import open_index

    say(f"Indexing the distractor archive {archive} into {folder} (once; resumable)...")
    stream = ArticleStream([archive])
    report = ingest(
        open_index(folder, encoder),
        stream,
        encoder,
        say,
        on_batch=lambda p: say(f"  {p.articles} articles, {p.embedded} passages embedded"),
    )
    say(f"  {len(report.added)} articles added, {len(stream.errors)} skipped")
    (folder / _DONE).write_text(f"{archive}\n", encoding="utf-8")


def with_distractors(
    squad_folder: Path, articles: Sequence[Article], archive: Path, encoder, say
) -> Path:
    """An index holding the archive's articles and ``articles`` (the SQuAD paragraphs)."""
    from embeddings.clone import clone_index
    from embeddings.ingest import ingest
    from qa.retrieval.indexes import open_index

    base = archive_index(archive, encoder, say)
    folder = _cache() / f"{squad_folder.name}+{base.name}"
    archive_ids = _ids(base)  # loaded once: a load of a 35k-article index takes seconds
    clashes = [a.id for a in articles if a.id in archive_ids]
    if clashes:
        raise ValueError(
            f"--distractors: {len(clashes)} paragraph ids are archive ids too, "
            f"e.g. {clashes[0]!r}; use an archive with other ids"
        )
    if not (folder / MANIFEST).exists():
        clone_index(base, folder)
    store = open_index(folder, encoder)
    if any(a.id not in store.articles for a in articles):
        say(f"Adding {len(articles)} paragraphs beside the archive in {folder}...")
        ingest(store, articles, encoder, say)
    return folder


def _ids(folder: Path) -> set[str]:
    from embeddings.store import IndexStore

    return set(IndexStore.load(folder).articles)


def _cache() -> Path:
    from embeddings.encoder import default_cache_dir

    return default_cache_dir() / "eval-index"


def _key(path: Path, encoder) -> str:
    digest = hashlib.sha256(str(encoder.fingerprint).encode())
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
