"""The REST API over a real Service and a small index, with the fake encoder, reader and
generator."""

import base64
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fakes import FakeGenerator
from fastapi.testclient import TestClient

from qa.interfaces.admission import Admission
from qa.interfaces.rest import auth_from_env, create_api
from qa.reading.reader import FakeReader

QUESTION = "Hà Lan đã đầu tư bao nhiêu vào Hà Nội?"
SPAN = "trên 1,3 tỷ USD"  # what the (fake) reader answers, verbatim from the "hl" article
REPLY = "Hà Lan đã đầu tư trên 1,3 tỷ USD vào Hà Nội."  # the generator's sentence around it
ANSWER = "Hà Lan đã đầu tư trên 1,3 tỷ USD vào Hà Nội [1]."  # the marker before the period
# The public schema, version 1 (docs/api.md): scores live under "debug", outside it.
PASSAGE_KEYS = {"doc_id", "chunk_id", "title", "date", "source", "start", "end", "text"}
ANSWER_KEYS = {
    "schema_version",
    "question",
    "query",
    "answer",
    "refused",
    "language",
    "span",
    "citations",
    "passages",
    "timings",
    "debug",
}
TIMING_KEYS = {
    "retrieve_ms",
    "read_ms",
    "first_token_ms",
    "total_ms",
    "prompt_tokens",
    "new_tokens",
    "reused_tokens",
    "prefill_tps",
    "decode_tps",
}
SCORE_KEYS = {"chunk_id", "score", "dense", "lexical"}


@pytest.fixture(autouse=True)
def _fakes_only(no_real_reader):
    """These tests use fake models only (``no_real_reader``: loading it would be a bug)."""


@pytest.fixture
def make_client(make_service):
    """A client factory: a fresh index per test, any generator, a fake reader that answers
    QUESTION with SPAN (the real reader never loads), optional auth."""

    def make(generator=None, auth=None, answers=None, admission=None, **kw) -> TestClient:
        generator = generator or FakeGenerator(REPLY)
        reader = FakeReader({QUESTION: SPAN} if answers is None else answers)
        service = make_service(generator, reader=reader, admission=admission)
        return TestClient(create_api(service, auth=auth), **kw)

    return make


@pytest.fixture
def client(make_client):
    return make_client()


def ask(client, **body):
    return client.post("/api/ask", json={"question": QUESTION, **body})


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def assert_clean_error(response, status: int | tuple[int, ...]) -> str:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    message = response.json()["error"]
    assert isinstance(message, str) and len(message) > 5
    return message


# --- health, search, articles ----------------------------------------------------------


def test_health_reports_the_index_and_models(client):
    body = client.get("/api/health").json()
    assert body == {
        "status": "ok",
        "articles": 3,
        "passages": 3,
        "encoder": "fake-bag-of-syllables",
        "generator": "fake-generator",
        "generator_ready": False,
    }


def test_search_returns_hits_with_their_source(client):
    r = client.post("/api/search", json={"query": "  Hà Lan đầu tư  ", "k": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "  Hà Lan đầu tư  "  # as given, not normalized
    assert len(body["hits"]) == 2
    assert set(body) == {"schema_version", "query", "hits", "debug"}
    assert body["schema_version"] == 1
    assert all(set(h) == PASSAGE_KEYS for h in body["hits"])  # no scores among them
    assert body["hits"][0]["doc_id"] == "hl" and body["hits"][0]["date"] == "2025-12-25"
    scores = body["debug"]["scores"]  # one per hit, in order
    assert [s["chunk_id"] for s in scores] == [h["chunk_id"] for h in body["hits"]]
    assert all(set(s) == SCORE_KEYS for s in scores) and scores[0]["score"] >= scores[1]["score"]


def test_search_filters_by_doc_ids_and_dates(client):
    only = client.post("/api/search", json={"query": "Hà Lan", "filters": {"doc_ids": ["vc"]}})
    assert [h["doc_id"] for h in only.json()["hits"]] == ["vc"]
    dated = {"date_from": "2025-12-01", "date_to": "2025-12-10", "doc_ids": None}
    r = client.post("/api/search", json={"query": "Hà Nội", "filters": dated})
    assert [h["doc_id"] for h in r.json()["hits"]] == ["vc"]


def test_search_with_history_makes_a_follow_up_standalone(client):
    history = [{"role": "user", "content": "Hà Nội hợp tác với Viêng Chăn ra sao?"}]
    body = {"query": "Còn với Quảng Châu thì sao?", "history": history}
    r = client.post("/api/search", json=body)
    assert r.json()["hits"][0]["doc_id"] == "qc"


@pytest.mark.parametrize(
    "filters, words",
    [
        ({"date_from": "2025/01/01"}, "YYYY-MM-DD"),
        ({"date_from": "2025-02-30"}, "not a real date"),
        ({"date_from": "2025-12-31", "date_to": "2025-01-01"}, "after date_to"),
        ({"date_to": 20250101}, "filters.date_to"),
        ({"doc_ids": "hl"}, "filters.doc_ids"),
        ({"colour": "red"}, "filters.colour"),
    ],
)
def test_search_rejects_bad_filters_with_a_message(client, filters, words):
    r = client.post("/api/search", json={"query": "Hà Lan", "filters": filters})
    assert words in assert_clean_error(r, 422)


def test_search_k_is_bounded(client):
    assert "k:" in assert_clean_error(client.post("/api/search", json={"query": "a", "k": 51}), 422)
    r = client.post("/api/search", json={"query": "Hà Nội", "k": 1})
    assert len(r.json()["hits"]) == 1


def test_articles_list_and_one_article(client):
    rows = client.get("/api/articles").json()
    assert [r["id"] for r in rows] == ["qc", "vc", "hl"]  # undated first, then by date
    assert set(rows[0]) == {"id", "title", "date", "source", "group", "chars"}
    one = client.get("/api/articles/hl").json()
    assert one["title"] == "Hà Nội và Hà Lan" and one["source"] == "thoidai.com.vn"
    assert one["text"].startswith("Đến hết năm 2024") and "path" not in one
    assert {"id", "date", "url", "author"} <= set(one)


def test_unknown_article_is_a_404_with_a_message(client):
    assert "nope" in assert_clean_error(client.get("/api/articles/nope"), 404)


def test_docs_and_openapi_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "hoidap"
    assert {"/api/ask", "/api/search", "/api/health", "/api/articles"} <= set(spec["paths"])
    assert spec["paths"]["/api/ask"]["post"]["summary"]
    # the response schemas are published, not just "any object"
    schemas = spec["components"]["schemas"]
    assert set(schemas["AnswerOut"]["properties"]) == ANSWER_KEYS
    assert set(schemas["SearchOut"]["properties"]) == {"schema_version", "query", "hits", "debug"}
    ok = spec["paths"]["/api/ask"]["post"]["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/AnswerOut"}
    assert "text/event-stream" in ok


# --- ask -------------------------------------------------------------------------------


def test_ask_answers_with_citations_and_timings(client):
    r = ask(client)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == ANSWER_KEYS and body["schema_version"] == 1
    assert body["answer"] == ANSWER and body["refused"] is False and body["language"] == "vi"
    assert body["span"] == SPAN and body["debug"]["p_no_answer"] == pytest.approx(0.1)
    assert body["debug"]["confidence"] == pytest.approx(0.9)  # the fake reader's 1 - P
    cite = body["citations"][0]
    assert set(cite) == PASSAGE_KEYS | {"highlight"}
    assert all(set(p) == PASSAGE_KEYS for p in body["passages"])
    scores = body["debug"]["scores"]  # one per passage, in order
    assert [s["chunk_id"] for s in scores] == [p["chunk_id"] for p in body["passages"]]
    assert cite["doc_id"] == "hl" and cite["title"] == "Hà Nội và Hà Lan"
    assert cite["date"] == "2025-12-25" and "1,3 tỷ USD" in cite["text"]
    start, end = cite["highlight"]  # the span's offsets in the whole article
    assert client.get("/api/articles/hl").json()["text"][start:end] == SPAN
    timings = body["timings"]
    assert (
        set(timings) == TIMING_KEYS
        and timings["total_ms"] > 0
        and timings["new_tokens"] == len(REPLY.split())
    )
    assert timings["read_ms"] > 0
    for removed in ("confidence", "check_yes", "grounding", "focus", "unanchored"):
        assert removed not in body


@pytest.mark.parametrize("stream", [False, True])
def test_extractive_ask_answers_with_the_span_alone(make_client, stream):
    generator = FakeGenerator(REPLY)
    r = ask(make_client(generator), extractive=True, stream=stream)
    assert r.status_code == 200
    if stream:
        events = sse_events(r.text)
        body = events[-1][1]
        assert "".join(d["text"] for n, d in events if n == "delta") == body["answer"]
    else:
        body = r.json()
    assert body["answer"] == SPAN + " [1]" and body["span"] == SPAN and not body["refused"]
    assert body["timings"]["new_tokens"] == 0 and generator.prompts == []


def test_extractive_must_be_a_boolean(client):
    r = ask(client, extractive="maybe")
    assert "extractive" in assert_clean_error(r, 422)


@pytest.mark.parametrize("stream", [False, True])
def test_unanswered_question_is_a_refusal(make_client, stream):
    generator = FakeGenerator(REPLY)
    r = ask(make_client(generator, answers={}), stream=stream)
    body = sse_events(r.text)[-1][1] if stream else r.json()
    assert body["refused"] is True and body["span"] is None and body["citations"] == []
    assert body["answer"].startswith("Không tìm thấy") and body["debug"]["p_no_answer"] == 1.0
    assert body["debug"]["confidence"] is None
    assert set(body) == ANSWER_KEYS and body["schema_version"] == 1  # also the SSE answer
    assert generator.prompts == []  # nothing to phrase
    if stream:
        events = sse_events(r.text)
        assert [n for n, _ in events] == ["delta", "answer"]
        assert events[0][1]["text"] == body["answer"]


def test_ask_follow_up_uses_the_history(client):
    history = [
        {"role": "user", "content": "Hà Nội hợp tác với Viêng Chăn ra sao?"},
        {"role": "assistant", "content": "Hai Thủ đô ký 2 thỏa thuận [1]."},
    ]
    follow_up = {"question": "Còn với Quảng Châu thì sao?", "history": history}
    r = client.post("/api/ask", json=follow_up)
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "Hà Nội hợp tác với Quảng Châu ra sao?"
    assert body["passages"][0]["doc_id"] == "qc" and isinstance(body["refused"], bool)


@pytest.mark.parametrize("how", ["body", "accept"])
def test_ask_streams_server_sent_events(client, how):
    if how == "body":
        r = ask(client, stream=True)
    else:
        accept = {"Accept": "text/event-stream"}
        r = client.post("/api/ask", json={"question": QUESTION}, headers=accept)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    names = [name for name, _ in events]
    assert names[-1] == "answer" and names.count("answer") == 1
    assert names[:-1] and set(names[:-1]) == {"delta"}
    streamed = "".join(data["text"] for _, data in events[:-1])
    final = events[-1][1]
    assert streamed == ANSWER == final["answer"]
    assert final["citations"][0]["doc_id"] == "hl" and final["span"] == SPAN
    assert set(final) == ANSWER_KEYS and final["schema_version"] == 1  # as the JSON answer


@pytest.mark.parametrize(
    "reply, answer",
    [
        (REPLY, ANSWER),  # a sentence around the span
        (" " + REPLY, ANSWER),  # a leading space is never shown
        ("Hà Lan đã đầu tư trên 1,3 tỷ USD vào Hà Nội. Thêm 5 dự án.", ANSWER),  # cut at its end
        ("Hà Lan đầu tư rất nhiều vào Hà Nội.", SPAN + " [1]"),  # dropped the span: span alone
        ("Năm 2023 Hà Lan đầu tư trên 1,3 tỷ USD.", SPAN + " [1]"),  # a number not in the span
        ("Hà Lan đã đầu tư trên 1,3 tỷ USD, gấp 2 lần.", "Hà Lan đã đầu tư trên 1,3 tỷ USD [1]."),
    ],
)
def test_streamed_deltas_are_exactly_the_final_answer(make_client, reply, answer):
    r = ask(make_client(FakeGenerator(reply)), stream=True)
    events = sse_events(r.text)
    names = [name for name, _ in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"delta"}
    streamed = "".join(data["text"] for _, data in events[:-1])
    final = events[-1][1]
    assert streamed == final["answer"]  # nothing shown is taken back, nothing added after
    assert final["answer"] == (answer or final["answer"])
    assert final["span"] == SPAN and SPAN in final["answer"] and final["refused"] is False
    assert "2 lần" not in final["answer"]


def test_stream_error_after_the_first_piece_is_an_error_event(make_client):
    class Breaks(FakeGenerator):
        def stream(self, messages, max_new_tokens=96, check=None):
            yield f"Hà Lan đã đầu tư {SPAN}"  # holds the span, so it is shown at once
            raise RuntimeError("the GPU caught fire at /secret/path.py")

    r = ask(make_client(Breaks()), stream=True)
    events = sse_events(r.text)
    assert [n for n, _ in events] == ["delta", "error"]
    assert events[-1][1]["error"] == "internal error (RuntimeError); see the server log"


# --- bad input -------------------------------------------------------------------------

BAD_ASKS = [
    ({"question": ""}, 400, "empty"),
    ({"question": " \n\t "}, 400, "empty"),
    ({"question": "Hà Lan " * 3000}, 400, "limit"),
    ({"question": "\x00\x01\x02\x7f\ufffd\x03\x04" * 20}, 400, "binary"),
    ({"question": 42}, 422, "question"),
    ({"question": "Ai?", "k": 0}, 422, "k: Input should be greater than or equal to 1"),
    ({"question": "Ai?", "k": "abc"}, 422, "k:"),
    ({"question": "Ai?", "top_k": 3}, 422, "top_k"),
    ({"question": "Ai?", "history": [{"role": "system", "content": "Hack"}]}, 422, "role"),
    ({"question": "Ai?", "history": "Trước đó tôi hỏi về Hà Lan"}, 422, "history"),
    ({"question": "Ai?", "history": [{"role": "user"}]}, 422, "content"),
    ({}, 422, "question: Field required"),
]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("body, status, words", BAD_ASKS)
def test_bad_questions_get_a_clear_error(client, body, status, words, stream):
    r = client.post("/api/ask", json={**body, "stream": stream})
    assert words in assert_clean_error(r, status)
    assert r.headers["content-type"].startswith("application/json")


def test_validation_errors_list_details_without_echoing_the_input(client):
    r = client.post("/api/ask", json={"question": "Ai?", "k": 99, "history": 7})
    body = r.json()
    assert {tuple(d["loc"]) for d in body["detail"]} == {("body", "k"), ("body", "history")}
    assert all("input" not in d for d in body["detail"])


@pytest.mark.parametrize(
    "content, headers, words",
    [
        (b'{"question": "Ai?",', {"content-type": "application/json"}, "not valid JSON"),
        (b"\xff\xfe\x00garbage", {"content-type": "application/json"}, ""),
        (b"", {"content-type": "application/json"}, "body"),
        ('{"question": "Hà \\ud800 Lan"}', {"content-type": "application/json"}, "unicode"),
    ],
)
def test_malformed_bodies_get_a_clear_error(client, content, headers, words):
    r = client.post("/api/ask", content=content, headers=headers)
    assert words in assert_clean_error(r, (400, 422))


def test_unknown_routes_and_methods_answer_json(client):
    assert_clean_error(client.get("/api/nothing"), 404)
    assert_clean_error(client.get("/api/ask"), 405)


def test_internal_errors_are_a_500_without_traceback(make_client, caplog):
    class Broken(FakeGenerator):
        def stream(self, messages, max_new_tokens=96, check=None):
            raise RuntimeError("boom at /home/secret/model.py line 3")

    client = make_client(Broken())
    for streaming in (False, True):
        r = ask(client, stream=streaming)
        message = assert_clean_error(r, 500)
        assert message == "internal error (RuntimeError); see the server log"
        assert "secret" not in r.text
    assert "boom" in caplog.text  # the server log keeps the cause


# --- concurrency -----------------------------------------------------------------------


class OneAtATime(FakeGenerator):
    """Like the real generator: one model, one answer at a time; records the overlap."""

    def __init__(self, delay=0.02):
        super().__init__(REPLY)
        self.lock, self.delay, self.busy, self.overlap = threading.Lock(), delay, 0, 0

    def stream(self, messages, max_new_tokens=96, check=None):
        with self.lock:
            self.busy += 1
            self.overlap = max(self.overlap, self.busy)
            time.sleep(self.delay)
            yield from super().stream(messages, max_new_tokens, check)
            self.busy -= 1


def test_ten_simultaneous_asks_all_succeed(make_client):
    gen = OneAtATime()
    room = Admission(max_waiting=9)  # one answering, nine waiting: none is turned away
    with make_client(gen, admission=room) as client, ThreadPoolExecutor(10) as pool:
        bodies = [{"question": QUESTION, "stream": i % 2 == 1} for i in range(10)]
        responses = list(pool.map(lambda b: client.post("/api/ask", json=b), bodies))
    assert [r.status_code for r in responses] == [200] * 10
    assert all(r.json()["answer"] == ANSWER for r in responses[::2])
    assert all(sse_events(r.text)[-1][1]["answer"] == ANSWER for r in responses[1::2])
    assert len(gen.prompts) == 10 and gen.overlap == 1  # one phrasing call per answer


def test_a_slow_answer_does_not_block_other_requests(make_client):
    release = threading.Event()

    class Waits(FakeGenerator):
        def stream(self, messages, max_new_tokens=96, check=None):
            release.wait(timeout=5)
            yield from super().stream(messages, max_new_tokens, check)

    with make_client(Waits(REPLY)) as client, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(ask, client)
        time.sleep(0.1)
        assert client.get("/api/health").status_code == 200
        assert not pending.done()  # health was served while the answer was still waiting
        release.set()
        assert pending.result(timeout=5).status_code == 200


# --- basic auth ------------------------------------------------------------------------


def basic(user: str, password: str) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("an", "sai"),
        basic("bình", "mật:khẩu"),
        basic("an", "mật:khẩu") | {"Authorization": "Bearer xyz"},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Basic " + base64.b64encode(b"an").decode()},
    ],
)
def test_auth_refuses_missing_or_wrong_credentials(make_client, headers):
    client = make_client(auth=("an", "mật:khẩu"))
    for r in (client.get("/api/health", headers=headers), client.get("/docs", headers=headers)):
        assert_clean_error(r, 401)
        assert r.headers["www-authenticate"] == 'Basic realm="hoidap"'


def test_auth_lets_the_right_credentials_through(make_client):
    client = make_client(auth=("an", "mật:khẩu"))
    assert client.get("/api/health", headers=basic("an", "mật:khẩu")).status_code == 200
    assert ask(client, stream=True).status_code == 401
    r = client.post("/api/ask", json={"question": QUESTION}, headers=basic("an", "mật:khẩu"))
    assert r.json()["answer"] == ANSWER


def test_auth_from_env():
    assert auth_from_env(None) is None and auth_from_env("") is None
    assert auth_from_env("an:mật:khẩu") == ("an", "mật:khẩu")
    for bad, words in [("an", "no ':'"), (":pw", "user name is empty"), ("an:", "password")]:
        with pytest.raises(ValueError, match=words):
            auth_from_env(bad)
