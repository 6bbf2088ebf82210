"""Read articles from files and folders: scraped ``.txt`` pages, ``.html`` pages, ``.jsonl``.

A batch never stops on a bad file: ``read_paths`` skips it and says why, by name, in
``ReadReport.errors``. ``read_file`` is the strict single-file form and raises instead.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from corpus.article import Article, ReadError, ReadReport
from corpus.clean import clean_page, lead_title
from corpus.meta import detect_outlet, extract_date, parse_date
from corpus.normalize import fold_text, normalize_text

SUPPORTED = (".txt", ".html", ".htm", ".jsonl")
MAX_BYTES = 20 * 1024 * 1024
# UTF-8 text decoded once too often as cp1252: "á»" for ộ/ở..., "Ä‘" for đ, "Æ°" for ư.
_MOJIBAKE = re.compile(r"á»|Ä‘|Æ°|Ã[\u00a0¡¢£¨©ª¬\u00ad²³´µ¹º½]")


class ReadFailure(ValueError):
    """Raised by ``read_file``: the file (or a line of it) could not be ingested.

    >>> str(ReadFailure(ReadError(path="a.txt", reason="file is empty")))
    'a.txt: file is empty'
    """

    def __init__(self, error: ReadError) -> None:
        super().__init__(f"{error.path}: {error.reason}")
        self.error = error


class _Unreadable(Exception):
    """Internal: why one file or line is skipped; becomes a ReadError."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Unreadable("file is UTF-16 encoded; re-save it as UTF-8")
    if b"\x00" in data:
        raise _Unreadable("looks binary (contains NUL bytes); expected a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        controls = sum(b < 9 or 13 < b < 32 for b in data[:4096])
        if controls > len(data[:4096]) // 20:
            raise _Unreadable("looks binary (mostly non-text bytes)") from None
        raise _Unreadable(
            f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "re-save the file as UTF-8 (legacy Vietnamese encodings are not guessed)"
        ) from None
    if not text.strip():
        raise _Unreadable("file is empty")
    if len(_MOJIBAKE.findall(text)) >= 3:
        raise _Unreadable("text looks double-encoded (mojibake such as 'á»'); re-export as UTF-8")
    return text


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
        return _decode(path.read_bytes())
    except OSError as e:
        raise _Unreadable(f"cannot read file: {e.strerror or e}") from None


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


def _from_jsonl(path: Path, raw: str) -> ReadReport:
    articles: list[Article] = []
    errors: list[ReadError] = []
    # split on "\n" only: JSON strings may legally hold U+2028, which splitlines() would cut
    for lineno, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            articles.append(_from_json_line(where, line))
        except _Unreadable as e:
            errors.append(ReadError(path=where, reason=e.reason))
    return ReadReport(articles=tuple(articles), errors=tuple(errors))


def _read_one(path: Path) -> ReadReport:
    """Read one file, turning every expected problem into a ReadError."""
    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED:
            expected = ", ".join(SUPPORTED)
            raise _Unreadable(f"unsupported file type {suffix or '(none)'!r}; expected {expected}")
        raw = _load_text(path)
        if suffix == ".jsonl":
            return _from_jsonl(path, raw)
        reader = _from_page if suffix == ".txt" else _from_html
        return ReadReport(articles=(reader(path, raw),))
    except _Unreadable as e:
        return ReadReport(errors=(ReadError(path=str(path), reason=e.reason),))
    except Exception as e:  # a parser bug must cost one file, not the batch
        reason = f"unexpected {type(e).__name__} while reading: {e}"
        return ReadReport(errors=(ReadError(path=str(path), reason=reason),))


def read_file(path: str | Path) -> list[Article]:
    """Articles of one file; raises ReadFailure when the file or any line of it is bad.

    >>> read_file("no/such/page.txt")
    Traceback (most recent call last):
    corpus.readers.ReadFailure: no/such/page.txt: cannot read file: No such file or directory
    """
    report = _read_one(Path(path))
    if report.errors:
        raise ReadFailure(report.errors[0])
    return list(report.articles)


def _folder_files(root: Path) -> list[Path]:
    """Supported files under a folder, in sorted order; hidden files and folders skipped."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):  # does not follow symlinked folders: no loops
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [
            Path(folder, f)
            for f in files
            if not f.startswith(".") and Path(f).suffix.lower() in SUPPORTED
        ]
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def _targets(paths: Iterable[str | Path]) -> list[Path | ReadError]:
    """Files to read, in order, with a ReadError in place of a path that cannot be."""
    targets: list[Path | ReadError] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            targets += _folder_files(path)
        elif path.is_file():
            targets.append(path)  # named explicitly: an unsupported type is an error
        elif path.exists():
            targets.append(ReadError(path=str(path), reason="not a regular file or folder"))
        else:
            targets.append(ReadError(path=str(path), reason="no such file or directory"))
    return targets


def read_paths(paths: Iterable[str | Path] | str | Path) -> ReadReport:
    """Read files and folders (recursively, sorted) into one report; bad files are skipped.

    Folders contribute their ``.txt``, ``.html``/``.htm`` and ``.jsonl`` files and silently
    ignore others. A later article whose id was already read is reported, not kept.

    >>> read_paths(["no/such/folder"]).errors[0].reason
    'no such file or directory'
    """
    if isinstance(paths, str | Path):
        paths = [paths]  # a lone path, not an iterable of characters
    errors: list[ReadError] = []
    articles: list[Article] = []
    first_seen: dict[str, str] = {}
    for target in _targets(paths):
        if isinstance(target, ReadError):
            errors.append(target)
            continue
        report = _read_one(target)
        errors += report.errors
        for article in report.articles:
            where = article.path or str(target)
            if article.id in first_seen:
                first = first_seen[article.id]
                reason = f"duplicate id {article.id!r}, first read from {first}; skipped"
                errors.append(ReadError(path=where, reason=reason + " (give it a distinct id)"))
                continue
            first_seen[article.id] = where
            articles.append(article)
    return ReadReport(articles=tuple(articles), errors=tuple(errors))
