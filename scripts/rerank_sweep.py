"""Does re-ranking retrieved passages by the reader's scores find the right one more often?

    python scripts/rerank_sweep.py --squad DEV.json --distractors INDEX --every 5 \
        --out runs/rerank-viquad.jsonl            # read: retrieval top 10, then the reader
    python scripts/rerank_sweep.py --from runs/rerank-viquad.jsonl   # sweep only

Each question is searched (top ``--k``) and the reader reads those passages once; the
readings are saved, then R@1 and MRR are computed for every way of re-ranking the top N
(N = 1 keeps retrieval's order): by the reader's best span score in each passage plus
``weight`` x the retrieval score. Decide on dev sets (ViQuAD dev); report XQuAD-vi.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOPS = (1, 2, 3, 5, 10)
WEIGHTS = (0.0, 4.0, 8.0, 16.0, 24.0, 32.0, 48.0, 64.0, 128.0)


def read_all(args) -> list[dict]:
    from embeddings.encoder import default_encoder
    from qa.evaluation.evaluate import EvalOptions, _setup
    from qa.reading.reader import TrainedReader

    encoder = default_encoder()
    opts = EvalOptions(squad=args.squad, distractors=args.distractors)
    retriever, questions = _setup(opts, encoder, print)
    reader = TrainedReader(args.reader) if args.reader else TrainedReader()
    rows = []
    with open(args.out, "w", encoding="utf-8") as fh:
        for n, q in enumerate(questions[:: args.every], 1):
            hits = retriever.search(q.question, k=args.k)
            reading = reader.read(q.question, [h.text for h in hits])
            row = {
                "id": q.id,
                "sources": list(q.sources),
                "docs": [h.doc_id for h in hits],
                "retrieval": [round(h.score, 6) for h in hits],
                "reader": [None if math.isinf(s) else round(s, 4) for s in reading.passage_scores],
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            rows.append(row)
            if n % 50 == 0:
                print(f"  {n} read", file=sys.stderr, flush=True)
    return rows


def reranked(row: dict, top: int, weight: float) -> list[str]:
    """The doc ids in the order ``qa.reading.rerank`` gives them."""
    from qa.reading.rerank import Rerank, rerank
    from qa.records.hit import Hit

    hits = [
        Hit(doc_id=d, chunk_id=d, text="", score=s, title="", date=None, start=0, end=0)
        for d, s in zip(row["docs"], row["retrieval"], strict=True)
    ]
    read = [-math.inf if r is None else r for r in row["reader"]]
    return [h.doc_id for h in rerank(hits, read, Rerank(top=top, retrieval_weight=weight))]


def score(rows: list[dict], top: int, weight: float) -> tuple[float, float]:
    """R@1 and MRR@10 of the re-ranked lists, scored as ``hoidap eval`` scores retrieval."""
    from qa.evaluation.metrics import EvalRecord, retrieval_report

    records = [
        EvalRecord(
            id=row["id"],
            type="squad",
            sources=tuple(row["sources"]),
            retrieved=tuple(reranked(row, top, weight)),
            latency_ms=0.0,
        )
        for row in rows
    ]
    overall = retrieval_report(records, ks=(1,)).overall
    return overall.recall[0], overall.mrr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--squad")
    ap.add_argument("--distractors")
    ap.add_argument("--reader")
    ap.add_argument("--every", type=int, default=5)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--from", dest="source", type=Path)
    ap.add_argument("--write", type=Path, metavar="READER", help="store the best in its manifest")
    ap.add_argument("--top", type=int, help="choose for this N only (the k answers read)")
    args = ap.parse_args()
    if args.source:
        rows = [json.loads(x) for x in args.source.read_text(encoding="utf-8").splitlines()]
    else:
        rows = read_all(args)
    print(f"{len(rows)} questions; R@1 / MRR@10 after re-ranking the top N")
    print("N   " + "".join(f"  w={w:<11}" for w in WEIGHTS))
    grid = {}
    for top in TOPS:
        cells = [score(rows, top, w) for w in WEIGHTS]
        grid.update({(top, w): c for w, c in zip(WEIGHTS, cells, strict=True)})
        print(f"{top:<4}" + "".join(f"  {a:.3f}/{b:.3f}  " for a, b in cells))
    # best R@1, then MRR, then the fewest passages re-read
    pick = {key: v for key, v in grid.items() if args.top in (None, key[0])}
    (top, weight), (r1, mrr) = max(pick.items(), key=lambda kv: (*kv[1], -kv[0][0]))
    print(f"best: top {top}, retrieval weight {weight}: R@1 {r1:.4f}, MRR {mrr:.4f}")
    if args.write:
        path = args.write / "manifest.json"
        man = json.loads(path.read_text(encoding="utf-8"))
        man["rerank"] = {
            "top": top,
            "retrieval_weight": weight,
            "fitted_on": f"{args.source or args.out}: {len(rows)} questions",
            "r_at_1": round(r1, 4),
            "r_at_1_before": round(grid[(1, WEIGHTS[0])][0], 4),
            "mrr": round(mrr, 4),
        }
        path.write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
