"""Turn a follow-up question into a standalone one, using the conversation so far.

"Còn với Quảng Châu thì sao?" after "Hà Nội hợp tác với Viêng Chăn về những lĩnh vực nào?"
means "Hà Nội hợp tác với Quảng Châu về những lĩnh vực nào?". A rule does this without a
model call (a generator round trip would cost seconds on a CPU): the new subject replaces
the last name (or number) of the previous standalone question. A follow-up the rules do not
recognise is searched together with the previous question, so retrieval still sees the
context.

>>> prev = "Hà Nội hợp tác với Viêng Chăn về những lĩnh vực nào?"
>>> condense("Còn với Quảng Châu thì sao?", [prev])
'Hà Nội hợp tác với Quảng Châu về những lĩnh vực nào?'
>>> condense("What about Guangzhou?", ["Which fields does Hanoi cooperate on with Vientiane?"])
'Which fields does Hanoi cooperate on with Guangzhou?'
"""

from __future__ import annotations

import re

_VI_PATTERN = re.compile(
    r"^(?:còn|vậy còn|thế còn|con|vay con)\s+(?:(?:với|về|ở|tại|của|voi|ve|o|tai|cua)\s+)?"
    r"(?P<x>.+?)\s*(?:thì|thi)?\s*(?:sao|thế nào|the nao|ra sao)?\s*\??$",
    re.IGNORECASE,
)
_EN_PATTERN = re.compile(r"^(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*\??$", re.IGNORECASE)
# A run of capitalised words not at the start of the question, or a number.
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)*")
_NUMBER = re.compile(r"\b\d+(?:[.,/]\d+)*\b")
_PRONOUNS = re.compile(
    r"\b(?:họ|ông ấy|bà ấy|ông này|bà này|nơi này|nơi đó|điều đó|việc đó|dự án này|"
    r"dự án đó|he|she|they|it|that|this|there)\b",
    re.IGNORECASE,
)
_SHORT = 6  # words; shorter questions rarely stand alone


def _subject(question: str) -> str | None:
    for pattern in (_VI_PATTERN, _EN_PATTERN):
        m = pattern.match(question.strip())
        if m and m.group("x").strip():
            return m.group("x").strip(" ,?")
    return None


def _replace_last(previous: str, new: str) -> str | None:
    """``previous`` with its last name (or number, if ``new`` has one) replaced by ``new``.

    >>> _replace_last("GRDP năm 2025 tăng bao nhiêu?", "năm 2024")
    'GRDP năm 2024 tăng bao nhiêu?'
    """
    number = _NUMBER.search(new)
    if number and _NUMBER.search(previous):
        new, found = number.group(0), list(_NUMBER.finditer(previous))
    else:
        found = list(_NAME.finditer(previous))
    if not found:
        return None
    last = found[-1]
    return previous[: last.start()] + new + previous[last.end() :]


def is_follow_up(question: str) -> bool:
    """Whether ``question`` leans on an earlier one.

    >>> is_follow_up("Còn năm 2024?"), is_follow_up("GRDP của Hà Nội năm 2025 tăng bao nhiêu?")
    (True, False)
    """
    q = question.strip()
    return bool(_subject(q) or _PRONOUNS.search(q) or len(q.split()) < _SHORT)


def condense(question: str, previous: list[str]) -> str:
    """A standalone search query for ``question`` given earlier standalone questions."""
    if not previous or not is_follow_up(question):
        return question
    last = previous[-1]
    subject = _subject(question)
    if subject:
        replaced = _replace_last(last, subject)
        if replaced:
            return replaced
    return f"{last} {question}"
