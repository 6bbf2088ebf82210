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

from qa.answering.translate import first_line, reply_line, translation_messages  # noqa: E402
from qa.generation.generator import TransformersGenerator, chat_text  # noqa: E402

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


def translate_batch(generator, batch: list[str]) -> list[str]:
    """``translate`` for several questions in one batched greedy decoding (left-padded):
    on 2 cores, 32 at a time in bf16 take ~0.7 s a question against ~3 s one by one."""
    import torch

    model, tok = generator.load()
    tok.padding_side = "left"
    texts = [chat_text(tok, translation_messages(q, PROMPT)) for q in batch]
    enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    with torch.inference_mode():
        out = model.generate(
            **enc, max_new_tokens=PROMPT["max_new_tokens"], do_sample=False, pad_token_id=pad
        )
    new = out[:, enc["input_ids"].shape[1] :]
    return [first_line(tok.decode(row, skip_special_tokens=True)) for row in new]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("squad", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--batch", type=int, default=1, help="questions decoded together (e.g. 32)")
    ap.add_argument("--dtype", default="auto", help="generator dtype (bf16 is fastest batched)")
    args = ap.parse_args()
    todo = questions(args.squad, args.every)
    done = set()
    if args.out.exists():
        done = {json.loads(line)["id"] for line in args.out.read_text("utf-8").splitlines()}
    todo = [(qid, q) for qid, q in todo if qid not in done]
    generator = TransformersGenerator(args.model, dtype=args.dtype)
    generator.warm_up()
    t0, n = time.time(), 0
    with args.out.open("a", encoding="utf-8") as fh:
        for i in range(0, len(todo), args.batch):
            chunk = todo[i : i + args.batch]
            texts = [q for _, q in chunk]
            if args.batch == 1:
                english = [translate(generator, texts[0])]
            else:
                english = translate_batch(generator, texts)
            for (qid, question), en in zip(chunk, english, strict=True):
                fh.write(json.dumps({"id": qid, "vi": question, "en": en}, ensure_ascii=False))
                fh.write("\n")
            fh.flush()
            n += len(chunk)
            print(f"{len(done) + n}/{len(done) + len(todo)} ({(time.time() - t0) / n:.1f} s each)")


if __name__ == "__main__":
    main()
