import faiss
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings.ann import ANN_MIN_ROWS, AnnIndex, exact_search


def normalized(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, dim: int, seed: int, clusters: int = 40) -> np.ndarray:
    """Passage-like vectors: topics (cluster centres) with spread-out members.

    Like an encoder's vectors they vary in fewer directions than they have dimensions (a
    64-dim latent space, projected): isotropic noise in all 384 would make every
    neighbour a near-tie, which real passages are not.
    """
    rng = np.random.default_rng(seed)
    latent = min(64, dim)
    centres = rng.standard_normal((clusters, latent))
    points = centres[rng.integers(clusters, size=n)] + 0.8 * rng.standard_normal((n, latent))
    return normalized(
        points @ rng.standard_normal((latent, dim)) + 0.3 * rng.standard_normal((n, dim))
    )


@pytest.fixture(scope="module")
def data():
    vectors = clustered(4000, 384, seed=0)
    return vectors, AnnIndex.build(vectors)


def test_recall_at_10_against_exact(data):
    vectors, ann = data
    # queries near stored passages, not on them: top-1 cosine ~0.7, top-10 ~0.5
    noise = np.random.default_rng(1).standard_normal((300, 384))
    queries = normalized(vectors[:300] + 0.05 * noise)
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]  # exact, all queries at once
    hits = [
        len(set(t.tolist()) & set(ann.search(q, 10)[0].tolist())) / 10
        for q, t in zip(queries, truth, strict=True)
    ]
    assert np.mean(hits) >= 0.99, np.mean(hits)


def test_a_stored_vector_finds_itself_first(data):
    vectors, ann = data
    for row in np.random.default_rng(2).choice(len(vectors), 200, replace=False):
        rows, scores = ann.search(vectors[row], 5)
        assert rows[0] == row and scores[0] == pytest.approx(1.0, abs=1e-5)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 60), st.integers(0, 10_000))
def test_results_are_valid_rows_best_first(data, start, n, seed):
    vectors, ann = data
    q = normalized(np.random.default_rng(seed).standard_normal((1, 384)))[0]
    rows, scores = ann.search(q, n)
    assert rows.dtype == np.int64 and scores.dtype == np.float32
    assert len(rows) == min(n, len(vectors)) == len(set(rows.tolist()))
    assert (rows >= 0).all() and (rows < len(vectors)).all()
    assert (np.diff(scores) <= 1e-6).all()
    assert np.allclose(scores, vectors[rows] @ q, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 120), st.integers(0, 150), st.integers(0, 10_000))
def test_exact_search_is_brute_force_and_takes_a_memmap(tmp_path_factory, rows, n, seed):
    rng = np.random.default_rng(seed)
    m = normalized(rng.standard_normal((rows, 16)) + 1e-3) if rows else np.zeros((0, 16), "f4")
    q = normalized(rng.standard_normal((1, 16)))[0]
    path = tmp_path_factory.mktemp("m") / "m.npy"
    np.save(path, m)
    got, scores = exact_search(np.load(path, mmap_mode="r"), q, n)
    want = np.sort(m @ q)[::-1][: min(n, rows)]
    assert len(got) == len(want) and np.allclose(scores, want, atol=1e-5)
    assert np.allclose(m[got] @ q, scores, atol=1e-5)


def test_n_larger_than_the_index_and_empty_results():
    vectors = clustered(30, 16, seed=3)
    ann = AnnIndex.build(vectors)
    rows, _ = ann.search(vectors[0], 1000)
    assert sorted(rows.tolist()) == list(range(30))
    assert len(ann.search(vectors[0], 0)[0]) == 0
    empty = AnnIndex.build(np.zeros((0, 16), dtype=np.float32))
    assert len(empty) == 0 and len(empty.search(vectors[0], 10)[0]) == 0


@pytest.mark.parametrize("kind", ["hnsw32", "ivf16"])
def test_save_load_round_trip_gives_identical_results(tmp_path, kind):
    vectors = clustered(1500, 32, seed=4)
    ann = AnnIndex.build(vectors, kind)
    ann.save(tmp_path / "seg.ann")
    back = AnnIndex.load(tmp_path / "seg.ann")
    assert (back.kind, len(back), back.effort) == (kind, len(ann), ann.effort)
    for q in vectors[:50]:
        a, b = ann.search(q, 10), back.search(q, 10)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_damaged_or_foreign_files_are_refused(tmp_path):
    vectors = clustered(500, 16, seed=5)
    AnnIndex.build(vectors).save(tmp_path / "good.ann")
    raw = (tmp_path / "good.ann").read_bytes()
    flipped = bytearray(raw)
    flipped[len(raw) - 4000] ^= 0x10  # inside the stored vectors: only the checksum sees it
    faiss.write_index(faiss.IndexFlatIP(16), str(tmp_path / "raw.faiss"))
    np.save(tmp_path / "m.npy", vectors)
    bad = {
        "truncated": raw[: len(raw) // 2],
        "flipped": bytes(flipped),
        "trailing": raw + b"x",
        "empty": b"",
        "raw faiss": (tmp_path / "raw.faiss").read_bytes(),
        "npy": (tmp_path / "m.npy").read_bytes(),
    }
    for name, content in bad.items():
        (tmp_path / "bad.ann").write_bytes(content)
        with pytest.raises(ValueError, match="ANN index file"):
            AnnIndex.load(tmp_path / "bad.ann")
        assert name


def test_threshold_is_a_segment_size():
    assert 1_000 <= ANN_MIN_ROWS <= 100_000
