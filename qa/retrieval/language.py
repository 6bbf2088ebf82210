"""Guess how a query was typed: Vietnamese, Vietnamese without diacritics, or English.

Retrieval weighs its two signals differently for each: folded BM25 carries unaccented
Vietnamese, while English questions share few words with Vietnamese passages.
"""

from __future__ import annotations

import re

from corpus.normalize import fold_text, has_diacritics

VIETNAMESE = "vi"
UNACCENTED = "vi-folded"
ENGLISH = "en"

_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"(uye|uya|oai|oay|uoi|uou|ieu|yeu|uay|uyu|oeo|"
    r"ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|ua|ue|ui|uo|uu|uy|ye|[aeiouy])"
    r"(ch|ng|nh|[cmnpt])?$"
)
_ENGLISH_WORDS = frozenset(
    (
        "the of and in is was are were what which who whom whose when where why how "
        "many much does did has have had for with from by on at as that this these "
        "those it its be been than into about after before during between their there "
        "they he she his her not or "
    ).split()
)
_WORD = re.compile(r"[a-z]+")


def query_language(query: str, folded: str | None = None) -> str:
    """``"vi"``, ``"vi-folded"`` or ``"en"``; ``folded`` is ``fold_text(query)`` when the
    caller has it already (``qa.retrieval.retriever.analyse`` does).

    >>> query_language("Hà Lan đầu tư bao nhiêu?")
    'vi'
    >>> query_language("Ha Lan dau tu bao nhieu vao Ha Noi?")
    'vi-folded'
    >>> query_language("How much did the Netherlands invest in Hanoi?")
    'en'
    >>> query_language("What did Pérez say?")
    'en'
    """
    words = _WORD.findall(fold_text(query) if folded is None else folded)
    # Count English words on the accented text: "thế" folds to "the" but is not English.
    english = sum(w in _ENGLISH_WORDS for w in re.findall(r"\w+", query.lower()))
    invalid = sum(not _SYLLABLE.match(w) for w in words)
    # English questions may carry accented names ("Pérez"), so diacritics alone don't decide.
    if english >= 1 and words and invalid / len(words) > 0.25:
        return ENGLISH
    return VIETNAMESE if has_diacritics(query) else UNACCENTED


_TOKEN = re.compile(r"[^\W\d_][\w'-]*|\d[\d,.]*")


def english_anchors(query: str) -> str:
    """The words of an English question a Vietnamese passage can share: names, acronyms
    and numbers. The rest ("do", "to", "an", "than") fold onto unrelated Vietnamese
    syllables and only add noise to BM25.

    >>> english_anchors("How much did the Netherlands invest in Hanoi in 2024?")
    'Netherlands Hanoi 2024'
    """
    kept = [
        t
        for t in _TOKEN.findall(query)
        if t[0].isdigit() or (t[0].isupper() and t.lower() not in _NOT_ANCHORS)
    ]
    return " ".join(kept)


# Capitalised at the start of a question, but not names.
_NOT_ANCHORS = _ENGLISH_WORDS | {"a", "an", "to", "do", "according", "if", "so", "i"}
