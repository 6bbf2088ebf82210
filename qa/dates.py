"""Dates written the way the passage's text writes them, not the way its heading does.

Each passage is shown under its title and publication date, ISO style: "(2025-12-02)".
Asked when the talks took place, the model copied that heading ("2025-12-02") although the
text says "chiều ngày 2/12/2025"; no passage's text holds "2025-12-02", so the answer was
refused as invented. ``snap_dates`` writes such a date as a passage's text writes that
same day, and leaves it alone when no text does: a heading date alone says when the
article came out, not when anything in it happened.

>>> from qa.hit import Hit
>>> p = Hit("a", "a#0", "Chiều ngày 2/12/2025, hai bên hội đàm.", 1.0, "T", "2025-12-02", 0, 38)
>>> snap_dates("2025-12-02 [1].", [p])
'2/12/2025 [1].'
>>> snap_dates("2025-11-30 [1].", [p])
'2025-11-30 [1].'
"""

from __future__ import annotations

import re

from qa.hit import Hit

_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")


def _written(year: int, month: int, day: int) -> re.Pattern:
    """The day as Vietnamese text writes it: 2/12/2025, 02/12/2025, ngày 2 tháng 12 năm 2025."""
    d, m = rf"0?{day}", rf"0?{month}"
    return re.compile(
        rf"(?<![\d/.]){d}[/.]{m}[/.]{year}(?![\d/])|\b{d}\s+tháng\s+{m}\s+năm\s+{year}\b",
        re.IGNORECASE,
    )


def snap_dates(answer: str, passages: list[Hit]) -> str:
    """``answer`` with each ISO date a passage's text writes another way written that way."""

    def fix(m: re.Match) -> str:
        year, month, day = (int(g) for g in m.groups())
        pattern = _written(year, month, day)
        for p in passages:
            found = pattern.search(p.text)
            if found:
                return found.group(0)
        return m.group(0)

    return _ISO.sub(fix, answer)


_RANGE = re.compile(r"(?<![\d.,/])(\d{1,4})\s*[-–]\s*(\d{1,4})(?![\d/]|[.,]\d)")


def range_as_written(answer: str, passages: list[Hit]) -> str:
    """``answer`` with each "1500-1850" written as a passage writes that range ("từ 1500
    đến 1850"), when no passage writes it with a dash.

    >>> from qa.hit import Hit
    >>> p = Hit("a", "a#0", "Dịch bệnh quay lại từ 1500 đến 1850.", 1.0, "T", None, 0, 36)
    >>> range_as_written("1500-1850 [1].", [p])
    'Từ 1500 đến 1850 [1].'
    >>> range_as_written("Dịch bệnh quay lại 1500–1850 [1].", [p])
    'Dịch bệnh quay lại từ 1500 đến 1850 [1].'
    """

    def fix(m: re.Match) -> str:
        a, b = m.groups()
        dashed = re.compile(rf"(?<![\d.,/]){a}\s*[-–]\s*{b}(?![\d/]|[.,]\d)")
        worded = re.compile(
            rf"\b(?:từ\s+)?(?:năm\s+)?{a}\s+(?:đến|tới)\s+(?:năm\s+)?{b}(?![\d/]|[.,]\d)",
            re.IGNORECASE,
        )
        if any(dashed.search(p.text) for p in passages):
            return m.group(0)
        for p in passages:
            found = worded.search(p.text)
            if found:
                said = found.group(0)
                return said[:1].upper() + said[1:] if not answer[: m.start()].strip() else said
        return m.group(0)

    return _RANGE.sub(fix, answer)
