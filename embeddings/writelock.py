"""One writer at a time per index folder, across processes: a ``flock`` on a lock file.

A REST upload in the server and a ``hoidap ingest`` in a shell may change the same index.
Each change is load -> change -> commit; without a lock both start from the same
generation and the second commit silently drops the first one's articles. The lock is
advisory (``fcntl.flock`` on ``writer.lock`` in the folder): the kernel releases it when
its holder exits or is killed, so a crashed writer never leaves the index locked.

Readers take no lock: every commit is a new generation of files behind an atomic manifest
rename, so a reader sees either the old or the new index.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d, index_lock(Path(d)):
...     with index_lock(Path(d)):  # re-entrant in one thread (ingest -> commit)
...         pass
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from embeddings.manifest import IndexFolderError

LOCK_FILE = "writer.lock"
LOCK_TIMEOUT_S = 600.0  # a big CLI ingest can take minutes; past this, ask to retry later
_POLL_S = 0.1
_held = threading.local()  # folder -> depth, per thread: re-entry must not self-deadlock


def _depths() -> dict[str, int]:
    if not hasattr(_held, "depths"):
        _held.depths = {}
    return _held.depths


@contextmanager
def index_lock(
    folder: Path, say: Callable[[str], None] | None = None, timeout: float | None = None
) -> Iterator[None]:
    """Hold the folder's writer lock for the ``with`` block (creating the folder if needed).

    Waits for another writer up to ``timeout`` seconds (default ``LOCK_TIMEOUT_S``), then
    raises ``IndexFolderError``. Re-entering in the same thread is free.
    """
    key = os.path.realpath(folder)
    depths = _depths()
    if depths.get(key):
        depths[key] += 1
        try:
            yield
        finally:
            depths[key] -= 1
        return
    fd = _open_lock_file(Path(folder))
    try:
        _acquire(fd, Path(folder), say, LOCK_TIMEOUT_S if timeout is None else timeout)
        depths[key] = 1
        try:
            yield
        finally:
            del depths[key]
    finally:
        os.close(fd)  # closing the last descriptor releases the flock


def _open_lock_file(folder: Path) -> int:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise IndexFolderError(
            f"cannot lock the index {folder} for writing ({exc.strerror or exc}); "
            "check that the folder exists and that you may write to it"
        ) from exc


def _acquire(fd: int, folder: Path, say, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise IndexFolderError(
                    f"{folder} is being changed by another process ({_holder(fd)}) for over "
                    f"{timeout:.0f} s; nothing was changed. Run the command again when it "
                    "has finished."
                ) from None
            if say and not told:
                say(f"Waiting for another process that is changing {folder} ({_holder(fd)})...")
                told = True
            time.sleep(_POLL_S)
    os.ftruncate(fd, 0)  # who holds it, for the messages of those who wait
    os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown pid"
    except OSError:
        return "unknown pid"
