"""SQuAD 1.1 and 2.0 files (XQuAD included) as a corpus of articles plus evaluation questions.

Each paragraph becomes one article ``f"{title}/{paragraph_index}"``; each of its questions
points at that article as its only source. A SQuAD 2.0 question marked ``"is_impossible": true``
becomes an unanswerable question (no answers, no sources; ``plausible_answers`` is ignored).
A second file with the same question ids (XQuAD ships the same questions in several
languages) can replace the question texts, for cross-lingual checks: English questions over
Vietnamese paragraphs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.article import Article
from corpus.normalize import fold_text, normalize_text
from qa.evaluation.questions import MAX_PROBLEMS, Question


class SquadFileError(ValueError):
    """A SQuAD file that cannot be used; the message names the file and JSON location."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = tuple(problems)
        shown = problems[:MAX_PROBLEMS]
        lines = [f"{self.path}: {len(problems)} problem(s) in SQuAD file:", *shown]
        if len(problems) > len(shown):
            lines.append(f"... and {len(problems) - len(shown)} more")
        super().__init__("\n  ".join(lines))


@dataclass(frozen=True, kw_only=True)
class SquadSet:
    """Articles (one per paragraph) and the questions asked about them."""

    articles: tuple[Article, ...]
    questions: tuple[Question, ...]


def _read_json(path: Path) -> list:
    """The ``data`` list of a SQuAD file, or a ``SquadFileError`` saying why not."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SquadFileError(
            path, [f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SquadFileError(path, [f"cannot read: {exc}"]) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SquadFileError(path, ["top level must be an object with a 'data' list"])
    if not doc["data"]:
        raise SquadFileError(path, ["'data' is empty"])
    return doc["data"]


def _text(obj: object, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def _list(obj: object, key: str) -> list:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def _answers(qa: object, where: str, problems: list[str]) -> tuple[str, ...]:
    texts = [_text(a, "text") for a in _list(qa, "answers")]
    if not texts or None in texts:
        problems.append(f"{where}: 'answers' must be a non-empty list of {{'text': str}}")
        return ()
    # dict.fromkeys keeps first-seen order while dropping repeats (annotators often agree).
    return tuple(dict.fromkeys(normalize_text(t) for t in texts))


def _impossible(qa: object, where: str, problems: list[str]) -> bool:
    """SQuAD 2.0's ``is_impossible`` flag (absent, as in SQuAD 1.1, means answerable).

    >>> _impossible({"is_impossible": True}, "q", []), _impossible({}, "q", [])
    (True, False)
    """
    value = qa.get("is_impossible", False) if isinstance(qa, dict) else False
    if not isinstance(value, bool):
        problems.append(f"{where}: 'is_impossible' must be true or false")
        return False
    return value


def _question(qa: object, at: str, doc_id: str, problems: list[str]) -> Question | None:
    """One ``qas`` entry as a question; an impossible one has no answers and no sources.

    >>> _question({"id": "x", "question": "Ai?", "is_impossible": True}, "q", "T/0", [])
    Question(id='x', question='Ai?', answers=(), sources=(), type='squad')
    """
    qid, text = _text(qa, "id"), _text(qa, "question")
    if qid is None or text is None:
        problems.append(f"{at}: needs non-empty string 'id' and 'question'")
        return None
    if _impossible(qa, at, problems):
        return Question(id=qid, question=normalize_text(text), answers=(), sources=(), type="squad")
    answers = _answers(qa, at, problems)
    return Question(
        id=qid, question=normalize_text(text), answers=answers, sources=(doc_id,), type="squad"
    )


def _paragraph_questions(
    para: object, where: str, doc_id: str, problems: list[str]
) -> list[Question]:
    qas = para.get("qas") if isinstance(para, dict) else None
    if not isinstance(qas, list):
        problems.append(f"{where}: missing 'qas' list")
        return []
    found = (_question(qa, f"{where}.qas[{qi}]", doc_id, problems) for qi, qa in enumerate(qas))
    return [q for q in found if q is not None]


def _parse(path: Path) -> SquadSet:
    """Articles and questions of one file, every structural problem reported together."""
    articles: list[Article] = []
    questions: list[Question] = []
    problems: list[str] = []
    data = _read_json(path)
    for ai, entry in enumerate(data):
        title = _text(entry, "title")
        paragraphs = _list(entry, "paragraphs")
        if title is None or not paragraphs:
            problems.append(f"data[{ai}]: needs a 'title' string and a 'paragraphs' list")
            continue
        for pi, para in enumerate(paragraphs):
            where, doc_id = f"data[{ai}].paragraphs[{pi}]", f"{title}/{pi}"
            context = _text(para, "context")
            if context is None:
                problems.append(f"{where}: missing 'context' string")
                continue
            articles.append(
                Article(id=doc_id, title=title, text=normalize_text(context), path=str(path))
            )
            questions += _paragraph_questions(para, where, doc_id, problems)
    # A repeated title would give two paragraphs one article id.
    problems += _duplicates([t for e in data if (t := _text(e, "title"))], "title")
    if problems:
        raise SquadFileError(path, problems)
    return SquadSet(articles=tuple(articles), questions=_unique_ids(questions))


def _unique_ids(questions: list[Question]) -> tuple[Question, ...]:
    """Questions with a repeated id (ViQuAD dev has some, each a different question) kept,
    the second and later ones numbered ``id#2``, ``id#3`` in file order.

    >>> q = Question(id="a", question="Ai?", answers=("X",), sources=("d",), type="squad")
    >>> qs = [q, replace(q, question="Gì?")]
    >>> [q.id for q in _unique_ids(qs)]
    ['a', 'a#2']
    """
    seen: Counter[str] = Counter()
    out = []
    for q in questions:
        seen[q.id] += 1
        out.append(q if seen[q.id] == 1 else replace(q, id=f"{q.id}#{seen[q.id]}"))
    return tuple(out)


def _duplicates(ids: list[str], what: str) -> list[str]:
    return [f"duplicate {what} {i!r} ({n} times)" for i, n in Counter(ids).items() if n > 1]


def _replace_texts(base: SquadSet, other_path: Path) -> tuple[Question, ...]:
    """Questions of ``base`` with their texts taken from ``other_path`` (matched by id)."""
    texts = {q.id: q.question for q in _parse(other_path).questions}
    missing = [q.id for q in base.questions if q.id not in texts]
    if missing:
        sample = ", ".join(missing[:5])
        raise SquadFileError(
            other_path,
            [
                f"{len(missing)} of {len(base.questions)} question ids are missing "
                f"(e.g. {sample}); questions_from must hold the same ids"
            ],
        )
    return tuple(replace(q, question=texts[q.id]) for q in base.questions)


def load_squad(
    path: str | Path,
    questions_from: str | Path | None = None,
    fold_questions: bool = False,
    question_type: str | None = None,
) -> SquadSet:
    """Load a SQuAD 1.1 or 2.0 file as articles (one per paragraph) and questions.

    ``questions_from`` swaps in question texts from a file with the same ids (answers and
    sources stay those of ``path``, so an impossible question stays unanswerable);
    ``fold_questions`` strips diacritics and lowercases them.
    The question type defaults to ``squad``, ``squad-en`` (with ``questions_from``, the usual
    English XQuAD pairing) or ``squad-folded``; ``question_type`` overrides it.

    >>> s = load_squad("xquad.vi.json")  # doctest: +SKIP
    >>> s.articles[0].id, s.questions[0].sources  # doctest: +SKIP
    ('Super_Bowl_50/0', ('Super_Bowl_50/0',))
    """
    path = Path(path)
    base = _parse(path)
    questions = base.questions
    kind = "squad"
    if questions_from is not None:
        questions, kind = _replace_texts(base, Path(questions_from)), "squad-en"
    if fold_questions:
        questions = tuple(replace(q, question=fold_text(q.question)) for q in questions)
        kind = "squad-folded" if questions_from is None else f"{kind}-folded"
    kind = question_type or kind
    questions = tuple(replace(q, type=kind) for q in questions)
    return SquadSet(articles=base.articles, questions=questions)
