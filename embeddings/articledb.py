"""A segment's articles in SQLite: text and metadata on disk, read one article at a time.

An index of 35,000 articles holds ~94 M characters of text; keeping it in RAM cost the
server hundreds of MB for text it reads a few passages of per question. SQLite is in the
standard library, reads one row by primary key in microseconds, answers the date and
outlet filters with a query, and a segment's file is written once and then only read.

>>> import tempfile; from corpus.article import Article
>>> path = Path(tempfile.mkdtemp()) / "articles.sqlite"
>>> write_articles(path, [Article(id="a", title="T", text="Hà Nội")])
>>> db = ArticleDB(path); db.article(0).text, db.ids()
('Hà Nội', ['a'])
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

from corpus.article import Article

_FIELDS = ("id", "title", "text", "date", "url", "source", "author", "path")
_SCHEMA = f"""
CREATE TABLE articles (row INTEGER PRIMARY KEY, {", ".join(f"{f} TEXT" for f in _FIELDS)},
                       checksum TEXT NOT NULL);
CREATE UNIQUE INDEX articles_id ON articles(id);
"""


def write_articles(path: Path, articles: Iterable[Article]) -> None:
    """Write ``articles`` in order (row 0, 1, ...) into a new database file."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        rows = ((i, *_values(a), a.checksum) for i, a in enumerate(articles))
        marks = ", ".join("?" * (len(_FIELDS) + 2))
        con.executemany(f"INSERT INTO articles VALUES ({marks})", rows)
        con.commit()
    finally:
        con.close()


def _values(a: Article) -> tuple:
    record = asdict(a)
    return tuple(record[f] for f in _FIELDS)


class ArticleDB:
    """Read-only access to one segment's articles, shared by threads (one lock)."""

    def __init__(self, path: Path):
        self.path = path
        uri = f"file:{path}?mode=ro&immutable=1"  # written once: no locking, no journal
        self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            with self._lock:
                return self._con.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path}: {exc}") from exc

    def count(self) -> int:
        return self._all("SELECT count(*) FROM articles")[0][0]

    def ids(self) -> list[str]:
        """Article ids by row."""
        return [r[0] for r in self._all("SELECT id FROM articles ORDER BY row")]

    def checksums(self) -> list[str]:
        return [r[0] for r in self._all("SELECT checksum FROM articles ORDER BY row")]

    def article(self, row: int) -> Article:
        found = self._all(f"SELECT {', '.join(_FIELDS)} FROM articles WHERE row = ?", (row,))
        if not found:
            raise KeyError(row)
        return Article(**dict(zip(_FIELDS, found[0], strict=True)))

    def articles(self, rows: Iterable[int] | None = None) -> Iterator[Article]:
        """Articles in row order (all of them, or those of ``rows``), streamed in pages."""
        wanted = None if rows is None else {int(r) for r in rows}
        last = -1
        while True:
            page = self._all(
                f"SELECT row, {', '.join(_FIELDS)} FROM articles WHERE row > ? "
                "ORDER BY row LIMIT 500",
                (last,),
            )
            if not page:
                return
            for row, *values in page:
                if wanted is None or row in wanted:
                    yield Article(**dict(zip(_FIELDS, values, strict=True)))
            last = page[-1][0]

    def meta(self) -> list[tuple]:
        """(row, id, title, date, source, characters) of every article, by row."""
        return self._all(
            "SELECT row, id, title, date, source, length(text) FROM articles ORDER BY row"
        )

    def select(self, date_from: str | None, date_to: str | None, sources) -> list[int]:
        """Rows whose date lies in the range (undated ones only without a range) and whose
        outlet is one of ``sources`` (any when None)."""
        where, args = ["1"], []
        if date_from or date_to:
            where.append("date IS NOT NULL")
        if date_from:
            where.append("date >= ?")
            args.append(date_from)
        if date_to:
            where.append("date <= ?")
            args.append(date_to)
        if sources is not None:
            where.append(f"coalesce(source, '') IN ({', '.join('?' * len(sources))})")
            args += sorted(sources)
        sql = f"SELECT row FROM articles WHERE {' AND '.join(where)} ORDER BY row"
        return [r[0] for r in self._all(sql, tuple(args))]

    def close(self) -> None:
        with self._lock:
            self._con.close()
