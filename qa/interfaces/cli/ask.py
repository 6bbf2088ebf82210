"""``hoidap ask``: stream an answer to the terminal, then its sources and timings."""

from __future__ import annotations

import argparse
import textwrap

from qa.records.answer import Answer, Delta
from qa.records.hit import ANSWER_MAX_K, Filters, QueryError, check_date

EXTRACTIVE_HELP = "answer with the reader's span alone, without the generator's sentence"


def date_arg(text: str) -> str:
    """An argparse ``type``: a real ``YYYY-MM-DD`` date, else argparse prints why.

    >>> date_arg("2025-12-24")
    '2025-12-24'
    """
    try:
        return check_date(text)
    except QueryError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def count_arg(most: int):
    """An argparse ``type``: a whole number from 1 to ``most`` (``--k 0`` is no default).

    >>> count_arg(50)("7")
    7
    """

    def count(text: str) -> int:
        # isdecimal() alone would let full-width digits through; 0 marks "not a number"
        k = int(text) if text.strip().isascii() and text.strip().isdecimal() else 0
        if not 1 <= k <= most:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from 1 to {most}, got {text!r}"
            )
        return k

    return count


def filters_from(args) -> Filters:
    return Filters(
        date_from=args.date_from,
        date_to=args.date_to,
        doc_ids=frozenset(args.doc) if args.doc else None,
        sources=frozenset(args.source) if args.source else None,
    )


def check_request(question: str, args) -> Filters:
    """The filters of a ``search`` or ``ask``, after checking them and the question: a bad
    one is a ``UserError`` before any model or index loads (a generator takes ~48 s).

    >>> from types import SimpleNamespace as A
    >>> check_request("Hà Nội?", A(date_from=None, date_to=None, doc=["hl"], source=None)).doc_ids
    frozenset({'hl'})
    """
    from qa.interfaces.cli.output import UserError
    from qa.retrieval.retriever import clean_query

    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise UserError(
            f"--from {args.date_from} is after --to {args.date_to}: nothing could match; swap them"
        )
    try:
        clean_query(question)
        return filters_from(args)
    except QueryError as exc:
        raise UserError(str(exc)) from exc


def run(args, retriever, say) -> int:
    from qa.answering.answerer import Answerer
    from qa.generation.generator import TransformersGenerator
    from qa.generation.weights import GeneratorError
    from qa.interfaces.cli.output import UserError, print_json

    filters = check_request(args.question, args)  # before the generator loads
    generator = None if args.extractive else TransformersGenerator(args.model, args.dtype)
    answerer = Answerer(retriever, generator, k=args.k, extractive=args.extractive)
    final, streamed = None, []
    try:
        if generator is not None:
            generator.load(say)
        for event in answerer.stream(args.question, filters=filters):
            if isinstance(event, Delta) and not args.json:
                streamed.append(event.text)
                print(event.text, end="", flush=True)
            elif isinstance(event, Answer):
                final = event
    except (QueryError, GeneratorError) as exc:
        raise UserError(str(exc)) from exc
    if args.json:  # the versioned schema of the REST API's answers
        from qa.interfaces.rest_models import AnswerOut

        print_json(AnswerOut.of(final).model_dump(mode="json"))
        return 0
    print()
    _print_sources(final)
    say(format_timings(final))
    return 0


def _print_sources(answer: Answer) -> None:
    if not answer.citations:
        return
    print("\nNguồn:")
    for n, (hit, span) in enumerate(zip(answer.citations, answer.highlights, strict=True), 1):
        print(f"[{n}] {hit.title} ({hit.date or 'không rõ ngày'}) — {hit.doc_id}")
        quote = hit.text[span.start - hit.start : span.end - hit.start]
        print(textwrap.indent(textwrap.fill(f"“{quote}”", 96), "    "))


def format_timings(answer: Answer) -> str:
    """One line: where the time went, and the generator's speeds.

    >>> from dataclasses import replace
    >>> from qa.records.answer import Timings
    >>> t = Timings(retrieve_ms=12.0, first_token_ms=800.0, total_ms=2000.0, prompt_tokens=300)
    >>> a = Answer(question="q", query="q", text="x", citations=(), refused=False,
    ...            language="vi", timings=t)
    >>> format_timings(a)
    'retrieve 12 ms · first token 800 ms · total 2000 ms · prompt 300 tokens'
    >>> a = replace(a, timings=Timings(prompt_tokens=300, reused_tokens=120))
    >>> format_timings(a)
    'retrieve 0 ms · total 0 ms · prompt 300 tokens (120 reused)'
    """
    t = answer.timings
    parts = [f"retrieve {t.retrieve_ms:.0f} ms"]
    if t.first_token_ms is not None:
        parts.append(f"first token {t.first_token_ms:.0f} ms")
    parts.append(f"total {t.total_ms:.0f} ms")
    if t.prompt_tokens:
        reused = f" ({t.reused_tokens} reused)" if t.reused_tokens else ""
        parts.append(f"prompt {t.prompt_tokens} tokens{reused}")
    if t.prefill_tps:
        parts.append(f"prefill {t.prefill_tps:.0f} tok/s")
    if t.decode_tps:
        parts.append(f"decode {t.decode_tps:.1f} tok/s")
    return " · ".join(parts)


def add_parser(sub, filter_args):
    a = sub.add_parser("ask", help="answer a question from the articles, with citations")
    a.add_argument("question")
    a.add_argument(
        "--k", type=count_arg(ANSWER_MAX_K), default=5, help="passages to read (default 5)"
    )
    a.add_argument("--json", action="store_true", help="print the whole answer record as JSON")
    a.add_argument("--model", help="generator: alias, local folder or hub id ($HOIDAP_GENERATOR)")
    a.add_argument(
        "--dtype",
        default="auto",
        choices=["auto", "int8", "bf16", "fp32"],
        help="generator weights ($HOIDAP_GENERATOR_DTYPE; auto: see the README)",
    )
    a.add_argument("--extractive", action="store_true", help=EXTRACTIVE_HELP)
    filter_args(a)
    return a
