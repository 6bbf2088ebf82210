"""The articles tab's logic, without Gradio: the paged and searched table, uploads (with
progress per committed batch) and removals, all in Vietnamese.

``qa.interfaces.articles_tab`` wires these to Gradio; tests call them directly.

>>> vi_number(35440), eta_text(725)
('35.440', 'còn ~12 phút')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.article import ReadError
from embeddings.ingest import IngestProgress
from qa.interfaces.listing import DEFAULT_LIMIT, ArticlePage, PageError
from qa.interfaces.render import escape_markdown
from qa.interfaces.service import ArticleRow, Service, UploadError, UploadReport
from qa.interfaces.uploads import ALLOWED_SUFFIXES, MAX_UPLOAD_FILES, received

ERROR_PREFIX = "Chưa hỏi được: "
ARTICLE_HEADERS = ["Mã bài", "Ngày", "Nguồn", "Tiêu đề", "Nhóm trùng lặp"]
KINDS = ", ".join(ALLOWED_SUFFIXES)
TOO_MANY = f"{ERROR_PREFIX}tối đa {MAX_UPLOAD_FILES} tệp mỗi lần; hãy chia nhỏ lần tải."


def vi_number(n: int) -> str:
    """An integer with Vietnamese thousands dots."""
    return f"{n:,}".replace(",", ".")


def article_rows(rows: Sequence[ArticleRow]) -> list[list[str]]:
    """The article table: id, date, outlet, title, and which near-duplicate group."""
    return [
        [
            r.id,
            r.date or "",
            r.source or "",
            r.title,
            "" if r.group == r.id else f"trùng: {r.group}",
        ]
        for r in rows
    ]


@dataclass(frozen=True, kw_only=True)
class ArticleView:
    """What the tab shows for one page: the table, "trang X / Y", the count, and the
    page's own ``offset`` and ``query`` (kept by the page for the next click)."""

    table: list[list[str]]
    choices: list[tuple[str, str]]  # (label, id) of the page's articles, for removal
    page_label: str
    count: str
    offset: int
    query: str
    has_prev: bool = False
    has_next: bool = False


def count_text(page: ArticlePage) -> str:
    """ "35.440 bài", or with a search "12 / 35.440 bài khớp «hà nội»"."""
    if not page.query:
        return f"{vi_number(page.indexed)} bài"
    found = f"{vi_number(page.total)} / {vi_number(page.indexed)} bài khớp"
    return f"{found} «{escape_markdown(page.query)}»"


def article_view(
    service: Service, query: str = "", offset: int = 0, limit: int = DEFAULT_LIMIT
) -> ArticleView:
    """The page of articles matching ``query`` from ``offset``; past the end (after a
    removal, say) the last page. A bad search text is shown, not raised."""
    query = (query or "").strip()
    try:
        page = service.article_page(query, max(0, int(offset or 0)), limit)
        if page.total and not page.rows:
            page = service.article_page(query, (page.total - 1) // limit * limit, limit)
    except PageError as exc:
        return ArticleView(
            table=[], choices=[], page_label="", count=f"Không tìm được: {exc}", offset=0, query=""
        )
    return ArticleView(
        table=article_rows(page.rows),
        choices=[(f"{r.id} — {r.title[:60]}", r.id) for r in page.rows],
        page_label=f"trang {vi_number(page.page)} / {vi_number(page.pages)}",
        count=count_text(page),
        offset=page.offset,
        query=page.query,
        has_prev=page.prev_offset is not None,
        has_next=page.next_offset is not None,
    )


FILTER_CHOICES = 200  # newest articles offered in the settings' list; any id may be typed


def filter_choices(service: Service) -> tuple[list[tuple[str, str]], list[str]]:
    """The settings panel's choices: the newest ``FILTER_CHOICES`` articles (label, id),
    and every outlet. An archive's 35,000 titles would make the page megabytes long; the
    list accepts any typed id (``allow_custom_value``) and the articles tab finds ids."""
    rows = service.articles()  # cached per index generation: no SQLite read per call
    newest = rows[-FILTER_CHOICES:][::-1]  # listed oldest first
    docs = [(f"{r.id} — {r.title[:60]}", r.id) for r in newest]
    return docs, sorted({r.source for r in rows if r.source})


def turn_page(service: Service, query: str, offset: int, step: int) -> ArticleView:
    """The page ``step`` pages after (or, negative, before) the one at ``offset``."""
    return article_view(service, query, max(0, int(offset or 0) + step * DEFAULT_LIMIT))


# Why a file was skipped, in Vietnamese; the reader's own words follow in brackets.
_VI_REASONS = (
    ("file is UTF-16", "tệp mã hoá UTF-16, hãy lưu lại dạng UTF-8"),
    ("looks binary", "tệp có vẻ là dữ liệu nhị phân, không phải văn bản UTF-8"),
    ("not valid UTF-8", "tệp không phải văn bản UTF-8, hãy lưu lại dạng UTF-8"),
    ("file is empty", "tệp rỗng"),
    ("text looks double-encoded", "văn bản bị lỗi mã hoá kép, hãy xuất lại dạng UTF-8"),
    ("cannot read file", "không đọc được tệp"),
    ("not a gzip file", "tệp không phải dạng nén gzip (JSONL thường thì đặt đuôi .jsonl)"),
    ("the archive is truncated", "tệp nén bị cụt, các dòng trước chỗ cụt vẫn được thêm"),
    ("the archive is corrupt", "tệp nén bị hỏng, các dòng trước chỗ hỏng vẫn được thêm"),
    ("line is over", "dòng quá dài, mỗi dòng chỉ chứa một bài"),
    ("no article text left", "không còn nội dung bài sau khi bỏ phần thừa của trang"),
    ("no main article text", "không tìm thấy nội dung bài trong trang HTML"),
    ("invalid JSON", "dòng JSON không hợp lệ"),
    ("expected a JSON object", "mỗi dòng phải là một đối tượng JSON"),
    ("missing or empty 'id'", "thiếu trường 'id'"),
    ("field ", "trường dữ liệu sai kiểu"),
    ("unsupported file type", "loại tệp không được hỗ trợ"),
    ("only ", f"chỉ nhận tệp {KINDS}"),
    ("file is larger than", "tệp vượt quá giới hạn dung lượng"),
    ("another uploaded file", "trùng tên với một tệp khác vừa tải lên"),
    ("duplicate id", "trùng mã bài với một bài khác trong lần tải này"),
    ("not uploaded through", "tệp không được tải lên qua trang này nên không được nhận"),
    ("unexpected ", "lỗi không lường trước khi đọc tệp"),
)
_VI_ANYWHERE = (
    ("missing or empty 'text'", "thiếu nội dung 'text'"),
    ("MB limit; split it", "tệp quá lớn, hãy tách nhỏ (ví dụ mỗi bài một dòng trong .jsonl)"),
)


def vietnamese_reason(reason: str) -> str:
    """
    >>> vietnamese_reason("file is empty")
    'tệp rỗng (file is empty)'
    """
    for prefix, vi in _VI_REASONS:
        if reason.startswith(prefix):
            return f"{vi} ({reason})"
    for part, vi in _VI_ANYWHERE:
        if part in reason:
            return f"{vi} ({reason})"
    return reason


def upload_summary(report: UploadReport) -> str:
    """Markdown: what was added, updated, unchanged, and each skipped file with the reason."""
    lines = [
        f"Đã thêm {len(report.added)} bài, cập nhật {len(report.updated)}, "
        f"không đổi {len(report.unchanged)}; {report.passages} đoạn văn mới được nhúng."
    ]
    lines += [f"- ✅ {escape_markdown(i)}" for i in (*report.added, *report.updated)]
    lines += [
        f"- ❌ {escape_markdown(e.path)}: {escape_markdown(vietnamese_reason(e.reason))}"
        for e in report.errors
    ]
    return "\n".join(lines)


def eta_text(seconds: float | None) -> str:
    """
    >>> eta_text(40), eta_text(5000), eta_text(None)
    ('còn ~40 giây', 'còn ~1 giờ 23 phút', '')
    """
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    if s < 60:
        return f"còn ~{s} giây"
    if s < 3600:
        return f"còn ~{round(s / 60)} phút"
    return f"còn ~{s // 3600} giờ {s % 3600 // 60} phút"


def progress_line(p: IngestProgress) -> str:
    """One line after each committed batch, e.g.
    "Đã thêm 1.500 / ~35.000 bài, 120 đoạn/giây, còn ~12 phút".

    >>> progress_line(IngestProgress(articles=1500, embedded=6000, seconds=50, fraction=0.04))
    'Đã thêm 1.500 / ~37.500 bài, 120 đoạn/giây, còn ~20 phút'
    """
    if p.fraction and p.fraction > 0:
        guess = max(p.articles, round(p.articles / min(p.fraction, 1.0)))
        guess = round(guess, -2) if guess >= 1000 else guess
        done = f"Đã thêm {vi_number(p.articles)} / ~{vi_number(guess)} bài"
    else:
        done = f"Đã thêm {vi_number(p.articles)} bài"
    rate = f"{vi_number(round(p.embedded / p.seconds))} đoạn/giây" if p.seconds > 0 else ""
    return ", ".join(part for part in (done, rate, eta_text(p.eta_seconds)) if part)


OnBatch = Callable[[IngestProgress], None]


def upload(
    service: Service, files, say=None, refused: Sequence[ReadError] = (), on_batch=None
) -> str:
    """Add uploaded files (``qa.interfaces.uploads.Upload``) and describe the result, in
    Vietnamese; ``refused``: files turned away before reading, listed with the skipped ones;
    ``on_batch`` hears an ``IngestProgress`` after each committed batch."""
    if not files and not refused:
        return f"Hãy chọn ít nhất một tệp {KINDS}."
    try:
        report = service.upload(files, say, on_batch) if files else UploadReport()
    except UploadError:
        return TOO_MANY
    return upload_summary(replace(report, errors=(*refused, *report.errors)))


def upload_received(service: Service, files, folder: Path, say=None, on_batch=None) -> str:
    """What the upload button sends (Gradio ``FileData`` dicts or paths): only files in the
    server's upload ``folder`` are read and added; any other is refused by name.

    >>> text = upload_received(None, [{"path": "/etc/passwd", "orig_name": "x.txt"}], Path("/up"))
    >>> "❌ x.txt: tệp không được tải lên qua trang này" in text
    True
    """
    if len(files or []) > MAX_UPLOAD_FILES:  # before reading any of them
        return TOO_MANY
    uploads, refused = received(files or [], folder)
    return upload(service, uploads, say, refused, on_batch)


def remove(service: Service, ids: list[str]) -> str:
    if not ids:
        return "Hãy chọn bài cần xoá."
    report = service.remove(ids)
    done = f"Đã xoá {len(report.removed)} bài ({report.chunks_removed} đoạn văn)."
    missing = f" Không có trong chỉ mục: {', '.join(report.missing)}." if report.missing else ""
    return escape_markdown(done + missing)
