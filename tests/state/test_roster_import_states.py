"""The roster's CSV handlers (upload, preview, enroll, export) and the catalog's enrollment-key
throttle, run in-process as the server runs them for a browser holding a real sign-in cookie."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import reflex as rx
from sqlmodel import Session, select

from lms_app.models import AuditEvent, Enrollment, EnrollmentKeyFailure, User
from lms_app.services import courses, enrollment
from lms_app.services.csv_import import MAX_IMPORT_BYTES
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.catalog import CourseDetailState
from lms_app.state.roster import CourseLearnersState
from tests.state.harness import download_of, signed_in_browser, toast_text
from tests.state.test_authoring_states import IRENE, LEO, snapshot, world

BAD = "email,name\r\namara@example.com,Amara\r\nnobody@example.com,Nobody\r\nleo@example.com,Leo\r\n"
FIXED = "email,name\r\namara@example.com,Amara\r\nsven@example.com,Sven\r\nleo@example.com,Leo\r\n"


def upload(browser, text: str | bytes, name: str = "people.csv"):
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    state = browser.state(CourseLearnersState)
    return asyncio.run(CourseLearnersState.handle_import_upload.fn(state, [rx.UploadFile(io.BytesIO(data), path=Path(name))]))


def roster_browser(session, engine, actor_of, email: str = IRENE):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, email, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/learners")
    browser.call(CourseLearnersState, "load")
    return browser, ids


def test_upload_preview_fix_and_enroll(demo, session, engine, actor_of):
    browser, ids = roster_browser(session, engine, actor_of)
    state = browser.state(CourseLearnersState)
    browser.call(CourseLearnersState, "set_import_open", True)

    before = snapshot(engine)
    assert upload(browser, b"\xef\xbb\xbf" + BAD.encode(), "march.csv") is None
    assert state.import_checked and state.import_file == "march.csv" and not state.can_bulk_enroll
    assert (state.import_row_count, state.import_to_enroll, state.import_already, state.import_errors) == (3, 1, 1, 1)
    # Rows needing a fix come first; the file itself stays on the server.
    assert [(r.line, r.outcome, r.problem) for r in state.import_rows] == [
        ("3", "error", "nobody in the organization has this email"), ("2", "enroll", ""), ("4", "already", "")]
    assert state.import_ignored == ["name"] and "_import_csv" not in CourseLearnersState.base_vars
    assert "amara@example.com,Amara" not in repr(state.dict())
    # Enrolling anyway (a stale page) enrolls nobody and says why.
    assert toast_text(browser.call(CourseLearnersState, "bulk_enroll")).startswith("Nobody was enrolled: 1 row needs fixing")
    assert snapshot(engine) == before

    browser.call(CourseLearnersState, "reset_import")
    assert not state.import_checked and state.import_rows == []
    upload(browser, FIXED.replace(",", ";"), "march-fixed.csv")
    assert state.can_bulk_enroll and state.import_to_enroll == 2 and state.import_errors == 0
    assert event_name(browser.call(CourseLearnersState, "start_bulk_enroll")) == "bulk_enroll" and state.importing
    assert toast_text(browser.call(CourseLearnersState, "bulk_enroll")) == "2 enrolled; 1 already were."
    assert not state.import_open and not state.import_checked and not state.importing
    assert {"amara@example.com", "sven@example.com", LEO} <= {r.email for r in state.rows}
    with Session(engine) as s:
        sources = s.exec(select(Enrollment.source).where(Enrollment.course_id == ids["course"], Enrollment.source == "import")).all()
    assert sources == ["import", "import"]


def event_name(result) -> str:
    return getattr(getattr(result, "fn", None), "__name__", "")


def test_a_preview_gone_stale_is_shown_again_with_the_reason(demo, session, engine, actor_of):
    browser, _ = roster_browser(session, engine, actor_of)
    state = browser.state(CourseLearnersState)
    upload(browser, "email\nsven@example.com\n")
    assert state.can_bulk_enroll
    with Session(engine) as s:
        sven = s.exec(select(User).where(User.email == "sven@example.com")).one()
        sven.is_active = False
        s.add(sven)
        s.commit()
    assert toast_text(browser.call(CourseLearnersState, "bulk_enroll")) == "Nobody was enrolled: 1 row needs fixing (line 2: Sven Berg's account is deactivated)."
    assert not state.can_bulk_enroll and state.import_rows[0].problem == "Sven Berg's account is deactivated"


def test_file_problems_and_a_file_too_large(demo, session, engine, actor_of):
    browser, _ = roster_browser(session, engine, actor_of)
    state = browser.state(CourseLearnersState)
    upload(browser, "name\nAmara\n")
    assert state.import_file_errors == ["The header line lacks the column email; expected: email."] and not state.can_bulk_enroll
    upload(browser, b"email\n" + b"x" * (MAX_IMPORT_BYTES + 10))
    assert state.import_file_errors[0].startswith("The file is too large") and state.import_rows == []


def test_the_roster_downloads_as_csv(demo, session, engine, actor_of):
    browser, _ = roster_browser(session, engine, actor_of)
    result = browser.call(CourseLearnersState, "export_roster")
    assert toast_text(result) == "Exported 1 learner."
    text = download_of(result)
    assert text.splitlines()[0] == "name,email,status,enrolled_at,progress_percent,last_activity_at"
    assert text.splitlines()[1].startswith("Leo Learner,leo@example.com,active,")
    assert any("learners-safe-lifting-at-work-" in value._js_expr for item in result for _, value in getattr(item, "args", ()))
    with Session(engine) as s:
        assert s.exec(select(AuditEvent.action).where(AuditEvent.action == "roster.exported")).all() == ["roster.exported"]


def test_a_learner_can_neither_preview_enroll_nor_export(demo, session, engine, actor_of):
    browser, _ = roster_browser(session, engine, actor_of, LEO)
    state = browser.state(CourseLearnersState)
    before = snapshot(engine)
    assert toast_text(upload(browser, FIXED)) == "You do not have permission to do that."
    assert not state.import_checked and state.import_rows == []
    state._import_csv = FIXED  # even with a file in hand
    assert toast_text(browser.call(CourseLearnersState, "bulk_enroll")) == "You do not have permission to do that."
    assert toast_text(browser.call(CourseLearnersState, "export_roster")) == "You do not have permission to do that."
    assert snapshot(engine) == before


def test_guessing_a_key_on_the_course_page_is_throttled(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Forklift licence")
    module = courses.add_module(session, irene, course.id, "Basics")
    courses.add_lesson(session, irene, module.id, "First", "text", {"markdown": "Hello."})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_enrollment_key(session, irene, course.id, "pallet-42")
    courses.set_visibility(session, irene, course.id, "published")
    session.commit()
    assert ids["course"] != course.id
    browser = signed_in_browser(session, "sven@example.com", DEMO_PASSWORD, f"/catalog/{course.id}")
    browser.call(CourseDetailState, "load")
    state = browser.state(CourseDetailState)
    for i in range(enrollment.KEY_TRIES):
        browser.call(CourseDetailState, "enroll", {"key": f"guess-{i}"})
        assert state.key_error == "That key is not right."
    with Session(engine) as s:  # each refused key was committed by the page's handler
        assert len(s.exec(select(EnrollmentKeyFailure).where(EnrollmentKeyFailure.course_id == course.id)).all()) == enrollment.KEY_TRIES
    browser.call(CourseDetailState, "enroll", {"key": "pallet-42"})
    assert state.key_error == "Too many wrong keys. Try again in 15 minutes."
    with Session(engine) as s:
        assert s.exec(select(Enrollment).where(Enrollment.course_id == course.id)).all() == []
