"""SCORM in a real browser.

- Rustici's "Golf Explained" (SCORM 1.2, from the shared fixtures): the instructor uploads it in
  the course editor (a package without its launch file is refused with the reason); Leo plays
  it, leaves in the middle, comes back at his bookmark, reaches the end: the lesson is done.
  The SCO reaches the API in its parent page and cannot read the sign-in cookie.
- A two-part SCORM 2004 package of the project's own making: Leo finishes part 1, the LMS's
  own Next takes him to part 2, he finishes it: the lesson is done, the score (85%) is in his
  grades, and the instructor sees the attempt with its parts.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app import settings
from lms_app.models import User
from lms_app.services import courses, enrollment, scorm
from lms_app.services.permissions import actor_for
from tests import scorm_packages as packages

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "scorm"


def _fixture(name: str) -> Path:
    path = FIXTURES / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"The SCORM fixture {path} is missing")
        pytest.skip(f"The SCORM fixture {name} is not on this machine")
    return path


def _course(lms_server, title: str, lesson_title: str) -> dict:
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        leo = actor_for(s, people["leo@example.com"], "127.0.0.1")
        course = courses.create_course(s, irene, f"{title} {time.time_ns() % 100000}")
        module = courses.add_module(s, irene, course.id, "Basics")
        intro = courses.add_lesson(s, irene, module.id, "Welcome", "text", {"markdown": "Hello."})
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_visibility(s, irene, course.id, "published")
        enrollment.self_enroll(s, leo, course.id)
        # Added after publishing: a lesson without its package would hold the publishing back.
        lesson = courses.add_lesson(s, irene, module.id, lesson_title, "scorm")
        s.flush()
        return {"id": course.id, "intro": intro.id, "lesson": lesson.id, "irene": irene}


def _golf_page(learner):
    """The golf SCO's own page (its launch page holds the content in a frame of its own)."""
    return learner.frame_locator("#scorm-frame")


def test_golf_1_2_uploaded_played_left_resumed_and_finished(new_context, lms_server, tmp_path):
    course = _course(lms_server, "Golf", "Golf explained")
    teacher = new_context(DESKTOP).new_page()
    sign_in(teacher, "irene@example.com")
    teacher.goto(f"/teach/courses/{course['id']}")
    teacher.locator(".lms-lesson-title", has_text="Golf explained").click()
    expect(teacher.locator("#scorm-package-title")).to_have_text("No package uploaded yet.")
    teacher.locator("#scorm-package-upload input[type=file]").set_input_files(str(_fixture("MissingLaunchUrl_SCORM12.zip")))
    expect(teacher.get_by_text("The package is refused", exact=False)).to_be_visible()
    expect(teacher.locator("#scorm-package-title")).to_have_text("No package uploaded yet.")
    teacher.locator("#scorm-package-upload input[type=file]").set_input_files(str(_fixture("RuntimeBasicCalls_SCORM12.zip")))
    expect(teacher.locator("#scorm-edition")).to_have_text("SCORM 1.2")
    shot(teacher, "scorm-editor")

    learner = new_context(DESKTOP).new_page()
    learner.on("dialog", lambda dialog: dialog.accept())  # golf asks "resume where you left off?"
    sign_in(learner, "leo@example.com")
    learner.goto(f"/learn/courses/{course['id']}/{course['lesson']}")
    expect(learner.locator("#scorm-status")).to_have_text("Not started")
    learner.locator("#scorm-launch").click()
    sco = _golf_page(learner)
    sco.locator("#butNext").click()
    sco.locator("#butNext").click()
    expect(sco.frame_locator("#contentFrame").locator("body")).to_contain_text("Scoring", ignore_case=True)
    # The SCO runs on the app's origin, finds the API in its parent page, and cannot read the cookie.
    frame = learner.frame(url=lambda url: "launchpage.html" in url)
    assert frame.evaluate("typeof window.parent.API.LMSGetValue") == "function"
    assert settings.COOKIE_NAME not in frame.evaluate("document.cookie")
    assert any(c["name"] == settings.COOKIE_NAME and c["httpOnly"] for c in learner.context.cookies())
    shot(learner, "scorm-golf-playing")

    learner.locator("#scorm-exit").click()  # unloading the SCO suspends it at its bookmark
    expect(learner.locator("#scorm-status")).to_have_text("In progress")
    learner.reload()
    expect(learner.locator("#scorm-launch")).to_have_text("Continue")
    learner.locator("#scorm-launch").click()
    expect(_golf_page(learner).frame_locator("#contentFrame").locator("body")).to_contain_text("Scoring", ignore_case=True)
    sco = _golf_page(learner)
    for _ in range(12):
        sco.locator("#butNext").click()
    expect(sco.locator("#butNext")).to_be_disabled()  # the last page: the course is completed
    sco.locator("#butExit").click()
    expect(learner.locator("#lesson-done")).to_be_visible()
    expect(learner.locator("#scorm-status")).to_have_text("Completed")


@pytest.mark.scale
def test_a_two_part_2004_package_moves_on_scores_and_shows_in_the_staff_view(new_context, lms_server, tmp_path, monkeypatch):
    course = _course(lms_server, "Sequenced", "Two parts")
    monkeypatch.setattr(settings, "PRIVATE_DIR", lms_server.data_dir / "private")  # unpacked where the app reads it
    with lms_server.db() as s:
        irene = actor_for(s, s.exec(select(User).where(User.email == "irene@example.com")).one(), "127.0.0.1")
        zip_path = packages.save(packages.scorm2004_sequenced(), tmp_path)
        scorm.import_package(s, irene, course["lesson"], zip_path, "two-parts.zip")

    learner = new_context(DESKTOP).new_page()
    sign_in(learner, "leo@example.com")
    learner.goto(f"/learn/courses/{course['id']}/{course['lesson']}")
    learner.locator("#scorm-launch").click()
    part = learner.frame_locator("#scorm-frame")
    expect(part.locator("#status")).to_have_text("Started")
    expect(learner.locator("#scorm-previous")).to_be_disabled()  # forward only
    part.locator("#next").click()
    part.locator("#finish").click()
    expect(part.locator("#status")).to_have_text("Finished")
    shot(learner, "scorm-2004-part-1")
    learner.locator("#scorm-next").click()
    expect(learner.locator("#scorm-outline [aria-current=step]")).to_have_text("Part 2")
    part = learner.frame_locator("#scorm-frame")
    expect(part.locator("#status")).to_have_text("Started")
    part.locator("#next").click()
    part.locator("#finish").click()
    expect(learner.locator("#lesson-done")).to_be_visible()
    expect(learner.locator("#scorm-status")).to_have_text("Passed")
    expect(learner.locator("#scorm-score")).to_contain_text("85%")
    learner.goto(f"/learn/courses/{course['id']}/grades")
    expect(learner.locator("#my-total")).to_contain_text("85")

    phone = new_context(PHONE).new_page()
    sign_in(phone, "leo@example.com")
    phone.goto(f"/learn/courses/{course['id']}/{course['lesson']}")
    expect(phone.locator("#scorm-status")).to_have_text("Passed")
    shot(phone, "scorm-player-phone")

    teacher = new_context(DESKTOP).new_page()
    sign_in(teacher, "irene@example.com")
    teacher.goto(f"/teach/courses/{course['id']}/scorm/{course['lesson']}")
    row = teacher.locator("#scorm-attempts tbody tr", has_text="leo@example.com")
    expect(row).to_contain_text("Passed")
    expect(row).to_contain_text("85%")
    row.get_by_role("button", name="Details").click()
    expect(teacher.locator("#scorm-attempt-dialog")).to_contain_text("Part 2")
    shot(teacher, "scorm-attempts")
    teacher.keyboard.press("Escape")
    with teacher.expect_download() as download:
        teacher.locator("#scorm-export").click()
    assert download.value.suggested_filename.endswith(".csv")


def test_golf_2004_suspends_with_its_own_exit_resumes_and_completes(new_context, lms_server, tmp_path, monkeypatch):
    course = _course(lms_server, "Golf 2004", "Golf explained (2004)")
    monkeypatch.setattr(settings, "PRIVATE_DIR", lms_server.data_dir / "private")
    with lms_server.db() as s:
        irene = actor_for(s, s.exec(select(User).where(User.email == "irene@example.com")).one(), "127.0.0.1")
        package = scorm.import_package(s, irene, course["lesson"], _fixture("RuntimeBasicCalls_SCORM20043rdEdition.zip"), "golf-2004.zip")
        assert package.edition == "2004 3rd edition"

    learner = new_context(DESKTOP).new_page()
    learner.on("dialog", lambda dialog: dialog.accept())  # "save your progress?", then "resume?"
    sign_in(learner, "leo@example.com")
    learner.goto(f"/learn/courses/{course['id']}/{course['lesson']}")
    learner.locator("#scorm-launch").click()
    sco = _golf_page(learner)
    sco.locator("#butNext").click()
    sco.locator("#butNext").click()
    expect(sco.frame_locator("#contentFrame").locator("body")).to_contain_text("Scoring", ignore_case=True)
    sco.locator("#butExit").click()  # suspend + adl.nav.request suspendAll: the player closes the package
    expect(learner.locator("#scorm-stage")).to_have_attribute("data-open", "false")
    expect(learner.locator("#scorm-status")).to_have_text("In progress")

    learner.locator("#scorm-launch").click()
    sco = _golf_page(learner)
    expect(sco.frame_locator("#contentFrame").locator("body")).to_contain_text("Scoring", ignore_case=True)
    for _ in range(12):
        sco.locator("#butNext").click()
    expect(sco.locator("#butNext")).to_be_disabled()
    sco.locator("#butExit").click()  # the end reached: exit normally (exitAll)
    expect(learner.locator("#lesson-done")).to_be_visible()
    expect(learner.locator("#scorm-status")).to_have_text("Completed")
