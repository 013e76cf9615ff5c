"""The learner's catalog in a real browser: Leo finds a course by one of its tags, opens it, is
refused with a wrong enrollment key, enrolls with the right one and lands in the course
player; My learning then lists the course in progress. On a desktop and on a phone, nothing is
wider than the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User
from lms_app.services import courses
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

TITLE = "Pallet jack handling"
TAG = "palletjack"
KEY = "JACK-2027"


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture(scope="module")
def keyed_course(lms_server) -> int:
    """A published course with an enrollment key, built as its instructor would."""
    with lms_server.db() as s:
        irene = actor_for(s, s.exec(select(User).where(User.email == "irene@example.com")).one())
        course = courses.create_course(
            s, irene, TITLE, category="Safety", tags=[TAG, "warehouse"], estimated_minutes=35,
            summary="Move loads on a pallet jack without hurting yourself or others: checks before you start, "
                    "steering in narrow aisles, slopes, and parking it safely at the end of the shift.",
        )
        checks = courses.add_module(s, irene, course.id, "Before you start")
        courses.add_lesson(s, irene, checks.id, "Daily checks", "text", {"markdown": "Wheels, forks, handle, brake."}, estimated_minutes=5)
        courses.add_lesson(s, irene, checks.id, "The manufacturer's guide", "link", {"url": "https://example.com/pallet-jack"}, estimated_minutes=10)
        moving = courses.add_module(s, irene, course.id, "On the move")
        courses.add_lesson(s, irene, moving.id, "Narrow aisles", "text", {"markdown": "Pull, do not push, around corners."}, estimated_minutes=10)
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_enrollment_key(s, irene, course.id, KEY)
        courses.set_visibility(s, irene, course.id, "published")
        s.flush()
        return course.id


def test_leo_finds_enrolls_with_the_key_and_continues(new_context, keyed_course):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "leo@example.com")
    page.get_by_role("link", name="Catalog").first.click()
    page.wait_for_url(re.compile(r"/catalog$"))
    expect(page.locator("#catalog-count")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "catalog-desktop")
    assert _overflow(page) <= 1

    page.locator("#catalog-search").fill(TAG.upper())
    expect(page.locator("#catalog-count")).to_have_text("1 course")
    card = page.get_by_role("link", name=TITLE)
    expect(card).to_be_visible()
    shot(page, "catalog-search-desktop")
    card.click()

    page.wait_for_url(re.compile(rf"/catalog/{keyed_course}$"))
    expect(page.locator("#course-title")).to_have_text(TITLE)
    expect(page.get_by_text("Daily checks")).to_be_visible()
    expect(page.get_by_text("Irene Instructor")).to_be_visible()
    page.locator("#enroll-key").fill("JACK-2026")
    page.locator("#enroll").click()
    expect(page.locator("#enroll-error")).to_have_text("That key is not right.")
    shot(page, "catalog-course-wrong-key-desktop")
    assert _overflow(page) <= 1

    page.locator("#enroll-key").fill(KEY)
    page.locator("#enroll").click()
    page.wait_for_url(re.compile(rf"/learn/courses/{keyed_course}$"))

    page.goto("/learn")
    in_progress = page.locator("#in-progress")
    expect(in_progress.get_by_text(TITLE)).to_be_visible()
    expect(in_progress.get_by_text("Daily checks")).to_be_visible()  # the next lesson
    page.wait_for_load_state("networkidle")
    shot(page, "catalog-my-learning-desktop")
    assert _overflow(page) <= 1

    # Back on the course's page, enrolling gave way to Continue.
    page.goto(f"/catalog/{keyed_course}")
    expect(page.locator("#continue")).to_be_visible()
    expect(page.locator("#enroll")).to_have_count(0)


def test_the_pages_fit_a_phone(new_context, keyed_course):
    page = new_context(PHONE).new_page()
    sign_in(page, "amara@example.com")
    page.goto("/catalog")
    expect(page.locator("#catalog-count")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "catalog-phone")
    assert _overflow(page) <= 1, f"/catalog is {_overflow(page)} px wider than a phone"

    page.locator("#catalog-search").fill("no such course anywhere")
    expect(page.get_by_text("No course matches")).to_be_visible()
    shot(page, "catalog-empty-phone")
    page.locator("#catalog-clear").click()
    expect(page.locator("#catalog-count")).to_be_visible()

    page.goto(f"/catalog/{keyed_course}")
    expect(page.locator("#course-title")).to_have_text(TITLE)
    expect(page.locator("#enroll-key")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "catalog-course-phone")
    assert _overflow(page) <= 1, f"the course page is {_overflow(page)} px wider than a phone"

    page.goto("/learn")
    expect(page.locator("#landing-title")).to_be_visible()
    expect(page.get_by_text("Where I belong")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "catalog-my-learning-phone")
    assert _overflow(page) <= 1, f"/learn is {_overflow(page)} px wider than a phone"


def test_a_mistyped_course_address_says_so(new_context, keyed_course):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "leo@example.com")
    page.goto("/catalog/not-a-number")
    expect(page.get_by_text("That course does not exist").first).to_be_visible()
    shot(page, "catalog-course-missing-desktop")
