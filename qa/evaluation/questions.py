"""Evaluation questions: the JSONL contract, its loader, and how a source names an article.

One question per line::

    {"id": "q1", "question": "...", "answers": ["..."], "sources": ["000"], "type": "fact"}

``answers`` and ``sources`` are both empty for an unanswerable question. Extra keys are
ignored so hand-written files may carry notes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_PROBLEMS = 20
_FIELDS = ("id", "question", "answers", "sources", "type")


class QuestionFileError(ValueError):
    """A question file that cannot be used; ``problems`` holds one ``path:line: why`` each."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = tuple(problems)
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        lines = [f"{self.path}: {len(problems)} problem(s) in question file:", *shown]
        if more:
            lines.append(f"... and {more} more")
        super().__init__("\n  ".join(lines))


@dataclass(frozen=True, kw_only=True)
class Question:
    """One evaluation question.

    >>> q = Question(id="q1", question="Ai?", answers=("Lan",), sources=("000",), type="fact")
    >>> q.answerable
    True
    >>> Question(id="q2", question="Ai?", answers=(), sources=(), type="none").answerable
    False
    """

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    type: str

    @property
    def answerable(self) -> bool:
        # Retrieval is scored against sources, so sources (not answers) decide it.
        return bool(self.sources)

    def to_dict(self) -> dict[str, object]:
        """The JSONL form (lists, not tuples), ready for ``json.dumps``.

        >>> q = Question(id="q1", question="Ai?", answers=("Lan",), sources=("000",), type="fact")
        >>> q.to_dict()["answers"]
        ['Lan']
        """
        return {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "sources": list(self.sources),
            "type": self.type,
        }


def source_matches(doc_id: str, source: str) -> bool:
    """True when ``source`` names the article ``doc_id``.

    Rule: equal ids match; otherwise ``source`` must be a prefix of ``doc_id`` that ends at
    an id boundary, i.e. the next character of ``doc_id`` is not a letter or digit (or
    ``source`` itself ends with such a separator). So ``"000"`` names
    ``"000_7de53399bb164004"`` but ``"Title/3"`` does not name ``"Title/31"``, and a cut-off
    hash ``"000_7de5"`` names nothing: a prefix must stop at a whole id segment.

    >>> source_matches("000_7de53399bb164004", "000")
    True
    >>> source_matches("Title/31", "Title/3"), source_matches("Title/3", "Title/3")
    (False, True)
    """
    if not source or not doc_id.startswith(source):
        return False
    if len(doc_id) == len(source) or not source[-1].isalnum():
        return True
    return not doc_id[len(source)].isalnum()


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _check_record(obj: object) -> list[str]:
    """Problems with one decoded line (empty when it is a valid question)."""
    if not isinstance(obj, dict):
        return [f"expected a JSON object, got {type(obj).__name__}"]
    missing = [f for f in _FIELDS if f not in obj]
    if missing:
        return [f"missing field(s) {', '.join(missing)}"]
    problems = [
        f"'{f}' must be a non-empty string"
        for f in ("id", "question", "type")
        if not (isinstance(obj[f], str) and obj[f].strip())
    ]
    problems += [
        f"'{f}' must be a list of non-empty strings"
        for f in ("answers", "sources")
        if not _str_list(obj[f])
    ]
    if not problems and obj["answers"] and not obj["sources"]:
        problems.append("has answers but no sources (an answerable question needs sources)")
    return problems


def _decode(line: str) -> tuple[dict, list[str]]:
    """The decoded object of one line and its problems (a valid question has none)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, [f"invalid JSON ({exc.msg} at column {exc.colno})"]
    return obj, _check_record(obj)


def _to_question(obj: dict) -> Question:
    return Question(
        id=obj["id"],
        question=obj["question"],
        answers=tuple(obj["answers"]),
        sources=tuple(obj["sources"]),
        type=obj["type"],
    )


def load_questions(path: str | Path) -> list[Question]:
    """Read a question JSONL file, raising ``QuestionFileError`` listing every problem.

    Blank lines are skipped; duplicate ids, bad JSON, missing fields and wrong types are
    reported as ``path:line: why``. A file with no questions is an error.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "q.jsonl")
    >>> _ = open(p, "w").write('{"id":"a","question":"?","answers":[],"sources":[],"type":"t"}\\n')
    >>> [q.id for q in load_questions(p)]
    ['a']
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(path, [f"{path}: cannot read: {exc}"]) from exc
    questions: list[Question] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        obj, found = _decode(line)
        if found:
            problems += [f"{where}: {p}" for p in found]
            continue
        if obj["id"] in first_line:
            problems.append(
                f"{where}: duplicate id {obj['id']!r} (first on line {first_line[obj['id']]})"
            )
            continue
        first_line[obj["id"]] = lineno
        questions.append(_to_question(obj))
    if not questions and not problems:
        problems.append(f"{path}: no questions (file is empty)")
    if problems:
        raise QuestionFileError(path, problems)
    return questions


def dump_questions(questions: Iterable[Question], path: str | Path) -> Path:
    """Write questions as JSONL (UTF-8, one per line); ``load_questions`` reads it back.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "q.jsonl")
    >>> q = Question(id="a", question="Ai?", answers=("Lan",), sources=("000",), type="fact")
    >>> load_questions(dump_questions([q], p)) == [q]
    True
    """
    path = Path(path)
    with path.open("w", encoding="utf-8") as fh:
        for q in questions:
            fh.write(json.dumps(q.to_dict(), ensure_ascii=False) + "\n")
    return path
