import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings.vectors import VectorIndex


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 200), st.integers(1, 20), st.integers(0, 10_000))
def test_faiss_equals_brute_force(n, k, seed):
    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((n, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = rng.permutation(10 * n)[:n].astype(np.int64)
    index = VectorIndex(16)
    index.add(vecs, ids)
    q = vecs[rng.integers(n)] + 0.1 * rng.standard_normal(16).astype(np.float32)
    got_ids, got_scores = index.search(q, k)
    brute = vecs @ q
    order = np.argsort(-brute)[: min(k, n)]
    assert np.allclose(got_scores, brute[order], atol=1e-5)
    assert np.allclose(
        sorted(brute[[list(ids).index(i) for i in got_ids]]), sorted(brute[order]), atol=1e-5
    )


def test_remove_and_reconstruct():
    index = VectorIndex(2)
    index.add(np.eye(2, dtype=np.float32), np.array([5, 6]))
    index.remove(np.array([5]))
    assert len(index) == 1
    assert index.search(np.array([1.0, 0.0], dtype=np.float32), 3)[0] == [6]
    assert np.allclose(index.vectors(np.array([6])), [[0.0, 1.0]])
