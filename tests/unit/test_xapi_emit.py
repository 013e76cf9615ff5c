"""The LMS's own learning events in its LRS: each lesson opened and completed, an enrollment, a
quiz passed or failed with its score, a course completed and a SCORM session become valid
xAPI statements about the learner's account (never their name or address), readable through
the Statements resource by a client allowed to read everything. A submitted quiz attempt also
says what was answered to each question, as a cmi.interaction activity."""

from __future__ import annotations

from sqlmodel import select

from lms_app import settings
from lms_app.models import AttemptAnswer, XapiStatement
from lms_app.assessments.questions import Choice, NumericAnswer, Pair, Question, TextAnswer
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


def test_a_submitted_quiz_says_what_was_answered_to_each_question(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    course = courses.create_course(session, irene, "Fire safety")
    module = courses.add_module(session, irene, course.id, "Basics")
    pool = question_bank.create_category(session, irene, "Pool", course_id=course.id)
    asked = [
        Question("single", "Exits", "Keep exits clear?", points=2, choices=[Choice("Yes", 1.0), Choice("No", 0.0)]),
        Question("multiple", "Classes", "Which are fire classes?", choices=[Choice("A", 0.5), Choice("B", 0.5), Choice("Z", -0.5)]),
        Question("true_false", "Water", "Water puts out an oil fire.", correct=False),
        Question("matching", "Extinguishers", "Match them.", pairs=[Pair("Red", "Water"), Pair("Black", "CO2")]),
        Question("ordering", "Steps", "Put in order.", items=["Raise the alarm", "Leave", "Call"]),
        Question("short_answer", "Number", "Emergency number?", answers=[TextAnswer("112")]),
        Question("numeric", "Metres", "Safe distance in metres?", numeric_answers=[NumericAnswer(10)]),
        Question("essay", "Plan", "Describe your escape plan."),
    ]
    ids = [question_bank.save_question(session, irene, pool.id, q).id for q in asked]
    quiz = courses.add_lesson(session, irene, module.id, "Check", "quiz",
                              {"questions": [{"question_id": i} for i in ids], "passing_percent": 50, "shuffle_questions": False})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    enrollment.self_enroll(session, leo, course.id)
    attempt = quizzes.start_attempt(session, leo, quiz.id)
    by_bank_id = {a.bank_question_id: a.position for a in session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    responses = [0, [0, 2], True, [1, 0], [0, 2, 1], " 112 ", None, "Out the back door."]
    for question_id, response in zip(ids, responses):
        if response is not None:
            quizzes.save_answer(session, leo, attempt.id, by_bank_id[question_id], response)
    quizzes.submit(session, leo, attempt.id)

    rows = [r.body for r in session.exec(select(XapiStatement).order_by(XapiStatement.seq)).all()
            if r.body["object"]["id"].startswith(f"{lesson_id_prefix(course.id, quiz.id)}/questions/")]
    for row in rows:
        xapi_validation.validate_statement(row)
        assert row["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
        assert row["actor"]["account"]["name"] == str(leo.user_id)
        assert row["context"]["contextActivities"]["parent"][0]["id"] == lesson_id_prefix(course.id, quiz.id)
        assert row["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    said = {row["object"]["id"].rsplit("/", 1)[-1]: row for row in rows}
    assert sorted(said) == sorted(str(i) for i in ids)
    single, multiple, true_false, matching, ordering, short, numeric, essay = (said[str(i)] for i in ids)
    assert [r["object"]["definition"]["interactionType"] for r in (single, multiple, true_false, matching, ordering, short, numeric, essay)] == [
        "choice", "choice", "true-false", "matching", "sequencing", "fill-in", "numeric", "long-fill-in"]
    assert single["object"]["definition"]["name"] == {"en-US": "Exits"}
    assert [c["description"]["en-US"] for c in single["object"]["definition"]["choices"]] == ["Yes", "No"]
    assert single["object"]["definition"]["correctResponsesPattern"] == ["0"]
    assert single["result"] == {"response": "0", "success": True, "score": {"scaled": 1.0, "raw": 2.0, "min": 0, "max": 2.0}}
    assert multiple["object"]["definition"]["correctResponsesPattern"] == ["0[,]1"]
    assert multiple["result"]["response"] == "0[,]2" and multiple["result"]["success"] is False
    assert multiple["result"]["score"]["scaled"] == 0.0
    assert true_false["object"]["definition"]["correctResponsesPattern"] == ["false"]
    assert true_false["result"]["response"] == "true" and true_false["result"]["success"] is False
    assert matching["result"]["response"] == "0[.]1[,]1[.]0" and matching["object"]["definition"]["correctResponsesPattern"] == ["0[.]0[,]1[.]1"]
    assert [c["description"]["en-US"] for c in matching["object"]["definition"]["source"]] == ["Red", "Black"]
    assert ordering["result"]["response"] == "0[,]2[,]1" and ordering["result"]["success"] is False
    assert short["result"]["response"] == "112" and short["result"]["success"] is True
    # Not answered: no response, and no credit.
    assert "response" not in numeric["result"] and numeric["result"]["success"] is False
    # An essay waits for a person: what was written, but no success or score yet.
    assert essay["result"] == {"response": "Out the back door."}
    # What was answered comes before the attempt's outcome, in the same transaction.
    verbs_in_order = [r.body["verb"]["id"].rsplit("/", 1)[-1] for r in session.exec(select(XapiStatement).order_by(XapiStatement.seq)).all()]
    assert verbs_in_order[-9:] == ["answered"] * 8 + ["completed"]


def lesson_id_prefix(course_id: int, lesson_id: int) -> str:
    return f"{settings.PUBLIC_URL}/courses/{course_id}/lessons/{lesson_id}"
