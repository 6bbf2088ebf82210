import numpy as np

from qa.retrieval.fusion import FusionWeights, fuse, rescale
from qa.retrieval.language import ENGLISH, UNACCENTED, VIETNAMESE, query_language


def test_fusion_hand_computed():
    dense = np.array([0.80, 0.70, 0.60])
    bm25 = np.array([2.0, 8.0, 0.0])
    # dense rescaled: [1, .5, 0]; bm25 / max: [.25, 1, 0]; weight .4 on BM25
    got = fuse(dense, bm25, 0.4)
    assert np.allclose(got, [0.6 * 1 + 0.4 * 0.25, 0.6 * 0.5 + 0.4 * 1, 0.0])


def test_zero_weight_is_dense_order_and_full_weight_is_bm25_order():
    rng = np.random.default_rng(0)
    dense, bm25 = rng.random(20), rng.random(20) * 10
    assert (np.argsort(-fuse(dense, bm25, 0.0)) == np.argsort(-dense)).all()
    assert (np.argsort(-fuse(dense, bm25, 1.0)) == np.argsort(-bm25)).all()


def test_rescale_edge_cases():
    assert rescale(np.array([])).tolist() == []
    assert rescale(np.array([3.0, 3.0])).tolist() == [0.0, 0.0]


def test_weights_follow_query_language():
    w = FusionWeights()
    # Unaccented questions reach the encoder with diacritics restored: the same weight.
    assert w.for_language(UNACCENTED) >= w.for_language(VIETNAMESE) > w.for_language(ENGLISH)
    assert query_language("Hà Lan đầu tư bao nhiêu?") == VIETNAMESE
    assert query_language("ha lan dau tu bao nhieu vao ha noi") == UNACCENTED
    assert query_language("How much has the Netherlands invested in Hanoi?") == ENGLISH
