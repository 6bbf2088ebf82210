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


def verify_checksums(folder: Path, manifest: Manifest, names: list[str]) -> None:
    """Refuse files that are missing or differ from the sums the commit recorded.

    ``names`` are the files and folders the manifest names; each must be covered by a sum.
    Sums of other paths are not the index's and are not checked: earlier commits kept
    those of a segment that the same commit merged away, and such an index is whole.
    """
    sums = manifest.checksums
    uncovered = [n for n in names if not any(_under(rel, n) for rel in sums)]
    bad = [
        rel
        for rel, digest in sums.items()
        if any(_under(rel, n) for n in names) and _sha256(folder / rel) != digest
    ]
    if uncovered or bad:
        raise IndexFolderError(
            f"{folder}: index files are damaged or were changed after they were written "
            f"({', '.join(sorted(bad + uncovered))} "
            f"{'does' if len(bad + uncovered) == 1 else 'do'} not match the manifest's "
            f"checksums); {rebuild_hint(folder)}"
        )


def _under(rel: str, name: str) -> bool:
    """Whether the summed path ``rel`` is the named file ``name`` or inside that folder."""
    return rel == name or rel.startswith(f"{name}/")


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


class IndexChecks:
    """The record-count and link checks a load makes, with the messages they give."""

    def __init__(self, folder: Path):
        self.folder = folder

    def broken(self, exc: BaseException) -> str:
        hint = rebuild_hint(self.folder)
        return f"{self.folder}: index files are missing or corrupt ({exc}); {hint}"

    def check(self, manifest: Manifest, segments: list, rows) -> None:
        """Refuse an index whose files hold different numbers of records, or chunks that
        point at articles that are not there.

        ``segments`` are open ``embeddings.segment.Segment``s; ``rows`` their ``RowMap``.
        """
        problems = [p for seg in segments for p in _segment_problems(seg)]
        live_chunks = int(rows.live.sum())
        if manifest.articles != len(rows.where):
            problems.append(
                f"{manifest.articles} articles in the manifest but {len(rows.where)} live"
            )
        if manifest.chunks != live_chunks:
            problems.append(f"{manifest.chunks} chunks in the manifest but {live_chunks} live")
        if problems:
            raise IndexFolderError(
                f"{self.folder}: the index files disagree ({'; '.join(problems)}); "
                f"{rebuild_hint(self.folder)}"
            )


def _segment_problems(seg) -> list[str]:
    """What disagrees inside one segment, as phrases for a message.

    >>> class S:
    ...     class info: name, articles, chunks = "seg-1", 2, 3
    ...     def counts(self): return dict(articles=2, chunks=3, signatures=2, vectors=4, bm25=3)
    ...     def bad_spans(self): return 0
    >>> _segment_problems(S())
    ['seg-1: 3 chunks but 4 vectors']
    """
    c, info = seg.counts(), seg.info
    pairs = [
        (info.articles, "articles in the manifest", c["articles"], "articles"),
        (info.chunks, "chunks in the manifest", c["chunks"], "chunks"),
        (c["articles"], "articles", c["signatures"], "signatures"),
        (c["chunks"], "chunks", c["vectors"], "vectors"),
        (c["chunks"], "chunks", c["bm25"], "BM25 rows"),
    ]
    problems = [f"{info.name}: {a} {wa} but {b} {wb}" for a, wa, b, wb in pairs if a != b]
    if seg.bad_spans():
        problems.append(f"{info.name}: {seg.bad_spans()} chunks point outside their articles")
    return problems


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
