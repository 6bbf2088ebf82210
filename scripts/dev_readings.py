"""The dev sets that ``scripts/fit_reader.py`` fits the reader's calibration on, read by
the reader: ViQuAD dev against its own paragraphs and against another paragraph of its
article, mailong25 dev, the questions without diacritics and in English, and ViQuAD dev
through retrieval (with and without the question's own paragraph). The readings can be
written as JSONL and loaded again, so a calibration is refitted without reading again.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.normalize import fold_text  # noqa: E402
from qa.evaluation.gold import GoldRecord, read_gold, score_reading  # noqa: E402
from qa.reading.decode import Evidence  # noqa: E402
from qa.reading.examples import article_negatives, load_squad  # noqa: E402
from qa.reading.reader import TrainedReader  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "qa"


TRANSLATIONS = ROOT / "scripts" / "data"


def dev_sets(limit: int | None) -> dict:
    """The dev sets read against each question's own paragraph, by name (``limit``: the
    first N of ViQuAD dev, its negatives and mailong25 dev)."""
    viquad = list(load_squad(DATA / "viquad1.0" / "dev_ViQuAD.json").examples)
    mailong = list(load_squad(DATA / "mailong25-vi-squad2" / "dev-v2.0.json").examples)
    negs = article_negatives(viquad, every=3)
    sets = {"viquad_dev": viquad, "viquad_dev_negatives": negs, "mailong25_dev": mailong}
    sets = {k: v[:limit] if limit else v for k, v in sets.items()}
    sets["viquad_dev_folded"] = [replace(e, question=fold_text(e.question)) for e in viquad[1::4]]
    sets["viquad_dev_en"] = translated(viquad, TRANSLATIONS / "viquad-dev-en.jsonl")
    sets["mailong25_dev_en"] = translated(mailong, TRANSLATIONS / "mailong25-dev-en.jsonl")
    return sets


def translated(examples, path: Path) -> list:
    """The examples with a translation in ``path`` that reads as a question, in English."""
    from cross_lingual_squad import english_questions  # scripts/ is on the path when run

    english = english_questions(path)
    return [replace(e, question=english[e.id][1]) for e in examples if e.id in english]


def read_open(reader, retriever, examples, withhold: bool, k: int = 5):
    """Each question through retrieval (top ``k`` over all ViQuAD dev paragraphs) and the
    reader, as in use; ``withhold`` leaves the question's own paragraph out, so the answer
    is (almost always) absent: the unanswerable case met in use."""
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


def open_sets(reader, sets: dict, n: int) -> dict:
    """Open-corpus readings of the first ``n`` questions of ViQuAD dev as typed, folded
    and in English: found by retrieval, and with their own paragraph withheld."""
    retriever = _viquad_retriever()
    out = {}
    for name in ("viquad_dev", "viquad_dev_folded", "viquad_dev_en"):
        part = sets[name][:n]
        out[f"{name}_open"] = read_open(reader, retriever, part, withhold=False)
        out[f"{name}_withheld"] = read_open(reader, retriever, part, withhold=True)
    return out


def _viquad_retriever():
    from embeddings.encoder import default_encoder
    from qa.evaluation.evaluate import _squad_index
    from qa.evaluation.squad import load_squad as load_articles
    from qa.retrieval.retriever import HybridRetriever

    path = DATA / "viquad1.0" / "dev_ViQuAD.json"
    encoder = default_encoder()
    folder = _squad_index(path, load_articles(path).articles, encoder, print)
    return HybridRetriever.load(folder, encoder)


def read_all(args) -> dict:
    """Every dev set read by the reader in ``args.reader`` with no calibration (raw
    evidence); written to ``args.records`` as JSONL when given."""
    reader = TrainedReader(args.reader, threshold=1.0)
    reader.warm_up()
    reader._manifest.pop("calibration", None)  # raw margins: calibration is what we fit
    sets = dev_sets(args.limit)
    records = {name: read_gold(reader, exs, progress=True) for name, exs in sets.items()}
    if args.open:
        records.update(open_sets(reader, sets, args.open))
    if args.records:
        with open(args.records, "w", encoding="utf-8") as fh:
            for name, recs in records.items():
                for r in recs:
                    fh.write(json.dumps({"set": name, **r.to_dict()}, ensure_ascii=False) + "\n")
    return records


def load_records(path: Path) -> dict:
    """The readings ``read_all`` wrote, by set name."""
    records: dict = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        name = row.pop("set")
        row["evidence"] = Evidence(**row.get("evidence", {"margin": row["margin"]}))
        records.setdefault(name, []).append(GoldRecord(**row))
    return records
