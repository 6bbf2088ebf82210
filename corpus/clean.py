"""Cleaning of plain-text scraped news pages: keep title, lead and body, drop the rest.

Pages are judged by structure, because outlets word their boilerplate differently:

* a *paragraph* ends like a sentence; a *title-like* line does not (headings, teaser titles,
  menus, bylines);
* the page's trailing boilerplate starts at two title-like lines in a row after which every
  paragraph directly follows a title-like line (teaser title + summary pairs, title lists);
* inside the body, two or more title-like lines in a row are an inline related-article run,
  and one very long title-like line is several teaser titles glued together;
* the title repeated inside the body is a photo's alt text; the line glued to it, its caption.

Known widgets, media lists, image links and markers ("Tin bài liên quan", ...) are one more
signal. Photo captions are always dropped: they repeat the body and read badly out of context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.meta import extract_author, is_date_line, looks_like_name
from corpus.normalize import fold_text, normalize_text

_MARKERS = frozenset(
    fold_text(m)
    for m in (
        "Tin bài liên quan",
        "Các tin bài khác",
        "Tin khác",
        "Có thể bạn quan tâm",
        "Nên xem",
        "Đọc nhiều",
        "Xem thêm",
        "Multimedia",
        "Bờ cõi biển đảo",
        "Tin liên quan",
        "Bài liên quan",
        "Tin cùng chuyên mục",
        "Xem nhiều",
        "Tin mới",
        "Tin mới nhất",
        "Tin nổi bật",
        "Đọc thêm",
        "Bài viết liên quan",
        "Tin đọc nhiều",
        "Video",
    )
)
_WIDGETS = frozenset(
    fold_text(w)
    for w in (
        "aa",
        "Phiên bản di động",
        "Xin chờ trong giây lát...",
        "Chia sẻ",
        "Bình luận",
        "In bài",
        "Lưu bài",
        "Bản in",
        "Gửi bài",
        "Về đầu trang",
        "Quay lại",
        "Theo dõi",
    )
)
_MEDIA_TAG = re.compile(
    r"^\[(?:video|infographics?|clip|photo|ảnh|podcast|emagazine|longform|audio)\]", re.I
)
_SLUG = re.compile(r"[a-z0-9]+(?: [a-z0-9]+){3,}")  # "infographic den nam 2030 phan dau ..."
_CREDIT = re.compile(r"[(\s](?:ảnh|nguồn ảnh|photo)\s*:\s*[^()]{1,40}\)?$", re.I)
_BREADCRUMB = re.compile(r"^(?:trang chủ|home)\b|\s[›»>]\s", re.I)
_DATE_TAG = re.compile(r"^date\s+\d{4}-\d{1,2}-\d{1,2}\s*", re.I)
_LABEL = re.compile(r"^(?:nguồn|tags?|từ khóa|chủ đề|chia sẻ)\s*:[^.!?]{0,150}$", re.I)
_LIST_ITEM = re.compile(r"^[-–•+*]\s")
_LINK_ONLY = re.compile(r"(?:[-–•+*]\s*)?(?:\[[^\]]*\]\([^)\s]*\)|https?://\S+)")
_CLOSERS = "\"'”’»)]* "
_LONG_TITLE_WORDS = 25  # headings are short; longer unpunctuated lines are glued teasers


@dataclass(frozen=True, kw_only=True)
class CleanPage:
    """Title and body paragraphs (lead first) of a page; ``byline`` when one was found.

    >>> CleanPage(title="T", paragraphs=("Đoạn.",)).byline is None
    True
    """

    title: str
    paragraphs: tuple[str, ...]
    byline: str | None = None


@dataclass(frozen=True)
class _Line:
    text: str
    glued: bool  # no blank line between this line and the one before it


def is_sentence(text: str) -> bool:
    """True when a line ends like prose (., !, ?, …, ; or :), closing quotes aside.

    >>> is_sentence('Ông nói: "Được."'), is_sentence("Tin bài liên quan")
    (True, False)
    """
    return text.rstrip(_CLOSERS).endswith((".", "!", "?", "…", ";", ":"))


def _title_like(text: str) -> bool:
    if _LIST_ITEM.match(text):
        return False
    # "Vì sao giá vàng tăng?" reads as a heading or teaser title, not as prose
    short_question = text.rstrip(_CLOSERS).endswith("?") and len(text.split()) <= 20
    return short_question or not is_sentence(text)


def _doubled(text: str) -> bool:
    words = text.split()
    half = len(words) // 2
    return len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]


def _is_junk(text: str) -> bool:
    """Line-level boilerplate: widgets, media lists, images, captions, date lines."""
    folded = fold_text(text)
    return (
        folded in _WIDGETS
        or folded.startswith("xin cho")
        or (len(text) <= 3 and not any(c.isdigit() for c in text))
        or text.startswith(("![", "|"))
        or text.endswith("|")
        or bool(_MEDIA_TAG.match(text) or _SLUG.fullmatch(text) or _CREDIT.search(text))
        or bool(_LINK_ONLY.fullmatch(text))  # a bare link or "- [Tin khác](url)" list item
        or bool(_BREADCRUMB.search(text) and not is_sentence(text) and len(text) <= 100)
        or bool(_LABEL.match(text))
        or _doubled(text)
        or is_date_line(text)
    )


def _lines(raw: str) -> list[_Line]:
    """Non-blank, non-junk lines, each stripped, a verbatim repeat of its predecessor dropped."""
    out: list[_Line] = []
    glued = False
    for piece in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        text = _DATE_TAG.sub("", piece.strip())
        if not text:
            glued = False
            continue
        if not _is_junk(text) and not (out and out[-1].text == text):
            out.append(_Line(text, glued))
        glued = True
    return out


def _split_header(lines: list[_Line]) -> tuple[str, str | None, list[_Line]]:
    """Title, a byline printed under it, and the body lines that follow."""
    first = next((i for i, ln in enumerate(lines) if not _title_like(ln.text)), len(lines))
    heads = [
        i
        for i in range(first)
        if not looks_like_name(lines[i].text) and fold_text(lines[i].text) not in _MARKERS
    ]
    if not heads:
        return "", None, lines
    t = heads[-1] if first < len(lines) else heads[0]
    between = lines[t + 1 : first]
    names = [ln.text for ln in between if looks_like_name(ln.text)]
    body = [ln for ln in between if ln.text not in names] + lines[first:]
    return lines[t].text, (names[0] if names else None), body


def _drop_title_repeats(body: list[_Line], title: str) -> list[_Line]:
    """Drop the title repeated as a photo's alt text, and the caption glued under it."""
    key = fold_text(title)
    spaced = sum(not ln.glued for ln in body) > len(body) // 3  # page separates by blank lines
    out: list[_Line] = []
    skip_caption = False
    for ln in body:
        if key and fold_text(ln.text) == key:
            skip_caption = True
            continue
        short = len(ln.text.split()) <= 30
        if skip_caption and ln.glued and (spaced or short):
            skip_caption = False
            continue
        skip_caption = False
        out.append(ln)
    return out


def _tail_start(texts: list[str]) -> int:
    """Index where the trailing related-articles region begins (len(texts) when none)."""
    n = len(texts)
    titled = [_title_like(t) for t in texts]
    # teaser_ok[i]: from i on, every paragraph sits right under a title-like line.
    teaser_ok = [True] * (n + 1)
    for i in range(n - 1, -1, -1):
        teaser_ok[i] = teaser_ok[i + 1] and (titled[i] or (i > 0 and titled[i - 1]))
    for i in range(n - 1):
        starts_run = titled[i] and titled[i + 1] and teaser_ok[i + 1]
        if starts_run and not looks_like_name(texts[i]):
            return i
    return n


def _drop_runs(texts: list[str]) -> list[str]:
    """Drop markers, runs of 2+ title-like lines and over-long title-like lines."""
    titled = [_title_like(t) for t in texts]
    keep: list[str] = []
    for i, text in enumerate(texts):
        in_run = titled[i] and ((i > 0 and titled[i - 1]) or (i + 1 < len(texts) and titled[i + 1]))
        too_long = titled[i] and len(text.split()) >= _LONG_TITLE_WORDS
        if not (in_run or too_long or fold_text(text) in _MARKERS):
            keep.append(text)
    return keep


def _strip_byline(texts: list[str]) -> tuple[list[str], str | None]:
    byline = extract_author(texts)
    if byline is None:
        return texts, None
    while texts and not looks_like_name(texts[-1]):
        texts = texts[:-1]  # source labels after the name go with it
    return texts[:-1], byline


def lead_title(text: str, max_words: int = 24) -> str:
    """A stand-in title for a page that has none: the lead's first clause, kept short.

    >>> lead_title("Hà Nội và Vientiane nhất trí đẩy mạnh hợp tác, mở rộng sang lĩnh vực mới.")
    'Hà Nội và Vientiane nhất trí đẩy mạnh hợp tác'
    """
    lead = text.strip().split("\n", 1)[0]
    first = re.split(r"(?<=[.!?…])\s", lead, maxsplit=1)[0].rstrip(".!?… ")
    clause = first.split(", ")[0]
    words = (clause if len(clause.split()) >= 6 else first).split()
    return " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")


def clean_page(raw: str) -> CleanPage:
    """Title and body paragraphs of a scraped plain-text news page, boilerplate removed.

    >>> page = clean_page(
    ...     "Trang chủ Thời sự\\nMưa lớn ở Hà Nội\\n08:00 | 01/10/2025\\n\\n"
    ...     "Sáng nay Hà Nội mưa lớn.\\n\\nNhiều tuyến phố ngập.\\n\\nMinh Anh\\n\\n"
    ...     "Tin bài liên quan\\nTin một\\nTin hai\\n"
    ... )
    >>> page.title, page.paragraphs, page.byline
    ('Mưa lớn ở Hà Nội', ('Sáng nay Hà Nội mưa lớn.', 'Nhiều tuyến phố ngập.'), 'Minh Anh')
    """
    title, top_byline, body = _split_header(_lines(normalize_text(raw)))
    texts = [ln.text for ln in _drop_title_repeats(body, title)]
    texts = texts[: _tail_start(texts)]
    texts, byline = _strip_byline(texts)
    texts = _drop_runs(texts)
    if not any(is_sentence(t) for t in texts):
        texts = []  # headings and menus without a line of prose are not an article
    return CleanPage(title=title, paragraphs=tuple(texts), byline=byline or top_byline)
