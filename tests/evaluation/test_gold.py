"""The reader alone on gold paragraphs: each question's record and the summary's F1/EM,
refusal accuracy and false refusals, with FakeReader."""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

import pytest

from qa.evaluation.gold import read_gold, summary
from qa.reading.examples import Example
from qa.reading.reader import FakeReader

CTX = "Hôm qua Ông Ba Tư đến Huế dự lễ hội."


def _ex(qid: str, answer: str | None) -> Example:
    return Example(
        id=qid,
        question=f"{qid}?",
        context=CTX,
        answer_start=CTX.find(answer) if answer else None,
        answers=(answer,) if answer else (),
    )


EXAMPLES = [
    _ex("right", "Huế"),  # answered right
    _ex("partial", "Ông Ba Tư"),  # answered "Ông Ba": F1 0.8
    _ex("wrong", "lễ hội"),  # answered "Huế": F1 0
    _ex("refused", "Hôm qua"),  # the reader finds nothing: a false refusal
    _ex("none-refused", None),  # unanswerable, refused: right
    _ex("none-answered", None),  # unanswerable, answered: wrong
]
READER = FakeReader(
    {"right?": "Huế", "partial?": "Ông Ba", "wrong?": "Huế", "none-answered?": "Ba"}
)


def test_read_gold_records() -> None:
    recs = {r.id: r for r in read_gold(READER, EXAMPLES)}
    assert [r.id for r in read_gold(READER, EXAMPLES)] == [e.id for e in EXAMPLES]
    r = recs["right"]
    assert (r.span, r.best, r.f1, r.em, r.best_f1, r.refused) == (
        "Huế",
        "Huế",
        1.0,
        1.0,
        1.0,
        False,
    )
    r = recs["partial"]
    assert r.f1 == pytest.approx(0.8) and r.em == 0.0 and not r.refused
    r = recs["wrong"]
    assert (r.f1, r.em, r.best_f1) == (0.0, 0.0, 0.0)
    r = recs["refused"]
    assert (r.span, r.best, r.refused, r.f1, r.p_no_answer) == (None, None, True, 0.0, 1.0)
    r = recs["none-refused"]
    assert (r.answerable, r.refused, r.f1, r.em, r.best_f1) == (False, True, 1.0, 1.0, 0.0)
    r = recs["none-answered"]
    assert (r.answerable, r.refused, r.span, r.f1, r.em) == (False, False, "Ba", 0.0, 0.0)
    assert all(r.ms >= 0 for r in recs.values())
    # calibration outcomes: is the best span right (F1 >= 0.5), shown or not
    assert [r.outcome().right for r in recs.values()] == [True, True, False, False, False, False]
    assert recs["right"].outcome().margin == 5.0 and recs["refused"].outcome().margin == -5.0
    assert json.loads(json.dumps(recs["partial"].to_dict()))["span"] == "Ông Ba"


def test_summary_scores() -> None:
    got = summary(read_gold(READER, EXAMPLES))
    assert got["questions"] == 6
    assert got["f1"] == round(100 * (1 + 0.8 + 0 + 0) / 4, 1) == 45.0
    assert got["em"] == 25.0
    assert got["f1_unrefused"] == 45.0  # no best span was hidden by a refusal here
    assert got["refusal_accuracy"] == 0.5
    assert got["false_refusals"] == 0.25
    assert got["p50_ms"] >= 0


def test_a_doubtful_reader_refuses_but_keeps_its_best_span() -> None:
    doubtful = FakeReader({"right?": "Huế", "partial?": "Ông Ba"}, p_no_answer=0.9)
    recs = read_gold(doubtful, EXAMPLES[:2] + EXAMPLES[4:5])
    assert [r.refused for r in recs] == [True, True, True]
    assert [r.best for r in recs] == ["Huế", "Ông Ba", None]
    got = summary(recs)
    assert got["f1"] == 0.0 and got["em"] == 0.0  # a refusal scores 0
    assert got["f1_unrefused"] == 90.0  # (1 + 0.8) / 2: what the spans would have scored
    assert got["false_refusals"] == 1.0 and got["refusal_accuracy"] == 1.0


def test_summary_of_one_kind_only() -> None:
    only_answerable = summary(read_gold(READER, EXAMPLES[:1]))
    assert only_answerable["refusal_accuracy"] is None and only_answerable["f1"] == 100.0
    only_unanswerable = summary(read_gold(READER, EXAMPLES[4:]))
    assert only_unanswerable["f1"] is None and only_unanswerable["false_refusals"] is None
    assert summary([])["p50_ms"] is None


def test_run_gold_writes_predictions_and_metrics(tmp_path: Path) -> None:
    from qa.evaluation.gold_passage import run_gold

    qas = [
        {
            "id": e.id,
            "question": e.question,
            "is_impossible": not e.answerable,
            "answers": [{"text": a, "answer_start": e.answer_start} for a in e.answers],
        }
        for e in EXAMPLES
    ]
    data = [{"title": "T", "paragraphs": [{"context": CTX, "qas": qas}]}]
    squad = tmp_path / "gold.json"
    squad.write_text(json.dumps({"data": data}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out" / "preds.jsonl"
    options = Namespace(squad=str(squad), every=1, limit=0, out=str(out))
    said = []
    report = run_gold(options, say=said.append, reader=READER)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == [e.id for e in EXAMPLES]
    metrics = json.loads((tmp_path / "out" / "preds.metrics.json").read_text())
    assert metrics["f1"] == 45.0 and metrics["refusal_accuracy"] == 0.5
    assert 0 <= metrics["ece"] <= 1
    assert (tmp_path / "out" / "preds.reliability.png").stat().st_size > 0
    assert "f1: 45.0" in report and said == ["Reading 6 questions against their own paragraphs..."]
    with pytest.raises(ValueError, match="--squad"):
        run_gold(Namespace(squad=None), reader=READER)


def test_open_corpus_calibration_scores_each_answers_confidence(tmp_path: Path) -> None:
    from qa.evaluation.answer_metrics import AnswerRecord
    from qa.evaluation.evaluate import calibration

    def rec(answer: str) -> AnswerRecord:
        return AnswerRecord(id="q", type="squad", answerable=True, golds=("Hà Nội",), answer=answer)

    preds = [{"confidence": 0.9}, {"confidence": 0.9}, {"confidence": None}]
    answers = [rec("Hà Nội"), rec("Huế"), rec("Không tìm thấy.")]
    line, png = calibration(preds, answers, tmp_path / "preds.jsonl")
    # bin 9 only (the refusal has no confidence): right 1 of 2 at 0.9 -> 0.4
    assert line.endswith("(ECE, 2 answerable questions answered): 0.400") and png.exists()
