"""The whole server (REST API with the Gradio UI mounted) under hostile requests: files
named by path, wrong methods, password guessing; and its security headers."""

from __future__ import annotations

import base64
import json

import pytest
from fakes import FakeGenerator
from fastapi.testclient import TestClient

from qa.interfaces.rest import create_api
from qa.interfaces.web_guard import LoginThrottle
from qa.reading.reader import FakeReader

pytest.importorskip("gradio")
SECRET = "Bí mật\n\nMật khẩu của máy chủ là abc123, điều này không ai được biết cả."
PAGE = "Mèo Mun đoạt giải\n\nNgày 3/1/2026, chú mèo Mun đoạt giải nhất cuộc thi mèo đẹp Hà Nội."


@pytest.fixture(autouse=True)
def _fakes_only(no_real_reader):
    """These tests use fake models only (``no_real_reader``: loading it would be a bug)."""


@pytest.fixture
def service(make_service):
    return make_service(FakeGenerator("Hà Lan đã đầu tư."), reader=FakeReader({}))


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    """Gradio's upload folder for this test (GRADIO_TEMP_DIR), away from the real one."""
    folder = tmp_path / "gradio-uploads"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    return folder


@pytest.fixture
def server(service, uploads):
    """The whole app, started (Gradio's queue runs), no auth."""
    app = pytest.importorskip("app")
    with TestClient(app.create_app(service)) as client:
        yield client


def file_data(path, name: str) -> dict:
    return {"path": str(path), "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def call(client, api_name: str, data: list):
    """A Gradio event over its HTTP API: the POST's response if refused, else the
    ``(event, data)`` of its last server-sent event."""
    r = client.post(f"/gradio_api/call/{api_name}", json={"data": data})
    if r.status_code != 200:
        return r
    text = client.get(f"/gradio_api/call/{api_name}/{r.json()['event_id']}").text
    last = [block for block in text.strip().split("\n\n") if block][-1]
    event, payload = (line.split(": ", 1)[1] for line in last.split("\n")[:2])
    return event, json.loads(payload)


# --- files named by path -------------------------------------------------------------


def test_a_gradio_event_cannot_add_a_file_from_elsewhere_on_the_server(server, tmp_path, uploads):
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "link.txt").symlink_to(secret)  # inside the folder by name only
    for path, name in [(secret, "x.txt"), (uploads / "link.txt", "link.txt")]:
        r = call(server, "on_add", [[file_data(path, name)]])
        assert r.status_code == 403 and name in r.json()["error"], r
    assert server.get("/api/articles/secret").status_code == 404
    assert server.get("/api/articles/x").status_code == 404
    copies = [p for p in uploads.rglob("*") if p.is_file() and not p.is_symlink()]
    assert not any("abc123" in p.read_text(errors="ignore") for p in copies)


def test_an_uploaded_pdf_is_named_and_the_rest_of_the_batch_added(server):
    files = [("files", ("report.pdf", b"%PDF-1.4 junk")), ("files", ("meo.txt", PAGE.encode()))]
    paths = server.post("/gradio_api/upload", files=files).json()
    data = [[file_data(p, n) for p, n in zip(paths, ["report.pdf", "meo.txt"], strict=True)]]
    event, outputs = call(server, "on_add", data)
    assert event == "complete", outputs
    status = outputs[0]
    assert "Đã thêm 1 bài" in status and "❌ report.pdf" in status and "chỉ nhận tệp" in status
    assert server.get("/api/articles/meo").json()["title"] == "Mèo Mun đoạt giải"


# --- wrong methods, unknown paths: 405/404 as {"error"} --------------------------------


@pytest.mark.parametrize(
    "method, path, allow",
    [
        ("GET", "/api/search", "POST"),
        ("GET", "/api/ask", "POST"),
        ("POST", "/api/health", "GET"),
        ("DELETE", "/api/articles/hl", "GET"),
    ],
)
def test_wrong_methods_are_a_405_with_allow_also_under_the_ui(server, method, path, allow):
    r = server.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow
    assert method in r.json()["error"] and allow in r.json()["error"]


def test_every_api_error_is_shaped_error(server):
    responses = [
        server.get("/api/nothing"),
        server.get("/api/articles/nope"),
        server.post("/api/ask", json={"question": ""}),
        server.post("/api/ask", json={"question": 42}),
        server.post("/api/ask", content=b"{", headers={"content-type": "application/json"}),
        server.put("/api/ask", json={}),
    ]
    assert [r.status_code for r in responses] == [404, 404, 400, 422, 422, 405]
    for r in responses:
        assert isinstance(r.json()["error"], str) and r.json()["error"], r.text


# --- failed logins --------------------------------------------------------------------


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_failed_logins_from_one_address_are_throttled(service):
    client = TestClient(create_api(service, auth=("an", "bí-mật")))
    assert client.get("/api/health").status_code == 401  # no credentials: not counted
    for _ in range(10):
        assert client.get("/api/health", headers=basic("an", "đoán")).status_code == 401
    r = client.get("/api/health", headers=basic("an", "bí-mật"))  # right, but too late
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "try again" in r.json()["error"]
    other = TestClient(client.app, client=("10.0.0.2", 5000))
    assert other.get("/api/health", headers=basic("an", "bí-mật")).status_code == 200


def test_login_lockouts_double_and_expire():
    now = [0.0]
    throttle = LoginThrottle(limit=3, window=60, base=30, clock=lambda: now[0])
    for expected in (30, 60, 120):
        for _ in range(3):
            assert throttle.wait("a") == 0
            throttle.failed("a")
        assert throttle.wait("a") == expected and throttle.wait("b") == 0
        now[0] += expected + 1
    throttle.failed("a")
    now[0] += 61
    throttle.failed("a")
    throttle.failed("a")  # three failures, but not within one window
    assert throttle.wait("a") == 0


# --- security headers -----------------------------------------------------------------


def test_security_headers_are_on_every_response(service, uploads):
    app = pytest.importorskip("app")
    with TestClient(app.create_app(service, auth=("an", "bí-mật"))) as client:
        ok = basic("an", "bí-mật")
        paths = ["/", "/api/health", "/docs", "/api/nothing", "/gradio_api/info"]
        responses = [client.get(p, headers=ok) for p in paths] + [client.get("/api/health")]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 200, 401]
    for r in responses:
        csp = r.headers["content-security-policy"]
        for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"):
            assert directive in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
