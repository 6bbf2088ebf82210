"""Where indexes live, and opening or creating one for a given encoder.

The default index sits in ``$HOIDAP_CACHE/index`` (``~/.cache/hoidap/index``), or wherever
``HOIDAP_INDEX`` points, and is built from the bundled articles on first use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from corpus.bundled import seeds_dir
from corpus.chunk import ChunkerSettings
from embeddings.ingest import Progress, ingest
from embeddings.manifest import FORMAT_VERSION, MANIFEST, EncoderInfo
from embeddings.store import IndexStore


def default_index_dir() -> Path:
    from embeddings.encoder import default_cache_dir

    return Path(os.environ.get("HOIDAP_INDEX") or default_cache_dir() / "index")


def open_index(folder: Path, encoder, rebuild: bool = False) -> IndexStore:
    """Load ``folder`` checking the encoder, or start an empty index there."""
    info = EncoderInfo.of(encoder)
    if rebuild or not (folder / MANIFEST).exists():
        # Not a rebuild: a first commit still builds on what another writer commits first.
        return IndexStore.create(folder, info, ChunkerSettings(), replaces=rebuild)
    store = IndexStore.load(folder)
    store.manifest.check_encoder(info, folder)
    return store


def ensure_default_index(folder: Path, encoder, progress: Progress | None = None) -> None:
    """Build the default index over the bundled articles if it does not exist yet."""
    from corpus.readers import read_paths

    stale = outdated(folder)
    if (folder / MANIFEST).exists() and not stale:
        return
    say = progress or (lambda _msg: None)
    why = "rebuilding it in the current format" if stale else "from the bundled articles"
    say(f"Building the default index in {folder} {why}...")
    report = read_paths([seeds_dir()])
    ingest(open_index(folder, encoder, rebuild=stale), report.articles, encoder, say)


def outdated(folder: Path) -> bool:
    """Whether ``folder`` holds an index in another format than this hoidap writes: a cache
    this program built itself (the default index, an evaluation's) is then rebuilt."""
    import json

    if not (folder / MANIFEST).exists():
        return False
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return raw.get("format_version") != FORMAT_VERSION
    except (OSError, ValueError, AttributeError):
        return False  # unreadable: loading it says so


@dataclass(frozen=True, kw_only=True)
class ArticleRow:
    """One line of an article list: ``group`` is the near-duplicate group's first id."""

    id: str
    title: str
    date: str | None
    source: str | None
    group: str
    chars: int


def list_articles(store: IndexStore) -> list[ArticleRow]:
    """Every article of an index, oldest first (undated first), with its duplicate group.

    Read from the segments' metadata (no article text is loaded)."""
    rows = []
    for seg_index, seg in enumerate(store.segments):
        for row, doc_id, title, date, source, chars in seg.db.meta():
            if store.rows.where.get(doc_id) == (seg_index, row):  # live, not tombstoned
                group = store.groups.get(doc_id, doc_id)
                rows.append(
                    ArticleRow(
                        id=doc_id, title=title, date=date, source=source, group=group, chars=chars
                    )
                )
    return sorted(rows, key=lambda a: (a.date or "", a.id))
