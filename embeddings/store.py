"""An index on disk: immutable segments behind one manifest, plus tombstones.

Folder layout (``<gen>`` = generation number, bumped by every commit)::

    manifest.json              format version, encoder, chunker, the segments, counts, sums
    segments/seg-<gen>/        one per ingest batch or compaction (embeddings.segment)
    deleted-<gen>.json         tombstones: removed or replaced article rows, by segment
    groups-<gen>.json          near-duplicate groups (only articles not their own group)

An ingest writes a new segment and a remove writes tombstones, so a change costs in
proportion to what changed, not to the index (``embeddings.compact`` merges segments).
The manifest, replaced last by an atomic rename, is the single commit point: a crash
leaves the previous manifest naming complete files. A commit holds the folder's writer
lock (``embeddings.writelock``) and refuses to build on a generation that another process
replaced meanwhile; every file is fsynced and its sha256 recorded, and a load checks the
sums and the record counts (``embeddings.integrity``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from corpus.chunk import ChunkerSettings
from corpus.dedup import update_groups
from embeddings.genfiles import (
    articles_on_disk,
    discard,
    read_json,
    remove_superseded,
    write_json,
)
from embeddings.integrity import IndexChecks, seal_all, verify_checksums, write_failure
from embeddings.manifest import (
    EncoderInfo,
    IndexFolderError,
    IndexWriteError,
    Manifest,
    disk_generation,
    manifest_stamp,
    read_manifest,
    write_manifest,
)
from embeddings.rows import RowMap
from embeddings.segment import SEGMENTS, Segment, SegmentData, SegmentInfo, write_segment
from embeddings.writelock import index_lock

_LOAD_TRIES = 3  # a commit elsewhere may delete the files a load is reading: retry then


@dataclass
class IndexStore:
    """The open contents of an index folder: its segments, tombstones and groups.

    ``stamp`` is the manifest's ``manifest_stamp`` when this was loaded or committed (a
    server compares it to notice other writers); ``replaces`` marks a rebuild, which
    overwrites whatever the folder holds instead of building on it. ``rows`` maps global
    passage rows to segments and articles (``embeddings.rows``).
    """

    folder: Path
    manifest: Manifest
    segments: list[Segment]
    deleted: dict[str, list[int]]
    groups: dict[str, str]
    stamp: tuple | None = field(default=None, compare=False)
    replaces: bool = field(default=False, compare=False)
    pending: list[SegmentInfo] = field(default_factory=list, compare=False)
    rows: RowMap = field(init=False, compare=False)

    def __post_init__(self) -> None:
        self.rows = RowMap(self.segments, self.deleted)

    @classmethod
    def create(
        cls, folder: Path, encoder: EncoderInfo, settings: ChunkerSettings, replaces: bool = False
    ) -> IndexStore:
        """An empty, unsaved index (``commit`` writes it); ``replaces`` for a rebuild."""
        manifest = Manifest(encoder=encoder, chunker=settings.to_dict())
        return cls(Path(folder), manifest, [], {}, {}, replaces=replaces)

    @classmethod
    def load(cls, folder: Path) -> IndexStore:
        """Load the index the manifest points at; refuses a corrupt or foreign folder."""
        folder = Path(folder)
        for attempt in range(_LOAD_TRIES):
            stamp = manifest_stamp(folder)
            try:
                return cls._load_generation(folder, stamp)
            except IndexFolderError:
                # Another process committed (and deleted these files) while we read them.
                if attempt == _LOAD_TRIES - 1 or manifest_stamp(folder) == stamp:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _load_generation(cls, folder: Path, stamp: tuple | None) -> IndexStore:
        manifest = read_manifest(folder)
        infos = [SegmentInfo(**s) for s in manifest.segments]
        verify_checksums(folder, manifest, _covered_names(manifest, infos))
        try:
            deleted = read_json(folder, manifest, "deleted")
            groups = read_json(folder, manifest, "groups")
            segments = [Segment(folder, info) for info in infos]
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            checks = IndexChecks(folder)
            raise IndexFolderError(checks.broken(exc)) from exc
        store = cls(folder, manifest, segments, deleted, groups, stamp=stamp)
        IndexChecks(folder).check(manifest, segments, store.rows)
        return store

    def catch_up(self) -> bool:
        """Reload from disk if another writer committed since this was loaded.

        Call it holding the writer lock, before changing the store: the change is then made
        on the newest generation. A rebuild (``replaces``) never catches up.
        """
        if self.replaces or disk_generation(self.folder) == self.manifest.generation:
            return False
        fresh = IndexStore.load(self.folder)
        fresh.manifest.check_encoder(self.manifest.encoder, self.folder)
        for f in fields(self):
            if f.name != "pending":
                setattr(self, f.name, getattr(fresh, f.name))
        return True

    @property
    def settings(self) -> ChunkerSettings:
        return ChunkerSettings(**{k: v for k, v in self.manifest.chunker.items() if k != "kind"})

    @property
    def passages(self) -> int:
        """Live passages (chunks) in the index."""
        return int(self.rows.live.sum())

    @property
    def articles(self):
        """The live articles as a read-only mapping by id (text read from disk on access)."""
        return self.rows.articles

    def chunk(self, row: int):
        """The full chunk record (``corpus.article.Chunk``) at global row ``row``."""
        seg, local = self.rows.locate(row)
        return self.segments[seg].chunk(local)

    # -- changes: each is made in memory and on disk as new files, then ``commit``ted --

    def add_segment(self, data: SegmentData) -> SegmentInfo:
        """Write ``data`` as a new segment; older versions of its articles get tombstones."""
        self.tombstone({a.id for a in data.articles})
        name = self.new_segment_name()
        with self.writing(name):
            info = write_segment(self.folder, name, data)
        self.pending.append(info)
        self.segments.append(Segment(self.folder, info))
        self.rows = RowMap(self.segments, self.deleted)
        return info

    def new_segment_name(self) -> str:
        """A name for the next segment this change writes (removing a crashed one's debris)."""
        name = f"seg-{self._next_generation():06d}-{len(self.pending)}"
        if (self.folder / SEGMENTS / name).exists():  # under the lock nobody else writes it
            discard(self.folder, [f"{SEGMENTS}/{name}"])
        return name

    @contextlib.contextmanager
    def writing(self, name: str) -> Iterator[None]:
        """Write segment ``name``; a failure (a full disk) removes it and every segment this
        change wrote, and is an ``IndexWriteError`` saying the index is unchanged."""
        try:
            yield
        except (OSError, RuntimeError) as exc:
            discard(self.folder, [f"{SEGMENTS}/{name}"])
            self._abandon()
            message = write_failure(self.folder, exc, articles_on_disk(self.folder))
            raise IndexWriteError(message) from exc

    def replace_segments(self, merged: list[int], info: SegmentInfo) -> None:
        """Put ``info``, a merge of the live articles of segments ``merged``, in their place."""
        self.pending.append(info)
        gone = {self.segments[i].info.name for i in merged}
        first = min(merged)
        kept = [s for i, s in enumerate(self.segments) if i not in merged]
        self.segments = kept[:first] + [Segment(self.folder, info)] + kept[first:]
        self.deleted = {k: v for k, v in self.deleted.items() if k not in gone}
        self.rows = RowMap(self.segments, self.deleted)

    def tombstone(self, ids: set[str]) -> list[str]:
        """Mark live articles of ``ids`` removed; returns those that were present."""
        present = [i for i in ids if i in self.rows.where]
        for i in present:
            seg, doc_row = self.rows.where[i]
            self.deleted.setdefault(self.segments[seg].info.name, []).append(doc_row)
        self.rows = RowMap(self.segments, self.deleted)
        return present

    def regroup(self, touched: set[str]) -> None:
        """Update near-duplicate groups after ``touched`` articles were added or removed."""
        full = {i: self.groups.get(i, i) for i in self.rows.where}
        self.groups = {
            i: g for i, g in update_groups(full, self.rows.signatures(), touched).items() if g != i
        }

    def commit(self) -> None:
        """Switch the manifest to the new segments and tombstones, atomically.

        Refuses (``IndexFolderError``) when another process committed since this store was
        loaded; a failed write (``IndexWriteError``) leaves the previous generation current
        and removes the new files.
        """
        with index_lock(self.folder):
            on_disk = disk_generation(self.folder, strict=not self.replaces)
            if not self.replaces and on_disk != self.manifest.generation:
                self._abandon()
                raise IndexFolderError(
                    f"{self.folder} was changed by another process (generation "
                    f"{self.manifest.generation} -> {on_disk}) since this change started; "
                    "nothing was written. Run the command again."
                )
            base = replace(self.manifest, generation=max(on_disk, self.manifest.generation))
            new = base.next(
                articles=len(self.rows.where),
                chunks=self.passages,
                segments=[vars(s.info).copy() for s in self.segments],
            )
            self.manifest = self._write_generation(new)
            self.stamp, self.replaces, self.pending = manifest_stamp(self.folder), False, []
            remove_superseded(self.folder, self.manifest)

    def _next_generation(self) -> int:
        return max(disk_generation(self.folder, strict=False), self.manifest.generation) + 1

    def _write_generation(self, new: Manifest) -> Manifest:
        """Write ``new``'s files and manifest; on failure remove them and explain."""
        try:
            sums = self._write_files(new)
            new = replace(new, checksums=sums)
            write_manifest(self.folder, new)
        except (OSError, RuntimeError) as exc:
            if disk_generation(self.folder, strict=False) == new.generation:
                return new  # switched; only the folder's fsync after the rename failed
            self._abandon(list(new.files.values()))
            message = write_failure(self.folder, exc, articles_on_disk(self.folder))
            raise IndexWriteError(message) from exc
        return new

    def _write_files(self, m: Manifest) -> dict[str, str]:
        """Write and fsync the generation's files and the new segments'; sha256 by path."""
        write_json(
            self.folder / m.files["deleted"], {k: sorted(v) for k, v in self.deleted.items()}
        )
        write_json(self.folder / m.files["groups"], self.groups)
        # A segment this change wrote and then merged away is no part of the index (its
        # folder goes with remove_superseded): sealing it would leave sums of missing files.
        pending = {s.name for s in self.pending} & {s.info.name for s in self.segments}
        dirs = [f"{SEGMENTS}/{name}" for name in sorted(pending)]
        sums = seal_all(self.folder, [*m.files.values(), *dirs])
        for seg in self.segments:  # an older segment's files are unchanged: keep their sums
            if seg.info.name not in pending:
                prefix = f"{SEGMENTS}/{seg.info.name}/"
                sums.update(
                    {k: v for k, v in self.manifest.checksums.items() if k.startswith(prefix)}
                )
        return sums

    def _abandon(self, extra: list[str] | None = None) -> None:
        """Remove the segments (and files) an uncommitted change wrote, and go back to
        what the disk holds: the change's in-memory state is gone with its files."""
        discard(self.folder, [*(extra or []), *(f"{SEGMENTS}/{s.name}" for s in self.pending)])
        self.pending = []
        if disk_generation(self.folder, strict=False):
            fresh = IndexStore.load(self.folder)
        else:
            fresh = IndexStore.create(self.folder, self.manifest.encoder, self.settings)
        for f in fields(self):
            if f.name not in ("pending", "replaces"):
                setattr(self, f.name, getattr(fresh, f.name))

    def close(self) -> None:
        for s in self.segments:
            s.close()


def _covered_names(manifest: Manifest, infos: list[SegmentInfo]) -> list[str]:
    return [*manifest.files.values(), *(f"{SEGMENTS}/{i.name}" for i in infos)]


def changed_on_disk(store: IndexStore, ignore: tuple | None = None) -> tuple | None:
    """The manifest's new stamp if a commit replaced it since ``store`` was loaded, else None.

    One ``stat``: cheap enough to call before every search. ``ignore`` is a stamp known to
    be unusable (not reloaded again and again).
    """
    stamp = manifest_stamp(store.folder)
    return stamp if stamp not in (None, store.stamp, ignore) else None
