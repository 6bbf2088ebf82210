"""Fit the reader's calibration and refusal threshold on the dev sets, and record its
dev scores in the reader's manifest.

    python scripts/fit_reader.py --reader qa/reading/weights [--limit N]

Dev sets only (never XQuAD-vi): ViQuAD dev read against its own paragraphs, the same
questions against another paragraph of their own article (no answer there), and
mailong25 dev (SQuAD 2.0). Even-numbered questions fit the calibration and threshold;
odd-numbered ones are held out to measure them (ECE, refusal accuracy).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.evaluation.gold import GoldRecord, read_gold, score_reading, summary  # noqa: E402
from qa.reading.calibrate import (  # noqa: E402
    calibration_figures,
    expected_calibration_error,
    fit_logistic,
    fit_threshold,
)
from qa.reading.decode import FEATURES, Evidence  # noqa: E402
from qa.reading.examples import article_negatives, licence_of, load_squad  # noqa: E402
from qa.reading.reader import TrainedReader, p_no_answer  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "qa"


def dev_sets(limit: int | None) -> dict:
    viquad = list(load_squad(DATA / "viquad1.0" / "dev_ViQuAD.json").examples)
    mailong = list(load_squad(DATA / "mailong25-vi-squad2" / "dev-v2.0.json").examples)
    negs = article_negatives(viquad, every=3)
    sets = {"viquad_dev": viquad, "viquad_dev_negatives": negs, "mailong25_dev": mailong}
    return {k: v[:limit] if limit else v for k, v in sets.items()}


def read_open(reader, retriever, examples, withhold: bool, k: int = 5):
    """Each question through retrieval (top ``k`` over all ViQuAD dev paragraphs) and the
    reader, as in use; ``withhold`` leaves the question's own paragraph out, so the answer
    is (almost always) absent: the unanswerable case met in use."""
    from dataclasses import replace

    from qa.records.hit import Filters

    everything = frozenset(retriever.store.articles)
    how = reader.rerank  # as answers read: retrieval's score joins the reader's, if fitted
    out = []
    for ex in examples:
        title, _, pi = ex.title.rpartition("#")
        filters = Filters(doc_ids=everything - {f"{title}/{pi}"}) if withhold else None
        hits = retriever.search(ex.question, k=k, filters=filters)
        if withhold:
            ex = replace(ex, answer_start=None, answers=())
        prior = [how.retrieval_weight * h.score for h in hits] if how else None
        t0 = time.perf_counter()
        reading = reader.read(ex.question, [h.text for h in hits], prior)
        out.append(score_reading(ex, reading, (time.perf_counter() - t0) * 1000))
    return out


def open_sets(reader, examples, n: int) -> dict:
    from embeddings.encoder import default_encoder
    from qa.evaluation.evaluate import _squad_index
    from qa.evaluation.squad import load_squad as load_articles
    from qa.retrieval.retriever import HybridRetriever

    path = DATA / "viquad1.0" / "dev_ViQuAD.json"
    encoder = default_encoder()
    folder = _squad_index(path, load_articles(path).articles, encoder, print)
    retriever = HybridRetriever.load(folder, encoder)
    part = examples[:n]
    return {
        "viquad_dev_open": read_open(reader, retriever, part, withhold=False),
        "viquad_dev_withheld": read_open(reader, retriever, part, withhold=True),
    }


VARIANTS = {
    # name: (features, what P(answer) is fitted to)
    "margin-answerable": (("margin",), "answerable"),
    "margin-right": (("margin",), "right"),
    "features-answerable": (FEATURES, "answerable"),
    "features-right": (FEATURES, "right"),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reader", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--plots", type=Path, default=ROOT / "docs")
    ap.add_argument("--write", action="store_true", help="store calibration in the manifest")
    ap.add_argument("--open", type=int, default=0, help="also N ViQuAD dev questions open-corpus")
    ap.add_argument("--records", type=Path, default=None, help="write every reading (JSONL)")
    ap.add_argument("--from-records", type=Path, default=None, help="refit from such a file")
    ap.add_argument("--variant", choices=[*sorted(VARIANTS), "best"], default="best")
    args = ap.parse_args()
    records = _load(args.from_records) if args.from_records else _read_all(args)
    reports = {name: fit(records, name, None) for name in VARIANTS}
    for name, rep in reports.items():
        print(name, f"dev score {dev_score(rep):.4f}", json.dumps(_brief(rep)))
    variant = args.variant
    if variant == "best":
        variant = max(reports, key=lambda name: dev_score(reports[name]))
    report = fit(records, variant, args.plots)
    print(json.dumps({k: v for k, v in report.items() if k != "threshold_curve"}, indent=2))
    if args.write:
        _write(args.reader, report)


def _read_all(args) -> dict:
    reader = TrainedReader(args.reader, threshold=1.0)
    reader.warm_up()
    reader._manifest.pop("calibration", None)  # raw margins: calibration is what we fit
    sets = dev_sets(args.limit)
    records = {name: read_gold(reader, exs, progress=True) for name, exs in sets.items()}
    if args.open:
        records.update(open_sets(reader, sets["viquad_dev"], args.open))
    if args.records:
        with open(args.records, "w", encoding="utf-8") as fh:
            for name, recs in records.items():
                for r in recs:
                    fh.write(json.dumps({"set": name, **r.to_dict()}, ensure_ascii=False) + "\n")
    return records


def _load(path: Path) -> dict:
    records: dict = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        name = row.pop("set")
        row["evidence"] = Evidence(**row.get("evidence", {"margin": row["margin"]}))
        records.setdefault(name, []).append(GoldRecord(**row))
    return records


def fit(records: dict, variant: str, plots: Path | None) -> dict:
    """Fit ``variant`` on the even-numbered questions of every set; score the odd ones."""
    names, target = VARIANTS[variant]
    train = [r for recs in records.values() for r in recs[0::2]]
    y = [int(r.answerable and (target == "answerable" or r.best_f1 >= 0.5)) for r in train]
    cal = fit_logistic([r.evidence for r in train], y, names)
    threshold, curve = fit_threshold([r.outcome() for r in train], cal)
    report = {"calibration": {**cal, "threshold": threshold, "variant": variant}, "sets": {}}
    for name, recs in records.items():
        report["sets"][name] = _scores(recs[1::2], cal, threshold, plots, name)
    report["threshold_curve"] = [[round(x, 3) for x in row] for row in curve]
    return report


def dev_score(report: dict) -> float:
    """How a calibration is chosen (held-out halves): the mean of each set's answering
    score (F1 / 100 of answerable sets, refusal accuracy of unanswerable ones, balanced
    accuracy of mixed ones), less the mean calibration error of the answerable sets."""
    parts, eces = [], []
    for scores in report["sets"].values():
        f1, refused, false = (scores.get(k) for k in ("f1", "refusal_accuracy", "false_refusals"))
        if refused is not None and false is not None:
            parts.append((refused + 1 - false) / 2)
        elif refused is not None:
            parts.append(refused)
        elif f1 is not None:
            parts.append(f1 / 100)
        if scores.get("ece") is not None:
            eces.append(scores["ece"])
    return sum(parts) / len(parts) - (sum(eces) / len(eces) if eces else 0.0)


def _brief(report: dict) -> dict:
    keys = ("f1", "refusal_accuracy", "false_refusals", "ece")
    return {
        name: {k: v for k, v in scores.items() if k in keys and v is not None}
        for name, scores in report["sets"].items()
    }


def _scores(held, cal, threshold, plots: Path, name: str) -> dict:
    from dataclasses import replace

    shown = []
    for r in held:
        p = p_no_answer(r.evidence, cal)
        refused = p > threshold
        if r.answerable:
            f1, em = (0.0, 0.0) if refused else (r.best_f1, r.em)
        else:
            f1 = em = float(refused)
        shown.append(replace(r, p_no_answer=p, refused=refused, f1=f1, em=em))
    out = summary(shown)
    ans = [r for r in shown if r.answerable]
    if ans:
        conf = [1 - r.p_no_answer for r in ans]
        right = [int(r.best_f1 >= 0.5) for r in ans]
        if plots is None:
            out["ece"] = round(expected_calibration_error(conf, right), 4)
        else:
            ece = calibration_figures(conf, right, plots / f"reliability-{name}.png", name)
            out["ece"] = round(ece, 4)
    return out


def _write(folder: Path, report: dict) -> None:
    path = folder / "manifest.json"
    man = json.loads(path.read_text(encoding="utf-8"))
    man["calibration"] = {
        **report["calibration"],
        "fitted_on": "even-numbered questions of every dev set below (viquad_dev, its "
        "own-article negatives, mailong25_dev, viquad_dev open and withheld); the scores "
        "are on the odd-numbered ones",
    }
    man["dev_scores"] = report["sets"]
    for entry in man.get("data", []):
        entry.setdefault("licence", licence_of(entry["file"]))
    path.write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
