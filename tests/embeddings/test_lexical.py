"""BM25 over segments: the scores of one index over all passages, however they are split."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from embeddings.lexical import LexicalIndex, SegmentTerms, terms
from embeddings.postings import Postings

WORDS = "hà nội lan đầu tư tỷ usd quảng châu lào hợp tác viêng chăn thỏa thuận ký năm".split()
texts_strategy = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=0, max_size=25).map(" ".join),
    min_size=1,
    max_size=40,
)


def bm25s_scores(texts: list[str], query: str) -> np.ndarray:
    """The reference: bm25s (Lucene's BM25, k1=1.2, b=0.75) over the same terms."""
    import bm25s

    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in terms(x)] for x in texts]
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    tokens = [t for t in terms(query) if t in model.vocab_dict]
    return np.asarray(model.get_scores(tokens)) if tokens else np.zeros(len(texts))


@given(texts=texts_strategy, cuts=st.lists(st.integers(0, 40), max_size=4))
def test_scores_equal_bm25s_over_the_whole_collection_for_any_split(texts, cuts):
    bounds = sorted({0, len(texts), *(c for c in cuts if c < len(texts))})
    parts = [SegmentTerms.build(texts[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    query = "hà nội đầu tư quảng châu hà"
    if not any(len(terms(t)) for t in texts):
        return  # bm25s cannot index a collection without a single term
    expected = bm25s_scores(texts, query)
    assert np.allclose(LexicalIndex(parts).scores(query), expected, atol=1e-5)


@given(texts=texts_strategy, data=st.data())
def test_a_merge_keeping_some_rows_equals_building_from_those_rows(texts, data):
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts))))
    half = len(texts) // 2
    merged = SegmentTerms.merge(
        [SegmentTerms.build(texts[:half]), SegmentTerms.build(texts[half:])],
        [keep[:half], keep[half:]],
    )
    direct = SegmentTerms.build([t for t, k in zip(texts, keep, strict=True) if k])
    for twin in ("accented", "folded"):
        a, b = getattr(merged, twin), getattr(direct, twin)
        for name in ("keys", "indptr", "rows", "tf", "doclen"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), (twin, name)


def test_saved_postings_load_memory_mapped_and_equal(tmp_path):
    built = Postings.build([terms("Hà Nội mưa"), terms("Hà Nội nắng nắng")])
    built.save(tmp_path / "p")
    loaded = Postings.load(tmp_path / "p")
    assert isinstance(loaded.rows, np.memmap)
    for name in ("keys", "indptr", "rows", "tf", "doclen"):
        assert np.array_equal(getattr(loaded, name), getattr(built, name))
    col, df = loaded.lookup(["nắng", "mưa", "gió"])
    assert df.tolist() == [1, 1, 0] and col[2] == -1


def test_unaccented_queries_use_the_folded_twin():
    index = LexicalIndex([SegmentTerms.build(["Đà Nẵng mưa to", "Hà Nội nắng"])])
    folded = index.scores("da nang")  # "nang" is also "nắng" once folded
    assert folded[0] > folded[1] > 0
    accented = index.scores("Đà Nẵng")
    assert accented[0] > 0 and accented[1] == 0
