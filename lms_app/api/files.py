"""Lesson files over HTTP: the only way to read an uploaded video or document.

The sign-in cookie decides who is asking; the files service decides whether they may read the
lesson. Starlette's FileResponse answers `Range: bytes=a-b` with 206 and Content-Range (416
when the range cannot be satisfied), so a video can be sought without downloading it whole.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from lms_app import db
from lms_app.api.common import error_response, request_actor
from lms_app.services import files
from lms_app.services.errors import DomainError, NotFound, NotSignedIn

router = APIRouter(prefix="/files")

_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}


@router.get("/lessons/{lesson_id}")
async def lesson_file(lesson_id: str, request: Request) -> Response:
    try:
        with db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                raise NotSignedIn("Please sign in to continue.")
            if not lesson_id.isdigit() or len(lesson_id) > 12:
                raise NotFound("That lesson does not exist.")
            found = files.lesson_file(session, actor, int(lesson_id))
    except DomainError as exc:
        response = error_response(exc)
        response.headers.update(_HEADERS)
        return response
    headers = {**_HEADERS, "Accept-Ranges": "bytes"}
    if not found.inline:
        # A downloaded file opened in the tab anyway runs nothing (the PDF viewer, shown
        # inline, does not work in a sandbox).
        headers["Content-Security-Policy"] = "sandbox"
    return FileResponse(
        found.path, media_type=found.mime, filename=found.download_name,
        content_disposition_type="inline" if found.inline else "attachment", headers=headers,
    )
