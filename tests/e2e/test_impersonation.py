"""Sign in as, in a real browser: the admin opens Leo's page, signs in as him, sees his start page
under a banner on every page, enrolls him in a course (recorded under both names), and returns to
their own account with one click. The banner fits a phone; the audit trail names the admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import AuditEvent, Role, User, UserRole
from lms_app.services import courses
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

TITLE = "Ladder safety"
SHOTS = Path("/tmp/shots")


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _screenshot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"impersonation-{name}.png"), full_page=True)
    shot(page, f"impersonation-{name}")


@pytest.fixture(scope="module")
def open_course(lms_server) -> int:
    """A published course anyone may enroll in, built as its instructor would."""
    with lms_server.db() as s:
        irene = actor_for(s, s.exec(select(User).where(User.email == "irene@example.com")).one())
        course = courses.create_course(s, irene, TITLE, category="Safety", summary="Climb and carry safely.")
        module = courses.add_module(s, irene, course.id, "Before you climb")
        courses.add_lesson(s, irene, module.id, "Three points of contact", "text", {"markdown": "Two hands and a foot."})
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_visibility(s, irene, course.id, "published")
        s.flush()
        return course.id


def _user_id(lms_server, email: str) -> int:
    with lms_server.db() as s:
        return s.exec(select(User.id).where(User.email == email)).one()


def test_admin_signs_in_as_a_learner_sees_the_banner_and_returns(new_context, lms_server, open_course):
    leo, admin = _user_id(lms_server, "leo@example.com"), _user_id(lms_server, "admin@example.com")
    page = new_context(DESKTOP).new_page()
    sign_in(page, "admin@example.com")

    page.goto(f"/admin/users/{leo}")
    expect(page.get_by_role("heading", name="Leo Learner")).to_be_visible()
    page.wait_for_load_state("networkidle")
    _screenshot(page, "person-desktop")
    page.locator("#sign-in-as").click()

    # Leo's start page, with only what Leo may open, under the banner.
    page.wait_for_url(re.compile(r"/learn/?$"))
    banner = page.locator("#impersonation-banner")
    expect(banner).to_contain_text("You are signed in as Leo Learner.")
    expect(banner).to_contain_text("Everything you do is recorded under your name too.")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    _screenshot(page, "learner-home-desktop")

    # On every page, and on a phone too.
    page.goto(f"/catalog/{open_course}")
    expect(page.locator("#course-title")).to_have_text(TITLE)
    expect(banner).to_be_visible()
    page.set_viewport_size(PHONE)
    expect(page.locator("#return-to-my-account")).to_be_visible()
    page.wait_for_load_state("networkidle")
    _screenshot(page, "course-phone")
    assert _overflow(page) <= 1, f"the banner makes the page {_overflow(page)} px wider than a phone"
    page.set_viewport_size(DESKTOP)

    page.locator("#enroll").click()
    page.wait_for_url(re.compile(rf"/learn/courses/{open_course}/?$"))
    expect(banner).to_be_visible()
    with lms_server.db() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "enrollment.created", AuditEvent.actor_id == leo)
                       .order_by(AuditEvent.seq.desc())).first()
        assert event is not None and event.impersonator_id == admin
        assert event.actor_label == "Leo Learner <leo@example.com> (impersonated by Ada Admin <admin@example.com>)"

    page.locator("#return-to-my-account").click()
    page.wait_for_url(re.compile(rf"/admin/users/{leo}/?$"))
    expect(page.get_by_role("heading", name="Leo Learner")).to_be_visible()
    expect(page.locator("#sign-in-as")).to_be_visible()
    expect(page.locator("#impersonation-banner")).to_have_count(0)
    expect(page.get_by_role("link", name="Users")).to_be_visible()

    # The trail names both: Leo did it, and the admin was signed in as him.
    page.goto("/admin/audit")
    first = page.locator("#audit-table").get_by_text("Impersonated by Ada Admin").first
    expect(first).to_be_visible()
    expect(page.locator("#audit-table").get_by_text("Ada Admin signed in as Leo Learner <leo@example.com>")).to_be_visible()
    page.wait_for_load_state("networkidle")
    _screenshot(page, "audit-desktop")
    page.set_viewport_size(PHONE)  # one card per event instead of the table
    expect(page.locator(":text('Impersonated by Ada Admin'):visible").first).to_be_visible()
    _screenshot(page, "audit-phone")
    assert _overflow(page) <= 1


@pytest.fixture
def isaac_as_admin(lms_server):
    """Isaac holds the admin role for one test (taken back after it)."""
    with lms_server.db() as s:
        role = s.exec(select(Role).where(Role.name == "admin")).one()
        grant = UserRole(user_id=s.exec(select(User.id).where(User.email == "isaac@example.com")).one(), role_id=role.id)
        s.add(grant)
        s.flush()
        grant_id = grant.id
    yield
    with lms_server.db() as s:
        s.delete(s.get(UserRole, grant_id))


def test_sign_in_as_is_off_for_oneself_and_other_admins(new_context, lms_server, isaac_as_admin):
    admin = _user_id(lms_server, "admin@example.com")
    page = new_context(PHONE).new_page()
    sign_in(page, "admin@example.com")
    page.goto(f"/admin/users/{admin}")
    expect(page.get_by_role("heading", name="Ada Admin")).to_be_visible()
    expect(page.locator("#sign-in-as")).to_have_count(0)

    page.goto(f"/admin/users/{_user_id(lms_server, 'isaac@example.com')}")
    expect(page.locator("#sign-in-as")).to_be_disabled()
    expect(page.get_by_text("Isaac Instructor manages users or roles: no one may sign in as them.")).to_be_visible()
    page.wait_for_load_state("networkidle")
    _screenshot(page, "admin-person-phone")
    assert _overflow(page) <= 1
    leo = _user_id(lms_server, "leo@example.com")
    page.goto(f"/admin/users/{leo}")
    expect(page.locator("#sign-in-as")).to_be_enabled()
    page.wait_for_load_state("networkidle")
    _screenshot(page, "person-phone")
    assert _overflow(page) <= 1
