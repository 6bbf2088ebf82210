"""The chat's logic, without Gradio: one user message in, a stream of screen updates out.

``app.py`` wires these functions to Gradio components; tests call them directly.

>>> s = ChatSettings(k=3, date_from="2025-12-01")
>>> s.filters().date_from
'2025-12-01'
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.interfaces.admission import Busy
from qa.interfaces.articles import (  # the articles tab's logic, once part of this module
    ARTICLE_HEADERS,
    ERROR_PREFIX,
    article_rows,
    progress_line,
    remove,
    upload,
    upload_received,
    upload_summary,
    vietnamese_reason,
)
from qa.interfaces.render import (
    confidence_note,
    escape_markdown,
    latency_line,
    passages_html,
    sources_html,
)
from qa.interfaces.service import Service
from qa.records.answer import Answer, Delta, Timings
from qa.records.hit import Filters
from qa.retrieval.retriever import QueryError

__all__ = [
    "ARTICLE_HEADERS",
    "article_rows",
    "progress_line",
    "remove",
    "upload",
    "upload_received",
    "upload_summary",
    "vietnamese_reason",
]
REFUSAL_ICON = "(Không có trong kho) "
BUSY = "Máy chủ đang bận, vui lòng thử lại sau ít giây"
SEARCHING = "<div class='hd-sources hd-empty'>Đang tìm nguồn…</div>"


class SettingsError(ValueError):
    """A setting the user typed that cannot be used; the message is Vietnamese."""


@dataclass(frozen=True, kw_only=True)
class ChatSettings:
    """The collapsed settings panel: passages to use, date range, articles, outlets, and
    how to answer: passages only (``retrieval_only``), or the reader's span alone without
    the generator's sentence around it (``extractive``)."""

    k: int = 5
    date_from: str | None = None
    date_to: str | None = None
    doc_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    retrieval_only: bool = False
    extractive: bool = False

    def filters(self) -> Filters | None:
        """The retrieval filters, or a ``SettingsError`` naming the bad field."""
        dates = {"Từ ngày": self.date_from, "Đến ngày": self.date_to}
        for label, value in dates.items():
            if value and not _real_date(value):
                raise SettingsError(
                    f"{label} phải là một ngày có thật, dạng NNNN-TT-NN, ví dụ 2025-12-31."
                )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise SettingsError("Từ ngày phải trước Đến ngày.")
        f = Filters(
            date_from=self.date_from or None,
            date_to=self.date_to or None,
            doc_ids=frozenset(self.doc_ids) or None,
            sources=frozenset(self.sources) or None,
        )
        return f if f.active else None


def _real_date(value: str) -> bool:
    """``YYYY-MM-DD`` and a day that exists (2025-13-45 does not).

    >>> _real_date("2025-02-28"), _real_date("2025-02-30"), _real_date("hôm qua")
    (True, False, False)
    """
    from qa.records.hit import FilterError, check_date

    try:
        check_date(value)
    except FilterError:
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class ChatUpdate:
    """What the screen shows after each step: chat messages, the conversation passed to the
    model next time (plain ``{"role", "content"}``), the sources panel and a status line."""

    messages: tuple[dict, ...]
    conversation: tuple[dict, ...]
    sources: str = ""
    status: str = ""
    answer: Answer | None = field(default=None, compare=False)


def _say(messages: list[dict], text: str) -> tuple[dict, ...]:
    return (*messages, {"role": "assistant", "content": text})


def respond(
    service: Service,
    message: str,
    messages: list[dict],
    conversation: list[dict],
    settings: ChatSettings,
) -> Iterator[ChatUpdate]:
    """Answer ``message`` after ``conversation``: streamed text, then the cited answer."""
    shown = [*messages, {"role": "user", "content": escape_markdown(message or "")}]
    past, status = tuple(conversation), "Đang tìm trong các bài báo…"
    yield ChatUpdate(messages=tuple(shown), conversation=past, sources=SEARCHING, status=status)
    try:
        filters = settings.filters()
        if settings.retrieval_only:
            yield _retrieval_only(service, message, shown, conversation, settings.k, filters)
            return
        events = service.stream(
            message, conversation, settings.k, filters, extractive=settings.extractive
        )
        text = ""  # every delta is a piece of the final answer: shown as it comes
        for event in events:
            if isinstance(event, Delta):
                text += event.text
                yield ChatUpdate(
                    messages=_say(shown, escape_markdown(text)), conversation=past, status="…"
                )
            elif isinstance(event, Answer):
                yield _final(service, shown, conversation, event)
    except (QueryError, SettingsError) as exc:
        said = _say(shown, f"{ERROR_PREFIX}{_vietnamese(exc)}")
        yield ChatUpdate(messages=said, conversation=past)
    except Busy as exc:  # too many questions queued, or this one waited too long
        text = f"{BUSY} (khoảng {exc.retry_after} giây)."
        yield ChatUpdate(messages=_say(shown, text), conversation=past, status=BUSY)


def _final(service: Service, shown, conversation, answer: Answer) -> ChatUpdate:
    text = (REFUSAL_ICON if answer.refused else "") + escape_markdown(answer.text)
    turns = (
        *conversation,
        {"role": "user", "content": answer.question},
        {"role": "assistant", "content": answer.text},
    )
    panel = sources_html(answer, _articles(service, (*answer.citations, *answer.passages)))
    status = latency_line(answer.timings, answer.refused) + confidence_note(answer.confidence)
    return ChatUpdate(
        messages=_say(shown, text), conversation=turns, sources=panel, status=status, answer=answer
    )


def _articles(service: Service, hits) -> dict:
    """The whole articles of ``hits``, by id, for the "Xem toàn bài" views."""
    store = service.retriever.store.articles
    return {h.doc_id: store[h.doc_id] for h in hits if h.doc_id in store}


def _retrieval_only(service, message, shown, conversation, k, filters) -> ChatUpdate:
    t0 = time.perf_counter()
    hits = service.search(message, k, filters, conversation)
    took = Timings(retrieve_ms=(time.perf_counter() - t0) * 1000)
    lines = [f"Chế độ chỉ tìm kiếm: {len(hits)} đoạn văn phù hợp nhất (xem khung Nguồn)."]
    lines += [f"\\[{n}\\] {escape_markdown(h.title)}" for n, h in enumerate(hits, 1)]
    panel = passages_html(hits, _articles(service, hits))
    turns = (*conversation, {"role": "user", "content": message})
    return ChatUpdate(
        messages=_say(shown, "\n\n".join(lines)),
        conversation=turns,
        sources=panel,
        status=latency_line(took),
    )


def _vietnamese(exc: Exception) -> str:
    """User-facing Vietnamese for the errors a question can raise."""
    text = str(exc)
    if isinstance(exc, SettingsError):
        return text
    if "empty" in text:
        return "Câu hỏi đang trống: hãy nhập một câu hỏi."
    if "characters long" in text:
        return f"Câu hỏi quá dài. {text}"
    if "no letters" in text:
        return "Câu hỏi gần như không có chữ hay số (có phải dữ liệu nhị phân?)."
    return f"Không dùng được câu hỏi này: {text}"


def example_questions(path, n: int = 4) -> list[str]:
    """A few answerable Vietnamese questions from the bundled set: per article, the shortest."""
    best: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        first = (q.get("sources") or [None])[0]
        kept = q.get("type") in ("number", "name", "date", "other")
        if first and kept and len(q["question"]) < len(best.get(first, q["question"] + "?")):
            best[first] = q["question"]
    return [best[k] for k in sorted(best)][:n]
