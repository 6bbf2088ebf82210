"""Retrieval and cited answers over an index of articles.

``import qa`` is cheap: the retriever and its heavy dependencies load on first use.

>>> from qa import Answerer, Retriever, Hit, Filters   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answer import Answer, Delta, Turn
    from qa.answerer import Answerer
    from qa.hit import Filters, Hit
    from qa.retriever import QueryError, Retriever

__all__ = ["Answer", "Answerer", "Delta", "Filters", "Hit", "QueryError", "Retriever", "Turn"]

_HOMES = {
    "Answer": "qa.answer",
    "Answerer": "qa.answerer",
    "Delta": "qa.answer",
    "Turn": "qa.answer",
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
