"""The ``manifest.json`` of an index folder: what built it, and which files are current.

The manifest is written last, with an atomic rename, so it is the commit point of every
change: it names the index's segments (immutable folders, ``embeddings.segment``) and the
generation's small files (tombstones, near-duplicate groups); a crash before the rename
leaves the previous manifest pointing at the previous, complete files.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

FORMAT_VERSION = 2  # 2: segments (1: one set of files rewritten by every change)
MANIFEST = "manifest.json"
MANIFEST_TMP = f".{MANIFEST}.tmp"


class IndexFolderError(RuntimeError):
    """An index folder that cannot be used as asked (missing, corrupt, other encoder)."""


class IndexWriteError(IndexFolderError):
    """A change that could not be written (disk full, I/O error); the index is unchanged."""


@dataclass(frozen=True, kw_only=True)
class EncoderInfo:
    """Which encoder produced the vectors; an index refuses any other."""

    name: str
    fingerprint: str
    dim: int

    @classmethod
    def of(cls, encoder) -> EncoderInfo:
        """Describe any object with ``name``, ``fingerprint`` and ``dim`` (an Encoder)."""
        return cls(
            name=str(encoder.name), fingerprint=str(encoder.fingerprint), dim=int(encoder.dim)
        )


@dataclass(frozen=True, kw_only=True)
class Manifest:
    encoder: EncoderInfo
    chunker: dict
    generation: int = 0
    articles: int = 0  # live ones, tombstones excluded
    chunks: int = 0
    format_version: int = FORMAT_VERSION
    segments: list = field(default_factory=list)  # SegmentInfo records as dicts, in order
    files: dict = field(default_factory=dict)
    # sha256 of every data file by path relative to the folder; empty in manifests written
    # before checksums were recorded (those still load, with the count checks only).
    checksums: dict = field(default_factory=dict)

    def next(self, **changes) -> Manifest:
        """The manifest of the next generation, with its file names."""
        gen = self.generation + 1
        files = {"deleted": f"deleted-{gen:06d}.json", "groups": f"groups-{gen:06d}.json"}
        return replace(self, generation=gen, files=files, checksums={}, **changes)

    def check_encoder(self, encoder: EncoderInfo, folder: Path) -> None:
        """Refuse an encoder other than the one the index was built with.

        >>> m = Manifest(encoder=EncoderInfo(name="e5", fingerprint="abc", dim=384), chunker={})
        >>> m.check_encoder(m.encoder, Path("."))
        """
        if (encoder.fingerprint, encoder.dim) != (self.encoder.fingerprint, self.encoder.dim):
            raise IndexFolderError(
                f"{folder} was built with encoder {self.encoder.name} "
                f"(fingerprint {self.encoder.fingerprint}, {self.encoder.dim} dims), but the "
                f"current encoder is {encoder.name} (fingerprint {encoder.fingerprint}, "
                f"{encoder.dim} dims). Use the same encoder (HOIDAP_EMBEDDER), or rebuild the "
                f"index: hoidap ingest --rebuild --index {folder} PATH..."
            )


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.exists():
        raise IndexFolderError(
            f"{folder} is not a hoidap index (no {MANIFEST}); build one with `hoidap ingest`"
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format_version") != FORMAT_VERSION:
            raise IndexFolderError(
                f"{path}: index format {raw.get('format_version')} is not supported "
                f"(this hoidap reads format {FORMAT_VERSION}, an index in segments); "
                f"rebuild it from your article files: hoidap ingest --rebuild --index {folder} "
                "PATH..."
            )
        return Manifest(**{**raw, "encoder": EncoderInfo(**raw["encoder"])})
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexFolderError(
            f"{path} is corrupt ({exc}); rebuild with `hoidap ingest --rebuild`"
        ) from exc


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Replace ``folder``'s manifest atomically and durably: the commit point of a change.

    The new text is fsynced under a temporary name, renamed over the old manifest, and the
    folder is fsynced so the rename itself survives a power cut.
    """
    tmp = folder / MANIFEST_TMP
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(asdict(manifest), fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / MANIFEST)
    finally:
        tmp.unlink(missing_ok=True)  # only left over when the write or rename failed
    sync_dir(folder)


def sync_dir(folder: Path) -> None:
    """fsync a directory, so that the files created or renamed in it are durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def manifest_stamp(folder: Path) -> tuple[int, int, int, int] | None:
    """A cheap fingerprint of the manifest file (``None`` if absent): it changes on commit.

    Every commit renames a new file over the manifest, so its inode and times change; a
    reader compares stamps to notice another process's commit without parsing anything.

    >>> manifest_stamp(Path("/nonexistent"))
    """
    try:
        st = os.stat(Path(folder) / MANIFEST)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)


def disk_generation(folder: Path, strict: bool = True) -> int:
    """The generation the folder's manifest points at; 0 when there is no manifest.

    With ``strict=False`` an unreadable manifest also counts as 0 (a rebuild replaces it).

    >>> disk_generation(Path("/nonexistent"))
    0
    """
    if not (Path(folder) / MANIFEST).exists():
        return 0
    try:
        return read_manifest(Path(folder)).generation
    except IndexFolderError:
        if strict:
            raise
        return 0
