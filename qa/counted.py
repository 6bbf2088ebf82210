"""The number a passage writes right before what a "bao nhiêu X" question counts.

A small model reading "2 thỏa thuận cấp Thành phố và 8 thỏa thuận cấp sở ban ngành",
asked "… ký bao nhiêu thỏa thuận cấp sở, ngành?", often takes the first number of the
sentence and writes "2 thỏa thuận cấp sở, ngành": the question's words, after the wrong
number. The passage says which number counts what: the one its text follows with the
question's own words. ``recount`` acts only on an answer that writes its number followed
by at least two of those words, a claim the passage contradicts when it never follows that
number with as many of them; the number the passage does follow with the most of them
(at least two, more than the answer's, the same number wherever it is) replaces it. A
number no passage writes is not this mistake and is left to the checks for invented ones.
Every other answer is left as it is: "301 km" to "… bao nhiêu km đường sắt …, ngoài phần
…?" states nothing a passage could contradict.

>>> from qa.hit import Hit
>>> p = Hit("a", "a#0", "ký 2 thỏa thuận cấp Thành phố và 8 thỏa thuận cấp sở ban ngành",
...         1.0, "T", None, 0, 61)
>>> recount("Đã ký bao nhiêu thỏa thuận cấp sở, ngành?", "2 thỏa thuận cấp sở [1].", [p])
'8 thỏa thuận cấp sở [1].'
>>> recount("Đã ký bao nhiêu thỏa thuận cấp sở, ngành?", "2 thỏa thuận [1].", [p])
'2 thỏa thuận [1].'
"""

from __future__ import annotations

import re

from corpus.normalize import has_diacritics, normalize_text
from embeddings.lexical import syllables
from qa.answer import MARKER
from qa.hit import Hit

# What is counted: the words after "bao nhiêu" / "mấy", up to punctuation.
_ASKED = re.compile(r"\b(?:bao\s+nhiêu|bao\s+nhieu|mấy)\s+([^?,.;:!()\[\]]+)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MAX_WORDS = 6


def counted_words(question: str) -> list[str]:
    """The words a "bao nhiêu X" question counts (empty when it asks no such thing).

    >>> counted_words("Hà Nội ký bao nhiêu thỏa thuận cấp sở, ngành?")
    ['thỏa', 'thuận', 'cấp', 'sở']
    >>> counted_words("GRDP đạt bao nhiêu?")
    []
    """
    m = _ASKED.search(question)
    return syllables(m.group(1), not has_diacritics(question))[:_MAX_WORDS] if m else []


def _followed(texts: list[str], words: list[str], folded: bool) -> list[tuple[str, int]]:
    """Each number the texts write, with how many of ``words`` come right after it."""
    found = []
    for text in texts:
        tokens = syllables(text, folded)
        for i, tok in enumerate(tokens):
            if _NUMBER.fullmatch(tok):
                n = 0
                while n < len(words) and i + 1 + n < len(tokens) and tokens[i + 1 + n] == words[n]:
                    n += 1
                found.append((tok, n))
    return found


def recount(question: str, answer: str, passages: list[Hit]) -> str:
    """``answer`` with its one number replaced by the one the passages count the question's
    words with (see the module's docstring), else unchanged."""
    words, folded, said = (
        counted_words(question),
        not has_diacritics(question),
        MARKER.sub(" ", answer),
    )
    numbers = _NUMBER.findall(said)
    if len(words) < 2 or len(numbers) != 1:
        return answer
    claimed = max((n for _, n in _followed([said], words, folded)), default=0)
    found = _followed([p.text for p in passages], words, folded)
    mine = [n for tok, n in found if _digits(tok) == _digits(numbers[0])]
    if not mine:  # an invented number: asked again or refused (qa.answerer), not replaced
        return answer
    own = max(mine)
    best = max((n for _, n in found), default=0)
    winners = {_digits(tok): tok for tok, n in found if n == best}
    if claimed < 2 or claimed <= own or best < 2 or best <= own or len(winners) != 1:
        return answer
    (written,) = winners.values()
    # The answer's number, wherever it is, but not inside a citation marker.
    at = next(m for m in _NUMBER.finditer(answer) if not _in_marker(answer, m.start()))
    return answer[: at.start()] + written + answer[at.end() :]


_COUNTS = re.compile(r"(\d+(?:[.,]\d+)*)\s*([^\W\d_]+)")  # "855km" too


def misattached(answer: str, passages: list[Hit]) -> list[str]:
    """ "N word" pairs of ``answer`` where the passages write the number N but never right
    before that word: "855 km" from "855 nghìn tỷ đồng", asked how long a road is. The
    number is real, what it counts is not.

    >>> p = Hit("a", "a#0", "Dự án có tổng mức đầu tư 855 nghìn tỷ đồng.", 1.0, "T", None, 0, 44)
    >>> misattached("855 km [1].", [p]), misattached("855 nghìn tỷ đồng [1].", [p])
    (['855 km'], [])
    """

    def pairs(text: str) -> list[tuple[str, str, str]]:
        text = normalize_text(MARKER.sub(" ", text)).lower()
        return [(_digits(m[1]), m[2], f"{m[1]} {m[2]}") for m in _COUNTS.finditer(text)]

    written = {(d, w) for p in passages for d, w, _ in pairs(p.text)}
    numbers = {_digits(n) for p in passages for n in _NUMBER.findall(p.text)}
    return [said for d, w, said in pairs(answer) if d in numbers and (d, w) not in written]


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _in_marker(text: str, index: int) -> bool:
    return any(m.start() <= index < m.end() for m in MARKER.finditer(text))


# A day and month ("2/12", "2/12/2025") or a month and year ("12/2025").
DATE = re.compile(r"(?<![\d/])(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}/\d{4})(?![\d/])")
_DATED = re.compile(r"\b(?:ngày|ngay|tháng|thang|day|month)\s+$", re.IGNORECASE)


def date_parts(answer: str, passages: list[Hit], question: str = "") -> list[str]:
    """Small numbers of ``answer`` that the passages write only as part of a date: asked
    how long a meeting lasted, a small model answered "12 days" from "ngày 2/12/2025".
    A date answered ("2/12", "tháng 12") and years are not judged.

    >>> p = Hit("a", "a#0", "Ngày 2/12/2025, hai bên hội đàm 2 giờ.", 1.0, "T", None, 0, 38)
    >>> date_parts("12 days [1].", [p]), date_parts("2 giờ [1]", [p])
    (['12'], [])
    >>> date_parts("Ngày 2/12/2025 [1]", [p]), date_parts("Tháng 12 [1]", [p])
    ([], [])
    """
    text = MARKER.sub(" ", answer)
    inside = [m.span() for m in DATE.finditer(text)]
    said = [
        m.group(0)
        for m in _NUMBER.finditer(text)
        if len(m.group(0)) <= 2
        and not any(s <= m.start() < e for s, e in inside)
        and not _DATED.search(text[: m.start()])
    ]
    dated, plain = set(), set(_NUMBER.findall(question))
    for p in passages:
        dated.update(n for d in DATE.findall(p.text) for n in _NUMBER.findall(d))
        plain.update(_NUMBER.findall(DATE.sub(" ", p.text)))
    return [n for n in said if n in dated and n not in plain]
