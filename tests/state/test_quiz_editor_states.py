"""The quiz editor's handlers, run in-process as the server runs them for a browser holding a
real sign-in cookie: Irene builds a quiz with a fixed question and a random draw, sets its
rules and saves; bad settings give QuizSettings' readable message and keep what was saved;
an assistant reads the quiz but cannot save it; the staff attempts page lists, resets and
reopens."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from lms_app.assessments.questions import Choice, Question
from lms_app.models import AuditEvent, Lesson, LessonOverride, QuizAttempt
from lms_app.services import courses, question_bank, quizzes
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.quiz_attempts import QuizAttemptsState
from lms_app.state.quiz_editor import QuizEditorState
from tests.state.course_world import build_course
from tests.state.harness import signed_in_browser, toast_text

IRENE, ISAAC, LEO = "irene@example.com", "isaac@example.com", "leo@example.com"


def single(title: str, points: float = 1.0) -> Question:
    return Question("single", title, f"{title}?", points=points, choices=[Choice("Yes", 1.0), Choice("No", 0.0)])


def make_world(engine, actor_of, demo) -> dict:
    with Session(engine) as s:
        irene = actor_of(IRENE)
        ids = build_course(s, irene, actor_of(LEO))
        capitals = question_bank.create_category(s, irene, "Capitals", course_id=ids["course"])
        pool = question_bank.create_category(s, irene, "Pool", course_id=ids["course"])
        ids["fixed"] = question_bank.save_question(s, irene, capitals.id, single("Capital of France", 2)).id
        for n in range(3):
            question_bank.save_question(s, irene, pool.id, single(f"Pool {n}", 1 + n))
        ids["capitals"], ids["pool"] = capitals.id, pool.id
        ids["quiz"] = courses.add_lesson(s, irene, ids["module"], "Final check", "quiz").id
        courses.add_staff(s, irene, ids["course"], demo[ISAAC].id, "assistant")
        s.commit()
    return ids


def content_of(engine, lesson_id) -> dict:
    with Session(engine) as s:
        return dict(s.get(Lesson, lesson_id).content or {})


def test_irene_builds_a_quiz_with_a_fixed_question_and_a_random_draw(demo, session, engine, actor_of):
    ids = make_world(engine, actor_of, demo)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    browser.call(QuizEditorState, "load", str(ids["quiz"]))
    editor = browser.state(QuizEditorState)
    assert editor.loaded and editor.can_edit and editor.items == []
    assert [c.label for c in editor.categories] == ["Capitals", "Pool"] and [c.count for c in editor.categories] == [1, 3]
    assert editor.bank_total == 4

    # Filter the bank by category and by title, then pick the question.
    browser.call(QuizEditorState, "pick_bank_category", str(ids["capitals"]))
    assert [r.title for r in editor.bank_rows] == ["Capital of France"]
    assert (editor.bank_rows[0].type_label, editor.bank_rows[0].points, editor.bank_rows[0].category) == ("Single choice", "2 pts", "Capitals")
    browser.call(QuizEditorState, "pick_bank_category", "all")
    browser.call(QuizEditorState, "search_bank", "france")
    assert [r.title for r in editor.bank_rows] == ["Capital of France"]
    browser.call(QuizEditorState, "add_question", editor.bank_rows[0].id)
    assert editor.bank_rows[0].in_quiz
    assert toast_text(browser.call(QuizEditorState, "add_question", str(ids["fixed"]))) == "That question is already in the quiz."

    # Two questions drawn from the pool (its points are 1, 2 and 3).
    browser.call(QuizEditorState, "set_field", "draw_category", str(ids["pool"]))
    browser.call(QuizEditorState, "set_field", "draw_count", "2")
    browser.call(QuizEditorState, "add_draw")
    assert [(i.kind, i.label, i.count, i.available) for i in editor.items] == [
        ("question", "Capital of France", "", 1), ("draw", "Pool", "2", 3)]
    assert editor.question_count == 3 and editor.points_label == "5–7 pts"
    # Asking for more than the category holds is flagged at once.
    browser.call(QuizEditorState, "set_item_count", 1, "4")
    assert editor.items[1].problem == "The category holds only 3 questions."
    browser.call(QuizEditorState, "set_item_count", 1, "2")
    assert editor.items[1].problem == ""

    for name, value in (("time_limit", "20"), ("attempts", "3"), ("grading_method", "last"), ("passing", "70"),
                        ("closes_at", "2027-03-01T18:00"), ("review_score", "after_attempt"), ("review_correct", "after_close"),
                        ("review_feedback", "never"), ("shuffle_questions", True)):
        browser.call(QuizEditorState, "set_field", name, value)
    assert editor.dirty
    result = browser.call(QuizEditorState, "save")
    assert toast_text(result) == "Quiz saved." and editor.error == "" and not editor.dirty

    saved = content_of(engine, ids["quiz"])
    assert saved["questions"] == [{"question_id": ids["fixed"]}, {"category_id": ids["pool"], "count": 2}]
    assert (saved["time_limit_minutes"], saved["attempts_allowed"], saved["grading_method"], saved["passing_percent"]) == (20, 3, "last", 70.0)
    assert saved["shuffle_questions"] is True
    # Irene's zone is Europe/Paris: 18:00 there on 1 March is 17:00 UTC.
    assert datetime.fromisoformat(saved["closes_at"]) == datetime(2027, 3, 1, 17, 0, tzinfo=timezone.utc)
    assert saved["review"] == {"score": "after_attempt", "correct_answers": "after_close", "feedback": "never"}

    # Opening the lesson again shows what was saved, in her zone.
    fresh = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    fresh.call(QuizEditorState, "load", str(ids["quiz"]))
    again = fresh.state(QuizEditorState)
    assert (again.time_limit, again.attempts, again.passing, again.closes_at) == ("20", "3", "70", "2027-03-01T18:00")
    assert [i.label for i in again.items] == ["Capital of France", "Pool"]

    # Reordering and removing change the draft only, until saved.
    fresh.call(QuizEditorState, "move_item", 1, "up")
    assert [i.label for i in again.items] == ["Pool", "Capital of France"]
    fresh.call(QuizEditorState, "remove_item", 1)
    fresh.call(QuizEditorState, "save")
    assert content_of(engine, ids["quiz"])["questions"] == [{"category_id": ids["pool"], "count": 2}]


def test_bad_settings_give_a_readable_message_and_keep_what_was_saved(demo, session, engine, actor_of):
    ids = make_world(engine, actor_of, demo)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    browser.call(QuizEditorState, "load", str(ids["quiz"]))
    editor = browser.state(QuizEditorState)

    result = browser.call(QuizEditorState, "save")
    assert editor.error == "Add at least one question to the quiz."
    assert toast_text(result) == "The quiz was not saved: Add at least one question to the quiz."
    assert content_of(engine, ids["quiz"]) == {}

    browser.call(QuizEditorState, "add_question", str(ids["fixed"]))
    browser.call(QuizEditorState, "set_field", "time_limit", "15")
    browser.call(QuizEditorState, "save")
    saved = content_of(engine, ids["quiz"])
    assert saved["time_limit_minutes"] == 15

    for name, value, message in (
        ("review_correct", "after_close", "Showing the correct answers after the quiz closes needs a closing time."),
        ("attempts", "two", "The number of attempts must be a whole number."),
        ("passing", "120", "The passing score must be between 0 and 100%."),
        ("time_limit", "0", "The time limit (minutes) must be between 1 and 10,080."),
        ("closes_at", "tomorrow", "The closing time is not a date and time."),
    ):
        fresh = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
        fresh.call(QuizEditorState, "load", str(ids["quiz"]))
        fresh.call(QuizEditorState, "set_field", name, value)
        fresh.call(QuizEditorState, "save")
        state = fresh.state(QuizEditorState)
        assert state.error == message, name
        assert getattr(state, name) == value, "what was typed stays in the form"
        assert content_of(engine, ids["quiz"]) == saved, "nothing saved is lost"

    fresh.call(QuizEditorState, "set_field", "opens_at", "2027-03-02T10:00")
    fresh.call(QuizEditorState, "set_field", "closes_at", "2027-03-01T10:00")
    fresh.call(QuizEditorState, "save")
    assert fresh.state(QuizEditorState).error == "The quiz must close after it opens."
    # Discarding brings back what is saved.
    fresh.call(QuizEditorState, "discard")
    assert fresh.state(QuizEditorState).closes_at == "" and fresh.state(QuizEditorState).error == ""


def test_a_question_outside_the_usable_banks_cannot_be_added(demo, session, engine, actor_of):
    ids = make_world(engine, actor_of, demo)
    with Session(engine) as s:
        # Isaac's own bank: not Irene's to use.
        own = question_bank.create_category(s, actor_of(ISAAC), "Isaac's")
        foreign = question_bank.save_question(s, actor_of(ISAAC), own.id, single("Private")).id
        s.commit()
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    browser.call(QuizEditorState, "load", str(ids["quiz"]))
    result = browser.call(QuizEditorState, "add_question", str(foreign))
    assert toast_text(result) == "That question is not in a bank you can use for this course."
    assert browser.state(QuizEditorState).items == []


def test_an_assistant_reads_the_quiz_but_cannot_save_it(demo, session, engine, actor_of):
    ids = make_world(engine, actor_of, demo)
    with Session(engine) as s:
        courses.update_lesson(s, actor_of(IRENE), ids["quiz"], content={"questions": [{"question_id": ids["fixed"]}]})
        s.commit()
    browser = signed_in_browser(session, ISAAC, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    browser.call(QuizEditorState, "load", str(ids["quiz"]))
    editor = browser.state(QuizEditorState)
    assert editor.loaded and not editor.can_edit and [i.label for i in editor.items] == ["Capital of France"]
    browser.call(QuizEditorState, "set_field", "time_limit", "5")
    assert toast_text(browser.call(QuizEditorState, "save")) == "Only the course's instructors can change it."
    assert content_of(engine, ids["quiz"]).get("time_limit_minutes") is None


def test_the_attempts_page_lists_resets_reopens_and_keeps_overrides(demo, session, engine, actor_of):
    ids = make_world(engine, actor_of, demo)
    with Session(engine) as s:
        courses.update_lesson(s, actor_of(IRENE), ids["quiz"], content={"questions": [{"question_id": ids["fixed"]}], "attempts_allowed": 1})
        attempt = quizzes.start_attempt(s, actor_of(LEO), ids["quiz"])
        quizzes.save_answer(s, actor_of(LEO), attempt.id, 1, 0)
        quizzes.submit(s, actor_of(LEO), attempt.id)
        s.commit()
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/quizzes/{ids['quiz']}")
    browser.call(QuizAttemptsState, "load")
    page = browser.state(QuizAttemptsState)
    assert page.found and page.title == "Final check" and "1 attempt" in page.rules
    assert [(r.name, r.number, r.status_label, r.score, r.closed_by) for r in page.rows] == [("Leo Learner", 1, "Graded", "100%", "By the learner")]
    browser.call(QuizAttemptsState, "set_status_filter", "in_progress")
    assert page.rows == [] and page.total == 1
    browser.call(QuizAttemptsState, "set_status_filter", "all")

    # An extra attempt for Leo.
    browser.call(QuizAttemptsState, "new_override")
    assert [p.name for p in page.people] == ["Leo Learner"]
    browser.call(QuizAttemptsState, "pick_person", page.people[0].id)
    result = browser.call(QuizAttemptsState, "save_override", {"extra_attempts": "1", "extra_minutes": "", "opens_at": "", "closes_at": "", "reason": "Missed the room"})
    assert toast_text(result) == "Override for Leo Learner saved."
    assert [(o.who, o.changes, o.reason) for o in page.overrides] == [("Leo Learner", ["+1 attempt"], "Missed the room")]

    # Reopen needs a reason; then the attempt is in progress again.
    browser.call(QuizAttemptsState, "ask_action", "reopen", page.rows[0].id)
    assert page.action_open and page.action_label == "attempt 1 of Leo Learner"
    assert toast_text(browser.call(QuizAttemptsState, "confirm_action", {"minutes": "20", "reason": ""})) == "Say why: the reason is kept in the audit trail."
    result = browser.call(QuizAttemptsState, "confirm_action", {"minutes": "20", "reason": "Power cut"})
    assert toast_text(result) == "The attempt 1 of Leo Learner is open again for 20 minutes."
    assert page.rows[0].status == "in_progress" and not page.rows[0].can_reopen

    browser.call(QuizAttemptsState, "ask_action", "reset", page.rows[0].id)
    browser.call(QuizAttemptsState, "confirm_action", {"reason": "Start over"})
    assert page.rows == [] and page.total == 0
    with Session(engine) as s:
        assert s.exec(select(QuizAttempt)).all() == []
        assert [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.action.like("quiz.attempt_%")).order_by(AuditEvent.id)).all()][-2:] == [
            "quiz.attempt_reopened", "quiz.attempt_reset"]

    browser.call(QuizAttemptsState, "ask_delete_override", page.overrides[0].id)
    browser.call(QuizAttemptsState, "delete_override")
    assert page.overrides == []
    with Session(engine) as s:
        assert s.exec(select(LessonOverride)).all() == []
