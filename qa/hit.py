"""The retrieval result record."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Hit:
    """One retrieved passage, best first in a result list.

    ``text == article_text[start:end]`` of the cleaned article ``doc_id``.

    >>> Hit("a", "a#0", "Đoạn", 0.5, "Tiêu đề", "2025-12-24", 0, 4).to_dict()["chunk_id"]
    'a#0'
    """

    doc_id: str
    chunk_id: str
    text: str
    score: float
    title: str
    date: str | None
    start: int
    end: int
    source: str | None = None
    dense: float = 0.0  # cosine similarity of the passage to the query
    lexical: float = 0.0  # BM25 score (accented or folded, by query)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on what may be retrieved.

    Dates are ISO ``YYYY-MM-DD`` strings; an article without a date is excluded only when a
    date range is given.

    >>> Filters(date_from="2025-01-01").allows("x", "2024-12-31", None)
    False
    """

    date_from: str | None = None
    date_to: str | None = None
    doc_ids: frozenset[str] | None = None
    sources: frozenset[str] | None = None

    def allows(self, doc_id: str, date: str | None, source: str | None) -> bool:
        if self.doc_ids is not None and doc_id not in self.doc_ids:
            return False
        if self.sources is not None and (source or "") not in self.sources:
            return False
        if self.date_from or self.date_to:
            if not date:
                return False
            if self.date_from and date < self.date_from:
                return False
            if self.date_to and date > self.date_to:
                return False
        return True

    @property
    def active(self) -> bool:
        return any(
            v is not None for v in (self.date_from, self.date_to, self.doc_ids, self.sources)
        )
