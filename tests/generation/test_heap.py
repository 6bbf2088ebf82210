"""qa.generation.heap: freed blocks are reused, not faulted in again (checked in a fresh
process)."""

import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    from qa.generation.heap import keep_freed_memory

    if sys.argv[1] == "keep" and not keep_freed_memory():
        print("unsupported")
        raise SystemExit
    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    def layer():  # like prompt reading: a few 20 MB blocks made and freed
        blocks = [np.ones(20 << 20, dtype=np.uint8) for _ in range(3)]
        del blocks
    layer()
    start = faults()
    for _ in range(10):
        layer()
    print((faults() - start) / 10)
    """
)


def _faults_per_round(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_freed_blocks_are_reused_without_page_faults():
    kept = _faults_per_round("keep")
    if kept == "unsupported":
        pytest.skip("this C library has no mallopt")
    # 60 MB a round is 15,360 pages; reused memory needs none of them faulted in again.
    assert float(kept) < 50
    assert float(_faults_per_round("default")) > float(kept)


_THREADS = textwrap.dedent(
    """
    import sys, threading
    import numpy as np
    from qa.generation.heap import cap_arenas, keep_freed_memory

    if sys.argv[1] == "cap" and not cap_arenas(2):
        print("unsupported")
        raise SystemExit
    keep_freed_memory()
    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    start = rss_mb()
    turn, alive = threading.Lock(), threading.Barrier(12)
    def answer():  # a server thread: alive all along, working one at a time
        np.zeros(1)
        alive.wait()
        with turn:
            block = np.ones(2 << 20)  # 16 MB, freed at once
            del block
        alive.wait()
    threads = [threading.Thread(target=answer) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(rss_mb() - start)
    """
)


def _kept_mb(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _THREADS, mode], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_capped_arenas_keep_memory_flat_across_threads():
    # Each thread that allocates gets its own arena, which keeps what it freed: a server's
    # memory grew with every pool thread that answered. With two shared arenas it does not.
    free, capped = _kept_mb("free"), _kept_mb("cap")
    if "unsupported" in capped:
        pytest.skip("not glibc")
    assert int(capped) <= 48 < 150 <= int(free), (capped, free)
