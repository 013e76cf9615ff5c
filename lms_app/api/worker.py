"""Which backend worker process served a request, for operators and the scale-out tests.

Each worker process gets a random opaque name the first time it answers (never its pid,
host or anything else about the machine). It is sent as the `X-LMS-Worker` header on every
HTTP response. `GET /_lms/worker` answers with that name, whether the caller's own sign-in
cookie is valid in this worker, and how many of the caller's own live page connections
(WebSockets carrying the same cookie) this worker holds: enough to check that a login
session and a page's state follow a browser from one worker to another, and nothing about
anyone else. (The WebSocket handshake cannot carry the header: the server drops headers on
WebSocket accept.)
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections import Counter
from http.cookies import CookieError, SimpleCookie

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from lms_app import db, settings
from lms_app.api.common import request_actor

HEADER = "X-LMS-Worker"
_names: dict[int, str] = {}
# Open WebSockets in this process, by a digest of their sign-in cookie.
_sockets: Counter[str] = Counter()

router = APIRouter()


def worker_name() -> str:
    # Keyed by pid: workers are forked from a supervisor that may have imported this module,
    # and a name made at import time would be shared by all of them.
    pid = os.getpid()
    if pid not in _names:
        _names[pid] = secrets.token_hex(6)
    return _names[pid]


def _cookie_digest(cookie_header: str) -> str | None:
    try:
        morsel = SimpleCookie(cookie_header or "").get(settings.COOKIE_NAME)
    except CookieError:
        return None
    return hashlib.sha256(morsel.value.encode()).hexdigest() if morsel and morsel.value else None


class WorkerHeaderMiddleware:
    """Names the worker on every HTTP response; counts the WebSockets it holds per cookie."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            cookie = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"cookie"), "")
            digest = _cookie_digest(cookie)
            if digest is None:
                await self.app(scope, receive, send)
                return
            _sockets[digest] += 1
            try:
                await self.app(scope, receive, send)
            finally:
                _sockets[digest] -= 1
                if _sockets[digest] <= 0:
                    del _sockets[digest]
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = (HEADER.lower().encode(), worker_name().encode())

        async def send_named(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        await self.app(scope, receive, send_named)


@router.get("/_lms/worker")
def which_worker(request: Request) -> JSONResponse:
    with db.session_scope() as session:
        signed_in = request_actor(session, request) is not None
    digest = _cookie_digest(request.headers.get("cookie", ""))
    return JSONResponse(
        {"worker": worker_name(), "signed_in": signed_in, "my_sockets": _sockets.get(digest, 0) if digest else 0},
        headers={"Cache-Control": "no-store"},
    )


def install(api: FastAPI) -> None:
    api.include_router(router)
    api.add_middleware(WorkerHeaderMiddleware)
