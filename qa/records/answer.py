"""The answer records: what ``Answerer.ask`` returns and ``Answerer.stream`` yields.

>>> t = Turn(role="user", content="Hà Lan đầu tư bao nhiêu?")
>>> a = Answer(question="q", query="q", text="Không tìm thấy.", citations=(), refused=True,
...            language="vi")
>>> a.refused
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.records.hit import Hit

# A citation marker in answer text: [1], [2, 3]; group 1 holds the numbers.
MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def markers(text: str) -> list[int]:
    """Every passage number cited in ``text``, in order, repeats included.

    >>> markers("A [1]. B [2, 3].")
    [1, 2, 3]
    """
    return [int(n) for m in MARKER.finditer(text) for n in re.split(r"[,;]", m.group(1))]


ROLES = ("system", "user", "assistant")


@dataclass(frozen=True, kw_only=True)
class Turn:
    """One message of a conversation, oldest first in a history list.

    >>> Turn.coerce({"role": "user", "content": "Chào"})
    Turn(role='user', content='Chào')
    """

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}; got {self.role!r}")
        if not isinstance(self.content, str):
            raise ValueError("history content must be text")

    @classmethod
    def coerce(cls, item: Turn | dict) -> Turn:
        if isinstance(item, Turn):
            return item
        if not isinstance(item, dict) or set(item) - {"role", "content"}:
            raise ValueError('each history item must be {"role": ..., "content": ...}')
        role = item.get("role")
        if role not in ("user", "assistant"):
            raise ValueError(f"history role must be 'user' or 'assistant', got {role!r}")
        return cls(role=item["role"], content=item.get("content", ""))


@dataclass(frozen=True, kw_only=True)
class Span:
    """Character offsets into a cleaned article: the part of a passage that supports a claim."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True, kw_only=True)
class Timings:
    """Where the time went, in milliseconds, plus the generator's token counts.

    ``prefill_tps`` is prompt tokens read per second; ``decode_tps`` new tokens per second
    after the first. ``reused_tokens`` of the prompt were not read: their KV state was kept
    from an earlier prompt that starts the same way (qa.generation.kvcache).
    """

    retrieve_ms: float = 0.0
    first_token_ms: float | None = None
    total_ms: float = 0.0
    prompt_tokens: int = 0
    new_tokens: int = 0
    prefill_tps: float | None = None
    decode_tps: float | None = None
    reused_tokens: int = 0
    read_ms: float = 0.0  # the reader over every retrieved passage


@dataclass(frozen=True, kw_only=True)
class Answer:
    """A finished answer.

    ``citations[i]`` is the passage that marker ``[i+1]`` in ``text`` points to, and
    ``highlights[i]`` the exact characters of it the answer was read from. ``passages`` are
    all the passages the reader read. Its public JSON form, versioned, is
    ``qa.interfaces.rest_models.AnswerOut``.
    """

    question: str
    query: str  # the standalone search query (differs from question for follow-ups)
    text: str
    citations: tuple[Hit, ...]
    refused: bool
    language: str
    highlights: tuple[Span, ...] = ()
    passages: tuple[Hit, ...] = ()
    timings: Timings = field(default_factory=Timings)
    span: str | None = None  # the reader's answer, verbatim; None when refused
    p_no_answer: float | None = None  # the reader's calibrated P(no answer in the passages)
    confidence: float | None = None  # calibrated P(the span is right); None when refused

    def cited_spans(self) -> list[Span | None]:
        """The highlight of each citation, in order (None where a citation has none)."""
        return list(self.highlights) + [None] * (len(self.citations) - len(self.highlights))


@dataclass(frozen=True, kw_only=True)
class Delta:
    """A piece of answer text, streamed as the generator writes it."""

    text: str


def final_answer(events) -> Answer:
    """The ``Answer`` at the end of a ``stream()`` of deltas."""
    for event in events:
        if isinstance(event, Answer):
            return event
    raise RuntimeError("the answer stream ended without an answer")  # pragma: no cover
