"""A quiz in the course player, in a real browser: Leo opens the quiz lesson, reads the intro,
starts, answers (each answer saved as given), reloads in the middle and finds his answers,
submits (the dialog says nothing is left unanswered) and sees his score and the correct
answers. On a phone he starts a second attempt with the countdown on screen."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import AttemptAnswer, QuizAttempt, User
from lms_app.services.permissions import actor_for
from tests.state.course_world import add_quiz, build_course

from .conftest import DESKTOP, PHONE, SHOTS, shot, sign_in

pytestmark = [pytest.mark.e2e]

REVIEW = {"score": "after_attempt", "correct_answers": "after_attempt", "feedback": "after_attempt"}


@pytest.fixture
def quiz_path(lms_server) -> str:
    with lms_server.db() as s:
        people = {u.email: actor_for(s, u) for u in s.exec(select(User).where(User.email.in_(["irene@example.com", "leo@example.com"]))).all()}
        ids = build_course(s, people["irene@example.com"], people["leo@example.com"])
        quiz = add_quiz(s, people["irene@example.com"], ids["course"], ids["module"], time_limit_minutes=30, attempts_allowed=3,
                        passing_percent=60, review=REVIEW)
        return f"/learn/courses/{ids['course']}/{quiz['quiz']}"


def saved(lms_server, timeout: float = 15.0) -> list:
    """The responses kept in the newest attempt, once the server has them."""
    with lms_server.db() as s:
        attempt = s.exec(select(QuizAttempt).order_by(QuizAttempt.id.desc())).first()
        return [a.response for a in s.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id).order_by(AttemptAnswer.position)).all()]


def wait_saved(lms_server, expected: list, timeout: float = 15.0) -> None:
    deadline = time.time() + timeout
    while saved(lms_server) != expected:
        assert time.time() < deadline, f"answers not saved: {saved(lms_server)}"
        time.sleep(0.2)



def test_leo_takes_a_quiz_reloads_in_the_middle_and_sees_his_score(new_context, lms_server, quiz_path):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "leo@example.com")
    page.goto(quiz_path)
    intro = page.locator("#quiz-intro")
    expect(intro).to_be_visible()
    expect(page.locator("#quiz-facts")).to_contain_text("30 minutes")
    expect(page.locator("#quiz-facts")).to_contain_text("0 used of 3")
    expect(page.locator("#quiz-facts")).to_contain_text("60%")
    shot(page, "quiz-player-intro-desktop")

    page.locator("#quiz-start").click()
    questions = page.locator(".lms-quiz-question")
    expect(questions).to_have_count(2)
    timer = page.locator("#quiz-timer-text")
    expect(timer).to_have_text(re.compile(r"^(30:00|29:[0-5]\d)$"))
    shown = timer.inner_text()
    expect(timer).not_to_have_text(shown, timeout=5000)  # it counts down
    questions.nth(0).get_by_text("Yes", exact=True).click()
    wait_saved(lms_server, [0, None])
    questions.nth(1).locator("input").fill("paris")
    wait_saved(lms_server, [0, "paris"])
    expect(page.locator("#quiz-bar #quiz-save-status")).to_have_text("Saved")
    expect(page.locator("#quiz-answered")).to_have_text("2 of 2 answered")
    shot(page, "quiz-player-attempt-desktop")
    # The last minute shows in amber (the page told, as the server would, that 45 s are left).
    page.evaluate("""() => { const t = document.getElementById('quiz-timer');
        t.setAttribute('data-server-now', String(Number(t.getAttribute('data-deadline')) - 45000)); }""")
    expect(page.locator("#quiz-timer")).to_have_attribute("data-urgent", "true")
    expect(timer).to_have_text(re.compile(r"^0:4\d$"))
    page.locator("#quiz-bar").screenshot(path=str(SHOTS / "quiz-player-timer-last-minute.png"))

    # A reload in the middle: the same attempt, the answers kept.
    page.reload()
    expect(questions).to_have_count(2)
    expect(questions.nth(0).get_by_role("radio", name="Yes")).to_be_checked()
    expect(questions.nth(1).locator("input")).to_have_value("paris")
    expect(page.locator("#quiz-bar")).to_contain_text("Attempt 1")

    page.locator("#quiz-submit").click()
    expect(page.locator("#quiz-submit-summary")).to_contain_text("All questions are answered")
    page.locator("#quiz-submit-confirm").click()
    expect(page.locator("#quiz-result-percent")).to_have_text("100%")
    expect(page.locator("#quiz-result-score")).to_have_text("3 / 3 points")
    expect(page.locator("#quiz-result-summary")).to_contain_text("Passed")
    expect(page.locator(".lms-correct-answer").first).to_contain_text("Yes")
    expect(page.locator(".lms-feedback").first).to_contain_text("Well done.")
    shot(page, "quiz-player-result-desktop")
    # Passing completed the lesson: the outline says so at once.
    expect(page.locator("#player-outline .lms-outline-lesson", has_text="Lifting check")).to_have_attribute("data-lesson-state", "done")
    with lms_server.db() as s:
        assert [a.status for a in s.exec(select(QuizAttempt)).all()][-1:] == ["graded"]

    # On a phone: the intro lists the attempt, a second one starts with the countdown showing.
    phone = new_context(PHONE).new_page()
    sign_in(phone, "leo@example.com")
    phone.goto(quiz_path)
    expect(phone.locator(".lms-quiz-attempt-row")).to_have_count(1)
    expect(phone.locator("#quiz-grade")).to_have_text("100%")
    shot(phone, "quiz-player-intro-phone")
    phone.locator("#quiz-start").click()
    expect(phone.locator("#quiz-timer-text")).to_have_text(re.compile(r"^\d+:\d\d$"))
    phone.locator(".lms-quiz-question").nth(0).get_by_text("No", exact=True).click()
    wait_saved(lms_server, [1, None])
    shot(phone, "quiz-player-attempt-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the attempt is wider than the phone: {width}px"
    phone.locator("#quiz-submit-top").click()
    expect(phone.locator("#quiz-submit-summary")).to_contain_text("1 question is not answered")
    phone.locator("#quiz-submit-confirm").click()
    expect(phone.locator("#quiz-result-percent")).to_have_text("0%")
    expect(phone.locator("#quiz-result-summary")).to_contain_text("Not passed")
    shot(phone, "quiz-player-result-phone")


def test_leo_hands_in_a_file_answer_and_it_awaits_grading(new_context, lms_server, tmp_path):
    with lms_server.db() as s:
        people = {u.email: actor_for(s, u) for u in s.exec(select(User).where(User.email.in_(["irene@example.com", "leo@example.com"]))).all()}
        ids = build_course(s, people["irene@example.com"], people["leo@example.com"])
        quiz = add_quiz(s, people["irene@example.com"], ids["course"], ids["module"], file=True)
        path = f"/learn/courses/{ids['course']}/{quiz['quiz']}"
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page = new_context(PHONE).new_page()
    sign_in(page, "leo@example.com")
    page.goto(path)
    page.locator("#quiz-start").click()
    question = page.locator(".lms-quiz-question").nth(2)
    expect(question).to_contain_text("Hand in your lifting plan.")
    expect(question).to_contain_text("Accepted: .pdf")
    question.locator(".lms-quiz-file-button").click()
    page.locator("#quiz-file-upload input[type=file]").set_input_files(str(plan))
    expect(question.locator(".lms-quiz-file-link")).to_be_visible()
    href = question.locator(".lms-quiz-file-link").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"].startswith("application/pdf")
    shot(page, "quiz-player-file-phone")
    page.reload()
    expect(page.locator(".lms-quiz-question").nth(2).locator(".lms-quiz-file-link")).to_be_visible()
    page.locator("#quiz-submit").click()
    expect(page.locator("#quiz-submit-summary")).to_contain_text("2 questions are not answered")
    page.locator("#quiz-submit-confirm").click()
    expect(page.locator("#quiz-result-status")).to_have_text("Awaiting grading")
    expect(page.locator(".lms-review-item").nth(2)).to_contain_text("Awaiting grading")
    shot(page, "quiz-player-awaiting-phone")
