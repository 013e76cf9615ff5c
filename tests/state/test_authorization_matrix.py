"""The authorization matrix: every page route, every public state event handler and every API
route has a row saying who may use it; each is called as each role (and as an anonymous
visitor) on the demo data, and a denied call must change nothing in the database.

A new page, handler or route without a row here fails `test_every_entry_point_has_a_row`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import reflex as rx
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from lms_app import db, settings
from lms_app.api.app import build_api
from lms_app.models import User
from lms_app.page_registry import PAGES
from lms_app.services import auth
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.auth import AuthState
from tests.state.harness import Browser, redirect_target, toast_text

ANON, LEARNER, INSTRUCTOR, MANAGER, ADMIN = "anonymous", "learner", "instructor", "manager", "admin"
ROLES = [ANON, LEARNER, INSTRUCTOR, MANAGER, ADMIN]
SIGNED_IN = {LEARNER, INSTRUCTOR, MANAGER, ADMIN}
EVERYONE = set(ROLES)
LOGINS = {LEARNER: "leo@example.com", INSTRUCTOR: "irene@example.com", MANAGER: "maya@example.com", ADMIN: "admin@example.com"}
DENIED_MESSAGES = ("You do not have permission to do that.",)

# --- pages: route -> who may open it ---------------------------------------------------------
PAGE_ROWS: dict[str, set[str]] = {
    "/": SIGNED_IN,
    "/login": EVERYONE,
    "/register": EVERYONE,
    "/forgot": EVERYONE,
    "/reset/[token]": EVERYONE,
    "/invite/[token]": EVERYONE,
    "/learn": SIGNED_IN,
    "/teach": {INSTRUCTOR, ADMIN},
    "/teams": {MANAGER, ADMIN},
    "/admin": {ADMIN},
    "/profile": SIGNED_IN,
}


# --- state handlers: "State.handler" -> who may call it, and how to call it ----------------------
@dataclass
class HandlerRow:
    allowed: set[str]
    path: str = "/"
    args: Callable[[dict], tuple] = lambda ids: ()
    # UI-only handlers change nothing but the caller's own view: no data, no check needed.
    ui_only: bool = False


HANDLER_ROWS: dict[str, HandlerRow] = {
    # What enter_page allows depends on the page: test_pages covers each route.
    "AuthState.enter_page": HandlerRow(EVERYONE, "/login"),
    "AuthState.leave_if_signed_in": HandlerRow(EVERYONE, "/login"),
    "SignInPagesState.load_login": HandlerRow(EVERYONE, "/login"),
    "SignInPagesState.load_register": HandlerRow(EVERYONE, "/register"),
    "SignInPagesState.load_invitation": HandlerRow(EVERYONE, "/invite/not-a-token"),
    "LearnerHomeState.load": HandlerRow(SIGNED_IN, "/learn"),
    "TeamsState.load": HandlerRow({MANAGER, ADMIN}, "/teams"),
    "TeamsState.set_search": HandlerRow(EVERYONE, "/teams", lambda ids: ("leo",), ui_only=True),
    "AdminOverviewState.load": HandlerRow({ADMIN}, "/admin"),
    "ProfileState.load": HandlerRow(SIGNED_IN, "/profile"),
    "ProfileState.save": HandlerRow(SIGNED_IN, "/profile", lambda ids: ({"name": "Renamed Person", "timezone": "UTC", "locale": "en"},)),
    "ProfileState.pick_timezone": HandlerRow(EVERYONE, "/profile", lambda ids: ("UTC",), ui_only=True),
    "ProfileState.pick_locale": HandlerRow(EVERYONE, "/profile", lambda ids: ("en",), ui_only=True),
    "ProfileState.change_password": HandlerRow(SIGNED_IN, "/profile", lambda ids: ({"current_password": DEMO_PASSWORD, "new_password": "a-new-passphrase-2026", "new_password2": "a-new-passphrase-2026"},)),
    # Revoking the learner's own other session: allowed for the learner... and for admins.
    "ProfileState.revoke": HandlerRow({LEARNER, ADMIN}, "/profile", lambda ids: (str(ids["learner_session"]),)),
}

# --- API routes: (method, path) -> who may call it (public routes answer everyone) -----------------
API_ROWS: dict[tuple[str, str], set[str]] = {
    ("POST", "/auth/login"): EVERYONE,
    ("POST", "/auth/logout"): EVERYONE,
    ("POST", "/auth/register"): EVERYONE,
    ("POST", "/auth/invite/accept"): EVERYONE,
    ("POST", "/auth/reset/request"): EVERYONE,
    ("POST", "/auth/reset/confirm"): EVERYONE,
}


def _app_states() -> list[type[rx.State]]:
    found, stack = [], list(rx.State.get_substates())
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith("lms_app."):
            found.append(cls)
        stack.extend(cls.get_substates())
    return found


def _discovered_handlers() -> set[str]:
    return {f"{cls.__name__}.{name}" for cls in _app_states() for name in cls.event_handlers if name != "setvar"}


def _api_routes() -> set[tuple[str, str]]:
    # Every route is in the schema (none is declared with include_in_schema=False).
    return {(method.upper(), path) for path, ops in build_api().openapi()["paths"].items() for method in ops}


def test_every_entry_point_has_a_row():
    assert set(PAGES) == set(PAGE_ROWS), "pages without a row (or rows without a page)"
    assert _discovered_handlers() == set(HANDLER_ROWS), "state handlers without a row (or rows without a handler)"
    assert _api_routes() == set(API_ROWS), "API routes without a row (or rows without a route)"


def test_setvar_cannot_set_fields_without_an_explicit_setter():
    browser = Browser()
    with pytest.raises(AttributeError):
        AuthState.setvar.fn(browser.state(AuthState), "permissions", ["users.manage"])


# --- the database before and after ------------------------------------------------------------
def _snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(t.select()).all())) for t in SQLModel.metadata.sorted_tables if t.name != "loginsession"} | {
            "loginsession": sorted(map(repr, conn.execute(text("select id, revoked_at from loginsession")).all()))
        }


@pytest.fixture
def world(demo, engine):
    """Signed-in tokens per role, plus the ids the rows need."""
    tokens: dict[str, str | None] = {ANON: None}
    with db.session_scope() as s:
        for role, email in LOGINS.items():
            tokens[role] = auth.login(s, email, DEMO_PASSWORD, ip="198.51.100.1").token
        leo = s.exec(select(User).where(User.email == LOGINS[LEARNER])).one()
        second = auth.open_session(s, leo, ip="198.51.100.9", user_agent="Firefox on Linux")
    with Session(engine) as s:
        from lms_app.models import LoginSession

        second_id = s.exec(select(LoginSession.id).where(LoginSession.token_hash == auth.token_hash(second))).one()
    return {"tokens": tokens, "ids": {"learner_session": second_id, "learner": leo.id}}


def _concrete(route: str) -> str:
    return re.sub(r"\[[^\]]+\]", "x", route)


def _outcome_of_page(result, browser) -> str:
    if browser.state(AuthState).page_status == "denied":
        return "denied"
    target = redirect_target(result)
    if target is not None and target.startswith("/login"):
        return "denied"
    return "allowed"


@pytest.mark.parametrize("route", sorted(PAGE_ROWS))
def test_pages(route, world, engine):
    for role in ROLES:
        browser = Browser(world["tokens"][role], _concrete(route))
        result = browser.call(AuthState, "enter_page")
        expected = "allowed" if role in PAGE_ROWS[route] else "denied"
        assert _outcome_of_page(result, browser) == expected, f"{role} on {route}"


def _outcome_of_handler(result) -> str:
    target = redirect_target(result)
    if target is not None and target.startswith("/login"):
        return "denied"
    if toast_text(result) in DENIED_MESSAGES:
        return "denied"
    return "allowed"


@pytest.mark.parametrize("name", sorted(HANDLER_ROWS))
def test_state_handlers(name, world, engine):
    row = HANDLER_ROWS[name]
    state_name, handler = name.split(".")
    cls = next(c for c in _app_states() if c.__name__ == state_name)
    # Least powerful first, so an allowed change by one role does not hide another's denial.
    for role in ROLES:
        before = _snapshot(engine)
        browser = Browser(world["tokens"][role], row.path)
        result = browser.call(cls, handler, *row.args(world["ids"]))
        outcome = _outcome_of_handler(result)
        expected = "allowed" if role in row.allowed else "denied"
        assert outcome == expected, f"{role} calling {name}: {outcome}"
        if outcome == "denied" or row.ui_only:
            assert _snapshot(engine) == before, f"{role} calling {name} changed the database"


@pytest.mark.parametrize("method,path", sorted(API_ROWS))
def test_api_routes(method, path, world, engine):
    client = TestClient(build_api())
    allowed = API_ROWS[(method, path)]
    statuses = {}
    for role in ROLES:
        before = _snapshot(engine)
        client.cookies.clear()
        if world["tokens"][role]:
            client.cookies.set(settings.COOKIE_NAME, world["tokens"][role])
        response = client.request(method, path, json={})
        statuses[role] = response.status_code
        assert response.status_code < 500, f"{role} {method} {path}: {response.text}"
        if role not in allowed:
            assert response.status_code in (401, 403), f"{role} {method} {path}: {response.status_code}"
            assert _snapshot(engine) == before, f"{role} {method} {path} changed the database"
    if allowed == EVERYONE:
        # A public route answers the same whoever asks.
        assert len(set(statuses.values())) == 1, statuses
