"""The files of one index generation: small JSON files in and out, and clearing debris.

A failed commit's partial files and a superseded generation's files are removed here;
the current generation's, the manifest and the writer lock never are.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

from embeddings.manifest import (
    MANIFEST,
    MANIFEST_TMP,
    IndexFolderError,
    Manifest,
    disk_generation,
    read_manifest,
)
from embeddings.writelock import LOCK_FILE

SEGMENTS = "segments"  # the folder of segment folders (embeddings.segment)


def write_json(path: Path, record) -> None:
    """Write one JSON file (fsynced later by the commit's seal)."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(record, fh, ensure_ascii=False, sort_keys=True)


def read_json(folder: Path, manifest: Manifest, kind: str) -> dict:
    """The generation's file of ``kind`` (``deleted``, ``groups``), or {} if it has none."""
    name = manifest.files.get(kind)
    if name is None:
        return {}
    return json.loads((folder / name).read_text(encoding="utf-8"))


def articles_on_disk(folder: Path) -> int:
    """Live articles of the committed index (0 if none): what a failed change left."""
    try:
        return read_manifest(folder).articles if disk_generation(folder, strict=False) else 0
    except IndexFolderError:
        return 0


def discard(folder: Path, names: list[str]) -> None:
    """Remove what a failed commit wrote (files or folders, by relative path)."""
    for name in [*names, MANIFEST_TMP]:
        path = folder / name
        with contextlib.suppress(OSError):  # best effort: the next commit removes debris
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def remove_superseded(folder: Path, current: Manifest) -> None:
    """Delete superseded files and segments, and any debris a crashed write left behind.

    Readers that loaded an older generation keep working: their files are open (or
    memory-mapped), and an unlinked file lives until they close it.
    """
    keep = set(current.files.values()) | {MANIFEST, LOCK_FILE, SEGMENTS}
    for entry in folder.iterdir():
        if entry.name in keep or entry.name.split("-")[0] not in KINDS:
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    live = {s["name"] for s in current.segments}
    segments = folder / SEGMENTS
    for entry in segments.iterdir() if segments.is_dir() else []:
        if entry.name not in live:
            shutil.rmtree(entry, ignore_errors=True)


# Files of older generations (and of format 1 indexes, replaced by a rebuild).
KINDS = {"articles", "chunks", "signatures", "vectors", "bm25", "deleted", "groups"}
