"""The chat's "Bài báo" tab in Gradio: upload (with progress per committed batch), a
searchable table in pages of 50, and removal. The logic is ``qa.interfaces.articles``.

``gr`` is passed in (as ``app.py`` does) so importing this module never imports Gradio::

    with gr.Blocks() as demo:
        ...
        with gr.Tab("Bài báo", elem_id="hd-articles-tab"):
            articles_tab.build(gr, service, ui)
        articles_tab.wire(gr, service, ui, uploads, demo)

``ui`` is the page's namespace: ``wire`` also refreshes the settings panel's article and
outlet filters (``ui.settings[3]`` and ``[4]``) after a change, when there are any.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from qa.interfaces import articles
from qa.interfaces.articles import ArticleView
from qa.interfaces.service import Service
from qa.interfaces.uploads import ALLOWED_SUFFIXES, MAX_UPLOAD_BYTES

SEARCH_HINT = "Tìm theo mã bài, tiêu đề hoặc nguồn (gõ không dấu cũng được)…"


def build(gr, service: Service, ui: SimpleNamespace) -> None:
    """The tab's components, as attributes of ``ui`` (call inside ``gr.Tab``)."""
    view = articles.article_view(service)
    kinds = ", ".join(ALLOWED_SUFFIXES)
    ui.files = gr.File(
        file_count="multiple",
        file_types=[*ALLOWED_SUFFIXES, ".gz"],  # browsers match the last suffix only
        label=f"Thêm bài ({kinds}; tối đa {MAX_UPLOAD_BYTES >> 20} MB mỗi tệp)",
        elem_id="hd-upload",
    )
    ui.add = gr.Button("Thêm vào kho", variant="primary", elem_id="hd-add")
    ui.upload_status = gr.Markdown(elem_id="hd-upload-status")
    with gr.Row(equal_height=True):
        ui.article_search = gr.Textbox(
            placeholder=SEARCH_HINT, show_label=False, elem_id="hd-article-search", scale=4
        )
        ui.article_count = gr.Markdown(view.count, elem_id="hd-article-count")
    ui.article_offset, ui.article_query = gr.State(view.offset), gr.State(view.query)
    ui.table = gr.Dataframe(
        view.table,
        headers=articles.ARTICLE_HEADERS,
        interactive=False,
        elem_id="hd-article-table",
    )
    with gr.Row(equal_height=True):
        ui.prev = gr.Button("← Trang trước", interactive=view.has_prev, elem_id="hd-prev")
        ui.page_label = gr.Markdown(view.page_label, elem_id="hd-page")
        ui.next = gr.Button("Trang sau →", interactive=view.has_next, elem_id="hd-next")
    ui.to_remove = gr.Dropdown(
        view.choices,
        multiselect=True,
        allow_custom_value=True,  # any id may be typed, not only this page's
        label="Chọn bài để xoá (trong trang này, hoặc gõ mã bài)",
        elem_id="hd-pick",
    )
    ui.remove = gr.Button("Xoá bài đã chọn", variant="stop", elem_id="hd-remove")
    ui.remove_status = gr.Markdown(elem_id="hd-remove-status")


def _page_outputs(ui: SimpleNamespace) -> list:
    return [
        ui.table,
        ui.article_count,
        ui.page_label,
        ui.prev,
        ui.next,
        ui.to_remove,
        ui.article_offset,
        ui.article_query,
    ]


def _shown(gr, view: ArticleView, picked: list | None = None) -> tuple:
    """``view`` as values of ``_page_outputs``; ``picked``: the removal picks to set."""
    pick = (
        gr.Dropdown(choices=view.choices)
        if picked is None
        else gr.Dropdown(choices=view.choices, value=picked)
    )
    return (
        view.table,
        view.count,
        view.page_label,
        gr.Button(interactive=view.has_prev),
        gr.Button(interactive=view.has_next),
        pick,
        view.offset,
        view.query,
    )


def wire(gr, service: Service, ui: SimpleNamespace, uploads: Path, demo=None) -> None:
    """The tab's events; with ``demo`` the table is also fresh on every page load."""
    pages = _page_outputs(ui)
    filters = list(getattr(ui, "settings", [])[3:5])

    def show(query, offset, step=0):
        return _shown(gr, articles.turn_page(service, query, offset, step))

    def filter_updates() -> tuple:
        if not filters:
            return ()
        docs, outlets = articles.filter_choices(service)
        return gr.Dropdown(choices=docs), gr.Dropdown(choices=outlets)

    def on_add(files, query, offset, progress=gr.Progress()):  # noqa: B008 - Gradio injects it
        def on_batch(p):
            progress(p.fraction, desc=articles.progress_line(p))

        progress(None, desc="Đang đọc và nhúng các bài…")
        message = articles.upload_received(service, files, uploads, on_batch=on_batch)
        view = articles.article_view(service, query, offset)
        return message, *_shown(gr, view), *filter_updates(), None

    def on_remove(ids, query, offset):
        message = articles.remove(service, ids or [])
        view = articles.article_view(service, query, offset)
        return message, *_shown(gr, view, picked=[]), *filter_updates()

    state = [ui.article_query, ui.article_offset]
    # As it is typed (the last value wins while one runs), and again on Enter.
    for event in (ui.article_search.change, ui.article_search.submit):
        event(lambda text: show(text, 0), ui.article_search, pages, trigger_mode="always_last")
    ui.prev.click(lambda q, o: show(q, o, -1), state, pages)
    ui.next.click(lambda q, o: show(q, o, 1), state, pages)
    # Unprocessed: Gradio's own check would refuse a whole batch for one .pdf, unnamed;
    # articles.upload_received names each refused file instead.
    added = [ui.upload_status, *pages, *filters, ui.files]
    ui.add.click(on_add, [ui.files, *state], added, preprocess=False)
    ui.remove.click(on_remove, [ui.to_remove, *state], [ui.remove_status, *pages, *filters])
    if demo is not None:
        demo.load(show, state, pages)
