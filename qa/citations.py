"""Make an answer's citations honest: valid markers, every factual sentence cited, exact numbers.

The generator is small and sometimes forgets a marker, cites a passage it was not shown, or
rewrites ``1,165 tỷ`` as ``1.165 tỷ``. ``cite()`` repairs all three from the passages
themselves and renumbers markers ``[1]..[m]`` in order of first use, so marker ``[i]``
points at ``cited[i-1]``.

>>> from qa.hit import Hit
>>> ps = [Hit("a", "a#0", "Mưa.", 1.0, "T", None, 0, 4),
...       Hit("b", "b#0", "Hà Lan đầu tư 1,3 tỷ USD.", 1.0, "T", None, 100, 125)]
>>> c = cite("Hà Lan đầu tư 1.3 tỷ USD [7].", ps)
>>> c.text, c.cited
('Hà Lan đầu tư 1,3 tỷ USD [1].', (1,))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.sentences import sentence_spans
from embeddings.lexical import syllables
from qa.answer import MARKER, Span
from qa.gazetteer import with_vietnamese_names
from qa.hit import Hit
from qa.quantities import complete_quantities, translated_amounts

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_END = re.compile(r"[.!?…:;]*\s*$")


@dataclass(frozen=True)
class Cited:
    text: str
    cited: tuple[int, ...]  # 0-based indices into the passages, in marker order
    highlights: tuple[Span, ...]  # per cited passage, its sentence that best supports the text


def markers(text: str) -> list[int]:
    """Every passage number cited in ``text``, in order, repeats included.

    >>> markers("A [1]. B [2, 3].")
    [1, 2, 3]
    """
    return [int(n) for m in MARKER.finditer(text) for n in re.split(r"[,;]", m.group(1))]


def _overlap(a: str, b: str) -> float:
    sa, sb = set(syllables(a)), set(syllables(b))
    return len(sa & sb) / len(sa) if sa else 0.0


def _attribute(sentence: str, passages: list[Hit]) -> int | None:
    """1-based number of the passage sharing most words with ``sentence``, places counted
    in the articles' spelling ("Hanoi" is "Hà Nội"); the first passage, the best match for
    the question, when none shares any (an English sentence): every sentence is cited.

    >>> h = [Hit("a", "a#0", "Mưa to.", 1.0, "T", None, 0, 7),
    ...      Hit("b", "b#0", "Hà Lan đầu tư vào Hà Nội.", 1.0, "T", None, 0, 25)]
    >>> _attribute("Yes, the Netherlands invested in Hanoi.", h)
    2
    >>> _attribute("Yes, it did.", h), _attribute("Yes", [])
    (1, None)
    """
    named = with_vietnamese_names(sentence)
    scores = [_overlap(named, p.text) for p in passages]
    best = max(range(len(scores)), key=lambda i: scores[i], default=None)
    return None if best is None else (best + 1 if scores[best] > 0 else 1)


def _sentence_markers(sentence: str, passages: list[Hit]) -> tuple[str, list[int]]:
    """The sentence without its markers, and the valid passage numbers it cites (or gets)."""
    valid = [n for n in markers(sentence) if 1 <= n <= len(passages)]
    bare = MARKER.sub("", sentence).strip()
    if not valid and re.search(r"\w", bare):
        found = _attribute(bare, passages)
        valid = [found] if found else []
    return bare, list(dict.fromkeys(valid))


def snap_numbers(text: str, passages: list[Hit]) -> str:
    """Rewrite numbers the passages write differently (``1.165`` vs ``1,165``) their way.

    >>> snap_numbers("đạt 8.5%", [Hit("a", "a#0", "tăng 8,5%", 1.0, "T", None, 0, 9)])
    'đạt 8,5%'
    """
    written = {m.group(0) for p in passages for m in _NUMBER.finditer(p.text)}
    by_digits: dict[str, set[str]] = {}
    for w in written:
        by_digits.setdefault(re.sub(r"\D", "", w), set()).add(w)

    def fix(m: re.Match) -> str:
        n = m.group(0)
        forms = by_digits.get(re.sub(r"\D", "", n), set())
        return n if n in written or len(forms) != 1 else next(iter(forms))

    return _NUMBER.sub(fix, text)


def unsupported_numbers(answer: str, passages: list[Hit], question: str = "") -> list[str]:
    """Numbers in ``answer`` that no passage (nor the question) contains: invented ones.

    Compared by digits, so ``1.165`` matches a passage's ``1,165``, and English amounts by
    value (``641,700 billion`` is the passage's ``641,7 nghìn tỷ``); marker numbers are
    ignored.

    >>> ps = [Hit("a", "a#0", "tăng 8,5% năm 2025", 1.0, "T", None, 0, 18)]
    >>> unsupported_numbers("8.5% [1], 7.800 đồng", ps)
    ['7.800']
    """
    known = {re.sub(r"\D", "", m.group(0)) for p in [*passages] for m in _NUMBER.finditer(p.text)}
    known |= {re.sub(r"\D", "", m.group(0)) for m in _NUMBER.finditer(question)}
    bare = MARKER.sub(" ", answer)
    translated = set(translated_amounts(bare, passages))  # "641,700 billion" = "641,7 nghìn tỷ"
    return [
        m.group(0)
        for m in _NUMBER.finditer(bare)
        if re.sub(r"\D", "", m.group(0)) not in known and m.group(0) not in translated
    ]


def cite(answer: str, passages: list[Hit]) -> Cited:
    """Repair and renumber the markers of ``answer`` against the numbered ``passages``."""
    answer = complete_quantities(snap_numbers(answer.strip(), passages), passages)
    order: dict[int, int] = {}  # passage number -> new marker
    parts: list[str] = []
    for start, end in sentence_spans(answer) or [(0, len(answer))]:
        bare, numbers = _sentence_markers(answer[start:end], passages)
        if not bare:
            continue
        for n in numbers:
            order.setdefault(n, len(order) + 1)
        tail = _END.search(bare).group(0)
        body = bare[: len(bare) - len(tail)] if tail else bare
        mark = "".join(f" [{order[n]}]" for n in numbers)
        parts.append(body + mark + tail.strip())
    text = " ".join(parts)
    cited = tuple(n - 1 for n in order)
    return Cited(text, cited, tuple(_highlight(text, passages[i]) for i in cited))


def _highlight(answer: str, passage: Hit) -> Span:
    """The sentence of ``passage`` that shares most words with the answer."""
    spans = list(sentence_spans(passage.text)) or [(0, len(passage.text))]
    s, e = max(spans, key=lambda se: _overlap(answer, passage.text[se[0] : se[1]]))
    return Span(passage.doc_id, passage.start + s, passage.start + e)
