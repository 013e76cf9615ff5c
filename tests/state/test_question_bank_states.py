"""The question bank page's handlers, run in-process as the server runs them for a browser
holding a real sign-in cookie: categories, a GIFT file refused then taken without its bad
question, export, delete."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import reflex as rx
from sqlmodel import Session, select

from lms_app.models import BankQuestion
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.question_bank import QuestionBankState
from tests.state.course_world import build_course
from tests.state.harness import download_of, signed_in_browser, toast_text

IRENE, LEO = "irene@example.com", "leo@example.com"
GIFT = """::Capital::Which city is the capital of France? {=Paris ~Lyon}

::Broken::Never closed {=yes ~no
"""


def upload(browser, text: str):
    handler = QuestionBankState.upload_gift.fn
    return asyncio.run(handler(browser.state(QuestionBankState), [rx.UploadFile(io.BytesIO(text.encode()), path=Path("bank.gift"))]))


def test_irene_fills_a_category_from_gift_and_exports_it(demo, session, engine, actor_of):
    with Session(engine) as s:
        ids = build_course(s, actor_of(IRENE), actor_of(LEO))
        s.commit()
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/questions")
    browser.call(QuestionBankState, "load")
    page = browser.state(QuestionBankState)
    assert page.found and page.categories == [] and page.category == ""

    result = browser.call(QuestionBankState, "create_category", {"name": "Capitals", "bank": "course"})
    assert toast_text(result) == "Category “Capitals” created."
    assert [(c.label, c.own) for c in page.categories] == [("Capitals", False)] and page.chosen.label == "Capitals"

    browser.call(QuestionBankState, "set_import_open", True)
    upload(browser, GIFT)
    assert page.import_open and page.import_readable == 1 and len(page.import_errors) == 1
    assert page.import_errors[0].startswith("Line 3:")
    with Session(engine) as s:
        assert s.exec(select(BankQuestion)).all() == []

    result = browser.call(QuestionBankState, "import_readable_ones")
    assert toast_text(result) == "1 question imported (1 with errors left out)."
    assert not page.import_open and [(r.title, r.type_label, r.points) for r in page.rows] == [("Capital", "Single choice", "1 pt")]

    exported = download_of(browser.call(QuestionBankState, "export_gift"))
    assert "::Capital::" in exported and "Which city is the capital of France?" in exported

    result = browser.call(QuestionBankState, "delete_question", page.rows[0].id)
    assert toast_text(result) == "Question deleted." and page.rows == [] and page.categories[0].count == 0
