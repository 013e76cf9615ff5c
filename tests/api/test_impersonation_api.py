"""Sign in as over HTTP: the cookies swapped and swapped back, and a reason for every refusal."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.models import LoginSession, User, utcnow
from lms_app.services import auth
from lms_app.services.seed import DEMO_PASSWORD
from tests.api.http import refused, signed_in

ADMIN, LEO = "admin@example.com", "leo@example.com"


def _uid(engine, email: str) -> int:
    with Session(engine) as s:
        return s.exec(select(User.id).where(User.email == email)).one()


def _set_cookies(response) -> dict[str, str]:
    """name -> the whole Set-Cookie header, for each cookie the response sets or clears."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def _value(header: str) -> str:
    return header.split(";")[0].split("=", 1)[1].strip('"')


def _sign_in_as(client: TestClient, engine, email: str = LEO):
    return client.post(f"/auth/impersonate/{_uid(engine, email)}")


def test_sign_in_as_swaps_the_cookie_and_return_swaps_it_back(client, engine):
    signed_in(client, ADMIN)
    admin_token = client.cookies.get(settings.COOKIE_NAME)

    response = _sign_in_as(client, engine)
    assert response.status_code == 200, response.text
    assert response.json() == {"redirect": "/learn"}, "the learner's own start page"
    cookies = _set_cookies(response)
    for name in (settings.COOKIE_NAME, settings.ADMIN_COOKIE_NAME):
        assert "httponly" in cookies[name].lower() and "samesite=lax" in cookies[name].lower() and "path=/" in cookies[name].lower()
    token = _value(cookies[settings.COOKIE_NAME])
    assert _value(cookies[settings.ADMIN_COOKIE_NAME]) == admin_token
    with Session(engine) as s:
        leo = auth.resolve(s, token)
        assert leo.email == LEO and leo.impersonator_id == _uid(engine, ADMIN)

    # While signed in as Leo: his archive is his own, and no second "Sign in as".
    refused(client.get("/privacy/export"), 403, "return to your own account")
    refused(_sign_in_as(client, engine, "amara@example.com"), 403, "return to your own account")

    response = client.post("/auth/impersonate/stop")
    assert response.status_code == 200, response.text
    assert response.json() == {"redirect": f"/admin/users/{_uid(engine, LEO)}"}
    cookies = _set_cookies(response)
    assert _value(cookies[settings.COOKIE_NAME]) == admin_token
    assert "max-age=0" in cookies[settings.ADMIN_COOKIE_NAME].lower(), "the spare cookie is cleared"
    with Session(engine) as s:
        assert auth.resolve(s, token) is None, "Leo's account is left"
        assert auth.resolve(s, admin_token).email == ADMIN, "back as the admin, no password asked"

    refused(client.post("/auth/impersonate/stop"), 409, "not signed in as someone else")


def test_refusals_have_reasons(client, engine):
    refused(_sign_in_as(client, engine), 401, "sign in")
    signed_in(client, LEO)
    refused(_sign_in_as(client, engine, "amara@example.com"), 403, "permission")
    client.cookies.clear()
    signed_in(client, ADMIN)
    refused(_sign_in_as(client, engine, ADMIN), 400, "yourself")
    refused(client.post("/auth/impersonate/999999"), 404, "does not exist")
    refused(client.post("/auth/impersonate/leo"), 404, "does not exist")
    with Session(engine) as s:
        assert s.exec(select(LoginSession).where(LoginSession.impersonator_id.is_not(None))).first() is None


def test_return_after_it_expired_still_brings_the_admin_back(client, engine):
    signed_in(client, ADMIN)
    admin_token = client.cookies.get(settings.COOKIE_NAME)
    token = _value(_set_cookies(_sign_in_as(client, engine))[settings.COOKIE_NAME])
    with db.session_scope() as s:
        row = s.exec(select(LoginSession).where(LoginSession.token_hash == auth.token_hash(token))).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
    response = client.post("/auth/impersonate/stop")
    assert response.status_code == 200 and response.json()["redirect"].startswith("/admin/users/")
    assert _value(_set_cookies(response)[settings.COOKIE_NAME]) == admin_token


def test_a_spare_cookie_of_someone_else_gives_nothing_back(client, engine):
    """Only the admin who started it is restored; any other token in the spare cookie is dropped."""
    signed_in(client, ADMIN)
    token = _value(_set_cookies(_sign_in_as(client, engine))[settings.COOKIE_NAME])
    with db.session_scope() as s:
        other = auth.login(s, "maya@example.com", DEMO_PASSWORD).token
    client.cookies.clear()
    client.cookies.set(settings.COOKIE_NAME, token)
    client.cookies.set(settings.ADMIN_COOKIE_NAME, other)
    response = client.post("/auth/impersonate/stop")
    assert response.status_code == 200 and response.json() == {"redirect": "/login"}
    cookies = _set_cookies(response)
    assert all("max-age=0" in cookies[name].lower() for name in (settings.COOKIE_NAME, settings.ADMIN_COOKIE_NAME)), cookies


def test_signing_out_while_signed_in_as_someone_signs_the_admin_out_too(client, engine):
    signed_in(client, ADMIN)
    admin_token = client.cookies.get(settings.COOKIE_NAME)
    token = _value(_set_cookies(_sign_in_as(client, engine))[settings.COOKIE_NAME])
    response = client.post("/auth/logout")
    assert response.status_code == 200
    cookies = _set_cookies(response)
    assert all("max-age=0" in cookies[name].lower() for name in (settings.COOKIE_NAME, settings.ADMIN_COOKIE_NAME)), cookies
    with Session(engine) as s:
        assert auth.resolve(s, token) is None and auth.resolve(s, admin_token) is None
