"""The ``hoidap`` command line: a thin layer over the Python API.

hoidap setup                      convert the bundled encoder, build the default index
hoidap search "câu hỏi" [--k N] [--json]
hoidap ask "câu hỏi" [--k N] [--json] [--model M] [--dtype D]
hoidap ingest PATH... [--index DIR] [--rebuild] [--batch N] [--ray [ADDRESS]]
hoidap compact [--index DIR]       merge the index's segments, dropping removed articles
hoidap remove ID... [--index DIR]
hoidap articles [--json]
hoidap eval QUESTIONS.jsonl | --squad FILE.json [--questions-from F] [--fold-questions]
            [--every N] [--withhold-sources] [--distractors ARCHIVE]
hoidap serve [--host H] [--port P]  the chat UI and REST API (app.py)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from qa.interfaces.cli import ask as ask_command
from qa.interfaces.cli import commands
from qa.interfaces.cli.output import print_json  # noqa: F401 - where callers found it
from qa.records.hit import SEARCH_MAX_K


def _filter_args(s) -> None:
    date = ask_command.date_arg  # "2025-13-45" or "hôm qua" is an error, not 0 hits
    s.add_argument(
        "--from", dest="date_from", type=date, help="only articles dated on or after YYYY-MM-DD"
    )
    s.add_argument(
        "--to", dest="date_to", type=date, help="only articles dated on or before YYYY-MM-DD"
    )
    s.add_argument("--doc", action="append", help="only this article id (repeatable)")
    s.add_argument("--source", action="append", help="only this outlet (repeatable)")


def _add_search(sub) -> argparse.ArgumentParser:
    s = sub.add_parser("search", help="print the best passages for a question")
    s.add_argument("query")
    s.add_argument(
        "--k",
        type=ask_command.count_arg(SEARCH_MAX_K),
        default=5,
        help=f"how many passages (default 5, at most {SEARCH_MAX_K})",
    )
    s.add_argument("--json", action="store_true", help="print JSON instead of text")
    _filter_args(s)
    return s


def _add_eval(sub) -> argparse.ArgumentParser:
    e = sub.add_parser("eval", help="score retrieval on a question set")
    e.add_argument("questions", nargs="?", help="questions JSONL (default: the bundled set)")
    e.add_argument("--squad", help="SQuAD-format JSON: index its paragraphs and ask its questions")
    e.add_argument("--questions-from", help="SQuAD file with the same ids whose questions to ask")
    e.add_argument("--fold-questions", action="store_true", help="strip diacritics first")
    e.add_argument("--out", help="predictions JSONL (default: eval-out/predictions.jsonl)")
    e.add_argument("--k", type=int, default=10)
    e.add_argument("--no-generate", action="store_true", help="retrieval only")
    e.add_argument("--limit", type=int, help="only the first N questions")
    e.add_argument("--every", type=int, default=1, help="only every N-th question (a sample)")
    e.add_argument(
        "--withhold-sources",
        action="store_true",
        help="leave each question's source articles out: all become unanswerable (refusal)",
    )
    e.add_argument(
        "--distractors",
        metavar="ARCHIVE",
        help="index an archive (.jsonl.gz, folder, or index folder) beside --squad's paragraphs",
    )
    e.add_argument("--extractive", action="store_true", help=ask_command.EXTRACTIVE_HELP)
    e.add_argument(
        "--gold-passage",
        action="store_true",
        help="the reader alone: each --squad question against its own paragraph",
    )
    e.add_argument(
        "--rerank",
        action="store_true",
        help="retrieval scores after the reader re-orders the top passages, as answers do",
    )
    return e


def _add_ingest(sub) -> argparse.ArgumentParser:
    i = sub.add_parser(
        "ingest", help="add articles (files, folders, .jsonl.gz archives) to an index, in batches"
    )
    i.add_argument("paths", nargs="+")
    i.add_argument("--rebuild", action="store_true", help="start the index afresh")
    i.add_argument(
        "--batch", type=int, default=500, help="articles per committed batch (default 500)"
    )
    i.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run read/chunk/embed on Ray (a local cluster, or ADDRESS such as ray://host:10001)",
    )
    return i


def _add_train_reader(sub) -> argparse.ArgumentParser:
    from qa.reading.train import add_arguments

    t = sub.add_parser(
        "train-reader",
        help="fine-tune the span reader (seeded; checkpoints; --resume)",
        description="Fine-tune the span reader on SQuAD 1.1/2.0 files; see docs/reader.md.",
    )
    add_arguments(t)
    return t


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hoidap", description="Hỏi đáp: questions over Vietnamese news"
    )
    sub = p.add_subparsers(dest="command", required=True)
    setup = sub.add_parser(
        "setup", help="prepare the models and the default index over the bundled articles"
    )
    setup.add_argument(
        "--generator",
        dest="generators",
        action="append",
        help="generator(s) to prepare: an alias, 'all' (default: $HOIDAP_GENERATOR or default)",
    )

    s = _add_search(sub)
    k = ask_command.add_parser(sub, _filter_args)
    i = _add_ingest(sub)
    c = sub.add_parser(
        "compact", help="merge an index's segments into one, dropping removed articles"
    )

    r = sub.add_parser("remove", help="remove articles by id")
    r.add_argument("ids", nargs="+")

    a = sub.add_parser("articles", help="list the articles in an index")
    a.add_argument("--json", action="store_true")

    e = _add_eval(sub)
    _add_train_reader(sub)
    # Listed for --help; the console script hands `serve` to app.py before parsing here.
    sub.add_parser("serve", help="the chat UI and REST API on 127.0.0.1:7860 (see app.py)")
    for sp in (s, k, i, c, r, a, e):
        sp.add_argument(
            "--index", help="index folder (default: $HOIDAP_INDEX or ~/.cache/hoidap/index)"
        )
    return p


def _command(name: str):
    if name in ("ingest", "compact"):
        from qa.interfaces.cli import ingesting

        return getattr(ingesting, name)
    return getattr(commands, name.replace("-", "_"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hoidap`` console script."""
    args = _parser().parse_args(argv)
    try:
        return _command(args.command)(args)
    except commands.UserError as exc:
        print(f"hoidap: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "hoidap: interrupted; the index on disk is unchanged or fully updated", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
