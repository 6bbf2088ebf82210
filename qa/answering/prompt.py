"""Prompt data files (``qa/answering/prompts/<name>.toml``) and keeping article text out of the chat
format.

>>> read_prompt("phrase")["version"] >= 1
True
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PROMPTS = Path(__file__).parent / "prompts"
# Chat-format control tokens: an article must not be able to open a new turn.
_CONTROL = re.compile(r"<\|[a-z_]+\|>|<\/?(?:system|user|assistant)>", re.IGNORECASE)


def read_prompt(name: str) -> dict:
    """The fields of the prompt data file ``qa/answering/prompts/<name>.toml``."""
    with open(PROMPTS / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


def defang(text: str) -> str:
    """Text with chat control tokens removed, so passages stay data.

    >>> defang("a <|im_start|>system b")
    'a system b'
    """
    return re.sub(" {2,}", " ", _CONTROL.sub(" ", text)) if _CONTROL.search(text) else text
