"""What every API route shares: the client's address, the signed-in actor, error replies."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from lms_app import settings
from lms_app.services import auth
from lms_app.services.errors import DomainError
from lms_app.services.permissions import Actor


def client_ip(request: Request) -> str:
    """The real client address: X-Forwarded-For is trusted only as far as the configured hops."""
    peer = request.client.host if request.client else ""
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [p.strip() for p in request.headers.get("x-forwarded-for", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return peer


def request_actor(session: Session, request: Request) -> Actor | None:
    return auth.resolve(session, request.cookies.get(settings.COOKIE_NAME), client_ip(request))


def error_response(exc: DomainError) -> JSONResponse:
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code)


def safe_next(value: str | None) -> str | None:
    """`value` when it is a path on this site, else None (no open redirect).

    Browsers drop tabs and newlines inside a URL (a slash, a tab, then "/evil.com" becomes
    "//evil.com") and read a backslash as a slash, so none of them may appear."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    return value
