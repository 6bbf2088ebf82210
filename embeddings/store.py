"""An index on disk: articles, chunks, FAISS vectors and BM25, behind one manifest.

Folder layout (``<gen>`` = generation number, bumped by every change)::

    manifest.json                 format version, encoder, chunker settings, counts, files
    articles-<gen>.jsonl          one cleaned article per line (text, metadata, checksum, group)
    chunks-<gen>.jsonl            one chunk per line: vector id, article id, position, span
    signatures-<gen>.npy          MinHash signatures, in article order (near-duplicates)
    vectors-<gen>.faiss           normalized passage vectors keyed by the chunk's vector id
    bm25-<gen>/                   bm25s indexes (accented and folded), in chunk order

Writes go to new generation files and the manifest is replaced last, so a crash or kill
mid-ingest leaves the previous index loadable.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from corpus.article import Article, Chunk
from corpus.chunk import ChunkerSettings
from corpus.dedup import update_groups
from embeddings.lexical import LexicalIndex
from embeddings.manifest import (
    MANIFEST,
    EncoderInfo,
    IndexFolderError,
    Manifest,
    read_manifest,
    write_manifest,
)
from embeddings.vectors import VectorIndex


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as kept in the index: its vector id and where its text lives."""

    vid: int
    doc_id: str
    position: int
    start: int
    end: int


@dataclass
class IndexStore:
    """The loaded contents of an index folder."""

    folder: Path
    manifest: Manifest
    articles: dict[str, Article]
    checksums: dict[str, str]
    signatures: dict[str, np.ndarray]
    groups: dict[str, str]
    chunks: list[StoredChunk]
    vectors: VectorIndex
    lexical: LexicalIndex

    @classmethod
    def create(cls, folder: Path, encoder: EncoderInfo, settings: ChunkerSettings) -> IndexStore:
        """An empty, unsaved index (``commit`` writes it)."""
        manifest = Manifest(encoder=encoder, chunker=settings.to_dict())
        empty = LexicalIndex.build([])
        return cls(Path(folder), manifest, {}, {}, {}, {}, [], VectorIndex(encoder.dim), empty)

    @classmethod
    def load(cls, folder: Path) -> IndexStore:
        """Load the index the manifest points at; refuses a corrupt or foreign folder."""
        folder = Path(folder)
        manifest = read_manifest(folder)
        try:
            articles, checksums, groups = _read_articles(folder / manifest.files["articles"])
            chunks = [
                StoredChunk(**json.loads(line))
                for line in _lines(folder / manifest.files["chunks"])
            ]
            sig_array = np.load(folder / manifest.files["signatures"])
            vectors = VectorIndex.load(folder / manifest.files["vectors"], manifest.encoder.dim)
            lexical = LexicalIndex.load(folder / manifest.files["bm25"], len(chunks))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise IndexFolderError(
                f"{folder}: index files are missing or corrupt ({exc}); "
                "rebuild with `hoidap ingest --rebuild`"
            ) from exc
        signatures = dict(zip(articles, sig_array, strict=True))
        return cls(
            folder, manifest, articles, checksums, signatures, groups, chunks, vectors, lexical
        )

    @property
    def settings(self) -> ChunkerSettings:
        return ChunkerSettings(**{k: v for k, v in self.manifest.chunker.items() if k != "kind"})

    def chunk(self, row: int) -> Chunk:
        """The full chunk record at BM25 row ``row``."""
        c = self.chunks[row]
        a = self.articles[c.doc_id]
        text = a.text[c.start : c.end]
        return Chunk(c.doc_id, c.position, text, c.start, c.end, a.title, a.date, a.source)

    def commit(self) -> None:
        """Write a new generation of files, then switch the manifest to it atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        new = self.manifest.next(articles=len(self.articles), chunks=len(self.chunks))
        new = replace(
            new, files={**new.files, "signatures": f"signatures-{new.generation:06d}.npy"}
        )
        self._write_files(new)
        write_manifest(self.folder, new)
        self.manifest = new
        _remove_superseded(self.folder, new)

    def _write_files(self, m: Manifest) -> None:
        f = self.folder
        _write_lines(
            f / m.files["articles"], (self._article_record(a) for a in self.articles.values())
        )
        _write_lines(f / m.files["chunks"], (asdict(c) for c in self.chunks))
        sigs = [self.signatures[i] for i in self.articles]
        with open(f / m.files["signatures"], "wb") as fh:
            np.save(fh, np.stack(sigs) if sigs else np.zeros((0, 128), dtype=np.uint64))
            _sync(fh)
        self.vectors.save(f / m.files["vectors"])
        self.lexical.save(f / m.files["bm25"])

    def _article_record(self, a: Article) -> dict:
        return {**asdict(a), "checksum": self.checksums[a.id], "group": self.groups.get(a.id, a.id)}

    def regroup(self, touched: set[str]) -> None:
        """Update near-duplicate groups after ``touched`` articles were added or removed."""
        self.groups = update_groups(self.groups, self.signatures, touched)


def _read_articles(path: Path) -> tuple[dict[str, Article], dict[str, str], dict[str, str]]:
    articles, checksums, groups = {}, {}, {}
    for line in _lines(path):
        raw = json.loads(line)
        checksums[raw["id"]] = raw.pop("checksum")
        groups[raw["id"]] = raw.pop("group")
        articles[raw["id"]] = Article(**raw)
    return articles, checksums, groups


def _lines(path: Path):
    with open(path, encoding="utf-8") as fh:
        yield from (line for line in fh if line.strip())


def _write_lines(path: Path, records) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        _sync(fh)


def _sync(fh) -> None:
    fh.flush()
    os.fsync(fh.fileno())


def _remove_superseded(folder: Path, current: Manifest) -> None:
    """Delete superseded files, and any debris a crashed write left behind."""
    keep = set(current.files.values()) | {MANIFEST}
    for entry in folder.iterdir():
        if entry.name in keep or entry.name.split("-")[0] not in _KINDS:
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


_KINDS = {"articles", "chunks", "signatures", "vectors", "bm25"}
