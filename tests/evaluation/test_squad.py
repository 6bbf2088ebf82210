"""Question files (JSONL) and SQuAD/XQuAD loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.normalize import fold_text
from qa.evaluation.questions import Question, QuestionFileError, dump_questions, load_questions
from qa.evaluation.squad import SquadFileError, load_squad

XQUAD = Path("/work/shared/benchmarks/xquad-vi")


def _line(**fields: object) -> str:
    base = {"id": "q1", "question": "Ai?", "answers": ["Lan"], "sources": ["000"], "type": "t"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...}, ensure_ascii=False)


def test_load_questions_reads_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    unanswerable = _line(id="q2", answers=[], sources=[], type="none", note="extra keys ok")
    path.write_text(_line() + "\n\n" + unanswerable + "\n", encoding="utf-8")
    first, second = load_questions(path)
    assert first == Question(id="q1", question="Ai?", answers=("Lan",), sources=("000",), type="t")
    assert first.answerable and not second.answerable
    assert load_questions(dump_questions([first, second], tmp_path / "back.jsonl")) == [
        first,
        second,
    ]


def test_load_questions_reports_every_problem_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [
        _line(),  # 1: fine
        "{not json",  # 2
        _line(id="q3", type=...),  # 3: missing type
        _line(id="q4", answers="Lan"),  # 4: answers not a list
        _line(),  # 5: duplicate of line 1
        _line(id="q6", sources=[]),  # 6: answers without sources
        "[1, 2]",  # 7
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(QuestionFileError) as info:
        load_questions(path)
    problems = info.value.problems
    assert [p.split(": ")[0] for p in problems] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6, 7)]
    message = str(info.value)
    for needle in (
        "invalid JSON",
        "missing field(s) type",
        "'answers' must be a list",
        "duplicate id 'q1' (first on line 1)",
        "no sources",
        "JSON object",
    ):
        assert needle in message


def test_load_questions_caps_the_listing(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("oops\n" * 25, encoding="utf-8")
    with pytest.raises(QuestionFileError) as info:
        load_questions(path)
    assert len(info.value.problems) == 25
    assert "... and 5 more" in str(info.value)
    assert f"{path}:25" not in str(info.value)


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_empty_question_file_is_an_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionFileError, match="no questions"):
        load_questions(path)


def _squad(tmp_path: Path, name: str, data: list, version: str = "1.1") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"version": version, "data": data}, ensure_ascii=False), "utf-8")
    return path


def _qa(qid: str, question: str, *answers: str) -> dict:
    return {"id": qid, "question": question, "answers": [{"text": a} for a in answers]}


def _small(tmp_path: Path, name: str = "vi.json", suffix: str = "") -> Path:
    para0 = {
        "context": "Ủy ban hoà bình họp.",
        "qas": [_qa("a", "Ai họp?" + suffix, "Ủy ban", "Ủy ban", "ban")],
    }
    para1 = {"context": "Đà Nẵng đẹp.", "qas": [_qa("b", "Ở đâu đẹp?" + suffix, "Đà Nẵng")]}
    other = {"context": "X.", "qas": [_qa("c", "Gì?" + suffix, "X")]}
    return _squad(
        tmp_path,
        name,
        [
            {"title": "Hoa_Binh", "paragraphs": [para0, para1]},
            {"title": "Khac", "paragraphs": [other]},
        ],
    )


def test_load_squad_articles_and_questions(tmp_path: Path) -> None:
    squad = load_squad(_small(tmp_path))
    assert [a.id for a in squad.articles] == ["Hoa_Binh/0", "Hoa_Binh/1", "Khac/0"]
    assert squad.articles[0].title == "Hoa_Binh"
    assert squad.articles[0].text == "Ủy ban hòa bình họp."  # normalized tone placement
    assert squad.articles[0].date is None
    first = squad.questions[0]
    assert first == Question(
        id="a", question="Ai họp?", answers=("Ủy ban", "ban"), sources=("Hoa_Binh/0",), type="squad"
    )
    assert [q.sources for q in squad.questions] == [("Hoa_Binh/0",), ("Hoa_Binh/1",), ("Khac/0",)]


def test_questions_from_and_folding(tmp_path: Path) -> None:
    base = _small(tmp_path)
    other = _small(tmp_path, "en.json", suffix=" (en)")
    swapped = load_squad(base, questions_from=other)
    assert [q.question for q in swapped.questions] == [
        "Ai họp? (en)",
        "Ở đâu đẹp? (en)",
        "Gì? (en)",
    ]
    assert {q.type for q in swapped.questions} == {"squad-en"}
    assert swapped.questions[0].answers == ("Ủy ban", "ban")  # answers stay the base file's
    folded = load_squad(base, fold_questions=True)
    assert folded.questions[1].question == fold_text("Ở đâu đẹp?") == "o dau dep?"
    assert {q.type for q in folded.questions} == {"squad-folded"}
    assert load_squad(base, question_type="mine").questions[0].type == "mine"


def test_questions_from_with_missing_ids(tmp_path: Path) -> None:
    other = _squad(
        tmp_path,
        "en.json",
        [
            {"title": "T", "paragraphs": [{"context": "c", "qas": [_qa("a", "Who?", "x")]}]},
        ],
    )
    with pytest.raises(SquadFileError, match=r"2 of 3 question ids are missing \(e.g. b, c\)"):
        load_squad(_small(tmp_path), questions_from=other)


def test_malformed_squad_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [\n  {"title": }\n]}', encoding="utf-8")
    with pytest.raises(SquadFileError, match=r"(?s)broken.json: .*line 2, column 13"):
        load_squad(broken)
    with pytest.raises(SquadFileError, match="'data' list"):
        load_squad(_squad(tmp_path, "nodata.json", data=None))  # type: ignore[arg-type]
    bad = _squad(
        tmp_path,
        "bad.json",
        [
            {
                "title": "T",
                "paragraphs": [
                    {"qas": []},
                    {"context": "c", "qas": [{"id": "q"}]},
                    {"context": "c", "qas": [_qa("z", "?")]},
                ],
            },
            {"title": "T", "paragraphs": [{"context": "c", "qas": [_qa("z", "?", "a")]}]},
        ],
    )
    with pytest.raises(SquadFileError) as info:
        load_squad(bad)
    message = str(info.value)
    for needle in (
        "data[0].paragraphs[0]: missing 'context'",
        "data[0].paragraphs[1].qas[0]: needs non-empty string 'id' and 'question'",
        "data[0].paragraphs[2].qas[0]: 'answers' must be a non-empty list",
        "duplicate title 'T' (2 times)",
    ):
        assert needle in message


def test_repeated_question_ids_are_kept_and_numbered(tmp_path):
    # Real files repeat ids for different questions (ViQuAD dev does); none may be lost.
    path = _squad(
        tmp_path,
        "dup.json",
        [
            {
                "title": "T",
                "paragraphs": [
                    {
                        "context": "Lan đến Huế.",
                        "qas": [
                            _qa("z", "Ai đến?", "Lan"),
                            _qa("z", "Đến đâu?", "Huế"),
                            _qa("z", "Ai?", "Lan"),
                        ],
                    }
                ],
            }
        ],
    )
    questions = load_squad(path).questions
    assert [q.id for q in questions] == ["z", "z#2", "z#3"]
    assert [q.question for q in questions] == ["Ai đến?", "Đến đâu?", "Ai?"]


def _v2(tmp_path: Path, name: str = "v2.json", suffix: str = "") -> Path:
    """A SQuAD 2.0 file: one answerable and one impossible question about one paragraph."""
    answerable = {**_qa("p", "Ai họp?" + suffix, "Ủy ban"), "is_impossible": False}
    impossible = {
        **_qa("i", "Khi nào giải tán?" + suffix),
        "is_impossible": True,
        "plausible_answers": [{"text": "Ủy ban", "answer_start": 0}],
    }
    para = {"context": "Ủy ban hoà bình họp.", "qas": [answerable, impossible]}
    return _squad(tmp_path, name, [{"title": "T", "paragraphs": [para]}], version="v2.0")


def test_squad2_impossible_question_is_unanswerable(tmp_path: Path) -> None:
    squad = load_squad(_v2(tmp_path))
    assert [a.id for a in squad.articles] == ["T/0"]
    answerable, impossible = squad.questions
    assert answerable == Question(
        id="p", question="Ai họp?", answers=("Ủy ban",), sources=("T/0",), type="squad"
    )
    assert impossible == Question(
        id="i", question="Khi nào giải tán?", answers=(), sources=(), type="squad"
    )
    assert answerable.answerable and not impossible.answerable


def test_squad2_questions_from_keeps_impossible_unanswerable(tmp_path: Path) -> None:
    swapped = load_squad(_v2(tmp_path), questions_from=_v2(tmp_path, "en.json", " (en)"))
    assert [q.question for q in swapped.questions] == ["Ai họp? (en)", "Khi nào giải tán? (en)"]
    assert [q.answerable for q in swapped.questions] == [True, False]
    assert {q.type for q in swapped.questions} == {"squad-en"}


def test_squad2_answerable_without_answers_is_a_problem(tmp_path: Path) -> None:
    qas = [
        {**_qa("p", "Ai?"), "is_impossible": False},
        {**_qa("q", "Gì?", "x"), "is_impossible": "no"},
    ]
    path = _squad(
        tmp_path, "bad2.json", [{"title": "T", "paragraphs": [{"context": "c", "qas": qas}]}]
    )
    with pytest.raises(SquadFileError) as info:
        load_squad(path)
    message = str(info.value)
    assert "bad2.json" in message
    assert "data[0].paragraphs[0].qas[0]: 'answers' must be a non-empty list" in message
    assert "data[0].paragraphs[0].qas[1]: 'is_impossible' must be true or false" in message


@pytest.mark.skipif(not (XQUAD / "xquad.vi.json").exists(), reason="XQuAD data not present")
def test_real_xquad_vi_and_en() -> None:
    vi = load_squad(XQUAD / "xquad.vi.json")
    en = load_squad(XQUAD / "xquad.vi.json", questions_from=XQUAD / "xquad.en.json")
    assert (len(vi.articles), len(vi.questions)) == (240, 1190)
    assert len({a.title for a in vi.articles}) == 48
    assert en.articles == vi.articles
    assert [q.id for q in en.questions] == [q.id for q in vi.questions]
    assert [q.answers for q in en.questions] == [q.answers for q in vi.questions]
    ids = {a.id for a in vi.articles}
    assert all(q.answerable and q.sources[0] in ids for q in vi.questions)
    # Each answer occurs in its paragraph (both sides normalized the same way).
    text = {a.id: a.text for a in vi.articles}
    found = sum(any(ans in text[q.sources[0]] for ans in q.answers) for q in vi.questions)
    assert found / len(vi.questions) > 0.95
    assert (
        sum(q.question != e.question for q, e in zip(vi.questions, en.questions, strict=True))
        > 1100
    )
