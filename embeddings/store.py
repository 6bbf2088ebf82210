"""An index on disk: articles, chunks, FAISS vectors and BM25, behind one manifest.

Folder layout (``<gen>`` = generation number, bumped by every change)::

    manifest.json                 format version, encoder, chunker settings, counts, files
    articles-<gen>.jsonl          one cleaned article per line (text, metadata, checksum, group)
    chunks-<gen>.jsonl            one chunk per line: vector id, article id, position, span
    signatures-<gen>.npy          MinHash signatures, in article order (near-duplicates)
    vectors-<gen>.faiss           normalized passage vectors keyed by the chunk's vector id
    bm25-<gen>/                   bm25s indexes (accented and folded), in chunk order

Writes go to new generation files and the manifest is replaced last, so a crash or kill
mid-ingest leaves the previous index loadable. A commit holds the folder's writer lock
(``embeddings.writelock``) and refuses to build on a generation that another process has
replaced meanwhile; the data files are fsynced and their sha256 recorded in the manifest,
and a load checks those sums and the files' record counts (``embeddings.integrity``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from corpus.article import Article, Chunk
from corpus.chunk import ChunkerSettings
from corpus.dedup import update_groups
from embeddings.genfiles import (
    articles_on_disk,
    discard,
    read_articles,
    read_lines,
    remove_superseded,
    write_lines,
)
from embeddings.integrity import (
    check_counts,
    check_links,
    rebuild_hint,
    seal_all,
    verify_checksums,
    write_failure,
)
from embeddings.lexical import LexicalIndex
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
from embeddings.vectors import VectorIndex
from embeddings.writelock import index_lock

_LOAD_TRIES = 3  # a commit elsewhere may delete the files a load is reading: retry then


@dataclass(frozen=True, kw_only=True)
class StoredChunk:
    """A chunk as kept in the index: its vector id and where its text lives."""

    vid: int
    doc_id: str
    position: int
    start: int
    end: int


@dataclass
class IndexStore:
    """The loaded contents of an index folder.

    ``stamp`` is the manifest's ``manifest_stamp`` when this was loaded or committed (a
    server compares it to notice other writers); ``replaces`` marks a rebuild, which
    overwrites whatever the folder holds instead of building on it.
    """

    folder: Path
    manifest: Manifest
    articles: dict[str, Article]
    checksums: dict[str, str]
    signatures: dict[str, np.ndarray]
    groups: dict[str, str]
    chunks: list[StoredChunk]
    vectors: VectorIndex
    lexical: LexicalIndex
    stamp: tuple | None = field(default=None, compare=False)
    replaces: bool = field(default=False, compare=False)

    @classmethod
    def create(
        cls, folder: Path, encoder: EncoderInfo, settings: ChunkerSettings, replaces: bool = False
    ) -> IndexStore:
        """An empty, unsaved index (``commit`` writes it); ``replaces`` for a rebuild."""
        manifest = Manifest(encoder=encoder, chunker=settings.to_dict())
        empty = LexicalIndex.build([])
        return cls(
            Path(folder),
            manifest,
            {},
            {},
            {},
            {},
            [],
            VectorIndex(encoder.dim),
            empty,
            replaces=replaces,
        )

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
        verify_checksums(folder, manifest)
        try:
            articles, checksums, groups = read_articles(folder / manifest.files["articles"])
            chunks = [
                StoredChunk(**json.loads(line))
                for line in read_lines(folder / manifest.files["chunks"])
            ]
            sig_array = np.load(folder / manifest.files["signatures"])
            vectors = VectorIndex.load(folder / manifest.files["vectors"], manifest.encoder.dim)
            lexical = LexicalIndex.load(folder / manifest.files["bm25"], len(chunks))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise IndexFolderError(
                f"{folder}: index files are missing or corrupt ({exc}); {rebuild_hint(folder)}"
            ) from exc
        counts = dict(articles=len(articles), chunks=len(chunks), signatures=len(sig_array))
        check_counts(folder, manifest, {**counts, "vectors": len(vectors), "bm25": lexical.rows})
        vids = np.array([c.vid for c in chunks], dtype=np.int64)
        check_links(folder, vids, vectors.ids(), _bad_spans(chunks, articles))
        signatures = dict(zip(articles, sig_array, strict=True))
        return cls(
            folder,
            manifest,
            articles,
            checksums,
            signatures,
            groups,
            chunks,
            vectors,
            lexical,
            stamp=stamp,
        )

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
            setattr(self, f.name, getattr(fresh, f.name))
        return True

    @property
    def settings(self) -> ChunkerSettings:
        return ChunkerSettings(**{k: v for k, v in self.manifest.chunker.items() if k != "kind"})

    def chunk(self, row: int) -> Chunk:
        """The full chunk record at BM25 row ``row``."""
        c = self.chunks[row]
        a = self.articles[c.doc_id]
        text = a.text[c.start : c.end]
        where = {"doc_id": c.doc_id, "position": c.position, "start": c.start, "end": c.end}
        return Chunk(**where, text=text, title=a.title, date=a.date, source=a.source)

    def commit(self) -> None:
        """Write a new generation of files, then switch the manifest to it atomically.

        Refuses (``IndexFolderError``) when another process committed since this store was
        loaded; a failed write (``IndexWriteError``) leaves the previous generation current
        and removes the partial files.
        """
        with index_lock(self.folder):
            on_disk = disk_generation(self.folder, strict=not self.replaces)
            if not self.replaces and on_disk != self.manifest.generation:
                raise IndexFolderError(
                    f"{self.folder} was changed by another process (generation "
                    f"{self.manifest.generation} -> {on_disk}) since this change started; "
                    "nothing was written. Run the command again."
                )
            base = replace(self.manifest, generation=max(on_disk, self.manifest.generation))
            new = base.next(articles=len(self.articles), chunks=len(self.chunks))
            new = replace(
                new, files={**new.files, "signatures": f"signatures-{new.generation:06d}.npy"}
            )
            self.manifest = self._write_generation(new)
            self.stamp, self.replaces = manifest_stamp(self.folder), False
            remove_superseded(self.folder, self.manifest)

    def _write_generation(self, new: Manifest) -> Manifest:
        """Write ``new``'s files and manifest; on failure remove them and explain."""
        try:
            sums = self._write_files(new)
            new = replace(new, checksums=sums)
            write_manifest(self.folder, new)
        except (OSError, RuntimeError) as exc:
            if disk_generation(self.folder, strict=False) == new.generation:
                return new  # switched; only the folder's fsync after the rename failed
            discard(self.folder, new)
            raise IndexWriteError(
                write_failure(self.folder, exc, articles_on_disk(self.folder))
            ) from exc
        return new

    def _write_files(self, m: Manifest) -> dict[str, str]:
        """Write and fsync generation ``m``'s data files; their sha256 by relative path."""
        f = self.folder
        f.mkdir(parents=True, exist_ok=True)
        write_lines(
            f / m.files["articles"], (self._article_record(a) for a in self.articles.values())
        )
        write_lines(f / m.files["chunks"], (asdict(c) for c in self.chunks))
        sigs = [self.signatures[i] for i in self.articles]
        with open(f / m.files["signatures"], "wb") as fh:
            np.save(fh, np.stack(sigs) if sigs else np.zeros((0, 128), dtype=np.uint64))
        self.vectors.save(f / m.files["vectors"])
        self.lexical.save(f / m.files["bm25"])
        return seal_all(f, sorted(m.files.values()))

    def _article_record(self, a: Article) -> dict:
        return {**asdict(a), "checksum": self.checksums[a.id], "group": self.groups.get(a.id, a.id)}

    def regroup(self, touched: set[str]) -> None:
        """Update near-duplicate groups after ``touched`` articles were added or removed."""
        self.groups = update_groups(self.groups, self.signatures, touched)


def changed_on_disk(store: IndexStore, ignore: tuple | None = None) -> tuple | None:
    """The manifest's new stamp if a commit replaced it since ``store`` was loaded, else None.

    One ``stat``: cheap enough to call before every search. ``ignore`` is a stamp known to
    be unusable (not reloaded again and again).
    """
    stamp = manifest_stamp(store.folder)
    return stamp if stamp not in (None, store.stamp, ignore) else None


def _bad_spans(chunks: list[StoredChunk], articles: dict[str, Article]) -> int:
    """How many chunks name an article that is not there, or a span past its text."""
    return sum(
        1
        for c in chunks
        if c.doc_id not in articles or not 0 <= c.start <= c.end <= len(articles[c.doc_id].text)
    )
