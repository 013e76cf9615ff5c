"""SCORM over HTTP, for the player page's run-time (assets/scorm/):

- GET  /scorm/launch/<lesson_id>?item=&new=1   what to run: version, launch address, data model
- POST /scorm/commit/<attempt_id>?item=&session=   the data model a SCO committed (JSON)
- GET  /scorm/content/<package_id>/<path>      the package's files, same-origin (the SCO must
                                               reach the API in its parent page), for those who
                                               may read the lesson

The routes are plain functions: FastAPI runs them in its thread pool, so a hundred learners
committing at once do not queue behind one another on the event loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from lms_app import db
from lms_app.api.common import error_response, request_actor
from lms_app.services import scorm
from lms_app.services.errors import DomainError, Invalid, NotFound, NotSignedIn
from lms_app.services.permissions import Actor

router = APIRouter(prefix="/scorm")

_NO_STORE = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
_CONTENT_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache", "Accept-Ranges": "bytes"}


def _number(raw: str | None, what: str) -> int:
    if not raw or not raw.isdigit() or len(raw) > 12:
        raise NotFound(f"That {what} does not exist.")
    return int(raw)


def _as_actor(request: Request, work: Callable[[Any, Actor], Any]) -> Any:
    """Run `work(session, actor)` for the signed-in person, in one transaction; a domain error
    becomes its 4xx with the reason."""
    try:
        with db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                raise NotSignedIn("Please sign in to continue.")
            return work(session, actor)
    except DomainError as exc:
        response = error_response(exc)
        response.headers.update(_NO_STORE)
        return response


@router.get("/launch/{lesson_id}")
def launch(lesson_id: str, request: Request, item: str | None = None, new: str | None = None) -> Response:
    found = _as_actor(request, lambda session, actor: scorm.launch(session, actor, _number(lesson_id, "lesson"), item=item or None,
                                                                    new_attempt=new == "1"))
    return found if isinstance(found, Response) else JSONResponse(found, headers=_NO_STORE)


@router.post("/commit/{attempt_id}")
async def commit(attempt_id: str, request: Request, item: str = "", session: str = "") -> Response:
    body = await request.body()
    return await run_in_threadpool(_commit, attempt_id, request, item, session, body)


def _commit(attempt_id: str, request: Request, item: str, launch_session: str, body: bytes) -> Response:
    def work(db_session, actor: Actor) -> Response:
        if len(body) > scorm.MAX_COMMIT_BYTES:
            raise Invalid(f"The committed data is larger than {scorm.MAX_COMMIT_BYTES // 1024} KB.")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = None  # refused by the service as malformed, once it knows the attempt is the caller's
        result = scorm.commit(db_session, actor, _number(attempt_id, "attempt"), item, launch_session, payload)
        return JSONResponse({"accepted": result.accepted, "status": result.status, "attempt_completed": result.attempt_completed,
                             "lesson_done": result.lesson_done}, headers=_NO_STORE)

    return _as_actor(request, work)


@router.get("/content/{package_id}/{path:path}")
def content(package_id: str, path: str, request: Request) -> Response:
    found = _as_actor(request, lambda session, actor: scorm.content_file(session, actor, _number(package_id, "package"), path))
    if isinstance(found, Response):
        return found
    file_path, media_type = found
    return FileResponse(file_path, media_type=media_type, headers=_CONTENT_HEADERS)
