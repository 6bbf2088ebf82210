"""Records that cross module boundaries: an ingested article and one of its chunks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Article:
    """A cleaned, normalized article.

    ``text`` is the cleaned body (lead and paragraphs, separated by blank lines); every
    chunk span points into it.

    >>> a = Article(id="a1", title="Tiêu đề", text="Đoạn một.")
    >>> a.checksum == Article(id="a1", title="Tiêu đề", text="Đoạn một.").checksum
    True
    """

    id: str
    title: str
    text: str
    date: str | None = None  # ISO "YYYY-MM-DD"
    url: str | None = None
    source: str | None = None  # outlet, e.g. "thoidai.com.vn"
    author: str | None = None
    path: str | None = None  # where it was read from, for messages only

    @property
    def checksum(self) -> str:
        """Content hash: an article whose hash did not change is not re-ingested."""
        h = hashlib.sha256()
        for part in (self.id, self.title, self.text, self.date, self.url, self.source, self.author):
            h.update((part or "").encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class Chunk:
    """A passage of an article: ``article.text[start:end] == chunk.text`` always holds.

    >>> Chunk(doc_id="a1", position=0, text="Đoạn", start=0, end=4, title="T").chunk_id
    'a1#0'
    """

    doc_id: str
    position: int
    text: str
    start: int
    end: int
    title: str = ""
    date: str | None = None
    source: str | None = None

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}#{self.position}"


@dataclass(frozen=True, kw_only=True)
class ReadError:
    """A file (or line of a file) that could not be ingested, and why."""

    path: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReadReport:
    """What a batch read produced: the articles, and the files that were skipped."""

    articles: tuple[Article, ...] = ()
    errors: tuple[ReadError, ...] = field(default_factory=tuple)
