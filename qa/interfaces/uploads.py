"""Uploaded files: which are accepted, where they are staged, and what a crash leaves behind.

Only files the server itself received may be added: a Gradio request names files by their
path on the server, so a path outside the server's upload folder is refused (else any
readable file could be read into the index and then out through the API).

>>> safe_stem("../../etc/Bài báo Hà Nội.txt")
'Bai_bao_Ha_Noi'
>>> inside("/srv/up/ab/x.txt", Path("/srv/up")), inside("/etc/passwd", Path("/srv/up"))
(True, False)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.article import ReadError
from corpus.stream import file_kind

ALLOWED_SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".jsonl.gz")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # per file: a 35k-article .jsonl.gz archive is ~40 MB
MAX_UPLOAD_FILES = 50
NOT_UPLOADED = (
    "not uploaded through this page: only files in the server's upload folder are accepted"
)
STAGING = "hoidap-upload-"
STALE_AFTER_S = 600  # a staging folder without a pid in its name, untouched this long, is dead
_STAGING_PID = re.compile(rf"^{STAGING}(\d+)-")


@dataclass(frozen=True, kw_only=True)
class Upload:
    """A file as received from a user: its (untrusted) name and its bytes."""

    name: str
    data: bytes


def safe_stem(name: str) -> str:
    """An article id from an uploaded file name: never a path, only safe characters.

    >>> safe_stem("...")
    'upload'
    """
    base = re.split(r"[\\/]", name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    ascii_ = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    ascii_ = ascii_.encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_).strip("_-")
    return cleaned[:80] or "upload"


def stage(files: Sequence[Upload], folder: Path) -> tuple[list[Path], list[ReadError]]:
    """Write acceptable uploads under safe names into ``folder``; explain each refused one."""
    paths: list[Path] = []
    errors: list[ReadError] = []
    used: set[str] = set()
    for f in files:
        suffix = upload_kind(f.name)
        if suffix not in ALLOWED_SUFFIXES:
            errors.append(
                ReadError(
                    path=f.name, reason=f"only {', '.join(ALLOWED_SUFFIXES)} files are accepted"
                )
            )
        elif len(f.data) > MAX_UPLOAD_BYTES:
            mb = MAX_UPLOAD_BYTES // (1024 * 1024)
            errors.append(ReadError(path=f.name, reason=f"file is larger than the {mb} MB limit"))
        elif (stem := _stem(f.name, suffix)) in used:
            errors.append(ReadError(path=f.name, reason="another uploaded file has the same name"))
        else:
            used.add(stem)
            path = folder / f"{stem}{suffix}"
            path.write_bytes(f.data)
            paths.append(path)
    return paths, errors


def upload_kind(name: str) -> str:
    """The type an uploaded file is read as: its lower-case suffix, ``.jsonl.gz`` whole.

    >>> upload_kind("C:\\tin\\2017.JSONL.GZ"), upload_kind("a.b.txt"), upload_kind("x.tar.gz")
    ('.jsonl.gz', '.txt', '.tar.gz')
    """
    return file_kind(Path(re.split(r"[\\/]", name)[-1]))


def _stem(name: str, kind: str) -> str:
    """``safe_stem`` of the name, a ``.jsonl.gz`` archive's two suffixes both dropped."""
    return safe_stem(name[: -len(".gz")] if kind == ".jsonl.gz" else name)


def inside(path: str | os.PathLike, folder: Path) -> bool:
    """Whether ``path``, symlinks resolved, lies strictly inside ``folder`` (resolved too)."""
    try:
        resolved, root = Path(path).resolve(), Path(folder).resolve()
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a loop of links: not ours
        return False
    return resolved != root and resolved.is_relative_to(root)


def received(files: Iterable[dict | str], folder: Path) -> tuple[list[Upload], list[ReadError]]:
    """The files a Gradio request names (``FileData`` dicts or paths), read if they lie in
    the server's upload ``folder``; every other one refused by its name.

    >>> refused = received([{"path": "/etc/passwd", "orig_name": "x.txt"}], Path("/srv/up"))[1]
    >>> refused[0].path, refused[0].reason.startswith("not uploaded")
    ('x.txt', True)
    """
    uploads: list[Upload] = []
    refused: list[ReadError] = []
    for f in files:
        path = str((f.get("path") if isinstance(f, dict) else f) or "")
        name = (f.get("orig_name") if isinstance(f, dict) else None) or Path(path).name or "?"
        if not path or not inside(path, folder) or not Path(path).is_file():
            refused.append(ReadError(path=name, reason=NOT_UPLOADED))
            continue
        try:
            with open(path, "rb") as fh:  # one byte over the limit is enough to refuse it
                uploads.append(Upload(name=name, data=fh.read(MAX_UPLOAD_BYTES + 1)))
        except OSError as exc:
            refused.append(ReadError(path=name, reason=f"cannot read file ({type(exc).__name__})"))
    return uploads, refused


def named_paths(body: bytes) -> Iterator[tuple[str, str]]:
    """``(name, path)`` of every file a JSON request body names (any object with a string
    "path"); nothing for a body that is not JSON.

    >>> list(named_paths(b'{"data": [[{"path": "/etc/passwd", "orig_name": "x.txt"}]]}'))
    [('x.txt', '/etc/passwd')]
    """
    try:
        stack = [json.loads(body)]
    except (ValueError, RecursionError):
        return
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("path"), str):
                yield str(item.get("orig_name") or Path(item["path"]).name), item["path"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def staging_prefix() -> str:
    """The name start of this process's staging folders: the pid tells a later start-up
    whether the folder's owner is still alive."""
    return f"{STAGING}{os.getpid()}-"


def clean_stale_staging(folder: str | Path | None = None, now: float | None = None) -> list[Path]:
    """Remove staging folders a killed server left in ``folder`` (the system temp folder):
    those whose pid is dead, and pid-less (older) ones untouched for ``STALE_AFTER_S``.

    >>> clean_stale_staging("/nonexistent-folder")
    []
    """
    root = Path(folder or tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = []
    for entry in _own_staging_folders(root):
        match = _STAGING_PID.match(entry.name)
        if match and os.name == "posix":
            stale = not _alive(int(match.group(1)))
        else:
            stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_S
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _own_staging_folders(root: Path) -> list[os.DirEntry]:
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    uid = getattr(os, "getuid", lambda: None)()
    return [
        e
        for e in entries
        if e.name.startswith(STAGING)
        and e.is_dir(follow_symlinks=False)
        and (uid is None or e.stat(follow_symlinks=False).st_uid == uid)  # others' are not ours
    ]


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    except (OverflowError, OSError):
        return False
    return True
