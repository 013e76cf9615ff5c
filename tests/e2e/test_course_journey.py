"""A course from the first click to the last, in a real browser: Irene builds a two-module course
with a text, a file and a video lesson, makes the video wait for the file, sets an enrollment
key and publishes; Leo finds the course in the catalog, enrolls with the key, sees the locked
lesson and why, completes the lessons, reloads and resumes, and reaches 100%; Irene's roster
shows him done."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms_app.services.demo_courses import text_pdf

from .conftest import DESKTOP, shot, sign_in

pytestmark = [pytest.mark.e2e]

VIDEO = Path(__file__).resolve().parents[2] / "lms_app" / "data" / "demo" / "welcome.webm"
KEY = "DOCK-2027"


def _add_module(page, title: str) -> None:
    page.locator("#add-module").click()
    page.locator("#module-title").fill(title)
    page.locator("#save-module").click()
    expect(page.locator(".lms-module-title", has_text=title)).to_be_visible()


def _add_lesson(page, module_title: str, kind: str, title: str) -> None:
    module = page.locator(".lms-module", has=page.locator(".lms-module-title", has_text=module_title))
    module.locator(".lms-add-lesson").click()
    page.locator("#lesson-kind").click()
    page.get_by_role("option", name=kind, exact=True).click()
    page.locator("#lesson-new-title").fill(title)
    page.locator("#save-new-lesson").click()
    expect(page.locator("#lesson-title")).to_have_value(title)


def _close_lesson(page) -> None:
    page.keyboard.press("Escape")
    expect(page.locator("#lesson-editor")).to_have_count(0)


def _build_course(page, title: str, tmp_path: Path) -> str:
    page.locator("#new-course").click()
    page.locator("#new-course-title").fill(title)
    page.locator("#create-course").click()
    page.wait_for_url(re.compile(r"/teach/courses/\d+$"))
    course_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    _add_module(page, "At the dock")
    _add_module(page, "On the shelves")

    _add_lesson(page, "At the dock", "Text", "Check the delivery")
    page.locator("#lesson-markdown").fill("# Check the delivery\n\nCount the boxes against the **delivery note** before you sign.")
    page.locator("#save-markdown").click()
    expect(page.locator("#markdown-status")).to_have_text("All changes saved.")
    _close_lesson(page)

    _add_lesson(page, "At the dock", "File", "The delivery note")
    note = tmp_path / "Delivery note.pdf"
    note.write_bytes(text_pdf("Delivery note", ["12 boxes of tent pegs", "4 boxes of sleeping bags"]))
    page.locator("#lesson-file-upload input[type=file]").set_input_files(str(note))
    expect(page.locator("#stored-file-name")).to_have_text("Delivery note.pdf")
    _close_lesson(page)

    _add_lesson(page, "On the shelves", "Video", "Stacking the shelves")
    page.locator("#video-source").get_by_text("Upload a video file").click()
    page.locator("#lesson-file-upload input[type=file]").set_input_files(str(VIDEO))
    expect(page.locator("#stored-file-name")).to_have_text("welcome.webm")
    page.locator("input[name=duration_seconds]").fill("12")
    page.locator("#save-content").click()
    expect(page.get_by_text("Lesson saved.", exact=True)).to_be_visible()
    # The video waits for the delivery note.
    page.locator("#lesson-editor label", has_text="The delivery note").locator("button[role=checkbox]").click()
    expect(page.locator("#lesson-editor label", has_text="The delivery note").locator("button[role=checkbox]")).to_have_attribute("data-state", "checked")
    _close_lesson(page)
    expect(page.locator(".lms-lesson-row", has_text="Stacking the shelves")).to_contain_text("After 1 lesson")

    page.locator("#self-enrollment").click()
    page.locator("input[name=key]").fill(KEY)
    page.get_by_role("button", name="Set key").click()
    expect(page.locator("#key-status")).to_have_text("An enrollment key is required.")

    page.locator("#publish-course").click()
    expect(page.locator("#course-visibility")).to_have_text("Published")
    shot(page, "journey-editor-published")
    return course_id


def test_a_course_from_authoring_to_completion(new_context, tmp_path):
    title = f"Receiving deliveries {time.time_ns() % 100000}"
    teacher = new_context(DESKTOP).new_page()
    sign_in(teacher, "irene@example.com")
    course_id = _build_course(teacher, title, tmp_path)

    leo = new_context(DESKTOP).new_page()
    sign_in(leo, "leo@example.com")
    leo.goto("/catalog")
    leo.locator("#catalog-search").fill(title)
    leo.get_by_role("link", name=title).click()
    leo.wait_for_url(f"**/catalog/{course_id}")
    leo.locator("#enroll-key").fill("WRONG-KEY")
    leo.locator("#enroll").click()
    expect(leo.locator("#enroll-error")).to_have_text("That key is not right.")
    leo.locator("#enroll-key").fill(KEY)
    leo.locator("#enroll").click()
    leo.wait_for_url(re.compile(rf"/learn/courses/{course_id}/\d+$"))

    outline = leo.locator("#player-outline")
    expect(leo.locator("#lesson-title")).to_have_text("Check the delivery")
    locked = outline.locator(".lms-outline-lesson", has_text="Stacking the shelves")
    expect(locked).to_have_attribute("data-lesson-state", "locked")
    expect(locked).to_contain_text("Finish “The delivery note” first")

    leo.locator("#lms-lesson-end").scroll_into_view_if_needed()
    expect(leo.locator("#lesson-done")).to_be_visible()
    expect(outline.locator("#course-percent")).to_have_text("33%")

    # The file lesson: opening the file counts as viewed; then a reload resumes at the video.
    leo.locator("#next-lesson").click()
    expect(leo.locator("#lesson-title")).to_have_text("The delivery note")
    with leo.expect_download() as download:
        leo.locator("#download-file").click()
    assert download.value.suggested_filename == "Delivery note.pdf"
    expect(leo.locator("#lesson-done")).to_be_visible()
    expect(outline.locator("#course-percent")).to_have_text("66%")
    leo.locator("#next-lesson").click()
    expect(leo.locator("#lesson-title")).to_have_text("Stacking the shelves")
    leo.goto(f"/learn/courses/{course_id}")
    expect(leo.locator("#lesson-title")).to_have_text("Stacking the shelves")

    # The video: played to the end (muted, at double speed), the distinct seconds count.
    expect(leo.locator("#lms-video")).to_be_visible()
    leo.evaluate("() => { const v = document.getElementById('lms-video'); v.muted = true; v.playbackRate = 2; return v.play(); }")
    expect(leo.locator("#lesson-done")).to_be_visible(timeout=30_000)
    expect(outline.locator("#course-percent")).to_have_text("100%")
    expect(outline).to_contain_text("Course completed")
    shot(leo, "journey-player-done")

    teacher.goto(f"/teach/courses/{course_id}/learners")
    row = teacher.locator("tr", has_text="leo@example.com")
    expect(row).to_contain_text("100%")
    expect(row).to_contain_text("Completed")
    shot(teacher, "journey-roster")
