"""Live sessions through the states, as the server runs them for a browser with a real sign-in
cookie: the player's session card (when, where, seats, sign-up, waiting list, cancelling,
the calendar link), the capacity field of the lesson editor, and the staff's attendance page
(list, attended / absent, CSV)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from lms_app import db
from lms_app.models import Enrollment, LessonProgress, LiveSessionSignup, utcnow
from lms_app.services import courses, enrollment
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.authoring import CourseEditorState
from lms_app.state.live_sessions import SessionAttendanceState
from lms_app.state.player import PlayerState
from tests.state.course_world import build_course
from tests.state.harness import download_of, signed_in_browser, toast_text

LEO, AMARA, IRENE, ISAAC = "leo@example.com", "amara@example.com", "irene@example.com", "isaac@example.com"


def _content(starts, capacity=1) -> dict:
    return {"starts_at": starts.isoformat(), "duration_minutes": 90, "location": "Store 12, back room",
            "join_url": "https://meet.example.com/lift", "capacity": capacity}


@pytest.fixture
def ids(demo, actor_of):
    """The course world plus a live session with one seat in a month; Leo and Amara enrolled."""
    with db.session_scope() as s:
        ids = build_course(s, actor_of(IRENE), actor_of(LEO))
        live = courses.add_lesson(s, actor_of(IRENE), ids["module"], "Lifting clinic", "live_session", _content(utcnow() + timedelta(days=30)))
        ids["live"] = live.id
        ids["amara_run"] = enrollment.self_enroll(s, actor_of(AMARA), ids["course"]).id
    return ids


def player(session, email: str, ids: dict):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, f"/learn/courses/{ids['course']}/{ids['live']}")
    browser.call(PlayerState, "load")
    return browser, browser.state(PlayerState)


def attendance(session, email: str, ids: dict):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/sessions/{ids['live']}")
    result = browser.call(SessionAttendanceState, "load")
    return browser, browser.state(SessionAttendanceState), result


def _start_now(ids, actor_of) -> None:
    with db.session_scope() as s:
        courses.update_lesson(s, actor_of(IRENE), ids["live"], content=_content(utcnow() - timedelta(minutes=5)))


def test_the_player_shows_the_session_and_signs_up_then_waits(ids, session):
    leo_tab, leo = player(session, LEO, ids)
    assert (leo.lesson_kind, leo.completion, leo.view) == ("live_session", "attended", "ok")
    # In Leo's zone (Paris), named.
    assert "(Europe/Paris, UTC+0" in leo.session_starts and leo.session_length == "1 h 30 min"
    assert (leo.session_location, leo.url) == ("Store 12, back room", "https://meet.example.com/lift")
    assert (leo.seat.status, leo.seat.seats, leo.seat.full, leo.seat.signup_open) == ("none", "1 of 1 seat left", False, True)
    assert leo.seat.calendar_href == f"/calendar/lessons/{ids['live']}.ics"

    assert toast_text(leo_tab.call(PlayerState, "sign_up")) == "Your place is booked."
    assert (leo.seat.status, leo.seat.seats, leo.seat.full) == ("booked", "Full (1 seat)", True)

    amara_tab, amara = player(session, AMARA, ids)
    assert amara.seat.full and amara.seat.status == "none"
    assert toast_text(amara_tab.call(PlayerState, "sign_up")) == "The session is full: you are number 1 on the waiting list."
    assert (amara.seat.status, amara.seat.position) == ("waiting", 1)

    # Leo cancels: Amara gets the seat (her next load shows it).
    assert toast_text(leo_tab.call(PlayerState, "cancel_seat")) == "Your place is cancelled."
    assert leo.seat.status == "none" and leo.seat.full
    amara_tab.call(PlayerState, "load")
    assert amara.seat.status == "booked"
    with Session(db.get_engine()) as s:
        assert sorted(r.status for r in s.exec(select(LiveSessionSignup)).all()) == ["booked", "cancelled"]


def test_someone_not_enrolled_cannot_sign_up(ids, session):
    browser = signed_in_browser(session, ISAAC, DEMO_PASSWORD, f"/learn/courses/{ids['course']}/{ids['live']}")
    assert toast_text(browser.call(PlayerState, "sign_up")) == "You are not enrolled in this course."
    with Session(db.get_engine()) as s:
        assert s.exec(select(LiveSessionSignup)).all() == []


def test_the_lesson_editor_saves_and_checks_the_number_of_seats(ids, session):
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    browser.call(CourseEditorState, "load")
    browser.call(CourseEditorState, "open_lesson", str(ids["live"]))
    ed = browser.state(CourseEditorState)
    assert ed.live_capacity == "1"
    form = {"starts_at": "2031-03-03T14:00+01:00", "duration_minutes": "60", "join_url": "", "location": "Room 4"}
    bad = browser.call(CourseEditorState, "save_content", {**form, "capacity": "0"})
    assert toast_text(bad) == "The number of seats must be a whole number from 1 to 100000, or empty for no limit."
    assert toast_text(browser.call(CourseEditorState, "save_content", {**form, "capacity": "25"})) == "Lesson saved."
    assert ed.live_capacity == "25"
    browser.call(CourseEditorState, "save_content", {**form, "capacity": ""})
    assert ed.live_capacity == ""


def test_the_attendance_page_marks_and_exports(ids, session, actor_of):
    leo_tab, _ = player(session, LEO, ids)
    leo_tab.call(PlayerState, "sign_up")
    amara_tab, _ = player(session, AMARA, ids)
    amara_tab.call(PlayerState, "sign_up")

    browser, page, _ = attendance(session, IRENE, ids)
    assert page.found and (page.title, page.course_title) == ("Lifting clinic", "Safe lifting at work")
    assert [(r.name, r.attendance) for r in page.booked] == [("Leo Learner", "absent")]
    assert [(r.name, r.position) for r in page.waiting] == [("Amara Okafor", 1)]
    assert page.seats == "1 of 1 booked" and not page.started and page.location == "Store 12, back room"
    refused = browser.call(SessionAttendanceState, "mark", page.booked[0].user_id, "attended")
    assert toast_text(refused) == "Attendance can be recorded once the session has started."

    _start_now(ids, actor_of)
    browser.call(SessionAttendanceState, "load")
    assert page.started
    result = browser.call(SessionAttendanceState, "mark", page.booked[0].user_id, "attended")
    assert toast_text(result) == "Leo Learner attended: the lesson is done for them."
    assert page.booked[0].attendance == "attended" and page.attended_count == 1
    with Session(db.get_engine()) as s:
        row = s.exec(select(LessonProgress).where(LessonProgress.lesson_id == ids["live"], LessonProgress.enrollment_id == ids["enrollment"])).one()
        assert (row.status, row.reason) == ("done", "Attended the live session")
    # Leo's player shows the lesson done.
    leo_tab.call(PlayerState, "load")
    assert leo_tab.state(PlayerState).lesson_done

    text = download_of(browser.call(SessionAttendanceState, "export_csv"))
    assert text.splitlines()[1].startswith("Leo Learner,leo@example.com,Booked,,") and text.splitlines()[1].endswith(",yes")
    assert text.splitlines()[2].startswith("Amara Okafor,amara@example.com,Waiting,1,")

    result = browser.call(SessionAttendanceState, "mark", page.booked[0].user_id, "absent")
    assert toast_text(result) == "Leo Learner marked absent."
    assert page.booked[0].attendance == "absent" and page.attended_count == 0
    with Session(db.get_engine()) as s:
        assert s.get(Enrollment, ids["enrollment"]).status == "active"


def test_the_attendance_page_is_for_the_course_staff(ids, session):
    for email in (LEO, ISAAC):
        _, page, result = attendance(session, email, ids)
        assert not page.found
        assert toast_text(result) in ("You do not have permission to do that.", "Only the course's staff can see this.")
    # The lesson must belong to the course in the address.
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/999999/sessions/{ids['live']}")
    assert toast_text(browser.call(SessionAttendanceState, "load")) == "That lesson does not exist."
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/sessions/{ids['lesson']}")
    assert toast_text(browser.call(SessionAttendanceState, "load")) == "That lesson is not a live session."
