"""Making an index generation durable, and refusing one whose files disagree.

At commit every data file is fsynced and its sha256 recorded in the manifest; at load the
files are checked against those sums and their record counts against each other, so a
truncated, edited or mixed-up file is refused with a way out instead of failing later
inside a search (a vectors file with an extra vector used to load, then ``KeyError``).

>>> rebuild_hint(Path("idx"))
'rebuild it from your article files: hoidap ingest --rebuild --index idx PATH...'
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import numpy as np

from embeddings.manifest import IndexFolderError, Manifest, sync_dir


def rebuild_hint(folder: Path) -> str:
    return f"rebuild it from your article files: hoidap ingest --rebuild --index {folder} PATH..."


def seal(path: Path) -> str:
    """fsync a written file and return its sha256 (read back from the page cache: cheap).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     seal(Path(f.name))[:8]
    'e3b0c442'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
        os.fsync(fh.fileno())  # Linux fsyncs through a read-only descriptor too
    return digest.hexdigest()


def seal_all(folder: Path, names: list[str]) -> dict[str, str]:
    """Seal each named file, or every file under a named directory; sums by relative path."""
    sums: dict[str, str] = {}
    for name in names:
        path = folder / name
        if path.is_dir():
            for sub in sorted(p for p in path.rglob("*") if p.is_file()):
                sums[sub.relative_to(folder).as_posix()] = seal(sub)
            for d in [path, *sorted(p for p in path.rglob("*") if p.is_dir())]:
                sync_dir(d)
        else:
            sums[name] = seal(path)
    sync_dir(folder)
    return sums


def verify_checksums(folder: Path, manifest: Manifest) -> None:
    """Refuse files that are missing or differ from the sums the commit recorded.

    A manifest without sums (written by an older hoidap) is let through: the count checks
    of ``check_counts`` still apply to it.
    """
    sums = manifest.checksums
    if not sums:
        return
    uncovered = [n for n in manifest.files.values() if not _covered(n, sums)]
    bad = [rel for rel, digest in sums.items() if _sha256(folder / rel) != digest]
    if uncovered or bad:
        raise IndexFolderError(
            f"{folder}: index files are damaged or were changed after they were written "
            f"({', '.join(sorted(bad + uncovered))} "
            f"{'does' if len(bad + uncovered) == 1 else 'do'} not match the manifest's "
            f"checksums); {rebuild_hint(folder)}"
        )


def _covered(name: str, sums: dict) -> bool:
    return name in sums or any(rel.startswith(f"{name}/") for rel in sums)


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def check_counts(folder: Path, manifest: Manifest, counts: dict[str, int]) -> None:
    """Refuse an index whose files hold different numbers of records.

    ``counts`` has ``articles``, ``chunks``, ``signatures``, ``vectors`` and ``bm25``.

    >>> m = Manifest(encoder=None, chunker={}, articles=2, chunks=3)
    >>> try:
    ...     check_counts(Path("idx"), m, dict(articles=2, chunks=3, signatures=2, vectors=4,
    ...         bm25=3))
    ... except IndexFolderError as exc:
    ...     print(str(exc)[:57])
    idx: the index files disagree (3 chunks but 4 vectors); r
    """
    c = counts
    pairs = [
        (manifest.articles, "articles in the manifest", c["articles"], "articles"),
        (manifest.chunks, "chunks in the manifest", c["chunks"], "chunks"),
        (c["articles"], "articles", c["signatures"], "signatures"),
        (c["chunks"], "chunks", c["vectors"], "vectors"),
        (c["chunks"], "chunks", c["bm25"], "BM25 rows"),
    ]
    problems = [f"{a} {what_a} but {b} {what_b}" for a, what_a, b, what_b in pairs if a != b]
    if problems:
        raise IndexFolderError(
            f"{folder}: the index files disagree ({'; '.join(problems)}); {rebuild_hint(folder)}"
        )


def check_links(folder: Path, chunk_ids: np.ndarray, vector_ids: np.ndarray, bad_spans: int):
    """Refuse chunks whose vectors are not the stored ones, or that point outside articles."""
    problems = []
    if not np.array_equal(np.sort(chunk_ids), np.sort(vector_ids)):
        problems.append("the vector ids are not the chunks' ids")
    if bad_spans:
        problems.append(f"{bad_spans} chunks point outside their article")
    if problems:
        raise IndexFolderError(
            f"{folder}: the index files disagree ({'; '.join(problems)}); {rebuild_hint(folder)}"
        )


def write_failure(folder: Path, exc: BaseException, articles: int) -> str:
    """What to tell a user whose commit failed; the previous generation is still current."""
    full = getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in str(exc)
    what = "the disk is full" if full else f"writing failed ({exc})"
    todo = (
        f"Free some disk space where the index lives (df -h {folder}) and run the same "
        "command again."
        if full
        else "Check the folder's permissions and the disk, then run the same command again."
    )
    return (
        f"could not save the index in {folder}: {what}. Nothing was changed: the index "
        f"still holds its previous {articles} articles and the partly written files were "
        f"removed. {todo}"
    )
