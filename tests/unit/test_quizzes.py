"""Quiz attempts: questions drawn and frozen, an attempt that survives reloads and second tabs,
answers saved as given, one submit counted once, the deadline enforced on the server (on save
and by the job runner), attempts and window limits, grading across attempts, essays awaiting a
person, review options showing only what the quiz allows, and the quiz grade in the gradebook."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from lms_app import db
from lms_app.assessments.questions import Choice, Question
from lms_app.jobs.runner import Runner
from lms_app.models import AttemptAnswer, AuditEvent, GradeEntry, LessonProgress, QuizAttempt, utcnow
from lms_app.services import courses, enrollment, jobs, question_bank, quizzes
from lms_app.services.errors import Conflict, NotFound, PermissionDenied

IRENE, LEO, AMARA, MAYA = "irene@example.com", "leo@example.com", "amara@example.com", "maya@example.com"
RIGHT, WRONG = 0, 1  # responses to the single-choice questions below: the right choice is the first


def single(title: str) -> Question:
    return Question("single", title, f"{title}?", choices=[Choice("Yes", 1.0, "Well done."), Choice("No", 0.0, "Not quite.")])


ESSAY = Question("essay", "Why", "Explain why exits stay clear.")


@pytest.fixture
def world(demo, session, actor_of):
    """A published course whose quiz uses a pool of four questions and an essay; Leo and Amara
    are enrolled, Maya is not."""
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Fire safety")
    module = courses.add_module(session, irene, course.id, "Basics")
    pool = question_bank.create_category(session, irene, "Pool", course_id=course.id)
    essays = question_bank.create_category(session, irene, "Essays", course_id=course.id)
    q = [question_bank.save_question(session, irene, pool.id, single(f"Q{n}")).id for n in range(1, 5)]
    essay = question_bank.save_question(session, irene, essays.id, ESSAY).id
    quiz = courses.add_lesson(session, irene, module.id, "Check", "quiz", {"questions": [{"question_id": q[0]}, {"question_id": q[1]}]})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    runs = {email: enrollment.self_enroll(session, actor_of(email), course.id).id for email in (LEO, AMARA)}
    session.commit()
    return {"course": course.id, "quiz": quiz.id, "pool": pool.id, "q": q, "essay": essay, "runs": runs}


def configure(session, actor_of, world, **settings) -> None:
    content = {"questions": [{"question_id": world["q"][0]}, {"question_id": world["q"][1]}], **settings}
    courses.update_lesson(session, actor_of(IRENE), world["quiz"], content=content)


def answers(session, attempt_id) -> list[AttemptAnswer]:
    return list(session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id).order_by(AttemptAnswer.position)).all())


def take(session, learner, world, *responses, now=None) -> quizzes.AttemptView:
    """Start an attempt, answer its questions in order, submit."""
    attempt = quizzes.start_attempt(session, learner, world["quiz"], now=now)
    for position, response in enumerate(responses, 1):
        assert quizzes.save_answer(session, learner, attempt.id, position, response, now=now).saved
    return quizzes.submit(session, learner, attempt.id, now=now)


def closed_events(session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "quiz.attempt_closed")).all())


# --- starting ----------------------------------------------------------------------------------

def test_random_draws_never_repeat_and_the_questions_are_frozen(world, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    # Q1 fixed, plus three drawn from a pool that also holds Q1: the draw must take the other three.
    courses.update_lesson(session, irene, world["quiz"], content={
        "questions": [{"question_id": world["q"][0]}, {"category_id": world["pool"], "count": 3}], "shuffle_questions": True})
    attempt = quizzes.start_attempt(session, leo, world["quiz"])
    rows = answers(session, attempt.id)
    assert sorted(r.bank_question_id for r in rows) == sorted(world["q"])
    assert attempt.max_score == 4.0 and [r.position for r in rows] == [1, 2, 3, 4]
    assert all(sorted(r.order) == [0, 1] for r in rows), "each question has its choice order"
    # Changing a question in the bank changes nothing in an attempt already given.
    question_bank.save_question(session, irene, world["pool"], single("Changed"), question_id=world["q"][0])
    frozen = next(r for r in rows if r.bank_question_id == world["q"][0])
    assert frozen.question["title"] == "Q1" and frozen.question_version == 1
    view = quizzes.attempt_view(session, leo, attempt.id)
    shown = json.dumps([dataclasses.asdict(a.shown) for a in view.answers])
    assert "Q1?" in shown and "Changed" not in shown
    assert "fraction" not in shown and "Well done" not in shown, "what is shown never says which choice is right"


def test_a_quiz_drawing_more_than_its_category_holds_is_not_ready(world, session, actor_of):
    courses.update_lesson(session, actor_of(IRENE), world["quiz"], content={"questions": [{"category_id": world["pool"], "count": 5}]})
    with pytest.raises(Conflict, match="fewer questions than the 5 it should draw"):
        quizzes.start_attempt(session, actor_of(LEO), world["quiz"])


def test_a_reload_or_a_second_tab_gets_the_same_attempt(world, session, actor_of):
    leo = actor_of(LEO)
    first = quizzes.start_attempt(session, leo, world["quiz"])
    again = quizzes.start_attempt(session, leo, world["quiz"])
    assert again.id == first.id and first.number == 1
    assert len(session.exec(select(QuizAttempt)).all()) == 1
    # Amara's attempt is her own.
    assert quizzes.start_attempt(session, actor_of(AMARA), world["quiz"]).id != first.id


def test_someone_not_enrolled_is_refused(world, session, actor_of):
    with pytest.raises(PermissionDenied, match="You are not enrolled in this course."):
        quizzes.start_attempt(session, actor_of(MAYA), world["quiz"])


# --- answering and submitting ------------------------------------------------------------------

def test_answers_are_saved_as_given_and_saving_again_is_harmless(world, session, actor_of):
    leo, amara = actor_of(LEO), actor_of(AMARA)
    now = utcnow()
    attempt = quizzes.start_attempt(session, leo, world["quiz"], now=now)
    assert quizzes.save_answer(session, leo, attempt.id, 1, WRONG, now=now).saved
    assert quizzes.save_answer(session, leo, attempt.id, 1, WRONG, now=now + timedelta(minutes=1)).saved
    assert answers(session, attempt.id)[0].updated_at == now, "the same answer again changes nothing"
    quizzes.save_answer(session, leo, attempt.id, 1, RIGHT, now=now + timedelta(minutes=2))
    assert answers(session, attempt.id)[0].response == RIGHT
    assert quizzes.attempt_view(session, leo, attempt.id).answers[0].response == RIGHT
    with pytest.raises(NotFound, match="That question is not in this attempt."):
        quizzes.save_answer(session, leo, attempt.id, 9, RIGHT)
    with pytest.raises(NotFound, match="That attempt does not exist."):
        quizzes.save_answer(session, amara, attempt.id, 1, WRONG)


def test_submitting_twice_counts_once(world, session, actor_of):
    leo = actor_of(LEO)
    configure(session, actor_of, world, passing_percent=50)
    now = utcnow()
    first = take(session, leo, world, RIGHT, WRONG, now=now)
    assert (first.status, first.score, first.max_score, first.percent, first.passed) == ("graded", 1.0, 2.0, 50.0, True)
    second = quizzes.submit(session, leo, first.attempt_id, now=now + timedelta(minutes=5))
    assert second == first
    assert len(closed_events(session)) == 1
    with pytest.raises(Conflict, match="already submitted"):
        quizzes.save_answer(session, leo, first.attempt_id, 2, RIGHT)
    # Passing completed the lesson.
    done = session.exec(select(LessonProgress).where(LessonProgress.lesson_id == world["quiz"])).one()
    assert done.status == "done" and done.enrollment_id == world["runs"][LEO]


def test_failing_does_not_complete_the_lesson(world, session, actor_of):
    configure(session, actor_of, world, passing_percent=75)
    view = take(session, actor_of(LEO), world, RIGHT, WRONG)
    assert view.passed is False
    assert session.exec(select(LessonProgress).where(LessonProgress.status == "done")).first() is None


# --- the deadline ------------------------------------------------------------------------------

def test_an_answer_after_the_deadline_is_refused_and_the_attempt_closed(world, session, actor_of):
    leo = actor_of(LEO)
    configure(session, actor_of, world, time_limit_minutes=10)
    start = utcnow()
    attempt = quizzes.start_attempt(session, leo, world["quiz"], now=start)
    assert attempt.deadline_at == start + timedelta(minutes=10)
    quizzes.save_answer(session, leo, attempt.id, 1, RIGHT, now=start + timedelta(minutes=9))
    late = quizzes.save_answer(session, leo, attempt.id, 2, RIGHT, now=start + timedelta(minutes=11))
    assert not late.saved and late.message.startswith("Time is up: the attempt closed at")
    session.refresh(attempt)
    assert (attempt.status, attempt.closed_by, attempt.submitted_at, attempt.score) == ("graded", "deadline", attempt.deadline_at, 1.0)
    assert answers(session, attempt.id)[1].response is None, "the late answer was not kept"
    # Submitting afterwards (the page comes back) shows the same closed attempt.
    assert quizzes.submit(session, leo, attempt.id, now=start + timedelta(minutes=12)).closed_by == "deadline"


def test_the_deadline_is_the_closing_time_when_it_comes_first(world, session, actor_of):
    start = utcnow()
    configure(session, actor_of, world, time_limit_minutes=60, closes_at=(start + timedelta(minutes=20)).isoformat())
    attempt = quizzes.start_attempt(session, actor_of(LEO), world["quiz"], now=start)
    assert attempt.deadline_at == start + timedelta(minutes=20)


def test_the_job_closes_attempts_nobody_came_back_to(world, session, actor_of):
    configure(session, actor_of, world, time_limit_minutes=10)
    start = utcnow()
    leo_attempt = quizzes.start_attempt(session, actor_of(LEO), world["quiz"], now=start)
    quizzes.save_answer(session, actor_of(LEO), leo_attempt.id, 1, RIGHT, now=start)
    quizzes.start_attempt(session, actor_of(AMARA), world["quiz"], now=start)
    assert quizzes.close_overdue(session, now=start + timedelta(minutes=9)) == 0
    assert quizzes.close_overdue(session, now=start + timedelta(minutes=10)) == 2
    assert quizzes.close_overdue(session, now=start + timedelta(minutes=11)) == 0
    rows = session.exec(select(QuizAttempt).order_by(QuizAttempt.id)).all()
    assert [(a.status, a.closed_by, a.score) for a in rows] == [("graded", "deadline", 1.0), ("graded", "deadline", 0.0)]
    assert all(e.actor_label == "system" for e in closed_events(session))


def test_the_job_runner_runs_the_deadline_job(world, session, actor_of):
    configure(session, actor_of, world, time_limit_minutes=10)
    attempt = quizzes.start_attempt(session, actor_of(LEO), world["quiz"], now=utcnow() - timedelta(hours=1))
    jobs.enqueue(session, "quiz.close_overdue", run_at=utcnow())
    session.commit()
    Runner().run_until_idle()
    session.rollback()
    session.refresh(attempt)
    assert (attempt.status, attempt.closed_by) == ("graded", "deadline")


def test_a_full_batch_of_overdue_attempts_is_followed_at_once(world, session, actor_of, monkeypatch):
    """More overdue attempts than one run closes: the next batch does not wait a minute."""
    monkeypatch.setattr(quizzes, "CLOSE_BATCH", 1)
    configure(session, actor_of, world, time_limit_minutes=10)
    started = [quizzes.start_attempt(session, actor_of(who), world["quiz"], now=utcnow() - timedelta(hours=1)) for who in (LEO, AMARA)]
    jobs.enqueue(session, "quiz.close_overdue", run_at=utcnow())
    session.commit()
    Runner().run_until_idle()
    session.rollback()
    for attempt in started:
        session.refresh(attempt)
    assert [a.status for a in started] == ["graded", "graded"]


# --- limits ------------------------------------------------------------------------------------

def test_the_attempts_limit(world, session, actor_of):
    leo = actor_of(LEO)
    configure(session, actor_of, world, attempts_allowed=2)
    assert [take(session, leo, world, WRONG).number for _ in range(2)] == [1, 2]
    with pytest.raises(Conflict, match="You have used all 2 attempts at this quiz."):
        quizzes.start_attempt(session, leo, world["quiz"])


def test_the_window(world, session, actor_of):
    leo, now = actor_of(LEO), utcnow()
    configure(session, actor_of, world, opens_at=(now + timedelta(days=1)).isoformat(), closes_at=(now + timedelta(days=2)).isoformat())
    with pytest.raises(PermissionDenied, match="This quiz opens on"):
        quizzes.start_attempt(session, leo, world["quiz"], now=now)
    with pytest.raises(PermissionDenied, match="This quiz closed on"):
        quizzes.start_attempt(session, leo, world["quiz"], now=now + timedelta(days=2))
    assert quizzes.start_attempt(session, leo, world["quiz"], now=now + timedelta(days=1)).number == 1


# --- grading -----------------------------------------------------------------------------------

@pytest.mark.parametrize("method, percent", [("highest", 100.0), ("last", 0.0), ("average", 50.0)])
def test_grading_methods_across_attempts(world, session, actor_of, method, percent):
    leo = actor_of(LEO)
    configure(session, actor_of, world, grading_method=method, passing_percent=60)
    for responses in ((RIGHT, RIGHT), (RIGHT, WRONG), (WRONG, WRONG)):
        take(session, leo, world, *responses)
    quizzes.start_attempt(session, leo, world["quiz"])  # in progress: does not count
    grade = quizzes.quiz_grade(session, world["runs"][LEO], world["quiz"])
    assert (grade.percent, grade.attempts, grade.passed) == (percent, 3, percent >= 60)
    assert quizzes.quiz_grade(session, world["runs"][AMARA], world["quiz"]) is None
    # The gradebook holds the quiz grade (out of the item's 100 points), once per run.
    entries = session.exec(select(GradeEntry)).all()
    assert [(e.enrollment_id, e.points) for e in entries] == [(world["runs"][LEO], percent)]


def test_an_essay_leaves_the_attempt_awaiting_grading(world, session, actor_of):
    leo = actor_of(LEO)
    courses.update_lesson(session, actor_of(IRENE), world["quiz"], content={
        "questions": [{"question_id": world["q"][0]}, {"question_id": world["essay"]}]})
    view = take(session, leo, world, RIGHT, "Because people must get out.")
    assert view.status == "awaiting_grading"
    assert (view.score, view.percent, view.passed) == (None, None, None), "no score until a person graded the essay"
    assert [a.points for a in view.answers] == [1.0, None]
    attempt = session.get(QuizAttempt, view.attempt_id)
    assert (attempt.score, attempt.fraction, attempt.passed) == (1.0, None, None)
    assert quizzes.quiz_grade(session, world["runs"][LEO], world["quiz"]) is None
    assert session.exec(select(LessonProgress).where(LessonProgress.status == "done")).first() is None
    assert attempt.released_at is None and session.exec(select(GradeEntry)).first() is None, "nothing released yet"


# --- review ------------------------------------------------------------------------------------

def test_review_options_hide_and_show_at_the_right_times(world, session, actor_of):
    leo, now = actor_of(LEO), utcnow()
    closes = now + timedelta(days=1)
    configure(session, actor_of, world, closes_at=closes.isoformat(),
              review={"score": "after_attempt", "correct_answers": "after_close", "feedback": "never"})
    attempt = quizzes.start_attempt(session, leo, world["quiz"], now=now)
    quizzes.save_answer(session, leo, attempt.id, 1, WRONG, now=now)
    during = quizzes.attempt_view(session, leo, attempt.id, now=now)
    assert (during.shows_score, during.shows_correct_answers, during.shows_feedback) == (False, False, False)
    assert during.score is None and all(a.points is None and a.correct is None for a in during.answers)

    after = quizzes.submit(session, leo, attempt.id, now=now)
    assert (after.shows_score, after.shows_correct_answers, after.score) == (True, False, 0.0)
    assert [a.right for a in after.answers] == [False, False] and after.answers[0].correct is None
    assert after.answers[0].feedback == []

    closed = quizzes.attempt_view(session, leo, attempt.id, now=closes)
    assert closed.shows_correct_answers and [a.correct for a in closed.answers] == [RIGHT, RIGHT]
    assert not closed.shows_feedback


def test_feedback_after_each_attempt(world, session, actor_of):
    configure(session, actor_of, world, review={"score": "never", "feedback": "after_attempt"})
    view = take(session, actor_of(LEO), world, WRONG, RIGHT)
    assert [a.feedback for a in view.answers] == [["Not quite."], ["Well done."]]
    assert view.score is None and not view.shows_score


# --- two runners at once (PostgreSQL: rows are claimed) ----------------------------------------

def test_two_runners_close_each_attempt_once(world, session, actor_of, engine):
    if not db.is_postgres(engine):
        pytest.skip("row locks: PostgreSQL only (SQLite has one writer at a time)")
    configure(session, actor_of, world, time_limit_minutes=10)
    start = utcnow()
    for email in (LEO, AMARA):
        quizzes.start_attempt(session, actor_of(email), world["quiz"], now=start)
    session.commit()
    later = start + timedelta(minutes=11)
    with Session(engine) as first, Session(engine) as second:
        closed_first = quizzes.close_overdue(first, now=later)  # holds its claims until it commits
        closed_second = quizzes.close_overdue(second, now=later)  # skips them instead of waiting
        first.commit()
        second.commit()
    assert (closed_first, closed_second) == (2, 0)
    assert quizzes.close_overdue(session, now=later) == 0
    session.rollback()
    assert len(closed_events(session)) == 2
    assert {a.status for a in session.exec(select(QuizAttempt)).all()} == {"graded"}
