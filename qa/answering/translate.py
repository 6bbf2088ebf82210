"""Translate-test: an English question read as Vietnamese.

The encoder ranks, and the reader reads, Vietnamese questions best (the reader learned from
them). Where a generator is loaded, an English question is translated into Vietnamese
first (prompt: ``prompts/translate.toml``) and searched and read in that form; the answer
is still phrased in English around the span. A translation that does not come out as
Vietnamese is dropped and the question is used as asked.
"""

from __future__ import annotations

from qa.answering.prompt import defang, read_prompt
from qa.generation.generator import GenerationStats, Generator
from qa.records.answer import Turn
from qa.records.hit import QueryError
from qa.records.question import Question
from qa.retrieval.language import VIETNAMESE
from qa.retrieval.retriever import analyse


def translation_messages(text: str, prompt: dict | None = None) -> list[Turn]:
    """The chat asking for ``text`` in Vietnamese: the system text, the examples, the question.

    >>> [t.role for t in translation_messages("Who?")][:2], translation_messages("Who?")[-1].content
    (['system', 'user'], 'Who?')
    """
    prompt = prompt or read_prompt("translate")
    turns = [Turn(role="system", content=prompt["system"])]
    for english, vietnamese in prompt["examples"]:
        turns += [Turn(role="user", content=english), Turn(role="assistant", content=vietnamese)]
    return [*turns, Turn(role="user", content=defang(text))]


def to_vietnamese(generator: Generator, question: Question) -> Question:
    """``question`` translated into Vietnamese by ``generator``, analysed like a typed one;
    ``question`` itself when the reply is empty, unusable or not Vietnamese."""
    prompt = read_prompt("translate")
    messages = translation_messages(question.text, prompt)
    pieces = generator.run(messages, max_new_tokens=int(prompt["max_new_tokens"]))
    reply = "".join(p for p in pieces if not isinstance(p, GenerationStats)).strip()
    line = (reply.splitlines() or [""])[0].strip()
    try:
        translated = analyse(line, follow_up=question.follow_up)
    except QueryError:
        return question
    return translated if translated.language == VIETNAMESE else question
