"""End to end in a real browser: `python app.py` on loopback, Debian chromium via Playwright.

The tests share one server (real encoder and generator) and one page, and run in file
order: answer, follow-up, upload, remove, XSS, refusal. Screenshots land in
``tests/screenshots`` (the README shows ``chat.png``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.model, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HOIDAP_SCREENSHOTS", ROOT / "tests" / "screenshots"))
ANSWER_WAIT_MS = 240_000
NEW_ARTICLE = (
    "Hà Nội khởi công cầu Tứ Liên\n\n"
    "Sáng 19/5/2025, Hà Nội khởi công xây dựng cầu Tứ Liên bắc qua sông Hồng. "
    "Cầu Tứ Liên dài 5,2 km, có tổng mức đầu tư 19.700 tỷ đồng, dự kiến hoàn thành năm 2027.\n"
)
XSS = {
    "id": "xss-test",
    "title": '<img src=x onerror="window.__xss=1">Hội chợ hoa Tết Hàng Lược',
    "date": "2025-12-20",
    "text": "<script>window.__xss=2</script> Hội chợ hoa Tết phố Hàng Lược mở từ 20 tháng Chạp.",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=5) as r:
                if json.load(r).get("generator_ready"):  # warmed up: timings are steady
                    return
                time.sleep(1)
        except OSError:
            time.sleep(1)
    raise TimeoutError("server did not become healthy")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        if os.environ.get("HOIDAP_REQUIRE_BROWSER"):
            pytest.fail("/usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("Debian chromium is not installed")
    from embeddings.encoder import default_encoder
    from qa.retrieval.indexes import default_index_dir, ensure_default_index

    ensure_default_index(default_index_dir(), default_encoder())
    index = tmp_path_factory.mktemp("browser") / "index"
    shutil.copytree(default_index_dir(), index)  # uploads and removals stay in the copy
    port = _free_port()
    log = open(index.parent / "server.log", "w")  # noqa: SIM115 - closed at teardown
    cmd = [sys.executable, str(ROOT / "app.py"), "--index", str(index), "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.dialogs = []
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        pg.goto(server, wait_until="load")  # never "networkidle": the stream stays open
        pg.wait_for_selector("#hd-question textarea")
        yield pg
        browser.close()


def ask(page, question: str) -> str:
    """Type a question, press Enter, wait for the answer to finish; its bot text."""
    page.evaluate("window.__snapshots = []")
    page.evaluate(
        """() => { const chat = document.querySelector('#hd-chat');
        new MutationObserver(() => { const b = chat.querySelectorAll('[data-testid=bot]');
          if (b.length) window.__snapshots.push(b[b.length - 1].innerText); })
        .observe(chat, {subtree: true, childList: true, characterData: true}); }"""
    )
    before = page.locator("#hd-chat [data-testid=user]").count()
    page.fill("#hd-question textarea", question)
    page.press("#hd-question textarea", "Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#hd-chat [data-testid=user]').length > {before}"
        " && document.querySelector('#hd-status').innerText.includes('Thời gian')",
        timeout=ANSWER_WAIT_MS,
    )
    return page.locator("#hd-chat [data-testid=bot]").last.inner_text()


def new_conversation(page) -> None:
    page.click("#hd-new")
    page.wait_for_function("document.querySelectorAll('#hd-chat [data-testid=user]').length == 0")


def test_answer_streams_with_a_citation_and_the_highlighted_source(page):
    text = ask(page, "Hà Lan đã đầu tư bao nhiêu vào Hà Nội?")
    assert "1,3 tỷ USD" in text and "[1]" in text
    snapshots = [s for s in page.evaluate("window.__snapshots") if s.strip()]
    # What streams is final: every text shown on the way is the start of the answer (a
    # phrased answer arrives in pieces; when the sentence fails its checks, the span alone).
    final = " ".join(snapshots[-1].split())
    assert snapshots and all(final.startswith(" ".join(s.split())) for s in snapshots), snapshots
    mark = page.locator("#hd-sources mark").first.inner_text()
    assert "1,3 tỷ USD" in mark
    assert "Tăng cường đối ngoại" in page.inner_text("#hd-sources")
    page.locator("#hd-sources details summary").first.click()  # open the whole article
    assert page.locator("#hd-sources .hd-article-text").first.is_visible()
    page.screenshot(path=str(SHOTS / "chat.png"))


def test_follow_up_uses_the_conversation(page):
    new_conversation(page)
    ask(page, "Hà Nội hợp tác với Viêng Chăn về những lĩnh vực nào?")
    ask(page, "Còn với Quảng Châu thì sao?")
    assert "Quảng Châu" in page.inner_text("#hd-sources")
    assert page.locator("#hd-chat [data-testid=user]").count() == 2


def _articles_tab(page) -> None:
    page.get_by_role("tab", name="Bài báo").click()
    page.wait_for_selector("#hd-upload")


def _chat_tab(page) -> None:
    page.get_by_role("tab", name="Hỏi đáp").click()
    page.wait_for_selector("#hd-question textarea")


def upload(page, path: Path, doc_id: str) -> str:
    _articles_tab(page)
    page.set_input_files("#hd-upload input[type=file]", str(path))
    page.wait_for_timeout(1000)  # Gradio sends the file to the server first
    page.click("#hd-add")
    page.wait_for_function(
        f"document.querySelector('#hd-upload-status').innerText.includes('{doc_id}')",
        timeout=ANSWER_WAIT_MS,
    )
    return page.inner_text("#hd-upload-status")


def test_uploaded_article_answers_then_removal_takes_it_away(page, tmp_path):
    path = tmp_path / "cau-tu-lien.txt"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    assert "Đã thêm 1 bài" in upload(page, path, "cau-tu-lien")
    assert "Hà Nội khởi công cầu Tứ Liên" in page.inner_text("#hd-article-table")
    _chat_tab(page)
    new_conversation(page)
    text = ask(page, "Cầu Tứ Liên dài bao nhiêu km?")
    assert "5,2 km" in text
    assert page.locator("#hd-sources [data-doc='cau-tu-lien']").count() >= 1

    _articles_tab(page)
    page.click("#hd-pick input")
    page.keyboard.type("cau-tu-lien")
    page.keyboard.press("Enter")
    page.click("#hd-remove")
    page.wait_for_function(
        "document.querySelector('#hd-remove-status').innerText.includes('Đã xoá 1 bài')"
    )
    assert "cầu Tứ Liên" not in page.inner_text("#hd-article-table")
    _chat_tab(page)
    new_conversation(page)
    text = ask(page, "Cầu Tứ Liên dài bao nhiêu km?")
    assert "5,2 km" not in text
    assert page.locator("#hd-sources [data-doc='cau-tu-lien']").count() == 0


def test_script_in_an_article_renders_as_text(page, tmp_path):
    path = tmp_path / "xss.jsonl"
    path.write_text(json.dumps(XSS, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "Đã thêm 1 bài" in upload(page, path, "xss-test")
    assert "onerror=" in page.inner_text("#hd-article-table")
    _chat_tab(page)
    new_conversation(page)
    page.get_by_text("Cài đặt").click()
    page.check("#hd-retrieval input")
    ask(page, "Hội chợ hoa Tết phố Hàng Lược mở cửa khi nào?")
    panel = page.inner_text("#hd-sources")
    assert "<script>window.__xss=2</script>" in panel and "onerror=" in panel
    assert page.evaluate("window.__xss") is None and page.dialogs == []
    page.uncheck("#hd-retrieval input")


def test_unanswerable_question_shows_the_refusal(page):
    new_conversation(page)
    text = ask(page, "Giá vàng SJC hôm nay là bao nhiêu?")
    assert "Không tìm thấy thông tin" in text
    assert "từ chối" in page.inner_text("#hd-status")
    page.screenshot(path=str(SHOTS / "refusal.png"))
