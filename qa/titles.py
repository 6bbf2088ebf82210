"""Office titles beside the person answered: a deputy is no answer for the office itself.

News names people with their titles ("Phó Thị trưởng Lại Chí Hồng"). Asked who holds an
office, a small model may answer with the deputy named beside it, and asked for a deputy,
with the office holder. The title a passage puts in the few words before the name tells
them apart.
"""

from __future__ import annotations

import re

from corpus.normalize import normalize_text
from qa.answer import bare
from qa.hit import Hit

# Offices a question asks the holder of; each has deputies ("phó").
OFFICES = (
    "chủ tịch", "thị trưởng", "đô trưởng", "bí thư", "bộ trưởng", "thứ trưởng", "thủ tướng",
    "tổng thống", "giám đốc", "tổng giám đốc", "trưởng ban", "chủ nhiệm", "đại sứ",
    "hiệu trưởng", "tổng thư ký", "chánh văn phòng", "viện trưởng", "cục trưởng",
)  # fmt: skip
# Characters before a name that its title can take ("Phó Chủ tịch UBND thành phố Hà Nội …").
_WINDOW = 60


def _deputy_mentions(name: str, office: str, passages: list[Hit]) -> list[bool]:
    """For each mention of ``name`` whose few words before hold ``office``: whether its last
    mention there is the deputy's ("phó …"). The words between ("Phó Chủ tịch UBND thành phố
    Hà Nội Nguyễn Xuân Lưu") do not hide it."""
    found = []
    for hit in passages:
        text = normalize_text(hit.text).lower()
        for at in (m.start() for m in re.finditer(re.escape(name), text)):
            lo = max(0, at - _WINDOW)
            last = list(re.finditer(rf"\b{office}\b", text[lo:at]))
            if last:  # "phó" may fall just outside the window
                start = lo + last[-1].start()
                found.append(bool(re.search(r"\bphó\s+$", text[max(0, start - 6) : start])))
    return found


def _asked_offices(
    question: str, answer: str, passages: list[Hit], deputy: bool
) -> list[tuple[str, list[bool]]]:
    """Each office the question asks the holder of (its deputy, when ``deputy``), with
    ``_deputy_mentions`` of the person answered."""
    name = bare(answer).lower()
    asked = normalize_text(question).lower()
    before = r"\bphó " if deputy else r"(?<!phó )\b"
    if not name:
        return []
    return [
        (office, _deputy_mentions(name, office, passages))
        for office in OFFICES
        if re.search(rf"{before}{office}\b", asked)
    ]


def deputy_title(question: str, answer: str, passages: list[Hit]) -> str | None:
    """The deputy's title ("phó thị trưởng") the passages give the person answered, when
    the question asks for the holder of the office itself ("Thị trưởng … là ai?").

    The title is the asked office's last mention in the few words before the name. None
    when the question asks for the deputy, or some passage gives the person the office
    itself.

    >>> from qa.hit import Hit
    >>> h = Hit("d", "d#0", "Phó Thị trưởng Lại Chí Hồng cho biết.", 1.0, "T", None, 0, 37)
    >>> deputy_title("Thị trưởng Quảng Châu là ai?", "Lại Chí Hồng [1]", [h])
    'phó thị trưởng'
    >>> deputy_title("Phó Thị trưởng Quảng Châu là ai?", "Lại Chí Hồng [1]", [h]) is None
    True
    """
    deputy = None
    for office, mentions in _asked_offices(question, answer, passages, deputy=False):
        if not all(mentions):
            return None  # the office itself, given to the person answered
        deputy = f"phó {office}" if mentions else deputy
    return deputy


def head_title(question: str, answer: str, passages: list[Hit]) -> str | None:
    """The office itself ("bí thư"), when the question asks for a deputy ("Phó Bí thư …
    là ai?") and the passages give the person answered only the office, never the deputy's
    title: the mirror of ``deputy_title``.

    >>> from qa.hit import Hit
    >>> h = Hit("d", "d#0", "Bí thư Thành ủy Anouphap Tounalom phát biểu.", 1.0, "T", None, 0, 44)
    >>> head_title("Ai là Phó Bí thư Thành ủy Viêng Chăn?", "Anouphap Tounalom [1]", [h])
    'bí thư, not phó bí thư'
    >>> head_title("Ai là Bí thư Thành ủy Viêng Chăn?", "Anouphap Tounalom [1]", [h]) is None
    True
    """
    for office, mentions in _asked_offices(question, answer, passages, deputy=True):
        if mentions and not any(mentions):
            return f"{office}, not phó {office}"
    return None
