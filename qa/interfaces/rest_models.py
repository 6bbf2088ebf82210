"""The REST API's request bodies, its versioned response schema (also what ``--json`` prints),
and turning pydantic's errors into one readable line.

>>> AskIn(question="Hà Lan đầu tư bao nhiêu?", k=3).k
3
>>> AskIn(question="Ai?").extractive, AskIn(question="Ai?", extractive=True).extractive
(False, True)
>>> FiltersIn(date_from="2025-01-01", doc_ids=["hl"]).to_filters().doc_ids
frozenset({'hl'})
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, model_validator

from qa.records.answer import Answer
from qa.records.hit import Filters, Hit

MAX_TEXT_CHARS = 100_000  # a hard cap on what is even read; clean_query explains shorter limits
MAX_HISTORY_ITEMS = 200  # the answerer keeps the last 50; more is a client bug, not a chat
MAX_LIST_ITEMS = 10_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _short(value: str, n: int = 40) -> str:
    return repr(value if len(value) <= n else value[:n] + "...")


def _iso_date(value: str) -> str:
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(f"dates must be written YYYY-MM-DD, got {_short(value)}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{_short(value)} is not a real date") from None
    return value


Text = Annotated[StrictStr, Field(max_length=MAX_TEXT_CHARS)]
IsoDate = Annotated[StrictStr, AfterValidator(_iso_date)]
Names = Annotated[list[StrictStr], Field(max_length=MAX_LIST_ITEMS)]
K = Annotated[int, Field(ge=1, le=50, description="how many passages to retrieve")]


class _Strict(BaseModel):
    # A misspelt field ("questoin", "top_k") must fail loudly, not be silently ignored.
    model_config = ConfigDict(extra="forbid")


class FiltersIn(_Strict):
    """Restrictions on what may be retrieved; every field optional."""

    date_from: IsoDate | None = Field(None, examples=["2025-01-01"])
    date_to: IsoDate | None = Field(None, examples=["2025-12-31"])
    doc_ids: Names | None = None
    sources: Names | None = Field(None, examples=[["thoidai.com.vn"]])

    @model_validator(mode="after")
    def _ordered(self) -> FiltersIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from ({self.date_from}) is after date_to ({self.date_to})")
        return self

    def to_filters(self) -> Filters:
        return Filters(
            date_from=self.date_from,
            date_to=self.date_to,
            doc_ids=None if self.doc_ids is None else frozenset(self.doc_ids),
            sources=None if self.sources is None else frozenset(self.sources),
        )


class Message(_Strict):
    """One earlier turn of the conversation, oldest first."""

    role: Literal["user", "assistant"]
    content: Text


History = Annotated[list[Message], Field(max_length=MAX_HISTORY_ITEMS)]


class SearchIn(_Strict):
    query: Text = Field(examples=["Hà Lan đầu tư bao nhiêu vào Hà Nội?"])
    k: K = 5
    filters: FiltersIn | None = None
    history: History | None = None


class AskIn(_Strict):
    question: Text = Field(examples=["Hà Lan đã đầu tư bao nhiêu vào Hà Nội?"])
    history: History | None = None
    k: K = 5
    filters: FiltersIn | None = None
    stream: bool = Field(False, description="answer as server-sent events")
    extractive: bool = Field(
        False,
        description="answer with the reader's span alone (verbatim from the article, plus its "
        "citation marker), without the generator's sentence around it",
    )


# --- responses: the public JSON schema ---------------------------------------------------
# One place for what /api/ask, /api/search, the SSE ``answer`` event and ``hoidap ask|search
# --json`` publish (docs/api.md lists it). Raise SCHEMA_VERSION when a field is removed,
# renamed or changes meaning; adding a field does not. ``debug`` is outside the contract.
SCHEMA_VERSION = 1
_VERSION = Field(SCHEMA_VERSION, description="the version of this response schema")


class PassageOut(BaseModel):
    """A passage of a cleaned article: ``text == article_text[start:end]``."""

    doc_id: str
    chunk_id: str
    title: str
    date: str | None = Field(description="YYYY-MM-DD, or null when the article has none")
    source: str | None = Field(description="the outlet, e.g. thoidai.com.vn")
    start: int
    end: int
    text: str

    @classmethod
    def of(cls, hit: Hit, **more):
        """The public fields of ``hit``; ``more`` fills a subclass's own fields."""
        return cls(**{name: getattr(hit, name) for name in PassageOut.model_fields}, **more)


class CitationOut(PassageOut):
    """The passage that marker ``[n]`` in the answer points to (``citations[n-1]``)."""

    highlight: tuple[int, int] | None = Field(
        description="[start, end] of the answer's words in the whole article"
    )


class TimingsOut(BaseModel):
    """Where the time went, in milliseconds, and the generator's token counts."""

    retrieve_ms: float
    read_ms: float
    first_token_ms: float | None
    total_ms: float
    prompt_tokens: int
    new_tokens: int
    reused_tokens: int
    prefill_tps: float | None
    decode_tps: float | None


class ScoresOut(BaseModel):
    """How one passage was ranked: fused ``score``, cosine ``dense``, BM25 ``lexical``."""

    chunk_id: str
    score: float
    dense: float
    lexical: float


class DebugOut(BaseModel):
    """Internal scores, for tuning and bug reports: they may change without a new version."""

    scores: list[ScoresOut] = Field(description="one per passage (or hit), in the same order")
    p_no_answer: float | None = Field(
        None, description="the reader's calibrated P(no answer in the passages)"
    )
    confidence: float | None = Field(
        None, description="calibrated P(the answer's span is right); null when refused"
    )


def _scores(hits) -> list[ScoresOut]:
    return [
        ScoresOut(chunk_id=h.chunk_id, score=h.score, dense=h.dense, lexical=h.lexical)
        for h in hits
    ]


class SearchOut(BaseModel):
    """``POST /api/search`` and ``hoidap search --json``: the passages found, best first.

    >>> SearchOut.of("Hà Nội?", []).model_dump()["schema_version"]
    1
    """

    schema_version: int = _VERSION
    query: str = Field(description="the query as given")
    hits: list[PassageOut]
    debug: DebugOut

    @classmethod
    def of(cls, query: str, hits) -> SearchOut:
        passages = [PassageOut.of(h) for h in hits]
        return cls(query=query, hits=passages, debug=DebugOut(scores=_scores(hits)))


class AnswerOut(BaseModel):
    """``POST /api/ask``, its SSE ``answer`` event and ``hoidap ask --json``.

    >>> a = Answer(question="Ai?", query="Ai?", text="Không tìm thấy.", citations=(),
    ...            refused=True, language="vi", p_no_answer=1.0)
    >>> d = AnswerOut.of(a).model_dump()
    >>> d["schema_version"], d["refused"], d["debug"]["p_no_answer"]
    (1, True, 1.0)
    """

    schema_version: int = _VERSION
    question: str
    query: str = Field(description="the standalone question searched (differs for follow-ups)")
    answer: str = Field(description="the answer text, with citation markers [n]")
    refused: bool = Field(description="true when the articles do not hold the answer")
    language: str = Field(description="vi or en: the language of the question and answer")
    span: str | None = Field(description="the reader's answer, verbatim; null when refused")
    citations: list[CitationOut]
    passages: list[PassageOut] = Field(description="every passage the reader read")
    timings: TimingsOut
    debug: DebugOut

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        cited = zip(answer.citations, answer.cited_spans(), strict=True)
        citations = [
            CitationOut.of(c, highlight=None if h is None else (h.start, h.end)) for c, h in cited
        ]
        return cls(
            question=answer.question,
            query=answer.query,
            answer=answer.text,
            refused=answer.refused,
            language=answer.language,
            span=answer.span,
            citations=citations,
            passages=[PassageOut.of(p) for p in answer.passages],
            timings=TimingsOut(**asdict(answer.timings)),
            debug=DebugOut(
                scores=_scores(answer.passages),
                p_no_answer=answer.p_no_answer,
                confidence=answer.confidence,
            ),
        )


def filters_of(body: SearchIn | AskIn) -> Filters | None:
    return body.filters.to_filters() if body.filters else None


def history_of(body: SearchIn | AskIn) -> list[dict] | None:
    return None if body.history is None else [m.model_dump() for m in body.history]


def error_summary(errors: list[dict], most: int = 3) -> str:
    """One line for people: ``'k: Input should be less than or equal to 50'``.

    >>> error_summary([{"loc": ("body", "k"), "msg": "Field required", "type": "missing"}])
    'k: Field required'
    """
    parts = []
    for e in errors[:most]:
        if e.get("type") == "json_invalid":
            why = (e.get("ctx") or {}).get("error", "decode error")
            return f"the request body is not valid JSON ({why} at character {e['loc'][-1]})"
        where = ".".join(str(p) for p in e.get("loc", ())[1:])
        if not where:  # the body as a whole: missing, or not sent as JSON
            where = "body"
            e = {**e, "msg": e.get("msg", "") + " (send a JSON object as application/json)"}
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    if len(errors) > most:
        parts.append(f"and {len(errors) - most} more")
    return "; ".join(parts)


def error_detail(errors: list[dict]) -> list[dict]:
    # Without "input" and "ctx": they echo the request (possibly huge) and ctx may hold
    # exception objects that are not JSON.
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in errors
    ]
