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
    # A later excerpt of an article already shown: its title and date again would only add
    # prompt tokens (about 37 of ~400 in the bundled set's prompts).
    passage_more: str = "[{n}] (see [{first}])\n{text}"

    def refusal(self, language: str) -> str:
        return self.refusal_en if language == ENGLISH else self.refusal_vi


def read_prompt(name: str) -> dict:
    """The fields of the prompt data file ``qa/prompts/<name>.toml``."""
    with open(PROMPTS / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


@cache
def load_template(name: str = "answer") -> Template:
    """The prompt template ``qa/prompts/<name>.toml``."""
    return Template(**read_prompt(name))


def defang(text: str) -> str:
    """Text with chat control tokens removed, so passages stay data.

    >>> defang("a <|im_start|>system b")
    'a system b'
    """
    return re.sub(" {2,}", " ", _CONTROL.sub(" ", text)) if _CONTROL.search(text) else text


def render_passages(template: Template, passages: list[Hit]) -> str:
    """Numbered passages; an article's title and date are written at its first excerpt only.

    >>> t = load_template()
    >>> hits = [Hit("a", "a#0", "Một.", 1.0, "Tin", "2025-01-02", 0, 4),
    ...         Hit("a", "a#1", "Hai.", 1.0, "Tin", "2025-01-02", 9, 13)]
    >>> print(render_passages(t, hits))
    [1] Tin (2025-01-02)
    Một.
    <BLANKLINE>
    [2] (tiếp bài [1])
    Hai.
    """
    first: dict[str, int] = {}
    blocks = []
    for n, p in enumerate(passages, start=1):
        text = defang(p.text)
        if p.doc_id in first:
            blocks.append(template.passage_more.format(n=n, first=first[p.doc_id], text=text))
            continue
        first[p.doc_id] = n
        title, date = defang(p.title), p.date or template.unknown_date
        blocks.append(template.passage.format(n=n, title=title, date=date, text=text))
    return "\n\n".join(blocks)


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
