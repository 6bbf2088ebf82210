"""Small numbers written in words where the passage writes them so.

Passages write "hai đội", "ba lần"; the model answers "2 đội". No passage writes that
digit before "đội", so the checks for invented or misattached numbers refused a right
answer, and it does not quote the passage as written. ``spell_as_written`` gives the
answer the passage's word when a passage writes that word before the same thing the answer
counts (or, for a bare number, the thing a "bao nhiêu X" question counts) and no passage
writes the digit before it. "năm" is left out: it is far more often "year" than "five".

>>> from qa.hit import Hit
>>> p = Hit("a", "a#0", "Manning dẫn dắt hai đội khác nhau đến Super Bowl.", 1.0, "T", None, 0, 50)
>>> spell_as_written("2 đội [1].", [p], "Manning đưa bao nhiêu đội đến Super Bowl?")
'hai đội [1].'
>>> spell_as_written("2 [1]", [p], "Manning đưa bao nhiêu đội đến Super Bowl?")
'hai [1]'
>>> spell_as_written("2 lần [1]", [p], "Manning đưa bao nhiêu đội đến Super Bowl?")
'2 lần [1]'
"""

from __future__ import annotations

import re

from embeddings.lexical import syllables
from qa.answer import MARKER
from qa.counted import counted_words
from qa.hit import Hit

WORDS = {
    1: "một", 2: "hai", 3: "ba", 4: "bốn", 6: "sáu", 7: "bảy", 8: "tám", 9: "chín", 10: "mười",
}  # fmt: skip
# A whole small number, not part of "1,5" or "2025", nor a marker's "[2]".
_SMALL = re.compile(r"(?<![\d.,\[])\b(10|[1-9])\b(?![.,]?\d)(?!\])")


def spell_as_written(answer: str, passages: list[Hit], question: str = "") -> str:
    """``answer`` with each small digit number written as the passages write it (above)."""
    texts = [f" {' '.join(syllables(p.text))} " for p in passages]
    asked = counted_words(question)[:1]

    def fix(m: re.Match) -> str:
        n = int(m.group(1))
        after = syllables(MARKER.sub(" ", answer[m.end() :]))[:1] or asked
        if n not in WORDS or not after:
            return m.group(0)
        spelled, digits = f" {WORDS[n]} {after[0]} ", f" {n} {after[0]} "
        if any(digits in t for t in texts) or not any(spelled in t for t in texts):
            return m.group(0)
        return WORDS[n]

    return _SMALL.sub(fix, answer)
