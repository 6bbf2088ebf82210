"""Retrieval (and, later, answering) over an index of articles.

``import qa`` is cheap: the retriever and its heavy dependencies load on first use.

>>> from qa import Retriever, Hit, Filters   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.hit import Filters, Hit
    from qa.retriever import QueryError, Retriever

__all__ = ["Filters", "Hit", "QueryError", "Retriever"]

_HOMES = {
    "Filters": "qa.hit",
    "Hit": "qa.hit",
    "QueryError": "qa.retriever",
    "Retriever": "qa.retriever",
}


def __getattr__(name: str):
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
