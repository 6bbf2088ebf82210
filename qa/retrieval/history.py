"""A conversation's questions made standalone: the search query for a follow-up.

>>> standalone_query("Còn với Quảng Châu thì sao?",
...                  [{"role": "user", "content": "Hà Nội hợp tác với Viêng Chăn ra sao?"}])
'Hà Nội hợp tác với Quảng Châu ra sao?'
"""

from __future__ import annotations

from collections.abc import Iterable

from qa.records.answer import Turn
from qa.retrieval.condense import condense
from qa.retrieval.retriever import QueryError, clean_query

MAX_HISTORY = 50  # turns kept: a follow-up needs the last few questions, not a whole log


def _turns(history: Iterable[Turn | dict] | None) -> list[Turn]:
    if history is None:
        return []
    if isinstance(history, str | bytes | dict):
        raise QueryError('history must be a list of {"role": ..., "content": ...} messages')
    try:
        turns = [Turn.coerce(item) for item in history]
    except (ValueError, TypeError) as exc:
        raise QueryError(f"bad history: {exc}") from None
    return turns[-MAX_HISTORY:]


def standalone_query(question: str, history: Iterable[Turn | dict] | None) -> str:
    """The search query for ``question`` asked after ``history`` (``QueryError`` if unusable).

    >>> standalone_query("Còn với Quảng Châu thì sao?",
    ...                  [{"role": "user", "content": "Hà Nội hợp tác với Viêng Chăn ra sao?"}])
    'Hà Nội hợp tác với Quảng Châu ra sao?'
    """
    return condense(clean_query(question), standalone_questions(_turns(history)))


def standalone_questions(history: list[Turn]) -> list[str]:
    """Each earlier user question made standalone, in order.

    >>> standalone_questions([Turn("user", "Hà Nội hợp tác với Viêng Chăn ra sao?"),
    ...                       Turn("assistant", "..."), Turn("user", "Còn Quảng Châu?")])
    ['Hà Nội hợp tác với Viêng Chăn ra sao?', 'Hà Nội hợp tác với Quảng Châu ra sao?']
    """
    done: list[str] = []
    for turn in history:
        if turn.role == "user" and turn.content.strip():
            done.append(condense(" ".join(turn.content.split()), done))
    return done
