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
    """The test question set written for the bundled articles."""
    return _DATA / "questions.jsonl"


def heldout_path() -> Path:
    """A second question set for the bundled articles, written after every threshold was
    fitted on the first, by someone who had seen neither the system's answers nor its
    checks. Its first run was out of sample; two checks were since written from its misses
    (see the README)."""
    return _DATA / "heldout.jsonl"


def fresh_path() -> Path:
    """A third question set for the bundled articles (24 answerable, 16 unanswerable),
    written like the second, once the second had become partly in sample. Its first run
    was out of sample; checks were since written from its misses (see the README)."""
    return _DATA / "heldout2.jsonl"


def fourth_path() -> Path:
    """A fourth question set for the bundled articles (24 answerable, 16 unanswerable),
    written like the second and third, once checks had been written from the third's
    misses; committed before its first run."""
    return _DATA / "heldout3.jsonl"


def fifth_path() -> Path:
    """A fifth question set for the bundled articles (24 answerable, 16 unanswerable, some
    yes/no), written like the others, once checks had been written from the fourth's
    misses; committed before its first run."""
    return _DATA / "heldout4.jsonl"


def sixth_path() -> Path:
    """A sixth question set for the bundled articles (24 answerable, 16 unanswerable, some
    in English or without diacritics), written like the others once checks had been written
    from the fifth's misses; committed before its first run."""
    return _DATA / "heldout5.jsonl"


def seventh_path() -> Path:
    """A seventh question set for the bundled articles (24 answerable, 16 unanswerable, 7 in
    English and 7 without diacritics), written like the others once checks had been written
    from the sixth's misses; committed before its first run."""
    return _DATA / "heldout6.jsonl"


def eighth_path() -> Path:
    """An eighth question set for the bundled articles (24 answerable, 16 unanswerable, 7 in
    English and 7 without diacritics), written like the others once checks had been written
    from the seventh's misses; committed before its first run."""
    return _DATA / "heldout7.jsonl"


def ninth_path() -> Path:
    """A ninth question set for the bundled articles (24 answerable, 16 unanswerable, 7 in
    English and 7 without diacritics), written like the others once checks had been written
    from the eighth's misses; committed before its first run."""
    return _DATA / "heldout8.jsonl"


def tenth_path() -> Path:
    """A tenth question set for the bundled articles (24 answerable, 16 unanswerable, 7 in
    English and 7 without diacritics), written like the others once checks had been written
    from the ninth's misses; committed before its first run."""
    return _DATA / "heldout9.jsonl"
