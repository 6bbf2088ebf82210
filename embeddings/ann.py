"""Approximate nearest-neighbour search for big segments; exact search for small ones.

A segment's vectors are a float32 ``(n, d)`` matrix of L2-normalized rows (cosine = inner
product) and row ``i`` is the segment's ``i``-th passage. Below ``ANN_MIN_ROWS`` rows the
store scans the matrix (``exact_search``); from there on it builds an ``AnnIndex``.

Why HNSW up to ``HNSW_MAX_ROWS`` and IVF above (scripts/bench_ann.py on 10k real dantri
passage vectors extended synthetically, 2 heavily shared cores; /work/runs/ann/bench-*.txt):
at 100k rows HNSW32 (efConstruction 100, efSearch 512) answers in ~1 ms with mean recall@10
0.9986 vs exact, its graph adds ~17% to the vectors, and it builds in ~2 minutes; IVF1024
needed nprobe 256 (a quarter of the lists, ~19 ms) for the same recall. At 1M rows, where
the data is 99% noisy copies of the 10k real vectors, HNSW32 (efConstruction 40) collapsed
to recall 0.52 at efSearch 256 (clusters of near-duplicates become islands in the graph)
while IVF4096 at nprobe 256 kept 0.9988 at 28 ms p50, exact search taking 430 ms.

>>> rng = np.random.default_rng(0)
>>> m = rng.standard_normal((500, 8)).astype(np.float32)
>>> m /= np.linalg.norm(m, axis=1, keepdims=True)
>>> ann = AnnIndex.build(m)
>>> ann.kind, len(ann), int(ann.search(m[42], 3)[0][0]), int(exact_search(m, m[42], 3)[0][0])
('hnsw32', 500, 42, 42)
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# Rows from which a segment gets an ANN index. Measured (one torch thread, p50): exact
# 0.4 ms at 5k rows and 0.8 ms at 10k, HNSW32 at efSearch 512 0.85 ms at 10k, ~1 ms at 100k.
# They tie near 10k; on a tie exact wins (no build, recall exactly 1), hence a bit above.
ANN_MIN_ROWS = 15_000

HNSW_M = 32  # links per node: M=16 needed twice the efSearch for the same recall at 100k
# Candidate list while inserting. FAISS's default 40 left near-duplicate passages (overlapping
# chunks, reprints) poorly linked: at 100k, efSearch 512 gave mean recall@10 0.994 with 40,
# 0.9986 with 100, for a build 1.4x longer (85 s -> 119 s at 100k on loaded cores).
HNSW_EF_CONSTRUCTION = 100
# Candidate list per query. On the real 35k-article archive (125,412 rows, one merged
# segment) questions about the archive's own articles reach recall@10 1.0 from 512, but
# questions whose answers are not in it (XQuAD-vi's, all of whose neighbours are far) only
# 0.9817 at 512, 0.9923 at 1024 (2.9 ms p50), 0.9977 at 2048 (6.3 ms): 1024 keeps the 0.99
# target for both kinds far inside the latency budget.
HNSW_EF_SEARCH = 1024
# Lists probed per IVF query: mean recall@10 0.970 at 64, 0.993 at 128, 0.9988 at 256 (1M rows,
# 4096 lists; 28 ms p50 on loaded cores). 256 for the margin.
IVF_NPROBE = 256
# Largest segment that gets HNSW. Measured good at 100k, failed at 1M on the synthetic data;
# 200k covers the ~140k-row merged segments, IVF takes the bigger ones.
HNSW_MAX_ROWS = 200_000

_MAGIC = b"HOIDAP-ANN\x00v1\n"  # a file without it is not ours (a raw FAISS file, a .npy, ...)


def exact_search(matrix: np.ndarray, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and cosine scores of the ``n`` best rows of ``matrix``, best first, exactly.

    Works on a read-only ``np.memmap``. The scan runs on torch:
    the query encoder's own thread pool, so no second pool competes for the two cores.

    >>> m = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    >>> rows, scores = exact_search(m, np.array([0.0, 1.0], dtype=np.float32), 2)
    >>> rows.tolist(), [round(float(s), 2) for s in scores]
    ([1, 2], [1.0, 0.8])
    """
    n = min(n, len(matrix))
    if n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    import warnings

    import torch

    q = torch.from_numpy(np.ascontiguousarray(query, dtype=np.float32).reshape(-1))
    with warnings.catch_warnings():
        # A read-only memmap is fine: torch only reads it (it warns because it could write).
        warnings.simplefilter("ignore", UserWarning)
        m = torch.from_numpy(np.asarray(matrix, dtype=np.float32))
    scores = torch.mv(m, q).numpy()
    top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    return top.astype(np.int64), scores[top].astype(np.float32)


@contextmanager
def _omp_threads(count: int | None) -> Iterator[None]:
    """Run FAISS with ``count`` OpenMP threads (``None``: all cores), then restore.

    One query gains nothing from FAISS's pool (HNSW p50 1.1 ms either way at 100k), but that
    pool's spinning threads starve torch's: torch work run between searches took 77 ms p50
    with FAISS on 2 threads vs 9 ms on 1 (bench_ann.py). Builds do use every core.
    """
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count or len(os.sched_getaffinity(0)))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _parse_kind(kind: str) -> tuple[str, int]:
    """``"hnsw32"`` -> ``("hnsw", 32)``; ``"ivf1024"`` -> ``("ivf", 1024)``.

    >>> _parse_kind("ivf1024")
    ('ivf', 1024)
    """
    for family in ("hnsw", "ivf"):
        if kind.startswith(family) and kind[len(family) :].isdigit():
            return family, int(kind[len(family) :])
    raise ValueError(f"unknown ANN kind {kind!r}: expected 'hnswM' or 'ivfNLIST'")


def ivf_lists(rows: int) -> int:
    """The usual IVF list count, ~4 sqrt(n) rounded to a power of two.

    >>> ivf_lists(100_000), ivf_lists(1_000_000)
    (1024, 4096)
    """
    return 1 << max(0, round(np.log2(4 * max(rows, 1) ** 0.5)))


def default_kind(rows: int) -> str:
    """The index a segment of ``rows`` rows gets (see the module's docstring for why).

    >>> default_kind(140_000), default_kind(1_000_000)
    ('hnsw32', 'ivf4096')
    """
    return f"hnsw{HNSW_M}" if rows <= HNSW_MAX_ROWS else f"ivf{ivf_lists(rows)}"


def _new_index(kind: str, vectors: np.ndarray):
    """An empty FAISS index of ``kind``, trained on ``vectors`` if it needs training."""
    import faiss

    family, size = _parse_kind(kind)
    dim = vectors.shape[1]
    if family == "hnsw":
        index = faiss.IndexHNSWFlat(dim, size, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        return index
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, size, faiss.METRIC_INNER_PRODUCT)
    # no own_fields: FAISS's Python wrapper already keeps the quantizer alive (a double free)
    index.cp.niter = 10  # k-means converges enough for search within 10 rounds; 25 is slow
    rng = np.random.default_rng(0)
    # 64 points a list trains centroids as well as FAISS's default 256, in a quarter the time
    sample = min(len(vectors), 64 * size)
    rows = np.sort(rng.choice(len(vectors), sample, replace=False))
    index.train(np.ascontiguousarray(vectors[rows]))
    return index


class AnnIndex:
    """An approximate inner-product index over one segment's rows; row ``i`` has id ``i``.

    ``effort`` is the search breadth: ``efSearch`` for HNSW, ``nprobe`` for IVF.

    >>> m = np.eye(4, dtype=np.float32)
    >>> rows, scores = AnnIndex.build(m).search(m[2], 10)
    >>> int(rows[0]), float(scores[0]), len(rows)
    (2, 1.0, 4)
    """

    def __init__(self, index, kind: str):
        self._index = index
        self.kind = kind
        family, _ = _parse_kind(kind)
        self.effort = HNSW_EF_SEARCH if family == "hnsw" else IVF_NPROBE

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str | None = None) -> AnnIndex:
        """Index ``vectors`` (float32, normalized rows); ``kind`` defaults by size."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"expected an (n, d) matrix, got shape {vectors.shape}")
        kind = kind or default_kind(len(vectors))
        with _omp_threads(None):
            index = _new_index(kind, vectors)
            index.add(vectors)
        return cls(index, kind)

    def search(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows (int64) and scores (float32) of up to ``n`` nearest rows, best first."""
        n = min(n, len(self))
        if n <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if q.shape[1] != self.dim:
            raise ValueError(f"query has {q.shape[1]} dims, the index {self.dim}")
        if self.kind.startswith("hnsw"):
            self._index.hnsw.efSearch = max(self.effort, n)  # HNSW cannot return more than ef
        else:
            self._index.nprobe = min(self.effort, self._index.nlist)
        with _omp_threads(1):
            scores, rows = self._index.search(q, n)
        keep = rows[0] >= 0  # FAISS pads with -1 when it found fewer than n
        return rows[0][keep].astype(np.int64), scores[0][keep].astype(np.float32)

    def nbytes(self) -> int:
        """Serialized size, about the index's memory: vectors plus graph or lists."""
        import faiss

        return int(faiss.serialize_index(self._index).nbytes)

    def save(self, path: Path) -> None:
        """Write magic, a JSON header, the FAISS index and its CRC32 (not fsynced here)."""
        import faiss

        header = json.dumps({"kind": self.kind, "rows": len(self), "dim": self.dim}).encode()
        crc = 0
        with open(path, "wb") as fh:
            fh.write(_MAGIC + struct.pack("<I", len(header)) + header)

            def write(chunk: bytes) -> int:
                nonlocal crc
                crc = zlib.crc32(chunk, crc)
                return fh.write(chunk)

            faiss.write_index(self._index, faiss.PyCallbackIOWriter(write))
            fh.write(struct.pack("<I", crc))

    @classmethod
    def load(cls, path: Path) -> AnnIndex:
        """Read a file ``save`` wrote; anything else, or a damaged one, is a ``ValueError``."""
        with open(path, "rb") as fh:
            if fh.read(len(_MAGIC)) != _MAGIC:
                raise ValueError(f"{path}: not an ANN index file (no {_MAGIC[:10]!r} header)")
            try:
                header = _read_header(fh)
                index, crc = _read_faiss(fh)
            except (RuntimeError, ValueError, struct.error, KeyError) as exc:
                raise ValueError(f"{path}: damaged ANN index file ({exc})") from None
            stored, rest = fh.read(4), fh.read(1)
        if len(stored) != 4 or struct.unpack("<I", stored)[0] != crc or rest:
            raise ValueError(f"{path}: damaged ANN index file (checksum mismatch)")
        if (index.ntotal, index.d) != (header["rows"], header["dim"]) or not _fits(index, header):
            raise ValueError(f"{path}: ANN index file disagrees with its header {header}")
        return cls(index, header["kind"])


def _read_header(fh) -> dict:
    (size,) = struct.unpack("<I", fh.read(4))
    try:
        header = json.loads(fh.read(size).decode())
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"bad header: {exc}") from None
    if not isinstance(header, dict):
        raise RuntimeError("bad header")
    _parse_kind(header["kind"])  # an unknown kind is refused now, not at search time
    return header


def _read_faiss(fh):
    """The FAISS index that follows the header, and the CRC32 of its bytes."""
    import faiss

    crc = 0

    def read(size: int) -> bytes:
        nonlocal crc
        chunk = fh.read(size)
        crc = zlib.crc32(chunk, crc)
        return chunk

    # read_index already returns the concrete class (and owns it: no downcast_index here)
    return faiss.read_index(faiss.PyCallbackIOReader(read)), crc


def _fits(index, header: dict) -> bool:
    """Whether the FAISS index is of the family and size its header's kind says."""
    import faiss

    family, size = _parse_kind(header["kind"])
    if family == "hnsw":
        return isinstance(index, faiss.IndexHNSWFlat) and index.hnsw.nb_neighbors(1) == size
    return isinstance(index, faiss.IndexIVFFlat) and index.nlist == size
