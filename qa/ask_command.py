"""``hoidap ask``: stream an answer to the terminal, then its sources and timings."""

from __future__ import annotations

import textwrap

from qa.answer import Answer, Delta
from qa.hit import Filters

EXTRACTIVE_HELP = "answer with the reader's span alone, without the generator's sentence"


def filters_from(args) -> Filters:
    return Filters(
        date_from=args.date_from,
        date_to=args.date_to,
        doc_ids=frozenset(args.doc) if args.doc else None,
        sources=frozenset(args.source) if args.source else None,
    )


def run(args, retriever, say) -> int:
    from qa.answerer import Answerer
    from qa.cli import print_json
    from qa.commands import UserError
    from qa.generator import TransformersGenerator
    from qa.genmodel import GeneratorError
    from qa.retriever import QueryError, clean_query

    generator = None if args.extractive else TransformersGenerator(args.model, args.dtype)
    answerer = Answerer(retriever, generator, k=args.k, extractive=args.extractive)
    final, streamed = None, []
    try:
        clean_query(args.question)  # an empty question says so before any model loads
        if generator is not None:
            generator.load(say)
        for event in answerer.stream(args.question, filters=filters_from(args)):
            if isinstance(event, Delta) and not args.json:
                streamed.append(event.text)
                print(event.text, end="", flush=True)
            elif isinstance(event, Answer):
                final = event
    except (QueryError, GeneratorError) as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        print_json(final.to_dict())
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

    >>> from qa.answer import Timings
    >>> a = Answer("q", "q", "x", (), False, "vi", timings=Timings(12.0, 800.0, 2000.0, 300))
    >>> format_timings(a)
    'retrieve 12 ms · first token 800 ms · total 2000 ms · prompt 300 tokens'
    >>> a = Answer("q", "q", "x", (), False, "vi", timings=Timings(prompt_tokens=300,
    ...                                                          reused_tokens=120))
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
    a.add_argument("--k", type=int, default=5, help="passages to retrieve (default 5)")
    a.add_argument("--json", action="store_true", help="print the whole answer record as JSON")
    a.add_argument("--model", help="generator: alias, local folder or hub id ($HOIDAP_GENERATOR)")
    a.add_argument(
        "--dtype", default="auto", choices=["auto", "int8", "bf16", "fp32"],
        help="generator weights ($HOIDAP_GENERATOR_DTYPE; auto: see the README)",
    )  # fmt: skip
    a.add_argument("--extractive", action="store_true", help=EXTRACTIVE_HELP)
    filter_args(a)
    return a
