"""Read articles from files and folders: scraped ``.txt`` and ``.html`` pages, ``.jsonl``
(plain or gzip-compressed ``.jsonl.gz``, streamed one line at a time).

A batch never stops on a bad file: ``ArticleStream`` (lazy) and ``read_paths`` (all at once)
skip it and say why, by name. ``read_file`` is the strict single-file form and raises instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from corpus.article import Article, ReadError, ReadReport
from corpus.clean import clean_page, lead_title
from corpus.meta import detect_outlet, extract_date, parse_date
from corpus.normalize import fold_text, normalize_text
from corpus.stream import (
    JSONL,
    MAX_LINE_BYTES,
    SUPPORTED,
    LineSource,
    check_mojibake,
    decode,
    file_kind,
    file_size,
    find_targets,
)
from corpus.stream import Unreadable as _Unreadable

MAX_BYTES = 20 * 1024 * 1024  # a whole-file page (.txt, .html); JSONL files have no limit


class ReadFailure(ValueError):
    """Raised by ``read_file``: the file (or a line of it) could not be ingested.

    >>> str(ReadFailure(ReadError(path="a.txt", reason="file is empty")))
    'a.txt: file is empty'
    """

    def __init__(self, error: ReadError) -> None:
        super().__init__(f"{error.path}: {error.reason}")
        self.error = error


def _load_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _Unreadable(
                f"file is {size / 2**20:.1f} MB, over the {MAX_BYTES // 2**20} MB limit; "
                "split it (for example one article per line in a .jsonl file)"
            )
        if size == 0:
            raise _Unreadable("file is empty")
        text = decode(path.read_bytes())
    except OSError as e:
        raise _Unreadable(f"cannot read file: {e.strerror or e}") from None
    if not text.strip():
        raise _Unreadable("file is empty")
    check_mojibake(text)
    return text


def _from_page(path: Path, raw: str) -> Article:
    raw = normalize_text(raw)  # decomposed (NFD) input must still match "ngày" and friends
    page = clean_page(raw)
    if not page.paragraphs:
        raise _Unreadable("no article text left after removing page boilerplate")
    text = "\n\n".join(normalize_text(p) for p in page.paragraphs)
    return Article(
        id=path.stem,
        title=normalize_text(page.title or lead_title(page.paragraphs[0])),
        text=text,
        date=extract_date(raw),
        source=detect_outlet(raw),
        author=normalize_text(page.byline) if page.byline else None,
        path=str(path),
    )


def _from_html(path: Path, html: str) -> Article:
    import trafilatura  # heavy: loaded only when an HTML file is read

    extracted = trafilatura.extract(
        html, output_format="json", with_metadata=True, include_comments=False
    )
    if not extracted:
        raise _Unreadable("no main article text found in the HTML page")
    doc = json.loads(extracted)
    paragraphs = [p.strip() for p in (doc.get("text") or "").split("\n") if p.strip()]
    title = normalize_text(doc.get("title") or "")
    if paragraphs and title and fold_text(paragraphs[0]) == fold_text(title):
        paragraphs = paragraphs[1:]  # the <h1> that trafilatura keeps in the text
    if not paragraphs:
        raise _Unreadable("no main article text found in the HTML page")
    url = doc.get("source") or None
    return Article(
        id=path.stem,
        title=title or lead_title(paragraphs[0]),
        text="\n\n".join(normalize_text(p) for p in paragraphs),
        date=parse_date(doc.get("date") or ""),
        url=url,
        source=detect_outlet(html, url) or doc.get("sitename") or doc.get("hostname") or None,
        author=normalize_text(doc["author"]) if doc.get("author") else None,
        path=str(path),
    )


def _field(obj: dict, name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Unreadable(f"field {name!r} must be a string, got {type(value).__name__}")
    return str(value).strip() or None


def _from_json_line(where: str, line: str) -> Article:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise _Unreadable(f"invalid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise _Unreadable(f"expected a JSON object, got {type(obj).__name__}")
    doc_id, text = _field(obj, "id"), _field(obj, "text")
    if doc_id is None:
        raise _Unreadable("missing or empty 'id'")
    if text is None:
        raise _Unreadable(f"article {doc_id!r} has a missing or empty 'text'")
    text = normalize_text(text.replace("\r\n", "\n"))
    url = _field(obj, "url")
    author = _field(obj, "author")
    return Article(
        id=doc_id,
        title=normalize_text(_field(obj, "title") or lead_title(text)),
        text=text,
        date=parse_date(_field(obj, "date") or ""),
        url=url,
        source=_field(obj, "source") or detect_outlet("", url),
        author=normalize_text(author) if author else None,
        path=where,
    )


def _jsonl_items(source: LineSource) -> Iterator[Article | ReadError]:
    """Articles of a JSONL file, a ReadError in place of each bad line.

    An encoding problem on the first line with content condemns the whole file (it is
    not UTF-8 JSONL at all); on a later line, only that line.
    """
    content_seen = False
    for lineno, line in source:
        where = f"{source.path}:{lineno}"
        if line is None:
            content_seen = True
            limit = f"{MAX_LINE_BYTES // 2**20} MB"
            yield ReadError(path=where, reason=f"line is over {limit}; one article per line")
            continue
        try:
            text = decode(line, source.offset)
            check_mojibake(text)
        except _Unreadable as e:
            if not content_seen:
                raise
            yield ReadError(path=where, reason=e.reason)
            continue
        if not text.strip():
            continue
        content_seen = True
        try:
            yield _from_json_line(where, text)
        except _Unreadable as e:
            yield ReadError(path=where, reason=e.reason)
    if not content_seen:
        raise _Unreadable("file is empty")


def _file_items(source: LineSource) -> Iterator[Article | ReadError]:
    """Articles of one file, with a ReadError for each bad line, or for the file."""
    path = source.path
    kind = file_kind(path)
    try:
        if kind not in SUPPORTED:
            expected = ", ".join(SUPPORTED)
            raise _Unreadable(f"unsupported file type {kind or '(none)'!r}; expected {expected}")
        if kind in JSONL:
            yield from _jsonl_items(source)
        else:
            reader = _from_page if kind == ".txt" else _from_html
            yield reader(path, _load_text(path))
    except _Unreadable as e:
        yield ReadError(path=str(path), reason=e.reason)
    except Exception as e:  # a parser bug must cost one file, not the batch
        reason = f"unexpected {type(e).__name__} while reading: {e}"
        yield ReadError(path=str(path), reason=reason)


def read_file(path: str | Path) -> list[Article]:
    """Articles of one file; raises ReadFailure when the file or any line of it is bad.

    >>> read_file("no/such/page.txt")
    Traceback (most recent call last):
    corpus.readers.ReadFailure: no/such/page.txt: cannot read file: No such file or directory
    """
    articles: list[Article] = []
    for item in _file_items(LineSource(Path(path))):
        if isinstance(item, ReadError):
            raise ReadFailure(item)
        articles.append(item)
    return articles


class ArticleStream:
    """Articles of files and folders, read lazily (a JSONL file one line at a time).

    Same order, errors and duplicate-id rule as ``read_paths``; errors gather in ``errors``
    as they happen. ``bytes_done`` of ``bytes_total`` (on-disk bytes: compressed ones for
    ``.jsonl.gz``) measures progress, and only grows. A stream is read once.
    """

    def __init__(self, paths: Iterable[str | Path] | str | Path) -> None:
        if isinstance(paths, str | Path):
            paths = [paths]  # a lone path, not an iterable of characters
        self._targets = find_targets(paths)
        self._sizes = [file_size(t) if isinstance(t, Path) else 0 for t in self._targets]
        self.bytes_total = sum(self._sizes)
        self.errors: list[ReadError] = []
        self.articles_read = 0
        self._at: tuple[int, LineSource | None, int] = (0, None, 0)  # done, reading, its size
        self._started = False

    @property
    def bytes_done(self) -> int:
        """On-disk bytes consumed: files finished, plus the position in the current one."""
        done, source, size = self._at  # one tuple: a reader in another thread sees no dip
        return done + (min(source.position, size) if source else 0)

    def __iter__(self) -> Iterator[Article]:
        if self._started:
            raise RuntimeError("an ArticleStream is read once; make a new one to read again")
        self._started = True
        first_seen: dict[str, str] = {}
        for target, size in zip(self._targets, self._sizes, strict=True):
            if isinstance(target, ReadError):
                self.errors.append(target)
                continue
            done = self._at[0]
            source = LineSource(target)
            self._at = (done, source, size)
            for item in _file_items(source):
                if isinstance(item, ReadError):
                    self.errors.append(item)
                elif self._is_new(item, str(target), first_seen):
                    self.articles_read += 1
                    yield item
            self._at = (done + size, None, 0)

    def _is_new(self, article: Article, target: str, first_seen: dict[str, str]) -> bool:
        where = article.path or target
        if article.id not in first_seen:
            first_seen[article.id] = where
            return True
        first = first_seen[article.id]
        reason = f"duplicate id {article.id!r}, first read from {first}; skipped"
        self.errors.append(ReadError(path=where, reason=reason + " (give it a distinct id)"))
        return False

    def batches(self, size: int) -> Iterator[list[Article]]:
        """The articles in lists of ``size`` (the last may be shorter), read as they are needed."""
        if size < 1:
            raise ValueError(f"batch size must be at least 1, got {size}")
        articles = iter(self)
        while batch := list(islice(articles, size)):
            yield batch


def read_paths(paths: Iterable[str | Path] | str | Path) -> ReadReport:
    """Read files and folders (recursively, sorted) into one report; bad files are skipped.

    Folders contribute their ``.txt``, ``.html``/``.htm``, ``.jsonl`` and ``.jsonl.gz``
    files and silently ignore others. A later article whose id was already read is
    reported, not kept. Holds every article in memory: for a large archive, iterate an
    ``ArticleStream`` (the same reading, lazily, with progress) instead.

    >>> read_paths(["no/such/folder"]).errors[0].reason
    'no such file or directory'
    """
    stream = ArticleStream(paths)
    articles = tuple(stream)
    return ReadReport(articles=articles, errors=tuple(stream.errors))
