"""Two-factor sign-in routes: enrolment for the signed-in user, and the code step of sign-in.

For an account with two-factor sign-in on, POST /auth/login sets no cookie and answers
{"two_factor": true, "ticket": ...}; the browser then posts the code and the ticket to
/auth/2fa/verify, which sets the login-session cookie.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lms_app import db, settings
from lms_app.api.auth import _body, _with_cookie
from lms_app.api.common import client_ip, error_response, request_actor, safe_next
from lms_app.services import two_factor
from lms_app.services.errors import DomainError, NotSignedIn
from lms_app.services.permissions import landing_page

router = APIRouter(prefix="/auth/2fa")


class CodeBody(BaseModel):
    code: str = ""


class VerifyBody(BaseModel):
    ticket: str = ""
    code: str = ""
    remember_device: bool = False
    next: str | None = None


def _actor(session, request: Request):
    actor = request_actor(session, request)
    if actor is None:
        raise NotSignedIn("Sign in first.")
    return actor


def _remember_cookie(response: JSONResponse, device_token: str) -> None:
    response.set_cookie(
        two_factor.REMEMBER_COOKIE_NAME, device_token, max_age=two_factor.REMEMBER_DEVICE_DAYS * 86400,
        httponly=True, samesite="lax", secure=settings.COOKIE_SECURE, path="/auth",
    )


@router.post("/verify")
async def verify(request: Request) -> JSONResponse:
    """The code step: a TOTP or recovery code with the password step's ticket."""
    try:
        body = await _body(request, VerifyBody)
    except DomainError as exc:
        return error_response(exc)
    ip = client_ip(request)
    with db.session_scope() as session:
        delay = two_factor.code_throttle_delay(session, body.ticket, ip)
    if delay:
        await asyncio.sleep(delay)
    error: DomainError | None = None
    with db.session_scope() as session:
        try:
            step = two_factor.verify_code(session, body.ticket, body.code, remember_device=body.remember_device,
                                          ip=ip, user_agent=request.headers.get("user-agent", ""))
        except DomainError as exc:
            error = exc  # the failed attempt and its audit row are committed all the same
    if error is not None:
        return error_response(error)
    payload: dict[str, Any] = {"redirect": safe_next(body.next) or landing_page(step.login.actor)}
    if step.used_recovery_code:
        payload["recovery_code_used"] = True
    response = _with_cookie(payload, step.login)
    if step.device_token:
        _remember_cookie(response, step.device_token)
    return response


@router.get("/status")
async def status(request: Request) -> JSONResponse:
    try:
        with db.session_scope() as session:
            actor = _actor(session, request)
            answer = {
                "enabled": two_factor.is_enabled(session, actor.user_id),
                "must_enrol": two_factor.must_enrol(session, actor),
                "recovery_codes_left": two_factor.recovery_codes_left(session, actor.user_id),
            }
    except DomainError as exc:
        return error_response(exc)
    return JSONResponse(answer)


@router.post("/enrol/start")
async def enrol_start(request: Request) -> JSONResponse:
    try:
        with db.session_scope() as session:
            start = two_factor.start_enrolment(session, _actor(session, request))
    except DomainError as exc:
        return error_response(exc)
    return JSONResponse({"secret": start.secret, "otpauth_uri": start.otpauth_uri, "qr_svg": start.qr_svg_data_uri})


@router.post("/enrol/confirm")
async def enrol_confirm(request: Request) -> JSONResponse:
    try:
        body = await _body(request, CodeBody)
        with db.session_scope() as session:
            codes = two_factor.confirm_enrolment(session, _actor(session, request), body.code)
    except DomainError as exc:
        return error_response(exc)
    return JSONResponse({"recovery_codes": codes})


@router.post("/disable")
async def disable(request: Request) -> JSONResponse:
    try:
        body = await _body(request, CodeBody)
        with db.session_scope() as session:
            two_factor.disable(session, _actor(session, request), body.code)
    except DomainError as exc:
        return error_response(exc)
    response = JSONResponse({"message": "Two-factor sign-in is off."})
    response.delete_cookie(two_factor.REMEMBER_COOKIE_NAME, path="/auth", httponly=True, samesite="lax", secure=settings.COOKIE_SECURE)
    return response


@router.post("/recovery-codes")
async def regenerate_recovery_codes(request: Request) -> JSONResponse:
    try:
        body = await _body(request, CodeBody)
        with db.session_scope() as session:
            codes = two_factor.regenerate_recovery_codes(session, _actor(session, request), body.code)
    except DomainError as exc:
        return error_response(exc)
    return JSONResponse({"recovery_codes": codes})
