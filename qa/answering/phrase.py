"""One short sentence around the reader's span, streamed only as far as it is final.

The generator writes a sentence that must hold the span verbatim. Nothing is shown until
the span has appeared in what it wrote (so an answer that drops or alters the span shows
nothing of itself: the span alone is the answer); from there on text streams, stopping
at the end of the first sentence, and at a number that neither the span nor the
question holds (numbers always come from the span).

>>> def gen(messages, max_tokens):
...     yield from ["Đó là ", "Ông", " Ba", ". Ông", " 60 tuổi."]
>>> list(phrased(type("G", (), {"run": staticmethod(gen)}), [], "Ông Ba", "Ai?"))
['Đó là Ông Ba', '.']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from qa.answering.prompt import defang, read_prompt
from qa.generation.generator import GenerationStats, Generator
from qa.records.answer import Turn

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s|\n")
_TRAILING_NUMBER = re.compile(r"\d+(?:[.,]\d+)*[.,]?$")


@dataclass(frozen=True, kw_only=True)
class PhraseTemplate:
    version: int
    system: str
    user: str
    refusal_vi: str
    refusal_en: str
    label: str = ""

    def refusal(self, english: bool) -> str:
        return self.refusal_en if english else self.refusal_vi


@cache
def load_phrase_template(name: str = "phrase") -> PhraseTemplate:
    """The phrasing prompt ``qa/answering/prompts/<name>.toml``; the refusals are
    ``phrase.toml``'s unless the file has its own (one wording for every prompt).

    >>> load_phrase_template().refusal(False).startswith("Không tìm thấy")
    True
    """
    fields = read_prompt(name)
    if name != "phrase":
        base = read_prompt("phrase")
        fields = {"refusal_vi": base["refusal_vi"], "refusal_en": base["refusal_en"], **fields}
    return PhraseTemplate(**fields)


def phrase_messages(t: PhraseTemplate, question: str, span: str, sentence: str) -> list[Turn]:
    """The chat messages asking for one sentence around ``span``.

    >>> m = phrase_messages(load_phrase_template(), "Ai?", "Ông Ba", "Ông Ba đến.")
    >>> m[1].content.splitlines()[2]
    'Cụm trả lời: Ông Ba'
    """
    user = t.user.format(sentence=defang(sentence), question=defang(question), span=span)
    return [Turn(role="system", content=t.system), Turn(role="user", content=user)]


def phrased(
    generator: Generator,
    messages: list[Turn],
    span: str,
    question: str,
    max_tokens: int = 48,
    label: str = "",
) -> Iterator[str | GenerationStats]:
    """Pieces of the final sentence (see the module docstring), then the generator's stats
    when it ran to its end. The lead and the span show as soon as the span is written; the
    rest of the sentence shows once it is whole, and only if it adds no number of its own.
    Yields no text at all when the sentence never holds the span, breaks a line before it
    (a reply copying the prompt's "Question: …" lines), or puts a number the span and
    question lack before it. A number still being written (the generator writes digits
    one token at a time) is judged once it is whole: "7" may yet become "7.800". A reply
    that starts with the prompt's answer ``label`` (copying its example) is shown without it."""
    allowed = set(_NUMBER.findall(span)) | set(_NUMBER.findall(question))
    written, shown, stats = "", 0, None
    for piece in generator.run(messages, max_tokens):
        if isinstance(piece, GenerationStats):
            stats = piece
            continue
        written += piece
        at = written.find(span)
        if _spoilt(written, at, label, allowed):
            break
        if at < 0:
            continue
        if not shown:
            shown = at + len(span)
            yield written[_lead(written, label) : shown]
        if _SENTENCE_END.search(written, shown):
            break
    end = shown_limit(written, written.find(span), shown, allowed) if shown else None
    if end is not None and end > shown:
        yield written[shown:end]
    if stats is not None:
        yield stats


def _spoilt(text: str, at: int, label: str, allowed: set[str]) -> bool:
    """Whether what comes before the span (at ``at``; all of ``text`` while it is not yet
    written) can be no lead of the sentence: it breaks a line (the reply copies the prompt's
    lines, or runs on) or holds a whole number outside ``allowed``.

    >>> _spoilt("Câu hỏi: Ai?\\nĐáp: Ông Ba", 18, "", set()), _spoilt("Năm 2020 là", -1, "", set())
    (True, True)
    >>> _spoilt("Đó là Ông Ba", 6, "", set()), _spoilt("Năm 2", -1, "", set())
    (False, False)
    """
    end = at if at >= 0 else len(text)
    number_end = at if at >= 0 else _settled(text)
    return "\n" in text[_lead(text, label) : end] or _foreign_number(text, 0, number_end, allowed)


def _lead(text: str, label: str) -> int:
    """Where the shown text starts: after leading spaces, and after ``label`` if it opens.

    >>> _lead("  Trả lời: Giá là 7.800", "Trả lời:")
    11
    """
    body = text.lstrip()
    at = len(text) - len(body)
    if label and body.startswith(label):
        rest = text[at + len(label) :]
        at += len(label) + len(rest) - len(rest.lstrip())
    return at


def _settled(text: str) -> int:
    """Where a number still being written at the end of ``text`` starts (else its length).

    >>> _settled("Giá là 7.8"), _settled("Giá là 7.800 đồng")
    (7, 17)
    """
    m = _TRAILING_NUMBER.search(text)
    return m.start() if m else len(text)


def shown_limit(text: str, at: int, after: int, allowed: set[str]) -> int | None:
    """How much of ``text`` (holding the span at ``at:after``) may be shown: the sentence
    up to its end after the span, or only up to the span's end when the rest adds a number
    outside ``allowed``; ``None`` when such a number comes before the span.

    >>> shown_limit("Giá là 7.800 đồng. Tăng 2%", 7, 12, {"7.800"})
    18
    >>> shown_limit("Giá là 7.800 đồng, gấp 2 lần.", 7, 12, {"7.800"})
    12
    >>> shown_limit("Năm 2020 giá là 7.800", 16, 21, {"7.800"}) is None
    True
    """
    if _foreign_number(text, 0, at, allowed):
        return None
    m = _SENTENCE_END.search(text, after)
    end = m.start() if m else len(text.rstrip())
    return after if _foreign_number(text, after, end, allowed) else end


def _foreign_number(text: str, start: int, end: int, allowed: set[str]) -> bool:
    return any(n.group(0) not in allowed for n in _NUMBER.finditer(text, start, end))
