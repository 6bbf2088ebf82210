"""One text normalization for ingest and query time, and a folded search key.

``normalize_text`` makes equal-looking Vietnamese text equal: Unicode NFC, invisible
characters removed, non-breaking spaces made plain, and tone marks placed one way (the
old ``hoà``/``uỷ``/``thuý`` and new ``hòa``/``ủy``/``thúy`` spellings become one).
``fold_text`` strips every diacritic (``đ`` -> ``d``) for users who type without them.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u180e"))
_SPACES = {ord(c): " " for c in "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006"}
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_WORD = re.compile(r"[^\W\d_]+")
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
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_SPACES)
    return _WORD.sub(lambda m: _unify_tone(m.group(0)), text)


def fold_text(text: str) -> str:
    """Lowercase search key without diacritics.

    >>> fold_text("Đà Nẵng, Thủ đô")
    'da nang, thu do'
    """
    decomposed = unicodedata.normalize("NFD", normalize_text(text).lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.replace("đ", "d"))


def has_diacritics(text: str) -> bool:
    """True when any letter carries a Vietnamese (or other) diacritic, or is ``đ``.

    >>> has_diacritics("ha noi"), has_diacritics("Hà Nội")
    (False, True)
    """
    return fold_text(text) != text.lower()
