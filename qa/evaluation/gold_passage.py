"""``hoidap eval --squad FILE --gold-passage``: the reader alone, each question read
against its own paragraph; SQuAD 2.0 unanswerable questions are scored as refusals.

Writes the predictions (one JSON line each: ``span``, ``p_no_answer``, scores),
``<stem>.metrics.json`` and ``<stem>.reliability.png`` next to ``--out``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.evaluation.gold import read_gold, summary
from qa.reading.calibrate import calibration_figures
from qa.reading.examples import load_squad


def run_gold(options: Any, say: Callable[[str], None] = print, reader=None) -> str:
    """Read, score, write; returns the printed report."""
    if not options.squad:
        raise ValueError("--gold-passage needs --squad FILE (questions with their paragraphs)")
    examples = list(load_squad(options.squad).examples)[:: options.every]
    if options.limit:
        examples = examples[: options.limit]
    if reader is None:
        from qa.reading.reader import TrainedReader

        reader = TrainedReader()
    say(f"Reading {len(examples)} questions against their own paragraphs...")
    records = read_gold(reader, examples, progress=True)
    scores = summary(records)
    ans = [r for r in records if r.answerable]
    conf = [1 - r.p_no_answer if r.confidence is None else r.confidence for r in ans]
    right = [int(r.best_f1 >= 0.5) for r in ans]  # is the best span right, shown or not
    out = Path(options.out)
    png = out.with_name(out.stem + ".reliability.png")
    ece = calibration_figures(conf, right, png, f"{Path(options.squad).name}, gold paragraph")
    scores["ece"] = None if ece is None else round(ece, 4)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    metrics = out.with_name(out.stem + ".metrics.json")
    metrics.write_text(json.dumps(scores, indent=2), encoding="utf-8")
    lines = [f"{k}: {v}" for k, v in scores.items()]
    return "\n".join(
        ["reader alone (gold paragraph)", *lines, *(f"wrote {p}" for p in (out, metrics, png))]
    )
