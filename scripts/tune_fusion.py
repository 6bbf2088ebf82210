"""Measure fusion weights on a dev set: R@1 per BM25 weight, for each way of asking.

    python scripts/tune_fusion.py [--squad dev_ViQuAD.json] [--en ENGLISH.json]

Decide on ViQuAD dev (the default), never on XQuAD-vi, which is a test set. ``--en`` takes a
SQuAD file with the same question ids asked in English, where one exists.

Candidates and both scores are computed once per question; the weights are then swept
offline, so the whole grid costs one pass of query encoding per question set.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from embeddings.encoder import default_encoder
from qa.evaluation.evaluate import _squad_index
from qa.evaluation.questions import source_matches
from qa.evaluation.squad import load_squad
from qa.retrieval.fusion import fuse
from qa.retrieval.language import query_language
from qa.retrieval.retriever import HybridRetriever, clean_query

DEV = Path(__file__).resolve().parents[2] / "shared/datasets/qa/viquad1.0/dev_ViQuAD.json"
GRID = [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def collect(retriever: HybridRetriever, questions) -> list[tuple]:
    out = []
    for q in questions:
        text = clean_query(q.question)
        qvec = retriever.encoder.encode_queries([text])[0]
        lexical = retriever.store.rows.lexical_scores(text)
        rows = retriever._candidates(qvec, lexical, None, 10)
        dense = retriever._dense_scores(qvec, rows)
        gold = np.array(
            [
                any(source_matches(retriever.store.rows.doc_ids([r])[0], s) for s in q.sources)
                for r in rows
            ]
        )
        out.append((query_language(text), dense, lexical[rows], gold))
    return out


def sweep(label: str, data: list[tuple]) -> None:
    langs = sorted({d[0] for d in data})
    print(f"{label}: {len(data)} questions, detected languages {langs}")
    for w in GRID:
        r1 = np.mean([g[np.argmax(fuse(d, lx, w))] for _, d, lx, g in data])
        print(f"  w={w:.2f}  R@1 {r1:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--squad", type=Path, default=DEV)
    ap.add_argument("--en", type=Path, default=None)
    args = ap.parse_args()
    encoder = default_encoder()
    vi = load_squad(args.squad)
    retriever = HybridRetriever.load(_squad_index(args.squad, vi.articles, encoder, print), encoder)
    sweep("vi", collect(retriever, vi.questions))
    if args.en:
        sweep("en", collect(retriever, load_squad(args.squad, args.en).questions))
    sweep("folded", collect(retriever, load_squad(args.squad, fold_questions=True).questions))


if __name__ == "__main__":
    main()
