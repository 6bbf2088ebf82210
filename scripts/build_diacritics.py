"""Learn the diacritics model (``corpus.diacritics``) from the reader's training text, and
measure it on ViQuAD dev questions typed without diacritics.

    python scripts/build_diacritics.py [--out corpus/data/diacritics] [--sweep]

Train: the questions and passages of the reader's training files (never XQuAD-vi). Dev:
every ViQuAD dev question, folded, restored with and without its passage as context;
``--sweep`` picks ``context_weight`` and ``smoothing`` by syllable accuracy there.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.diacritics import SHIPPED, DiacriticModel, syllables  # noqa: E402
from corpus.normalize import fold_text  # noqa: E402
from qa.reading.examples import licence_of  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "qa"
TRAIN = [
    "viquad1.0/train_ViQuAD.json",
    "mailong25-vi-squad2/train-v2.0.json",
    "th1nhng0/train_reg.json",
    "th1nhng0/train_wiki.json",
]
DEV = "viquad1.0/dev_ViQuAD.json"


def squad_texts(path: Path):
    """Every passage and question of a SQuAD file, each once."""
    for article in json.loads(path.read_text("utf-8"))["data"]:
        for para in article["paragraphs"]:
            yield para["context"]
            for qa in para["qas"]:
                yield qa["question"]


def dev_pairs(every: int = 1) -> list[tuple[str, str]]:
    """(question, its passage) for ViQuAD dev."""
    data = json.loads((DATA / DEV).read_text("utf-8"))["data"]
    pairs = [(q["question"], p["context"]) for a in data for p in a["paragraphs"] for q in p["qas"]]
    return pairs[::every]


def accuracy(model: DiacriticModel, pairs, with_context: bool) -> float:
    """Share of syllables restored exactly (lowercase) from the folded question."""
    right = total = 0
    for question, passage in pairs:
        got = syllables(model.restore(fold_text(question), [passage] if with_context else []))
        want = syllables(question)
        right += sum(g == w for g, w in zip(got, want, strict=True))
        total += len(want)
    return right / total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=SHIPPED)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()
    t0 = time.time()
    texts = [t for name in TRAIN for t in squad_texts(DATA / name)]
    model = DiacriticModel.train(texts, min_count=args.min_count)
    print(
        f"trained on {len(texts)} texts: {len(model.unigrams)} spellings, "
        f"{len(model.bigrams)} pairs ({time.time() - t0:.0f} s)"
    )
    if args.sweep:
        model = sweep(model, dev_pairs(every=4))
    pairs = dev_pairs()
    dev = {}
    for ctx in (False, True):
        dev["with_passage" if ctx else "alone"] = round(accuracy(model, pairs, ctx), 4)
        print(f"ViQuAD dev syllable accuracy, context={ctx}: {dev[list(dev)[-1]]:.4f}")
    data = [
        {"file": name, "sha256": _sha256(DATA / name), "licence": licence_of(name)}
        for name in TRAIN
    ]
    model.save(args.out, {"data": data, "min_count": args.min_count, "viquad_dev": dev})
    print(f"saved to {args.out}")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def sweep(model: DiacriticModel, pairs) -> DiacriticModel:
    from dataclasses import replace

    best = (0.0, model)
    for cw in (5.0, 20.0, 50.0, 200.0):
        for sm in (1.0, 4.0, 16.0):
            m = replace(model, context_weight=cw, smoothing=sm, spellings={})
            acc = accuracy(m, pairs, True)
            print(f"  context_weight {cw:g} smoothing {sm:g}: {acc:.4f}")
            best = max(best, (acc, m), key=lambda b: b[0])
    return best[1]


if __name__ == "__main__":
    main()
