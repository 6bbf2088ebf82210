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
