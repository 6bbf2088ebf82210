"""scripts/cross_lingual_squad.py: English questions over Vietnamese paragraphs, built from
translate_questions.py's JSONL, load as training examples whose answers still point into
their paragraphs."""

import json
import subprocess
import sys
from pathlib import Path

from qa.reading.examples import load_squad

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = "Hà Nội là thủ đô của Việt Nam. Thành phố có hơn 8 triệu dân."
SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Hà Nội",
            "paragraphs": [
                {
                    "context": CONTEXT,
                    "qas": [
                        {
                            "id": "q1",
                            "question": "Thủ đô của Việt Nam là gì?",
                            "answers": [{"text": "Hà Nội", "answer_start": 0}],
                        },
                        {
                            "id": "q2",
                            "question": "Hà Nội có bao nhiêu dân?",
                            "answers": [{"text": "hơn 8 triệu dân", "answer_start": 45}],
                        },
                        {
                            "id": "q3",
                            "question": "Hà Nội thuộc nước nào?",
                            "answers": [{"text": "Việt Nam", "answer_start": 21}],
                        },
                    ],
                }
            ],
        }
    ],
}
TRANSLATIONS = [
    {"id": "q1", "vi": "Thủ đô của Việt Nam là gì?", "en": "What is the capital of Vietnam?"},
    {"id": "q2", "vi": "Hà Nội có bao nhiêu dân?", "en": "The population of Hanoi"},  # no "?"
    {"id": "q3", "vi": "Câu hỏi cũ?", "en": "An older question?"},  # not the file's question
]


def build(tmp_path: Path, *flags: str) -> list:
    squad, jsonl, out = tmp_path / "train.json", tmp_path / "en.jsonl", tmp_path / "out.json"
    squad.write_text(json.dumps(SQUAD, ensure_ascii=False), "utf-8")
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in TRANSLATIONS), "utf-8")
    script = ROOT / "scripts" / "cross_lingual_squad.py"
    subprocess.run([sys.executable, script, squad, jsonl, out, *flags], check=True)
    return list(load_squad(out).examples)


def test_only_translations_that_read_as_questions_of_the_same_text_are_kept(tmp_path):
    examples = build(tmp_path)
    assert [(e.id, e.question) for e in examples] == [("en-q1", "What is the capital of Vietnam?")]
    e = examples[0]
    assert e.context == CONTEXT and e.context[e.answer_start :].startswith(e.answers[0])


def test_paired_keeps_the_vietnamese_question_beside_its_english_one(tmp_path):
    examples = build(tmp_path, "--paired")
    assert [e.id for e in examples] == ["q1", "en-q1"]
    assert {(e.answer_start, e.answers) for e in examples} == {(0, ("Hà Nội",))}
