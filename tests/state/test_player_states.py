"""The learner's course player, its handlers run in-process as the server runs them for a
browser holding a real sign-in cookie."""

from __future__ import annotations


import pytest
from sqlmodel import Session, SQLModel, select

from lms_app import db
from lms_app.models import Enrollment, LessonProgress
from lms_app.services import courses
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.player import PlayerState
from tests.state.course_world import build_course
from tests.state.harness import Browser, redirect_target, signed_in_browser, toast_text

LEO, IRENE, MAYA = "leo@example.com", "irene@example.com", "maya@example.com"
@pytest.fixture
def ids(demo, actor_of):
    with db.session_scope() as s:
        return build_course(s, actor_of(IRENE), actor_of(LEO))


def lesson_path(ids: dict, key: str) -> str:
    return f"/learn/courses/{ids['course']}/{ids[key]}"


def open_as(session, email: str, path: str) -> Browser:
    browser = signed_in_browser(session, email, DEMO_PASSWORD, path)
    return browser


def outline_states(state: PlayerState) -> dict[str, tuple[str, str]]:
    return {lesson.title: (state.lesson_states[lesson.id], state.lock_reasons.get(lesson.id, "")) for module in state.outline for lesson in module.lessons}


def snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(t.select()).all())) for t in SQLModel.metadata.sorted_tables if t.name != "loginsession"}


def test_opening_a_lesson_shows_it_and_the_outline(ids, session):
    browser = open_as(session, LEO, lesson_path(ids, "lesson"))
    assert browser.call(PlayerState, "load") is None
    state = browser.state(PlayerState)
    assert state.view == "ok"
    assert (state.course_title, state.lesson_title, state.module_title, state.lesson_kind) == ("Safe lifting at work", "Why it matters", "Basics", "text")
    assert state.markdown == "# Why\n\nBacks are precious."
    assert state.lesson_state == "in_progress" and state.completion == "viewed"
    assert [m.title for m in state.outline] == ["Basics", "Practice"]
    assert outline_states(state) == {
        "Why it matters": ("in_progress", ""), "Posture": ("available", ""), "The drill": ("locked", "Finish “Posture” first"),
    }
    current = [lesson.title for m in state.outline for lesson in m.lessons if lesson.id == state.lesson_id]
    assert current == ["Why it matters"]
    assert state.previous.href == "" and state.next.href == lesson_path(ids, "lesson2") and state.next.reason == ""
    assert (state.percent, state.done_count, state.total_count) == (0, 0, 3)
    with Session(db.get_engine()) as s:
        assert s.get(Enrollment, ids["enrollment"]).last_lesson_id == ids["lesson"]


def test_a_locked_lesson_shows_its_reason_not_its_content(ids, session):
    browser = open_as(session, LEO, lesson_path(ids, "locked_lesson"))
    browser.call(PlayerState, "load")
    state = browser.state(PlayerState)
    assert state.view == "ok" and state.lesson_locked
    assert state.lesson_title == "The drill" and state.locked_reason == "Finish “Posture” first"
    assert state.markdown == ""
    with Session(db.get_engine()) as s:
        assert s.exec(select(LessonProgress).where(LessonProgress.lesson_id == ids["locked_lesson"])).first() is None
    # The lesson before it says why "Next" does not open it.
    browser.goto(lesson_path(ids, "lesson2"))
    browser.call(PlayerState, "load")
    assert (state.next.title, state.next.reason) == ("The drill", "Finish “Posture” first")


def test_reading_to_the_end_completes_and_updates_the_percent_and_unlocks(ids, session):
    browser = open_as(session, LEO, lesson_path(ids, "lesson2"))
    browser.call(PlayerState, "load")
    state = browser.state(PlayerState)
    assert state.percent == 0
    result = browser.call(PlayerState, "reached_end")
    assert toast_text(result) == "“Posture” is done."
    assert state.lesson_done and (state.percent, state.done_count) == (33, 1)
    assert outline_states(state)["The drill"] == ("available", "")
    assert state.next.reason == "" and state.next.href == lesson_path(ids, "locked_lesson")

    # "Mark as done" (the fallback button) completes the rest, and the course with the last one.
    for key in ("lesson", "locked_lesson"):
        browser.goto(lesson_path(ids, key))
        browser.call(PlayerState, "load")
        result = browser.call(PlayerState, "mark_done")
    assert toast_text(result) == "You completed “Safe lifting at work”."
    assert state.percent == 100 and state.course_completed
    with Session(db.get_engine()) as s:
        assert s.get(Enrollment, ids["enrollment"]).status == "completed"


def test_the_course_page_resumes_at_the_last_lesson_opened(ids, session):
    browser = open_as(session, LEO, f"/learn/courses/{ids['course']}")
    # Nothing opened yet: the first open lesson.
    assert redirect_target(browser.call(PlayerState, "resume")) == lesson_path(ids, "lesson")
    browser.goto(lesson_path(ids, "lesson2"))
    browser.call(PlayerState, "load")
    # A second tab (a new browser state) lands on the same lesson: everything is server-side.
    other = open_as(session, LEO, f"/learn/courses/{ids['course']}")
    assert redirect_target(other.call(PlayerState, "resume")) == lesson_path(ids, "lesson2")
    # Once it is done, the next lesson not done.
    browser.call(PlayerState, "reached_end")
    assert redirect_target(other.call(PlayerState, "resume")) == lesson_path(ids, "lesson")


def test_time_spent_counts_only_reports_for_the_lesson_on_screen(ids, session):
    browser = open_as(session, LEO, lesson_path(ids, "lesson"))
    browser.call(PlayerState, "load")
    browser.call(PlayerState, "heartbeat", {"lesson": str(ids["lesson"]), "seconds": 30})
    # A late report from a lesson the tab has left, and a report that is not one: ignored.
    browser.call(PlayerState, "heartbeat", {"lesson": str(ids["lesson2"]), "seconds": 30})
    assert browser.call(PlayerState, "heartbeat", None) is None
    with Session(db.get_engine()) as s:
        rows = {p.lesson_id: p.seconds_spent for p in s.exec(select(LessonProgress)).all()}
    assert 0 < rows[ids["lesson"]] <= 30 and ids["lesson2"] not in rows
    result = browser.call(PlayerState, "heartbeat", {"lesson": str(ids["lesson"]), "seconds": "a lot"})
    assert toast_text(result) == "The time spent must be a number of seconds."


def test_video_seconds_played_complete_a_video_lesson(ids, session, actor_of):
    with db.session_scope() as s:
        video = courses.add_lesson(s, actor_of(IRENE), ids["module"], "Watch the lift", "video",
                                   {"url": "https://media.example.com/lift.mp4", "duration_seconds": 100})
        video_id = video.id
    browser = open_as(session, LEO, f"/learn/courses/{ids['course']}/{video_id}")
    browser.call(PlayerState, "load")
    state = browser.state(PlayerState)
    assert (state.lesson_kind, state.video_source, state.url) == ("video", "link", "https://media.example.com/lift.mp4")
    result = browser.call(PlayerState, "mark_done")
    assert toast_text(result) == "Watch at least 90% of the video first (so far 0%)."
    browser.call(PlayerState, "report_watch", {"lesson": str(video_id), "ranges": [[0, 50]], "duration": 100, "position": 50})
    assert state.watched_percent == 50 and not state.lesson_done
    # Watching the same part again adds nothing.
    browser.call(PlayerState, "report_watch", {"lesson": str(video_id), "ranges": [[0, 50]], "duration": 100, "position": 50})
    assert state.watched_percent == 50
    result = browser.call(PlayerState, "report_watch", {"lesson": str(video_id), "ranges": [[0, 95]], "duration": 100, "position": 95})
    assert toast_text(result) == "“Watch the lift” is done."
    assert state.lesson_done
    # Resuming the video where it was left.
    browser.call(PlayerState, "load")
    assert state.position == 95


def test_a_learner_not_enrolled_is_refused_and_nothing_is_written(ids, session, engine):
    browser = open_as(session, MAYA, lesson_path(ids, "lesson"))
    before = snapshot(engine)
    assert browser.call(PlayerState, "load") is None
    state = browser.state(PlayerState)
    assert state.view == "not_enrolled" and state.message == "You are not enrolled in this course."
    assert state.catalog_href == f"/catalog/{ids['course']}"
    assert state.markdown == "" and state.outline == []
    for handler, args in [("reached_end", ()), ("mark_done", ()), ("heartbeat", ({"lesson": str(ids["lesson"]), "seconds": 30},)),
                          ("report_watch", ({"lesson": str(ids["lesson"]), "ranges": [[0, 10]]},))]:
        assert toast_text(browser.call(PlayerState, handler, *args)) == "You are not enrolled in this course.", handler
    browser.goto(f"/learn/courses/{ids['course']}")
    assert browser.call(PlayerState, "resume") is None and state.view == "not_enrolled"
    assert snapshot(engine) == before
    # The instructor of the course is no learner in it either.
    irene = open_as(session, IRENE, lesson_path(ids, "lesson"))
    irene.call(PlayerState, "load")
    assert irene.state(PlayerState).view == "not_enrolled"


@pytest.mark.parametrize("path,message", [
    ("/learn/courses/{course}/abc", "That lesson does not exist."),
    ("/learn/courses/{course}/999999", "That lesson does not exist."),
    ("/learn/courses/{course}/99999999999999999999", "That lesson does not exist."),
    ("/learn/courses/abc/{lesson}", "That course does not exist."),
])
def test_bad_ids_in_the_url_say_so(ids, session, path, message):
    browser = open_as(session, LEO, path.format(**ids))
    assert browser.call(PlayerState, "load") is None
    state = browser.state(PlayerState)
    assert state.view == "missing" and state.message == message


def test_another_courses_lesson_is_not_shown(ids, session, actor_of):
    with db.session_scope() as s:
        other = courses.create_course(s, actor_of(IRENE), "Another course")
        module = courses.add_module(s, actor_of(IRENE), other.id, "Only")
        secret = courses.add_lesson(s, actor_of(IRENE), module.id, "Secret", "text", {"markdown": "Not for Leo."})
        secret_id = secret.id
    browser = open_as(session, LEO, f"/learn/courses/{ids['course']}/{secret_id}")
    browser.call(PlayerState, "load")
    state = browser.state(PlayerState)
    assert state.view == "missing" and state.markdown == ""
    browser.goto(f"/learn/courses/{ids['course']}/{secret_id}")
    assert toast_text(browser.call(PlayerState, "mark_done")) == "That lesson does not exist."
