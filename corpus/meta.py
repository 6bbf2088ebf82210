"""Article metadata found in scraped pages: publication date, byline and outlet.

Scraped pages carry metadata in many shapes ("11:06 | 25/12/2025 GMT+7", " date 2025-12-03",
"Thứ Năm, 25/12/2025 - 08:15", a lead sentence "Chiều ngày 2/12/2025, ..."). Each function
returns None rather than guess when the page gives no reliable answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit

_HEAD_CHARS = 1500  # metadata sits at the top; further down, dates belong to teasers
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_ISO_TAG = re.compile(
    r"^\s*(?:date|published|ngày đăng)\s*:?\s*(\d{4}-\d{1,2}-\d{1,2})", re.I | re.M
)
# Leftovers of a line that holds nothing but a timestamp: weekday, clock, zone, separators.
_DATE_NOISE = re.compile(
    r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|chủ\s+nhật|cập\s+nhật|đăng\s+lúc|ngày|lúc"
    r"|gmt\s*[+-]?\s*\d*|utc\s*[+-]?\s*\d*|\d{1,2}[:h]\d{2}(?::\d{2})?|\b(?:sa|ch|am|pm)\b|[\s|,\-–()/:]",
    re.I,
)
# "Chiều ngày 2/12/2025", "Tối 5/11/2025", "hôm 2/12/2025", "ngày 2 tháng 12 năm 2025".
_LEAD_DATE = re.compile(
    r"\b(?:(?:sáng|trưa|chiều|tối|đêm)\s+(?:ngày\s+)?|ngày\s+|hôm\s+)"
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])"
    r"|\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})",
    re.I,
)
_RANGE_AFTER = re.compile(r"\s*[-–—]\s*\d")
# "Minh", "T.L", or an initial "N."; no other trailing dot, which would end a sentence.
_NAME_WORD = re.compile(r"^(?:[^\W\d_]\.|[^\W\d_][^\W\d_.]*(?:\.[^\W\d_]+)*)$")
_NAME_SUFFIX = re.compile(r"\s*\((?:tổng hợp|lược dịch|theo [^)]{1,40})\)$", re.I)
_SOURCE_LABEL = re.compile(r"^(?:nguồn|theo)\b\s*:?[^.!?]{0,60}$", re.I)
_IMAGE_HOST = re.compile(r"!\[[^\n]*?\]\(\s*https?://([^/\s)?#]+)", re.I)  # alt may hold [..]
_WIRE = re.compile(r"\b(?:phóng viên|PV)\s+TTXVN\b|\(TTXVN\)|\bTheo\s+TTXVN\b")
# Second-level labels under which registries sell names: thoidai.com.vn, bbc.co.uk.
_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co", "info", "biz", "int", "health"}


def _iso(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def is_date_line(line: str) -> bool:
    """True for a line that is only a timestamp (the page's date line, not prose).

    >>> is_date_line("11:06 | 25/12/2025 GMT+7"), is_date_line("Ngày 2/12/2025, ông A đến.")
    (True, False)
    """
    if len(line) > 80 or not (_DMY.search(line) or _ISO.search(line)):
        return False
    rest = _DATE_NOISE.sub("", _ISO.sub("", _DMY.sub("", line)))
    return rest.strip().rstrip("+0123456789") == ""


def _date_line_date(head: str) -> str | None:
    for line in head.splitlines():
        if is_date_line(line.strip()):
            m = _DMY.search(line)
            found = _iso(m.group(3), m.group(2), m.group(1)) if m else None
            if not found and (iso := _ISO.search(line)):
                found = _iso(*iso.groups())
            if found:
                return found
    return None


def _lead_date(head: str) -> str | None:
    for m in _LEAD_DATE.finditer(head):
        if _RANGE_AFTER.match(head, m.end()):
            continue  # "ngày 24/6/1967 - 24/6/2022" is a period, not when it happened
        day, month, year = (g for g in m.groups() if g is not None)
        if found := _iso(year, month, day):
            return found
    return None


def extract_date(raw: str) -> str | None:
    """Publication date of a scraped page as ISO ``YYYY-MM-DD``, or None.

    A tagged date wins, then a timestamp line, then a dated lead sentence; only the top
    of the page is searched so that related-article teasers never lend their dates.

    >>> extract_date("Tiêu đề\\n11:06 | 25/12/2025 GMT+7\\nNội dung.")
    '2025-12-25'
    >>> extract_date("Tiêu đề\\nChiều ngày 2/12/2025, đoàn đã đến.")
    '2025-12-02'
    """
    head = raw[:_HEAD_CHARS]
    if (m := _ISO_TAG.search(head)) and (found := _iso(*_ISO.search(m.group(1)).groups())):
        return found
    return _date_line_date(head) or _lead_date(head)


def parse_date(value: str) -> str | None:
    """Normalize a date string (ISO, ISO datetime or ``dd/mm/yyyy``) to ISO, or None.

    >>> parse_date("2025-12-03T08:00:00+07:00"), parse_date("2/12/2025"), parse_date("hôm qua")
    ('2025-12-03', '2025-12-02', None)
    """
    value = value.strip()
    if m := re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ])", value):
        return _iso(*m.groups())
    if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value):
        return _iso(m.group(3), m.group(2), m.group(1))
    return None


def looks_like_name(line: str) -> bool:
    """True for a short personal name standing alone: 2 to 4 capitalized words.

    >>> looks_like_name("Phan Minh"), looks_like_name("Hà Nội mưa to"), looks_like_name("Nguồn:")
    (True, False, False)
    """
    words = _NAME_SUFFIX.sub("", line.strip()).split()
    return 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) and w[0].isupper() for w in words)


def extract_author(lines: Sequence[str]) -> str | None:
    """Byline of an article: a lone personal name among its last lines, or None.

    ``lines`` are the article's own lines in order, page boilerplate already cut (as
    ``corpus.clean`` does); a trailing "Nguồn: ..." label may still follow the name.

    >>> extract_author(["Đoạn cuối của bài.", "Phan Minh", "Nguồn:"])
    'Phan Minh'
    >>> extract_author(["Đoạn cuối của bài."]) is None
    True
    """
    tail = [ln.strip() for ln in lines if ln.strip()]
    while tail and _SOURCE_LABEL.match(tail[-1]) and not looks_like_name(tail[-1]):
        tail.pop()
    if len(tail) >= 2 and looks_like_name(tail[-1]):
        return _NAME_SUFFIX.sub("", tail[-1])
    return None


def registrable_domain(host: str) -> str:
    """The outlet's domain without ``www.`` or a subdomain.

    >>> registrable_domain("tacnghiep.thoidai.com.vn"), registrable_domain("www.bbc.com")
    ('thoidai.com.vn', 'bbc.com')
    """
    labels = host.lower().strip(".").split(":")[0].split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def detect_outlet(raw: str, url: str | None = None) -> str | None:
    """Which outlet published a page: its URL's domain, else the domain most of its image
    links point to, else "TTXVN" for a wire story, else None.

    >>> detect_outlet("", "https://www.thoidai.com.vn/bai-viet.html")
    'thoidai.com.vn'
    >>> detect_outlet("![a](https://tacnghiep.thoidai.com.vn/x.jpg)")
    'thoidai.com.vn'
    >>> detect_outlet("Theo phóng viên TTXVN tại Phnom Penh, ...")
    'TTXVN'
    """
    if url and (host := urlsplit(url.strip()).hostname):
        return registrable_domain(host)
    hosts = Counter(registrable_domain(h) for h in _IMAGE_HOST.findall(raw))
    if hosts:
        return hosts.most_common(1)[0][0]
    return "TTXVN" if _WIRE.search(raw) else None
