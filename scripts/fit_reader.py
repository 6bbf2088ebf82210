"""Fit the reader's calibration and refusal threshold on the dev sets, and record its
dev scores in the reader's manifest.

    python scripts/fit_reader.py --reader qa/reading/weights [--limit N]

Dev sets only (never XQuAD-vi): ViQuAD dev read against its own paragraphs, the same
questions against another paragraph of their own article (no answer there), and
mailong25 dev (SQuAD 2.0); the questions as users also type them: without diacritics
(every 4th ViQuAD dev question, folded) and in English (machine translations of ViQuAD
and mailong25 dev questions, ``scripts/translate_questions.py``, in ``scripts/data/``).
Even-numbered questions fit the calibration and threshold (P(no answer) on the first 800
of each set and 150 of the open ones, see ``NO_ANSWER_FIRST``; the answer's confidence on
all); odd-numbered ones are held out to measure them (ECE, refusal accuracy). ``--limit N``
reads only the first N questions of each set (a quick look, not the shipped fit).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dev_readings import load_records, read_all  # noqa: E402  (scripts/ is on the path)

from qa.evaluation.gold import summary  # noqa: E402
from qa.reading.calibrate import (  # noqa: E402
    calibration_figures,
    expected_calibration_error,
    fit_logistic,
    fit_threshold,
)
from qa.reading.decode import FEATURES  # noqa: E402
from qa.reading.examples import licence_of  # noqa: E402
from qa.reading.probability import p_no_answer, p_right  # noqa: E402

VARIANTS = {
    # name: (features, what P(answer) is fitted to)
    "margin-answerable": (("margin",), "answerable"),
    "margin-right": (("margin",), "right"),
    "features-answerable": (FEATURES, "answerable"),
    "features-right": (FEATURES, "right"),
}
# The calibration is fitted on these; the folded sets are held out whole (they measure
# how it carries over to questions typed without diacritics, read with them restored).
FITTED = ("viquad_dev", "viquad_dev_negatives", "mailong25_dev", "viquad_dev_open")
FITTED += ("viquad_dev_withheld",)
# P(no answer) is fitted on the first questions of these sets only (and of the open sets):
# fitted on all of them it refused more and answered less (docs/reader.md). The answer's
# confidence is fitted on every question read: on the first 800 alone it was overconfident
# on passages found by retrieval.
NO_ANSWER_FIRST = {"viquad_dev": 800, "viquad_dev_negatives": 800, "mailong25_dev": 800}
NO_ANSWER_FIRST_OPEN = 150


def no_answer_part(name: str, records: list) -> list:
    """The questions of set ``name`` that P(no answer) may be fitted on (its even ones)."""
    if name.endswith(("_open", "_withheld")):
        return records[:NO_ANSWER_FIRST_OPEN]
    return records[: NO_ANSWER_FIRST.get(name)]


def is_english(name: str) -> bool:
    """English sets get their own calibration (``qa.reading.reader.calibration_for``)."""
    return name.endswith("_en") or "_en_" in name


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reader", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--plots", type=Path, default=ROOT / "docs")
    ap.add_argument("--write", action="store_true", help="store calibration in the manifest")
    ap.add_argument("--open", type=int, default=300, help="N ViQuAD dev questions open-corpus")
    ap.add_argument("--records", type=Path, default=None, help="write every reading (JSONL)")
    ap.add_argument("--from-records", type=Path, default=None, help="refit from such a file")
    ap.add_argument("--variant", choices=[*sorted(VARIANTS), "best"], default="best")
    args = ap.parse_args()
    records = load_records(args.from_records) if args.from_records else read_all(args)
    vietnamese = {k: v for k, v in records.items() if not is_english(k)}
    english = {k: v for k, v in records.items() if is_english(k)}
    report = choose(vietnamese, args.variant, args.plots, FITTED)
    if english:  # its own calibration, chosen the same way on the English sets
        report_en = choose(english, args.variant, args.plots, tuple(english))
        report["calibration"]["english"] = report_en["calibration"]
        report["sets"].update(report_en["sets"])
    print(json.dumps({k: v for k, v in report.items() if k != "threshold_curve"}, indent=2))
    if args.write:
        _write(args.reader, report)


def choose(records: dict, variant: str, plots: Path | None, fitted: tuple) -> dict:
    """The report of ``variant`` fitted on the ``fitted`` sets, or with ``"best"``, of
    the variant with the best dev score on their held-out halves."""
    confidence = fit_confidence(records, fitted)  # the same whichever variant
    reports = {name: fit(records, name, None, fitted, confidence) for name in VARIANTS}
    for name, rep in reports.items():
        print(name, f"dev score {dev_score(rep, fitted):.4f}", json.dumps(_brief(rep)))
    if variant == "best":
        variant = max(reports, key=lambda name: dev_score(reports[name], fitted))
    return fit(records, variant, plots, fitted, confidence)


def fit(records: dict, variant: str, plots: Path | None, fitted: tuple, confidence: dict) -> dict:
    """Fit ``variant`` of P(no answer) on the even-numbered questions of the ``fitted``
    sets, beside the ``confidence`` block; score the odd ones of every set."""
    names, target = VARIANTS[variant]
    train = [
        r for name in fitted if name in records for r in no_answer_part(name, records[name])[0::2]
    ]
    y = [int(r.answerable and (target == "answerable" or r.best_f1 >= 0.5)) for r in train]
    cal = fit_logistic([r.evidence for r in train], y, names)
    threshold, curve = fit_threshold([r.outcome() for r in train], cal)
    cal["confidence"] = confidence
    report = {"calibration": {**cal, "threshold": threshold, "variant": variant}, "sets": {}}
    for name, recs in records.items():
        report["sets"][name] = _scores(recs[1::2], cal, threshold, plots, name)
    report["threshold_curve"] = [[round(x, 3) for x in row] for row in curve]
    return report


def own_paragraph(name: str) -> bool:
    """Sets read against each question's own paragraph (not retrieval, not negatives)."""
    return not name.endswith(("_open", "_withheld", "_negatives"))


def fit_confidence(records: dict, fitted: tuple) -> dict:
    """The answer's confidence, P(the best span is right), fitted on the even-numbered
    answerable questions of the ``fitted`` sets read against their own paragraph: given
    that the text holds an answer, how often is a span with this evidence right?"""
    sets = [name for name in fitted if name in records and own_paragraph(name)]
    train = [r for name in sets for r in records[name][0::2] if r.answerable]
    block = fit_logistic([r.evidence for r in train], [int(r.best_f1 >= 0.5) for r in train])
    where = ", ".join(sets)
    return {**block, "fitted_on": f"{len(train)} answerable even-numbered questions of {where}"}


def dev_score(report: dict, fitted: tuple) -> float:
    """How a calibration is chosen (held-out halves of the ``fitted`` sets): the mean of
    each set's answering score (F1 / 100 of answerable sets, refusal accuracy of
    unanswerable ones, balanced accuracy of mixed ones), less the mean calibration error
    of 1 - P(no answer) on the answerable sets (``ece_no_answer``: how well refusing tracks
    the answers; the confidence shown is fitted apart and does not depend on the variant)."""
    parts, eces = [], []
    for name, scores in report["sets"].items():
        if name not in fitted:
            continue
        f1, refused, false = (scores.get(k) for k in ("f1", "refusal_accuracy", "false_refusals"))
        if refused is not None and false is not None:
            parts.append((refused + 1 - false) / 2)
        elif refused is not None:
            parts.append(refused)
        elif f1 is not None:
            parts.append(f1 / 100)
        if scores.get("ece_no_answer") is not None:
            eces.append(scores["ece_no_answer"])
    return sum(parts) / len(parts) - (sum(eces) / len(eces) if eces else 0.0)


def _brief(report: dict) -> dict:
    keys = ("f1", "refusal_accuracy", "false_refusals", "ece")
    return {
        name: {k: v for k, v in scores.items() if k in keys and v is not None}
        for name, scores in report["sets"].items()
    }


def _scores(held, cal, threshold, plots: Path, name: str) -> dict:
    shown = []
    for r in held:
        p = p_no_answer(r.evidence, cal)
        refused = p > threshold
        if r.answerable:
            f1, em = (0.0, 0.0) if refused else (r.best_f1, r.em)
        else:
            f1 = em = float(refused)
        conf = p_right(r.evidence, cal)
        shown.append(replace(r, p_no_answer=p, refused=refused, f1=f1, em=em, confidence=conf))
    out = summary(shown)
    ans = [r for r in shown if r.answerable]
    if ans:
        right = [int(r.best_f1 >= 0.5) for r in ans]
        no_answer = [1 - r.p_no_answer for r in ans]
        out["ece_no_answer"] = round(expected_calibration_error(no_answer, right), 4)
        conf = [r.confidence for r in ans]
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
        "fitted_on": "even-numbered questions of viquad_dev, its own-article negatives, "
        "mailong25_dev, viquad_dev_open and _withheld (the folded sets are not fitted "
        "on); the scores below are on the odd-numbered ones",
    }
    if "english" in man["calibration"]:
        man["calibration"]["english"]["fitted_on"] = (
            "even-numbered questions of the English sets below (ViQuAD and mailong25 dev "
            "questions machine-translated, scripts/data/), gold passage and open corpus"
        )
    man["dev_scores"] = report["sets"]
    for entry in man.get("data", []):
        entry.setdefault("licence", licence_of(entry["file"]))
    path.write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
