"""Grading in a real browser: Irene writes a rubric in the rubric editor, opens the grading
queue from the navigation, grades Leo's essay with the rubric (live total), saves and moves to
the next learner, gives Amara a plain score, goes back, releases Leo's grade from the page and
Amara's in bulk from the queue; Leo then sees his grade in the quiz. Queue, grading view and
rubric editor are looked at on a phone too."""

from __future__ import annotations

import io
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app import settings
from lms_app.assessments.questions import Choice, Question
from lms_app.models import AttemptAnswer, User
from lms_app.services import assignments, courses, enrollment, question_bank, quizzes
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
       b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 300 200]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def world(lms_server) -> dict:
    """A published course whose quiz (a single choice and an essay) Leo, then Amara, submitted."""
    with lms_server.db() as s:
        people = {u.email: actor_for(s, u) for u in s.exec(select(User)).all()}
        irene = people["irene@example.com"]
        title = f"Fire drills {time.time_ns() % 100000}"
        course = courses.create_course(s, irene, title)
        module = courses.add_module(s, irene, course.id, "Basics")
        bank = question_bank.create_category(s, irene, "Bank", course_id=course.id)
        q1 = question_bank.save_question(s, irene, bank.id, Question("single", "Exits", "Are exits kept clear?",
                                                                      choices=[Choice("Yes", 1.0), Choice("No", 0.0)])).id
        essay = question_bank.save_question(s, irene, bank.id, Question("essay", "Why clear exits", "Explain **why** exits stay clear.", points=4)).id
        quiz = courses.add_lesson(s, irene, module.id, "Drill check", "quiz",
                                  {"questions": [{"question_id": q1}, {"question_id": essay}], "shuffle_questions": False})
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_visibility(s, irene, course.id, "published")
        answers = {}
        for email, text in (("leo@example.com", "People must get out **fast**, and firefighters must get in."),
                            ("amara@example.com", "So nobody trips.")):
            learner = people[email]
            enrollment.self_enroll(s, learner, course.id)
            attempt = quizzes.start_attempt(s, learner, quiz.id)
            quizzes.save_answer(s, learner, attempt.id, 1, 0)
            quizzes.save_answer(s, learner, attempt.id, 2, text)
            quizzes.submit(s, learner, attempt.id)
            answers[email] = s.exec(select(AttemptAnswer.id).where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.position == 2)).one()
            time.sleep(0.01)  # Leo first, then Amara
        # Leo also hands in a report (a PDF and his notes) for an assignment.
        report = courses.add_lesson(s, irene, module.id, "Exit report", "assignment",
                                    {"instructions": "Walk the store and report **every** exit.", "max_points": 20})
        # The files go to the app's own private folder, where it serves them from.
        saved_private, settings.PRIVATE_DIR = settings.PRIVATE_DIR, lms_server.data_dir / "private"
        try:
            handed = assignments.submit(s, people["leo@example.com"], report.id, "Two exits checked; see the files.",
                                        [(io.BytesIO(PDF), "exits.pdf"), (io.BytesIO(b"Exit 1: clear\nExit 2: boxes in front\n"), "notes.txt")])
        finally:
            settings.PRIVATE_DIR = saved_private
        s.commit()
        return {"course": course.id, "title": title, "quiz": quiz.id, "answers": answers, "submission": handed.submission_id}


def _write_rubric(page, course_id: int, screen: str) -> None:
    page.goto(f"/teach/courses/{course_id}")
    page.locator("#rubrics-link").click()
    page.wait_for_url(f"**/teach/courses/{course_id}/rubrics")
    page.locator("#first-rubric").click()
    page.locator("#rubric-title").fill("Essay rubric")
    criteria = page.locator(".lms-criterion")
    criteria.nth(0).locator(".lms-criterion-name input, input.lms-criterion-name").first.fill("Argument")
    page.locator("#add-criterion").click()
    expect(criteria).to_have_count(2)
    criteria.nth(1).locator(".lms-criterion-name input, input.lms-criterion-name").first.fill("Style")
    shot(page, f"grading-rubric-editor-{screen}")
    page.locator("#save-rubric").click()
    expect(page.get_by_text("Rubric “Essay rubric” created.")).to_be_visible()
    expect(page.locator(".lms-rubric-card")).to_have_count(1)
    expect(page.locator(".lms-rubric-card")).to_contain_text("2 criteria · 4 points")


def test_irene_grades_with_a_rubric_and_releases(new_context, world, lms_server):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    _write_rubric(page, world["course"], "desktop")
    shot(page, "grading-rubrics-desktop")

    # The queue, from the navigation; only this course's work.
    page.get_by_role("link", name="Grading").first.click()
    page.wait_for_url("**/teach/grading")
    page.locator("#grading-course").click()
    page.get_by_role("option", name=world["title"]).click()
    rows = page.locator(".lms-grading-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Leo Learner")
    expect(rows.nth(1)).to_contain_text("Amara Okafor")
    expect(rows.nth(2)).to_contain_text("Exit report")
    expect(rows.nth(0)).to_contain_text("To grade")
    shot(page, "grading-queue-desktop")

    # Leo's essay with the rubric: the total follows the levels picked.
    rows.nth(0).locator(".lms-grading-open").click()
    page.wait_for_url(f"**/teach/grading/quiz/{world['answers']['leo@example.com']}")
    expect(page.locator("#grading-learner")).to_have_text("Leo Learner")
    expect(page.locator("#grading-answer")).to_contain_text("People must get out fast")
    page.locator("#grading-rubric").click()
    page.get_by_role("option", name="Essay rubric").click()
    levels = page.locator(".lms-criterion-levels")
    expect(levels).to_have_count(2)
    levels.nth(0).locator(".lms-level-card").nth(2).click()  # Argument: Fully there (2)
    expect(page.locator("#rubric-total")).to_contain_text("1 criterion to go")
    levels.nth(1).locator(".lms-level-card").nth(1).click()  # Style: Partly there (1)
    expect(page.locator("#rubric-total")).to_contain_text("3 of 4 rubric points → 3 / 4")
    page.locator("#grading-feedback").fill("A **clear** argument; say more about smoke.")
    shot(page, "grading-view-rubric-desktop")
    page.locator("#save-next").click()

    # Amara's essay, next, with a plain score.
    page.wait_for_url(f"**/teach/grading/quiz/{world['answers']['amara@example.com']}")
    expect(page.locator("#grading-learner")).to_have_text("Amara Okafor")
    page.locator("#grading-points").fill("9")
    page.locator("#save-draft").click()
    expect(page.locator("#grading-error")).to_have_text("Give a score between 0 and 4.")
    page.locator("#grading-points").fill("1.5")
    page.locator("#save-draft").click()
    expect(page.get_by_text("Draft saved: the learner sees it once released.")).to_be_visible()

    # Back to Leo: release his grade from the page.
    page.locator("#prev-learner").click()
    page.wait_for_url(f"**/teach/grading/quiz/{world['answers']['leo@example.com']}")
    expect(page.locator("#grading-feedback")).to_have_value("A **clear** argument; say more about smoke.")
    page.locator("#release-item").click()
    expect(page.get_by_text("Released: the learner now sees the grade and feedback.")).to_be_visible()

    # Amara's in bulk from the queue.
    page.locator("a", has_text="Grading queue").click()
    page.wait_for_url("**/teach/grading")
    page.get_by_role("radio", name="To release").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("Amara Okafor")
    rows.nth(0).locator(".lms-grading-select").click()
    page.locator("#release-selected").click()
    expect(page.locator("#release-outcome")).to_contain_text("Amara Okafor: Drill check")
    expect(rows).to_have_count(0)

    # Leo's report: the PDF and his notes are read in the page.
    page.goto(f"/teach/grading/assignment/{world['submission']}")
    expect(page.locator("#grading-learner")).to_have_text("Leo Learner")
    expect(page.locator("iframe[title='exits.pdf']")).to_be_visible()
    expect(page.get_by_text("Exit 2: boxes in front")).to_be_visible()
    shot(page, "grading-view-submission-desktop")

    # Leo sees his grade: 1 of 1 plus 3 of 4 -> 80%.
    learner = new_context(DESKTOP).new_page()
    sign_in(learner, "leo@example.com")
    learner.goto(f"/learn/courses/{world['course']}/{world['quiz']}")
    expect(learner.locator("#quiz-grade")).to_contain_text("80")


def test_the_grading_pages_fit_a_phone(new_context, world):
    page = new_context(PHONE).new_page()
    sign_in(page, "irene@example.com")
    _write_rubric(page, world["course"], "phone")
    shot(page, "grading-rubrics-phone")
    page.goto("/teach/grading")
    expect(page.locator(".lms-grading-row").first).to_be_visible()
    shot(page, "grading-queue-phone")
    page.goto(f"/teach/grading/quiz/{world['answers']['leo@example.com']}")
    page.locator("#grading-rubric").click()
    page.get_by_role("option", name="Essay rubric").click()
    page.locator(".lms-criterion-levels").nth(0).locator(".lms-level-card").nth(1).click()
    expect(page.locator("#rubric-total")).to_contain_text("1 criterion to go")
    shot(page, "grading-view-rubric-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "the grading view fits the phone's width"
