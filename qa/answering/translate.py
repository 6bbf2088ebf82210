"""Translate-test: an English question read as Vietnamese.

The encoder ranks, and the reader reads, Vietnamese questions best (the reader learned from
them). Where a generator is loaded, an English question is translated into Vietnamese
first (prompt: ``prompts/translate.toml``) and searched and read in that form; the answer
is still phrased in English around the span. A translation that does not come out as
Vietnamese is dropped and the question is used as asked.
"""

from __future__ import annotations

import functools

from qa.answering.prompt import defang, read_prompt
from qa.generation.generator import GenerationStats, Generator
from qa.records.answer import Turn
from qa.records.hit import QueryError
from qa.records.question import Question
from qa.retrieval.language import VIETNAMESE
from qa.retrieval.retriever import analyse


@functools.cache
def translate_prompt() -> dict:
    """``prompts/translate.toml``, read once per process (it is used on every English question)."""
    return read_prompt("translate")


def translation_messages(text: str, prompt: dict | None = None) -> list[Turn]:
    """The chat asking for ``text`` translated: the prompt's system text, its examples as
    turns, then ``text`` (default prompt: English into Vietnamese).

    >>> [t.role for t in translation_messages("Who?")][:2], translation_messages("Who?")[-1].content
    (['system', 'user'], 'Who?')
    """
    prompt = prompt or translate_prompt()
    turns = [Turn(role="system", content=prompt["system"])]
    for asked, translated in prompt["examples"]:
        turns += [Turn(role="user", content=asked), Turn(role="assistant", content=translated)]
    return [*turns, Turn(role="user", content=defang(text))]


def reply_line(generator: Generator, messages: list[Turn], max_new_tokens: int) -> str:
    """The first line of what ``generator`` writes for ``messages``, stripped."""
    pieces = generator.run(messages, max_new_tokens=max_new_tokens)
    return first_line("".join(p for p in pieces if not isinstance(p, GenerationStats)))


def first_line(reply: str) -> str:
    """A reply's first non-empty-stripped line: what a one-line answer is taken as.

    >>> first_line("  Ai là người?\\nExplanation: ...")
    'Ai là người?'
    """
    return (reply.strip().splitlines() or [""])[0].strip()


def to_vietnamese(generator: Generator, question: Question) -> Question:
    """``question`` translated into Vietnamese by ``generator``, analysed like a typed one;
    ``question`` itself when the reply is empty, unusable or not Vietnamese."""
    prompt = translate_prompt()
    messages = translation_messages(question.text, prompt)
    line = reply_line(generator, messages, int(prompt["max_new_tokens"]))
    try:
        translated = analyse(line, follow_up=question.follow_up)
    except QueryError:
        return question
    return translated if translated.language == VIETNAMESE else question
