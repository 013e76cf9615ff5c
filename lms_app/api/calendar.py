"""Calendar files of live sessions: GET /calendar/lessons/<id>.ics, for whoever may open the
lesson (the sign-in cookie decides who is asking; the live-sessions service whether they may)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lms_app import db
from lms_app.api.common import error_response, request_actor
from lms_app.services import live_sessions
from lms_app.services.errors import DomainError, NotFound, NotSignedIn

router = APIRouter(prefix="/calendar")

_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}


@router.get("/lessons/{session_lesson_id}.ics")
async def session_calendar(session_lesson_id: str, request: Request) -> Response:
    try:
        with db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                raise NotSignedIn("Please sign in to continue.")
            if not session_lesson_id.isdigit() or len(session_lesson_id) > 12:
                raise NotFound("That lesson does not exist.")
            found = live_sessions.calendar_file(session, actor, int(session_lesson_id))
    except DomainError as exc:
        response = error_response(exc)
        response.headers.update(_HEADERS)
        return response
    return Response(found.text, media_type="text/calendar; charset=utf-8",
                    headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{found.filename}"'})
