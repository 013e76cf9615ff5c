"""The quiz in the course player, its handlers run in-process as the server runs them for a
browser holding a real sign-in cookie: the intro, starting, answers saved as given, a reload
that finds them, submitting, essays awaiting grading, the deadline, and who is refused."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from lms_app import db
from lms_app.models import AttemptAnswer, QuizAttempt, utcnow
from lms_app.services import grading
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.player import PlayerState
from lms_app.state.quiz_player import QuizPlayerState
from tests.state.course_world import add_quiz, build_course
from tests.state.harness import Browser, signed_in_browser, toast_text

LEO, IRENE, MAYA = "leo@example.com", "irene@example.com", "maya@example.com"
Q = QuizPlayerState


def make_world(actor_of, **settings) -> dict:
    with db.session_scope() as s:
        ids = build_course(s, actor_of(IRENE), actor_of(LEO))
        ids.update(add_quiz(s, actor_of(IRENE), ids["course"], ids["module"], **settings))
    return ids


@pytest.fixture
def ids(demo, actor_of):
    return make_world(actor_of, attempts_allowed=2, passing_percent=50)


def quiz_path(ids: dict) -> str:
    return f"/learn/courses/{ids['course']}/{ids['quiz']}"


def open_quiz(session, email: str, ids: dict) -> Browser:
    """Open the quiz lesson as the player does: PlayerState.load hands over to the quiz's state."""
    browser = signed_in_browser(session, email, DEMO_PASSWORD, quiz_path(ids))
    follow = browser.call(PlayerState, "load")
    if browser.state(PlayerState).lesson_kind == "quiz" and follow is not None:
        assert getattr(follow, "fn", None) is Q.load.fn
        browser.call(Q, "load")
    return browser


def give(browser: Browser, handler: str, *args):
    """An answer given on screen, then the save that follows it (as the browser sends it)."""
    follow = browser.call(Q, handler, *args)
    assert getattr(follow, "fn", None) is Q.save_pending.fn, "each change is followed by its save"
    assert browser.state(Q).save_status == "saving"
    return browser.call(Q, "save_pending")


def saved_responses(attempt_id: int) -> list:
    with Session(db.get_engine()) as s:
        return [a.response for a in s.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id).order_by(AttemptAnswer.position)).all()]


def only_attempt() -> QuizAttempt:
    with Session(db.get_engine()) as s:
        return s.exec(select(QuizAttempt)).one()


def test_the_intro_says_what_to_know_before_starting(ids, session):
    browser = open_quiz(session, LEO, ids)
    state = browser.state(Q)
    assert state.view == "intro"
    facts = {f.label: f.value for f in state.facts}
    assert facts == {"Questions": "2", "Time limit": "None", "Attempts": "0 used of 2", "Grade": "Highest attempt counts",
                     "Passing score": "50%"}
    assert state.can_start and state.refusal == "" and state.attempt_rows == [] and state.grade_label == ""


def test_start_save_reload_and_submit_shows_the_score(ids, session):
    browser = open_quiz(session, LEO, ids)
    assert browser.call(Q, "start") is None
    state = browser.state(Q)
    assert state.view == "attempt" and state.attempt_number == 1
    assert [q.shown.type for q in state.questions] == ["single", "short_answer"]
    assert [o.text for o in state.questions[0].shown.options] == ["Yes", "No"]
    assert state.questions[1].shown.points_label == "2 points"
    assert state.unanswered == 2 and state.deadline_ms == 0
    first, second = (q.position for q in state.questions)

    assert give(browser, "choose", first, "0") is None
    assert state.save_status == "saved" and state.unanswered == 1
    give(browser, "set_answer_text", second, "paris")
    attempt = only_attempt()
    assert saved_responses(attempt.id) == [0, "paris"]

    # A reload (or a second tab) finds the same attempt with the answers given.
    again = open_quiz(session, LEO, ids)
    resumed = again.state(Q)
    assert resumed.view == "attempt" and resumed.attempt_number == 1
    assert [a.choice for a in resumed.answers][0] == "0" and resumed.answers[1].text == "paris"
    assert resumed.unanswered == 0
    give(again, "set_answer_text", second, "Lyon")

    follow = again.call(Q, "submit")
    assert follow.fn is PlayerState.refresh_progress.fn, "the outline and progress follow the result"
    result = again.state(Q)
    assert result.view == "result" and result.result_status == "graded"
    assert (result.result_score, result.result_percent, result.result_passed) == ("1 / 3 points", "33.33%", "failed")
    assert [(r.verdict, r.points, r.your_answer) for r in result.review] == [("right", "1 / 1", "Yes"), ("wrong", "0 / 2", "Lyon")]
    assert result.review[0].feedback == ["Well done."]
    assert all(r.correct_answer == "" for r in result.review), "correct answers are not shown by default"

    # The first tab submitting too counts once: it gets the same result.
    browser.call(Q, "submit")
    assert browser.state(Q).result_score == "1 / 3 points"
    with Session(db.get_engine()) as s:
        assert len(s.exec(select(QuizAttempt)).all()) == 1

    # Back on the intro: the attempt, its score and the quiz grade.
    again.call(Q, "back_to_intro")
    intro = again.state(Q)
    assert intro.view == "intro" and intro.grade_label == "33.33%" and intro.grade_passed == "failed"
    assert [(r.number, r.status, r.score) for r in intro.attempt_rows] == [("Attempt 1", "Graded", "33.33%")]
    assert {f.label: f.value for f in intro.facts}["Attempts"] == "1 used of 2"


def test_a_change_after_another_tab_submitted_shows_the_result(ids, session):
    first = open_quiz(session, LEO, ids)
    first.call(Q, "start")
    second = open_quiz(session, LEO, ids)
    second.call(Q, "submit")
    result = give(first, "choose", first.state(Q).questions[0].position, "0")
    assert toast_text(result) == "This attempt is already submitted: its answers can no longer change."
    assert first.state(Q).view == "result"
    assert saved_responses(only_attempt().id) == [None, None]


def test_no_attempts_left_is_said_on_the_intro(demo, actor_of, session):
    ids = make_world(actor_of, attempts_allowed=1)
    browser = open_quiz(session, LEO, ids)
    browser.call(Q, "start")
    browser.call(Q, "submit")
    browser.call(Q, "back_to_intro")
    state = browser.state(Q)
    assert not state.can_start and state.refusal == "You have used all 1 attempt at this quiz."
    assert toast_text(browser.call(Q, "start")) == "You have used all 1 attempt at this quiz."
    assert len(session.exec(select(QuizAttempt)).all()) == 1


def test_a_closed_window_is_said_on_the_intro(demo, actor_of, session):
    closed = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    ids = make_world(actor_of, opens_at=(closed - timedelta(days=7)).isoformat(), closes_at=closed.isoformat())
    state = open_quiz(session, LEO, ids).state(Q)
    assert not state.can_start and state.refusal.startswith("This quiz closed on ")
    assert "Closes" in {f.label for f in state.facts}


def test_an_essay_shows_awaiting_grading(demo, actor_of, session):
    ids = make_world(actor_of, essay=True)
    browser = open_quiz(session, LEO, ids)
    browser.call(Q, "start")
    state = browser.state(Q)
    assert state.questions[2].shown.type == "essay"
    give(browser, "choose", state.questions[0].position, "0")
    give(browser, "set_answer_text", state.questions[2].position, "So people can get out.")
    browser.call(Q, "set_submit_open", True)
    assert state.unanswered == 1, "the dialog says one question is not answered"
    browser.call(Q, "submit")
    assert state.view == "result" and state.result_status == "awaiting_grading" and state.result_percent == ""
    assert [r.verdict for r in state.review] == ["right", "wrong", "waiting"]
    browser.call(Q, "back_to_intro")
    assert [(r.status, r.score) for r in state.attempt_rows] == [("Awaiting grading", "—")]


def test_a_released_essay_grade_and_its_comment_show_when_reviewing_the_attempt(demo, actor_of, session):
    ids = make_world(actor_of, essay=True, review={"score": "after_attempt", "feedback": "after_attempt"})
    browser = open_quiz(session, LEO, ids)
    browser.call(Q, "start")
    state = browser.state(Q)
    give(browser, "choose", state.questions[0].position, "0")
    give(browser, "set_answer_text", state.questions[1].position, "Paris")
    give(browser, "set_answer_text", state.questions[2].position, "So people can get out.")
    essay_position = state.questions[2].position
    browser.call(Q, "submit")
    with db.session_scope() as s:
        essay = s.exec(select(AttemptAnswer).where(AttemptAnswer.position == essay_position)).one()
        grading.grade_answer(s, actor_of(IRENE), essay.id, points=0.5, feedback="Name the **fire exits** too.")
    browser.call(Q, "back_to_intro")
    browser.call(Q, "review_attempt", 1)
    assert state.review[2].feedback == [], "a draft grade is not shown"
    with db.session_scope() as s:
        grading.release(s, actor_of(IRENE), [("quiz", essay.id)])
    browser.call(Q, "back_to_intro")
    assert [(r.status, r.score) for r in state.attempt_rows] == [("Graded", "87.5%")]
    browser.call(Q, "review_attempt", 1)
    assert state.view == "result" and state.result_percent == "87.5%"
    assert (state.review[2].points, state.review[2].feedback) == ("0.5 / 1", ["Name the **fire exits** too."])


def test_someone_not_enrolled_is_refused(ids, session):
    browser = signed_in_browser(session, MAYA, DEMO_PASSWORD, quiz_path(ids))
    assert toast_text(browser.call(Q, "load")) == "You are not enrolled in this course."
    assert browser.state(Q).view == "refused"
    assert toast_text(browser.call(Q, "start")) == "You are not enrolled in this course."
    assert session.exec(select(QuizAttempt)).all() == []


def test_someone_elses_attempt_does_not_exist_for_them(ids, session):
    """Even with Leo's attempt in the state's server-side fields, Maya saves and submits nothing."""
    leo = open_quiz(session, LEO, ids)
    leo.call(Q, "start")
    give(leo, "choose", leo.state(Q).questions[0].position, "1")
    attempt = only_attempt()
    maya = signed_in_browser(session, MAYA, DEMO_PASSWORD, quiz_path(ids))
    state = maya.state(Q)
    state.view, state._attempt_id, state.questions, state.answers = "attempt", attempt.id, leo.state(Q).questions, leo.state(Q).answers
    state.answered, state._dirty = [True, False], [leo.state(Q).questions[0].position]
    state.answers = [dataclasses.replace(state.answers[0], choice="0"), state.answers[1]]
    for handler in ("save_pending", "submit", "time_up"):
        assert toast_text(maya.call(Q, handler)) == "That attempt does not exist."
    assert saved_responses(attempt.id) == [1, None] and only_attempt().status == "in_progress"


def test_time_running_out_closes_the_attempt_and_shows_the_result(demo, actor_of, session):
    ids = make_world(actor_of, time_limit_minutes=10)
    browser = open_quiz(session, LEO, ids)
    browser.call(Q, "start")
    state = browser.state(Q)
    assert state.deadline_ms - state.server_now_ms == pytest.approx(10 * 60 * 1000, abs=5000)
    give(browser, "choose", state.questions[0].position, "0")
    # The countdown in the browser reaching zero early changes nothing: the server decides.
    assert browser.call(Q, "time_up") is None and state.view == "attempt"
    with Session(db.get_engine()) as s:
        attempt = s.exec(select(QuizAttempt)).one()
        attempt.deadline_at = utcnow() - timedelta(seconds=1)
        s.add(attempt)
        s.commit()
    result = give(browser, "set_answer_text", state.questions[1].position, "Paris")
    assert toast_text(result).startswith("Time is up: the attempt closed at ")
    assert state.view == "result" and state.result_note.startswith("Time is up")
    assert state.result_score == "1 / 3 points", "graded with the answers saved until then"
    assert saved_responses(only_attempt().id) == [0, None]


def test_the_countdown_at_zero_shows_the_result(demo, actor_of, session):
    ids = make_world(actor_of, time_limit_minutes=1)
    browser = open_quiz(session, LEO, ids)
    browser.call(Q, "start")
    with Session(db.get_engine()) as s:
        attempt = s.exec(select(QuizAttempt)).one()
        attempt.deadline_at = utcnow() - timedelta(seconds=1)
        s.add(attempt)
        s.commit()
    browser.call(Q, "time_up")
    state = browser.state(Q)
    assert state.view == "result" and state.result_note.startswith("Time is up") and state.result_percent == "0%"
    assert only_attempt().closed_by == "deadline"


def test_passing_completes_the_lesson_and_the_outline_follows(ids, session):
    browser = open_quiz(session, LEO, ids)
    assert browser.state(PlayerState).lesson_state == "in_progress"
    browser.call(Q, "start")
    state = browser.state(Q)
    give(browser, "choose", state.questions[0].position, "0")
    give(browser, "set_answer_text", state.questions[1].position, "Paris")
    follow = browser.call(Q, "submit")
    assert state.result_passed == "passed"
    browser.call(PlayerState, follow.fn.__name__)
    player = browser.state(PlayerState)
    assert player.lesson_state == "done" and player.lesson_states[str(ids["quiz"])] == "done"
    assert player.done_count == 1


def test_a_file_answer_is_uploaded_kept_and_shown_after_a_reload(demo, actor_of, session):
    import asyncio
    import io
    from pathlib import Path

    import reflex as rx

    ids = make_world(actor_of, file=True)
    browser = open_quiz(session, LEO, ids)
    browser.call(Q, "start")
    state = browser.state(Q)
    position = state.questions[2].position
    assert state.questions[2].shown.type == "file_upload" and state.file_links == ["", "", ""]
    browser.call(Q, "pick_file_target", position)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    result = asyncio.run(browser.call(Q, "upload_file", [rx.UploadFile(io.BytesIO(b"not a pdf"), path=Path("plan.pdf"))]))
    assert toast_text(result) == "“plan.pdf” is not really a .pdf file: its content does not match its name."
    assert state.file_links[2] == "" and not state.answered[2]
    result = asyncio.run(browser.call(Q, "upload_file", [rx.UploadFile(io.BytesIO(pdf), path=Path("plan.pdf"))]))
    assert toast_text(result) == "Your file is kept as your answer."
    link = f"/files/quiz-answers/{only_attempt().id}/{position}"
    assert state.file_links[2] == link and state.answered[2]
    again = open_quiz(session, LEO, ids)
    assert again.state(Q).file_links[2] == link and again.state(Q).answered[2]
    again.call(Q, "submit")
    assert again.state(Q).result_status == "awaiting_grading"
    assert again.state(Q).review[2].file_href == link and again.state(Q).review[2].verdict == "waiting"
