"""Two-factor sign-in over HTTP: enrol through the routes, then sign in with password, ticket and
a code computed here with pyotp; the session cookie is set only after the code."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import LoginSession, utcnow
from lms_app.services import auth, two_factor
from lms_app.services.seed import DEMO_PASSWORD
from tests.api.http import refused, signed_in

LEO = "leo@example.com"


@pytest.fixture(autouse=True)
def _no_slow_down(monkeypatch):
    monkeypatch.setattr(settings, "LOGIN_SLOW_AFTER", 1000)
    monkeypatch.setattr(settings, "LOGIN_WINDOW_MINUTES", 15)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ACCOUNT_AFTER", 5)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 20)
    monkeypatch.setattr(settings, "TRUSTED_PROXY_HOPS", 0)


class Steps:
    """Moves the service's clock one TOTP step at a time, so every code used is fresh."""

    def __init__(self, monkeypatch):
        self.offset = timedelta()
        monkeypatch.setattr(two_factor, "utcnow", lambda: utcnow() + self.offset)

    def code(self, secret: str) -> str:
        self.offset += timedelta(seconds=30)
        return pyotp.TOTP(secret).at(utcnow() + self.offset)


@pytest.fixture
def steps(monkeypatch):
    return Steps(monkeypatch)


def _cookie_from(response, name: str) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            assert "HttpOnly" in header
            return header.split(";")[0].split("=", 1)[1]
    return None


def _enrol(client: TestClient, steps: Steps) -> tuple[str, list[str]]:
    """Enrols Leo through the API; returns the secret and the recovery codes."""
    signed_in(client, LEO)
    start = client.post("/auth/2fa/enrol/start")
    assert start.status_code == 200, start.text
    assert start.json()["qr_svg"].startswith("data:image/svg+xml")
    secret = start.json()["secret"]
    confirmed = client.post("/auth/2fa/enrol/confirm", json={"code": steps.code(secret)})
    assert confirmed.status_code == 200, confirmed.text
    assert client.get("/auth/2fa/status").json() == {"enabled": True, "must_enrol": False, "recovery_codes_left": 10}
    client.cookies.clear()
    return secret, confirmed.json()["recovery_codes"]


def _password(client: TestClient):
    return client.post("/auth/login", json={"email": LEO, "password": DEMO_PASSWORD})


def test_sign_in_end_to_end_password_then_ticket_then_code_then_cookie(client, engine, steps):
    secret, _ = _enrol(client, steps)
    with Session(engine) as s:
        sessions_before = len(s.exec(select(LoginSession)).all())
    first = _password(client)
    assert first.status_code == 200, first.text
    assert first.json()["two_factor"] is True and first.json()["ticket"]
    assert _cookie_from(first, settings.COOKIE_NAME) is None
    with Session(engine) as s:
        assert len(s.exec(select(LoginSession)).all()) == sessions_before
    second = client.post("/auth/2fa/verify", json={"ticket": first.json()["ticket"], "code": steps.code(secret), "next": "/courses"})
    assert second.status_code == 200, second.text
    assert second.json()["redirect"] == "/courses"
    token = _cookie_from(second, settings.COOKIE_NAME)
    with Session(engine) as s:
        assert auth.resolve(s, token).email == LEO
    assert _cookie_from(second, two_factor.REMEMBER_COOKIE_NAME) is None


def test_wrong_and_reused_codes_are_refused_with_a_reason(client, steps):
    secret, _ = _enrol(client, steps)
    ticket = _password(client).json()["ticket"]
    code = steps.code(secret)
    refused(client.post("/auth/2fa/verify", json={"ticket": ticket, "code": "12345x"}), 400, "not right")
    assert client.post("/auth/2fa/verify", json={"ticket": ticket, "code": code}).status_code == 200
    client.cookies.clear()
    again = client.post("/auth/2fa/verify", json={"ticket": ticket, "code": code})
    refused(again, 400, "not right")
    assert _cookie_from(again, settings.COOKIE_NAME) is None
    refused(client.post("/auth/2fa/verify", json={"ticket": "forged.ticket", "code": steps.code(secret)}), 400, "took too long")


def test_a_recovery_code_signs_in_once(client, steps):
    _, codes = _enrol(client, steps)
    ticket = _password(client).json()["ticket"]
    used = client.post("/auth/2fa/verify", json={"ticket": ticket, "code": codes[0]})
    assert used.status_code == 200 and used.json()["recovery_code_used"] is True
    client.cookies.clear()
    refused(client.post("/auth/2fa/verify", json={"ticket": ticket, "code": codes[0]}), 400, "not right")


def test_remember_this_device_skips_the_code_step(client, steps):
    secret, _ = _enrol(client, steps)
    ticket = _password(client).json()["ticket"]
    answer = client.post("/auth/2fa/verify", json={"ticket": ticket, "code": steps.code(secret), "remember_device": True})
    device = _cookie_from(answer, two_factor.REMEMBER_COOKIE_NAME)
    assert device
    client.cookies.clear()
    client.cookies.set(two_factor.REMEMBER_COOKIE_NAME, device)
    remembered = _password(client)
    assert "two_factor" not in remembered.json() and _cookie_from(remembered, settings.COOKIE_NAME)
    client.cookies.clear()
    assert _password(client).json()["two_factor"] is True


def test_wrong_codes_lock_the_code_step(client, steps):
    secret, _ = _enrol(client, steps)
    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER):
        ticket = _password(client).json()["ticket"]
        refused(client.post("/auth/2fa/verify", json={"ticket": ticket, "code": "000000"}), 400, "not right")
    ticket = _password(client).json()["ticket"]
    locked = client.post("/auth/2fa/verify", json={"ticket": ticket, "code": steps.code(secret)})
    refused(locked, 429, "locked")
    assert _cookie_from(locked, settings.COOKIE_NAME) is None


def test_disable_and_regenerate_need_a_code_and_a_sign_in(client, steps):
    refused(client.post("/auth/2fa/enrol/start"), 401, "Sign in")
    secret, codes = _enrol(client, steps)
    signed_in(client, LEO)
    refused(client.post("/auth/2fa/recovery-codes", json={"code": "000000"}), 400, "not right")
    fresh = client.post("/auth/2fa/recovery-codes", json={"code": steps.code(secret)})
    assert fresh.status_code == 200 and len(fresh.json()["recovery_codes"]) == 10
    refused(client.post("/auth/2fa/disable", json={"code": codes[0]}), 400, "not right")  # replaced
    assert client.post("/auth/2fa/disable", json={"code": steps.code(secret)}).status_code == 200
    assert client.get("/auth/2fa/status").json()["enabled"] is False
    client.cookies.clear()
    plain = _password(client)
    assert "two_factor" not in plain.json() and _cookie_from(plain, settings.COOKIE_NAME)
