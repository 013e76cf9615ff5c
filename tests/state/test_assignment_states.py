"""The assignment editor's and the player's assignment handlers, run in-process as the server
runs them for a browser holding a real sign-in cookie: an instructor sets the dates in her own
zone and gives an extension; a learner hands in text and a file, then again."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import reflex as rx
from sqlmodel import Session, select

from lms_app.models import Lesson, Submission, User, utcnow
from lms_app.services import courses
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.assignment_editor import AssignmentEditorState
from lms_app.state.assignment_player import AssignmentPlayerState, relative_due
from lms_app.state.authoring import CourseEditorState
from tests.state.course_world import build_course
from tests.state.harness import signed_in_browser, toast_text

IRENE, LEO = "irene@example.com", "leo@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def world(engine, actor_of) -> dict:
    with Session(engine) as s:
        ids = build_course(s, actor_of(IRENE), actor_of(LEO))
        lesson = courses.add_lesson(s, actor_of(IRENE), ids["module"], "Your workplace", "assignment")
        for email, tz in ((IRENE, "Europe/Paris"), (LEO, "America/New_York")):
            user = s.exec(select(User).where(User.email == email)).one()
            user.timezone = tz
            s.add(user)
        s.commit()
        ids["assignment"] = lesson.id
    return ids


def run(coro):
    return asyncio.run(coro)


def form(**changes) -> dict:
    return {"instructions": "Assess **your** workplace.", "submission_type": "both", "max_files": "3", "max_file_mb": "5",
            "accepted_types": "", "max_points": "20", "due_at": "2030-03-02T18:00", "cut_off_at": "2030-03-05T18:00",
            "late_penalty_percent": "10", "late_penalty_max_percent": "", "passing_percent": "", **changes}


def test_irene_sets_the_dates_in_her_zone_and_gives_leo_an_extension(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    browser.call(CourseEditorState, "load")
    browser.call(CourseEditorState, "open_lesson", str(ids["assignment"]))
    editor = browser.state(AssignmentEditorState)
    browser.call(AssignmentEditorState, "load", str(ids["assignment"]))
    assert editor.loaded and editor.can_edit and editor.tz == "Europe/Paris" and editor.instructions == ""
    assert browser.state(CourseEditorState).lesson_problem.startswith("Add instructions")

    result = run(browser.call(AssignmentEditorState, "save", form(due_at="2030-03-06T18:00")))
    assert toast_text(result) == "The cut-off date cannot be before the due date."
    result = run(browser.call(AssignmentEditorState, "save", form(max_points="many")))
    assert toast_text(result) == "The points must be a number."

    result = run(browser.call(AssignmentEditorState, "save", form()))
    assert toast_text(result) == "Assignment saved."
    with Session(engine) as s:
        content = s.get(Lesson, ids["assignment"]).content
    assert content["due_at"] == "2030-03-02T17:00:00+00:00", "18:00 in Paris (winter) is 17:00 UTC"
    assert content["max_points"] == 20.0 and content["late_penalty_percent"] == 10.0 and content["passing_percent"] is None
    assert editor.due_at == "2030-03-02T18:00" and editor.max_points == "20"
    assert browser.state(CourseEditorState).lesson_problem == "", "the lesson dialog's warning went away"

    assert [o.label for o in editor.learners] == ["Leo Learner (leo@example.com)"]
    browser.call(AssignmentEditorState, "set_ext_open", True)
    result = browser.call(AssignmentEditorState, "grant_extension", {"user": editor.learners[0].value, "due_at": "2030-03-09T18:00", "closes_at": "", "reason": ""})
    assert toast_text(result).startswith("Say why the extension is given")
    result = browser.call(AssignmentEditorState, "grant_extension", {"user": editor.learners[0].value, "due_at": "2030-03-09T18:00", "closes_at": "", "reason": "Was ill"})
    assert toast_text(result) == "Extension saved for Leo Learner."
    assert not editor.ext_open
    assert [(e.name, e.due, e.cut_off, e.reason) for e in editor.extensions] == [("Leo Learner", "9 Mar 2030, 18:00", "—", "Was ill")]
    result = browser.call(AssignmentEditorState, "remove_extension", editor.extensions[0].id)
    assert toast_text(result).startswith("Extension removed") and editor.extensions == []


def _upload(name: str, data: bytes) -> rx.UploadFile:
    return rx.UploadFile(io.BytesIO(data), path=Path(name))


def test_leo_hands_in_text_and_a_pdf_then_again(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    due = utcnow() + timedelta(days=3, hours=1)
    with Session(engine) as s:
        courses.update_lesson(s, actor_of(IRENE), ids["assignment"], content={
            "instructions": "Assess the risks.", "due_at": due.isoformat(), "max_points": 20, "late_penalty_percent": 5})
        s.commit()
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/learn/courses/{ids['course']}/{ids['assignment']}")
    page = browser.state(AssignmentPlayerState)
    browser.call(AssignmentPlayerState, "load")
    assert page.loaded and page.problem == "" and page.status_label == "Not handed in" and page.can_submit
    assert page.due_relative == "due in 3 days" and page.due_label.endswith("(America/New_York)")
    assert page.penalty_rule.startswith("5% of the points off per day late") and page.points_label == "20 points"

    browser.call(AssignmentPlayerState, "set_draft_text", "My answer")
    result = run(browser.call(AssignmentPlayerState, "submit", [_upload("report.pdf", PDF)]))
    assert toast_text(result) == "Handed in."
    assert (page.status, page.status_label, page.late, page.number, page.text) == ("submitted", "Submitted", False, 1, "My answer")
    assert [(f.name, f.url.startswith("/files/submissions/")) for f in page.files] == [("report.pdf", True)]
    assert page.due_relative == "handed in on time"

    result = run(browser.call(AssignmentPlayerState, "submit", [_upload("fake.pdf", b"MZ program")]))
    assert toast_text(result) == "“fake.pdf” is not really a PDF file: its content does not match its name."
    assert page.number == 1 and [f.name for f in page.files] == ["report.pdf"], "nothing changed"

    browser.call(AssignmentPlayerState, "set_draft_text", "Better answer")
    result = run(browser.call(AssignmentPlayerState, "submit", []))
    assert toast_text(result) == "Handed in again."
    assert page.number == 2 and page.text == "Better answer" and [f.name for f in page.files] == ["report.pdf"]
    with Session(engine) as s:
        row = s.exec(select(Submission)).one()
        assert (row.number, row.text) == (2, "Better answer")


def test_someone_not_enrolled_reads_why(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    with Session(engine) as s:
        courses.update_lesson(s, actor_of(IRENE), ids["assignment"], content={"instructions": "Do it."})
        s.commit()
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/learn/courses/{ids['course']}/{ids['assignment']}")
    browser.call(AssignmentPlayerState, "load")
    page = browser.state(AssignmentPlayerState)
    assert page.problem == "You are not enrolled in this course." and page.lesson_ref == str(ids["assignment"])
    result = run(browser.call(AssignmentPlayerState, "submit", []))
    assert toast_text(result) == "You are not enrolled in this course."


def test_relative_due_dates_read_naturally():
    now = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)
    assert relative_due(now + timedelta(days=3, hours=2), now) == "due in 3 days"
    assert relative_due(now + timedelta(hours=5), now) == "due in 5 hours"
    assert relative_due(now - timedelta(days=2, hours=1), now) == "2 days late"
    assert relative_due(now - timedelta(minutes=1), now) == "1 minute late"
    assert relative_due(now, now, handed_in_late=0) == "handed in on time"
    assert relative_due(now, now, handed_in_late=90_000) == "handed in 1 day late"
    assert relative_due(None, now) == ""
