"""Vietnamese-aware sentence boundaries, as character spans.

A boundary is end punctuation followed by white space and something that can start a
sentence. Numbers (``3.100``, ``1,3 tỷ``, ``24/12``) and abbreviations (``TP.HCM``, ``Q.1``,
``TS. Nguyễn``) never end a sentence, because their dot is not followed by a space or
because the word before it is a known abbreviation or a lone initial.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Titles and abbreviations that end in a dot followed by a space and a capitalised name.
_ABBREVIATIONS = frozenset(
    [
        "tp",
        "tt",
        "ts",
        "ths",
        "pgs",
        "gs",
        "bs",
        "ks",
        "ls",
        "ns",
        "nxb",
        "ubnd",
        "hđnd",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "no",
        "vs",
        "etc",
        "tr",
        "q",
        "p",
        "k",
        "cn",
        "th",
    ]
)
_END = re.compile(r"""[.!?…]+["”’)\]]*(?=\s+["“‘(\[]?[\w\d])|[.!?…]+["”’)\]]*(?=\s*$)""")
_LAST_WORD = re.compile(r"(\w+)\W*$")


def _is_abbreviation(text: str, dot: int) -> bool:
    m = _LAST_WORD.search(text[max(0, dot - 12) : dot])
    if not m:
        return False
    word = m.group(1)
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _continues(line: str, m: re.Match) -> bool:
    """A lowercase word after the punctuation means the sentence goes on ("... đã đến")."""
    rest = line[m.end() :].lstrip(' \t"“‘([')
    return bool(rest) and rest[0].islower()


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` of each sentence; spans never include surrounding space.

    Line breaks always end a sentence (news pages put one paragraph per line).

    >>> t = "Hà Lan đầu tư 1,3 tỷ USD. TP.HCM có 3.100 ha.\\nÔng TS. Dũng nói."
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['Hà Lan đầu tư 1,3 tỷ USD.', 'TP.HCM có 3.100 ha.', 'Ông TS. Dũng nói.']
    """
    for line in re.finditer(r"[^\n]+", text):
        yield from _line_spans(text, line.start(), line.end())


def _line_spans(text: str, lo: int, hi: int) -> Iterator[tuple[int, int]]:
    start = lo
    line = text[lo:hi]
    for m in _END.finditer(line):
        end = lo + m.end()
        if _continues(line, m) or (line[m.start()] == "." and _is_abbreviation(line, m.start())):
            continue
        yield from _trimmed(text, start, end)
        start = end
    yield from _trimmed(text, start, hi)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end
