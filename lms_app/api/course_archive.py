"""A course's archive over HTTP: GET /files/courses/{id}/export answers the .zip as a download,
to those who may change the course (the course archive service decides)."""

from __future__ import annotations

import os
import tempfile

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from lms_app import db
from lms_app.api.common import error_response, request_actor
from lms_app.services import course_archive
from lms_app.services.errors import DomainError, NotFound, NotSignedIn

router = APIRouter(prefix="/files")


# A plain function: FastAPI runs it in a worker thread, so packing large files does not hold
# the event loop.
@router.get("/courses/{course_id}/export")
def export_course(course_id: str, request: Request) -> Response:
    # The archive may be large: written to a temporary file, deleted once sent.
    handle, path = tempfile.mkstemp(prefix="course-export-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as out, db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                raise NotSignedIn("Please sign in to continue.")
            if not course_id.isdigit() or len(course_id) > 12:
                raise NotFound("That course does not exist.")
            file_name = course_archive.export_course(session, actor, int(course_id), out)
    except DomainError as exc:
        os.unlink(path)
        response = error_response(exc)
        response.headers["Cache-Control"] = "no-store"
        return response
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path, media_type="application/zip", filename=file_name, background=BackgroundTask(os.unlink, path),
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )
