"""The REST API over one ``Service``: health, search, ask (JSON or server-sent events), articles.

Only the server imports this module (it needs FastAPI); ``import qa`` never does.

>>> from qa.interfaces.service import Service                                   # doctest: +SKIP
>>> app = create_api(Service().start(), auth=auth_from_env("me:secret"))  # doctest: +SKIP
>>> # uvicorn.run(app); then: curl -u me:secret localhost:8000/api/ask \\
>>> #   -H 'content-type: application/json' -d '{"question": "Hà Lan đầu tư bao nhiêu?"}'
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.interfaces.admission import Busy
from qa.interfaces.rest_articles import add_article_routes
from qa.interfaces.rest_models import (
    AnswerOut,
    AskIn,
    SearchIn,
    SearchOut,
    error_detail,
    error_summary,
    filters_of,
    history_of,
)
from qa.interfaces.service import Service
from qa.interfaces.web_guard import BasicAuth, LoginThrottle, SecurityHeaders, UploadPathGuard
from qa.records.answer import Answer, Delta
from qa.retrieval.retriever import QueryError

log = logging.getLogger("hoidap")

DESCRIPTION = """\
Hỏi đáp ngoại tuyến trên các bài báo tiếng Việt, có trích dẫn nguồn.
Offline question answering over Vietnamese news articles, with cited passages.

`POST /api/ask` answers as JSON, or as server-sent events (`event: delta`, then
`event: answer`) when `"stream": true` or `Accept: text/event-stream`. Every `delta` is a
piece of the final answer text: their concatenation is the `answer` event's `answer`, so a
client can show them as they come and never has to take text back. A refusal streams the
refusal text, then the answer with `"refused": true`.

A trained span reader picks the answer: `span` is its answer, verbatim from the cited
article (`null` when refused), and `citations[0].highlight` its `[start, end]` offsets in
that article. By default `answer` is one short sentence written around the span, with its
citation marker `[1]`; with `"extractive": true` it is the span alone plus the marker, and
no text is generated. `timings.read_ms` is the time the reader took.

Answers and search results carry `schema_version` (now 1), raised whenever a field is
removed or changes meaning. Internal scores (`debug.scores`, `debug.p_no_answer`: the
reader's calibrated probability that the passages hold no answer) sit under `debug`, outside
that contract. Fields: docs/api.md.
"""
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def create_api(
    service: Service,
    auth: tuple[str, str] | None = None,
    *,
    throttle: LoginThrottle | None = None,
    upload_folder: Path | None = None,
) -> FastAPI:
    """The API app; with ``auth`` every path (also apps mounted later) needs Basic auth,
    and failed logins are throttled per address (``throttle``). With ``upload_folder``
    (Gradio's), a Gradio request naming a file outside it is refused."""
    app = FastAPI(title="hoidap", description=DESCRIPTION, version=_version())
    _add_error_handlers(app)
    _add_routes(app, service)
    # The last added runs first: headers on every answer, then the password check, so
    # nothing is touched before it.
    app.add_middleware(_KnownRoutes, routes=app.router.routes)
    app.add_middleware(_CatchAll)
    if upload_folder is not None:
        app.add_middleware(UploadPathGuard, folder=upload_folder)
    if auth:
        throttle = throttle or LoginThrottle()
        app.add_middleware(BasicAuth, user=auth[0], password=auth[1], throttle=throttle)
    app.add_middleware(SecurityHeaders)
    return app


def auth_from_env(value: str | None) -> tuple[str, str] | None:
    """``HOIDAP_AUTH=user:password`` as a pair; unset or empty means no auth.

    >>> auth_from_env("an:mật:khẩu"), auth_from_env(None)
    (('an', 'mật:khẩu'), None)
    """
    if not value:
        return None
    user, colon, password = value.partition(":")
    if not colon:
        raise ValueError("HOIDAP_AUTH must be 'user:password' (no ':' found)")
    if not user.strip():
        raise ValueError("HOIDAP_AUTH must be 'user:password'; the user name is empty")
    if not password:
        raise ValueError("HOIDAP_AUTH must be 'user:password'; the password is empty")
    return user, password


def _add_routes(app: FastAPI, service: Service) -> None:
    # Sync ``def`` endpoints run in FastAPI's thread pool, so retrieval and loading never
    # block the event loop; the service's admission makes answers take turns (or a 503).
    @app.get("/api/health", summary="Index size and model names")
    def health() -> dict:
        return service.health()

    @app.post("/api/search", summary="Retrieve passages (no generation)")
    def search(body: SearchIn) -> SearchOut:
        hits = service.search(body.query, body.k, filters_of(body), history_of(body))
        return SearchOut.of(body.query, hits)

    @app.post(
        "/api/ask",
        summary="Answer a question with citations (JSON or server-sent events)",
        response_model=AnswerOut,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def ask(body: AskIn, request: Request):
        args = (body.question, history_of(body), body.k, filters_of(body), body.extractive)
        if body.stream or "text/event-stream" in request.headers.get("accept", ""):
            events = service.stream(*args)
            # The first step validates the question: bad input still gets a 400 as JSON.
            first = await run_in_threadpool(next, events, None)
            stream = _sse(first, events)
            return StreamingResponse(stream, headers=SSE_HEADERS, media_type="text/event-stream")
        answer = await run_in_threadpool(service.ask, *args)
        return AnswerOut.of(answer)

    add_article_routes(app, service)


# --- server-sent events ----------------------------------------------------------------


def _sse_event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _encode(item: Delta | Answer) -> str:
    if isinstance(item, Answer):
        return _sse_event("answer", AnswerOut.of(item).model_dump(mode="json"))
    return _sse_event("delta", {"text": item.text})


async def _sse(first: Delta | Answer | None, events: Iterator) -> AsyncIterator[str]:
    """``first`` (already pulled), then the rest of ``events`` read in a worker thread."""
    item = first
    try:
        if item is not None:
            yield _encode(item)
        if item is not None and not isinstance(item, Answer):
            async for item in iterate_in_threadpool(events):
                yield _encode(item)
        if not isinstance(item, Answer):
            yield _sse_event("error", {"error": "the answer stream ended without an answer"})
    except Exception as exc:  # the 200 is already sent: report in-band
        if not isinstance(exc, QueryError):
            log.exception("error while streaming an answer")
        yield _sse_event("error", {"error": _public_message(exc)})


# --- errors ----------------------------------------------------------------------------


def _public_message(exc: Exception) -> str:
    if isinstance(exc, QueryError):
        return str(exc)
    return f"internal error ({type(exc).__name__}); see the server log"


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QueryError)
    async def bad_query(_request: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        body = {"error": error_summary(errors), "detail": error_detail(errors)}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, exc.headers)

    @app.exception_handler(Busy)
    async def busy(_request: Request, exc: Busy) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"error": str(exc)}, 503, headers)


class _KnownRoutes:
    """A wrong method on one of the API's paths is a 405 with ``Allow``, an unknown /api/
    path a 404, both as ``{"error"}``. Checked before routing: the Gradio app mounted at
    "/" would otherwise take every request no API route fully matches (404 ``{"detail"}``).
    """

    def __init__(self, app: ASGIApp, routes: list):
        self.app = app
        self.routes = routes  # the app's live list: routes added later count too

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (refusal := self._refusal(scope)):
            return await refusal(scope, receive, send)
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        allowed: set[str] = set()
        for route in self.routes:
            if not isinstance(route, Route):  # the Gradio mount matches everything
                continue
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return None
            if match == Match.PARTIAL:
                allowed |= route.methods or set()
        path, method = scope["path"], scope["method"]
        if allowed:
            allow = ", ".join(sorted(allowed))
            error = f"{method} is not allowed on {path}; use {allow}"
            return JSONResponse({"error": error}, 405, {"Allow": allow})
        if path == "/api" or path.startswith("/api/"):
            return JSONResponse({"error": f"no API endpoint at {path}; see /docs"}, 404)
        return None


class _CatchAll:
    """Any other exception: logged with its traceback, answered as a JSON 500 without it.

    A pure ASGI middleware rather than an ``Exception`` handler: Starlette re-raises after
    such a handler, and the server would log every error twice.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # too late for a response; let the server drop the connection
                raise
            log.exception("error answering %s %s", scope.get("method"), scope.get("path"))
            await JSONResponse({"error": _public_message(exc)}, 500)(scope, receive, send)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hoidap")
    except PackageNotFoundError:
        return "0.0.0"
