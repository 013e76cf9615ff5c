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


# --- assessments: files learners hand in --------------------------------------------------------

def _handed_in(found) -> Response:
    """A file a learner handed in: PDFs, images and text inline (the grader reads them in the
    page), other files as downloads."""
    headers = {**_HEADERS, "Accept-Ranges": "bytes"}
    if not found.mime.startswith("application/pdf"):
        # Whatever a learner uploaded runs nothing on the app's origin (Chrome's PDF viewer
        # does not work in a sandbox; a PDF is shown by the browser's viewer, not as a page).
        headers["Content-Security-Policy"] = "sandbox"
    return FileResponse(
        found.path, media_type=found.mime, filename=found.download_name,
        content_disposition_type="inline" if found.inline else "attachment", headers=headers,
    )


@router.get("/submissions/{submission_id}/{index}")
async def submission_file(submission_id: str, index: str, request: Request) -> Response:
    """A file a learner handed in, for the learner or the course's staff: PDFs, images and text
    show in the page (the grader reads them there), other files download."""
    from lms_app.services import assignments

    position = int(index) if index.isdigit() and len(index) < 4 else -1
    found = _find(request, submission_id, "file", lambda session, actor, sid: assignments.submission_file(session, actor, sid, position))
    return found if isinstance(found, Response) else _handed_in(found)


@router.get("/quiz-answers/{attempt_id}/{position}")
async def quiz_answer_file(attempt_id: str, position: str, request: Request) -> Response:
    """A file a learner handed in as a quiz answer, for the learner or the course's staff:
    PDFs, images and text show in the page, other files download."""
    from lms_app.services import quizzes

    number = int(position) if position.isdigit() and len(position) < 4 else -1
    found = _find(request, attempt_id, "file", lambda session, actor, aid: quizzes.answer_file(session, actor, aid, number))
    return found if isinstance(found, Response) else _handed_in(found)


@router.get("/org/logo")
async def org_logo(request: Request) -> Response:
    """The organization's logo, for anyone signed in (the app's header shows it)."""
    from lms_app.services import org_settings

    try:
        with db.session_scope() as session:
            path, mime = org_settings.logo_file(session, request_actor(session, request))
    except DomainError as exc:
        response = error_response(exc)
        response.headers.update(_HEADERS)
        return response
    # An SVG opened on its own runs nothing on the app's origin; the address names the stored
    # file (a new logo gets a new address), so it may be cached.
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400", "Content-Security-Policy": "sandbox"}
    return FileResponse(path, media_type=mime, headers=headers)
