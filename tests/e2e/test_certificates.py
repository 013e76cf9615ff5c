"""Certificates in a real browser: an admin revokes one with a reason on the certificates page
and its verification page then says so. (Downloading one and verifying it valid is part of the
required-training journey, test_required_training.)"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import Certificate, User
from lms_app.services import courses, enrollment, progress
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, shot, sign_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def completed(lms_server):
    """A one-lesson course Leo completed (which issued his certificate)."""
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        leo = actor_for(s, people["leo@example.com"], "127.0.0.1")
        course = courses.create_course(s, irene, f"Fire safety {time.time_ns() % 100000}")
        basics = courses.add_module(s, irene, course.id, "Basics")
        lesson = courses.add_lesson(s, irene, basics.id, "Exits and alarms", "text", {"markdown": "Keep exits clear."})
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_visibility(s, irene, course.id, "published")
        run = enrollment.self_enroll(s, leo, course.id)
        progress.open_lesson(s, leo, run.id, lesson.id)
        progress.mark_viewed(s, leo, run.id, lesson.id)
        s.flush()
        certificate = s.exec(select(Certificate).where(Certificate.course_id == course.id)).one()
        return {"title": course.title, "id": certificate.id, "code": certificate.code}


def test_admin_revokes_with_a_reason_and_the_verification_page_says_revoked(new_context, completed):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "admin@example.com")
    page.goto("/admin/certificates")
    page.locator("#certificate-search input, input#certificate-search").first.fill(completed["code"])
    row = page.locator("#certificates-table tbody tr", has_text=completed["title"])
    expect(row).to_have_count(1)
    row.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Revoke").click()
    page.locator("#revoke-reason").fill("Completed on someone else's account")
    page.locator("#revoke-confirm").click()
    expect(row.get_by_text("Revoked", exact=True)).to_be_visible()
    shot(page, "certificates-admin")
    page.locator("#template-tab").click()
    expect(page.locator("#template-preview")).to_be_visible()
    shot(page, "certificates-template")

    visitor = new_context(DESKTOP).new_page()
    visitor.goto(f"/verify/{completed['code']}")
    expect(visitor.locator("#verification")).to_contain_text("This certificate was revoked")
    expect(visitor.locator("#verification")).to_contain_text("Revoked on")
    expect(visitor.locator("#verification")).not_to_contain_text("someone else")
