"""``hoidap ingest`` and ``hoidap compact``: articles streamed into an index in batches,
with a progress line (articles/s, passages/s, ETA), on one machine or on Ray."""

from __future__ import annotations

import sys
from pathlib import Path

from embeddings.manifest import IndexFolderError
from qa.interfaces.cli.commands import _encoder, _index_dir, _say
from qa.interfaces.cli.output import UserError


def ingest(args) -> int:
    from corpus.readers import ArticleStream
    from qa.retrieval.indexes import open_index

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise UserError(f"no such file or folder: {', '.join(missing)}")
    if args.batch < 1:
        raise UserError(f"--batch must be at least 1 article, not {args.batch}")
    stream = ArticleStream(args.paths)
    encoder, folder = _encoder(), _index_dir(args)
    try:
        store = open_index(folder, encoder, rebuild=args.rebuild)
    except IndexFolderError as exc:
        raise UserError(str(exc)) from exc
    bar = ProgressLine(stream)
    try:  # another writer's lock timing out, a full disk: the index keeps what it committed
        result = _run(args, store, stream, encoder, bar)
    except IndexFolderError as exc:
        raise UserError(str(exc)) from exc
    finally:
        bar.close()
    for err in stream.errors:
        _say(f"skipped {err.path}: {err.reason}")
    print(
        f"{folder}: {len(result.added)} added, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged, {len(stream.errors)} skipped; "
        f"{result.chunks_added} passages embedded in {result.seconds:.1f} s "
        f"({result.passages_per_second:.1f} passages/s; the encoder ran "
        f"{_share(result.embed_seconds, result.seconds)} of the time); "
        f"{len(store.articles)} articles, {store.passages} passages in the index"
    )
    return 1 if stream.errors and not stream.articles_read else 0


def _run(args, store, stream, encoder, bar):
    if args.ray is not None:
        from embeddings.rayingest import ray_ingest

        address = None if args.ray == "local" else args.ray
        return ray_ingest(
            store,
            stream,
            encoder,
            address=address,
            batch_size=args.batch,
            on_batch=bar.update,
            fraction=bar.fraction,
        )
    from embeddings.ingest import ingest as run_ingest

    return run_ingest(
        store,
        stream,
        encoder,
        _say,
        batch_size=args.batch,
        on_batch=bar.update,
        fraction=bar.fraction,
    )


class ProgressLine:
    """One status line on stderr, redrawn after each committed batch.

    >>> class S: bytes_done, bytes_total = 50, 200
    >>> from embeddings.ingest import IngestProgress
    >>> ProgressLine(S()).render(IngestProgress(articles=100, embedded=400, seconds=20,
    ...     fraction=0.25))
    '[#####---------------]  25% 100 articles (5.0/s), 400 passages (20.0/s), ETA 1 min'
    """

    def __init__(self, stream, out=None):
        self.stream = stream
        self.out = out or sys.stderr
        self.tty = getattr(self.out, "isatty", lambda: False)()
        self.drawn = False

    def fraction(self) -> float:
        total = self.stream.bytes_total
        return self.stream.bytes_done / total if total else 0.0

    def render(self, p) -> str:
        frac = p.fraction or 0.0
        bar = "#" * int(frac * 20)
        secs = max(p.seconds, 1e-9)
        eta = p.eta_seconds
        when = "?" if eta is None else _duration(eta)
        return (
            f"[{bar:-<20}] {frac * 100:3.0f}% {p.articles} articles ({p.articles / secs:.1f}/s), "
            f"{p.embedded} passages ({p.embedded / secs:.1f}/s), ETA {when}"
        )

    def update(self, progress) -> None:
        line = self.render(progress)
        self.out.write(f"\r{line}\033[K" if self.tty else f"{line}\n")
        self.out.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn and self.tty:
            self.out.write("\n")


def _share(part: float, whole: float) -> str:
    """
    >>> _share(9.3, 10.0)
    '93 %'
    """
    return f"{100 * part / whole:.0f} %" if whole > 0 else "n/a"


def _duration(seconds: float) -> str:
    """
    >>> _duration(30), _duration(3725)
    ('<1 min', '1 h 02 min')
    """
    minutes = int(round(seconds / 60))
    if minutes < 1:
        return "<1 min"
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def compact(args) -> int:
    from embeddings.compact import compact as run_compact
    from qa.retrieval.indexes import open_index

    folder = _index_dir(args)
    try:
        store = open_index(folder, _encoder())
        merged = run_compact(store, _say)
    except IndexFolderError as exc:
        raise UserError(str(exc)) from exc
    what = f"merged {merged} segments into 1" if merged else "already compact"
    print(f"{folder}: {what}; {len(store.articles)} articles, {store.passages} passages")
    return 0
