"""Keep the answer, drop the question: cut a lead that restates what was asked.

A small generator often answers "Ai là Đại sứ Hà Lan tại Việt Nam?" with "Đại sứ Hà Lan
tại Việt Nam là Kees van Baar". The user asked for the new part only, so a lead made only
of the question's words and ending in ``là`` is cut:

>>> trim_restatement("Ai là Đại sứ Hà Lan tại Việt Nam?",
...                  "Đại sứ Hà Lan tại Việt Nam là Kees van Baar [1].")
'Kees van Baar [1].'

Only the lead: a tail of question words ("… có ở thực vật đất liền") looks the same as
the end of a right answer ("dòng lục lạp xanh lục" when "lục" was asked about), and cutting
it lost more than it gained on both test sets. An answer with no word of its own is left
as it is; ``echoes`` tells the answerer to ask again (qa.answerer).
"""

from __future__ import annotations

import re

from corpus.normalize import has_diacritics
from corpus.sentences import sentence_spans
from embeddings.lexical import syllables
from qa.answer import MARKER
from qa.gazetteer import with_vietnamese_names

_WORD = re.compile(r"\w+(?:[.,]\d+)*")
MIN_LEAD = 2  # syllables; one ("Lan là ...") is too little to be a restatement


def _trim_lead(asked: set[str], body: str, folded: bool) -> str:
    words = list(_WORD.finditer(body))
    keys = [" ".join(syllables(m.group(0), folded)) for m in words]
    copula = "la" if folded else "là"  # accented, "la" is another word ("La Hay")
    for i, k in enumerate(keys[:-1]):
        if i >= MIN_LEAD and k == copula:
            kept = body[words[i + 1].start() :]
            return kept[:1].upper() + kept[1:]
        if k not in asked:
            return body
    return body


def trim_restatement(question: str, answer: str) -> str:
    """``answer`` with each sentence's restated lead (question words, then ``là``) cut.

    >>> trim_restatement("Ai là Bí thư?", "Bí thư là ông A [1]. Bí thư là ông B [2].")
    'Ông A [1]. Ông B [2].'
    >>> trim_restatement("Ai là Bí thư?", "Bí thư là [1].")  # nothing of its own: kept
    'Bí thư là [1].'
    """
    folded = not has_diacritics(question)
    asked = set(syllables(question, folded))  # the search index's own word keys
    parts = []
    for s, e in sentence_spans(answer) or [(0, len(answer))]:
        sentence = answer[s:e]
        first = MARKER.search(sentence)
        cut = first.start() if first else len(sentence)
        parts.append(_trim_lead(asked, sentence[:cut], folded) + sentence[cut:])
    return " ".join(p.strip() for p in parts if p.strip())


_CHOICE = re.compile(r"\b(?:hay|hoặc|hoac|or)\b", re.IGNORECASE)


def offers_choice(question: str) -> bool:
    """Whether the question names its options ("… Phnom Penh hay Viêng Chăn?").

    >>> offers_choice("Đi Phnom Penh hay Viêng Chăn trước?"), offers_choice("Đi đâu?")
    (True, False)
    """
    return bool(_CHOICE.search(question))


def echoes(question: str, answer: str) -> bool:
    """True when ``answer`` has no word of its own: it only repeats some of the question's.

    A small model sometimes answers with the question's own words ("Ai là Đại sứ Hà Lan …?"
    → "Hà Lan"). Questions offering a choice ("… Phnom Penh hay Viêng Chăn?") are answered
    with their own words, so they never echo.

    >>> echoes("Ai là Đại sứ Hà Lan tại Việt Nam?", "Hà Lan [1]")
    True
    >>> echoes("Ai là Đại sứ Hà Lan tại Việt Nam?", "Kees van Baar [1]")
    False
    >>> echoes("Đi Phnom Penh hay Viêng Chăn trước?", "Viêng Chăn [1]")
    False

    An English question's places count in the articles' spelling (qa.gazetteer), and "và",
    "and" joining names are no words of the answer's own:

    >>> echoes("Which two countries invest more in Laos than Vietnam does?", "Lào và Việt Nam")
    True
    """
    if offers_choice(question):
        return False
    folded = not has_diacritics(question)
    said = [w for w in syllables(MARKER.sub(" ", answer), folded) if w not in _JOINERS]
    asked = syllables(with_vietnamese_names(question), folded)
    return bool(said) and set(said) <= set(asked)


_JOINERS = {"và", "va", "and"}
