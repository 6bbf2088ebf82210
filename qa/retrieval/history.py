"""A conversation's questions made standalone: the search query for a follow-up.

>>> from qa.retrieval.retriever import analyse
>>> standalone(analyse("Còn với Quảng Châu thì sao?"),
...            [{"role": "user", "content": "Hà Nội hợp tác với Viêng Chăn ra sao?"}]).text
'Hà Nội hợp tác với Quảng Châu ra sao?'
"""

from __future__ import annotations

from collections.abc import Iterable

from qa.records.answer import Turn
from qa.records.question import Question
from qa.retrieval.condense import condense
from qa.retrieval.retriever import QueryError, analyse

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


def standalone(question: Question, history: Iterable[Turn | dict] | None) -> Question:
    """What to search for ``question`` asked after ``history``: ``question`` itself, or
    the standalone question a follow-up stands for (``follow_up=True``), analysed once.
    ``QueryError`` for an unusable history.

    >>> q = standalone(analyse("Còn với Quảng Châu thì sao?"),
    ...                [{"role": "user", "content": "Hà Nội hợp tác với Viêng Chăn ra sao?"}])
    >>> q.text, q.follow_up
    ('Hà Nội hợp tác với Quảng Châu ra sao?', True)
    """
    query = condense(question.text, standalone_questions(_turns(history)))
    return question if query == question.text else analyse(query, follow_up=True)


def standalone_questions(history: list[Turn]) -> list[str]:
    """Each earlier user question made standalone, in order.

    >>> standalone_questions([
    ...     Turn(role="user", content="Hà Nội hợp tác với Viêng Chăn ra sao?"),
    ...     Turn(role="assistant", content="..."),
    ...     Turn(role="user", content="Còn Quảng Châu?"),
    ... ])
    ['Hà Nội hợp tác với Viêng Chăn ra sao?', 'Hà Nội hợp tác với Quảng Châu ra sao?']
    """
    done: list[str] = []
    for turn in history:
        if turn.role == "user" and turn.content.strip():
            done.append(condense(" ".join(turn.content.split()), done))
    return done
