"""What guards every request to the server: Basic auth with a throttle on failed logins,
security headers, and the rule that a request may only name files the server received.

Pure ASGI middlewares, so they also guard the Gradio app mounted inside the API. Only the
server imports this module (it needs Starlette).

>>> t = LoginThrottle(limit=2, window=60, base=30, clock=lambda: 0.0)
>>> t.failed("10.0.0.1"); t.wait("10.0.0.1"), t.failed("10.0.0.1"), t.wait("10.0.0.1")
(0, None, 30)
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.interfaces.uploads import inside, named_paths

# Gradio's page needs inline scripts and styles, and its HTML component (our sources
# panel) compiles its template with ``new Function``: without 'unsafe-eval' the panel
# stays empty. What makes CSP worth having here is the rest: no plugins, no <base>, no
# framing, and nothing fetched from or sent to another origin.
_CSP = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "media-src": "'self' data: blob:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# FastAPI's /docs and /redoc pages load Swagger UI or ReDoc, and their fonts, from CDNs.
_DOCS_EXTRA = {
    "script-src": "https://cdn.jsdelivr.net",
    "style-src": "https://cdn.jsdelivr.net https://fonts.googleapis.com",
    "img-src": "https://fastapi.tiangolo.com https://cdn.redoc.ly",
    "font-src": "https://fonts.gstatic.com",
}


def _policy(extra: dict[str, str]) -> str:
    """
    >>> _policy({"object-src": "x"}).split("; ")[8]
    "object-src 'none' x"
    """
    return "; ".join(f"{k} {v} {extra.get(k, '')}".strip() for k, v in _CSP.items())


CSP = _policy({})
DOCS_CSP = _policy(_DOCS_EXTRA)
HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
MAX_GUARDED_BODY = 16 * 1024 * 1024  # a Gradio event's JSON; far above any real chat


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, error: str, headers=None
) -> None:
    """Answer ``{"error": ...}`` with ``status`` (a websocket is closed as a policy breach)."""
    if scope["type"] == "websocket":
        return await send({"type": "websocket.close", "code": 1008})
    await JSONResponse({"error": error}, status, headers)(scope, receive, send)


class SecurityHeaders:
    """CSP, no framing, no MIME sniffing, no referrer: on every response, Gradio's too."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        csp = DOCS_CSP if path.startswith("/docs") or path == "/redoc" else CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                ours = {"content-security-policy": csp, **HEADERS}.items()
                ours = [(k.encode(), v.encode()) for k, v in ours]
                names = {k for k, _ in ours}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + ours}
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass
class _Record:
    failures: deque = field(default_factory=deque)
    until: float = 0.0  # refused until then
    strikes: int = 0  # lockouts so far: each one doubles the next


class LoginThrottle:
    """Failed logins per client address: ``limit`` within ``window`` seconds lock the
    address out for ``base`` seconds, doubling with every further lockout up to ``cap``."""

    def __init__(
        self,
        *,
        limit: int = 10,
        window: float = 60.0,
        base: float = 30.0,
        cap: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit, self.window, self.base, self.cap, self.clock = limit, window, base, cap, clock
        self._records: dict[str, _Record] = {}

    def wait(self, who: str) -> int:
        """Seconds ``who`` must still wait before trying again (0: may try now)."""
        record = self._records.get(who)
        left = record.until - self.clock() if record else 0.0
        return math.ceil(left) if left > 0 else 0

    def failed(self, who: str) -> None:
        """Count one failed login from ``who``; past the limit, lock it out."""
        now = self.clock()
        if len(self._records) > 10_000:  # many addresses: forget the ones gone quiet
            self._forget(now)
        record = self._records.setdefault(who, _Record())
        if now - record.until > self.cap:  # well behaved for a long time: start afresh
            record.strikes = 0
        record.failures.append(now)
        while record.failures and record.failures[0] <= now - self.window:
            record.failures.popleft()
        if len(record.failures) >= self.limit:
            record.until = now + min(self.cap, self.base * 2**record.strikes)
            record.strikes += 1
            record.failures.clear()

    def _forget(self, now: float) -> None:
        for who, r in list(self._records.items()):
            quiet = not r.failures or r.failures[-1] <= now - self.window
            if quiet and now - r.until > self.cap:
                del self._records[who]


class BasicAuth:
    """HTTP Basic auth on every request (API, docs, and whatever is mounted at "/"); wrong
    credentials count against the client's address in ``throttle``."""

    def __init__(self, app: ASGIApp, user: str, password: str, throttle: LoginThrottle):
        self.app = app
        self.user = user.encode()
        self.password = password.encode()
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        who = (scope.get("client") or ("?", 0))[0]
        if wait := self.throttle.wait(who):  # even the right password waits: no guessing on
            error = f"too many failed logins from this address; try again in {wait} s"
            return await _refuse(scope, receive, send, 429, error, {"Retry-After": str(wait)})
        verdict = self._check(scope)
        if verdict == "ok":
            return await self.app(scope, receive, send)
        if verdict == "wrong":  # a first visit without credentials is no failed login
            self.throttle.failed(who)
        error = "authentication required: log in with the server's user and password"
        headers = {"WWW-Authenticate": 'Basic realm="hoidap"'}
        await _refuse(scope, receive, send, 401, error, headers)

    def _check(self, scope: Scope) -> str:
        """``"ok"``, ``"missing"`` (no credentials sent) or ``"wrong"``."""
        header = dict(scope.get("headers") or ()).get(b"authorization", b"")
        if not header:
            return "missing"
        scheme, _, token = header.partition(b" ")
        try:
            user, colon, password = base64.b64decode(token.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return "wrong"
        # Both compared, always: timing must not tell which of the two was wrong.
        user_ok = secrets.compare_digest(user, self.user)
        password_ok = secrets.compare_digest(password, self.password)
        ok = scheme.lower() == b"basic" and bool(colon) and user_ok and password_ok
        return "ok" if ok else "wrong"


class UploadPathGuard:
    """Refuses a Gradio request that names a file outside the server's upload ``folder``.

    Gradio copies every file an event names into its cache before the handler runs, so a
    handler cannot tell an uploaded file from any other file on the server: the check has
    to come before Gradio sees the request.
    """

    def __init__(self, app: ASGIApp, folder: Path):
        self.app = app
        self.folder = Path(folder).resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        watched = scope["type"] == "http" and "gradio_api" in path
        watched = watched and scope["method"] not in ("GET", "HEAD")
        if not watched or path.rstrip("/").endswith("/gradio_api/upload"):
            return await self.app(scope, receive, send)
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > MAX_GUARDED_BODY:
                return await _refuse(scope, receive, send, 413, "request body too large")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        body = b"".join(m.get("body", b"") for m in messages)
        for name, file in named_paths(body):
            if not inside(file, self.folder):
                error = (
                    f"file {name!r} was not uploaded to this server: add files with the "
                    "page's upload button (only files in its upload folder are accepted)"
                )
                return await _refuse(scope, receive, send, 403, error)
        await self.app(scope, _replay(messages, receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def again() -> Message:
        return messages.pop(0) if messages else await receive()

    return again
