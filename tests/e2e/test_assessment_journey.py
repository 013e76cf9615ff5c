"""Assessments from the first click to the gradebook, in a real browser: Irene imports a GIFT
bank, builds a quiz of an essay and two questions drawn at random, and writes a rubric; Leo
takes the quiz, reloading in the middle, and sees the auto-graded part at once while the
essay awaits grading; Irene grades the essay with the rubric and releases it; Leo sees his
final grade and her comment; the gradebook shows the grade and its CSV export holds it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import AttemptAnswer, Enrollment, GradeItem, Lesson, QuizAttempt, User
from lms_app.services import courses, enrollment
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, shot, sign_in
from .test_grading import _write_rubric

pytestmark = [pytest.mark.e2e]

BANK = """// Drill questions, written for the journey test.
$CATEGORY: Checks

::Doors:: Fire doors stay closed when nobody walks through. {TRUE}

::Extinguisher:: The extinguisher hangs by the exit. {TRUE#It always does.}

::Alarm:: The alarm is tested every Monday. {TRUE}

$CATEGORY: Essays

::Why exits:: Explain **why** the exits stay clear. {}
"""


@pytest.fixture
def course(lms_server) -> dict:
    """A published course Leo is enrolled in, with nothing assessed yet."""
    with lms_server.db() as s:
        people = {u.email: actor_for(s, u) for u in s.exec(select(User).where(User.email.in_(["irene@example.com", "leo@example.com"]))).all()}
        irene = people["irene@example.com"]
        title = f"Fire drills journey {time.time_ns() % 100000}"
        course = courses.create_course(s, irene, title)
        module = courses.add_module(s, irene, course.id, "Drills")
        courses.add_lesson(s, irene, module.id, "Read first", "text", {"markdown": "Exits stay clear."})
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_visibility(s, irene, course.id, "published")
        run = enrollment.self_enroll(s, people["leo@example.com"], course.id)
        s.commit()
        return {"id": course.id, "title": title, "run": run.id}


def _choose(page, trigger: str, option) -> None:
    page.locator(trigger).click()
    page.get_by_role("option", name=option).click()


def test_a_quiz_from_the_gift_bank_to_the_gradebook(new_context, lms_server, course, tmp_path: Path):
    irene = new_context(DESKTOP).new_page()
    sign_in(irene, "irene@example.com")

    # 1. The bank, imported from a GIFT file into a "Drills" category.
    irene.goto(f"/teach/courses/{course['id']}/questions")
    irene.locator("#first-category").click()
    irene.locator("#category-name").fill("Drills")
    irene.locator("#create-category").click()
    irene.locator("#import-gift").click()
    gift = tmp_path / "drills.gift"
    gift.write_text(BANK)
    irene.locator("#gift-upload input[type=file]").set_input_files(str(gift))
    expect(irene.get_by_text("questions imported", exact=False)).to_be_visible()
    expect(irene.locator(".lms-question-category", has_text="Drills / Checks")).to_be_visible()

    # 2. The quiz: the essay, then two of the three checks drawn at random.
    irene.goto(f"/teach/courses/{course['id']}")
    irene.locator(".lms-add-lesson").first.click()
    _choose(irene, "#lesson-kind", "Quiz")
    irene.locator("#lesson-new-title").fill("Drill quiz")
    irene.locator("#save-new-lesson").click()
    irene.locator("#bank-search").fill("why")
    expect(irene.locator(".lms-bank-row")).to_have_count(1)
    irene.locator(".lms-bank-add").click()
    _choose(irene, "#draw-category", re.compile(r"Checks \(3\)"))
    irene.locator("#draw-count").fill("2")
    irene.locator("#add-draw").click()
    expect(irene.locator("#quiz-summary")).to_have_text("3 questions per attempt · 3 pts")
    irene.locator("#save-quiz").click()
    expect(irene.get_by_text("Quiz saved.")).to_be_visible()
    _write_rubric(irene, course["id"], "journey")
    with lms_server.db() as s:
        quiz = s.exec(select(Lesson).where(Lesson.course_id == course["id"], Lesson.kind == "quiz")).one()
    quiz_path = f"/learn/courses/{course['id']}/{quiz.id}"

    # 3. Leo takes it: the essay and one check, a reload, the other check, submit.
    leo = new_context(DESKTOP).new_page()
    sign_in(leo, "leo@example.com")
    leo.goto(quiz_path)
    leo.locator("#quiz-start").click()
    questions = leo.locator(".lms-quiz-question")
    expect(questions).to_have_count(3)
    essay = "Smoke fills a corridor in **seconds**: a clear exit is the way out."
    questions.nth(0).locator("textarea").fill(essay)
    questions.nth(1).get_by_role("radio", name="True").click()
    expect(leo.locator("#quiz-answered")).to_have_text("2 of 3 answered")
    expect(leo.locator("#quiz-bar #quiz-save-status")).to_have_text("Saved")
    leo.reload()
    expect(questions).to_have_count(3)
    expect(questions.nth(0).locator("textarea")).to_have_value(essay)
    expect(questions.nth(1).get_by_role("radio", name="True")).to_be_checked()
    questions.nth(2).get_by_role("radio", name="True").click()
    expect(leo.locator("#quiz-answered")).to_have_text("3 of 3 answered")
    leo.locator("#quiz-submit").click()
    leo.locator("#quiz-submit-confirm").click()
    # The auto-graded part shows at once; the essay waits for Irene.
    expect(leo.locator("#quiz-result-status")).to_have_text("Awaiting grading")
    review = leo.locator(".lms-review-item")
    expect(review.nth(0)).to_contain_text("Awaiting grading")
    expect(review.nth(1)).to_contain_text("1 / 1")
    expect(review.nth(2)).to_contain_text("1 / 1")
    shot(leo, "journey-awaiting-grading")

    # 4. Irene grades the essay with the rubric (3 of 4 rubric points) and releases it.
    irene.goto("/teach/grading")
    _choose(irene, "#grading-course", course["title"])
    rows = irene.locator(".lms-grading-row")
    expect(rows).to_have_count(1)
    rows.nth(0).locator(".lms-grading-open").click()
    expect(irene.locator("#grading-answer")).to_contain_text("a clear exit is the way out")
    _choose(irene, "#grading-rubric", "Essay rubric")
    levels = irene.locator(".lms-criterion-levels")
    levels.nth(0).locator(".lms-level-card").nth(2).click()
    levels.nth(1).locator(".lms-level-card").nth(1).click()
    expect(irene.locator("#rubric-total")).to_contain_text("3 of 4 rubric points → 0.75 / 1")
    irene.locator("#grading-feedback").fill("Good: now name **both** exits.")
    irene.locator("#save-draft").click()
    expect(irene.get_by_text("Draft saved: the learner sees it once released.")).to_be_visible()
    irene.locator("#release-item").click()
    expect(irene.get_by_text("Released: the learner now sees the grade and feedback.")).to_be_visible()

    # 5. Leo sees the final grade (2.75 of 3) and Irene's comment.
    leo.goto(quiz_path)
    expect(leo.locator("#quiz-grade")).to_have_text("91.67%")
    leo.locator(".lms-quiz-review").first.click()
    expect(leo.locator("#quiz-result-percent")).to_have_text("91.67%")
    expect(review.nth(0)).to_contain_text("0.75 / 1")
    expect(review.nth(0).locator(".lms-feedback")).to_contain_text("Good: now name both exits.")
    shot(leo, "journey-graded")

    # 6. The gradebook shows it, and so does its CSV export.
    with lms_server.db() as s:
        item = s.exec(select(GradeItem).where(GradeItem.lesson_id == quiz.id)).one()
        attempt = s.exec(select(QuizAttempt).where(QuizAttempt.lesson_id == quiz.id)).one()
        assert s.exec(select(Enrollment.id).where(Enrollment.id == attempt.enrollment_id)).one() == course["run"]
        assert len(s.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)).all()) == 3
    irene.goto(f"/teach/courses/{course['id']}")
    irene.locator("#gradebook-link").click()
    expect(irene.locator(f"#cell-{course['run']}-{item.id}")).to_contain_text("91.67")
    shot(irene, "journey-gradebook")
    irene.locator("#gradebook-export").click()
    with irene.expect_download() as download:
        irene.locator("#export-csv").click()
    path = tmp_path / "gradebook.csv"
    download.value.save_as(path)
    text = path.read_text()
    assert "Drill quiz" in text.splitlines()[0]
    assert re.search(r"leo@example\.com,active,91\.67\b", text), text
