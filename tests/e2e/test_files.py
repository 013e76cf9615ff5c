"""Lesson files in a real browser: the instructor drops a PDF on a file lesson; Leo, enrolled,
sees it inline in the player and downloads it under its original name (which marks it viewed)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User
from lms_app.services import courses, enrollment
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, sign_in

pytestmark = [pytest.mark.e2e]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def course(lms_server):
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        leo = actor_for(s, people["leo@example.com"], "127.0.0.1")
        c = courses.create_course(s, irene, f"Files in the player {time.time_ns()}")
        basics = courses.add_module(s, irene, c.id, "Basics")
        intro = courses.add_lesson(s, irene, basics.id, "Welcome", "text", {"markdown": "Hello."})
        courses.update_course(s, irene, c.id, self_enrollment=True)
        courses.set_visibility(s, irene, c.id, "published")
        enrollment.self_enroll(s, leo, c.id)
        # Added after publishing: an empty file lesson would hold the publishing back.
        handout = courses.add_lesson(s, irene, basics.id, "Safety handout", "file")
        s.flush()
        return {"id": c.id, "intro": intro.id, "handout": handout.id}


def test_instructor_uploads_a_pdf_and_the_learner_gets_it(new_context, course, tmp_path):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course['id']}")
    page.locator(".lms-lesson-title", has_text="Safety handout").click()
    expect(page.locator("#lesson-editor")).to_be_visible()
    expect(page.locator("#stored-file-name")).to_have_text("No file uploaded yet.")
    pdf = tmp_path / "Safety handout.pdf"
    pdf.write_bytes(PDF)
    page.locator("#lesson-file-upload input[type=file]").set_input_files(str(pdf))
    expect(page.locator("#stored-file-name")).to_have_text("Safety handout.pdf")

    # A program renamed to .pdf is refused with the reason.
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    page.locator("#lesson-file-upload input[type=file]").set_input_files(str(fake))
    expect(page.get_by_text("This kind of file is not accepted", exact=False)).to_be_visible()
    expect(page.locator("#stored-file-name")).to_have_text("Safety handout.pdf")

    learner = new_context(DESKTOP).new_page()
    sign_in(learner, "leo@example.com")
    learner.goto(f"/learn/courses/{course['id']}/{course['handout']}")
    expect(learner.locator("#lesson-file-name")).to_have_text("Safety handout.pdf")
    expect(learner.locator("#lesson-pdf")).to_have_attribute("src", f"/files/lessons/{course['handout']}")
    response = learner.request.get(f"/files/lessons/{course['handout']}")
    assert response.status == 200 and response.body() == PDF
    with learner.expect_download() as download:
        learner.locator("#download-file").click()
    assert download.value.suggested_filename == "Safety handout.pdf"
    expect(learner.locator("#lesson-done")).to_be_visible()

    # Signed out, the file is not served.
    anonymous = new_context(DESKTOP).new_page()
    assert anonymous.request.get(f"/files/lessons/{course['handout']}").status == 401
