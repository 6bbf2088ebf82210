"""Keep freed memory in the process instead of handing it back to the kernel after each layer.

Reading a prompt allocates and frees many float32 blocks of 1-15 MB (a 400 x 8960
activation is 14 MB). glibc serves blocks above its mmap threshold with a fresh ``mmap``
and unmaps them on free, so every block is new memory the kernel must fault in and zero,
page by page. Measured on the bundled set, 2 cores: about 290,000 page faults per answer,
and elementwise layers such as ``silu`` ran 5-10x slower than on reused memory. With the
threshold raised above those sizes (and heap trimming raised with it), the faults drop to
none and the median time to first token fell from 2.4 s to 2.0 s in the same process.

The cost is memory kept for reuse: at most ``trim_mb`` of freed heap stays resident per
heap. glibc gives each thread that allocates its own heap ("arena", up to 8 per core), and
a server answers from many threads (the web framework's pool, a worker per answer): each
arena kept its own freed blocks, and resident memory grew with every new thread.
``cap_arenas`` makes all threads share two heaps, so the kept memory is reused by whichever
thread answers next (measured in docs/operations.md with ``scripts/soak_server.py``).
Only glibc has ``mallopt``; elsewhere this does nothing.

>>> keep_freed_memory()  # doctest: +SKIP
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_MB = 32  # glibc's largest mmap threshold on 64-bit systems


@functools.cache
def _mallopt():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return mallopt


def cap_arenas(arenas: int = 2) -> bool:
    """At most ``arenas`` glibc heaps for all threads; whether glibc accepted it.

    Call it at start-up, before threads allocate. ``MALLOC_ARENA_MAX``, when set, wins: it
    is the user's explicit choice.

    >>> cap_arenas() in (True, False)
    True
    """
    mallopt = _mallopt()
    if mallopt is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return mallopt(_M_ARENA_MAX, arenas) == 1


@functools.cache
def keep_freed_memory(trim_mb: int = 256) -> bool:
    """Serve blocks up to ``MMAP_MB`` from the reused heap; whether glibc accepted it.

    Called once the model is loaded, so loading itself (large temporaries) is unchanged.
    """
    mallopt = _mallopt()
    if mallopt is None:
        return False
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_MB << 20) == 1
    return ok and mallopt(_M_TRIM_THRESHOLD, trim_mb << 20) == 1
