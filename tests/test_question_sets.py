"""The bundled question sets: each answer is quoted from a source article, sets do not overlap."""

import pytest

from corpus.bundled import heldout_path, questions_path, seeds_dir
from corpus.normalize import normalize_text
from qa.questions import load_questions

ARTICLES = {
    p.stem: normalize_text(p.read_text(encoding="utf-8")) for p in seeds_dir().glob("*.txt")
}


@pytest.mark.parametrize("path", [questions_path(), heldout_path()], ids=["main", "heldout"])
def test_every_answerable_question_quotes_a_source_article(path):
    questions = load_questions(path)
    assert any(not q.answerable for q in questions) and any(q.answerable for q in questions)
    for q in questions:
        assert all(s in ARTICLES for s in q.sources), q.id
        if q.answerable:  # English questions may add a translation; one answer is quoted
            quoted = [
                a for a in q.answers if any(normalize_text(a) in ARTICLES[s] for s in q.sources)
            ]
            assert quoted, f"{q.id}: no answer found in {q.sources}"
        else:
            assert not q.answers and not q.sources, q.id


def test_the_heldout_set_asks_new_questions():
    main = {normalize_text(q.question).lower() for q in load_questions(questions_path())}
    heldout = load_questions(heldout_path())
    assert len(heldout) >= 40 and not main & {normalize_text(q.question).lower() for q in heldout}
