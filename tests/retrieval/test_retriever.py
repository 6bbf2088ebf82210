import pytest

from embeddings.ingest import ingest
from qa.records.hit import Filters
from qa.retrieval.indexes import open_index
from qa.retrieval.retriever import HybridRetriever, QueryError


@pytest.fixture
def retriever(tmp_path, encoder, articles):
    store = open_index(tmp_path / "idx", encoder)
    ingest(store, articles, encoder)
    return HybridRetriever(store, encoder)


def test_hits_are_records_that_point_into_articles(retriever):
    hits = retriever.search("Hà Lan đầu tư bao nhiêu vào Hà Nội?", k=2)
    assert hits[0].doc_id == "hl"
    assert hits[0].date == "2025-12-25" and hits[0].title == "Hà Nội và Hà Lan"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        assert retriever.store.articles[h.doc_id].text[h.start : h.end] == h.text


def test_unaccented_and_tone_variant_queries_find_the_same_article(retriever):
    assert retriever.search("ha lan dau tu bao nhieu", k=1)[0].doc_id == "hl"
    assert retriever.search("hai thu do ky may thoa thuan", k=1)[0].doc_id == "vc"
    assert retriever.search("bao nhiêu thoả thuận", k=1)[0].doc_id == "vc"


def test_unaccented_questions_reach_the_encoder_restored(retriever, monkeypatch):
    seen = []
    encode = retriever.encoder.encode_queries
    monkeypatch.setattr(
        retriever.encoder, "encode_queries", lambda texts: seen.extend(texts) or encode(texts)
    )
    hits = retriever.search("ha lan dau tu bao nhieu vao ha noi", k=1)
    assert hits[0].doc_id == "hl"
    # Twice: restored by the model alone, then with the first passages' spellings.
    assert len(seen) == 2 and all("Hà Lan" in t or "hà lan" in t for t in seen)
    assert "Hà Nội" in seen[-1]  # as the passages found first write it


def test_filters(retriever):
    only = retriever.search("Hà Nội", k=5, filters=Filters(doc_ids=frozenset({"qc"})))
    assert {h.doc_id for h in only} == {"qc"}
    dated = retriever.search("Hà Nội", k=5, filters=Filters(date_from="2025-12-10"))
    assert {h.doc_id for h in dated} == {"hl"}
    outlet = retriever.search("Hà Nội", k=5, filters=Filters(sources=frozenset({"kinhtedothi.vn"})))
    assert {h.doc_id for h in outlet} == {"vc"}
    assert retriever.search("Hà Nội", k=5, filters=Filters(doc_ids=frozenset())) == []


@pytest.mark.parametrize("bad", ["", "   \n\t", "x" * 20_000, "\x00\x01\x02\x03\x04\x05\x06\x07"])
def test_bad_queries_get_clear_errors(retriever, bad):
    with pytest.raises(QueryError):
        retriever.search(bad)


def test_k_larger_than_index(retriever):
    assert len(retriever.search("Hà Nội", k=100)) == retriever.store.passages


def test_spread_caps_each_article_but_drops_nothing():
    from qa.retrieval.retriever import spread

    docs = ["a", "a", "a", "b", "a", "c"]
    got = spread([0, 1, 2, 3, 4, 5], docs)
    assert sorted(got) == list(range(6))
    assert got[:4] == [0, 1, 3, 5]
    assert spread([0, 1, 2], ["a", "a", "a"]) == [0, 1, 2]


def test_an_english_question_finds_the_article_by_its_vietnamese_place_names(retriever):
    # Nothing in "Vientiane" matches "Viêng Chăn" until the name is given its Vietnamese form.
    hits = retriever.search("What did Vientiane sign with the city?", k=1)
    assert hits[0].doc_id == "vc"
    assert retriever.search("How many businesses does Guangzhou have?", k=1)[0].doc_id == "qc"


NOT_UTF8 = b"\xff\xfe H\xe0 N\xf4i".decode("utf-8", "surrogateescape")  # as sys.argv has it


@pytest.mark.parametrize("bad", [NOT_UTF8, "Hà Nội \ud83d"])  # bytes; a lone UTF-16 half
def test_text_that_is_not_utf8_is_a_clear_error(retriever, bad):
    before = retriever.encoder.queries_seen
    with pytest.raises(QueryError, match=r"not valid UTF-8 \((byte 0xff|U\+D83D) at character"):
        retriever.search(bad)
    assert retriever.encoder.queries_seen == before  # refused before the encoder saw it


@pytest.mark.parametrize("k", ["5", 2.5, True, 0, -1, 101, None])
def test_a_bad_k_is_a_clear_error(retriever, k):
    with pytest.raises(QueryError, match="k must be a whole number from 1 to 100"):
        retriever.search("Hà Nội", k=k)


def test_filters_must_be_filters(retriever):
    with pytest.raises(QueryError, match="filters must be a qa.Filters, not dict"):
        retriever.search("Hà Nội", filters={"doc_ids": ["qc"]})
