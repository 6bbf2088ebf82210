"""Keep a long-running server's memory flat: glibc malloc settings and trimming.

A server answers from several threads (the web framework's pool, one worker per answer),
and glibc gives each thread its own heap ("arena", up to 8 per core). The models allocate
and free tensors of many sizes; with its default settings glibc raises the size above
which it maps memory directly each time such a block is freed, so later big tensors come
from the arenas, whose holes are seldom given back. Resident memory then creeps up with
every answer although nothing is kept. Fewer arenas, a fixed mmap threshold (big blocks go
straight back to the system when freed) and a trim after each answer keep it flat; the
measurements are in docs/operations.md (``scripts/soak_server.py``).

Nothing happens where the C library is not glibc (musl, macOS): the calls are skipped.

>>> tune_malloc(arenas=2, mmap_threshold=1 << 20) in (True, False)
True
>>> trim() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache

_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
_M_ARENA_MAX = -8
DEFAULT_ARENAS = 2
DEFAULT_MMAP_THRESHOLD = 1 << 20  # 1 MiB: activation and KV tensors above it are mapped


@cache
def _libc():
    if os.name != "posix":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def tune_malloc(arenas: int = DEFAULT_ARENAS, mmap_threshold: int = DEFAULT_MMAP_THRESHOLD) -> bool:
    """Cap glibc's arenas and fix its mmap threshold; False where that is not possible.

    Call it early, before the models load and the threads start. The environment variables
    ``MALLOC_ARENA_MAX`` and ``MALLOC_MMAP_THRESHOLD_``, when set, win (they are the user's
    explicit choice).
    """
    libc = _libc()
    if libc is None:
        return False
    ok = True
    if "MALLOC_ARENA_MAX" not in os.environ:
        ok &= bool(libc.mallopt(_M_ARENA_MAX, int(arenas)))
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        ok &= bool(libc.mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)))
    return ok


def trim() -> bool:
    """Give freed heap memory back to the system now (after an answer); False if unable."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
