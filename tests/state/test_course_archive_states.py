"""My courses' "Import course" dialog: an archive dropped in it becomes a new draft whose
editor opens; a refused archive says why in the dialog and adds nothing."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import reflex as rx
from sqlalchemy import func
from sqlmodel import Session, select

from lms_app.models import Course, CourseStaff, Lesson
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.course_archive import CourseImportState
from tests.state.course_archives import archive, small_course_archive, small_course_document
from tests.state.harness import redirect_target, signed_in_browser, toast_text

IRENE, LEO = "irene@example.com", "leo@example.com"


def drop(browser, data: bytes):
    handler = CourseImportState.upload_archive.fn
    return asyncio.run(handler(browser.state(CourseImportState), [rx.UploadFile(io.BytesIO(data), path=Path("course.zip"))]))


def test_an_imported_course_opens_in_the_editor(demo, session, engine):
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, "/teach")
    browser.call(CourseImportState, "set_import_open", True)
    browser.call(CourseImportState, "start_import")
    state = browser.state(CourseImportState)
    assert state.importing

    result = drop(browser, small_course_archive("Forklift basics"))
    with Session(engine) as s:
        course = s.exec(select(Course).where(Course.title == "Forklift basics")).one()
        lessons = s.exec(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)).all()
        staff = s.exec(select(CourseStaff.role).where(CourseStaff.course_id == course.id)).all()
    assert redirect_target(result) == f"/teach/courses/{course.id}"
    assert toast_text(result) == "“Forklift basics” imported as a draft."
    assert course.visibility == "draft" and staff == ["instructor"]
    assert [(lesson.title, lesson.kind) for lesson in lessons] == [("Controls", "text"), ("Checklist", "file")]
    assert not state.import_open and not state.importing and state.error == ""


def test_a_refused_archive_says_why_in_the_dialog(demo, session, engine):
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, "/teach")
    browser.call(CourseImportState, "set_import_open", True)
    document = small_course_document()
    document["modules"][0]["lessons"][1]["requires"] = ["l7"]
    result = drop(browser, archive(document, {}))
    reason = "Lesson “Checklist” in module “Basics” uses the file “files/l2.pdf”, which is not in the archive."
    state = browser.state(CourseImportState)
    assert toast_text(result) == reason and state.error == reason
    assert state.import_open and not state.importing
    with Session(engine) as s:
        assert s.exec(select(func.count(Course.id))).one() == 0

    result = drop(browser, archive(document, {"files/l2.pdf": b"%PDF-1.4\n%%EOF\n"}))
    assert state.error == "Lesson “Checklist” in module “Basics”: it requires “l7”, which is not a lesson of this course."
    # Closing the dialog forgets the refusal.
    browser.call(CourseImportState, "set_import_open", False)
    assert state.error == ""


def test_a_learner_cannot_import(demo, session, engine):
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/teach")
    result = drop(browser, small_course_archive())
    assert toast_text(result) == "You do not have permission to do that."
    with Session(engine) as s:
        assert s.exec(select(func.count(Course.id))).one() == 0
