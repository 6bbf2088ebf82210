"""The article list in pages: the service's ``article_page``, REST ``GET /api/articles``
with ``q``/``offset``/``limit``, and the articles tab's handlers and Blocks."""

from __future__ import annotations

import pytest
from fakes import FakeGenerator
from fastapi.testclient import TestClient

from corpus.article import Article
from qa.interfaces import articles
from qa.interfaces.listing import ArticleListing, PageError
from qa.interfaces.rest import create_api
from qa.interfaces.uploads import Upload
from qa.reading.reader import FakeReader

PLACES = ["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ"]
OUTLETS = ["vnexpress.net", "tuoitre.vn", "thanhnien.vn"]
N = 120  # 3 pages of 50: 50, 50, 20


def many_articles() -> list[Article]:
    return [
        Article(
            id=f"bai-{i:03d}",
            title=f"Tin {PLACES[i % 4]} số {i}",
            text=f"Bài số {i} kể về {PLACES[i % 4]} trong năm 2025, mục {i}.",
            date=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            source=OUTLETS[i % 3],
        )
        for i in range(N)
    ]


@pytest.fixture(autouse=True)
def _fakes_only(no_real_reader):
    """Fake models only (``no_real_reader``: loading it would be a bug)."""


@pytest.fixture
def articles_list():
    return many_articles()


@pytest.fixture
def service(tmp_path, encoder, articles_list):
    from embeddings.ingest import ingest
    from qa.interfaces.service import Service
    from qa.retrieval.indexes import open_index

    ingest(open_index(tmp_path / "idx", encoder), articles_list, encoder, lambda _m: None)
    reader = FakeReader({})
    service = Service(tmp_path / "idx", encoder=encoder, generator=FakeGenerator("x"), k=3)
    service._reader = reader
    return service.start()


# --- the service -------------------------------------------------------------------------


def test_pages_cover_every_article_once_in_list_order(service):
    first = service.article_page()
    assert (first.total, first.indexed, first.limit, first.offset) == (N, N, 50, 0)
    assert (first.page, first.pages, first.next_offset, first.prev_offset) == (1, 3, 50, None)
    seen = []
    offset = 0
    while offset is not None:
        page = service.article_page(offset=offset)
        seen += [r.id for r in page.rows]
        offset = page.next_offset
    assert seen == [r.id for r in service.articles()]  # oldest first, nothing twice
    last = service.article_page(offset=100)
    assert len(last.rows) == 20 and last.page == 3 and last.next_offset is None
    assert service.article_page(offset=500).rows == ()  # past the end: empty, no error
    assert len(service.article_page(limit=500).rows) == N


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ha noi", {f"bai-{i:03d}" for i in range(0, N, 4)}),  # unaccented
        ("HÀ NỘI", {f"bai-{i:03d}" for i in range(0, N, 4)}),  # any case
        ("da nang", {f"bai-{i:03d}" for i in range(1, N, 4)}),  # đ folds to d
        ("bai-007", {"bai-007"}),  # by id
        ("tuoitre", {f"bai-{i:03d}" for i in range(1, N, 3)}),  # by outlet
        ("  hue   tuoitre ", {f"bai-{i:03d}" for i in range(N) if i % 4 == 2 and i % 3 == 1}),
        ("không có đâu", set()),
    ],
)
def test_search_by_id_title_or_outlet_folded(service, query, expected):
    page = service.article_page(query, limit=500)
    assert {r.id for r in page.rows} == expected and page.total == len(expected)
    assert page.indexed == N and page.query == query.strip()


@pytest.mark.parametrize(
    ("offset", "limit", "words"),
    [(0, 0, "limit"), (0, 501, "limit"), (-1, 50, "offset"), (0, True, "limit")],
)
def test_bad_pages_are_refused(service, offset, limit, words):
    with pytest.raises(PageError, match=words):
        service.article_page("", offset, limit)
    with pytest.raises(PageError, match="characters"):
        service.article_page("x" * 501)


def test_metadata_is_read_once_per_index_generation(service):
    reads = service._listing.reads
    for offset in (0, 50, 100, 0):
        service.article_page("ha noi", offset)
        service.article_page("", offset)
    service.articles()
    assert service._listing.reads - reads <= 1  # one read (if not already listed)
    before = service._listing.reads
    page = "Mèo Mun đoạt giải\n\nNgày 3/1/2026, chú mèo Mun đoạt giải nhất cuộc thi mèo đẹp."
    service.upload([Upload(name="meo.txt", data=page.encode())])
    assert service.article_page("meo mun").total == 1  # a commit: read again
    assert service.article_page().total == N + 1 and service._listing.reads == before + 1
    service.remove(["meo"])
    assert service.article_page().total == N and service._listing.reads == before + 2


def test_listing_cache_forgets_a_store_that_is_gone():
    class Store:
        stamp, manifest = (1,), None

    listing, reads = ArticleListing(), []
    store = Store()
    listing.rows(store, lambda s: reads.append(s) or [])
    listing.rows(store, lambda s: reads.append(s) or [])
    store.stamp = (2,)  # a commit
    listing.rows(store, lambda s: reads.append(s) or [])
    assert len(reads) == 2


# --- REST --------------------------------------------------------------------------------


@pytest.fixture
def client(service):
    return TestClient(create_api(service))


def test_rest_without_parameters_still_lists_everything(client):
    r = client.get("/api/articles")
    rows = r.json()
    assert isinstance(rows, list) and len(rows) == N and r.headers["x-total-count"] == str(N)
    assert set(rows[0]) == {"id", "title", "date", "source", "group", "chars"}


def test_rest_pages_and_searches(client, service):
    body = client.get("/api/articles", params={"limit": 50, "offset": 100}).json()
    assert body["schema_version"] == 1 and body["total"] == N and body["q"] == ""
    assert (body["offset"], body["limit"], body["next_offset"]) == (100, 50, None)
    assert [a["id"] for a in body["articles"]] == [r.id for r in service.articles()][100:]
    assert set(body["articles"][0]) == {"id", "title", "date", "source", "group", "chars"}
    found = client.get("/api/articles", params={"q": "da nang"})
    body = found.json()
    assert body["total"] == 30 and len(body["articles"]) == 30 and body["limit"] == 50
    assert found.headers["x-total-count"] == "30" and body["next_offset"] is None
    assert client.get("/api/articles?offset=0").json()["next_offset"] == 50


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("limit=0", 400, "limit must be between 1 and 500"),
        ("limit=501", 400, "limit must be between 1 and 500"),
        ("offset=-5", 400, "offset must be 0 or more"),
        ("limit=abc", 422, "limit"),
        ("q=" + "x" * 501, 400, "500 characters"),
    ],
)
def test_rest_bad_page_values_are_clear_errors(client, query, status, words):
    r = client.get(f"/api/articles?{query}")
    assert r.status_code == status, r.text
    assert words in r.json()["error"] and "Traceback" not in r.text


def test_rest_paging_is_in_the_openapi_schema(client):
    spec = client.get("/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/articles"]["get"]["parameters"]}
    assert params == {"q", "offset", "limit"}
    assert "ArticlePageOut" in spec["components"]["schemas"]


# --- the articles tab ----------------------------------------------------------------------


def test_tab_shows_pages_with_count_and_label(service):
    view = articles.article_view(service)
    assert view.count == "120 bài" and view.page_label == "trang 1 / 3"
    assert len(view.table) == 50 and (view.has_prev, view.has_next) == (False, True)
    assert view.choices[0][1] == view.table[0][0]
    second = articles.turn_page(service, "", view.offset, 1)
    assert second.page_label == "trang 2 / 3" and second.offset == 50 and second.has_prev
    last = articles.turn_page(service, "", second.offset, 1)
    assert last.page_label == "trang 3 / 3" and len(last.table) == 20 and not last.has_next
    back = articles.turn_page(service, "", last.offset, -1)
    assert back.offset == 50 and articles.turn_page(service, "", 0, -1).offset == 0
    beyond = articles.article_view(service, "", 5000)  # after removals: the last page
    assert beyond.page_label == "trang 3 / 3" and beyond.offset == 100


def test_tab_search_is_folded_and_counts_matches(service):
    view = articles.article_view(service, "  DA NANG ")
    assert view.count == "30 / 120 bài khớp «DA NANG»" and view.page_label == "trang 1 / 1"
    assert all("Đà Nẵng" in row[3] for row in view.table) and len(view.table) == 30
    assert view.query == "DA NANG" and not view.has_next
    none = articles.article_view(service, "zzz")
    assert none.table == [] and none.page_label == "trang 1 / 1" and "0 / 120" in none.count
    bad = articles.article_view(service, "x" * 600)
    assert bad.table == [] and bad.count.startswith("Không tìm được")


def test_tab_numbers_are_vietnamese(service):
    from qa.interfaces.listing import ArticlePage

    page = ArticlePage(rows=(), total=35440, offset=0, limit=50, indexed=35440)
    assert articles.count_text(page) == "35.440 bài" and page.pages == 709


def test_tab_removal_keeps_the_page(service):
    view = articles.turn_page(service, "", 0, 2)  # the last page
    ids = [row[0] for row in view.table]
    assert "Đã xoá 20 bài" in articles.remove(service, ids)
    after = articles.article_view(service, view.query, view.offset)
    assert after.page_label == "trang 2 / 2" and after.count == "100 bài"
    docs, outlets = articles.filter_choices(service)  # the settings panel's choices
    assert len(docs) == 100 and outlets == sorted(OUTLETS)


def test_tab_blocks_build_and_wire(service, tmp_path):
    gr = pytest.importorskip("gradio")
    from types import SimpleNamespace

    from qa.interfaces import articles_tab

    ui = SimpleNamespace()
    with gr.Blocks() as demo:
        ui.settings = [None, None, None, gr.Dropdown(), gr.Dropdown()]
        with gr.Tab("Bài báo"):
            articles_tab.build(gr, service, ui)
        articles_tab.wire(gr, service, ui, tmp_path, demo)
    ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    expected = {"hd-upload", "hd-add", "hd-article-table", "hd-article-search", "hd-prev"}
    assert expected | {"hd-next", "hd-page", "hd-article-count", "hd-pick", "hd-remove"} <= ids
    assert ".jsonl.gz" in ui.files.file_types and ui.page_label.value == "trang 1 / 3"
