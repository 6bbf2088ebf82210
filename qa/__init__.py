"""Retrieval and cited answers over an index of articles.

``import qa`` is cheap: the retriever and its heavy dependencies load on first use.

>>> from qa import Answerer, HybridRetriever, Hit, Filters   # doctest: +SKIP

``Retriever`` is the retriever protocol (``HybridRetriever`` meets it) and ``Question`` the
analysed question the retriever and the reader are given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answering.answerer import Answerer
    from qa.records.answer import Answer, Delta, Turn
    from qa.records.hit import Filters, Hit
    from qa.records.question import Question
    from qa.retrieval.retriever import HybridRetriever, QueryError, Retriever

__all__ = [
    "Answer",
    "Answerer",
    "Delta",
    "Filters",
    "Hit",
    "HybridRetriever",
    "QueryError",
    "Question",
    "Retriever",
    "Turn",
]

_HOMES = {
    "Answer": "qa.records.answer",
    "Answerer": "qa.answering.answerer",
    "Delta": "qa.records.answer",
    "Turn": "qa.records.answer",
    "Filters": "qa.records.hit",
    "Hit": "qa.records.hit",
    "HybridRetriever": "qa.retrieval.retriever",
    "Question": "qa.records.question",
    "QueryError": "qa.retrieval.retriever",
    "Retriever": "qa.retrieval.retriever",
}


def __getattr__(name: str):
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
