"""The sign-in routes over HTTP: cookies, redirects, throttling, reasons for every refusal."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import AuditEvent, LoginAttempt, LoginSession, Organization, OutgoingEmail, Role, User, UserRole, utcnow
from lms_app.services import auth
from lms_app.services.seed import DEMO_PASSWORD

NEW_PASSWORD = "Otter-lantern-cobble-91"
LEO = "leo@example.com"


@pytest.fixture(autouse=True)
def _no_slow_down(monkeypatch):
    """The slow-down really sleeps; only the test about it keeps it."""
    monkeypatch.setattr(settings, "LOGIN_SLOW_AFTER", 1000)
    monkeypatch.setattr(settings, "LOGIN_WINDOW_MINUTES", 15)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ACCOUNT_AFTER", 5)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 20)
    monkeypatch.setattr(settings, "TRUSTED_PROXY_HOPS", 0)


def _login(client: TestClient, email: str = LEO, password: str = DEMO_PASSWORD, **extra):
    return client.post("/auth/login", json={"email": email, "password": password, **extra})


def _set_cookie(response) -> str:
    cookies = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{settings.COOKIE_NAME}=")]
    assert len(cookies) == 1, response.headers.get_list("set-cookie")
    return cookies[0]


def _cookie_value(response) -> str:
    return _set_cookie(response).split(";")[0].split("=", 1)[1]


def _resolve(engine, token: str):
    with Session(engine) as s:
        return auth.resolve(s, token)


def _audit(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def _assert_refused(response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str), body
    assert reason in body["detail"], body
    assert "Traceback" not in response.text
    assert "set-cookie" not in response.headers


# --- sign-in -------------------------------------------------------------------------------

@pytest.mark.parametrize("email, landing", [
    ("admin@example.com", "/admin"),
    ("maya@example.com", "/teams"),
    ("irene@example.com", "/teach"),
    ("leo@example.com", "/learn"),
])
def test_login_sets_an_httponly_cookie_and_lands_by_role(client, engine, email, landing):
    response = _login(client, email)
    assert response.status_code == 200, response.text
    assert response.json() == {"redirect": landing}
    cookie = _set_cookie(response)
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert attributes["path"] == "Path=/"
    assert attributes["max-age"] == f"Max-Age={settings.SESSION_ABSOLUTE_MINUTES * 60}"
    assert "secure" not in attributes  # served over http here; Secure comes with an https LMS_PUBLIC_URL
    token = _cookie_value(response)
    assert _resolve(engine, token).email == email
    with Session(engine) as s:
        assert s.exec(select(LoginSession)).one().token_hash == auth.token_hash(token)
    assert token not in response.text  # only in the cookie, never in the JSON a script reads


def test_login_remembers_the_browser(client, engine):
    response = client.post("/auth/login", json={"email": LEO, "password": DEMO_PASSWORD},
                           headers={"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"})
    assert response.status_code == 200
    with Session(engine) as s:
        row = s.exec(select(LoginSession)).one()
    assert "Firefox" in row.user_agent and row.ip == "testclient"


@pytest.mark.parametrize("next_path", ["/learn/courses/12?tab=grades", "/profile", "/teach/courses/3#lesson-2"])
def test_next_is_honoured_for_paths_of_this_site(client, next_path):
    assert _login(client, next=next_path).json() == {"redirect": next_path}


@pytest.mark.parametrize("next_path", [
    "//evil.com", "///evil.com", "https://evil.com", "http://evil.com/learn", "/\\evil.com", "\\\\evil.com",
    "javascript:alert(1)", "evil.com", "", "/\t/evil.com", "/\n/evil.com", "/\r\n/evil.com", " //evil.com",
])
def test_next_elsewhere_falls_back_to_the_landing_page(client, next_path):
    response = _login(client, next=next_path)
    assert response.status_code == 200
    assert response.json() == {"redirect": "/learn"}


def test_wrong_password_and_unknown_email_get_the_same_400(client, engine):
    wrong = _login(client, password="not-the-password-1")
    unknown = _login(client, email="nobody@example.com", password="not-the-password-1")
    for response in (wrong, unknown):
        _assert_refused(response, 400, "Wrong email or password.")
        assert response.json() == {"detail": "Wrong email or password."}
    assert [e.after["reason"] for e in _audit(engine, "login.failed")] == ["wrong password", "unknown email"]


def test_deactivated_and_pending_accounts_are_told_why(client, engine):
    with Session(engine) as s:
        for email, field in (("leo@example.com", "is_active"), ("amara@example.com", "pending_approval")):
            user = s.exec(select(User).where(User.email == email)).one()
            setattr(user, field, field == "pending_approval")
            s.add(user)
        s.commit()
    _assert_refused(_login(client, LEO), 400, "deactivated")
    _assert_refused(_login(client, "amara@example.com"), 400, "approval")


def test_locked_account_gets_429_with_the_minutes_left(client, engine):
    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER):
        _assert_refused(_login(client, password="not-the-password-1"), 400, "Wrong email or password.")
    locked = _login(client)
    _assert_refused(locked, 429, "Sign-in is locked for 15 more minutes")
    assert len(_audit(engine, "login.locked")) == 1
    # The lock ends with the window.
    with Session(engine) as s:
        for attempt in s.exec(select(LoginAttempt)).all():
            attempt.at -= timedelta(minutes=16)
            s.add(attempt)
        s.commit()
    assert _login(client).status_code == 200


def test_failures_past_the_free_ones_are_answered_slowly(client, monkeypatch):
    monkeypatch.setattr(settings, "LOGIN_SLOW_AFTER", 1)
    _login(client, password="not-the-password-1")  # the free one
    started = time.monotonic()
    second = _login(client, password="not-the-password-1")
    waited = time.monotonic() - started
    _assert_refused(second, 400, "Wrong email or password.")
    assert waited >= 0.5  # the half-second slow-down was served before answering


@pytest.mark.parametrize("kwargs, reason", [
    ({}, "Enter your email and password."),
    ({"json": {}}, "Enter your email and password."),
    ({"json": {"email": LEO}}, "Enter your email and password."),
    ({"json": {"email": "   ", "password": DEMO_PASSWORD}}, "Enter your email and password."),
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "JSON"),
    ({"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}}, "JSON"),
    ({"json": ["leo@example.com", DEMO_PASSWORD]}, "JSON object"),
    ({"json": DEMO_PASSWORD}, "JSON object"),
    ({"json": {"email": ["leo@example.com"], "password": DEMO_PASSWORD}}, "email"),
    ({"json": {"email": LEO, "password": 12345678901}}, "password"),
    ({"content": b"email=leo%40example.com&password=x", "headers": {"content-type": "application/x-www-form-urlencoded"}}, "JSON"),
])
def test_bad_bodies_get_a_400_with_a_reason(client, kwargs, reason):
    response = client.post("/auth/login", **kwargs)
    _assert_refused(response, 400, reason)
    assert DEMO_PASSWORD not in response.text  # never echoed back


def test_an_overlong_email_is_a_wrong_login_not_a_crash(client, engine):
    _assert_refused(_login(client, "x" * 5000 + "@example.com"), 400, "Wrong email or password.")
    assert len(_audit(engine, "login.failed")) == 1


# --- sign-out ------------------------------------------------------------------------------

def test_logout_clears_the_cookie_and_revokes_the_session(client, engine):
    token = _cookie_value(_login(client))
    assert client.cookies.get(settings.COOKIE_NAME) == token
    response = client.post("/auth/logout")
    assert response.status_code == 200 and response.json() == {"redirect": "/login"}
    cleared = _set_cookie(response)
    assert cleared.startswith(f'{settings.COOKIE_NAME}=""') or cleared.startswith(f"{settings.COOKIE_NAME}=;")
    assert "Max-Age=0" in cleared and "HttpOnly" in cleared and "Path=/" in cleared
    assert client.cookies.get(settings.COOKIE_NAME) is None
    assert _resolve(engine, token) is None
    with Session(engine) as s:
        assert s.exec(select(LoginSession)).one().revoked_at is not None
    assert len(_audit(engine, "logout")) == 1


def test_logout_without_a_session_still_answers(client, engine):
    client.cookies.set(settings.COOKIE_NAME, "made-up")
    assert client.post("/auth/logout").status_code == 200
    assert _audit(engine, "logout") == []


# --- self-registration ---------------------------------------------------------------------

def _registration(engine, mode: str, domains: str = "") -> None:
    with Session(engine) as s:
        org = s.exec(select(Organization)).first()
        org.registration_mode, org.registration_domains = mode, domains
        s.add(org)
        s.commit()


def _register(client, email="newbie@example.com", name="New Bie", password=NEW_PASSWORD, password2=None):
    return client.post("/auth/register", json={"email": email, "name": name, "password": password,
                                                "password2": password if password2 is None else password2})


def test_register_when_closed_is_403_with_a_reason(client, engine):
    _registration(engine, "closed")
    _assert_refused(_register(client), 403, "Self-registration is closed")


def test_register_reasons(client, engine):
    _registration(engine, "domains", "example.com")
    _assert_refused(_register(client, email="someone@elsewhere.example"), 403, "example.com only")
    _assert_refused(_register(client, password2="Otter-lantern-cobble-92"), 400, "not the same")
    _assert_refused(_register(client, password="short"), 400, "at least 10 characters")
    _assert_refused(_register(client, email="LEO@example.com"), 400, "already exists")
    _assert_refused(_register(client, name="N" * 300), 400, "at most 200")
    _assert_refused(_register(client, email="x" * 400 + "@example.com"), 400, "too long")
    _assert_refused(client.post("/auth/register", content=b"nope"), 400, "JSON")


def test_registration_open_to_a_domain_lets_one_sign_in(client, engine):
    _registration(engine, "domains", "example.com")
    response = _register(client)
    assert response.status_code == 200
    assert response.json()["redirect"] == "/login?registered=1"
    assert "set-cookie" not in response.headers
    assert _login(client, "newbie@example.com", NEW_PASSWORD).json() == {"redirect": "/learn"}


def test_registration_awaiting_approval_says_so(client, engine):
    _registration(engine, "approval")
    response = _register(client, email="someone@anywhere.example")
    assert response.status_code == 200 and "approve" in response.json()["message"]
    assert "redirect" not in response.json()
    _assert_refused(_login(client, "someone@anywhere.example", NEW_PASSWORD), 400, "approval")


# --- invitations ---------------------------------------------------------------------------

def _invitation(engine, actor_of) -> str:
    with Session(engine) as s:
        org = s.exec(select(Organization)).first()
        user = User(org_id=org.id, email="nina@example.com", name="Nina Newcomer")
        s.add(user)
        s.flush()
        learner = s.exec(select(Role).where(Role.org_id == org.id, Role.name == "learner")).one()
        s.add(UserRole(user_id=user.id, role_id=learner.id))
        token = auth.create_invitation(s, actor_of("admin@example.com"), user)
        s.commit()
    return token


def test_accepting_an_invitation_signs_in(client, engine, actor_of):
    token = _invitation(engine, actor_of)
    accept = lambda password, password2=None, token=token: client.post(  # noqa: E731
        "/auth/invite/accept", json={"token": token, "password": password, "password2": password2 or password})
    _assert_refused(accept(NEW_PASSWORD, "something-else-entirely"), 400, "not the same")
    _assert_refused(accept("password123456"), 400, "too common")
    _assert_refused(accept(NEW_PASSWORD, token="made-up"), 400, "expired or was already used")
    response = accept(NEW_PASSWORD)
    assert response.status_code == 200 and response.json() == {"redirect": "/learn"}
    assert "HttpOnly" in _set_cookie(response)
    assert _resolve(engine, _cookie_value(response)).email == "nina@example.com"
    _assert_refused(accept(NEW_PASSWORD), 400, "expired or was already used")
    _assert_refused(client.post("/auth/invite/accept", json={}), 400, "expired or was already used")


# --- password resets -----------------------------------------------------------------------

def _outbox(engine) -> list[OutgoingEmail]:
    with Session(engine) as s:
        return list(s.exec(select(OutgoingEmail).order_by(OutgoingEmail.id)).all())


def test_reset_request_says_the_same_whether_the_account_exists(client, engine):
    _assert_refused(client.post("/auth/reset/request", json={"email": "no-at-sign"}), 400, "Enter the email address")
    _assert_refused(client.post("/auth/reset/request", json={}), 400, "Enter the email address")
    unknown = client.post("/auth/reset/request", json={"email": "nobody@example.com"})
    assert _outbox(engine) == []
    known = client.post("/auth/reset/request", json={"email": LEO})
    assert unknown.status_code == known.status_code == 200
    assert unknown.json() == known.json()
    assert [m.to_address for m in _outbox(engine)] == [LEO]
    # An absurd address is still just "no such account".
    assert client.post("/auth/reset/request", json={"email": "x" * 5000 + "@example.com"}).status_code == 200


def test_reset_confirm_changes_the_password_once_and_signs_out_everywhere(client, engine):
    old_cookie = _cookie_value(_login(client))
    client.post("/auth/reset/request", json={"email": LEO})
    link = next(line for line in _outbox(engine)[0].body_text.splitlines() if "/reset/" in line)
    token = link.rsplit("/", 1)[1]
    confirm = lambda password, password2=None: client.post(  # noqa: E731
        "/auth/reset/confirm", json={"token": token, "password": password, "password2": password2 or password})
    _assert_refused(confirm(NEW_PASSWORD, "Otter-lantern-cobble-92"), 400, "not the same")
    _assert_refused(confirm("leo"), 400, "at least")
    response = confirm(NEW_PASSWORD)
    assert response.status_code == 200 and response.json()["redirect"] == "/login?reset=1"
    assert "set-cookie" not in response.headers
    assert _resolve(engine, old_cookie) is None
    _assert_refused(confirm("Another-fine-password-7"), 400, "expired or was already used")
    _assert_refused(_login(client), 400, "Wrong email or password.")
    assert _login(client, password=NEW_PASSWORD).status_code == 200


# --- the client's address -----------------------------------------------------------------

def _last_failure_ip(engine) -> str:
    return _audit(engine, "login.failed")[-1].ip


@pytest.mark.parametrize("hops, forwarded, expected", [
    (0, "198.51.100.7", "testclient"),
    (0, None, "testclient"),
    (1, "198.51.100.7", "198.51.100.7"),
    (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
    (2, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
    (2, "6.6.6.6,198.51.100.7 , 203.0.113.9", "198.51.100.7"),
    (1, None, "testclient"),
    (2, "203.0.113.9", "testclient"),
])
def test_forwarded_for_counts_only_through_trusted_proxies(client, engine, monkeypatch, hops, forwarded, expected):
    monkeypatch.setattr(settings, "TRUSTED_PROXY_HOPS", hops)
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    client.post("/auth/login", json={"email": LEO, "password": "not-the-password-1"}, headers=headers)
    assert _last_failure_ip(engine) == expected
    with Session(engine) as s:
        assert s.exec(select(LoginAttempt)).one().ip == expected
    response = client.post("/auth/login", json={"email": LEO, "password": DEMO_PASSWORD}, headers=headers)
    assert _audit(engine, "login")[-1].ip == expected
    assert _resolve(engine, _cookie_value(response)).email == LEO


def test_a_forged_forwarded_for_does_not_dodge_the_address_lock(client, monkeypatch):
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 3)
    for i, email in enumerate(("maya@example.com", "irene@example.com", "isaac@example.com")):
        client.post("/auth/login", json={"email": email, "password": "not-the-password-1"},
                    headers={"x-forwarded-for": f"192.0.2.{i}"})
    response = client.post("/auth/login", json={"email": LEO, "password": DEMO_PASSWORD},
                           headers={"x-forwarded-for": "192.0.2.99"})
    _assert_refused(response, 429, "locked")


def test_behind_a_proxy_each_client_has_its_own_address_lock(client, monkeypatch):
    monkeypatch.setattr(settings, "TRUSTED_PROXY_HOPS", 1)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 3)
    for email in ("maya@example.com", "irene@example.com", "isaac@example.com"):
        client.post("/auth/login", json={"email": email, "password": "not-the-password-1"},
                    headers={"x-forwarded-for": "192.0.2.1"})
    _assert_refused(client.post("/auth/login", json={"email": LEO, "password": DEMO_PASSWORD},
                                headers={"x-forwarded-for": "192.0.2.1"}), 429, "locked")
    assert client.post("/auth/login", json={"email": LEO, "password": DEMO_PASSWORD},
                       headers={"x-forwarded-for": "192.0.2.2"}).status_code == 200


def test_session_ip_comes_from_the_trusted_proxy_header(client, engine, monkeypatch):
    monkeypatch.setattr(settings, "TRUSTED_PROXY_HOPS", 1)
    client.post("/auth/login", json={"email": LEO, "password": DEMO_PASSWORD}, headers={"x-forwarded-for": "198.51.100.7"})
    with Session(engine) as s:
        row = s.exec(select(LoginSession)).one()
    assert row.ip == "198.51.100.7"
    assert row.expires_at - utcnow() > timedelta(minutes=settings.SESSION_ABSOLUTE_MINUTES - 1)
