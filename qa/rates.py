"""A per-year question gets the passage's per-year figure, not the total beside it.

News writes a total and its yearly average side by side: "từ năm 2022 đến nay đạt gần
8 tỷ USD (trung bình đạt khoảng 1,8 tỷ USD/năm)". Asked "Bình quân mỗi năm … đạt bao
nhiêu?", a small model copies the first figure of the sentence, the total. The passage
marks which figure is yearly (``/năm``, ``mỗi năm``); ``per_year`` puts it in place of the
answer's figure when it counts in the same unit, and there is exactly one such figure.

Written from one bundled test question's wrong answer, so the gain there is in sample.

>>> from qa.hit import Hit
>>> p = Hit("a", "a#0", "đạt gần 8 tỷ USD (trung bình khoảng 1,8 tỷ USD/năm), tăng 10%/năm",
...         1.0, "T", None, 0, 66)
>>> per_year("Bình quân mỗi năm đạt bao nhiêu?", "gần 8 tỷ USD [1].", [p])
'1,8 tỷ USD/năm [1].'
>>> per_year("Tổng cộng đạt bao nhiêu?", "gần 8 tỷ USD [1].", [p])
'gần 8 tỷ USD [1].'
>>> per_year("Mỗi năm tăng bao nhiêu phần trăm?", "10% [1]", [p])  # already yearly
'10% [1]'
"""

from __future__ import annotations

import re

from corpus.normalize import fold_text, normalize_text
from qa.answer import MARKER, rewrap
from qa.hit import Hit

# Folded, so a question typed without diacritics asks the same.
# "bình quân" alone is not yearly: "GRDP bình quân đầu người".
_ASKS_YEARLY = re.compile(
    r"\b(?:moi nam|hang nam|mot nam|(?:binh quan|trung binh) nam)\b|/\s*nam\b"
)
_NUMBER = r"\d+(?:[.,]\d+)*"
# A figure, its unit (up to three words, or "%"), and what marks it yearly.
_YEARLY = re.compile(
    rf"({_NUMBER})\s*((?:%|[^\W\d_]+(?:\s+[^\W\d_]+){{0,2}}?))\s*(?:/\s*năm|mỗi năm)\b"
)
_FIGURE = re.compile(rf"({_NUMBER})\s*(%|[^\W\d_]+(?:\s+[^\W\d_]+){{0,2}})")


def _unit(words: str) -> str:
    return " ".join(words.split())


def per_year(question: str, answer: str, passages: list[Hit]) -> str:
    """``answer`` with its one figure replaced by the passages' one yearly figure in the
    same unit, when the question asks a yearly figure and the answer does not give one."""
    said = normalize_text(MARKER.sub(" ", answer))
    if not _ASKS_YEARLY.search(fold_text(question)) or _YEARLY.search(said):
        return answer
    figures = _FIGURE.findall(said)
    if len(figures) != 1:
        return answer
    asked_unit = _unit(figures[0][1]).lower()
    yearly = {
        (n, _unit(u))
        for p in passages
        for n, u in _YEARLY.findall(normalize_text(p.text))
        if asked_unit.startswith(_unit(u).lower())
    }
    if len(yearly) != 1:
        return answer
    ((number, unit),) = yearly
    if number == figures[0][0]:  # already the yearly figure, written without "/năm"
        return answer
    space = "" if unit == "%" else " "
    return rewrap(f"{number}{space}{unit}/năm", answer)
