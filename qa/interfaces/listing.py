"""The article list in pages: searched by id, title or outlet, cached per index generation.

At 35,000 articles a listing must not re-read the metadata on every click: the rows (and,
on the first search, their folded search keys) are kept until the index changes (another
loaded store, a new commit). Searching is case- and diacritic-insensitive, every word of
the query must appear in the id, title or outlet.

>>> rows = [ArticleRow(id="a1", title="Đà Nẵng mở cửa", date=None, source="vnexpress.net",
...                    group="a1", chars=10)]
>>> page = ArticleListing().page_of(rows, "da nang", 0, 50)
>>> page.total, page.pages, page.page, [r.id for r in page.rows]
(1, 1, 1, ['a1'])
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corpus.normalize import fold_text
from qa.retrieval.indexes import ArticleRow

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_QUERY_CHARS = 500


class PageError(ValueError):
    """A page that cannot be asked for (a bad offset, limit or query); the message says why."""


@dataclass(frozen=True, kw_only=True)
class ArticlePage:
    """One page of the (searched) article list: ``total`` rows match ``query``, of
    ``indexed`` articles in the index; ``rows`` start at ``offset``, at most ``limit``."""

    rows: tuple[ArticleRow, ...]
    total: int
    offset: int
    limit: int
    query: str = ""
    indexed: int = 0

    @property
    def page(self) -> int:
        """1-based number of this page (1 for an empty list)."""
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        """How many pages the matching rows fill (at least 1)."""
        return max(1, -(-self.total // self.limit))

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.rows)
        return end if end < self.total else None

    @property
    def prev_offset(self) -> int | None:
        return None if self.offset == 0 else max(0, self.offset - self.limit)


def check_page(query: str, offset: int, limit: int) -> None:
    """``PageError`` unless ``offset`` >= 0, 1 <= ``limit`` <= MAX_LIMIT and the query is short.

    >>> check_page("", 0, 501)
    Traceback (most recent call last):
    qa.interfaces.listing.PageError: limit must be between 1 and 500, got 501
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise PageError(f"limit must be between 1 and {MAX_LIMIT}, got {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise PageError(f"offset must be 0 or more, got {offset!r}")
    if len(query or "") > MAX_QUERY_CHARS:
        raise PageError(f"the search text is over {MAX_QUERY_CHARS} characters")


def search_key(row: ArticleRow) -> str:
    """What a search looks in: id, title and outlet, folded (lower case, no diacritics)."""
    return fold_text(f"{row.id} {row.title} {row.source or ''}")


class ArticleListing:
    """The rows of the index last listed, until it changes; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._store = None  # a weak reference: an old index must not be kept alive
        self._version: tuple | None = None
        self._rows: tuple[ArticleRow, ...] = ()
        self._keys: tuple[str, ...] | None = None
        self.reads = 0  # how often the metadata was read (tests check the cache works)

    def rows(self, store, read: Callable[[object], Sequence[ArticleRow]]) -> tuple:
        """``read(store)``'s rows, read again only for another store or a new commit."""
        version = (getattr(store, "stamp", None), _generation(store))
        with self._lock:
            if self._store is None or self._store() is not store or self._version != version:
                self._rows, self._keys = tuple(read(store)), None
                self._store, self._version = weakref.ref(store), version
                self.reads += 1
            return self._rows

    def page(self, store, read, query: str = "", offset: int = 0, limit: int = DEFAULT_LIMIT):
        """One ``ArticlePage`` of the store's articles matching ``query``."""
        check_page(query, offset, limit)
        return self.page_of(self.rows(store, read), query, offset, limit)

    def page_of(self, rows: Sequence[ArticleRow], query: str, offset: int, limit: int):
        check_page(query, offset, limit)
        words = fold_text(query or "").split()
        matching = rows
        if words:
            keys = self._search_keys(rows)
            matching = [r for r, k in zip(rows, keys, strict=True) if all(w in k for w in words)]
        return ArticlePage(
            rows=tuple(matching[offset : offset + limit]),
            total=len(matching),
            offset=offset,
            limit=limit,
            query=(query or "").strip(),
            indexed=len(rows),
        )

    def _search_keys(self, rows: Sequence[ArticleRow]) -> tuple[str, ...]:
        with self._lock:
            if rows is self._rows and self._keys is not None:
                return self._keys
        keys = tuple(search_key(r) for r in rows)  # folded once per generation
        with self._lock:
            if rows is self._rows:
                self._keys = keys
        return keys


def _generation(store) -> int | None:
    manifest = getattr(store, "manifest", None)
    return getattr(manifest, "generation", None)
