"""Course analytics in a real browser: Irene opens the analytics of her demo course
"Customer service essentials" from the course editor, where a few learners took the quiz;
she reads the funnel, the quiz items and the learners at risk, exports the funnel as CSV (the
file holds its rows) and messages a learner at risk: the email reaches the learner's inbox.
Screenshots on desktop and phone; the phone never scrolls sideways."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect
from sqlmodel import func, select

from lms_app.assessments.questions import Question
from lms_app.models import AttemptAnswer, Course, Enrollment, Lesson, QuizAttempt, User
from lms_app.services import progress, quizzes
from lms_app.services.permissions import actor_for
from lms_app.services.seed_assessments import learner_response

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]
TITLE = "Customer service essentials"



@pytest.fixture(scope="module")
def course(lms_server) -> dict:
    """The demo course, with the quiz "Service check" taken once more by six learners in
    progress (not Leo), from all right to mostly wrong."""
    with lms_server.db() as s:
        course = s.exec(select(Course).where(Course.title == TITLE)).one()
        quiz = s.exec(select(Lesson).where(Lesson.course_id == course.id, Lesson.kind == "quiz")).one()
        leo = s.exec(select(User).where(User.email == "leo@example.com")).one()
        runs = s.exec(select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.status == "active",
                                               Enrollment.user_id != leo.id).order_by(Enrollment.id)).all()
        rng = random.Random(11)
        for n, run in enumerate(runs[:6]):
            learner = actor_for(s, s.get(User, run.user_id))
            progress.open_lesson(s, learner, run.id, quiz.id)
            attempt = quizzes.start_attempt(s, learner, quiz.id)
            answers = s.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id).order_by(AttemptAnswer.position)).all()
            for answer in answers:
                right = rng.random() < 1 - n / 6
                quizzes.save_answer(s, learner, attempt.id, answer.position, learner_response(rng, Question.from_dict(answer.question), right))
            quizzes.submit(s, learner, attempt.id)
        graded = s.exec(select(func.count()).select_from(QuizAttempt).where(QuizAttempt.lesson_id == quiz.id, QuizAttempt.status == "graded")).one()
        return {"id": course.id, "graded": graded}


def test_irene_reads_her_course_analytics_exports_and_messages_a_learner(new_context, course, lms_server, mailbox, tmp_path):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course['id']}")
    page.locator("#analytics-link").click()
    page.wait_for_url(f"**/teach/courses/{course['id']}/analytics")
    expect(page.get_by_role("heading", name="Course analytics")).to_be_visible()

    # The funnel: a chart and its table, lessons in course order.
    expect(page.locator("#chart-funnel .js-plotly-plot")).to_be_visible()
    funnel = page.locator(".rt-Card", has=page.get_by_role("heading", name="Lesson funnel", exact=True))
    expect(funnel.get_by_role("cell", name="1. How this course works")).to_be_visible()
    # The quiz's questions and the score distribution, from the graded attempts.
    expect(page.locator("#chart-quiz-items .js-plotly-plot")).to_be_visible()
    expect(page.locator("#chart-scores .js-plotly-plot")).to_be_visible()
    expect(page.locator("#figure-attempts h1, #figure-attempts .rt-Heading")).to_have_text(str(course["graded"]))
    # Learners who stopped weeks ago are at risk, with the reason in words.
    expect(page.locator("#at-risk-list")).to_contain_text("No activity in the course for")
    page.wait_for_load_state("networkidle")
    shot(page, "course-analytics-desktop")

    # Export the funnel: the file holds the table's rows.
    with page.expect_download() as download:
        funnel.get_by_role("button", name="Export Lesson funnel as CSV").click()
    saved = tmp_path / "funnel.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "Lesson,Reached,Finished,Drop-off,Median seconds"
    assert "How this course works," in text and "Service check," in text

    # Message the first learner at risk: an empty subject is refused in the dialog.
    row = page.locator(".lms-risk-row").first
    email = re.search(r"[\w.+-]+@example\.com", row.inner_text()).group(0)
    row.locator(".lms-risk-message").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#message-body").fill("We miss you in the course: shall we find a time this week?")
    dialog.locator("#message-send").click()
    expect(dialog.locator("#message-error")).to_have_text("Write a subject.")
    dialog.locator("#message-subject").fill("How is it going?")
    shot(page, "course-analytics-message")
    dialog.locator("#message-send").click()
    expect(page.get_by_text("Message sent to")).to_be_visible()
    expect(dialog).to_have_count(0)
    message = mailbox.wait_for(email, "How is it going?")
    assert TITLE in str(message["Subject"])


def test_the_analytics_fit_a_phone(new_context, course):
    page = new_context(PHONE).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course['id']}/analytics")
    expect(page.locator("#chart-funnel .js-plotly-plot")).to_be_visible()
    expect(page.locator("#at-risk-list")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "course-analytics-phone")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


def test_a_course_without_learners_says_what_will_appear(new_context, lms_server):
    with lms_server.db() as s:
        template = s.exec(select(Course).where(Course.title == "Course template")).one().id
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{template}/analytics")
    expect(page.get_by_text("When learners enroll and open lessons, how many reach and finish each lesson appears here.")).to_be_visible()
    expect(page.get_by_text("This course has no quiz yet.", exact=False)).to_be_visible()
    expect(page.get_by_text("No active learner is at risk.", exact=False)).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    shot(page, "course-analytics-empty")
