"""The sample articles shipped with hoidap (the default corpus) and their question set."""

from __future__ import annotations

from pathlib import Path

_DATA = Path(__file__).parent / "data"


def seeds_dir() -> Path:
    """Folder of the bundled scraped articles (article id = file stem).

    >>> sorted(p.stem for p in seeds_dir().glob("*.txt"))[0]
    '000_7de53399bb164004'
    """
    return _DATA / "seeds"


def questions_path() -> Path:
    """The test question set written for the bundled articles.

    >>> questions_path().name
    'questions.jsonl'
    """
    return _DATA / "questions.jsonl"
