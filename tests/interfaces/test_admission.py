"""Answers take turns: a bounded number may wait; past it, or after waiting too long, the
REST API answers 503 with Retry-After and the chat says the server is busy."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fakes import FakeGenerator
from fastapi.testclient import TestClient

from qa.interfaces import chat
from qa.interfaces.admission import Admission, QueueFull, admission_from_env
from qa.interfaces.rest import create_api
from qa.reading.reader import FakeReader

QUESTION = "Hà Lan đã đầu tư bao nhiêu vào Hà Nội?"
SPAN = "trên 1,3 tỷ USD"


@pytest.fixture(autouse=True)
def _fakes_only(no_real_reader):
    """These tests use fake models only (``no_real_reader``: loading it would be a bug)."""


class Held(FakeGenerator):
    """A generator that answers only once ``release`` is set: a slow model."""

    def __init__(self):
        super().__init__("Hà Lan đã đầu tư trên 1,3 tỷ USD vào Hà Nội.")
        self.release = threading.Event()

    def stream(self, messages, max_new_tokens=96, check=None):
        self.release.wait(timeout=10)
        yield from super().stream(messages, max_new_tokens, check)


@pytest.fixture
def make_service(make_service):
    def make(admission: Admission, generator=None):
        return make_service(generator, reader=FakeReader({QUESTION: SPAN}), admission=admission)

    return make


def wait_until(condition, timeout=10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def ask(client, stream=False):
    return client.post("/api/ask", json={"question": QUESTION, "stream": stream})


@pytest.mark.parametrize("max_waiting", [0, 2])
def test_past_the_waiting_bound_an_ask_is_a_503_with_retry_after(make_service, max_waiting):
    generator, admission = Held(), Admission(max_waiting=max_waiting, timeout=30)
    client = TestClient(create_api(make_service(admission, generator)))
    with ThreadPoolExecutor(max_waiting + 1) as pool:
        admitted = [pool.submit(ask, client, i % 2 == 1) for i in range(max_waiting + 1)]
        wait_until(lambda: admission.admitted == max_waiting + 1)  # one answering, N waiting
        for stream in (False, True):
            r = ask(client, stream)
            assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
            assert r.headers["content-type"].startswith("application/json")
            assert "busy" in r.json()["error"] and "HOIDAP_MAX_WAITING" in r.json()["error"]
        generator.release.set()
        assert [f.result(timeout=10).status_code for f in admitted] == [200] * (max_waiting + 1)
    assert admission.admitted == 0 and ask(client).status_code == 200  # every turn given back


def test_an_ask_that_waits_too_long_for_its_turn_is_a_503(make_service):
    generator, admission = Held(), Admission(max_waiting=4, timeout=0.2)
    client = TestClient(create_api(make_service(admission, generator)))
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(ask, client)
        wait_until(lambda: admission.admitted == 1)
        r = ask(client, stream=True)
        assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
        assert "waited 0.2 s" in r.json()["error"]
        generator.release.set()
        assert first.result(timeout=10).status_code == 200


def test_bad_questions_give_their_turn_back(make_service):
    admission = Admission(max_waiting=0)
    client = TestClient(create_api(make_service(admission, FakeGenerator("x"))))
    for _ in range(3):
        assert client.post("/api/ask", json={"question": ""}).status_code == 400
    assert admission.admitted == 0


def test_the_chat_says_the_server_is_busy(make_service):
    service = make_service(Admission(max_waiting=0), FakeGenerator("x"))
    leave = service.admission.enter()  # another answer holds the only turn
    try:
        updates = list(chat.respond(service, QUESTION, [], [], chat.ChatSettings()))
    finally:
        leave()
    message = updates[-1].messages[-1]["content"]
    assert message.startswith("Máy chủ đang bận, vui lòng thử lại sau ít giây")
    assert updates[-1].conversation == ()  # the question was not answered: not remembered


def test_admission_from_env():
    default = admission_from_env({})
    assert (default.max_waiting, default.timeout) == (8, 60.0)
    custom = admission_from_env({"HOIDAP_MAX_WAITING": " 3 ", "HOIDAP_ANSWER_TIMEOUT": "2.5"})
    assert (custom.max_waiting, custom.timeout) == (3, 2.5)
    for env, words in [
        ({"HOIDAP_MAX_WAITING": "many"}, "HOIDAP_MAX_WAITING must be a whole number"),
        ({"HOIDAP_MAX_WAITING": "-1"}, "0 or more"),
        ({"HOIDAP_ANSWER_TIMEOUT": "0"}, "above 0"),
        ({"HOIDAP_ANSWER_TIMEOUT": "soon"}, "HOIDAP_ANSWER_TIMEOUT must be a number"),
    ]:
        with pytest.raises(ValueError, match=words):
            admission_from_env(env)


def test_leaving_twice_frees_one_turn():
    admission = Admission(max_waiting=0, timeout=0.05)
    leave = admission.enter()
    leave()
    leave()
    assert admission.admitted == 0
    admission.enter()
    with pytest.raises(QueueFull):
        admission.enter()
