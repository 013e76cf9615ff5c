"""An instructor enrolls a CSV file in the browser: a file with a wrong row shows the row's
problem and enrolls nobody; the fixed file enrolls everyone, the roster lists them and
downloads as CSV. On a phone the preview fits the screen."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import Enrollment, User
from lms_app.services import courses
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

BAD = "email,name\namara@example.com,Amara\nnobody@example.com,Nobody\n"
FIXED = "email,name\namara@example.com,Amara\nsven@example.com,Sven\n"


@pytest.fixture
def course(lms_server):
    with lms_server.db() as s:
        irene = actor_for(s, s.exec(select(User).where(User.email == "irene@example.com")).one(), "127.0.0.1")
        c = courses.create_course(s, irene, f"Fire safety {time.time_ns() % 10_000}")
        basics = courses.add_module(s, irene, c.id, "Basics")
        courses.add_lesson(s, irene, basics.id, "Exits", "text", {"markdown": "Know your exits."})
        courses.set_visibility(s, irene, c.id, "published")
        s.flush()
        return c.id


def _enrolled(lms_server, course_id: int) -> int:
    with lms_server.db() as s:
        return len(s.exec(select(Enrollment).where(Enrollment.course_id == course_id)).all())


def _upload(page, tmp_path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    page.locator("#enroll_csv input[type=file]").set_input_files(str(path))


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_instructor_enrolls_a_csv_file_after_fixing_it(new_context, lms_server, course, tmp_path):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course}/learners")
    expect(page.get_by_text("Nobody is enrolled yet")).to_be_visible()

    page.locator("#import-open").click()
    expect(page.get_by_text("Drop a CSV file here, or click to choose one")).to_be_visible()
    shot(page, "roster-import-upload-desktop")
    _upload(page, tmp_path, "new-hires.csv", BAD)
    expect(page.locator("#import-problems")).to_contain_text("1 of 2 rows needs fixing")
    expect(page.locator("#import-preview")).to_contain_text("nobody in the organization has this email")
    expect(page.locator("#import-preview")).to_contain_text("Amara Okafor")
    expect(page.locator("#import-commit")).to_have_count(0)
    assert _enrolled(lms_server, course) == 0
    shot(page, "roster-import-errors-desktop")

    page.locator("#import-again").click()
    _upload(page, tmp_path, "new-hires-fixed.csv", FIXED)
    expect(page.locator("#import-ready")).to_contain_text("2 people will be enrolled")
    shot(page, "roster-import-ready-desktop")
    expect(page.locator("#import-commit")).to_have_text("Enroll 2 people")
    page.locator("#import-commit").click()
    expect(page.get_by_text("2 enrolled.")).to_be_visible()
    expect(page.locator("#import-preview")).to_have_count(0)
    roster = page.locator("#roster")
    expect(roster).to_contain_text("Amara Okafor")
    expect(roster).to_contain_text("Sven Berg")
    assert _enrolled(lms_server, course) == 2
    shot(page, "roster-after-import-desktop")

    with page.expect_download() as download:
        page.locator("#roster-export").click()
    lines = download.value.path().read_text().splitlines()
    assert download.value.suggested_filename.startswith("learners-fire-safety-")
    assert lines[0] == "name,email,status,enrolled_at,progress_percent,last_activity_at"
    assert [line.split(",")[1] for line in lines[1:]] == ["amara@example.com", "sven@example.com"]


def test_the_import_preview_fits_a_phone(new_context, course, tmp_path):
    page = new_context(PHONE).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course}/learners")
    page.locator("#import-open").click()
    _upload(page, tmp_path, "new-hires.csv", BAD)
    expect(page.locator("#import-preview")).to_contain_text("nobody in the organization has this email")
    # The line number moves under the person; no column runs off the screen.
    expect(page.locator("#import-preview").get_by_text("Line 3")).to_be_visible()
    assert _overflow(page) <= 0
    shot(page, "roster-import-errors-phone")
