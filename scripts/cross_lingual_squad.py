"""Build a SQuAD file of English questions over Vietnamese paragraphs, for training the
reader to read what users ask in English (there is no such training set to download).

    python scripts/cross_lingual_squad.py train_ViQuAD.json scripts/data/viquad-train-en.jsonl \
        runs/viquad-train-en.squad.json

Takes the questions of the SQuAD file that ``scripts/translate_questions.py`` translated
(its JSONL: ``id``, ``vi``, ``en``), keeps those whose English reads as a question (ends in
"?") and whose Vietnamese is still the file's question, and writes them over their own
paragraphs with their answers unchanged, ids prefixed ``en-``; with ``--paired`` the
Vietnamese question stays beside its English one (the same answer, asked both ways).
Paragraphs left without a question are left out. Train files only: never a dev or test
set's questions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def english_questions(path: Path) -> dict[str, tuple[str, str]]:
    """id -> (Vietnamese, English) for every translation that reads as a question."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return {r["id"]: (r["vi"], r["en"].strip()) for r in rows if r["en"].strip().endswith("?")}


def cross_lingual(squad: dict, english: dict[str, tuple[str, str]], paired: bool = False) -> dict:
    """``squad`` with only its translated questions, asked in English (and, ``paired``,
    also as written).

    >>> data = {"data": [{"title": "T", "paragraphs": [{"context": "Hà Nội là thủ đô.",
    ...     "qas": [{"id": "1", "question": "Thủ đô là gì?", "answers": []},
    ...             {"id": "2", "question": "Ở đâu?", "answers": []}]}]}]}
    >>> out = cross_lingual(data, {"1": ("Thủ đô là gì?", "What is the capital?")})
    >>> [q["id"] + " " + q["question"] for q in out["data"][0]["paragraphs"][0]["qas"]]
    ['en-1 What is the capital?']
    >>> out = cross_lingual(data, {"1": ("Thủ đô là gì?", "What is the capital?")}, paired=True)
    >>> [q["id"] for q in out["data"][0]["paragraphs"][0]["qas"]]
    ['1', 'en-1']
    """
    articles = []
    for article in squad["data"]:
        paragraphs = []
        for p in article["paragraphs"]:
            qas = []
            for q in p["qas"]:
                if q["id"] in english and english[q["id"]][0] == q["question"]:
                    qas += [q] if paired else []
                    qas.append({**q, "id": f"en-{q['id']}", "question": english[q["id"]][1]})
            if qas:
                paragraphs.append({**p, "qas": qas})
        if paragraphs:
            articles.append({**article, "paragraphs": paragraphs})
    return {"version": squad.get("version", "cross-lingual"), "data": articles}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("squad", type=Path, help="the SQuAD file the questions come from")
    ap.add_argument("translations", type=Path, help="translate_questions.py's JSONL")
    ap.add_argument("out", type=Path)
    ap.add_argument("--paired", action="store_true", help="keep each Vietnamese question too")
    args = ap.parse_args()
    squad = json.loads(args.squad.read_text("utf-8"))
    out = cross_lingual(squad, english_questions(args.translations), args.paired)
    n = sum(len(p["qas"]) for a in out["data"] for p in a["paragraphs"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, ensure_ascii=False), "utf-8")
    print(f"{n} questions over {args.squad.name}'s paragraphs -> {args.out}")


if __name__ == "__main__":
    main()
