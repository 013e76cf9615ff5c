"""The instructor's course analytics on a small course built through the real services: exact
funnel, medians, quiz items, score and grade distributions and at-risk learners; who may see
them; messaging a learner through the outbox."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from lms_app import live
from lms_app.models import AuditEvent, Enrollment, Job, LessonProgress, OutgoingEmail, User, utcnow
from lms_app.services import analytics_course, audit_log, courses, dashboard_cache, enrollment, progress, quizzes
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from tests.state.course_world import add_quiz, build_course

IRENE, LEO, MAYA, ISAAC, ADMIN = "irene@example.com", "leo@example.com", "maya@example.com", "isaac@example.com", "admin@example.com"


def analytics_world(engine, actor_of) -> dict:
    """Irene's "Safe lifting at work" (three text lessons, then a quiz of a single choice
    "Knees" (Yes right) and a short answer "Capital" (Paris), pass mark 50 %) with five
    learners:

    - Leo: read "Why it matters", opened "Posture"; quiz: Yes, Paris (100 %);
    - learner 2: read the three lessons; quiz: No, Paris (67 %);
    - learner 3: opened "Why it matters"; quiz twice: No, Rome (0 %) both times;
    - learner 4: nothing read; quiz: Yes, Rome (33 %);
    - learner 5: enrolled 20 days ago, nothing done since.
    Time spent (seconds) on "Why it matters": 60, 120, 300; on "Posture": 30, 90."""
    irene = actor_of(IRENE)
    with Session(engine, expire_on_commit=False) as s:
        ids = build_course(s, irene, actor_of(LEO))
        quiz = add_quiz(s, irene, ids["course"], ids["module2"], passing_percent=50, attempts_allowed=3)
        people = {u.email: u for u in s.exec(select(User)).all()}
        others = [e for e in sorted(people) if e not in (LEO, IRENE, MAYA, ISAAC, ADMIN)][:4]
        enrollment.enroll_users(s, irene, ids["course"], [people[e].id for e in others])
        learners = [LEO, *others]
        runs = {e.user_id: e.id for e in s.exec(select(Enrollment).where(Enrollment.course_id == ids["course"])).all()}
        run = {email: runs[people[email].id] for email in learners}

        def read(email, lesson_key, seconds=0, done=True):
            actor = actor_of(email)
            progress.open_lesson(s, actor, run[email], ids[lesson_key])
            if done:
                progress.mark_viewed(s, actor, run[email], ids[lesson_key])
            if seconds:
                row = s.exec(select(LessonProgress).where(LessonProgress.enrollment_id == run[email],
                                                          LessonProgress.lesson_id == ids[lesson_key])).one()
                row.seconds_spent = seconds
                s.add(row)

        def take(email, knees, capital):
            actor = actor_of(email)
            progress.open_lesson(s, actor, run[email], quiz["quiz"])  # as the player does
            attempt = quizzes.start_attempt(s, actor, quiz["quiz"])
            quizzes.save_answer(s, actor, attempt.id, 1, knees)
            quizzes.save_answer(s, actor, attempt.id, 2, capital)
            quizzes.submit(s, actor, attempt.id)

        read(LEO, "lesson", 60)
        read(LEO, "lesson2", 30, done=False)
        read(others[0], "lesson", 120)
        read(others[0], "lesson2", 90)
        read(others[0], "locked_lesson")
        read(others[1], "lesson", 300, done=False)
        take(LEO, 0, "Paris")
        take(others[0], 1, "Paris")
        take(others[1], 1, "Rome")
        take(others[1], 1, "Rome")
        take(others[2], 0, "Rome")
        late = s.get(Enrollment, run[others[3]])
        late.enrolled_at = utcnow() - timedelta(days=20)
        s.add(late)
        s.commit()
        return {**ids, **quiz, "run": run, "learners": learners, "people": people}


@pytest.fixture
def world(demo, engine, actor_of):
    return analytics_world(engine, actor_of)


def test_funnel_counts_reached_finished_and_median_time(world, session, actor_of):
    board = analytics_course.course_dashboard(session, actor_of(IRENE), world["course"])
    assert board.learners == 5 and board.active == 4  # learner 2 finished the course
    steps = [(s.title, s.reached, s.finished, s.median_seconds) for s in board.funnel]
    assert steps == [
        ("Why it matters", 3, 2, 120.0),
        ("Posture", 2, 1, 60.0),  # the median of 30 and 90
        ("The drill", 1, 1, None),
        # Passing the quiz completes it; learner 3 never passed, learner 4 failed once.
        ("Lifting check", 4, 2, None),
    ]


def test_quiz_item_analysis(world, session, actor_of):
    board = analytics_course.course_dashboard(session, actor_of(IRENE), world["course"])
    [quiz] = board.quizzes
    assert (quiz.title, quiz.attempts) == ("Lifting check", 5)
    knees, capital = quiz.items
    # Five attempts: the upper group is Leo's (100 %), the lower one learner 3's second (0 %).
    assert (knees.title, knees.answered, knees.facility, knees.discrimination) == ("Knees", 5, pytest.approx(0.4), pytest.approx(1.0))
    # "No" was chosen three times, the right "Yes" twice: the key may be wrong.
    assert (knees.most_wrong, knees.most_wrong_count, knees.flags) == ("No", 3, ("Possibly miskeyed",))
    assert (capital.title, capital.facility, capital.discrimination, capital.most_wrong, capital.flags) == (
        "Capital", pytest.approx(0.4), pytest.approx(1.0), "", ())


def test_score_and_grade_distributions(world, session, actor_of):
    board = analytics_course.course_dashboard(session, actor_of(IRENE), world["course"])
    [scores] = board.scores
    # Each learner's quiz grade (the highest attempt): 100, 67, 33 and 0 %.
    assert scores.title == "Lifting check" and scores.counts == (1, 0, 0, 1, 0, 0, 1, 0, 0, 1)
    assert board.grades == [("A", 1), ("B", 0), ("C", 0), ("D", 1), ("F", 2), ("Not graded yet", 1)]


def test_at_risk_learners_with_their_reasons(world, session, actor_of):
    board = analytics_course.course_dashboard(session, actor_of(IRENE), world["course"])
    third, fourth, fifth = (world["people"][e] for e in world["learners"][2:])
    rows = {r.user_id: r.reasons for r in board.at_risk}
    assert set(rows) == {third.id, fourth.id, fifth.id}
    assert rows[third.id] == ("Failing: course total 0% (pass mark 50%)", "Failed “Lifting check” 2 times without passing")
    assert rows[fourth.id] == ("Failing: course total 33% (pass mark 50%)",)
    assert rows[fifth.id] == ("No activity since enrolling for 20 days", "Behind pace: 0 of 4 lessons done (0%), 67% expected by now")
    # Two reasons come first; among them the longest idle.
    assert [r.user_id for r in board.at_risk] == [fifth.id, third.id, fourth.id]


def test_an_empty_course_has_lessons_and_no_numbers(demo, session, actor_of):
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Empty")
    module = courses.add_module(session, irene, course.id, "One")
    courses.add_lesson(session, irene, module.id, "Hello", "text", {"markdown": "Hi"})
    session.commit()
    board = analytics_course.course_dashboard(session, irene, course.id)
    assert (board.learners, board.quizzes, board.scores, board.at_risk) == (0, [], [], [])
    assert [(s.title, s.reached, s.finished) for s in board.funnel] == [("Hello", 0, 0)]
    assert board.grades == [("A", 0), ("B", 0), ("C", 0), ("D", 0), ("F", 0), ("Not graded yet", 0)]


def test_staff_and_admins_see_it_others_are_refused(world, session, actor_of):
    irene = actor_of(IRENE)
    courses.add_staff(session, irene, world["course"], world["people"][ISAAC].id, "assistant")
    session.commit()
    assert analytics_course.course_dashboard(session, actor_of(ISAAC), world["course"]).learners == 5  # an assistant reads
    assert analytics_course.course_dashboard(session, actor_of(ADMIN), world["course"]).learners == 5  # courses.manage
    other_instructor = courses.create_course(session, irene, "Irene's other course")
    session.commit()
    for email in (LEO, MAYA):
        with pytest.raises(PermissionDenied):
            analytics_course.course_dashboard(session, actor_of(email), world["course"])
    # Isaac assists on this course only: another course of Irene's is not his.
    with pytest.raises(PermissionDenied):
        analytics_course.course_dashboard(session, actor_of(ISAAC), other_instructor.id)
    with pytest.raises(NotFound):
        analytics_course.course_dashboard(session, irene, 987654)


def test_cached_sections_follow_the_changes_that_touch_them(world, session, engine, actor_of):
    irene = actor_of(IRENE)
    first = analytics_course.course_dashboard(session, irene, world["course"])
    # A change in another course leaves every section as it was (no new query result).
    dashboard_cache.changed([live.Change(irene.org_id, 1, world["course"] + 1000, "lesson_completed")])
    again = analytics_course.course_dashboard(session, irene, world["course"])
    assert again.funnel is first.funnel and again.quizzes is first.quizzes and again.scores is first.scores
    # A learner opens a lesson: the funnel is read again, the quiz items are kept.
    fifth = world["learners"][4]
    with Session(engine) as s:
        progress.open_lesson(s, actor_of(fifth), world["run"][fifth], world["lesson"])
        s.commit()
    later = analytics_course.course_dashboard(session, irene, world["course"])
    assert later.funnel[0].reached == 4 and later.quizzes is first.quizzes
    assert world["people"][fifth].id not in {r.user_id for r in later.at_risk if "inactive" in r.codes}


def test_messaging_a_learner_queues_an_email_and_is_audited(world, session, actor_of):
    irene = actor_of(IRENE)
    fifth = world["people"][world["learners"][4]]
    name = analytics_course.message_learner(session, irene, world["course"], fifth.id, "  Need a hand? ", "Shall we talk tomorrow?")
    session.commit()
    assert name == fifth.name
    mail = session.exec(select(OutgoingEmail).where(OutgoingEmail.to_address == fifth.email)).one()
    assert mail.subject == "Safe lifting at work: Need a hand?"
    assert "Shall we talk tomorrow?" in mail.body_text and "Irene" in mail.body_text
    assert session.exec(select(Job).where(Job.kind == "email.send")).first() is not None
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "course.learner_messaged")).one()
    assert event.target_label == fifth.email
    assert audit_log.sentence(event) == f"Irene Instructor emailed {fifth.email} about Safe lifting at work: “Need a hand?”"


@pytest.mark.parametrize("subject,body,message", [
    ("", "Hello", "Write a subject."),
    ("Hi", "   ", "Write a message."),
    ("x" * 201, "Hello", "The subject must have at most 200 characters."),
])
def test_a_message_needs_a_subject_and_a_body(world, session, actor_of, subject, body, message):
    fifth = world["people"][world["learners"][4]]
    with pytest.raises(Invalid, match=message):
        analytics_course.message_learner(session, actor_of(IRENE), world["course"], fifth.id, subject, body)
    assert session.exec(select(OutgoingEmail)).first() is None


def test_only_the_course_staff_message_only_its_learners(world, session, actor_of):
    fifth = world["people"][world["learners"][4]]
    for email in (LEO, MAYA):
        with pytest.raises(PermissionDenied):
            analytics_course.message_learner(session, actor_of(email), world["course"], fifth.id, "Hi", "Hello")
    with pytest.raises(NotFound):  # Maya is not a learner of this course
        analytics_course.message_learner(session, actor_of(IRENE), world["course"], world["people"][MAYA].id, "Hi", "Hello")
    assert session.exec(select(OutgoingEmail)).first() is None


# --- the cache's patch: a change re-reads what it touched, and gives what a fresh computation gives

def same_as_fresh(session, actor, course_id, patched) -> None:
    """`patched` holds what computing the dashboard afresh gives (but the time it was made)."""
    dashboard_cache.clear()
    fresh = analytics_course.course_dashboard(session, actor, course_id)
    assert dataclasses.replace(patched, computed_at=fresh.computed_at) == fresh


def test_the_open_dashboard_is_kept_until_a_change(world, session, actor_of):
    irene = actor_of(IRENE)
    first = analytics_course.course_dashboard(session, irene, world["course"])
    assert analytics_course.course_dashboard(session, irene, world["course"]) is first


def test_a_lesson_completion_reads_that_learner_again(world, session, engine, actor_of):
    irene = actor_of(IRENE)
    first = analytics_course.course_dashboard(session, irene, world["course"])
    fifth = world["learners"][4]
    with Session(engine) as s:
        progress.open_lesson(s, actor_of(fifth), world["run"][fifth], world["lesson"])
        progress.mark_viewed(s, actor_of(fifth), world["run"][fifth], world["lesson"])
        s.commit()
    patched = analytics_course.course_dashboard(session, irene, world["course"])
    assert (patched.funnel[0].reached, patched.funnel[0].finished) == (4, 3)
    assert patched.quizzes is first.quizzes  # no quiz handed in: its analysis is not read again
    row = next(r for r in patched.at_risk if r.user_id == world["people"][fifth].id)
    assert row.reasons == ("Behind pace: 1 of 4 lessons done (25%), 67% expected by now",)
    same_as_fresh(session, irene, world["course"], patched)


def test_a_quiz_handed_in_reads_that_quiz_and_the_learners_grades_again(world, session, engine, actor_of):
    irene = actor_of(IRENE)
    with Session(engine) as s:  # a second quiz, which nobody takes
        second = add_quiz(s, irene, world["course"], world["module2"], passing_percent=50)["quiz"]
        s.commit()
    first = analytics_course.course_dashboard(session, irene, world["course"])
    session.commit()  # the gradebook made the new quiz's column
    fourth = world["learners"][3]
    with Session(engine) as s:
        actor = actor_of(fourth)
        attempt = quizzes.start_attempt(s, actor, world["quiz"])
        quizzes.save_answer(s, actor, attempt.id, 1, 0)
        quizzes.save_answer(s, actor, attempt.id, 2, "Paris")
        quizzes.submit(s, actor, attempt.id)
        s.commit()
    patched = analytics_course.course_dashboard(session, irene, world["course"])
    quiz, untouched = patched.quizzes
    assert (quiz.lesson_id, quiz.attempts, untouched.lesson_id) == (world["quiz"], 6, second)
    assert untouched is first.quizzes[1]
    # Learner 4's grade is now the full marks: out of the 30 % bin, into the last one; no longer failing.
    assert patched.scores[0].counts == (1, 0, 0, 0, 0, 0, 1, 0, 0, 2)
    assert world["people"][fourth].id not in {r.user_id for r in patched.at_risk}
    same_as_fresh(session, irene, world["course"], patched)


def test_a_new_learner_and_a_change_seen_twice(world, session, engine, actor_of):
    irene = actor_of(IRENE)
    analytics_course.course_dashboard(session, irene, world["course"])
    maya = world["people"][MAYA]
    with Session(engine) as s:
        enrollment.enroll_users(s, irene, world["course"], [maya.id])
        s.commit()
    # The same change heard again (from Redis too) changes nothing more.
    dashboard_cache.changed([live.Change(irene.org_id, maya.id, world["course"], "enrolled")])
    patched = analytics_course.course_dashboard(session, irene, world["course"])
    assert (patched.learners, patched.active) == (6, 5)
    assert patched.grades[-1] == ("Not graded yet", 2)
    same_as_fresh(session, irene, world["course"], patched)
