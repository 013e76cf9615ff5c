"""The gradebook in a real browser: Irene opens it from the course editor, types a manual grade
in its cell (the row's total follows), overrides an assignment grade with a reason, and exports
CSV holding both; Leo opens his grades from the player and reads them with their feedback.
Screenshots on desktop and phone."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import Enrollment, Lesson, User
from lms_app.services import courses, enrollment, gradebook
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]



@pytest.fixture
def course(lms_server) -> dict:
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"])
        course = courses.create_course(s, irene, f"Warehouse safety {time.time_ns() % 100000}")
        module = courses.add_module(s, irene, course.id, "Basics")
        report = courses.add_lesson(s, irene, module.id, "Hazard report", "assignment",
                                    {"instructions": "Report one hazard.", "max_points": 20})
        courses.add_lesson(s, irene, module.id, "Read me", "text", {"markdown": "Hello"})
        courses.set_visibility(s, irene, course.id, "published")
        learners = ["leo@example.com"] + sorted(e for e in people if e not in (
            "leo@example.com", "irene@example.com", "isaac@example.com", "maya@example.com", "admin@example.com"))[:7]
        enrollment.enroll_users(s, irene, course.id, [people[e].id for e in learners])
        quizzes = gradebook.save_category(s, irene, course.id, None, "Assignments", 70, 0)
        part = gradebook.save_item(s, irene, course.id, None, title="Participation", max_points=10)
        gradebook.save_item(s, irene, course.id, None, title="Bonus", max_points=5, extra_credit=True)
        item = gradebook.item_for_lesson(s, s.get(Lesson, report.id))
        gradebook.save_item(s, irene, course.id, item.id, max_points=20, category_id=quizzes.id)
        runs = {e.user_id: e.id for e in s.exec(select(Enrollment).where(Enrollment.course_id == course.id)).all()}
        for n, email in enumerate(learners[1:], start=1):
            gradebook.record_result(s, s.get(Lesson, report.id), runs[people[email].id], (n % 5 + 5) / 10)
            gradebook.set_entry(s, irene, runs[people[email].id], part.id, n % 10)
        gradebook.record_result(s, s.get(Lesson, report.id), runs[people["leo@example.com"].id], 0.5)
        gradebook.set_entry(s, irene, runs[people["leo@example.com"].id], part.id, "", feedback="Asks **good** questions")
        return {"course": course.id, "run": runs[people["leo@example.com"].id], "part": part.id, "item": item.id, "lesson": report.id}


def test_irene_grades_in_the_gradebook_and_leo_reads_his_grades(new_context, course, tmp_path):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course['course']}")
    page.locator("#gradebook-link").click()
    page.wait_for_url(f"**/teach/courses/{course['course']}/gradebook")
    run, total = course["run"], page.locator(f"#total-{course['run']}")
    # Assignment 10/20 = 50 % weighs 70; Participation not graded yet.
    expect(total).to_have_text("50.0 %")
    expect(page.locator(".gb-row")).to_have_count(8)

    cell = page.locator(f"#cell-{run}-{course['part']}")
    cell.fill("8")
    cell.press("Tab")
    # 0.7 × 50 % + 0.3 × 80 % = 59 %
    expect(total).to_have_text("59.0 %")
    expect(page.locator(f"#letter-{run}")).to_have_text("F")

    page.locator(f"#cell-{run}-{course['item']}").click()
    page.locator("#override-points").fill("18")
    page.locator("#override-reason").fill("Handed in on paper")
    shot(page, "gradebook-override-dialog")
    page.locator("#save-override").click()
    expect(page.get_by_text("Grade overridden.")).to_be_visible()
    # 0.7 × 90 % + 0.3 × 80 % = 87 %
    expect(total).to_have_text("87.0 %")
    shot(page, "gradebook-desktop")

    page.locator("#gradebook-export").click()
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    path = tmp_path / "gradebook.csv"
    download.value.save_as(path)
    text = path.read_text()
    assert "Hazard report" in text and "Participation" in text
    assert "leo@example.com,active,18.0,8.0,,87.0,B" in text

    page.locator("#gradebook-setup").click()
    expect(page.get_by_role("dialog")).to_contain_text("Assignments")
    shot(page, "gradebook-setup")
    page.keyboard.press("Escape")

    bad = tmp_path / "grades.csv"
    bad.write_text("email,Participation,Bonus\nleo@example.com,9,2\nnobody@example.com,3,\namara@example.com,11,\n")
    page.locator("#gradebook-import").click()
    page.locator("#gradebook_csv input[type=file]").set_input_files(str(bad))
    expect(page.locator("#import-summary")).to_contain_text("2 will change, 0 unchanged, 2 with problems")
    expect(page.locator(".gb-import-row")).to_have_count(4)
    expect(page.locator("#commit-import")).to_be_disabled()
    shot(page, "gradebook-import-preview")
    page.keyboard.press("Escape")
    expect(total).to_have_text("87.0 %")

    phone = new_context(PHONE).new_page()
    sign_in(phone, "irene@example.com")
    phone.goto(f"/teach/courses/{course['course']}/gradebook")
    expect(phone.locator(f"#total-{run}")).to_have_text("87.0 %")
    shot(phone, "gradebook-phone")
    # The grid scrolls inside its box: the phone never scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    leo = new_context(DESKTOP).new_page()
    sign_in(leo, "leo@example.com")
    leo.goto(f"/learn/courses/{course['course']}/{course['lesson']}")
    leo.locator("#course-grades").click()
    leo.wait_for_url(f"**/learn/courses/{course['course']}/grades")
    expect(leo.locator("#my-total")).to_have_text("87.0 %")
    expect(leo.locator("#my-letter")).to_have_text("B")
    expect(leo.locator(".gb-grade", has_text="Hazard report")).to_contain_text("18 / 20")
    expect(leo.locator(".gb-grade", has_text="Hazard report")).to_contain_text("Adjusted by your instructor")
    expect(leo.locator("#still-to-come")).to_contain_text("Bonus")
    # The feedback is Markdown, rendered.
    expect(leo.locator(".gb-grade", has_text="Participation").locator(".gb-feedback strong")).to_have_text("good")
    shot(leo, "grades-desktop")
    leo_phone = new_context(PHONE).new_page()
    sign_in(leo_phone, "leo@example.com")
    leo_phone.goto(f"/learn/courses/{course['course']}/grades")
    expect(leo_phone.locator("#my-total")).to_have_text("87.0 %")
    shot(leo_phone, "grades-phone")
    assert leo_phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
