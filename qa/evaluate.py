"""``hoidap eval``: run a question set through the retriever, write predictions and scores.

Outputs, next to ``--out`` (default ``eval-out/predictions.jsonl``): the predictions
(one JSON line per question), ``<stem>.metrics.json`` and ``<stem>.png``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.article import Article
from qa.answer_metrics import AnswerRecord, answer_report
from qa.metrics import EvalRecord, retrieval_report
from qa.questions import Question, load_questions
from qa.report_plot import plot_report


@dataclass(frozen=True)
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
    # False: refused only when the model refuses itself (RefusalPolicy(checks=False)), which
    # measures what the reader alone gets right.
    refusal_checks: bool = True

    @classmethod
    def from_args(cls, args) -> EvalOptions:
        return cls(
            args.questions,
            args.squad,
            args.questions_from,
            args.fold_questions,
            args.index,
            args.out or cls.out,
            args.k,
            not args.no_generate,
            args.limit,
            args.every,
            args.withhold_sources,
            not args.no_refusal_checks,
        )


def run_eval(
    options: EvalOptions, encoder, say: Callable[[str], None] = print, generator=None
) -> str:
    """Evaluate and write outputs; returns the printed report.

    With ``options.generate`` every question is also answered (``generator`` defaults to
    the default ``TransformersGenerator``) and answer scores join the report.
    """
    if options.k < 1:
        raise ValueError(f"--k must be at least 1, got {options.k}")
    retriever, questions = _setup(options, encoder, say)
    if options.every < 1:
        raise ValueError(f"--every must be at least 1, got {options.every}")
    questions = questions[:: options.every]
    if options.limit:
        questions = questions[: options.limit]
    answerer = _answerer(options, retriever, generator, say)
    say(f"Asking {len(questions)} questions...")
    predictions, records, answers = [], [], []
    for n, q in enumerate(questions, 1):
        filters = _withheld(retriever, q) if options.withhold_sources else None
        q = replace(q, answers=(), sources=(), type="withheld") if filters else q
        t0 = time.perf_counter()
        hits = retriever.search(q.question, k=options.k, filters=filters)
        ms = (time.perf_counter() - t0) * 1000
        predictions.append(_prediction(q, hits, ms))
        records.append(EvalRecord(q.id, q.type, q.sources, tuple(h.doc_id for h in hits), ms))
        if answerer is not None:
            answers.append(_answer(answerer, q, predictions[-1], filters))
            if n % 10 == 0:
                say(f"  {n}/{len(questions)} answered")
    report = retrieval_report(records)
    answer_rep = answer_report(answers) if answers else None
    paths = _write(Path(options.out), predictions, report, answer_rep)
    text = report.format_table()
    if answer_rep is not None:
        text += "\n\n" + answer_rep.format_table()
        text += "" if options.refusal_checks else "\nrefusal checks: off (--no-refusal-checks)"
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


def _answerer(options: EvalOptions, retriever, generator, say):
    """The answerer of a run that generates (None for retrieval only)."""
    from qa.answerer import Answerer
    from qa.generator import TransformersGenerator
    from qa.refusal import RefusalPolicy

    if not options.generate:
        return None
    generator = generator or TransformersGenerator()
    if hasattr(generator, "load"):
        generator.load(say)
    return Answerer(retriever, generator, policy=RefusalPolicy(checks=options.refusal_checks))


def _withheld(retriever, q: Question):
    """Filters that leave out the question's source articles (``--withhold-sources``)."""
    from qa.hit import Filters

    if not q.sources:
        raise ValueError(f"--withhold-sources: question {q.id} names no source article")
    return Filters(doc_ids=frozenset(retriever.store.articles) - set(q.sources))


def _answer(answerer, q: Question, prediction: dict, filters=None) -> AnswerRecord:
    """Answer ``q``, add the answer fields to its prediction line, and score record."""
    from qa.citations import markers

    ans = answerer.ask(q.question, filters=filters)
    cited = tuple(h.doc_id for h in ans.citations)
    t = ans.timings
    prediction.update(answer=ans.text, citations=list(cited), refused=ans.refused)
    prediction["latency_ms"].update(
        first_token=None if t.first_token_ms is None else round(t.first_token_ms, 1),
        total=round(t.total_ms, 1),
    )
    prediction["tokens"] = {"prompt": t.prompt_tokens, "reused": t.reused_tokens,
                            "new": t.new_tokens}  # fmt: skip
    prediction["confidence"] = None if ans.confidence is None else round(ans.confidence, 4)
    prediction["check_yes"] = None if ans.check_yes is None else round(ans.check_yes, 4)
    prediction["grounding"] = None if ans.grounding is None else round(ans.grounding, 4)
    prediction["focus"] = None if ans.focus is None else round(ans.focus, 4)
    prediction["unanchored"] = list(ans.unanchored)
    valid = all(1 <= m <= len(ans.citations) for m in markers(ans.text))
    return AnswerRecord(
        q.id, q.type, q.answerable, q.answers, ans.text, ans.refused, cited, q.sources,
        valid, t.first_token_ms, t.total_ms,
    )  # fmt: skip


def _setup(options: EvalOptions, encoder, say):
    from qa.retriever import Retriever

    if options.squad:
        from qa.squad import load_squad

        data = load_squad(options.squad, options.questions_from, options.fold_questions)
        folder = _squad_index(Path(options.squad), data.articles, encoder, say)
        return Retriever.load(folder, encoder), list(data.questions)
    if options.questions_from or options.fold_questions:
        raise ValueError("--questions-from and --fold-questions go with --squad")
    from corpus.bundled import questions_path

    questions: list[Question] = load_questions(options.questions or questions_path())
    return Retriever.load(options.index, encoder), questions


def _squad_index(path: Path, articles: tuple[Article, ...], encoder, say) -> Path:
    """An index of the file's paragraphs, cached by file content and encoder."""
    from embeddings.encoder import default_cache_dir
    from embeddings.ingest import ingest
    from qa.library import open_index

    key = hashlib.sha256(path.read_bytes() + str(encoder.fingerprint).encode()).hexdigest()[:16]
    folder = default_cache_dir() / "eval-index" / f"{path.stem}-{key}"
    store = open_index(folder, encoder)
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
