"""One text normalization for ingest and query time, and a folded search key.

``normalize_text`` makes equal-looking Vietnamese text equal: Unicode NFC, invisible
characters removed, non-breaking spaces made plain, and tone marks placed one way (the
old ``hoà``/``uỷ``/``thuý`` and new ``hòa``/``ủy``/``thúy`` spellings become one).
``fold_text`` strips every diacritic (``đ`` -> ``d``) for users who type without them.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Regexes rather than str.translate tables: they skip clean text at C speed.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff\u180e]")
_SPACES = re.compile("[\u00a0\u2000-\u2007\u202f]")
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_WORD = re.compile(r"[^\W\d_]+")


def _with_tones(vowels: str) -> str:
    forms = {unicodedata.normalize("NFC", v + t) for v in vowels for t in ("", *_TONES)}
    return "".join(sorted(forms | {f.upper() for f in forms}))


# Only words ending in o+a/e or u+y can be spelled two ways; the rest skip the slow path.
_CANDIDATE = re.compile(
    rf"[^\W\d_]*(?:[{_with_tones('o')}][{_with_tones('ae')}]|[{_with_tones('u')}][{_with_tones('y')}])"
    r"(?![^\W\d_])"
)
# Open syllables whose tone placement differs between the two spelling styles:
# (consonants)(oa|oe|uy). After "q" the "u" belongs to the initial (quý), so it is excluded.
_TWO_STYLE = re.compile(r"^([bcdđghklmnprstvx]*)(oa|oe|uy)$")


def _unify_tone(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    m = _TWO_STYLE.match(base.lower())
    if not m or m.group(1).endswith("q"):
        return word
    i = len(m.group(1))  # tone goes on the first vowel of the pair: hòa, khỏe, thúy
    return unicodedata.normalize("NFC", base[: i + 1] + tones[0] + base[i + 1 :])


def normalize_text(text: str) -> str:
    """Normalize text the same way at ingest and at query time.

    >>> normalize_text("Ủy ban hoà bình") == normalize_text("Uỷ ban hòa bình")
    True
    >>> normalize_text("a\\u200bb\\u00a0c")
    'ab c'
    """
    text = _SPACES.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", text)))
    return _CANDIDATE.sub(lambda m: _unify_tone(m.group(0)), text)


@functools.cache
def _combining_marks() -> dict[int, None]:
    # One translate table instead of a per-character test: folding runs over whole corpora.
    return {cp: None for cp in range(0x110000) if unicodedata.combining(chr(cp))}


def fold_text(text: str) -> str:
    """Lowercase search key without diacritics.

    >>> fold_text("Đà Nẵng, Thủ đô")
    'da nang, thu do'
    """
    decomposed = unicodedata.normalize("NFD", normalize_text(text).lower())
    stripped = decomposed.translate(_combining_marks()).replace("đ", "d")
    return unicodedata.normalize("NFC", stripped)


def has_diacritics(text: str) -> bool:
    """True when any letter carries a Vietnamese (or other) diacritic, or is ``đ``.

    >>> has_diacritics("ha noi"), has_diacritics("Hà Nội")
    (False, True)
    """
    return fold_text(text) != text.lower()
