"""The LMS's own learning events in its LRS: each lesson opened and completed, an enrollment, a
quiz passed or failed with its score, a course completed and a SCORM session become valid
xAPI statements about the learner's account (never their name or address), readable through
the Statements resource by a client allowed to read everything."""

from __future__ import annotations

from sqlmodel import select

from lms_app.models import XapiStatement
from lms_app.assessments.questions import Choice, Question
from lms_app.services import (courses, enrollment, lrs_clients, progress, question_bank, quizzes, scorm, xapi_statements,
                              xapi_validation)
from tests import scorm_packages as packages

IRENE, LEO = "irene@example.com", "leo@example.com"


def verbs(session, **where) -> list[str]:
    rows = session.exec(select(XapiStatement).order_by(XapiStatement.seq)).all()
    return [r.body["verb"]["id"].rsplit("/", 1)[-1] for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def test_a_lesson_opened_and_completed_and_a_course_completed(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    course = courses.create_course(session, irene, "Ladders")
    module = courses.add_module(session, irene, course.id, "Basics")
    lesson = courses.add_lesson(session, irene, module.id, "Three points", "text", {"markdown": "Hold on."})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    run = enrollment.self_enroll(session, leo, course.id)
    progress.open_lesson(session, leo, run.id, lesson.id)
    progress.mark_viewed(session, leo, run.id, lesson.id)
    rows = session.exec(select(XapiStatement).where(XapiStatement.actor_key.like("account:%")).order_by(XapiStatement.seq)).all()
    said = [(r.body["verb"]["id"].rsplit("/", 1)[-1], r.body["object"]["definition"]["name"]["en-US"]) for r in rows]
    assert said[-4:] == [("registered", "Ladders"), ("launched", "Three points"), ("completed", "Three points"), ("completed", "Ladders")]
    for row in rows:
        xapi_validation.validate_statement(row.body)
        assert set(row.body["actor"]) == {"objectType", "account"} and row.body["actor"]["account"]["name"] == str(leo.user_id)
        assert row.body["authority"]["account"]["name"] == "lms"
    launched = rows[-3].body
    assert launched["context"]["contextActivities"]["parent"][0]["id"].endswith(f"/courses/{course.id}")

    reader = lrs_clients.create_client(session, actor_of("admin@example.com"), "Reports", ["statements/read"]).client
    found = xapi_statements.query(session, reader, xapi_statements.parse_query({"activity": launched["object"]["id"]}))
    assert [s["verb"]["id"].rsplit("/", 1)[-1] for s in found.statements] == ["completed", "launched"]


def test_a_scorm_session_initializes_answers_passes_and_terminates(demo, session, actor_of, tmp_path):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    course = courses.create_course(session, irene, "Forklift")
    module = courses.add_module(session, irene, course.id, "Driving")
    lesson = courses.add_lesson(session, irene, module.id, "Exam", "scorm")
    scorm.import_package(session, irene, lesson.id, packages.save(packages.scorm12_with_limits(), tmp_path), "exam.zip")
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    enrollment.self_enroll(session, leo, course.id)
    launched = scorm.launch(session, leo, lesson.id)
    scorm.commit(session, leo, launched["attempt"]["id"], launched["item"], "1", {"seq": 1, "finished": True, "values": {
        "cmi.core.lesson_status": "completed", "cmi.core.score.raw": "85", "cmi.core.session_time": "0000:02:00.00",
        "cmi.interactions.0.id": "q1", "cmi.interactions.0.type": "choice", "cmi.interactions.0.student_response": "b",
        "cmi.interactions.0.result": "correct"}})
    package_id = f"/courses/{course.id}/lessons/{lesson.id}"
    rows = [r.body for r in session.exec(select(XapiStatement).order_by(XapiStatement.seq)).all()
            if r.body["object"]["id"].endswith(package_id) or package_id + "/" in r.body["object"]["id"]]
    # The session's start, the lesson's completion (the LMS's), what was answered, the result, the end.
    assert [r["verb"]["id"].rsplit("/", 1)[-1] for r in rows] == ["initialized", "completed", "answered", "passed", "terminated"]
    _, _, answered, passed, terminated = rows
    assert answered["result"] == {"response": "b", "success": True}
    assert passed["result"]["score"]["scaled"] == 0.85 and passed["result"]["success"] is True
    assert terminated["result"]["duration"] == "PT0H2M0.00S"


def test_a_quiz_passed_and_one_failed_carry_their_score(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    course = courses.create_course(session, irene, "Fire safety")
    module = courses.add_module(session, irene, course.id, "Basics")
    pool = question_bank.create_category(session, irene, "Pool", course_id=course.id)
    question = question_bank.save_question(session, irene, pool.id, Question("single", "Exits", "Keep exits clear?",
                                                                             choices=[Choice("Yes", 1.0), Choice("No", 0.0)])).id
    quiz = courses.add_lesson(session, irene, module.id, "Check", "quiz", {"questions": [{"question_id": question}], "passing_percent": 50})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    enrollment.self_enroll(session, leo, course.id)
    for response in (1, 0):  # wrong, then right
        attempt = quizzes.start_attempt(session, leo, quiz.id)
        quizzes.save_answer(session, leo, attempt.id, 1, response)
        quizzes.submit(session, leo, attempt.id)
    rows = [r.body for r in session.exec(select(XapiStatement).order_by(XapiStatement.seq)).all()
            if r.body["verb"]["id"].rsplit("/", 1)[-1] in ("passed", "failed")]
    assert [(r["verb"]["id"].rsplit("/", 1)[-1], r["result"]["score"]["scaled"], r["result"]["success"]) for r in rows] == [
        ("failed", 0.0, False), ("passed", 1.0, True)]
