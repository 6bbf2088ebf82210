"""Translate a SQuAD file's Vietnamese questions into English with the local generator:
dev data for what no dev set here has, English questions over Vietnamese passages.

    python scripts/translate_questions.py dev_ViQuAD.json scripts/data/viquad-dev-en.jsonl --every 4

Writes one JSON line per question (``id``, ``vi``, ``en``); run it again after a kill and
it goes on where it stopped. Machine translations are imperfect, as users' English is:
``fit_reader.py`` keeps only those that read as questions (ending in "?"). Dev sets only;
never XQuAD-vi (its English questions are a test set).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.answering.translate import reply_line, translation_messages  # noqa: E402
from qa.generation.generator import TransformersGenerator  # noqa: E402

# The prompt (qa.answering.translate's form, the other way round); the examples are
# written for it (not from any data set) and show the form wanted.
PROMPT = {
    "system": "Translate the user's Vietnamese question into English. Do not answer it: reply "
    "with the English question only, ending with a question mark. Keep names as written.",
    "examples": [
        ("Thành phố nào là thủ đô của Úc?", "Which city is the capital of Australia?"),
        ("Bảo tàng Louvre được xây dựng vào năm nào?", "In what year was the Louvre Museum built?"),
        (
            "Công ty Vingroup đã đầu tư bao nhiêu tiền vào dự án?",
            "How much money did Vingroup invest in the project?",
        ),
    ],
    "max_new_tokens": 48,
}


def questions(path: Path, every: int) -> list[tuple[str, str]]:
    """(id, question) of every ``every``-th question of a SQuAD file, in file order."""
    data = json.loads(path.read_text("utf-8"))["data"]
    found = [(q["id"], q["question"]) for a in data for p in a["paragraphs"] for q in p["qas"]]
    return found[::every]


def translate(generator, question: str) -> str:
    """The generator's English for ``question``: its first line, stripped."""
    messages = translation_messages(question, PROMPT)
    return reply_line(generator, messages, PROMPT["max_new_tokens"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("squad", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--model", default="qwen2.5-1.5b")
    args = ap.parse_args()
    todo = questions(args.squad, args.every)
    done = set()
    if args.out.exists():
        done = {json.loads(line)["id"] for line in args.out.read_text("utf-8").splitlines()}
    generator = TransformersGenerator(args.model)
    generator.warm_up()
    t0, n = time.time(), 0
    with args.out.open("a", encoding="utf-8") as fh:
        for qid, question in todo:
            if qid in done:
                continue
            english = translate(generator, question)
            fh.write(json.dumps({"id": qid, "vi": question, "en": english}, ensure_ascii=False))
            fh.write("\n")
            fh.flush()
            n += 1
            if n % 20 == 0:
                print(f"{len(done) + n}/{len(todo)} ({(time.time() - t0) / n:.1f} s each)")


if __name__ == "__main__":
    main()
