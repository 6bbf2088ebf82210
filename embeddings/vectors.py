"""Dense vectors in FAISS, by stable integer id so that deletes work.

Vectors are L2-normalized, so inner product is cosine similarity. A flat index gives exact
results (a test checks them against brute force); at 100k chunks x 384 dims a query costs
a few milliseconds on two cores, which is within the latency budget.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorIndex:
    """Exact inner-product search over vectors with stable ``int64`` ids.

    >>> v = VectorIndex(2)
    >>> v.add(np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32), np.array([7, 9]))
    >>> v.search(np.array([0.0, 1.0], dtype=np.float32), 1)
    ([9], [1.0])
    """

    def __init__(self, dim: int, index=None):
        import faiss

        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._view: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(
                f"expected vectors of shape ({len(ids)}, {self.dim}), got {vectors.shape}"
            )
        self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
        self._view = None

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))
            self._view = None

    def search(self, query: np.ndarray, k: int) -> tuple[list[int], list[float]]:
        """Ids and cosine scores of the ``k`` nearest vectors, best first.

        The scan is a matrix-vector product over FAISS's flat storage, run by torch: the
        same exact computation as FAISS's single-query scan, but on the thread pool the
        query encoder already uses. FAISS's and OpenBLAS's own pools competed with it for
        the two cores (at 100k chunks: 8 ms here vs 15-18 ms, and the next query encoding
        slowed from 22 ms to 30-80 ms).
        """
        k = min(k, len(self))
        if k <= 0:
            return [], []
        matrix, ids = self._matrix()
        import torch

        q = torch.from_numpy(np.ascontiguousarray(query, dtype=np.float32).reshape(-1))
        scores = torch.mv(torch.from_numpy(matrix), q).numpy()
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return ids[top].tolist(), scores[top].tolist()

    def _matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """Zero-copy views of the stored vectors and their ids, rebuilt after changes."""
        import faiss

        if self._view is None:
            flat = faiss.downcast_index(self._index.index)
            n = int(self._index.ntotal)
            matrix = faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)
            self._view = (matrix, faiss.vector_to_array(self._index.id_map))
        return self._view

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors for ``ids`` (to score candidates found by BM25)."""
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def ids(self) -> np.ndarray:
        """The stored ids, in storage order (a load checks them against the chunks')."""
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype(np.int64, copy=False)

    def save(self, path: Path) -> None:
        """Write the index; not fsynced here (``IndexStore.commit`` seals every file).

        FAISS reports write errors, a full disk included, as ``RuntimeError``.
        """
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, dim: int) -> VectorIndex:
        import faiss

        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"{path}: vectors have {index.d} dims, the manifest says {dim}")
        return cls(dim, index)
