"""The files of one index generation: JSON lines in and out, and clearing away debris.

A failed commit's partial files and a superseded generation's files are removed here;
the current generation's, the manifest and the writer lock never are.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

from corpus.article import Article
from embeddings.manifest import MANIFEST, MANIFEST_TMP, IndexFolderError, Manifest, read_manifest
from embeddings.writelock import LOCK_FILE


def read_articles(path: Path) -> tuple[dict[str, Article], dict[str, str], dict[str, str]]:
    articles, checksums, groups = {}, {}, {}
    for line in read_lines(path):
        raw = json.loads(line)
        checksums[raw["id"]] = raw.pop("checksum")
        groups[raw["id"]] = raw.pop("group")
        articles[raw["id"]] = Article(**raw)
    return articles, checksums, groups


def read_lines(path: Path):
    with open(path, encoding="utf-8") as fh:
        yield from (line for line in fh if line.strip())


def write_lines(path: Path, records) -> None:
    with open(path, "w", encoding="utf-8") as fh:  # fsynced by seal_all
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def articles_on_disk(folder: Path) -> int:
    try:
        return read_manifest(folder).articles if (folder / MANIFEST).exists() else 0
    except IndexFolderError:
        return 0


def discard(folder: Path, failed: Manifest) -> None:
    """Remove what a failed commit of ``failed`` wrote (never the current generation's)."""
    for name in [*failed.files.values(), MANIFEST_TMP]:
        path = folder / name
        with contextlib.suppress(OSError):  # best effort: the next commit removes debris
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def remove_superseded(folder: Path, current: Manifest) -> None:
    """Delete superseded files, and any debris a crashed write left behind."""
    keep = set(current.files.values()) | {MANIFEST, LOCK_FILE}
    for entry in folder.iterdir():
        if entry.name in keep or entry.name.split("-")[0] not in KINDS:
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


KINDS = {"articles", "chunks", "signatures", "vectors", "bm25"}
