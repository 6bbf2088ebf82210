"""``hoidap eval``: run a question set through retrieval and the answerer, write predictions
and scores.

Outputs, next to ``--out`` (default ``eval-out/predictions.jsonl``): the predictions
(one JSON line per question: ``answer`` is what the user sees, ``span`` the reader's answer
or null when refused), ``<stem>.metrics.json``, ``<stem>.png`` (retrieval) and
``<stem>.reliability.png`` (the reader's calibration). SQuAD F1/EM are scored on the span.
``--gold-passage`` reads each question against its own paragraph only (``qa.evaluation.gold``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.article import Article
from qa.evaluation.answer_metrics import AnswerRecord, answer_report
from qa.evaluation.metrics import EvalRecord, retrieval_report
from qa.evaluation.questions import Question, load_questions
from qa.evaluation.report_plot import plot_report


@dataclass(frozen=True, kw_only=True)
class EvalOptions:
    questions: str | None = None
    squad: str | None = None
    questions_from: str | None = None
    fold_questions: bool = False
    index: str | None = None
    out: str = "eval-out/predictions.jsonl"
    k: int = 10
    generate: bool = False
    limit: int | None = None
    every: int = 1
    # Ask each question with its source articles left out of retrieval: every question is
    # then unanswerable, which measures refusal on questions the checks were not fitted on.
    withhold_sources: bool = False
    extractive: bool = False  # the reader's span alone, no generator
    gold_passage: bool = False  # the reader alone, each question against its own paragraph
    distractors: str | None = None  # an archive (or index) indexed beside --squad's paragraphs
    rerank: bool = False  # retrieval order after the reader re-ranks the top (as answers do)

    @classmethod
    def from_args(cls, args) -> EvalOptions:
        return cls(
            questions=args.questions,
            squad=args.squad,
            questions_from=args.questions_from,
            fold_questions=args.fold_questions,
            index=args.index,
            out=args.out or cls.out,
            k=args.k,
            generate=not args.no_generate,
            limit=args.limit,
            every=args.every,
            withhold_sources=args.withhold_sources,
            extractive=args.extractive,
            gold_passage=args.gold_passage,
            distractors=getattr(args, "distractors", None),
            rerank=getattr(args, "rerank", False),
        )


def run_eval(
    options: EvalOptions, encoder, say: Callable[[str], None] = print, generator=None, reader=None
) -> str:
    """Evaluate and write outputs; returns the printed report.

    With ``options.generate`` every question is also answered (``generator`` defaults to
    the default ``TransformersGenerator``) and answer scores join the report.
    """
    if options.k < 1:
        raise ValueError(f"--k must be at least 1, got {options.k}")
    if options.gold_passage:
        from qa.evaluation.gold_passage import run_gold

        return run_gold(options, say)
    retriever, questions = _setup(options, encoder, say)
    if options.every < 1:
        raise ValueError(f"--every must be at least 1, got {options.every}")
    questions = questions[:: options.every]
    if options.limit:
        questions = questions[: options.limit]
    answerer = _answerer(options, retriever, generator, say, reader)
    ranker = _ranker(answerer.reader if answerer else reader) if options.rerank else None
    say(f"Asking {len(questions)} questions...")
    predictions, records, answers = [], [], []
    for n, q in enumerate(questions, 1):
        filters = _withheld(retriever, q) if options.withhold_sources else None
        q = replace(q, answers=(), sources=(), type="withheld") if filters else q
        t0 = time.perf_counter()
        hits = retriever.search(q.question, k=options.k, filters=filters)
        if ranker is not None:
            hits = ranker(q.question, hits)
        ms = (time.perf_counter() - t0) * 1000
        predictions.append(_prediction(q, hits, ms))
        records.append(_record(q, hits, ms))
        if answerer is not None:
            answers.append(_answer(answerer, q, predictions[-1], filters))
            if n % 10 == 0:
                say(f"  {n}/{len(questions)} answered")
    return _report(options, predictions, records, answers)


def _record(q: Question, hits, ms: float) -> EvalRecord:
    """The retrieval outcome of ``q``: its gold sources and the doc ids found, best first."""
    found = tuple(h.doc_id for h in hits)
    return EvalRecord(id=q.id, type=q.type, sources=q.sources, retrieved=found, latency_ms=ms)


def _report(options: EvalOptions, predictions, records, answers) -> str:
    """Score, write the outputs, and the printed report."""
    report = retrieval_report(records)
    answer_rep = answer_report(answers) if answers else None
    paths = _write(Path(options.out), predictions, report, answer_rep)
    text = report.format_table()
    if answer_rep is not None:
        text += "\n\n" + answer_rep.format_table()
        line, png = calibration(predictions, answers, Path(options.out))
        text += f"\n{line}" + (" (--extractive: the span alone)" if options.extractive else "")
        paths.append(png)
    return text + "\n\n" + "\n".join(f"wrote {p}" for p in paths)


def _prediction(q: Question, hits, ms: float) -> dict:
    return {
        "id": q.id,
        "question": q.question,
        "retrieved": [
            {"doc_id": h.doc_id, "chunk_id": h.chunk_id, "score": round(h.score, 6)} for h in hits
        ],
        "latency_ms": {"retrieve": round(ms, 2)},
    }


def _answerer(options: EvalOptions, retriever, generator, say, reader=None):
    """The answerer of a run that answers (None for retrieval only)."""
    from qa.answering.answerer import Answerer

    if not options.generate:
        return None
    if not options.extractive:
        from qa.generation.generator import TransformersGenerator

        generator = generator or TransformersGenerator()
        if hasattr(generator, "load"):
            generator.load(say)
    else:
        generator = None
    return Answerer(retriever, generator, reader=reader, extractive=options.extractive)


def _ranker(reader=None):
    """``--rerank``: hits re-ordered as answers order their passages (the reader reads
    the top ones; ``qa.reading.rerank``). Refuses a reader without a fitted re-ranking."""
    from qa.reading.reader import TrainedReader
    from qa.reading.rerank import rerank

    reader = reader if reader is not None else TrainedReader()
    how = getattr(reader, "rerank", None)
    if how is None:
        raise ValueError(
            "--rerank: this reader has no fitted re-ranking in its manifest "
            "(scripts/rerank_sweep.py --write fits one)"
        )

    def ranked(question: str, hits):
        top = hits[: how.top]
        return rerank(hits, reader.read(question, [h.text for h in top]).passage_scores, how)

    return ranked


def _withheld(retriever, q: Question):
    """Filters that leave out the question's source articles (``--withhold-sources``)."""
    from qa.records.hit import Filters

    if not q.sources:
        raise ValueError(f"--withhold-sources: question {q.id} names no source article")
    return Filters(doc_ids=frozenset(retriever.store.articles) - set(q.sources))


def _answer(answerer, q: Question, prediction: dict, filters=None) -> AnswerRecord:
    """Answer ``q``, add the answer fields to its prediction line, and score record."""
    from qa.records.answer import markers

    ans = answerer.ask(q.question, filters=filters)
    cited = tuple(h.doc_id for h in ans.citations)
    t = ans.timings
    prediction.update(answer=ans.text, span=ans.span, citations=list(cited), refused=ans.refused)
    prediction["latency_ms"].update(
        first_token=None if t.first_token_ms is None else round(t.first_token_ms, 1),
        total=round(t.total_ms, 1),
    )
    prediction["tokens"] = {
        "prompt": t.prompt_tokens,
        "reused": t.reused_tokens,
        "new": t.new_tokens,
    }
    p, c = ans.p_no_answer, ans.confidence
    prediction["p_no_answer"] = None if p is None else round(p, 4)
    prediction["confidence"] = None if c is None else round(c, 4)
    valid = all(1 <= m <= len(ans.citations) for m in markers(ans.text))
    scored = ans.span if ans.span is not None else ans.text  # SQuAD scores the span
    return AnswerRecord(
        id=q.id,
        type=q.type,
        answerable=q.answerable,
        golds=q.answers,
        answer=scored,
        refused=ans.refused,
        cited_docs=cited,
        sources=q.sources,
        markers_valid=valid,
        first_token_ms=t.first_token_ms,
        total_ms=t.total_ms,
    )


def calibration(predictions: list[dict], answers: list[AnswerRecord], out: Path):
    """ECE of each answer's confidence (calibrated P(the span is right)) against "the span
    is right" (F1 >= 0.5), over the answerable questions answered, and the reliability
    plot beside the predictions: when an answer says 0.8, is it right 8 times in 10?"""
    from qa.evaluation.answer_metrics import token_f1
    from qa.reading.calibrate import calibration_figures

    conf, right = [], []
    for pred, rec in zip(predictions, answers, strict=True):
        if rec.answerable and rec.golds and pred.get("confidence") is not None:
            conf.append(pred["confidence"])
            right.append(int(token_f1(rec.answer, rec.golds) >= 0.5))
    png = out.with_name(out.stem + ".reliability.png")
    ece = calibration_figures(conf, right, png, out.stem)
    if ece is None:
        return "calibration: no answerable questions answered with a confidence", png
    return f"calibration error (ECE, {len(conf)} answerable questions answered): {ece:.3f}", png


def _setup(options: EvalOptions, encoder, say):
    from qa.retrieval.retriever import HybridRetriever

    if options.squad:
        from qa.evaluation.squad import load_squad

        data = load_squad(options.squad, options.questions_from, options.fold_questions)
        folder = _squad_index(Path(options.squad), data.articles, encoder, say)
        if options.distractors:
            from qa.evaluation.distractors import with_distractors

            archive = Path(options.distractors)
            folder = with_distractors(folder, data.articles, archive, encoder, say)
        return HybridRetriever.load(folder, encoder), list(data.questions)
    if options.questions_from or options.fold_questions or options.distractors:
        raise ValueError("--questions-from, --fold-questions and --distractors go with --squad")
    from corpus.bundled import questions_path

    questions: list[Question] = load_questions(options.questions or questions_path())
    return HybridRetriever.load(options.index, encoder), questions


def _squad_index(path: Path, articles: tuple[Article, ...], encoder, say) -> Path:
    """An index of the file's paragraphs, cached by file content and encoder."""
    from embeddings.encoder import default_cache_dir
    from embeddings.ingest import ingest
    from qa.retrieval.indexes import open_index, outdated

    key = hashlib.sha256(path.read_bytes() + str(encoder.fingerprint).encode()).hexdigest()[:16]
    folder = default_cache_dir() / "eval-index" / f"{path.stem}-{key}"
    store = open_index(folder, encoder, rebuild=outdated(folder))  # a cache: rebuilt if old
    if len(store.articles) != len(articles):
        say(f"Indexing {len(articles)} paragraphs of {path.name} into {folder}...")
        ingest(store, articles, encoder, say)
    return folder


def _write(out: Path, predictions: list[dict], report, answers=None) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for p in predictions:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    metrics = out.with_name(out.stem + ".metrics.json")
    scores = report.to_dict()
    if answers is not None:
        scores["answers"] = answers.to_dict()
    metrics.write_text(json.dumps(scores, ensure_ascii=False, indent=2), encoding="utf-8")
    return [out, metrics, plot_report(report, out.with_name(out.stem + ".png"))]
