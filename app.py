"""hoidap's chat UI (Gradio) and REST API (FastAPI) in one process.

    python app.py                 # http://127.0.0.1:7860, over the default index
    hoidap serve --port 8000      # the same
    HOIDAP_AUTH=user:pass python app.py --host 0.0.0.0
    HOIDAP_MAX_WAITING=8 HOIDAP_ANSWER_TIMEOUT=60 python app.py   # busy: 503 past these

The UI is thin: the logic lives in ``qa.interfaces.chat`` (unit-tested without a
server), the REST endpoints in ``qa.interfaces.rest``; both call one
``qa.interfaces.service.Service`` that holds the models.

>>> from qa.interfaces.service import Service                      # doctest: +SKIP
>>> app = create_app(Service().start(print))             # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home, ever

from corpus.bundled import questions_path  # noqa: E402
from qa.interfaces import articles_tab, chat  # noqa: E402
from qa.interfaces.render import CSS, EMPTY_SOURCES  # noqa: E402
from qa.interfaces.service import Service  # noqa: E402
from qa.interfaces.uploads import MAX_UPLOAD_BYTES, clean_stale_staging  # noqa: E402

TITLE = "Hỏi đáp tin tức"
INTRO = (
    "Hỏi về các bài báo trong kho (tiếng Việt, tiếng Anh hoặc gõ không dấu). Câu trả lời "
    "ngắn, có đánh số nguồn [n]; nguồn và đoạn trích hiện ở khung bên phải."
)


def _choices(service: Service):
    from qa.interfaces.articles import filter_choices

    docs, outlets = filter_choices(service)
    return docs, outlets


def upload_folder() -> Path:
    """Where this Gradio keeps what users upload: ``GRADIO_TEMP_DIR``, else the system temp
    folder's ``gradio`` (Gradio's own rule, asked of Gradio), symlinks resolved."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def build_ui(service: Service, uploads: Path | None = None):
    """The Gradio Blocks: chat + sources on one tab, article management on another;
    ``uploads``: the upload folder, the only place files may be added from."""
    import gradio as gr

    uploads = uploads or upload_folder()
    docs, outlets = _choices(service)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE}\n{INTRO}")
        with gr.Tab("Hỏi đáp"):
            ui = _chat_tab(gr, service)
            ui.settings = _settings_panel(gr, service, docs, outlets)
        with gr.Tab("Bài báo", elem_id="hd-articles-tab"):
            articles_tab.build(gr, service, ui)
        gr.Markdown(f"API: [/docs](/docs) · kho: {service.index_dir}", elem_classes="hd-latency")
        _wire_chat(gr, service, ui)
        articles_tab.wire(gr, service, ui, uploads, demo)
    return demo


def _chat_tab(gr, service: Service) -> SimpleNamespace:
    ui = SimpleNamespace(conversation=gr.State([]), pending=gr.State(""))
    with gr.Row():
        with gr.Column(scale=3):
            ui.chatbot = gr.Chatbot(
                label="Trò chuyện",
                height=460,
                elem_id="hd-chat",
                feedback_options=None,
                buttons=["copy", "copy_all"],  # no share button: nothing leaves the machine
            )
            ui.question = gr.Textbox(
                placeholder="Nhập câu hỏi rồi nhấn Enter…", show_label=False, elem_id="hd-question"
            )
            with gr.Row():
                ui.send = gr.Button("Gửi", variant="primary", elem_id="hd-send")
                ui.new = gr.Button("Cuộc trò chuyện mới", elem_id="hd-new")
            ui.status = gr.Markdown("", elem_id="hd-status", elem_classes="hd-latency")
            examples = chat.example_questions(questions_path())
            gr.Examples(examples, inputs=ui.question, label="Câu hỏi mẫu")
        with gr.Column(scale=2):
            gr.Markdown("### Nguồn")
            ui.sources = gr.HTML(EMPTY_SOURCES, elem_id="hd-sources")
    return ui


def _settings_panel(gr, service: Service, docs, outlets) -> list:
    with gr.Accordion("Cài đặt", open=False):
        k = gr.Slider(1, 10, value=service.k, step=1, label="Số đoạn văn dùng để trả lời")
        with gr.Row():
            date_from = gr.Textbox(label="Từ ngày (NNNN-TT-NN)", elem_id="hd-from")
            date_to = gr.Textbox(label="Đến ngày (NNNN-TT-NN)", elem_id="hd-to")
        doc_filter = gr.Dropdown(
            docs,
            multiselect=True,
            allow_custom_value=True,
            label="Chỉ trong các bài (mới nhất; gõ mã bài để chọn bài khác)",
        )
        outlet_filter = gr.Dropdown(outlets, multiselect=True, label="Chỉ các nguồn tin")
        retrieval_only = gr.Checkbox(
            label="Chỉ tìm đoạn văn (không sinh câu trả lời)", elem_id="hd-retrieval"
        )
        extractive = gr.Checkbox(
            label="Chỉ trích đoạn trả lời (không viết câu)", elem_id="hd-extractive"
        )
    return [k, date_from, date_to, doc_filter, outlet_filter, retrieval_only, extractive]


def _wire_chat(gr, service: Service, ui: SimpleNamespace) -> None:
    out = [ui.chatbot, ui.conversation, ui.sources, ui.status]

    def take(message):
        return "", message

    def answer(message, messages, convo, *values):
        for update in chat.respond(service, message, messages, convo, _settings(*values)):
            panel = update.sources or gr.skip()  # keep the panel while text streams in
            yield list(update.messages), list(update.conversation), panel, update.status

    for trigger in (ui.question.submit, ui.send.click):
        trigger(take, ui.question, [ui.question, ui.pending], queue=False).then(
            answer, [ui.pending, ui.chatbot, ui.conversation, *ui.settings], out
        )
    ui.new.click(lambda: ([], [], EMPTY_SOURCES, ""), None, out, queue=False)
    ui.chatbot.clear(lambda: ([], EMPTY_SOURCES, ""), None, out[1:])


def _settings(
    k, date_from, date_to, docs, outlets, retrieval_only, extractive=False
) -> chat.ChatSettings:
    return chat.ChatSettings(
        k=int(k),
        date_from=(date_from or "").strip() or None,
        date_to=(date_to or "").strip() or None,
        doc_ids=tuple(docs or ()),
        sources=tuple(outlets or ()),
        retrieval_only=bool(retrieval_only),
        extractive=bool(extractive),
    )


def create_app(service: Service, auth: tuple[str, str] | None = None):
    """FastAPI with the REST API under /api and the chat UI mounted at /."""
    import gradio as gr

    from qa.interfaces.rest import create_api

    uploads = upload_folder()
    api = create_api(service, auth, upload_folder=uploads)
    demo = build_ui(service, uploads)
    demo.queue(default_concurrency_limit=4, max_size=64)
    return gr.mount_gradio_app(
        api,
        demo,
        path="/",
        css=CSS,
        footer_links=[],
        ssr_mode=False,
        max_file_size=MAX_UPLOAD_BYTES,
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hoidap serve", description="the chat UI and REST API")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--index", help="index folder (default: the bundled articles' index)")
    p.add_argument(
        "--no-warmup", action="store_true", help="load the reader and generator on first use"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server: open (or first build) the index, then serve on --host/--port."""
    import uvicorn

    from qa.generation.heap import cap_arenas
    from qa.interfaces.admission import admission_from_env
    from qa.interfaces.rest import auth_from_env

    args = _parser().parse_args(argv)
    cap_arenas()  # before threads allocate: one shared, reused heap keeps memory flat
    try:
        auth = auth_from_env(os.environ.get("HOIDAP_AUTH"))
        admission = admission_from_env(os.environ)
    except ValueError as exc:
        print(f"hoidap: {exc}", file=sys.stderr)
        return 2
    for stale in clean_stale_staging():  # left by a server killed mid-upload
        print(f"hoidap: removed the stale upload folder {stale}", flush=True)
    service = Service(args.index, admission=admission).start(lambda m: print(m, flush=True))
    if not args.no_warmup:  # the first question should not pay for loading the model
        threading.Thread(target=service.warm_up, args=(print,), daemon=True).start()
    print(f"hoidap: http://{args.host}:{args.port} (API docs: /docs)", flush=True)
    uvicorn.run(create_app(service, auth), host=args.host, port=args.port, log_level="warning")
    return 0


def cli(argv: Sequence[str] | None = None) -> int:
    """The ``hoidap`` console script: ``serve`` starts this app, the rest is
    ``qa.interfaces.cli.main``."""
    from qa.interfaces.cli.main import main as qa_main

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return main(argv[1:])
    return qa_main(argv)


if __name__ == "__main__":
    sys.exit(main())
