"""HTML and Markdown for the chat UI: the sources panel, latency lines, escaped text.

Article text is data from the web: everything taken from an article (titles, passages,
whole texts) goes through ``html.escape`` here, so a page containing ``<script>`` or
``<img onerror=...>`` shows that text literally and runs nothing.

>>> escape_markdown("<b>1,3 tỷ</b> [1]")
'\\\\<b\\\\>1,3 tỷ\\\\</b\\\\> \\\\[1\\\\]'
"""

from __future__ import annotations

import html
import re

from corpus.article import Article
from qa.records.answer import Answer, Span, Timings
from qa.records.hit import Hit

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def escape_markdown(text: str) -> str:
    """Text shown literally by a Markdown renderer (no HTML, links or emphasis)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _seconds(ms: float | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.1f}".replace(".", ",") + " s"


def latency_line(t: Timings, refused: bool = False) -> str:
    """One unobtrusive line: retrieval, reading (the span reader), first visible text, total
    (Vietnamese decimal commas).

    >>> latency_line(Timings(retrieve_ms=120, first_token_ms=2100, total_ms=5300))
    'Thời gian: tìm kiếm 0,1 s · chữ đầu tiên 2,1 s · tổng 5,3 s'
    >>> latency_line(Timings(retrieve_ms=120, read_ms=340, first_token_ms=600, total_ms=900))
    'Thời gian: tìm kiếm 0,1 s · đọc 0,3 s · chữ đầu tiên 0,6 s · tổng 0,9 s'
    """
    line = f"Thời gian: tìm kiếm {_seconds(t.retrieve_ms)}"
    if t.read_ms:
        line += f" · đọc {_seconds(t.read_ms)}"
    if t.total_ms:  # retrieval-only mode has no answer to time
        line += f" · chữ đầu tiên {_seconds(t.first_token_ms)} · tổng {_seconds(t.total_ms)}"
    return line + (" · không đủ bằng chứng, đã từ chối trả lời" if refused else "")


def confidence_note(confidence: float | None) -> str:
    """How sure the answer is, after the latency line: the reader's calibrated probability
    that its span is right (on ViQuAD dev, answers at 80 % are right about 8 times in 10).

    >>> confidence_note(0.864), confidence_note(None)
    (' · độ tin cậy 86 %', '')
    """
    return "" if confidence is None else f" · độ tin cậy {round(confidence * 100)} %"


def _marked(text: str, offset: int, span: Span | None) -> str:
    """``text`` (starting at article offset ``offset``) escaped, with ``span`` in <mark>."""
    if span is None or span.end <= offset or span.start >= offset + len(text):
        return html.escape(text)
    a, b = max(span.start - offset, 0), min(span.end - offset, len(text))
    return (
        f"{html.escape(text[:a])}<mark class='hd-mark'>{html.escape(text[a:b])}</mark>"
        f"{html.escape(text[b:])}"
    )


def _meta(hit: Hit) -> str:
    parts = [hit.date or "không rõ ngày", hit.source or "không rõ nguồn", hit.doc_id]
    return " · ".join(html.escape(p) for p in parts)


def source_card(n: int | None, hit: Hit, span: Span | None, article: Article | None) -> str:
    """One cited passage: number, title, date and outlet, passage with the span marked,
    and the whole cleaned article behind a disclosure."""
    whole = ""
    if article is not None:
        body = _marked(article.text, 0, span).replace("\n", "<br>")
        whole = (
            "<details class='hd-article'><summary>Xem toàn bài</summary>"
            f"<div class='hd-article-text'>{body}</div></details>"
        )
    return (
        f"<div class='hd-source' data-doc='{html.escape(hit.doc_id, quote=True)}'>"
        f"<div class='hd-title'>{'' if n is None else f'<span class=hd-n>[{n}]</span> '}"
        f"{html.escape(hit.title)}</div>"
        f"<div class='hd-meta'>{_meta(hit)}</div>"
        f"<blockquote class='hd-passage'>{_marked(hit.text, hit.start, span)}</blockquote>"
        f"{whole}</div>"
    )


def sources_html(answer: Answer, articles: dict[str, Article]) -> str:
    """The sources panel for a finished answer."""
    if answer.citations:
        spans = answer.cited_spans()
        cards = [
            source_card(n, hit, spans[n - 1], articles.get(hit.doc_id))
            for n, hit in enumerate(answer.citations, 1)
        ]
        return "<div class='hd-sources'>" + "".join(cards) + "</div>"
    note = "Không có nguồn nào được trích dẫn."
    if answer.passages:
        considered = " Các đoạn văn đã xem xét (không phải nguồn của câu trả lời):"
        return passages_html(answer.passages, articles, note + considered, numbered=False)
    return f"<div class='hd-sources hd-empty'>{note}</div>"


def passages_html(
    hits: list[Hit] | tuple[Hit, ...], articles: dict[str, Article], note="", numbered=True
) -> str:
    """Passages without highlights (retrieval-only mode, or what a refusal looked at)."""
    head = f"<div class='hd-note'>{html.escape(note)}</div>" if note else ""
    if not hits:
        return f"<div class='hd-sources hd-empty'>{head}Không tìm thấy đoạn văn nào.</div>"
    cards = [
        source_card(n if numbered else None, h, None, articles.get(h.doc_id))
        for n, h in enumerate(hits, 1)
    ]
    return "<div class='hd-sources'>" + head + "".join(cards) + "</div>"


EMPTY_SOURCES = "<div class='hd-sources hd-empty'>Nguồn trích dẫn sẽ hiện ở đây.</div>"

CSS = """
.hd-source { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 10px; margin-bottom: 8px; }
.hd-title { font-weight: 600; }
.hd-n { color: var(--color-accent); }
.hd-meta { font-size: 0.85em; opacity: 0.75; margin: 2px 0 4px; }
.hd-passage { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--color-accent);
  white-space: pre-wrap; }
.hd-mark { background: #fde68a; color: inherit; padding: 0 1px; }
.hd-article-text { max-height: 320px; overflow-y: auto; font-size: 0.9em; }
.hd-empty, .hd-note, .hd-latency { opacity: 0.75; font-size: 0.9em; }
"""
