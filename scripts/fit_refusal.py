"""Fit the retrieval-evidence refusal gate (qa.refusal.RefusalPolicy) on a question set.

    HOIDAP_CACHE=... python scripts/fit_refusal.py [questions.jsonl] [--max-false 0.02]
    python scripts/fit_refusal.py [questions.jsonl] --predictions PRED.jsonl [--max-false 0.08]

For every question it computes the evidence the answerer sees (best-sentence support and
best dense score over the retrieved passages), then sweeps both thresholds and prints the
pair that refuses the most unanswerable questions while wrongly refusing at most
``--max-false`` of the answerable ones. The generator's own refusal comes on top of this
gate, so the gate is kept conservative.

With ``--predictions`` (a ``hoidap eval`` run made with ``min_confidence``, ``min_check``,
``min_grounding`` and ``min_focus`` switched off) it fits the checks made after generation
instead: the answer confidence (mean token log-probability), the self-check's P(yes), and
the grounding and focus of the answer's source sentence (qa.grounding), below which a
generated answer is replaced by the refusal.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from corpus.bundled import questions_path
from qa.answerer import _evidence
from qa.language import ENGLISH, query_language
from qa.questions import load_questions
from qa.refusal import Evidence, RefusalPolicy
from qa.retriever import Retriever


def sweep(evidence: list[Evidence], answerable: list[bool], max_false: float):
    best = None
    for s in np.arange(0.0, 1.01, 0.02):
        for d in np.arange(0.70, 0.951, 0.005):
            policy = RefusalPolicy(float(s), float(d), float(d))
            refused = [policy.gate(e) for e in evidence]
            false = np.mean([r for r, a in zip(refused, answerable, strict=True) if a])
            right = np.mean([r for r, a in zip(refused, answerable, strict=True) if not a])
            key = (false <= max_false, right, -false, -s, -d)
            if best is None or key > best[0]:
                best = (key, policy, right, false)
    return best[1:]


def fit_confidence(path: str, questions, max_false: float) -> None:
    import json

    answerable = {q.id: q.answerable for q in questions}
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    rows = [r for r in rows if r["id"] in answerable]
    checks = (("confidence", -9.0), ("check_yes", 0.0), ("grounding", 0.0), ("focus", 0.0))
    for key, off in checks:
        fit_one(rows, answerable, key, off, max_false)


def fit_one(rows, answerable, key: str, off: float, max_false: float) -> None:
    values = sorted({r[key] for r in rows if r.get(key) is not None})
    if not values:
        print(f"no {key} in the predictions")
        return
    best = None
    for t in [off, *values]:
        refused = {r["id"]: r["refused"] or (r.get(key) if r.get(key) is not None else 1e9) < t
                   for r in rows}  # fmt: skip
        ans = [refused[i] for i in refused if answerable[i]]
        una = [refused[i] for i in refused if not answerable[i]]
        false, right = float(np.mean(ans)), float(np.mean(una)) if una else 0.0
        feasible = false <= max_false
        rank = (feasible, right - false if feasible else -false, -abs(t - off))
        if best is None or rank > best[0]:
            best = (rank, t, right, false)
    _, t, right, false = best
    print(f"{len(rows)} predictions; fitted threshold on {key} = {t:.4f} (off = {off})")
    print(f"  with it: refusal accuracy {right:.1%}, false refusals {false:.1%}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("questions", nargs="?", default=str(questions_path()))
    p.add_argument("--max-false", type=float, default=0.02)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--predictions", help="fit min_confidence from a hoidap eval run instead")
    args = p.parse_args()
    if args.predictions:
        fit_confidence(args.predictions, load_questions(args.questions), args.max_false)
        return
    retriever = Retriever.load()
    questions = load_questions(args.questions)
    evidence = []
    for q in questions:
        language = query_language(q.question)
        hits = retriever.search(q.question, k=args.k)
        evidence.append(_evidence(q.question, hits, language))
    answerable = [q.answerable for q in questions]
    for q, e in zip(questions, evidence, strict=True):
        flag = "ANS " if q.answerable else "NONE"
        print(
            f"{flag} support={e.support:.3f} dense={e.dense:.3f} {e.language:9} {q.question[:60]}"
        )
    policy, right, false = sweep(evidence, answerable, args.max_false)
    n_un = answerable.count(False)
    print(f"\n{len(questions)} questions, {n_un} unanswerable, {ENGLISH} handled by dense only")
    print(f"fitted: {policy}")
    print(f"gate alone: refuses {right:.0%} of unanswerable, {false:.1%} of answerable")


if __name__ == "__main__":
    main()
