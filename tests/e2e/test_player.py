"""The course player in a real browser: Leo opens a course, sees a locked lesson and why,
completes text lessons by reading them to the end, reloads and resumes where he was, unlocks
the locked lesson and reaches 100%; on a phone the outline folds away and nothing is wider
than the screen; someone not enrolled is sent to the course's page."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import LessonProgress, User
from lms_app.services import courses, enrollment
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

LONG_TEXT = "\n\n".join(f"Paragraph {i}: keep the load close to your body and your back straight." for i in range(1, 41))


@pytest.fixture
def course(lms_server):
    """A published course: two text lessons, a third that opens once "Posture" is done, and a
    link; Leo enrolled."""
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        leo = actor_for(s, people["leo@example.com"], "127.0.0.1")
        c = courses.create_course(s, irene, f"Lifting in the player {time.time_ns()}", summary="Lift well.")
        basics = courses.add_module(s, irene, c.id, "Basics")
        intro = courses.add_lesson(s, irene, basics.id, "Why it matters", "text", {"markdown": "# Why it matters\n\n" + LONG_TEXT})
        posture = courses.add_lesson(s, irene, basics.id, "Posture", "text", {"markdown": "## Bend your knees\n\n" + LONG_TEXT})
        practice = courses.add_module(s, irene, c.id, "Practice")
        drill = courses.add_lesson(s, irene, practice.id, "The drill", "text", {"markdown": "Lift, turn with your feet, set down.\n\n" + LONG_TEXT})
        reading = courses.add_lesson(s, irene, practice.id, "Further reading", "link", {"url": "https://example.com/lifting"})
        courses.set_lesson_prerequisites(s, irene, drill.id, [posture.id])
        courses.update_course(s, irene, c.id, self_enrollment=True)
        courses.set_visibility(s, irene, c.id, "published")
        enrollment.self_enroll(s, leo, c.id)
        s.flush()
        return {"id": c.id, "intro": intro.id, "posture": posture.id, "drill": drill.id, "reading": reading.id}


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _lesson_url(course: dict, key: str) -> re.Pattern:
    return re.compile(rf"/learn/courses/{course['id']}/{course[key]}/?$")


def _read_to_the_end(page) -> None:
    page.locator("#lms-lesson-end").scroll_into_view_if_needed()
    expect(page.locator("#lesson-done")).to_be_visible()
    # The "… is done" notice sits over the Next button for a few seconds, as for a person.
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15000)


def _seconds_spent(lms_server, lesson_id: int) -> int:
    with lms_server.db() as s:
        row = s.exec(select(LessonProgress).where(LessonProgress.lesson_id == lesson_id)).first()
        return row.seconds_spent if row else 0


def test_leo_works_through_a_course(new_context, lms_server, course):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "leo@example.com")

    # The course's address resumes at the first lesson.
    page.goto(f"/learn/courses/{course['id']}")
    page.wait_for_url(_lesson_url(course, "intro"))
    expect(page.locator("#lesson-title")).to_have_text("Why it matters")
    sidebar = page.locator("#player-outline")
    expect(sidebar.locator("#course-percent")).to_have_text("0%")
    locked = sidebar.locator(".lms-outline-lesson", has_text="The drill")
    expect(locked).to_contain_text("Finish “Posture” first")
    expect(locked).to_have_attribute("data-lesson-state", "locked")
    expect(sidebar.locator(".lms-outline-lesson[aria-current=page]")).to_contain_text("Why it matters")
    shot(page, "player-desktop-lesson")

    # Not read yet: the end of the text is below the fold.
    page.wait_for_timeout(1500)
    expect(page.locator("#lesson-done")).to_have_count(0)
    _read_to_the_end(page)
    expect(sidebar.locator("#course-percent")).to_have_text("25%")

    # Next: the following lesson starts at its top and is not read by arriving.
    page.locator("#next-lesson").click()
    page.wait_for_url(_lesson_url(course, "posture"))
    expect(page.locator("#lesson-title")).to_have_text("Posture")
    page.wait_for_timeout(1500)
    expect(page.locator("#lesson-done")).to_have_count(0)
    expect(page.locator("#next-lesson-locked")).to_be_disabled()
    expect(page.get_by_text("“The drill”: Finish “Posture” first")).to_be_visible()

    # The locked lesson opened by its address shows why, not its content.
    page.goto(f"/learn/courses/{course['id']}/{course['drill']}")
    expect(page.locator("#locked-reason")).to_contain_text("Finish “Posture” first")
    expect(page.get_by_text("Lift, turn with your feet")).to_have_count(0)
    shot(page, "player-desktop-locked")

    # Reload, and the course's address again: back at "Posture", the last lesson opened and not done.
    page.goto(f"/learn/courses/{course['id']}/{course['posture']}")
    expect(page.locator("#lesson-title")).to_have_text("Posture")
    page.reload()
    expect(page.locator("#lesson-title")).to_have_text("Posture")
    page.goto(f"/learn/courses/{course['id']}")
    page.wait_for_url(_lesson_url(course, "posture"))
    expect(page.locator("#lesson-title")).to_have_text("Posture")

    # Time spent: the page reports about every 30 s while it is visible.
    deadline = time.monotonic() + 60
    while _seconds_spent(lms_server, course["posture"]) == 0 and time.monotonic() < deadline:
        time.sleep(2)
    assert 0 < _seconds_spent(lms_server, course["posture"]) <= 40

    # Reading "Posture" to the end opens "The drill".
    _read_to_the_end(page)
    expect(sidebar.locator("#course-percent")).to_have_text("50%")
    expect(sidebar.locator(".lms-outline-lesson", has_text="The drill")).not_to_contain_text("Finish")
    page.locator("#next-lesson").click()
    page.wait_for_url(_lesson_url(course, "drill"))
    expect(page.get_by_text("Lift, turn with your feet, set down.")).to_be_visible()
    _read_to_the_end(page)
    expect(sidebar.locator("#course-percent")).to_have_text("75%")

    # The link: opening it (in a new tab) counts as viewed, and completes the course.
    page.locator("#next-lesson").click()
    page.wait_for_url(_lesson_url(course, "reading"))
    with page.context.expect_page() as opened:
        page.locator("#open-link").click()
    opened.value.close()
    expect(page.locator("#lesson-done")).to_be_visible()
    expect(sidebar.locator("#course-percent")).to_have_text("100%")
    expect(sidebar).to_contain_text("Course completed")
    expect(sidebar.locator(".lms-outline-lesson[data-lesson-state=done]")).to_have_count(4)
    shot(page, "player-desktop-done")
    assert _overflow(page) <= 1

    # Keyboard: the outline's lessons and the step buttons are reachable with Tab.
    page.locator("#previous-lesson").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(_lesson_url(course, "drill"))


def test_player_on_a_phone_and_bad_addresses(new_context, lms_server, course):
    page = new_context(PHONE).new_page()
    sign_in(page, "leo@example.com")
    page.goto(f"/learn/courses/{course['id']}")
    page.wait_for_url(_lesson_url(course, "intro"))
    expect(page.locator("#lesson-title")).to_have_text("Why it matters")
    expect(page.locator("#player-outline")).to_be_hidden()
    outline = page.locator("#phone-outline")
    expect(outline.get_by_text("The drill")).to_be_hidden()
    shot(page, "player-phone-lesson")
    assert _overflow(page) <= 1
    outline.locator("summary").click()
    expect(outline.get_by_text("Finish “Posture” first")).to_be_visible()
    shot(page, "player-phone-outline")
    assert _overflow(page) <= 1

    page.goto(f"/learn/courses/{course['id']}/not-a-lesson")
    expect(page.get_by_text("That lesson does not exist.")).to_be_visible()
    page.goto("/learn/courses/abc")
    expect(page.get_by_text("That course does not exist.")).to_be_visible()
    shot(page, "player-phone-missing")


def test_someone_not_enrolled_is_sent_to_the_course_page(new_context, lms_server, course):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "maya@example.com")
    page.goto(f"/learn/courses/{course['id']}/{course['intro']}")
    expect(page.get_by_text("You are not enrolled in this course").first).to_be_visible()
    expect(page.get_by_text("Keep the load close")).to_have_count(0)
    expect(page.locator("a", has=page.locator("#catalog-link"))).to_have_attribute("href", f"/catalog/{course['id']}")
    shot(page, "player-desktop-not-enrolled")
