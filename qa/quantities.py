"""Complete a quoted number with the words the passage writes around it.

A small model often copies the number and drops its unit or qualifier: "63,5 [1]" for the
passage's "63,5 tỷ USD", "50 năm" for "hơn 50 năm". The answer must quote quantities as
the passage writes them, so a number that the passages write with one unambiguous phrase
(qualifier + number + unit words) is given that phrase. Dates and years are left alone.

>>> p = [Hit("a", "a#0", "GRDP ước đạt 63,5 tỷ USD, tăng 8,5%.", 1.0, "T", None, 0, 36)]
>>> complete_quantities("63,5 [1].", p)
'63,5 tỷ USD [1].'
"""

from __future__ import annotations

import re

from qa.answer import MARKER
from qa.hit import Hit

_UNITS = {
    "tỷ", "tỉ", "triệu", "nghìn", "ngàn", "trăm", "chục", "usd", "đồng", "vnd", "euro",
    "eur", "yên", "nhân", "dân", "tệ", "%", "lần", "năm", "tháng", "ngày", "giờ", "km",
    "ha", "người", "tấn", "kg", "mét", "m2", "héc-ta", "doanh", "nghiệp", "dự", "án",
}  # fmt: skip
_QUALIFIERS = {"khoảng", "hơn", "trên", "gần", "gấp", "thứ", "dưới", "chừng"}
_QUANTITY = re.compile(r"(?<![\d/.,-])\d+(?:[.,]\d+)*(?![\d/-])")
_MAX_UNITS = 3
_ENDS = re.compile(r"\s*(?:$|[.,;:!?]|\[)")  # end of the answer, a clause or a marker


def _phrase(text: str, start: int, end: int) -> tuple[str, str]:
    """The qualifier before and the unit words after the number at ``text[start:end]``."""
    before = text[:start].split()
    qualifier = before[-1] if before and before[-1].lower() in _QUALIFIERS else ""
    units = []
    for word in text[end:].split()[:_MAX_UNITS]:
        bare = word.rstrip(".,;:!?)")
        head = bare.split("/")[0].lower()
        if head not in _UNITS:
            break
        units.append(bare)
        if bare != word:  # punctuation ends the phrase
            break
    return qualifier, " ".join(units)


def _passage_phrases(number: str, passages: list[Hit]) -> set[tuple[str, str]]:
    found = set()
    for p in passages:
        for m in _QUANTITY.finditer(p.text):
            if m.group(0) == number:
                found.add(_phrase(p.text, m.start(), m.end()))
    return found


def complete_quantities(text: str, passages: list[Hit]) -> str:
    """``text`` with each bare or partial quantity completed as the passages write it."""
    out, last = [], 0
    in_marker = [range(*mk.span()) for mk in MARKER.finditer(text)]
    for m in _QUANTITY.finditer(text):
        number = m.group(0)
        if re.fullmatch(r"(19|20)\d\d", number) or any(m.start() in r for r in in_marker):
            continue  # a year, or a citation marker
        phrases = _passage_phrases(number, passages)
        if len(phrases) != 1:
            continue  # absent, or written several ways: nothing to copy
        qualifier, units = next(iter(phrases))
        have_q, have_u = _phrase(text, m.start(), m.end())
        if have_u and have_u != units:
            continue  # the answer already says something else after it
        if not have_u and not _ENDS.match(text, m.end()):
            continue  # the answer goes on with other words: leave its wording alone
        out.append(text[last : m.start()])
        if qualifier and not have_q:
            out.append(qualifier + " ")
        out.append(number + (" " + units if units and not have_u else ""))
        last = m.end()
    out.append(text[last:])
    return "".join(out)
