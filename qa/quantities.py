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
    last = before[-1].lstrip("([\"'“") if before else ""  # "(hơn 4 triệu)" has "hơn"
    qualifier = last if last.lower() in _QUALIFIERS else ""
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


# English answers translate amounts: "641,700 billion" for the passage's "641,7 nghìn tỷ".
_EN_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_VI_SCALES = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
_EN_AMOUNT = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)*)\s+(thousand|million|billion|trillion)\b")
_VI_AMOUNT = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)*)((?:\s+(?:nghìn|ngàn|triệu|tỷ|tỉ)\b)+)")


def _vi_value(number: str, scales: str) -> float | None:
    """Vietnamese style: "." groups thousands, "," is the decimal mark."""
    try:
        value = float(number.replace(".", "").replace(",", "."))
    except ValueError:
        return None
    for word in scales.split():
        value *= _VI_SCALES[word]
    return value


def _en_value(number: str, scale: str) -> float | None:
    """English style: "," groups thousands, "." is the decimal mark."""
    try:
        return float(number.replace(",", "")) * _EN_SCALES[scale]
    except ValueError:
        return None


def _vi_amounts(passages: list[Hit]) -> dict[float, set[str]]:
    """Each amount's value, with the phrases (qualifier + number + scale) that write it."""
    found: dict[float, set[str]] = {}
    for p in passages:
        for m in _VI_AMOUNT.finditer(p.text):
            value = _vi_value(m.group(1), m.group(2).lower())
            if value is not None:
                qualifier, _ = _phrase(p.text, m.start(), m.end())
                found.setdefault(value, set()).add(f"{qualifier} {m.group(0).strip()}".strip())
    return found


def _match(value: float | None, amounts: dict[float, set[str]]) -> set[str]:
    if value is None:
        return set()
    return next((v for k, v in amounts.items() if abs(k - value) <= 1e-9 * abs(k)), set())


def translated_amounts(text: str, passages: list[Hit]) -> list[str]:
    """The English amounts in ``text`` that equal an amount the passages write.

    >>> p = [Hit("a", "a#0", "thu khoảng 641,7 nghìn tỷ đồng", 1.0, "T", None, 0, 30)]
    >>> translated_amounts("641,700 billion đồng", p)
    ['641,700']
    """
    amounts = _vi_amounts(passages)
    return [
        m.group(1)
        for m in _EN_AMOUNT.finditer(text)
        if _match(_en_value(m.group(1), m.group(2).lower()), amounts)
    ]


def quote_amounts(text: str, passages: list[Hit]) -> str:
    """English amounts followed by the passage's own wording, when one phrase writes it.

    >>> p = [Hit("a", "a#0", "hiện có hơn 4 triệu thực thể", 1.0, "T", None, 0, 28)]
    >>> quote_amounts("4 million [1].", p)
    '4 million (hơn 4 triệu) [1].'
    """
    amounts = _vi_amounts(passages)

    def quote(m: re.Match) -> str:
        phrases = _match(_en_value(m.group(1), m.group(2).lower()), amounts)
        return f"{m.group(0)} ({next(iter(phrases))})" if len(phrases) == 1 else m.group(0)

    return _EN_AMOUNT.sub(quote, text)
