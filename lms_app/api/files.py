"""Lesson files and course covers over HTTP: the only way to read an uploaded video, document
or cover image.

The sign-in cookie decides who is asking; the files service decides whether they may read the
lesson. Starlette's FileResponse answers `Range: bytes=a-b` with 206 and Content-Range (416
when the range cannot be satisfied), so a video can be sought without downloading it whole.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from lms_app import db
from lms_app.api.common import error_response, request_actor
from lms_app.services import files
from lms_app.services.errors import DomainError, NotFound, NotSignedIn

router = APIRouter(prefix="/files")

_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}


def _find(request: Request, raw_id: str, what: str, finder: Callable[..., files.ServedFile]) -> files.ServedFile | Response:
    try:
        with db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                raise NotSignedIn("Please sign in to continue.")
            if not raw_id.isdigit() or len(raw_id) > 12:
                raise NotFound(f"That {what} does not exist.")
            return finder(session, actor, int(raw_id))
    except DomainError as exc:
        response = error_response(exc)
        response.headers.update(_HEADERS)
        return response


@router.get("/lessons/{lesson_id}")
async def lesson_file(lesson_id: str, request: Request) -> Response:
    found = _find(request, lesson_id, "lesson", files.lesson_file)
    if isinstance(found, Response):
        return found
    headers = {**_HEADERS, "Accept-Ranges": "bytes"}
    if not found.inline:
        # A downloaded file opened in the tab anyway runs nothing (the PDF viewer, shown
        # inline, does not work in a sandbox).
        headers["Content-Security-Policy"] = "sandbox"
    return FileResponse(
        found.path, media_type=found.mime, filename=found.download_name,
        content_disposition_type="inline" if found.inline else "attachment", headers=headers,
    )


@router.get("/lessons/{lesson_id}/images/{image_id}")
async def lesson_image(lesson_id: str, image_id: str, request: Request) -> Response:
    found = _find(request, lesson_id, "lesson", lambda session, actor, lid: files.lesson_image(session, actor, lid, image_id[:40]))
    if isinstance(found, Response):
        return found
    # An image's address never changes content (a new upload gets a new id): cache it.
    return FileResponse(found.path, media_type=found.mime, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400"})


@router.get("/courses/{course_id}/cover")
async def course_cover(course_id: str, request: Request) -> Response:
    found = _find(request, course_id, "course", files.cover_file)
    if isinstance(found, Response):
        return found
    # The address names the stored file (a new cover gets a new address): cache it.
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400"}
    return FileResponse(found.path, media_type=found.mime, headers=headers)
