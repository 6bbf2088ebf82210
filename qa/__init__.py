"""Retrieval and cited answers over an index of articles.

``import qa`` is cheap: the retriever and its heavy dependencies load on first use.

>>> from qa import Answerer, Retriever, Hit, Filters   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answering.answerer import Answerer
    from qa.records.answer import Answer, Delta, Turn
    from qa.records.hit import Filters, Hit
    from qa.retrieval.retriever import QueryError, Retriever

__all__ = ["Answer", "Answerer", "Delta", "Filters", "Hit", "QueryError", "Retriever", "Turn"]

_HOMES = {
    "Answer": "qa.records.answer",
    "Answerer": "qa.answering.answerer",
    "Delta": "qa.records.answer",
    "Turn": "qa.records.answer",
    "Filters": "qa.records.hit",
    "Hit": "qa.records.hit",
    "QueryError": "qa.retrieval.retriever",
    "Retriever": "qa.retrieval.retriever",
}


def __getattr__(name: str):
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
