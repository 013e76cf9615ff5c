"""The Settings page's handlers, run in-process as the server runs them for a browser holding a
real sign-in cookie: each section saves on its own and says how it went under itself."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import reflex as rx
from sqlmodel import Session, select

from lms_app.models import Organization
from lms_app.models.settings import OrgSetting
from lms_app.services.seed import DEMO_ORG_NAME, DEMO_PASSWORD
from lms_app.state.admin_settings import AdminSettingsState
from lms_app.state.auth import AuthState
from tests.state.harness import signed_in_browser, toast_text

ADMIN = "admin@example.com"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _org(engine) -> Organization:
    with Session(engine) as s:
        return s.exec(select(Organization)).one()


def _run(browser, handler: str, *args):
    result = browser.call(AdminSettingsState, handler, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def test_the_page_shows_the_settings_in_force_and_never_the_password(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/settings")
    _run(browser, "load")
    state = browser.state(AdminSettingsState)
    assert state.org_name == DEMO_ORG_NAME and state.test_to == ADMIN
    assert [r.name for r in state.roles][:4] == ["admin", "instructor", "manager", "learner"]
    assert {r.name for r in state.roles if r.creates_courses} == {"admin", "instructor"}
    _run(browser, "save_email", {"smtp_host": "smtp.example.org", "smtp_port": "587", "smtp_tls": "starttls", "smtp_user": "mailer",
                                 "smtp_password": "do-not-echo-me", "smtp_sender": "LMS <lms@example.org>"})
    assert state.notice_section == "email" and state.notice_ok
    assert state.smtp_password_set and state.smtp_port == "587"
    assert "do-not-echo-me" not in repr(state.dict())


def test_renaming_the_organization_updates_the_header(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/settings")
    _run(browser, "load")
    # By name, as the server passes a form's data.
    follow_up = browser.call(AdminSettingsState, "save_organization", form={"org_name": "Example Academy", "default_timezone": "Europe/Paris"})
    state = browser.state(AdminSettingsState)
    assert (state.notice_section, state.notice_ok, state.notice) == ("organization", True, "Organization saved.")
    assert _org(engine).name == "Example Academy" and _org(engine).default_timezone == "Europe/Paris"
    assert follow_up is AdminSettingsState.refresh_brand
    _run(browser, "refresh_brand")
    assert browser.state(AuthState).org_name == "Example Academy"


def test_a_refused_value_is_said_under_its_section_and_nothing_is_saved(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/settings")
    _run(browser, "load")
    version = browser.state(AdminSettingsState).version
    _run(browser, "save_sign_in", {"password_min_length": "6", "session_idle_minutes": "60", "session_absolute_minutes": "600"})
    state = browser.state(AdminSettingsState)
    assert (state.notice_section, state.notice_ok) == ("sign_in", False)
    assert state.notice == "The minimum password length must be between 8 and 128."
    assert state.version == version, "the form keeps what was typed"
    with Session(engine) as s:
        assert s.exec(select(OrgSetting)).all() == []


def test_course_creation_is_saved_from_the_checkboxes(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/settings")
    _run(browser, "load")
    _run(browser, "save_course_creation", {"creator_manager": "on"})
    state = browser.state(AdminSettingsState)
    assert state.notice_ok and {r.name for r in state.roles if r.creates_courses} == {"admin", "manager"}


def test_the_logo_is_uploaded_and_shown(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/settings")
    _run(browser, "load")
    _run(browser, "upload_logo", [rx.UploadFile(io.BytesIO(PNG), path=Path("logo.png"))])
    state = browser.state(AdminSettingsState)
    assert state.logo_url.startswith("/files/org/logo?v=") and state.notice == "Logo saved."
    _run(browser, "upload_logo", [rx.UploadFile(io.BytesIO(b"hello"), path=Path("logo.png"))])
    assert not state.notice_ok and state.notice == "The logo must be a PNG, JPEG or SVG image."


def test_a_failed_test_email_shows_why(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/settings")
    _run(browser, "load")
    _run(browser, "save_email", {"smtp_host": "127.0.0.1", "smtp_port": "9", "smtp_tls": "off", "smtp_user": "", "smtp_password": "",
                                 "smtp_sender": "LMS <lms@example.org>"})
    _run(browser, "send_test_email", {"test_to": "admin@example.com"})
    state = browser.state(AdminSettingsState)
    assert not state.test_ok and state.test_answer.startswith("Could not connect to the mail server at 127.0.0.1:9")


def test_only_settings_managers_get_anything(demo, session, engine):
    browser = signed_in_browser(session, "irene@example.com", DEMO_PASSWORD, "/admin/settings")
    assert toast_text(_run(browser, "load")) == "You do not have permission to do that."
    assert toast_text(_run(browser, "save_organization", {"org_name": "Mine now", "default_timezone": "UTC"})) == "You do not have permission to do that."
    assert browser.state(AdminSettingsState).org_name == "" and _org(engine).name == DEMO_ORG_NAME
