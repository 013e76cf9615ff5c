"""The learner's side of quizzes beyond attempts themselves: the intro (rules as they apply,
one's attempts, what may be shown), answers given as shown on screen and shown back after a
reload, and files handed in as answers (checked, kept privately, read by the learner and the
course's staff only)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlmodel import select

from lms_app import settings as app_settings
from lms_app.assessments.questions import Pair, Question, TextAnswer
from lms_app.assessments.shown import ShownAnswer, ShownOption, answer_of, describe, response_of, show
from lms_app.models import AttemptAnswer, utcnow
from lms_app.services import courses, enrollment, quizzes
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from tests.state.course_world import add_quiz, build_course

IRENE, LEO, AMARA, MAYA = "irene@example.com", "leo@example.com", "amara@example.com", "maya@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(demo, session, actor_of):
    ids = build_course(session, actor_of(IRENE), actor_of(LEO))
    ids.update(add_quiz(session, actor_of(IRENE), ids["course"], ids["module"], file=True, attempts_allowed=2, passing_percent=50))
    enrollment.self_enroll(session, actor_of(AMARA), ids["course"])
    session.commit()
    return ids


def test_the_overview_gives_the_rules_the_attempts_and_whether_one_may_start(world, session, actor_of):
    leo = actor_of(LEO)
    o = quizzes.learner_overview(session, leo, world["quiz"])
    assert (o.question_count, o.attempts_allowed, o.attempts_used, o.grading_method, o.passing_percent) == (3, 2, 0, "highest", 50.0)
    assert o.can_start and o.refusal == "" and o.open_attempt_id is None and o.attempts == [] and o.grade is None
    attempt = quizzes.start_attempt(session, leo, world["quiz"])
    assert quizzes.learner_overview(session, leo, world["quiz"]).open_attempt_id == attempt.id
    quizzes.save_answer(session, leo, attempt.id, 1, 0)
    quizzes.submit(session, leo, attempt.id)
    o = quizzes.learner_overview(session, leo, world["quiz"])
    # The file answer waits for a person: no score yet, no grade.
    assert [(a.number, a.status, a.percent) for a in o.attempts] == [(1, "awaiting_grading", None)] and o.grade is None
    second = quizzes.start_attempt(session, leo, world["quiz"])
    quizzes.submit(session, leo, second.id)
    o = quizzes.learner_overview(session, leo, world["quiz"])
    assert not o.can_start and o.refusal == "You have used all 2 attempts at this quiz."
    with pytest.raises(PermissionDenied, match="You are not enrolled in this course."):
        quizzes.learner_overview(session, actor_of(MAYA), world["quiz"])


def test_the_overview_hides_scores_the_review_options_hide(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    ids = build_course(session, irene, leo)
    quiz = add_quiz(session, irene, ids["course"], ids["module"], review={"score": "never"})["quiz"]
    attempt = quizzes.start_attempt(session, leo, quiz)
    quizzes.save_answer(session, leo, attempt.id, 1, 0)
    quizzes.submit(session, leo, attempt.id)
    o = quizzes.learner_overview(session, leo, quiz)
    assert [(a.status, a.percent, a.passed) for a in o.attempts] == [("graded", None, None)]
    assert o.grade is None and not o.shows_score


def test_a_closed_quiz_says_when_it_closed(world, session, actor_of):
    closed = utcnow() - timedelta(hours=1)
    content = {"questions": [{"question_id": q} for q in world["quiz_questions"]], "closes_at": closed.isoformat()}
    courses.update_lesson(session, actor_of(IRENE), world["quiz"], content=content)
    o = quizzes.learner_overview(session, actor_of(LEO), world["quiz"])
    assert not o.can_start and o.refusal.startswith("This quiz closed on ")


def test_answers_shown_on_screen_are_saved_and_shown_back(world, session, actor_of):
    leo = actor_of(LEO)
    attempt = quizzes.start_attempt(session, leo, world["quiz"])
    assert quizzes.save_shown_answer(session, leo, attempt.id, 1, ShownAnswer(choice="0")).saved
    assert quizzes.save_shown_answer(session, leo, attempt.id, 2, ShownAnswer(text="Paris")).saved
    rows = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id).order_by(AttemptAnswer.position)).all()
    assert [r.response for r in rows] == [0, "Paris", None]
    view = quizzes.attempt_view(session, leo, attempt.id)
    assert [a.answer.choice for a in view.answers][0] == "0" and view.answers[1].answer.text == "Paris"
    assert [a.answered for a in view.answers] == [True, True, False]
    with pytest.raises(NotFound, match="That attempt does not exist."):
        quizzes.save_shown_answer(session, actor_of(AMARA), attempt.id, 1, ShownAnswer(choice="1"))
    with pytest.raises(NotFound, match="That question is not in this attempt."):
        quizzes.save_shown_answer(session, leo, attempt.id, 9, ShownAnswer(choice="1"))


@pytest.mark.parametrize("question,shown", [
    (Question("matching", "M", "Match", pairs=[Pair("a", "1"), Pair("b", "2"), Pair("c", "1")]), ShownAnswer(matches=["0", "1", ""])),
    (Question("ordering", "O", "Order", items=["x", "y", "z"]), ShownAnswer(order=[ShownOption("2", "z"), ShownOption("0", "x"), ShownOption("1", "y")])),
    (Question("fill_blanks", "F", "[[1]] and [[2]]", blanks=[]), ShownAnswer(blanks=["sun", ""])),
    (Question("true_false", "T", "True?"), ShownAnswer(flag="false")),
    (Question("multiple", "C", "Pick", choices=[]), ShownAnswer(choices=["1", "0"])),
])
def test_a_response_shows_back_as_it_was_given(question, shown):
    from lms_app.assessments.questions import Blank, Choice

    if question.type == "fill_blanks":
        question.blanks = [Blank([TextAnswer("sun")]), Blank([TextAnswer("moon")])]
    if question.type == "multiple":
        question.choices = [Choice("a", 0.5), Choice("b", 0.5), Choice("c", 0.0)]
    order = list(range(len(question.pairs or question.items or question.choices)))
    response = response_of(question, shown)
    again = answer_of(question, order, response)
    assert response_of(question, again) == response
    assert describe(question, response) != ""
    # Nothing given yet shows the blank answer.
    assert answer_of(question, order, None) == show(question, order=order)[1]


def test_a_file_answer_is_checked_kept_privately_and_read_by_the_learner_and_staff_only(world, session, actor_of):
    leo = actor_of(LEO)
    attempt = quizzes.start_attempt(session, leo, world["quiz"])
    with pytest.raises(Invalid, match="this question takes .pdf files"):
        quizzes.save_file_answer(session, leo, attempt.id, 3, io.BytesIO(b"hello"), "notes.txt")
    with pytest.raises(Invalid, match="its content does not match its name"):
        quizzes.save_file_answer(session, leo, attempt.id, 3, io.BytesIO(b"just text"), "plan.pdf")
    with pytest.raises(Invalid, match="This question takes no file."):
        quizzes.save_file_answer(session, leo, attempt.id, 1, io.BytesIO(PDF), "plan.pdf")
    assert quizzes.save_file_answer(session, leo, attempt.id, 3, io.BytesIO(PDF), "plan.pdf").saved
    session.commit()
    first = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.position == 3)).one().response
    assert first.startswith(f"quiz_answers/{world['course']}/") and (app_settings.PRIVATE_DIR / first).read_bytes() == PDF
    served = quizzes.answer_file(session, leo, attempt.id, 3)
    assert served.mime == "application/pdf" and served.inline
    assert quizzes.answer_file(session, actor_of(IRENE), attempt.id, 3).path == served.path
    for other in (AMARA, MAYA):
        with pytest.raises(PermissionDenied):
            quizzes.answer_file(session, actor_of(other), attempt.id, 3)
    with pytest.raises(NotFound):
        quizzes.answer_file(session, leo, attempt.id, 1)
    # A new file replaces the old one, which is deleted once that is committed.
    assert quizzes.save_file_answer(session, leo, attempt.id, 3, io.BytesIO(PDF + b"\n"), "plan-2.pdf").saved
    session.commit()
    assert not (app_settings.PRIVATE_DIR / first).exists()
    view = quizzes.submit(session, leo, attempt.id)
    assert view.status == "awaiting_grading" and view.answers[2].your_answer == "A PDF file"
    with pytest.raises(Exception, match="already submitted"):
        quizzes.save_file_answer(session, leo, attempt.id, 3, io.BytesIO(PDF), "late.pdf")


def test_deleting_the_quiz_deletes_the_files_handed_in_as_answers(world, session, actor_of):
    leo = actor_of(LEO)
    attempt = quizzes.start_attempt(session, leo, world["quiz"])
    assert quizzes.save_file_answer(session, leo, attempt.id, 3, io.BytesIO(PDF), "plan.pdf").saved
    session.commit()
    path = session.exec(select(AttemptAnswer.response).where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.position == 3)).one()
    assert (app_settings.PRIVATE_DIR / path).exists()
    courses.delete_lesson(session, actor_of(IRENE), world["quiz"])
    session.commit()
    assert not (app_settings.PRIVATE_DIR / path).exists()
