"""Sign in as: the routes that swap the HttpOnly sign-in cookie for a user's and back.

While an admin is signed in as someone, their own token waits in a second HttpOnly cookie
(settings.ADMIN_COOKIE_NAME), so "Return to my account" needs no password.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lms_app import db, settings
from lms_app.api.common import client_ip, error_response, request_actor
from lms_app.services import auth, impersonation
from lms_app.services.errors import Conflict, DomainError, NotSignedIn
from lms_app.services.permissions import landing_page

router = APIRouter(prefix="/auth/impersonate")

def _set(response: JSONResponse, name: str, token: str, minutes: int) -> None:
    response.set_cookie(name, token, max_age=minutes * 60, httponly=True, samesite="lax", secure=settings.COOKIE_SECURE, path="/")


def _clear(response: JSONResponse, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=settings.COOKIE_SECURE)


# Declared before "/{user_id}", which would otherwise claim "stop".
@router.post("/stop")
async def stop(request: Request) -> JSONResponse:
    """Back to the admin's own account (or to the sign-in page when it has ended meanwhile)."""
    admin_token = request.cookies.get(settings.ADMIN_COOKIE_NAME)
    with db.session_scope() as session:
        ended = impersonation.stop(session, request.cookies.get(settings.COOKIE_NAME), ip=client_ip(request))
        admin = auth.resolve(session, admin_token, client_ip(request)) if ended is not None else None
        # Only the admin who started it gets their session back, from this browser's own cookie.
        back = admin is not None and admin.user_id == ended.impersonator_id and admin.impersonator_id is None
        user_id = ended.user_id if ended is not None else None
    if ended is None:
        response = error_response(Conflict("You are not signed in as someone else."))
        if admin_token:
            _clear(response, settings.ADMIN_COOKIE_NAME)
        return response
    if back:
        response = JSONResponse({"redirect": f"/admin/users/{user_id}"})
        _set(response, settings.COOKIE_NAME, admin_token, settings.SESSION_ABSOLUTE_MINUTES)
    else:
        response = JSONResponse({"redirect": "/login"})
        _clear(response, settings.COOKIE_NAME)
    _clear(response, settings.ADMIN_COOKIE_NAME)
    return response


@router.post("/{user_id}")
async def start(request: Request, user_id: str) -> JSONResponse:
    """Sign in as the user: their token in the sign-in cookie, the admin's kept aside."""
    admin_token = request.cookies.get(settings.COOKIE_NAME)
    try:
        with db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                raise NotSignedIn("Please sign in to continue.")
            token = impersonation.start(session, actor, int(user_id) if user_id.isdigit() else 0, admin_token=admin_token, ip=client_ip(request),
                                        user_agent=request.headers.get("user-agent", ""))
            landing = landing_page(auth.resolve(session, token, client_ip(request)))
    except DomainError as exc:
        return error_response(exc)
    response = JSONResponse({"redirect": landing})
    _set(response, settings.COOKIE_NAME, token, impersonation.SESSION_MINUTES)
    _set(response, settings.ADMIN_COOKIE_NAME, admin_token, settings.SESSION_ABSOLUTE_MINUTES)
    return response
