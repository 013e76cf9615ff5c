"""Sign-in routes: the only place that sets or clears the HttpOnly login-session cookie."""

from __future__ import annotations

import asyncio
import json
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from lms_app import db, settings
from lms_app.api.common import client_ip, error_response, safe_next
from lms_app.models import utcnow
from lms_app.services import auth, two_factor
from lms_app.services.errors import DomainError, Invalid
from lms_app.services.permissions import landing_page

router = APIRouter(prefix="/auth")


class LoginBody(BaseModel):
    email: str = ""
    password: str = ""
    next: str | None = None


class RegisterBody(BaseModel):
    email: str = ""
    name: str = ""
    password: str = ""
    password2: str = ""


class TokenPasswordBody(BaseModel):
    token: str = ""
    password: str = ""
    password2: str = ""


class EmailBody(BaseModel):
    email: str = ""


Body = TypeVar("Body", bound=BaseModel)


async def _body(request: Request, model: type[Body]) -> Body:
    """The JSON body as `model`. Read here rather than by FastAPI, whose 422 lists pydantic
    errors instead of a reason and echoes the input back (passwords included)."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:  # also undecodable bytes
        raise Invalid("The request body must be JSON.") from None
    if not isinstance(data, dict):
        raise Invalid("The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({str(err["loc"][0]) for err in exc.errors() if err.get("loc")})
        raise Invalid(f"These fields must be text: {', '.join(fields)}.") from None


def _with_cookie(payload: dict[str, Any], login: auth.LoginResult) -> JSONResponse:
    response = JSONResponse(payload)
    # The cookie lasts as long as the login session may (the lifetime set in Settings).
    max_age = max(0, round((login.expires_at - utcnow()).total_seconds()))
    response.set_cookie(
        settings.COOKIE_NAME, login.token, max_age=max_age,
        httponly=True, samesite="lax", secure=settings.COOKIE_SECURE, path="/",
    )
    return response


def _same_passwords(body) -> None:
    if body.password != body.password2:
        raise Invalid("The two passwords are not the same.")


@router.post("/login")
async def login(request: Request) -> JSONResponse:
    try:
        body = await _body(request, LoginBody)
    except DomainError as exc:
        return error_response(exc)
    ip = client_ip(request)
    if not body.email.strip() or not body.password:
        return error_response(Invalid("Enter your email and password."))
    with db.session_scope() as session:
        delay = auth.throttle_state(session, body.email, ip).delay_seconds
    if delay:
        await asyncio.sleep(delay)
    error: DomainError | None = None
    with db.session_scope() as session:
        try:
            step = two_factor.password_step(session, body.email, body.password, ip=ip, user_agent=request.headers.get("user-agent", ""),
                                            device_token=request.cookies.get(two_factor.REMEMBER_COOKIE_NAME))
        except DomainError as exc:
            error = exc  # the failed attempt and its audit row are committed all the same
    if error is not None:
        return error_response(error)
    if step.ticket is not None:
        # Two-factor sign-in: no session yet; the page asks for the code (POST /auth/2fa/verify).
        return JSONResponse({"two_factor": True, "ticket": step.ticket})
    landing = two_factor.SETUP_PAGE if step.needs_setup else (safe_next(body.next) or landing_page(step.login.actor))
    return _with_cookie({"redirect": landing}, step.login)


@router.post("/logout")
async def logout(request: Request) -> JSONResponse:
    with db.session_scope() as session:
        auth.logout(session, request.cookies.get(settings.COOKIE_NAME), client_ip(request))
        # Signing out while signed in as someone signs the waiting admin out too.
        auth.logout(session, request.cookies.get(settings.ADMIN_COOKIE_NAME), client_ip(request))
    response = JSONResponse({"redirect": "/login"})
    for name in (settings.COOKIE_NAME, settings.ADMIN_COOKIE_NAME):
        response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=settings.COOKIE_SECURE)
    return response


@router.post("/register")
async def register(request: Request) -> JSONResponse:
    try:
        body = await _body(request, RegisterBody)
        _same_passwords(body)
        with db.session_scope() as session:
            user = auth.register(session, body.email, body.name, body.password, ip=client_ip(request))
            pending = user.pending_approval
    except DomainError as exc:
        return error_response(exc)
    if pending:
        return JSONResponse({"message": "Thank you! An administrator will approve your account; you can sign in once they have."})
    return JSONResponse({"message": "Your account is ready. Sign in to start.", "redirect": "/login?registered=1"})


@router.post("/invite/accept")
async def accept_invitation(request: Request) -> JSONResponse:
    try:
        body = await _body(request, TokenPasswordBody)
        _same_passwords(body)
        with db.session_scope() as session:
            result = auth.accept_invitation(session, body.token, body.password, ip=client_ip(request), user_agent=request.headers.get("user-agent", ""))
    except DomainError as exc:
        return error_response(exc)
    return _with_cookie({"redirect": landing_page(result.actor)}, result)


@router.post("/reset/request")
async def request_reset(request: Request) -> JSONResponse:
    try:
        body = await _body(request, EmailBody)
    except DomainError as exc:
        return error_response(exc)
    if "@" not in body.email:
        return error_response(Invalid("Enter the email address of your account."))
    with db.session_scope() as session:
        auth.request_password_reset(session, body.email, ip=client_ip(request))
    return JSONResponse({"message": "If an account exists for that address, we have sent it a link to choose a new password."})


@router.post("/reset/confirm")
async def confirm_reset(request: Request) -> JSONResponse:
    try:
        body = await _body(request, TokenPasswordBody)
        _same_passwords(body)
        with db.session_scope() as session:
            auth.reset_password(session, body.token, body.password, ip=client_ip(request))
    except DomainError as exc:
        return error_response(exc)
    return JSONResponse({"message": "Your password is changed. Sign in with it now.", "redirect": "/login?reset=1"})
