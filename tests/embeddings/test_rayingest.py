"""``ray_ingest`` on a local 2-CPU Ray cluster builds the index a single process builds.

One cluster serves the whole module (``ray.init`` costs seconds). Without Ray these tests
skip, except where ``HOIDAP_REQUIRE_RAY`` is set (CI), where they fail.
"""

import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTICLES
from fakes import FakeEncoder

from corpus.article import Article
from embeddings.ingest import ingest
from embeddings.manifest import IndexFolderError
from embeddings.rayingest import RayMissing, ray_ingest
from qa.retrieval.indexes import open_index

TESTS = Path(__file__).resolve().parents[1]
QUERIES = ["Hà Lan đầu tư", "thỏa thuận cấp sở", "Quảng Châu GDP", "hợp tác thủ đô"]


def _ray_or_skip():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        if os.environ.get("HOIDAP_REQUIRE_RAY"):
            pytest.fail("HOIDAP_REQUIRE_RAY is set but Ray is not installed")
        pytest.skip("Ray is not installed (pip install -e '.[ray]')")
    return ray


@pytest.fixture(scope="module")
def cluster():
    ray = _ray_or_skip()
    # Workers import ``fakes`` (the pickled FakeEncoder) from the tests folder.
    path = os.pathsep.join([str(TESTS), str(TESTS.parent)])
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    yield ray
    ray.shutdown()


def corpus() -> list[Article]:
    """ARTICLES, a longer article (several chunks), and ``hl`` again, changed, third."""
    long = Article(
        id="dai",
        title="Một bài dài",
        text="\n\n".join(
            f"Đoạn {i} kể về Hà Nội, Hà Lan và Quảng Châu năm {2000 + i}." * 6 for i in range(12)
        ),
        source="vnexpress.net",
    )
    changed = replace(ARTICLES[0], text=ARTICLES[0].text + "\n\nThêm một đoạn mới.")
    return [ARTICLES[0], ARTICLES[1], changed, ARTICLES[2], long]


def both(tmp_path, articles, encoder, batch_size=2, **ray_options):
    single = open_index(tmp_path / "single", encoder)
    expected = ingest(single, articles, encoder, batch_size=batch_size)
    spread = open_index(tmp_path / "ray", encoder)
    got = ray_ingest(spread, articles, encoder, batch_size=batch_size, **ray_options)
    return single, expected, spread, got


def assert_same_index(single, spread, tolerance=1e-3):
    assert spread.rows.total == single.rows.total
    assert sorted(spread.articles) == sorted(single.articles)
    for row in range(single.rows.total):
        a, b = single.chunk(row), spread.chunk(row)
        assert (b.doc_id, b.position, b.start, b.end, b.text) == (
            a.doc_id,
            a.position,
            a.start,
            a.end,
            a.text,
        )
    rows = np.arange(single.rows.total)
    assert np.abs(spread.rows.vectors(rows) - single.rows.vectors(rows)).max() <= tolerance
    for q in QUERIES:
        np.testing.assert_allclose(spread.rows.lexical_scores(q), single.rows.lexical_scores(q))


def test_same_index_as_one_process(cluster, tmp_path):
    progress = []
    single, expected, spread, got = both(
        tmp_path, corpus(), FakeEncoder(), batch_size=1, on_batch=progress.append, window=3
    )
    assert single.rows.total > len(corpus())  # the long article has several chunks
    assert_same_index(single, spread)
    # Two windows ([hl, vc, hl'], [qc, dai]); hl' is triaged while hl is still queued.
    assert (got.added, got.updated, got.unchanged) == (
        expected.added,
        expected.updated,
        expected.unchanged,
    )
    assert got.updated == ("hl",) and got.chunks_added == expected.chunks_added
    assert [p.articles for p in progress] == [1, 2, 3, 4, 5]  # one report per committed batch


def test_second_ingest_skips_unchanged_articles(cluster, tmp_path):
    encoder = FakeEncoder()
    store = open_index(tmp_path / "idx", encoder)
    ray_ingest(store, ARTICLES[:2], encoder)
    before = store.rows.total
    new = Article(id="moi", title="Tin mới", text="Hà Nội có mưa lớn vào chiều nay.")
    again = ray_ingest(store, [*ARTICLES, new], encoder, batch_size=2)
    assert again.unchanged == ("hl", "vc") and again.added == ("qc", "moi")
    assert again.chunks_added == store.rows.total - before == 2
    nothing = ray_ingest(store, [*ARTICLES, new], encoder)
    assert nothing.chunks_added == 0 and len(nothing.unchanged) == 4


def test_ray_missing_is_a_one_line_index_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # ``import ray`` raises ImportError
    encoder = FakeEncoder()
    store = open_index(tmp_path / "idx", encoder)
    with pytest.raises(RayMissing, match=r"pip install -e '\.\[ray\]'") as caught:
        ray_ingest(store, ARTICLES, encoder)
    assert isinstance(caught.value, IndexFolderError)  # what the CLI prints as one line
    assert store.rows.total == 0


@pytest.mark.model
def test_real_encoder_vectors_match(cluster, tmp_path):
    from embeddings import default_encoder

    encoder = default_encoder()
    single, _, spread, got = both(tmp_path, list(ARTICLES), encoder, batch_size=500)
    assert got.added == ("hl", "vc", "qc")
    assert_same_index(single, spread, tolerance=1e-3)
