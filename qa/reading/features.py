"""Question + passage -> model windows, with each token's character offsets.

A passage longer than ``max_len`` tokens is read in overlapping windows (``stride``
tokens of overlap), so every sentence is seen whole by at least one window. Offsets map
each context token back to the exact characters of the passage, which is how the answer
is cut verbatim and cited.

>>> w = Window(example=0, passage=0, input_ids=(0, 5, 2), context_offsets=((-1, -1),) * 3)
>>> w.length
3
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_LEN = 256
STRIDE = 96
MAX_QUESTION_TOKENS = 64
NO_OFFSET = (-1, -1)


@dataclass(frozen=True, kw_only=True)
class Window:
    """One model input: ``context_offsets[i]`` is token i's (start, end) in the passage,
    ``(-1, -1)`` for question and special tokens. ``start``/``end`` are training labels
    (token positions; 0, the ``<s>`` token, means "no answer in this window")."""

    example: int
    passage: int
    input_ids: tuple[int, ...]
    context_offsets: tuple[tuple[int, int], ...]
    start: int = 0
    end: int = 0

    @property
    def length(self) -> int:
        return len(self.input_ids)


def windows(
    tokenizer: Any,
    question: str,
    passages: Sequence[str],
    *,
    example: int = 0,
    max_len: int = MAX_LEN,
    stride: int = STRIDE,
) -> list[Window]:
    """Every window of every passage for one question (inference)."""
    out: list[Window] = []
    q_ids = _question_ids(tokenizer, question)
    for pi, passage in enumerate(passages):
        for ids, offs in _split(tokenizer, q_ids, passage, max_len, stride):
            out.append(Window(example=example, passage=pi, input_ids=ids, context_offsets=offs))
    return out


def training_window(
    tokenizer: Any,
    question: str,
    context: str,
    answer: tuple[int, int] | None,
    *,
    example: int = 0,
    max_len: int = MAX_LEN,
    stride: int = STRIDE,
) -> Window | None:
    """The labelled window to train on: the first holding the whole answer, or the first
    window of an unanswerable pair. ``None`` if the answer is in no window."""
    q_ids = _question_ids(tokenizer, question)
    for ids, offs in _split(tokenizer, q_ids, context, max_len, stride):
        if answer is None:
            return Window(example=example, passage=0, input_ids=ids, context_offsets=offs)
        span = _token_span(offs, *answer)
        if span is not None:
            return Window(
                example=example,
                passage=0,
                input_ids=ids,
                context_offsets=offs,
                start=span[0],
                end=span[1],
            )
    return None


def _question_ids(tokenizer: Any, question: str) -> list[int]:
    ids = tokenizer(question, add_special_tokens=False)["input_ids"]
    return ids[:MAX_QUESTION_TOKENS]


def _split(tokenizer: Any, q_ids: list[int], context: str, max_len: int, stride: int):
    enc = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)
    c_ids, c_offs = enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    head = [cls, *q_ids, sep, sep]  # XLM-R pair layout: <s> q </s></s> c </s>
    room = max(16, max_len - len(head) - 1)
    step = max(1, room - stride)
    begin = 0
    while True:
        chunk = slice(begin, begin + room)
        ids = (*head, *c_ids[chunk], sep)
        offs = (NO_OFFSET,) * len(head) + tuple(c_offs[chunk]) + (NO_OFFSET,)
        yield ids, offs
        if begin + room >= len(c_ids):
            return
        begin += step


def _token_span(offs: Sequence[tuple[int, int]], start: int, end: int):
    first = last = None
    for i, (a, b) in enumerate(offs):
        if a < 0 or b <= a:
            continue
        if first is None and a <= start < b:
            first = i
        if first is None and a >= start:
            first = i
        if a < end:
            last = i
    inside = [a for a, _ in offs if a >= 0]
    if first is None or last is None or last < first or not inside:
        return None
    if offs[first][0] > start or offs[last][1] < end:
        return None  # the answer runs past this window
    return first, last
