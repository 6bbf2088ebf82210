"""The answer records: what ``Answerer.ask`` returns and ``Answerer.stream`` yields.

>>> t = Turn("user", "Hà Lan đầu tư bao nhiêu?")
>>> Answer("q", "q", "Không tìm thấy.", (), True, "vi").to_dict()["refused"]
True
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

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


@dataclass(frozen=True)
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
        return cls(item["role"], item.get("content", ""))


@dataclass(frozen=True)
class Span:
    """Character offsets into a cleaned article: the part of a passage that supports a claim."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Answer:
    """A finished answer.

    ``citations[i]`` is the passage that marker ``[i+1]`` in ``text`` points to, and
    ``highlights[i]`` the exact characters of it the answer was read from. ``passages`` are
    all the passages the reader read.
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

    def cited_spans(self) -> list[Span | None]:
        """The highlight of each citation, in order (None where a citation has none)."""
        return list(self.highlights) + [None] * (len(self.citations) - len(self.highlights))

    def to_dict(self) -> dict:
        """The JSON form used by ``hoidap ask --json`` and the REST API."""
        return {
            "question": self.question,
            "query": self.query,
            "answer": self.text,
            "refused": self.refused,
            "language": self.language,
            "citations": [
                {**c.to_dict(), "highlight": [h.start, h.end] if h else None}
                for c, h in zip(self.citations, self.cited_spans(), strict=True)
            ],
            "passages": [p.to_dict() for p in self.passages],
            "timings": asdict(self.timings),
            "span": self.span,
            "p_no_answer": self.p_no_answer,
        }


@dataclass(frozen=True)
class Delta:
    """A piece of answer text, streamed as the generator writes it."""

    text: str


def final_answer(events) -> Answer:
    """The ``Answer`` at the end of a ``stream()`` of deltas."""
    for event in events:
        if isinstance(event, Answer):
            return event
    raise RuntimeError("the answer stream ended without an answer")  # pragma: no cover
