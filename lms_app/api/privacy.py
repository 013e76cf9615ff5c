"""The personal data archive over HTTP: GET /privacy/export answers the signed-in person's own
archive, GET /privacy/export/{user_id} anyone's to those who manage users (the privacy service
decides). The archive is built, audited and committed before a byte is sent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lms_app import db
from lms_app.api.common import error_response, request_actor
from lms_app.models import User, utcnow
from lms_app.services import privacy
from lms_app.services.errors import DomainError, NotFound, NotSignedIn
from lms_app.services.timefmt import zone

router = APIRouter(prefix="/privacy")

_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


def _archive(request: Request, raw_id: str | None) -> Response:
    try:
        with db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                raise NotSignedIn("Please sign in to download personal data.")
            if raw_id is not None and (not raw_id.isdigit() or len(raw_id) > 12):
                raise NotFound("That person does not exist.")
            user_id = actor.user_id if raw_id is None else int(raw_id)
            content = privacy.export_archive(session, actor, user_id)
            viewer = session.get(User, actor.user_id)
            person = session.get(User, user_id)
            file_name = privacy.archive_file_name(person.name, utcnow().astimezone(zone(viewer.timezone)).date())
    except DomainError as exc:
        response = error_response(exc)
        response.headers.update(_HEADERS)
        return response
    return Response(content, media_type="application/zip",
                    headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{file_name}"'})


# Plain functions: FastAPI runs them in a worker thread, so packing files does not hold the event loop.
@router.get("/export")
def export_own(request: Request) -> Response:
    return _archive(request, None)


@router.get("/export/{user_id}")
def export_person(user_id: str, request: Request) -> Response:
    return _archive(request, user_id)
