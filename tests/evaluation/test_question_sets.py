"""The bundled question set: each answer is quoted from a source article."""

from corpus.bundled import questions_path, seeds_dir
from corpus.normalize import normalize_text
from qa.evaluation.questions import load_questions

ARTICLES = {
    p.stem: normalize_text(p.read_text(encoding="utf-8")) for p in seeds_dir().glob("*.txt")
}


def _quoted(answer: str, sources: list[str]) -> bool:
    return any(normalize_text(answer) in ARTICLES[s] for s in sources)


def test_every_answerable_question_quotes_a_source_article():
    questions = load_questions(questions_path())
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
