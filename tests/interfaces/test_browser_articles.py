"""The articles tab in a real browser, over fake models: pages, search, a .jsonl.gz upload.

A Gradio page holding only the tab (``qa.interfaces.articles_tab``) runs in this process on
loopback, over 120 fake-encoded articles; Debian chromium drives it through Playwright.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from fakes import FakeGenerator
from test_article_pages import many_articles

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WAIT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def page(tmp_path_factory, no_real_reader_module):
    if not CHROMIUM.exists():
        if os.environ.get("HOIDAP_REQUIRE_BROWSER"):
            pytest.fail("/usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("Debian chromium is not installed")
    gr = pytest.importorskip("gradio")
    playwright = pytest.importorskip("playwright.sync_api")
    from fakes import FakeEncoder

    from embeddings.ingest import ingest
    from qa.interfaces import articles_tab
    from qa.interfaces.service import Service
    from qa.reading.reader import FakeReader
    from qa.retrieval.indexes import open_index

    folder, encoder = tmp_path_factory.mktemp("tab") / "idx", FakeEncoder()
    ingest(open_index(folder, encoder), many_articles(), encoder, lambda _m: None)
    service = Service(folder, encoder=encoder, generator=FakeGenerator("x"), reader=FakeReader({}))
    service.start()
    ui = SimpleNamespace()
    with gr.Blocks() as demo:
        articles_tab.build(gr, service, ui)
        articles_tab.wire(gr, service, ui, Path(gr.utils.get_upload_folder()).resolve(), demo)
    port = _free_port()
    demo.queue().launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
            pg = browser.new_page(viewport={"width": 1300, "height": 1000})
            pg.goto(f"http://127.0.0.1:{port}", wait_until="load")
            pg.wait_for_selector("#hd-article-table")
            yield pg
            browser.close()
    finally:
        demo.close()


@pytest.fixture(scope="module")
def no_real_reader_module():
    """Fake models only: loading the trained reader would be a bug."""
    with pytest.MonkeyPatch.context() as mp:

        def refuse(self):
            raise AssertionError("a fast test tried to load the real reader")

        mp.setattr("qa.reading.reader.TrainedReader._load", refuse)
        yield


def _shows(page, selector: str, text: str) -> None:
    page.wait_for_function(
        f"document.querySelector({json.dumps(selector)}).innerText.includes({json.dumps(text)})",
        timeout=WAIT_MS,
    )


def test_pages_turn_and_search_filters(page):
    _shows(page, "#hd-page", "trang 1 / 3")
    assert "120 bài" in page.inner_text("#hd-article-count")
    page.click("#hd-next")
    _shows(page, "#hd-page", "trang 2 / 3")
    page.click("#hd-next")
    _shows(page, "#hd-page", "trang 3 / 3")
    assert page.locator("#hd-next").is_disabled()
    page.click("#hd-prev")
    _shows(page, "#hd-page", "trang 2 / 3")
    page.fill("#hd-article-search textarea, #hd-article-search input", "da nang")
    _shows(page, "#hd-article-count", "30 / 120 bài khớp")
    _shows(page, "#hd-page", "trang 1 / 1")
    assert "Đà Nẵng" in page.inner_text("#hd-article-table")
    assert "Hà Nội" not in page.inner_text("#hd-article-table")


def test_a_gzip_upload_is_added_and_counted(page, tmp_path):
    lines = [
        json.dumps({"id": f"gz-{i}", "title": f"Tin nén {i}", "text": f"Bài nén số {i}."})
        for i in range(7)
    ]
    path = tmp_path / "tin.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    page.fill("#hd-article-search textarea, #hd-article-search input", "")
    _shows(page, "#hd-article-count", "120 bài")
    page.set_input_files("#hd-upload input[type=file]", str(path))
    page.wait_for_timeout(1000)  # Gradio sends the file to the server first
    page.click("#hd-add")
    _shows(page, "#hd-upload-status", "Đã thêm 7 bài")
    _shows(page, "#hd-article-count", "127 bài")
    page.fill("#hd-article-search textarea, #hd-article-search input", "tin nen")
    _shows(page, "#hd-article-count", "7 / 127 bài khớp")
