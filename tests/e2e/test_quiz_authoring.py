"""Quiz authoring in a real browser: Irene adds a quiz lesson in the course editor, picks a
question from the bank and a random draw from a category, sets a time limit and review
options, saves; after a reload the quiz shows what she saved. She opens the quiz's attempts
page from the editor, then on another quiz gives Amara an extra attempt and resets Leo's
attempt with a reason. On a phone both pages fit the screen."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.assessments.questions import Choice, Question
from lms_app.models import AuditEvent, User
from lms_app.services import courses, enrollment, question_bank, quizzes
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]


def single(title: str, points: float = 1.0) -> Question:
    return Question("single", title, f"{title}?", points=points, choices=[Choice("Yes", 1.0), Choice("No", 0.0)])


@pytest.fixture
def course(lms_server):
    """A published course with two bank categories and a warm-up quiz that Leo finished and
    Amara has started."""
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        c = courses.create_course(s, irene, f"Geography {time.time_ns() % 100000}")
        m = courses.add_module(s, irene, c.id, "Checks")
        capitals = question_bank.create_category(s, irene, "Capitals", course_id=c.id)
        pool = question_bank.create_category(s, irene, "Rivers", course_id=c.id)
        fixed = question_bank.save_question(s, irene, capitals.id, single("Capital of France", 2)).id
        question_bank.save_question(s, irene, capitals.id, single("Capital of Spain")).id
        for name in ("Seine", "Loire", "Rhône"):
            question_bank.save_question(s, irene, pool.id, single(f"Where the {name} flows"))
        warmup = courses.add_lesson(s, irene, m.id, "Warm-up", "quiz", {"questions": [{"question_id": fixed}], "attempts_allowed": 1})
        courses.update_course(s, irene, c.id, self_enrollment=True)
        courses.set_visibility(s, irene, c.id, "published")
        for email in ("leo@example.com", "amara@example.com"):
            learner = actor_for(s, people[email], "127.0.0.1")
            enrollment.self_enroll(s, learner, c.id)
            attempt = quizzes.start_attempt(s, learner, warmup.id)
            if email == "leo@example.com":
                quizzes.save_answer(s, learner, attempt.id, 1, 0)
                quizzes.submit(s, learner, attempt.id)
        s.flush()
        return {"id": c.id, "warmup": warmup.id}


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _choose(page, trigger: str, option: str) -> None:
    page.locator(trigger).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_irene_builds_a_quiz_and_controls_its_attempts(new_context, lms_server, course):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course['id']}")

    # A new quiz lesson.
    page.locator(".lms-add-lesson").first.click()
    _choose(page, "#lesson-kind", "Quiz")
    page.locator("#lesson-new-title").fill("Final check")
    page.locator("#save-new-lesson").click()
    editor = page.locator("#quiz-editor")
    expect(editor.locator("#bank-search")).to_be_visible()
    expect(page.locator(".lms-bank-row")).to_have_count(5)

    # A fixed question found by its title, then two questions drawn from "Rivers".
    page.locator("#bank-search").fill("france")
    expect(page.locator(".lms-bank-row")).to_have_count(1)
    page.locator(".lms-bank-add").click()
    expect(page.locator(".lms-quiz-item")).to_have_count(1)
    expect(page.locator(".lms-bank-row")).to_contain_text("In the quiz")
    _choose(page, "#draw-category", "Rivers (3)")
    page.locator("#draw-count").fill("2")
    page.locator("#add-draw").click()
    expect(page.locator(".lms-quiz-item")).to_have_count(2)
    expect(page.locator(".lms-quiz-item").nth(1)).to_contain_text("of 3 from")
    expect(page.locator("#quiz-summary")).to_have_text("3 questions per attempt · 4 pts")

    # A time limit and review options; a bad closing rule is explained first.
    page.locator("#quiz-time-limit").fill("25")
    _choose(page, "#review-correct", "After the quiz closes")
    page.locator("#save-quiz").click()
    expect(page.locator("#quiz-error")).to_have_text("Showing the correct answers after the quiz closes needs a closing time.")
    _choose(page, "#review-correct", "After each attempt")
    _choose(page, "#review-feedback", "Never")
    page.locator("#save-quiz").click()
    expect(page.get_by_text("Quiz saved.")).to_be_visible()
    expect(page.locator("#quiz-error")).to_have_count(0)
    expect(page.locator("#quiz-status")).to_have_text("All changes saved.")

    # After a reload the quiz holds what was saved.
    page.reload()
    page.locator(".lms-lesson-title", has_text="Final check").click()
    expect(page.locator("#quiz-time-limit")).to_have_value("25")
    expect(page.locator(".lms-quiz-item")).to_have_count(2)
    expect(page.locator(".lms-quiz-item").first).to_contain_text("Capital of France")
    expect(page.locator("#review-correct")).to_have_text("After each attempt")
    expect(page.locator("#review-feedback")).to_have_text("Never")
    shot(page, "quiz-authoring-editor-desktop")

    # The quiz's attempts page, from the editor: nobody has taken it yet.
    page.locator("#quiz-attempts-link").click()
    page.wait_for_url("**/quizzes/**")
    expect(page.locator("#attempts-empty")).to_be_visible()
    expect(page.locator("#quiz-rules")).to_contain_text("25 minutes")

    # The warm-up: Leo finished, Amara is still in it. Amara gets an extra attempt.
    page.goto(f"/teach/courses/{course['id']}/quizzes/{course['warmup']}")
    expect(page.locator(".lms-attempt")).to_have_count(2)
    page.locator("#add-override").click()
    page.locator(".lms-person-search input").fill("amara")
    page.locator(".lms-person", has_text="amara@example.com").click()
    page.locator("#override-attempts").fill("1")
    page.locator("#override-reason").fill("Missed the session")
    page.locator("#save-override").click()
    expect(page.locator(".lms-override")).to_have_count(1)
    expect(page.locator(".lms-override")).to_contain_text("+1 attempt")

    # Leo's attempt is reset, with a reason.
    page.locator(".lms-attempt", has_text="leo@example.com").locator(".lms-reset").click()
    page.locator("#action-reason").fill("Fire alarm during the quiz")
    page.locator("#confirm-action").click()
    expect(page.locator(".lms-attempt")).to_have_count(1)
    expect(page.locator(".lms-attempt")).to_contain_text("amara@example.com")
    shot(page, "quiz-authoring-attempts-desktop")
    with lms_server.db() as s:
        reset = s.exec(select(AuditEvent).where(AuditEvent.action == "quiz.attempt_reset")).all()
        assert [e.after["reason"] for e in reset] == ["Fire alarm during the quiz"]

    # On a phone.
    phone = new_context(PHONE).new_page()
    sign_in(phone, "irene@example.com")
    phone.goto(f"/teach/courses/{course['id']}/quizzes/{course['warmup']}")
    expect(phone.locator(".lms-attempt")).to_have_count(1)
    assert _overflow(phone) <= 1
    shot(phone, "quiz-authoring-attempts-phone")
    phone.goto(f"/teach/courses/{course['id']}")
    phone.locator(".lms-lesson-title", has_text="Final check").click()
    expect(phone.locator(".lms-quiz-item")).to_have_count(2)
    assert _overflow(phone) <= 1
    shot(phone, "quiz-authoring-editor-phone")
