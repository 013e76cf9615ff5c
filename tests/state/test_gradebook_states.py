"""The gradebook pages' handlers, run in-process as the server runs them for a browser holding a
real sign-in cookie: the grid and its filters, an inline manual grade that changes only its
row var, an override with a reason, categories and the letter scale, export, import, and the
learner's own grades."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import reflex as rx
from sqlmodel import Session, select

from lms_app.models import AuditEvent, GradeEntry, Lesson
from lms_app.services import gradebook
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.gradebook import PAGE_SIZE, GradebookState, LearnerGradesState
from tests.state.course_world import build_course
from tests.state.harness import download_of, signed_in_browser, toast_text

IRENE, LEO = "irene@example.com", "leo@example.com"


def world(engine, actor_of):
    from lms_app.services import courses

    with Session(engine) as s:
        irene = actor_of(IRENE)
        ids = build_course(s, irene, actor_of(LEO))
        quiz = courses.add_lesson(s, irene, ids["module"], "Quick check", "assignment", {"max_points": 20, "instructions": "Hand in your notes."})
        part = gradebook.save_item(s, irene, ids["course"], None, title="Participation", max_points=10)
        quiz_item = gradebook.item_for_lesson(s, s.get(Lesson, quiz.id)).id
        s.commit()
        return {**ids, "quiz": quiz.id, "part": part.id, "quiz_item": quiz_item}


def test_irene_grades_inline_overrides_and_exports(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/gradebook")
    browser.call(GradebookState, "load")
    page = browser.state(GradebookState)
    assert page.found and page.can_manage and page.count == 1 and page.range_label == "1–1 of 1 learner"
    assert [(c.title, c.kind, c.manual) for c in page.columns] == [("Quick check", "Assignment", False), ("Participation", "Manual", True)]
    assert page.row_0.shown and page.row_0.name == "Leo Learner" and not page.row_1.shown
    key = page.row_0.key

    page.dirty_vars.clear()
    browser.call(GradebookState, "save_manual", key, str(ids["part"]), "7")
    # Only the edited row's var changed: the rest of the grid is not re-sent.
    assert {v for v in page.dirty_vars if v.startswith("row_") or v == "columns"} == {"row_0"}
    assert page.row_0.cells == ["", "7"] and page.row_0.total == "70.0 %" and page.row_0.letter == "C"
    # The same value again writes nothing.
    browser.call(GradebookState, "save_manual", key, str(ids["part"]), "7")
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "grade.entered")).all()) == 1
    assert toast_text(browser.call(GradebookState, "save_manual", key, str(ids["part"]), "12")) == "The points for “Participation” must be between 0 and 10."

    browser.call(GradebookState, "open_override", key, str(ids["quiz_item"]))
    assert page.edit_open and page.edit_title == "Quick check" and page.edit_max == "20" and page.edit_learner == "Leo Learner"
    assert toast_text(browser.call(GradebookState, "save_override", {"override": "18", "reason": ""})).startswith("Say why")
    result = browser.call(GradebookState, "save_override", {"override": "18", "reason": "Handed in on paper"})
    assert toast_text(result) == "Grade overridden." and not page.edit_open
    assert (page.row_0.cells[0], page.row_0.reasons) == ("18", ["Handed in on paper", ""])
    assert page.row_0.total == "83.3 %"

    csv_text = download_of(browser.call(GradebookState, "export_csv"))
    assert "Quick check,Participation" in csv_text and "leo@example.com,active,18.0,7.0,83.33,B" in csv_text
    assert browser.call(GradebookState, "export_xlsx") is not None

    browser.call(GradebookState, "set_search", "nobody")
    assert page.count == 0 and not page.row_0.shown
    browser.call(GradebookState, "set_search", "")
    browser.call(GradebookState, "toggle_sort", "total")
    assert page.sort == "-total" and page.row_0.shown


def test_irene_sets_up_categories_items_and_scale(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/gradebook")
    browser.call(GradebookState, "load")
    page = browser.state(GradebookState)
    browser.call(GradebookState, "open_setup")
    assert page.setup_open and [i.title for i in page.items] == ["Quick check", "Participation"]
    browser.call(GradebookState, "open_category_form", "")
    assert toast_text(browser.call(GradebookState, "save_category", {"name": "Work", "weight": "120", "drop_lowest": "0"})) == \
        "The weight must be between 0 and 100."
    assert toast_text(browser.call(GradebookState, "save_category", {"name": "Work", "weight": "60", "drop_lowest": "0"})) == "Category saved."
    assert [(c.name, c.weight) for c in page.categories] == [("Work", "60")]
    browser.call(GradebookState, "open_item_form", "")
    browser.call(GradebookState, "save_item", {"title": "Bonus", "max_points": "5", "category": page.categories[0].id, "extra_credit": "on"})
    bonus = next(i for i in page.items if i.title == "Bonus")
    assert bonus.extra_credit and bonus.category == "Work" and [c.title for c in page.columns][-1] == "Bonus"
    browser.call(GradebookState, "open_scale")
    assert page.scale_text.startswith("A 90")
    assert toast_text(browser.call(GradebookState, "save_scale", {"scale": "P 50"})) == "The lowest letter must start at 0 % so every total gets a letter."
    assert toast_text(browser.call(GradebookState, "save_scale", {"scale": "P 50\nF 0"})) == "Letter scale saved."
    assert [r.id for r in page.scale_rows] == ["P", "F"]
    browser.call(GradebookState, "delete_item", bonus.id)
    assert "Bonus" not in [c.title for c in page.columns]


def upload(browser, text: str):
    handler = GradebookState.upload_import.fn
    return asyncio.run(handler(browser.state(GradebookState), [rx.UploadFile(io.BytesIO(text.encode()), path=Path("grades.csv"))]))


def test_import_preview_then_commit(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/gradebook")
    browser.call(GradebookState, "load")
    page = browser.state(GradebookState)
    browser.call(GradebookState, "set_import_open", True)
    upload(browser, f"email,Participation\n{LEO},11\nghost@example.com,3\n")
    assert page.import_checked and not page.import_ok and page.import_summary == "0 will change, 0 unchanged, 2 with problems"
    assert {r.outcome for r in page.import_rows} == {"out of range", "unknown learner"}
    assert "Nothing" not in page.import_summary
    assert toast_text(browser.call(GradebookState, "commit_import")).startswith("No grade was imported")
    browser.call(GradebookState, "reset_import")
    upload(browser, f"email,Participation,Quick check\n{LEO},9,20\n")
    assert page.import_ok and page.import_rows[0].change == "— → 9"
    assert page.import_messages == ["Columns read past (graded by their lessons): Quick check"]
    assert toast_text(browser.call(GradebookState, "commit_import")) == "1 grade imported."
    assert not page.import_open and page.row_0.cells[1] == "9"
    assert session.exec(select(GradeEntry.points)).all() == [9.0]


def test_learner_reads_own_grades(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    with Session(engine) as s:
        irene = actor_of(IRENE)
        gradebook.set_entry(s, irene, ids["enrollment"], ids["part"], 8, feedback="Good **questions**")
        secret = gradebook.save_item(s, irene, ids["course"], None, title="Secret", max_points=10, hidden=True)
        gradebook.set_entry(s, irene, ids["enrollment"], secret.id, 0)
        s.commit()
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/learn/courses/{ids['course']}/grades")
    browser.call(LearnerGradesState, "load")
    mine = browser.state(LearnerGradesState)
    assert mine.found and mine.total == "80.0 %" and mine.letter == "B"
    assert [(g.title, g.points, g.feedback) for g in mine.graded] == [("Participation", "8 / 10", "Good **questions**")]
    assert [(g.title, g.points) for g in mine.to_come] == [("Quick check", "out of 20")]
    assert all("Secret" not in g.title for g in mine.graded + mine.to_come)
    # Leo cannot open the instructor's grid.
    staff = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/gradebook")
    assert toast_text(staff.call(GradebookState, "load")) == "You do not have permission to do that."


def test_page_size_matches_the_row_slots():
    assert PAGE_SIZE == 50 and all(f"row_{i}" in GradebookState.vars for i in range(PAGE_SIZE))


def test_grid_rows_and_heads_are_memo_components_fed_by_props():
    """Every component reading GradebookState re-renders on any change to it. The grid's rows
    and column heads are memo components that get their vars as props (so an edit re-renders
    its own row only): their compiled bodies must not read the state themselves, and the page
    must draw all 50 row slots and the heads through them."""
    from reflex.compiler.compiler import _compile_memo_components

    from lms_app.pages import gradebook as pages

    files, _ = _compile_memo_components([pages.gradebook_row._definition, pages.gradebook_heads._definition])
    code = "".join(text for _, text in files)
    assert "GradebookRow" in code and "GradebookHeads" in code
    assert "useStateContext" not in code and "gradebook_state.row_" not in code and "columns_rx_state_" not in code
    grid = str(pages._grid().render())
    assert grid.count("GradebookRow") == PAGE_SIZE and grid.count("GradebookHeads") == 1
    assert all(f"row_{i}_rx_state_" in grid for i in range(PAGE_SIZE))
