from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.article import Article
from corpus.chunk import ChunkerSettings, chunk_article
from corpus.sentences import sentence_spans

SEEDS = Path(__file__).resolve().parents[2] / "corpus" / "data" / "seeds"


def test_sentence_splitter_keeps_numbers_and_abbreviations():
    text = (
        "GDP đạt hơn 3.100 tỷ nhân dân tệ. Hà Lan đầu tư 1,3 tỷ USD vào TP.HCM và Q.1 ngày 24/12. "
        "TS. Nguyễn Sĩ Dũng trả lời. Ông nói... rồi đi."
    )
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == [
        "GDP đạt hơn 3.100 tỷ nhân dân tệ.",
        "Hà Lan đầu tư 1,3 tỷ USD vào TP.HCM và Q.1 ngày 24/12.",
        "TS. Nguyễn Sĩ Dũng trả lời.",
        "Ông nói... rồi đi.",
    ]


def _check(article: Article, chunk_settings: ChunkerSettings) -> None:
    chunks = chunk_article(article, chunk_settings)
    for i, c in enumerate(chunks):
        assert article.text[c.start : c.end] == c.text
        assert c.position == i and c.doc_id == article.id
        assert len(c.text) <= chunk_settings.max_chars
        assert c.text == c.text.strip()
    # Every sentence lands in some chunk.
    covered = [False] * len(article.text)
    for c in chunks:
        covered[c.start : c.end] = [True] * (c.end - c.start)
    for a, b in sentence_spans(article.text):
        assert all(covered[a:b])


paragraph = st.lists(
    st.text(alphabet="abcđêơưáàảãạ ,.!?0123456789\n", min_size=1, max_size=300), max_size=12
).map("\n\n".join)


@settings(max_examples=150, deadline=None)
@given(
    paragraph,
    st.integers(min_value=20, max_value=600),
    st.integers(min_value=0, max_value=2),
)
def test_offsets_map_back_and_sizes_hold(text, target, overlap):
    s = ChunkerSettings(target_chars=target, max_chars=target + 100, overlap_sentences=overlap)
    _check(Article(id="x", title="T", text=text), s)


def test_seed_pages_chunk_within_encoder_limit():
    for path in SEEDS.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        _check(Article(id=path.stem, title="t", text=text), ChunkerSettings())
        # ~3.8 characters per XLM-R token: 1,500 characters stay well under 512 tokens.
        assert ChunkerSettings().max_chars / 3.8 < 450


def test_consecutive_chunks_overlap_by_one_sentence():
    text = " ".join(f"Câu số {i} nói về Hà Nội." for i in range(60))
    chunks = chunk_article(Article(id="x", title="", text=text))
    assert len(chunks) > 1
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end  # shared sentence
