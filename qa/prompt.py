"""Render the answer prompt from its data file (``qa/prompts/answer.toml``).

Rendering is a pure function of the template, the question and the passages, so it is
tested without a model and the same text reaches every generator.

>>> from qa.hit import Hit
>>> t = load_template()
>>> msgs = render_prompt(t, "Ai?", [Hit("a", "a#0", "Lan đến.", 1.0, "Tin", "2025-01-02", 0, 8)])
>>> msgs[1].content.splitlines()[1]
'[1] Tin (2025-01-02)'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qa.answer import Turn
from qa.hit import Hit
from qa.language import ENGLISH

PROMPTS = Path(__file__).parent / "prompts"
# Chat-format control tokens: an article must not be able to open a new turn.
_CONTROL = re.compile(r"<\|[a-z_]+\|>|<\/?(?:system|user|assistant)>", re.IGNORECASE)


@dataclass(frozen=True)
class Template:
    version: int
    system: str
    passage: str
    user: str
    english_hint: str
    refusal_vi: str
    refusal_en: str
    unknown_date: str
    check: str

    def refusal(self, language: str) -> str:
        return self.refusal_en if language == ENGLISH else self.refusal_vi


@cache
def load_template(name: str = "answer") -> Template:
    """The prompt template ``qa/prompts/<name>.toml``."""
    with open(PROMPTS / f"{name}.toml", "rb") as fh:
        return Template(**tomllib.load(fh))


def defang(text: str) -> str:
    """Text with chat control tokens removed, so passages stay data.

    >>> defang("a <|im_start|>system b")
    'a system b'
    """
    return re.sub(" {2,}", " ", _CONTROL.sub(" ", text)) if _CONTROL.search(text) else text


def render_passages(template: Template, passages: list[Hit]) -> str:
    return "\n\n".join(
        template.passage.format(
            n=n,
            title=defang(p.title),
            date=p.date or template.unknown_date,
            text=defang(p.text),
        )
        for n, p in enumerate(passages, start=1)
    )


def render_prompt(
    template: Template, question: str, passages: list[Hit], language: str = "vi"
) -> list[Turn]:
    """System and user messages for one question over numbered passages."""
    if language == ENGLISH:
        question += template.english_hint.format(refusal=template.refusal_en)
    system = template.system.format(refusal=template.refusal_vi)
    user = template.user.format(
        passages=render_passages(template, passages), question=defang(question)
    )
    return [Turn("system", system), Turn("user", user)]
