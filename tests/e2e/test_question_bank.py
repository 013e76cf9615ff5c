"""The question bank in a real browser: Irene opens her course's bank from the editor, makes a
category, imports a GIFT file with mistakes (nothing goes in, each bad line is listed), takes
the readable questions anyway, then a clean file of every question type; she exports the
category as GIFT. On a phone the page fits the screen."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User
from lms_app.services import courses
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

GIFT_FILES = Path(__file__).resolve().parents[1] / "data" / "gift"


@pytest.fixture
def course_id(lms_server) -> int:
    with lms_server.db() as s:
        irene = actor_for(s, s.exec(select(User).where(User.email == "irene@example.com")).one())
        return courses.create_course(s, irene, f"Geography {time.time_ns() % 100000}").id


def test_irene_imports_and_exports_questions(new_context, course_id):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "irene@example.com")
    page.goto(f"/teach/courses/{course_id}")
    page.locator("#question-bank-link").click()
    page.wait_for_url(f"**/teach/courses/{course_id}/questions")
    page.locator("#first-category").click()
    page.locator("#category-name").fill("World")
    page.locator("#create-category").click()
    expect(page.locator(".lms-question-category")).to_have_count(1)

    page.locator("#import-gift").click()
    page.locator("#gift-upload input[type=file]").set_input_files(str(GIFT_FILES / "broken.gift"))
    errors = page.locator("#gift-errors li")
    expect(errors.first).to_contain_text("Line 5:")
    assert errors.count() > 3
    shot(page, "question-bank-gift-errors")
    expect(page.locator(".lms-question-row")).to_have_count(0)
    page.locator("#import-readable").click()
    expect(page.get_by_text("questions imported", exact=False)).to_be_visible()
    expect(page.locator(".lms-question-row")).to_have_count(2)

    page.locator("#import-gift").click()
    page.locator("#gift-upload input[type=file]").set_input_files(str(GIFT_FILES / "every_type.gift"))
    # The file's $CATEGORY lines became sub-categories of "World".
    expect(page.locator(".lms-question-category")).to_have_count(5)
    expect(page.locator(".lms-question-category", has_text="World / Geography / Capitals")).to_be_visible()
    shot(page, "question-bank-desktop")

    page.wait_for_load_state("networkidle")
    with page.expect_download() as download:
        page.locator("#export-gift").click()
    assert download.value.suggested_filename.endswith(".gift")
    assert "::" in Path(download.value.path()).read_text(encoding="utf-8")

    phone = new_context(PHONE).new_page()
    sign_in(phone, "irene@example.com")
    phone.goto(f"/teach/courses/{course_id}/questions")
    expect(phone.locator(".lms-question-row").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(phone, "question-bank-phone")
