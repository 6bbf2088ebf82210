"""The retrieval records: what a search may be restricted to (``Filters``), what it finds
(``Hit``), and ``QueryError`` for a request that cannot be searched."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as _date

# ASCII digits only: ``\\d`` also matches Arabic-Indic and full-width digits, which
# ``date.fromisoformat`` would then reject with a less helpful message.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SEARCH_MAX_K = 100  # passages one search returns
ANSWER_MAX_K = 50  # passages read per answer: more only slows the reader (REST allows 50)


class QueryError(ValueError):
    """A query that cannot be searched (empty, too long, not text, a bad ``k`` or filter)."""


class FilterError(QueryError):
    """A filter that cannot be applied: a date that is not a real ``YYYY-MM-DD`` date, a
    range that ends before it starts, ids or outlets that are not a collection of text."""


def _short(value: object, n: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= n else text[:n] + "…"


def check_date(value: object, name: str = "") -> str:
    """``value`` if it is a real ISO date, else a ``FilterError`` saying how to write it.

    >>> check_date("2025-12-24")
    '2025-12-24'
    >>> try:
    ...     check_date("2025-13-45", "--from")
    ... except FilterError as exc:
    ...     print(exc)
    --from: '2025-13-45' is not a real date (month 1-12, day within the month)
    """
    label = f"{name}: " if name else ""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise FilterError(
            f"{label}dates are written YYYY-MM-DD, e.g. 2025-12-24; got {_short(value)}"
        )
    try:
        _date.fromisoformat(value)
    except ValueError:
        raise FilterError(
            f"{label}{_short(value)} is not a real date (month 1-12, day within the month)"
        ) from None
    return value


def check_k(k: object, most: int) -> int:
    """``k`` if it is a whole number from 1 to ``most``, else a ``QueryError``.

    >>> check_k(5, 100)
    5
    >>> try:
    ...     check_k("5", 100)
    ... except QueryError as exc:
    ...     print(exc)
    k must be a whole number from 1 to 100, got '5'
    """
    # bool is an int subclass: k=True would silently mean 1.
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= most:
        raise QueryError(f"k must be a whole number from 1 to {most}, got {_short(k)}")
    return k


def _names(value: object, name: str) -> frozenset[str] | None:
    """``None``, or ``value`` as a frozenset of strings; a lone string is refused, since
    iterating it would give its characters ("abc" -> {"a", "b", "c"})."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise FilterError(
            f"{name} must be a collection of strings (a list or set, even for one), "
            f"not {type(value).__name__} {_short(value)}"
        )
    items = list(value)  # checked before hashing: [["a"]] would fail as "unhashable"
    bad = [v for v in items if not isinstance(v, str)]
    if bad:
        raise FilterError(f"{name} must hold strings, not {type(bad[0]).__name__} {_short(bad[0])}")
    return frozenset(items)


@dataclass(frozen=True, kw_only=True)
class Hit:
    """One retrieved passage, best first in a result list.

    ``text == article_text[start:end]`` of the cleaned article ``doc_id``. Its public JSON
    form, scores left out, is ``qa.interfaces.rest_models.PassageOut``.

    >>> h = Hit(doc_id="a", chunk_id="a#0", text="Đoạn", score=0.5, title="Tiêu đề",
    ...         date="2025-12-24", start=0, end=4)
    >>> h.chunk_id, h.end - h.start == len(h.text)
    ('a#0', True)
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


@dataclass(frozen=True, kw_only=True)
class Filters:
    """Optional restrictions on what may be retrieved, checked when made (``FilterError``).

    Dates are real ISO ``YYYY-MM-DD`` dates, ``date_from <= date_to``; an article without
    a date is excluded only when a date range is given. ``doc_ids`` and ``sources`` take
    any collection of strings and are kept as frozensets.

    >>> Filters(date_from="2025-01-01").allows("x", "2024-12-31", None)
    False
    >>> Filters(doc_ids=["a", "b"]).doc_ids == frozenset({"a", "b"})
    True
    """

    date_from: str | None = None
    date_to: str | None = None
    doc_ids: frozenset[str] | None = None
    sources: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            if getattr(self, name) is not None:
                check_date(getattr(self, name), name)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise FilterError(
                f"date_from ({self.date_from}) is after date_to ({self.date_to}): "
                "nothing could match; swap them"
            )
        # frozen: the normalized collections are set the way dataclasses set fields
        object.__setattr__(self, "doc_ids", _names(self.doc_ids, "doc_ids"))
        object.__setattr__(self, "sources", _names(self.sources, "sources"))

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
