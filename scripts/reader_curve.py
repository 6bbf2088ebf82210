"""F1 against training windows seen: each saved checkpoint of a ``train-reader`` run,
exported as a reader folder and read against gold paragraphs of the dev sets.

    python scripts/reader_curve.py --ckpts DIR --run OUT [--n 400] [--png docs/reader-curve.png]

``DIR`` holds ``state-<step>.pt`` copies of ``OUT/checkpoint/state.pt``; ``OUT`` is the run's
reader folder (its manifest gives the hyperparameters). Dev sets only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.evaluation.gold import read_gold, summary  # noqa: E402
from qa.reading.examples import load_squad  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "qa"


def export(state_path: Path, out: Path, frozen: int, hp: dict) -> Path:
    import torch

    from embeddings.encoder import ensure_default_model
    from qa.reading import model as rm

    model = rm.build(ensure_default_model(), frozen)
    state = torch.load(state_path, weights_only=False)
    model.load_state_dict(state["model"], strict=False)
    return rm.save(model, out, {"hyperparameters": hp}, dtype="fp32")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpts", type=Path, required=True)
    ap.add_argument("--frozen-layers", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--png", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    from qa.reading.reader import TrainedReader

    viquad = list(load_squad(DATA / "viquad1.0" / "dev_ViQuAD.json").examples)[1::2][: args.n]
    done = json.loads(args.json.read_text()) if args.json and args.json.exists() else {}
    for path in sorted(
        args.ckpts.glob("state-*.pt"), key=lambda p: int(re.findall(r"\d+", p.name)[0])
    ):
        step = int(re.findall(r"\d+", path.name)[0])
        if str(step) in done:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            export(path, Path(tmp), args.frozen_layers, {})
            reader = TrainedReader(tmp, threshold=1.0)
            v = summary(read_gold(reader, viquad))
        done[str(step)] = {
            "windows": step * args.batch_size,
            "viquad_dev_f1": v["f1"],
            "viquad_dev_em": v["em"],
        }
        print(step, done[str(step)], flush=True)
        if args.json:
            args.json.write_text(json.dumps(done, indent=1))
    if args.png:
        _plot(done, args.png)


def _plot(done: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(done.values(), key=lambda r: r["windows"])
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    ax.plot(
        [r["windows"] for r in rows],
        [r["viquad_dev_f1"] for r in rows],
        "o-",
        label="ViQuAD dev F1 (gold paragraph, odd half)",
    )
    ax.set(xlabel="training windows seen", ylabel="F1", title="Reader learning curve")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)


if __name__ == "__main__":
    main()
