"""The activity log the dashboards read: each thing a person does is written where it happens,
in the same transaction, with the course, the lesson and (for quizzes) the score."""

from __future__ import annotations


from sqlmodel import select

from lms_app.assessments.questions import Choice, Question
from lms_app.models import ActivityEvent
from lms_app.services import assignments, auth, courses, enrollment, progress, question_bank, quizzes
from lms_app.services.seed import DEMO_PASSWORD

IRENE, LEO = "irene@example.com", "leo@example.com"


def events(session, user_id) -> list[tuple]:
    rows = session.exec(select(ActivityEvent).where(ActivityEvent.user_id == user_id).order_by(ActivityEvent.id)).all()
    return [(e.kind, e.course_id, e.lesson_id, e.score) for e in rows]


def test_signing_in_is_logged(demo, session):
    auth.login(session, LEO, DEMO_PASSWORD, ip="198.51.100.7")
    session.commit()
    assert events(session, demo[LEO].id) == [("login", None, None, None)]


def test_a_course_run_is_logged_from_enrollment_to_completion(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    course = courses.create_course(session, irene, "Fire safety")
    module = courses.add_module(session, irene, course.id, "Basics")
    first = courses.add_lesson(session, irene, module.id, "Exits", "text", {"markdown": "Keep exits clear."})
    second = courses.add_lesson(session, irene, module.id, "Alarms", "text", {"markdown": "Know the sound."})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    run = enrollment.self_enroll(session, leo, course.id)
    for lesson in (first, second):
        progress.open_lesson(session, leo, run.id, lesson.id)
        progress.mark_viewed(session, leo, run.id, lesson.id)
    progress.open_lesson(session, leo, run.id, first.id)  # coming back is activity too
    session.commit()
    c = course.id
    assert events(session, leo.user_id) == [
        ("enrolled", c, None, None),
        ("lesson_opened", c, first.id, None), ("lesson_completed", c, first.id, None),
        ("lesson_opened", c, second.id, None), ("lesson_completed", c, second.id, None), ("course_completed", c, None, None),
        ("lesson_opened", c, first.id, None),
    ]


def test_a_submitted_quiz_carries_its_score_and_an_assignment_is_logged(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    course = courses.create_course(session, irene, "Checks")
    module = courses.add_module(session, irene, course.id, "Basics")
    bank = question_bank.create_category(session, irene, "Bank", course_id=course.id)
    ids = [question_bank.save_question(session, irene, bank.id, Question("single", f"Q{n}", f"Question {n}?",
                                                                        choices=[Choice("Yes", 1.0), Choice("No", 0.0)])).id
           for n in range(4)]
    quiz = courses.add_lesson(session, irene, module.id, "Check", "quiz", {"questions": [{"question_id": i} for i in ids],
                                                                           "shuffle_choices": False})
    task = courses.add_lesson(session, irene, module.id, "Report", "assignment", {"instructions": "One page.", "max_points": 10})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    enrollment.self_enroll(session, leo, course.id)
    attempt = quizzes.start_attempt(session, leo, quiz.id)
    yes = 0  # the right choice's index as the player shows it (shuffling is off)
    for position in (1, 2, 3):
        quizzes.save_answer(session, leo, attempt.id, position, yes)
    quizzes.submit(session, leo, attempt.id)
    assignments.submit(session, leo, task.id, "My page.", [])
    session.commit()
    logged = events(session, leo.user_id)
    assert ("quiz_submitted", course.id, quiz.id, 75.0) in logged
    assert ("assignment_submitted", course.id, task.id, None) in logged
