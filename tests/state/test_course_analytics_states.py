"""The course analytics page's handlers, run in-process as the server runs them for a
browser holding a real sign-in cookie: load, picking a quiz, exports, messaging a learner at
risk (with its validation), the live refresh, and refusals."""

from __future__ import annotations

from sqlmodel import Session, select

from lms_app import live
from lms_app.models import AuditEvent, OutgoingEmail
from lms_app.services import progress
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.course_analytics import CourseAnalyticsState
from tests.state.harness import download_of, signed_in_browser, toast_text
from tests.unit.test_analytics_course import IRENE, LEO, MAYA, analytics_world

S = CourseAnalyticsState


def open_page(session, engine, actor_of, email=IRENE):
    world = analytics_world(engine, actor_of)
    browser = signed_in_browser(session, email, DEMO_PASSWORD, f"/teach/courses/{world['course']}/analytics")
    return world, browser


def test_irene_loads_the_analytics(demo, session, engine, actor_of):
    world, browser = open_page(session, engine, actor_of)
    assert browser.call(S, "load") is None
    state = browser.state(S)
    assert state.found and state.course_title == "Safe lifting at work"
    assert (state.learners, state.active, state.risk_count, state.graded_attempts, state.quiz_count) == (5, 4, 3, 5, 1)
    assert state.funnel_rows == [
        ["1. Why it matters", "3", "2", "2 (40%)", "2 min"],
        ["2. Posture", "2", "1", "1 (33%)", "1 min"],
        ["3. The drill", "1", "1", "1 (50%)", "—"],
        ["4. Lifting check", "4", "2", "+3", "—"],
    ]
    assert state.funnel_figure.data[0].x == (5, 3, 2, 1, 4)
    assert state.items_rows == [["Knees", "Possibly miskeyed", "No (3)", "5", "40%", "+1.00"],
                                ["Capital", "—", "—", "5", "40%", "+1.00"]]
    assert state.quiz_note == "5 graded attempts"
    assert state.scores_rows[0] == ["0–9%", "1"] and state.scores_rows[-1] == ["90–100%", "1"]
    assert state.grades_rows[0] == ["A", "1", "20%"] and state.grades_rows[-1] == ["Not graded yet", "1", "20%"]
    fifth = world["people"][world["learners"][4]]
    assert [r.name for r in state.risk_rows][0] == fifth.name
    assert state.risk_rows[0].reasons == ["No activity since enrolling for 20 days", "Behind pace: 0 of 4 lessons done (0%), 67% expected by now"]


def test_exports_hold_the_tables_rows(demo, session, engine, actor_of):
    world, browser = open_page(session, engine, actor_of)
    browser.call(S, "load")
    funnel = download_of(browser.call(S, "export", "funnel", "csv"))
    assert funnel.splitlines()[0] == "Lesson,Reached,Finished,Drop-off,Median seconds"
    assert "Why it matters,3,2,2,120" in funnel and "Posture,2,1,1,60" in funnel
    risk = download_of(browser.call(S, "export", "at_risk", "csv"))
    assert "Failed “Lifting check” 2 times without passing" in risk
    items = download_of(browser.call(S, "export", "items", "csv"))
    assert items.splitlines()[0] == "Question,Flags,Most chosen wrong answer,Times chosen,Answers,Facility,Discrimination"
    assert "Knees,Possibly miskeyed,No,3,5,0.4,1.0" in items
    with Session(engine) as s:
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "report.exported")).all()) == 3
    assert toast_text(browser.call(S, "export", "funnel", "odt")) == "Choose CSV, Excel or PDF."


def test_message_a_learner_at_risk_with_validation(demo, session, engine, actor_of):
    world, browser = open_page(session, engine, actor_of)
    browser.call(S, "load")
    fifth = world["people"][world["learners"][4]]
    browser.call(S, "open_message", str(fifth.id))
    state = browser.state(S)
    assert state.message_open and state.message_name == fifth.name
    browser.call(S, "send_message", {"subject": "  ", "body": "Hello"})
    assert state.message_open and state.message_error == "Write a subject."
    browser.call(S, "send_message", {"subject": "Hi", "body": ""})
    assert state.message_error == "Write a message."
    with Session(engine) as s:
        assert s.exec(select(OutgoingEmail)).first() is None
    result = browser.call(S, "send_message", {"subject": "Hi", "body": "Can I help?"})
    assert toast_text(result) == f"Message sent to {fifth.name}."
    assert not state.message_open and state.message_error == ""
    with Session(engine) as s:
        mail = s.exec(select(OutgoingEmail)).one()
        assert mail.to_address == fifth.email and "Can I help?" in mail.body_text
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "course.learner_messaged")).one().target_label == fifth.email
    # Someone not in the list cannot be picked.
    assert toast_text(browser.call(S, "open_message", str(world["people"][MAYA].id))) == "That learner is no longer in the list."


def test_the_open_page_follows_a_learners_progress(demo, session, engine, actor_of):
    world, browser = open_page(session, engine, actor_of)
    browser.call(S, "load")
    fifth = world["learners"][4]
    with Session(engine) as s:
        progress.open_lesson(s, actor_of(fifth), world["run"][fifth], world["lesson"])
        s.commit()
    browser.state(S)._on_changes([live.Change(actor_of(IRENE).org_id, world["people"][fifth].id, world["course"], "lesson_opened")])
    state = browser.state(S)
    assert state.funnel_rows[0][:2] == ["1. Why it matters", "4"]
    assert state.risk_count == 3  # still behind pace, no longer idle
    row = next(r for r in state.risk_rows if r.key == str(world["people"][fifth].id))
    assert row.reasons == ["Behind pace: 0 of 4 lessons done (0%), 67% expected by now"]


def test_a_learner_and_a_manager_are_refused(demo, session, engine, actor_of):
    world = analytics_world(engine, actor_of)
    for email in (LEO, MAYA):
        browser = signed_in_browser(session, email, DEMO_PASSWORD, f"/teach/courses/{world['course']}/analytics")
        assert toast_text(browser.call(S, "load")) == "You do not have permission to do that."
        assert not browser.state(S).found and browser.state(S).funnel_rows == []
