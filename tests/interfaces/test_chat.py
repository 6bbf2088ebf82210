"""The chat UI's logic (qa.interfaces.chat, render, service) and its Blocks, without a
server."""

from __future__ import annotations

import json

import pytest
from fakes import FakeGenerator

from corpus.article import Article
from qa.interfaces import chat
from qa.interfaces.render import escape_markdown, sources_html
from qa.interfaces.service import UploadError
from qa.interfaces.uploads import MAX_UPLOAD_BYTES, Upload, safe_stem
from qa.reading.reader import FakeReader
from qa.records.answer import Answer, Span, Timings
from qa.records.hit import Hit

QUESTION = "Hà Lan đầu tư bao nhiêu vào Hà Nội?"
SPAN = "trên 1,3 tỷ USD"  # verbatim from the "hl" article
SENTENCE = "Hà Lan đã đầu tư trực tiếp trên 1,3 tỷ USD vào Hà Nội."
ANSWERS = {
    QUESTION: SPAN,
    "Hà Nội hợp tác với Viêng Chăn về những lĩnh vực nào?": "2 thỏa thuận cấp Thành phố",
}


@pytest.fixture(autouse=True)
def _fakes_only(no_real_reader):
    """These tests use fake models only (``no_real_reader``: loading it would be a bug)."""


@pytest.fixture
def make_reading_service(make_service):
    """A factory of services over the test index with a fake reader (``answers``: question
    to span) and a fake generator; the real reader never loads."""

    def make(generator=None, answers=None):
        reader = FakeReader(ANSWERS if answers is None else answers)
        return make_service(generator, reader=reader)

    return make


@pytest.fixture
def service(make_reading_service):
    return make_reading_service(FakeGenerator(SENTENCE))


def run(service, message, messages=(), conversation=(), **settings):
    options = chat.ChatSettings(**settings)
    updates = list(chat.respond(service, message, list(messages), list(conversation), options))
    return updates, updates[-1]


def test_answer_streams_then_shows_cited_source_with_highlight(service):
    updates, last = run(service, QUESTION)
    assert len(updates) > 3  # searching, several deltas, final
    assert updates[0].messages[-1]["role"] == "user"
    partial = [u.messages[-1]["content"] for u in updates[1:-1]]
    assert all(b.startswith(a) for a, b in zip(partial, partial[1:], strict=False))
    assert last.answer is not None and not last.answer.refused
    assert last.answer.text == "Hà Lan đã đầu tư trực tiếp trên 1,3 tỷ USD vào Hà Nội [1]."
    assert last.answer.span == SPAN
    assert last.messages[-1]["content"] == escape_markdown(last.answer.text)
    assert partial[-1] == last.messages[-1]["content"]  # nothing streamed was taken back
    assert "Hà Nội và Hà Lan" in last.sources
    assert f"<mark class='hd-mark'>{SPAN}</mark>" in last.sources  # passage and whole article
    assert last.sources.count(f"<mark class='hd-mark'>{SPAN}</mark>") == 2
    assert "Xem toàn bài" in last.sources  # the whole cleaned article is one click away
    assert last.status.startswith("Thời gian: tìm kiếm")
    assert last.status.endswith("· độ tin cậy 90 %")  # the fake reader: 1 - P(no answer)
    assert [t["role"] for t in last.conversation] == ["user", "assistant"]


def test_follow_up_uses_the_conversation(service):
    _, first = run(service, "Hà Nội hợp tác với Viêng Chăn về những lĩnh vực nào?")
    _, second = run(service, "Còn với Quảng Châu thì sao?", first.messages, first.conversation)
    assert "Quảng Châu" in second.answer.query and "Viêng Chăn" not in second.answer.query
    assert len(second.conversation) == 4 and len(second.messages) == 4


def test_highlight_is_the_readers_span_in_the_article(service):
    _, last = run(service, QUESTION)
    (span,) = last.answer.highlights
    assert service.article(span.doc_id).text[span.start : span.end] == SPAN


def test_extractive_setting_answers_with_the_span_alone(service):
    updates, last = run(service, QUESTION, extractive=True)
    assert last.answer.text == SPAN + " [1]" and last.answer.span == SPAN
    assert service.generator.prompts == []  # no sentence was written
    assert f"<mark class='hd-mark'>{SPAN}</mark>" in last.sources
    assert updates[-2].messages[-1]["content"] == escape_markdown(SPAN + " [1]")


def test_refusal_is_shown_as_such_not_as_an_error(make_reading_service):
    generator = FakeGenerator("Không được gọi.")
    service = make_reading_service(generator)  # the reader has no answer to this one
    updates, last = run(service, "Giá vàng hôm nay là bao nhiêu?")
    assert last.answer.refused and last.answer.span is None and generator.prompts == []
    refusal = last.answer.text
    assert refusal.startswith("Không tìm thấy")
    assert updates[-2].messages[-1]["content"] == escape_markdown(refusal)  # streamed first
    assert last.messages[-1]["content"].startswith(chat.REFUSAL_ICON)
    assert chat.ERROR_PREFIX not in last.messages[-1]["content"]
    assert "từ chối" in last.status


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("", "trống"),
        ("   ", "trống"),
        ("x" * 20000, "quá dài"),
        ("\x00\x01\x02\x03" * 50, "nhị phân"),
    ],
)
def test_bad_questions_get_a_vietnamese_message(service, question, words):
    _, last = run(service, question)
    assert (
        last.messages[-1]["content"].startswith(chat.ERROR_PREFIX)
        and words in last.messages[-1]["content"]
    )
    assert last.answer is None and last.conversation == ()


def test_service_reports_when_the_generator_is_ready(service):
    assert service.health()["generator_ready"] is False
    service.warm_up()
    assert service.health() | {"generator_ready": True} == service.health()


def test_settings_are_validated_and_become_filters():
    assert chat.ChatSettings().filters() is None
    f = chat.ChatSettings(doc_ids=("hl",), sources=("thoidai.com.vn",)).filters()
    assert f.doc_ids == {"hl"} and f.sources == {"thoidai.com.vn"}
    with pytest.raises(chat.SettingsError, match="NNNN-TT-NN"):
        chat.ChatSettings(date_from="25/12/2025").filters()
    with pytest.raises(chat.SettingsError, match="ngày có thật"):
        chat.ChatSettings(date_to="2025-13-45").filters()
    with pytest.raises(chat.SettingsError, match="trước"):
        chat.ChatSettings(date_from="2025-12-31", date_to="2025-01-01").filters()


def test_filters_reach_retrieval(service):
    _, last = run(service, "Hà Nội hợp tác", retrieval_only=True, doc_ids=("vc",), k=3)
    assert last.answer is None and "Chế độ chỉ tìm kiếm" in last.messages[-1]["content"]
    assert "data-doc='vc'" in last.sources and "data-doc='hl'" not in last.sources
    assert service.generator.prompts == []  # retrieval-only: nothing generated
    assert last.status.startswith("Thời gian: tìm kiếm") and "tổng" not in last.status
    _, bad = run(service, "Hà Nội", date_from="hôm qua")
    assert "NNNN-TT-NN" in bad.messages[-1]["content"]


def test_article_text_is_escaped_everywhere():
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    hit = Hit(
        doc_id="x",
        chunk_id="x#0",
        text=evil,
        score=1.0,
        title=evil,
        date="2025-01-01",
        start=0,
        end=len(evil),
        source=evil,
    )
    answer = Answer(
        question="q",
        query="q",
        text="a [1]",
        citations=(hit,),
        refused=False,
        language="vi",
        highlights=(Span(doc_id="x", start=0, end=8),),
        passages=(hit,),
    )
    html = sources_html(answer, {"x": Article(id="x", title=evil, text=evil)})
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "onerror=alert(2)&gt;" in html
    assert "<" not in escape_markdown(evil).replace("\\<", "")


def test_highlight_marks_exactly_the_span():
    hit = Hit(
        doc_id="a",
        chunk_id="a#0",
        text="Một. Hai ba. Bốn.",
        score=1.0,
        title="T",
        date=None,
        start=10,
        end=27,
    )
    answer = Answer(
        question="q",
        query="q",
        text="x [1]",
        citations=(hit,),
        refused=False,
        language="vi",
        highlights=(Span(doc_id="a", start=15, end=22),),
        passages=(hit,),
    )
    assert "<mark class='hd-mark'>Hai ba.</mark>" in sources_html(answer, {})


def test_safe_stem_never_yields_a_path():
    for name in ["../../etc/passwd", "C:\\x\\..\\y.txt", "/abs/ả.html", "", "....jsonl", "a b.txt"]:
        stem = safe_stem(name)
        assert stem and "/" not in stem and "\\" not in stem and not stem.startswith(".")


def test_upload_adds_lists_and_remove_takes_away(service):
    page = "Mèo Mun đoạt giải\n\nNgày 3/1/2026, chú mèo Mun đoạt giải nhất cuộc thi mèo đẹp Hà Nội."
    bad = [
        Upload(name="../evil.exe", data=b"MZ"),
        Upload(name="big.txt", data=b"a" * (MAX_UPLOAD_BYTES + 1)),
    ]
    summary = chat.upload(service, [Upload(name="../../meo mun.txt", data=page.encode()), *bad])
    assert "Đã thêm 1 bài" in summary and "meo\\_mun" in summary
    assert "evil.exe" in summary and "big.txt" in summary and summary.count("❌") == 2
    assert "chỉ nhận tệp" in summary and "vượt quá giới hạn" in summary  # Vietnamese reasons
    assert "meo_mun" in [r.id for r in service.articles()]
    hits = service.search("mèo Mun đoạt giải", k=1)
    assert hits[0].doc_id == "meo_mun"
    assert "Đã xoá 1 bài" in chat.remove(service, ["meo_mun"])
    assert "meo_mun" not in [r.id for r in service.articles()]
    assert service.search("mèo Mun đoạt giải", k=1)[0].doc_id != "meo_mun"


def test_upload_of_only_bad_files_changes_nothing(service):
    before = [r.id for r in service.articles()]
    summary = chat.upload(service, [Upload(name="x.txt", data=b"\x00\xff\x00\xfe" * 100)])
    assert "Đã thêm 0 bài" in summary and "❌" in summary
    assert [r.id for r in service.articles()] == before
    assert "nhị phân" in summary
    with pytest.raises(UploadError):
        service.upload([Upload(name=f"{i}.txt", data=b"x") for i in range(51)])
    assert "tối đa 50 tệp" in chat.upload(
        service, [Upload(name=f"{i}.txt", data=b"x") for i in range(51)]
    )


def test_basic_auth_guards_the_ui_and_the_api(service):
    from fastapi.testclient import TestClient

    app = pytest.importorskip("app")
    client = TestClient(app.create_app(service, auth=("an", "bí-mật")))
    for path in ("/", "/api/health", "/docs"):
        assert client.get(path).status_code == 401
        assert client.get(path, auth=("an", "sai")).status_code == 401
    assert client.get("/", auth=("an", "bí-mật")).status_code == 200
    assert client.get("/api/health", auth=("an", "bí-mật")).json()["status"] == "ok"


def test_article_rows_mark_duplicates():
    from qa.interfaces.service import ArticleRow

    rows = chat.article_rows(
        [
            ArticleRow(id="b", title="T", date=None, source="vn", group="a", chars=9),
            ArticleRow(id="a", title="T", date="2025-01-01", source=None, group="a", chars=9),
        ]
    )
    assert rows[0][-1] == "trùng: a" and rows[1][-1] == "" and rows[0][1] == ""


def test_examples_come_from_the_bundled_question_set():
    from corpus.bundled import questions_path

    examples = chat.example_questions(questions_path())
    lines = questions_path().read_text(encoding="utf-8").splitlines()
    known = {json.loads(line)["question"] for line in lines}
    assert 2 <= len(examples) <= 4 and set(examples) <= known


def test_blocks_build_without_a_server(service):
    app = pytest.importorskip("app")
    demo = app.build_ui(service)
    ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    assert {"hd-chat", "hd-sources", "hd-upload", "hd-article-table", "hd-new"} <= ids
    assert {"hd-retrieval", "hd-extractive"} <= ids


def test_latency_line_in_vietnamese():
    from qa.interfaces.render import latency_line

    line = latency_line(Timings(retrieve_ms=80, first_token_ms=1500, total_ms=4200))
    assert line == "Thời gian: tìm kiếm 0,1 s · chữ đầu tiên 1,5 s · tổng 4,2 s"
    line = latency_line(Timings(retrieve_ms=80, read_ms=450, first_token_ms=1500, total_ms=4200))
    assert line == "Thời gian: tìm kiếm 0,1 s · đọc 0,5 s · chữ đầu tiên 1,5 s · tổng 4,2 s"


def test_answer_status_line_includes_the_reader(service):
    _, last = run(service, QUESTION)
    assert " · đọc " in last.status and "\n" not in last.status


def test_the_page_s_settings_widgets_become_chat_settings():
    import app

    got = app._settings(3, " 2025-12-01 ", "", ["hl"], [], False, True)
    assert got == chat.ChatSettings(k=3, date_from="2025-12-01", doc_ids=("hl",), extractive=True)
