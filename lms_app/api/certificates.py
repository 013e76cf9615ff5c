"""Certificate PDFs over HTTP: GET /certificates/<id>.pdf for the learner, their manager and
certificate administrators (the certificates service decides who may)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lms_app import db
from lms_app.api.common import error_response, request_actor
from lms_app.services import certificates
from lms_app.services.errors import DomainError, NotFound, NotSignedIn

router = APIRouter(prefix="/certificates")

_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}


def _disposition(file_name: str) -> str:
    # An ASCII name for old clients, the exact one (accents and all) for the rest (RFC 6266).
    ascii_name = file_name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


@router.get("/{certificate_id}.pdf")
async def certificate_pdf(certificate_id: str, request: Request) -> Response:
    try:
        with db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                raise NotSignedIn("Please sign in to continue.")
            if not certificate_id.isdigit() or len(certificate_id) > 12:
                raise NotFound("That certificate does not exist.")
            data, file_name = certificates.download(session, actor, int(certificate_id))
    except DomainError as exc:
        response = error_response(exc)
        response.headers.update(_HEADERS)
        return response
    return Response(data, media_type="application/pdf", headers={**_HEADERS, "Content-Disposition": _disposition(file_name)})
