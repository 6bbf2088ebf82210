"""The bundled question sets: each answer is quoted from a source article, sets do not overlap."""

import pytest

from corpus.bundled import (
    eighth_path,
    fifth_path,
    fourth_path,
    fresh_path,
    heldout_path,
    ninth_path,
    questions_path,
    seeds_dir,
    seventh_path,
    sixth_path,
    tenth_path,
)
from corpus.normalize import normalize_text
from qa.questions import load_questions

ARTICLES = {
    p.stem: normalize_text(p.read_text(encoding="utf-8")) for p in seeds_dir().glob("*.txt")
}


def _quoted(answer: str, sources: list[str]) -> bool:
    return any(normalize_text(answer) in ARTICLES[s] for s in sources)


# Every bundled set, in the order they were written.
SETS = [questions_path(), heldout_path(), fresh_path(), fourth_path(), fifth_path()]
SETS += [sixth_path(), seventh_path(), eighth_path(), ninth_path(), tenth_path()]
NAMES = [
    "main",
    "heldout",
    "fresh",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
]


@pytest.mark.parametrize("path", SETS, ids=NAMES)
def test_every_answerable_question_quotes_a_source_article(path):
    questions = load_questions(path)
    assert any(not q.answerable for q in questions) and any(q.answerable for q in questions)
    for q in questions:
        assert all(s in ARTICLES for s in q.sources), q.id
        if q.answerable and q.type == "yes_no":  # "Có", "Không" or "Chưa", which the text
            assert q.answers[0] in {"Có", "Không", "Chưa"}, q.id  # implies; then its words
            assert all(_quoted(a, q.sources) for a in q.answers[1:]), q.id
        elif q.answerable:  # English questions may add a translation; one answer is quoted
            quoted = [a for a in q.answers if _quoted(a, q.sources)]
            assert quoted, f"{q.id}: no answer found in {q.sources}"
        else:
            assert not q.answers and not q.sources, q.id


@pytest.mark.parametrize("path", SETS[1:], ids=NAMES[1:])
def test_each_later_set_asks_new_questions(path):
    earlier = SETS[: SETS.index(path)]
    asked = {normalize_text(q.question).lower() for p in earlier for q in load_questions(p)}
    later = load_questions(path)
    assert len(later) >= 40 and not asked & {normalize_text(q.question).lower() for q in later}
