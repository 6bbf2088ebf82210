"""What each ``hoidap`` subcommand does; printing lives here, logic in the library."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from embeddings.manifest import IndexFolderError
from qa.interfaces.cli.output import UserError, print_json


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _encoder():
    from embeddings.encoder import default_encoder

    try:
        return default_encoder()
    except (FileNotFoundError, ValueError, RuntimeError, OSError) as exc:
        raise UserError(str(exc)) from exc


def _index_dir(args) -> Path:
    from qa.retrieval.indexes import default_index_dir

    return Path(args.index) if args.index else default_index_dir()


def _retriever(args):
    from qa.retrieval.indexes import ensure_default_index
    from qa.retrieval.retriever import HybridRetriever

    encoder, folder = _encoder(), _index_dir(args)
    try:
        if not args.index:
            ensure_default_index(folder, encoder, _say)
        return HybridRetriever.load(folder, encoder)
    except IndexFolderError as exc:
        raise UserError(str(exc)) from exc


def setup(args) -> int:
    from embeddings.encoder import ensure_default_model
    from qa.generation.weights import KNOWN, GeneratorError, ensure_generator
    from qa.retrieval.indexes import default_index_dir, ensure_default_index

    _say(f"Encoder ready: {ensure_default_model()}")
    folder = default_index_dir()
    ensure_default_index(folder, _encoder(), _say)
    _say(f"Default index ready: {folder}")
    names = args.generators or [None]
    try:
        for name in KNOWN if names == ["all"] else names:
            _say(f"Generator ready: {ensure_generator(name, say=_say)}")
    except GeneratorError as exc:
        raise UserError(str(exc)) from exc
    return 0


def ask(args) -> int:
    from qa.interfaces.cli import ask as ask_command

    ask_command.check_request(args.question, args)  # a bad question fails before any loading
    return ask_command.run(args, _retriever(args), _say)


def search(args) -> int:
    from qa.interfaces.cli.ask import check_request
    from qa.retrieval.retriever import QueryError

    filters = check_request(args.query, args)  # a bad query fails before any loading
    try:
        hits = _retriever(args).search(args.query, k=args.k, filters=filters)
    except QueryError as exc:
        raise UserError(str(exc)) from exc
    if args.json:  # the versioned schema of the REST API's search results
        from qa.interfaces.rest_models import SearchOut

        print_json(SearchOut.of(args.query, hits).model_dump(mode="json"))
        return 0
    if not hits:
        print("Không tìm thấy đoạn văn nào phù hợp. (No matching passage.)")
    for n, h in enumerate(hits, 1):
        snippet = textwrap.shorten(" ".join(h.text.split()), 240, placeholder=" …")
        print(f"[{n}] {h.title}  ({h.date or 'không rõ ngày'})  score={h.score:.3f}  {h.chunk_id}")
        print(textwrap.indent(textwrap.fill(snippet, 96), "    "))
    return 0


def remove(args) -> int:
    from embeddings.ingest import remove as run_remove
    from qa.retrieval.indexes import open_index

    folder = _index_dir(args)
    try:
        store = open_index(folder, _encoder())
    except IndexFolderError as exc:
        raise UserError(str(exc)) from exc
    try:
        result = run_remove(store, args.ids, _say)
    except IndexFolderError as exc:
        raise UserError(str(exc)) from exc
    if result.missing:
        _say(result.missing_message())
    print(f"{folder}: removed {len(result.removed)} articles ({result.chunks_removed} passages)")
    return 1 if result.missing else 0


def articles(args) -> int:
    from dataclasses import asdict

    from qa.retrieval.indexes import list_articles

    rows = list_articles(_retriever(args).store)
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    for r in rows:
        dup = f"  (trùng sự kiện với {r.group})" if r.group != r.id else ""
        print(f"{r.id}  {r.date or '----------'}  {r.source or '-'}  {r.title}{dup}")
    return 0


def serve(args) -> int:
    raise UserError("the server starts from the `hoidap` console script or `python app.py`")


def eval(args) -> int:  # noqa: A001 - the subcommand's name
    from qa.evaluation.evaluate import EvalOptions, run_eval

    try:
        report_text = run_eval(EvalOptions.from_args(args), encoder=_encoder(), say=_say)
    except (OSError, ValueError, IndexFolderError) as exc:
        raise UserError(str(exc)) from exc
    print(report_text)
    return 0


def train_reader(args) -> int:
    """``hoidap train-reader``: train and write a reader folder (``qa.reading.train``)."""
    from qa.reading.train import run_from_args

    _say(f"Reader written to {run_from_args(args)}")
    return 0
