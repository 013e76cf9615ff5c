"""Overrides and staff control of quiz attempts: extra attempts, extra time and other dates
reach the right people only (a learner's own override beats their group's); resetting and
reopening an attempt follow their rules, need a reason and leave audit rows with before,
after and that reason; people who are not the course's staff are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from lms_app.assessments.questions import Choice, Question
from lms_app.models import AttemptAnswer, AuditEvent, Group, GroupMember, LessonOverride, QuizAttempt, utcnow
from lms_app.services import audit_log, courses, enrollment, overrides, question_bank, quiz_staff, quizzes
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied

IRENE, ISAAC, LEO, AMARA, SVEN, MAYA = ("irene@example.com", "isaac@example.com", "leo@example.com", "amara@example.com",
                                        "sven@example.com", "maya@example.com")
RIGHT, WRONG = 0, 1


def single(title: str) -> Question:
    return Question("single", title, f"{title}?", choices=[Choice("Yes", 1.0), Choice("No", 0.0)])


@pytest.fixture
def world(demo, session, actor_of):
    """A published quiz (one attempt, 10 minutes, closing in two days); Leo, Amara and Sven are
    enrolled; a "Night shift" group holds Leo and Amara. Isaac assists on the course."""
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Fire safety")
    module = courses.add_module(session, irene, course.id, "Basics")
    pool = question_bank.create_category(session, irene, "Pool", course_id=course.id)
    q = [question_bank.save_question(session, irene, pool.id, single(f"Q{n}")).id for n in (1, 2)]
    closes = utcnow() + timedelta(days=2)
    quiz = courses.add_lesson(session, irene, module.id, "Check", "quiz", {
        "questions": [{"question_id": q[0]}, {"question_id": q[1]}], "attempts_allowed": 1, "time_limit_minutes": 10,
        "closes_at": closes.isoformat()})
    courses.add_staff(session, irene, course.id, demo[ISAAC].id, "assistant")
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    runs = {email: enrollment.self_enroll(session, actor_of(email), course.id).id for email in (LEO, AMARA, SVEN)}
    night = Group(org_id=demo[LEO].org_id, name="Night shift")
    session.add(night)
    session.flush()
    session.add_all([GroupMember(group_id=night.id, user_id=demo[LEO].id), GroupMember(group_id=night.id, user_id=demo[AMARA].id)])
    session.commit()
    return {"course": course.id, "quiz": quiz.id, "q": q, "runs": runs, "group": night.id, "closes": closes}


def take(session, learner, world, *responses, now=None):
    attempt = quizzes.start_attempt(session, learner, world["quiz"], now=now)
    for position, response in enumerate(responses, 1):
        quizzes.save_answer(session, learner, attempt.id, position, response, now=now)
    return quizzes.submit(session, learner, attempt.id, now=now)


def events(session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


# --- overrides change the rules for the right people only ----------------------------------------

def test_a_groups_extra_attempt_reaches_its_members_only(world, session, actor_of, demo):
    overrides.save_override(session, actor_of(IRENE), world["quiz"], group_id=world["group"], extra_attempts=1, reason="Night shift")
    for email in (LEO, AMARA):
        take(session, actor_of(email), world, RIGHT, WRONG)
        assert take(session, actor_of(email), world, RIGHT, RIGHT).number == 2
        with pytest.raises(Conflict, match="You have used all 2 attempts"):
            quizzes.start_attempt(session, actor_of(email), world["quiz"])
    take(session, actor_of(SVEN), world, RIGHT, RIGHT)
    with pytest.raises(Conflict, match="You have used all 1 attempt at this quiz"):
        quizzes.start_attempt(session, actor_of(SVEN), world["quiz"])


def test_extra_minutes_lengthen_the_time_limit_of_that_learner(world, session, actor_of):
    now = utcnow()
    overrides.save_override(session, actor_of(IRENE), world["quiz"], user_id=actor_of(LEO).user_id, extra_minutes=20, reason="Extra time")
    leo = quizzes.start_attempt(session, actor_of(LEO), world["quiz"], now=now)
    sven = quizzes.start_attempt(session, actor_of(SVEN), world["quiz"], now=now)
    assert leo.deadline_at - now == timedelta(minutes=30)
    assert sven.deadline_at - now == timedelta(minutes=10)


def test_other_dates_open_and_close_the_quiz_for_that_learner_only(world, session, actor_of):
    late = world["closes"] + timedelta(days=1)
    overrides.save_override(session, actor_of(IRENE), world["quiz"], user_id=actor_of(AMARA).user_id,
                            closes_at=(world["closes"] + timedelta(days=3)).isoformat(), reason="Away on leave")
    assert quizzes.start_attempt(session, actor_of(AMARA), world["quiz"], now=late).status == "in_progress"
    with pytest.raises(PermissionDenied, match="This quiz closed on"):
        quizzes.start_attempt(session, actor_of(LEO), world["quiz"], now=late)
    # An override's later opening keeps the quiz shut for Sven until then.
    opens = utcnow() + timedelta(hours=5)
    overrides.save_override(session, actor_of(IRENE), world["quiz"], user_id=actor_of(SVEN).user_id, opens_at=opens)
    with pytest.raises(PermissionDenied, match="This quiz opens on"):
        quizzes.start_attempt(session, actor_of(SVEN), world["quiz"])
    assert quizzes.start_attempt(session, actor_of(SVEN), world["quiz"], now=opens + timedelta(minutes=1)).number == 1


def test_a_learners_own_override_beats_the_groups(world, session, actor_of):
    irene = actor_of(IRENE)
    overrides.save_override(session, irene, world["quiz"], group_id=world["group"], extra_minutes=50)
    overrides.save_override(session, irene, world["quiz"], user_id=actor_of(LEO).user_id, extra_minutes=5)
    now = utcnow()
    assert quizzes.start_attempt(session, actor_of(LEO), world["quiz"], now=now).deadline_at - now == timedelta(minutes=15)
    assert quizzes.start_attempt(session, actor_of(AMARA), world["quiz"], now=now).deadline_at - now == timedelta(minutes=60)


def test_saving_again_replaces_and_deleting_restores_the_quiz_rules(world, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    overrides.save_override(session, irene, world["quiz"], user_id=leo.user_id, extra_attempts=1, reason="Sick")
    row = overrides.save_override(session, irene, world["quiz"], user_id=leo.user_id, extra_attempts=3, reason="Sick for a week")
    listed = overrides.list_overrides(session, irene, world["quiz"])
    assert [(o.who, o.extra_attempts, o.reason) for o in listed] == [("Leo Learner", 3, "Sick for a week")]
    assert len(session.exec(select(LessonOverride)).all()) == 1
    overrides.delete_override(session, irene, row.id, "No longer needed")
    assert overrides.list_overrides(session, irene, world["quiz"]) == []
    take(session, leo, world, RIGHT, RIGHT)
    with pytest.raises(Conflict):
        quizzes.start_attempt(session, leo, world["quiz"])
    saved, deleted = events(session, "override.saved"), events(session, "override.deleted")
    assert [e.after["extra_attempts"] for e in saved] == [1, 3] and saved[1].before["extra_attempts"] == 1
    assert deleted[0].before["extra_attempts"] == 3 and deleted[0].after["reason"] == "No longer needed"
    assert audit_log.sentence(saved[0]) == "Irene Instructor gave an override to leo@example.com at “Check”: Sick"
    assert audit_log.sentence(deleted[0]).endswith("removed the override of leo@example.com at “Check”: No longer needed")


@pytest.mark.parametrize("kwargs,message", [
    ({}, "Choose one learner or one group."),
    ({"user": LEO, "group": True, "extra_attempts": 1}, "Choose one learner or one group."),
    ({"user": LEO}, "an override without any changes nothing"),
    ({"user": LEO, "extra_attempts": 0}, "Extra attempts must be between 1 and 100."),
    ({"user": LEO, "extra_attempts": 101}, "Extra attempts must be between 1 and 100."),
    ({"user": LEO, "extra_minutes": "ten"}, "Extra minutes must be a whole number."),
    ({"user": LEO, "closes_at": "2027-01-01T10:00"}, "The closing time needs a time zone."),
    ({"user": LEO, "opens_at": "2027-01-02T10:00+00:00", "closes_at": "2027-01-01T10:00+00:00"}, "The closing time must come after the opening time."),
])
def test_bad_overrides_are_refused_with_a_reason(world, session, actor_of, kwargs, message):
    args = {k: v for k, v in kwargs.items() if k not in ("user", "group")}
    if "user" in kwargs:
        args["user_id"] = actor_of(kwargs["user"]).user_id
    if "group" in kwargs:
        args["group_id"] = world["group"]
    with pytest.raises(Invalid, match=message):
        overrides.save_override(session, actor_of(IRENE), world["quiz"], **args)
    assert session.exec(select(LessonOverride)).all() == []


def test_an_override_is_for_enrolled_learners_and_groups_of_the_organization(world, session, actor_of):
    with pytest.raises(NotFound, match="not enrolled in this course"):
        overrides.save_override(session, actor_of(IRENE), world["quiz"], user_id=actor_of(MAYA).user_id, extra_attempts=1)
    with pytest.raises(NotFound, match="That group does not exist."):
        overrides.save_override(session, actor_of(IRENE), world["quiz"], group_id=99999, extra_attempts=1)
    found = overrides.override_candidates(session, actor_of(IRENE), world["quiz"], "a")
    assert {c.email for c in found} >= {AMARA} and MAYA not in {c.email for c in found}
    assert ("Night shift" in [name for _, name in overrides.group_choices(session, actor_of(IRENE), world["quiz"])])


def test_only_the_course_staff_may_handle_overrides(world, session, actor_of):
    # Isaac assists on the course: staff, allowed.
    row = overrides.save_override(session, actor_of(ISAAC), world["quiz"], user_id=actor_of(LEO).user_id, extra_attempts=1)
    for email in (LEO, MAYA):
        with pytest.raises(PermissionDenied):
            overrides.save_override(session, actor_of(email), world["quiz"], user_id=actor_of(LEO).user_id, extra_attempts=2)
        with pytest.raises(PermissionDenied):
            overrides.delete_override(session, actor_of(email), row.id)
        with pytest.raises(PermissionDenied):
            overrides.list_overrides(session, actor_of(email), world["quiz"])
    assert session.get(LessonOverride, row.id).extra_attempts == 1


# --- reset and reopen -------------------------------------------------------------------------

def test_reset_deletes_the_attempt_lets_the_learner_start_again_and_is_audited(world, session, actor_of):
    leo, irene = actor_of(LEO), actor_of(IRENE)
    view = take(session, leo, world, RIGHT, RIGHT)
    assert quizzes.quiz_grade(session, world["runs"][LEO], world["quiz"]).percent == 100
    with pytest.raises(Invalid, match="Say why"):
        quiz_staff.reset_attempt(session, irene, view.attempt_id, "  ")
    quiz_staff.reset_attempt(session, irene, view.attempt_id, "Fire alarm during the quiz")
    assert session.exec(select(QuizAttempt)).all() == [] and session.exec(select(AttemptAnswer)).all() == []
    assert quizzes.quiz_grade(session, world["runs"][LEO], world["quiz"]) is None
    assert quizzes.start_attempt(session, leo, world["quiz"]).number == 1
    (event,) = events(session, "quiz.attempt_reset")
    assert event.before["status"] == "graded" and event.before["score"] == 2.0
    assert event.after == {"reason": "Fire alarm during the quiz"}
    assert audit_log.sentence(event) == "Irene Instructor reset the quiz attempt #1 of leo@example.com at “Check”: Fire alarm during the quiz"
    assert audit_log.category_of(event.action) == audit_log.category_of("override.saved") == "quizzes"


def test_reopen_puts_a_closed_attempt_back_in_progress_with_a_new_deadline(world, session, actor_of):
    leo, irene = actor_of(LEO), actor_of(IRENE)
    view = take(session, leo, world, RIGHT, WRONG)
    now = utcnow()
    for minutes, message in (("", "whole number"), (0, "between 1 and"), ("x", "whole number")):
        with pytest.raises(Invalid, match=message):
            quiz_staff.reopen_attempt(session, irene, view.attempt_id, minutes, "Network failure")
    quiz_staff.reopen_attempt(session, irene, view.attempt_id, 15, "Network failure", now=now)
    attempt = session.get(QuizAttempt, view.attempt_id)
    assert attempt.status == "in_progress" and attempt.deadline_at == now + timedelta(minutes=15) and attempt.submitted_at is None
    assert quizzes.quiz_grade(session, world["runs"][LEO], world["quiz"]) is None, "an attempt in progress does not count"
    with pytest.raises(Conflict, match="still in progress"):
        quiz_staff.reopen_attempt(session, irene, view.attempt_id, 15, "Again")
    # Leo continues the same attempt, changes an answer and submits again.
    assert quizzes.start_attempt(session, leo, world["quiz"], now=now).id == view.attempt_id
    quizzes.save_answer(session, leo, view.attempt_id, 2, RIGHT, now=now)
    assert quizzes.submit(session, leo, view.attempt_id, now=now).status == "graded"
    assert quizzes.quiz_grade(session, world["runs"][LEO], world["quiz"]).percent == 100
    (event,) = events(session, "quiz.attempt_reopened")
    assert event.before["status"] == "graded" and event.after["status"] == "in_progress"
    assert event.after["minutes"] == 15 and event.after["reason"] == "Network failure"
    assert "reopened the quiz attempt #1 of leo@example.com at “Check” for 15 minutes: Network failure" in audit_log.sentence(event)


def test_reopen_is_refused_while_another_attempt_is_in_progress(world, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    overrides.save_override(session, irene, world["quiz"], user_id=leo.user_id, extra_attempts=1)
    first = take(session, leo, world, RIGHT, WRONG)
    quizzes.start_attempt(session, leo, world["quiz"])
    with pytest.raises(Conflict, match="another attempt in progress"):
        quiz_staff.reopen_attempt(session, irene, first.attempt_id, 10, "Network failure")


def test_only_the_course_staff_may_list_reset_or_reopen(world, session, actor_of):
    view = take(session, actor_of(LEO), world, RIGHT, WRONG)
    for email in (LEO, AMARA, MAYA):
        with pytest.raises(PermissionDenied):
            quiz_staff.reset_attempt(session, actor_of(email), view.attempt_id, "Because")
        with pytest.raises(PermissionDenied):
            quiz_staff.reopen_attempt(session, actor_of(email), view.attempt_id, 10, "Because")
        with pytest.raises(PermissionDenied):
            quiz_staff.list_attempts(session, actor_of(email), world["quiz"])
    assert session.get(QuizAttempt, view.attempt_id).status == "graded"
    assert events(session, "quiz.attempt_reset") == [] and events(session, "quiz.attempt_reopened") == []
    rows, counts = quiz_staff.list_attempts(session, actor_of(ISAAC), world["quiz"])
    assert [(r.name, r.number, r.status, r.percent) for r in rows] == [("Leo Learner", 1, "graded", 50.0)]
    assert (counts.attempts, counts.learners, counts.average_percent) == (1, 1, 50.0)


def test_the_staff_list_filters_by_status_and_name(world, session, actor_of):
    take(session, actor_of(LEO), world, RIGHT, RIGHT)
    quizzes.start_attempt(session, actor_of(AMARA), world["quiz"])
    irene = actor_of(IRENE)
    rows, counts = quiz_staff.list_attempts(session, irene, world["quiz"], status="in_progress")
    assert [r.email for r in rows] == [AMARA] and counts.in_progress == 1 and counts.attempts == 2
    rows, _ = quiz_staff.list_attempts(session, irene, world["quiz"], search="leo")
    assert [r.email for r in rows] == [LEO]
