"""An instructor builds a course in the browser: creates it, adds modules and text lessons
(with the Markdown preview), meets the publishing checklist, fixes it and publishes; a reload
keeps everything. On a phone the editor fits the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _add_module(page, title: str) -> None:
    page.locator("#add-module").click()
    page.locator("#module-title").fill(title)
    page.locator("#save-module").click()
    expect(page.locator(".lms-module-title", has_text=title)).to_be_visible()


def _add_text_lesson(page, module_title: str, title: str) -> None:
    module = page.locator(".lms-module", has=page.locator(".lms-module-title", has_text=module_title))
    module.locator(".lms-add-lesson").click()
    page.locator("#lesson-new-title").fill(title)
    page.locator("#save-new-lesson").click()
    expect(page.locator("#lesson-editor")).to_be_visible()
    expect(page.locator("#lesson-title")).to_have_value(title)


def _close_lesson(page) -> None:
    page.keyboard.press("Escape")
    expect(page.locator("#lesson-editor")).to_have_count(0)


def test_instructor_builds_and_publishes_a_course(new_context):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    expect(page.locator("#landing-title")).to_have_text("My courses")
    page.wait_for_load_state("networkidle")
    shot(page, "authoring-my-courses-desktop")

    page.locator("#new-course").click()
    page.locator("#new-course-title").fill("Opening the store")
    page.locator("#create-course").click()
    page.wait_for_url(re.compile(r"/teach/courses/\d+$"))
    expect(page.locator("#course-heading")).to_have_text("Opening the store")
    expect(page.locator("#course-visibility")).to_have_text("Draft")
    course_url = page.url

    _add_module(page, "Before opening")
    _add_module(page, "After closing")

    _add_text_lesson(page, "Before opening", "Unlock the doors")
    page.locator("#lesson-markdown").fill("# Doors\n\nUnlock **both** doors at 9.")
    # The live preview renders the Markdown before anything is saved.
    expect(page.locator("#lesson-preview h1")).to_have_text("Doors")
    expect(page.locator("#lesson-preview strong")).to_have_text("both")
    page.locator("#save-markdown").click()
    expect(page.locator("#markdown-status")).to_have_text("All changes saved.")
    shot(page, "authoring-lesson-editor-desktop")
    _close_lesson(page)

    # The second module's lesson has no text yet: publishing is refused with the checklist.
    _add_text_lesson(page, "After closing", "Count the till")
    _close_lesson(page)
    page.locator("#publish-course").click()
    problems = page.locator("#publish-problems")
    expect(problems).to_contain_text("Lesson “Count the till” in “After closing” is not ready")
    expect(page.locator("#course-visibility")).to_have_text("Draft")
    shot(page, "authoring-checklist-desktop")

    page.locator(".lms-lesson-title", has_text="Count the till").click()
    page.locator("#lesson-markdown").fill("Count the cash **twice**.")
    expect(page.locator("#lesson-preview strong")).to_have_text("twice")
    # Leaving the text saves it (no button pressed).
    page.locator("#lesson-title").click()
    expect(page.locator("#markdown-status")).to_have_text("All changes saved.")
    _close_lesson(page)
    expect(problems).to_have_count(0)

    page.locator("#publish-course").click()
    expect(page.locator("#course-visibility")).to_have_text("Published")
    shot(page, "authoring-published-desktop")

    page.reload()
    expect(page.locator("#course-heading")).to_have_text("Opening the store")
    expect(page.locator("#course-visibility")).to_have_text("Published")
    expect(page.locator(".lms-module-title")).to_have_text(["Before opening", "After closing"])
    expect(page.locator(".lms-lesson-title")).to_have_text(["Unlock the doors", "Count the till"])
    page.locator(".lms-lesson-title", has_text="Count the till").click()
    expect(page.locator("#lesson-markdown")).to_have_value("Count the cash **twice**.")
    _close_lesson(page)

    page.goto("/teach")
    expect(page.get_by_text("Opening the store")).to_be_visible()

    # The same editor on a phone: stacked, nothing wider than the screen.
    phone = new_context(PHONE).new_page()
    sign_in(phone, "irene@example.com")
    phone.wait_for_load_state("networkidle")
    shot(phone, "authoring-my-courses-phone")
    assert _overflow(phone) <= 1, f"My courses is {_overflow(phone)} px wider than a phone"
    phone.goto(course_url)
    expect(phone.locator("#course-heading")).to_have_text("Opening the store")
    phone.wait_for_load_state("networkidle")
    shot(phone, "authoring-editor-phone")
    assert _overflow(phone) <= 1, f"the editor is {_overflow(phone)} px wider than a phone"
    phone.locator(".lms-lesson-title", has_text="Unlock the doors").click()
    expect(phone.locator("#lesson-preview h1")).to_have_text("Doors")
    shot(phone, "authoring-lesson-editor-phone")
    assert _overflow(phone) <= 1, f"the lesson editor is {_overflow(phone)} px wider than a phone"
    _close_lesson(phone)
    phone.goto(course_url + "/learners")
    expect(phone.get_by_text("Nobody is enrolled yet")).to_be_visible()
    shot(phone, "authoring-learners-phone")
    assert _overflow(phone) <= 1, f"the roster is {_overflow(phone)} px wider than a phone"

    # A course with learners: the roster fits a phone, and shows more on a desktop.
    for size, viewer in (("phone", phone), ("desktop", page)):
        viewer.goto("/teach")
        card = viewer.locator(".rt-Card", has=viewer.get_by_text("Customer service essentials", exact=True))
        card.get_by_role("link", name="Learners").click()
        expect(viewer.locator("#roster")).to_be_visible()
        expect(viewer.locator("#roster tbody tr").first).to_be_visible()
        viewer.wait_for_load_state("networkidle")
        shot(viewer, f"authoring-roster-{size}")
        assert _overflow(viewer) <= 1, f"the roster is {_overflow(viewer)} px wider than a {size} screen"
