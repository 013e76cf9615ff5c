"""The training-elsewhere pages' states: the learner records training with its evidence, the
manager reviews it (approve, reject with a note) and records for someone they manage."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta
from pathlib import Path

import reflex as rx
from sqlmodel import select

from lms_app.models import ExternalTraining, User
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.external_training import ExternalReviewState, MyExternalTrainingState
from tests.state.harness import signed_in_browser, toast_text

LEO, MAYA = "leo@example.com", "maya@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LAST_WEEK = (date.today() - timedelta(days=7)).isoformat()


def send(browser, cls, data: bytes | None, name: str = "certificate.pdf"):
    uploads = [rx.UploadFile(io.BytesIO(data), path=Path(name))] if data is not None else []
    return asyncio.run(cls.record.fn(browser.state(cls), uploads))


def fill(browser, cls, **values):
    for name, value in {"title": "Forklift licence", "provider": "SafeWork Ltd", "completed_on": LAST_WEEK, "hours": "16", **values}.items():
        browser.call(cls, "set_draft", name, value)


def test_record_then_review(demo, session):
    leo = signed_in_browser(session, LEO, DEMO_PASSWORD, "/learn/external")
    leo.call(MyExternalTrainingState, "load")
    mine = leo.state(MyExternalTrainingState)
    assert mine.loaded and mine.records == [] and mine.course_options[0].label == "None"
    leo.call(MyExternalTrainingState, "set_form_open", True)
    fill(leo, MyExternalTrainingState, hours="0")
    leo.call(MyExternalTrainingState, "set_draft", "is_admin", "yes")  # not a field of the form: ignored
    assert "is_admin" not in mine.draft
    assert toast_text(send(leo, MyExternalTrainingState, PDF)) == "The hours must be more than 0 and at most 1000."
    leo.call(MyExternalTrainingState, "set_draft", "hours", "16")
    assert toast_text(send(leo, MyExternalTrainingState, None)).startswith("Attach the evidence")
    assert toast_text(send(leo, MyExternalTrainingState, b"MZ\x90\x00 a program", "certificate.pdf")) == "The evidence must be a PDF or an image (PNG, JPEG or WebP)."
    assert mine.form_open and session.exec(select(ExternalTraining)).first() is None
    fill(leo, MyExternalTrainingState)
    assert "recorded" in toast_text(send(leo, MyExternalTrainingState, PDF))
    [row] = mine.records
    assert (row.title, row.hours, row.status_label, row.evidence_name) == ("Forklift licence", "16 h", "Waiting for review", "certificate.pdf")
    assert row.evidence_href == f"/files/external-training/{row.id}" and not mine.form_open and mine.draft == {}

    maya = signed_in_browser(session, MAYA, DEMO_PASSWORD, "/teams/external-training")
    maya.call(ExternalReviewState, "load")
    queue = maya.state(ExternalReviewState)
    assert [(r.person, r.title) for r in queue.records] == [("Leo Learner", "Forklift licence")]
    maya.call(ExternalReviewState, "ask_reject", row.id)
    assert queue.reject_open and "Forklift licence" in queue.reject_title
    assert toast_text(maya.call(ExternalReviewState, "reject", {"note": ""})).startswith("Say why")
    assert "not approved" in toast_text(maya.call(ExternalReviewState, "reject", {"note": "Expired licence."}))
    assert queue.records == [] and not queue.reject_open
    maya.call(ExternalReviewState, "set_tab", "rejected")
    assert [(r.title, r.note) for r in queue.records] == [("Forklift licence", "Expired licence.")]
    leo.call(MyExternalTrainingState, "load")
    assert (mine.records[0].status_label, mine.records[0].note) == ("Not approved", "Expired licence.")


def test_a_manager_records_for_someone_they_manage(demo, session):
    maya = signed_in_browser(session, MAYA, DEMO_PASSWORD, "/teams/external-training")
    maya.call(ExternalReviewState, "load")
    maya.call(ExternalReviewState, "open_record_for")
    state = maya.state(ExternalReviewState)
    assert state.form_open
    fill(maya, ExternalReviewState)
    assert toast_text(send(maya, ExternalReviewState, PDF)) == "Choose whose training this is first."
    maya.call(ExternalReviewState, "search_people", "oscar")  # Field Operations: not Maya's team
    assert state.person_results == []
    maya.call(ExternalReviewState, "search_people", "leo")
    [leo] = state.person_results
    maya.call(ExternalReviewState, "pick_person", leo.id)
    assert state.for_name == "Leo Learner"
    assert toast_text(send(maya, ExternalReviewState, PDF)).endswith("for Leo Learner: it counts once a reviewer approves it.")
    record = session.exec(select(ExternalTraining)).one()
    assert record.user_id == session.exec(select(User.id).where(User.email == LEO)).one()
    assert [r.recorded_by for r in state.records] == ["Maya Manager"]
    assert "approved" in toast_text(maya.call(ExternalReviewState, "approve", str(record.id)))
    assert state.records == []


def test_learners_cannot_open_the_queue(demo, session):
    leo = signed_in_browser(session, LEO, DEMO_PASSWORD, "/teams/external-training")
    assert toast_text(leo.call(ExternalReviewState, "load")) == "You do not have permission to do that."
    assert toast_text(leo.call(ExternalReviewState, "open_record_for")) == "You do not have permission to do that."
