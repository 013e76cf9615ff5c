"""The question editor in a real browser: Irene writes a multiple-choice question with partial
credit in a new category, previews it as a learner, ticks one of the two right answers and
gets half the points, then saves it and finds it in the bank. On a phone the editor and its
preview fit the screen."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User
from lms_app.services import courses
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def course_id(lms_server) -> int:
    with lms_server.db() as s:
        irene = actor_for(s, s.exec(select(User).where(User.email == "irene@example.com")).one())
        return courses.create_course(s, irene, f"Rivers of Europe {time.time_ns() % 100000}").id


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


def test_irene_writes_previews_and_saves_a_multiple_choice_question(new_context, course_id):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course_id}/questions")
    page.locator("#first-category").click()
    page.locator("#category-name").fill("Rivers")
    page.locator("#create-category").click()
    expect(page.locator(".lms-question-category")).to_have_count(1)

    page.locator("#new-question").click()
    page.locator(".lms-new-multiple").click()
    dialog = page.locator(".lms-question-editor")
    expect(dialog).to_contain_text("New question")
    expect(dialog).to_contain_text("Multiple choice")
    page.locator("#question-title").fill("French rivers")
    page.locator("#question-text").fill("Which of these rivers flow through **France**?")
    expect(dialog.locator(".lms-question-text-preview strong")).to_have_text("France")
    for i, (text, share) in enumerate([("Loire", "50"), ("Seine", "50"), ("Danube", "0")]):
        dialog.locator(".lms-choice-text input, input.lms-choice-text").nth(i).fill(text)
        dialog.locator(".lms-choice-fraction input, input.lms-choice-fraction").nth(i).fill(share)
    dialog.locator(".lms-choice-feedback input, input.lms-choice-feedback").nth(0).fill("Yes: the longest river of France.")
    page.locator("#partial-credit").click()
    page.get_by_role("option", name="Right ticked minus wrong ticked", exact=True).click()
    page.wait_for_timeout(600)  # let the last keystrokes reach the server before previewing
    shot(page, "question-editor-desktop")

    page.locator("#editor-tab-preview").click()
    options = dialog.locator(".lms-question-option")
    expect(options).to_have_count(3)
    options.filter(has_text="Loire").get_by_role("checkbox").click()
    page.locator("#check-answer").click()
    result = page.locator("#check-result")
    expect(result).to_contain_text("Partly right")
    expect(result).to_contain_text("0.5 of 1 point")
    expect(result).to_contain_text("Yes: the longest river of France.")
    shot(page, "question-editor-preview-desktop")

    page.locator("#save-question").click()
    expect(page.get_by_text("Question created.")).to_be_visible()
    expect(dialog).to_have_count(0)
    row = page.locator(".lms-question-row", has_text="French rivers")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Multiple choice")

    phone = new_context(PHONE).new_page()
    sign_in(phone, "irene@example.com")
    phone.goto(f"/teach/courses/{course_id}/questions")
    phone.locator(".lms-question-title", has_text="French rivers").click()
    expect(phone.locator("#question-title")).to_have_value("French rivers")
    _fits(phone)
    shot(phone, "question-editor-phone")
    phone.locator("#editor-tab-preview").click()
    expect(phone.locator(".lms-question-option")).to_have_count(3)
    _fits(phone)
    shot(phone, "question-editor-preview-phone")


def test_every_question_type_has_a_form_and_a_preview(new_context, course_id):
    """Each type's form and learner view render (no script error) on a phone."""
    page = new_context(PHONE).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course_id}/questions")
    page.locator("#first-category").click()
    page.locator("#category-name").fill("Everything")
    page.locator("#create-category").click()
    expect(page.locator(".lms-question-category")).to_have_count(1)
    dialog = page.locator(".lms-question-editor")
    for kind, label in [("single", "Single choice"), ("true-false", "True/false"), ("short-answer", "Short answer"), ("numeric", "Numeric"),
                        ("matching", "Matching"), ("ordering", "Ordering"), ("fill-blanks", "Fill in the blanks"), ("essay", "Essay"),
                        ("file-upload", "File upload")]:
        page.locator("#new-question").click()
        page.locator(f".lms-new-{kind}").click()
        expect(dialog).to_contain_text(label)
        page.locator("#question-text").fill("Answer **this**.")
        page.wait_for_timeout(400)
        _fits(page)
        page.locator("#editor-tab-preview").click()
        expect(dialog.locator(".lms-question-view strong")).to_have_text("this")
        if kind == "file-upload":
            expect(dialog).to_contain_text("Learners upload a file here.")
        if kind == "ordering":
            expect(dialog.locator(".lms-order-item")).to_have_count(3)
            shot(page, "question-editor-ordering-phone")
        _fits(page)
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_have_count(0)
    assert errors == []
