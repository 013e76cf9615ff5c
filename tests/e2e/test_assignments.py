"""Assignments in a real browser: Irene sets an assignment's due date in the course editor (in
her own zone); Leo opens it in the player, writes an answer, adds a PDF and hands it in: he
sees "Submitted" and his file, which opens through the authenticated route. On a phone both
pages fit the screen."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import Lesson, Rubric, Submission, User, utcnow
from lms_app.services import courses, enrollment
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, SHOTS, shot, sign_in

pytestmark = [pytest.mark.e2e]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def viewport_shot(page, name: str) -> None:
    """What is on screen (a dialog scrolls inside the viewport: a full-page shot cuts it)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def world(lms_server) -> dict:
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User).where(User.email.in_(["irene@example.com", "leo@example.com"]))).all()}
        irene, leo = actor_for(s, people["irene@example.com"]), actor_for(s, people["leo@example.com"])
        course = courses.create_course(s, irene, f"Hazards {time.time_ns() % 100000}")
        module = courses.add_module(s, irene, course.id, "Reporting")
        lesson = courses.add_lesson(s, irene, module.id, "Hazard report", "assignment", {
            "instructions": "Describe **one hazard** at your workplace and attach a photo or a PDF.",
            "due_at": (utcnow() + timedelta(days=3, hours=2)).isoformat(), "cut_off_at": (utcnow() + timedelta(days=6)).isoformat(),
            "late_penalty_percent": 10, "late_penalty_max_percent": 30, "max_points": 20, "max_files": 3})
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_visibility(s, irene, course.id, "published")
        enrollment.self_enroll(s, leo, course.id)
        return {"course": course.id, "lesson": lesson.id, "irene_tz": people["irene@example.com"].timezone or "UTC"}


def test_leo_hands_in_text_and_a_pdf(new_context, world, lms_server, tmp_path):
    pdf = tmp_path / "hazard.pdf"
    pdf.write_bytes(PDF)
    page = new_context(DESKTOP).new_page()
    sign_in(page, "leo@example.com")
    page.goto(f"/learn/courses/{world['course']}/{world['lesson']}")
    expect(page.locator("#assignment-instructions")).to_contain_text("one hazard")
    expect(page.locator("#assignment-due-relative")).to_have_text("due in 3 days")
    expect(page.locator("#assignment-status")).to_have_text("Not handed in")
    shot(page, "assignments-learner-before-desktop")

    page.locator("#assignment-text").fill("The loading bay floor is wet after rain.")
    page.locator("#assignment-upload input[type=file]").set_input_files(str(pdf))
    expect(page.locator("#assignment-chosen-files")).to_contain_text("hazard.pdf")
    page.locator("#assignment-submit").click()
    expect(page.locator("#assignment-status")).to_have_text("Submitted")
    expect(page.locator("#assignment-submitted-text")).to_contain_text("loading bay floor")
    link = page.locator(".lms-submitted-file", has_text="hazard.pdf")
    expect(link).to_be_visible()
    expect(page.locator("#assignment-submit")).to_have_text("Resubmit")
    shot(page, "assignments-learner-desktop")

    # The file is read through the authenticated route, shown inline for the grader.
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.body() == PDF
    assert response.headers["content-disposition"].startswith("inline") and response.headers["x-content-type-options"] == "nosniff"

    # A reload shows what was handed in (kept on the server).
    page.reload()
    expect(page.locator("#assignment-status")).to_have_text("Submitted")
    expect(page.locator(".lms-submitted-file")).to_have_count(1)

    phone = new_context(PHONE).new_page()
    sign_in(phone, "leo@example.com")
    phone.goto(f"/learn/courses/{world['course']}/{world['lesson']}")
    expect(phone.locator("#assignment-status")).to_have_text("Submitted")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(phone, "assignments-learner-phone")

    # Once a grader releases the grade (the grading service's job, done here by hand), Leo
    # sees it with the rubric levels and the feedback, and can no longer hand in.
    with lms_server.db() as s:
        course_id = s.get(Lesson, world["lesson"]).course_id
        rubric = Rubric(org_id=s.get(Lesson, world["lesson"]).org_id, course_id=course_id, title="Hazard reports", criteria=[
            {"name": "Hazard named", "levels": [{"label": "Missing", "points": 0}, {"label": "Clear", "points": 10, "description": "Says what and where."}]},
            {"name": "Evidence", "levels": [{"label": "None", "points": 0}, {"label": "Some", "points": 5}, {"label": "Strong", "points": 10}]}])
        s.add(rubric)
        s.flush()
        row = s.exec(select(Submission).where(Submission.lesson_id == world["lesson"])).one()
        row.status, row.points, row.penalty, row.released_at = "released", 15, 0, utcnow()
        row.feedback, row.rubric = "Good catch. **Add a photo** next time.", {"rubric_id": rubric.id, "levels": [1, 1]}
        s.add(row)
    page.reload()
    expect(page.locator("#assignment-status")).to_have_text("Graded")
    expect(page.locator("#assignment-grade")).to_have_text("15 / 20 (75%)")
    expect(page.locator("#assignment-feedback")).to_contain_text("Add a photo")
    expect(page.get_by_text("Says what and where.")).to_be_visible()
    expect(page.locator("#assignment-submit")).to_have_count(0)
    shot(page, "assignments-learner-graded-desktop")


def test_irene_sets_the_due_date_in_the_editor(new_context, world, lms_server):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{world['course']}")
    page.locator(".lms-lesson-title", has_text="Hazard report").click()
    expect(page.locator("#assignment-editor")).to_be_visible()
    due = page.locator("#assignment-due-at")
    expect(due).not_to_have_value("")
    due.fill("2031-05-20T17:30")
    page.locator("#assignment-late-penalty-percent").fill("5")
    page.locator("#save-assignment").click()
    # The cut-off (in 6 days) is now before the due date: refused, with the reason.
    expect(page.get_by_text("The cut-off date cannot be before the due date.")).to_be_visible()
    page.locator("#assignment-cut-off-at").fill("2031-05-22T17:30")
    page.locator("#save-assignment").click()
    expect(page.get_by_text("Assignment saved.")).to_be_visible()
    shot(page, "assignments-editor-desktop")
    with lms_server.db() as s:
        content = s.get(Lesson, world["lesson"]).content
    expected = datetime(2031, 5, 20, 17, 30, tzinfo=ZoneInfo(world["irene_tz"]))
    assert datetime.fromisoformat(content["due_at"]) == expected, "read in Irene's zone, stored in UTC"
    assert content["late_penalty_percent"] == 5.0

    # Leo was ill: he gets three more days; the others keep the assignment's dates.
    page.locator("#add-extension").click()
    page.locator("#extension-learner").click()
    page.get_by_role("option", name="Leo Learner (leo@example.com)").click()
    page.locator("#extension-due-at").fill("2031-05-23T17:30")
    page.locator("#extension-closes-at").fill("2031-05-25T17:30")
    page.locator("#extension-reason").fill("Sick leave")
    page.locator("#save-extension").click()
    expect(page.get_by_text("Extension saved for Leo Learner.")).to_be_visible()
    expect(page.locator("#extension-list")).to_contain_text("23 May 2031, 17:30")
    page.locator("#extension-list").scroll_into_view_if_needed()
    viewport_shot(page, "assignments-editor-extensions-desktop")

    phone = new_context(PHONE).new_page()
    sign_in(phone, "irene@example.com")
    phone.goto(f"/teach/courses/{world['course']}")
    phone.locator(".lms-lesson-title", has_text="Hazard report").click()
    expect(phone.locator("#assignment-due-at")).to_have_value("2031-05-20T17:30")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    phone.locator("#assignment-due-at").scroll_into_view_if_needed()
    viewport_shot(phone, "assignments-editor-phone")
    phone.locator("#extension-list").scroll_into_view_if_needed()
    viewport_shot(phone, "assignments-editor-extensions-phone")
