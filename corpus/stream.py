"""Files as bytes and lines: which files a batch reads, how they decode, JSONL read lazily.

A ``.jsonl`` file, plain or gzip-compressed (``.jsonl.gz``), is read one line at a time,
so an archive of any size streams in flat memory; ``LineSource.position`` counts the
on-disk (compressed) bytes consumed, for progress. Damage (a truncated or non-gzip
archive, a failing disk) ends the file with an actionable reason, after the lines before it.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpus.article import ReadError

SUPPORTED = (".txt", ".html", ".htm", ".jsonl", ".jsonl.gz")
JSONL = (".jsonl", ".jsonl.gz")
MAX_LINE_BYTES = 20 * 1024 * 1024  # one JSONL line (one article); a file has no limit
# UTF-8 text decoded once too often as cp1252: "á»" for ộ/ở..., "Ä‘" for đ, "Æ°" for ư.
_MOJIBAKE = re.compile(r"á»|Ä‘|Æ°|Ã[\u00a0¡¢£¨©ª¬\u00ad²³´µ¹º½]")
_GZIP_MAGIC = b"\x1f\x8b"


class Unreadable(Exception):
    """Why one file or line is skipped; becomes a ReadError."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def file_kind(path: Path) -> str:
    """The lower-case type a file is read as: its suffix, or its last two before ``.gz``.

    >>> [file_kind(Path(p)) for p in ("a/2017.JSONL.gz", "b.txt", "c.tar.gz", "README")]
    ['.jsonl.gz', '.txt', '.tar.gz', '']
    """
    if path.name.lower().endswith(".gz"):
        return "".join(path.suffixes[-2:]).lower()
    return path.suffix.lower()


def decode(data: bytes, base: int = 0) -> str:
    """UTF-8 text of ``data`` (a BOM dropped); ``base`` is its offset in the file, for messages."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable("file is UTF-16 encoded; re-save it as UTF-8")
    if b"\x00" in data:
        raise Unreadable("looks binary (contains NUL bytes); expected a UTF-8 text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        controls = sum(b < 9 or 13 < b < 32 for b in data[:4096])
        if controls > len(data[:4096]) // 20:
            raise Unreadable("looks binary (mostly non-text bytes)") from None
        raise Unreadable(
            f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {base + e.start}); "
            "re-save the file as UTF-8 (legacy Vietnamese encodings are not guessed)"
        ) from None


def check_mojibake(text: str) -> None:
    """Refuse text that was decoded as cp1252 and re-encoded (three tell-tale pairs or more)."""
    if len(_MOJIBAKE.findall(text)) >= 3:
        raise Unreadable("text looks double-encoded (mojibake such as 'á»'); re-export as UTF-8")


def file_size(path: Path) -> int:
    """On-disk bytes (compressed ones for an archive); 0 when it cannot be known."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


class LineSource:
    """The lines of a plain or gzip JSONL file, read lazily as ``(number, bytes)``.

    The bytes are ``None`` for a line over ``MAX_LINE_BYTES`` (skipped, not held).
    ``position`` is the on-disk bytes consumed so far; it only grows.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.position = 0
        self.lines_read = 0
        self.offset = 0  # where the last line read starts in the (decompressed) text

    def __iter__(self) -> Iterator[tuple[int, bytes | None]]:
        try:
            with open(self.path, "rb") as raw:
                if file_kind(self.path) != ".jsonl.gz":
                    yield from self._lines(raw, raw)
                    return
                head = raw.peek(len(_GZIP_MAGIC))[: len(_GZIP_MAGIC)]
                if head and head != _GZIP_MAGIC:
                    raise Unreadable(
                        f"not a gzip file (it starts with {raw.peek(8)[:8]!r}); "
                        "if it is plain JSONL, name it .jsonl instead of .jsonl.gz"
                    )
                with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                    yield from self._lines(raw, unzipped)
        except EOFError:
            raise Unreadable(self._damage("truncated")) from None
        except (gzip.BadGzipFile, zlib.error) as e:
            raise Unreadable(self._damage(f"corrupt ({e})")) from None
        except OSError as e:
            raise Unreadable(f"cannot read file: {e.strerror or e}") from None

    def _damage(self, what: str) -> str:
        lines = f"{self.lines_read} line" + ("" if self.lines_read == 1 else "s")
        return f"the archive is {what} after {lines}: re-download or re-compress it"

    def _lines(self, raw, text) -> Iterator[tuple[int, bytes | None]]:
        offset = 0
        while True:
            line = text.readline(MAX_LINE_BYTES + 1)
            self.position = max(self.position, raw.tell())
            if not line:
                return
            self.lines_read += 1
            self.offset, offset = offset, offset + len(line)
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest, a MB at a time
                    line = text.readline(2**20)
                    offset += len(line)
                self.position = max(self.position, raw.tell())
                line = None
            yield self.lines_read, line


def _folder_files(root: Path) -> list[Path]:
    """Supported files under a folder, in sorted order; hidden files and folders skipped."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):  # does not follow symlinked folders: no loops
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [
            Path(folder, f)
            for f in files
            if not f.startswith(".") and file_kind(Path(f)) in SUPPORTED
        ]
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def find_targets(paths: Iterable[str | Path]) -> list[Path | ReadError]:
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
