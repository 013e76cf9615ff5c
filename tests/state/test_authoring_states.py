"""The instructor's pages (My courses, the course editor, the roster), their handlers run
in-process as the server runs them for a browser holding a real sign-in cookie."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import reflex as rx
from sqlmodel import Session, SQLModel, select

from lms_app.models import Course, CourseStaff, Enrollment, Lesson, LessonPrerequisite, LessonProgress, Module
from lms_app.services import courses, progress
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.authoring import CourseEditorState, TeachState
from lms_app.state.roster import CourseLearnersState
from tests.state.course_world import build_course
from tests.state.harness import redirect_target, signed_in_browser, toast_text

IRENE = "irene@example.com"
ISAAC = "isaac@example.com"
LEO = "leo@example.com"
ADMIN = "admin@example.com"


def snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(t.select()).all())) for t in SQLModel.metadata.sorted_tables if t.name != "loginsession"}


def world(engine, actor_of) -> dict[str, int]:
    with Session(engine) as s:
        ids = build_course(s, actor_of(IRENE), actor_of(LEO))
        s.commit()
    return ids


def editor(session, email: str, course_id) -> object:
    browser = signed_in_browser(session, email, DEMO_PASSWORD, f"/teach/courses/{course_id}")
    browser.call(CourseEditorState, "load")
    return browser


def test_my_courses_lists_what_irene_teaches_and_creates_a_course(demo, session, engine, actor_of):
    world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, "/teach")
    browser.call(TeachState, "load")
    state = browser.state(TeachState)
    lifting = next(c for c in state.courses if c.title == "Safe lifting at work")
    assert state.loaded and all(c.role == "Instructor" for c in state.courses)
    assert (lifting.visibility_label, lifting.learners) == ("Published", "1")

    result = browser.call(TeachState, "create_course", {"title": "  Forklift basics ", "summary": "Drive safely.", "category": "Safety", "language": "fr"})
    with Session(engine) as s:
        course = s.exec(select(Course).where(Course.title == "Forklift basics")).one()
    assert redirect_target(result) == f"/teach/courses/{course.id}"
    assert course.visibility == "draft" and course.language == "fr" and course.category == "Safety"

    browser.call(TeachState, "load")
    card = next(c for c in state.courses if c.title == "Forklift basics")
    assert card.visibility_label == "Draft" and card.learners == "0" and card.role == "Instructor"

    # Bad input: a clear message, nothing created.
    assert toast_text(browser.call(TeachState, "create_course", {"title": "   ", "language": "en"})) == "Give the course a title."


def test_a_learner_cannot_list_or_create_courses(demo, session, engine):
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/teach")
    before = snapshot(engine)
    assert toast_text(browser.call(TeachState, "create_course", {"title": "Mine", "language": "en"})) == "You do not have permission to do that."
    assert toast_text(browser.call(TeachState, "load")) == "You do not have permission to do that."
    assert snapshot(engine) == before


def test_build_a_course_from_scratch_then_publish_after_the_checklist(demo, session, engine):
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, "/teach")
    browser.call(TeachState, "create_course", {"title": "Store opening", "language": "en"})
    with Session(engine) as s:
        course_id = s.exec(select(Course.id).where(Course.title == "Store opening")).one()
    browser.goto(f"/teach/courses/{course_id}")
    browser.call(CourseEditorState, "load")
    ed = browser.state(CourseEditorState)
    assert ed.found and ed.can_edit and ed.visibility_label == "Draft" and ed.modules == []

    # Nothing yet: publishing is refused with the checklist, not a stack trace.
    result = browser.call(CourseEditorState, "publish")
    assert toast_text(result) == "Not published yet: see what is missing."
    assert ed.problems == ["Add at least one module with a lesson."]

    browser.call(CourseEditorState, "new_module")
    browser.call(CourseEditorState, "save_module", {"title": "Before opening"})
    browser.call(CourseEditorState, "new_module")
    browser.call(CourseEditorState, "save_module", {"title": "After closing"})
    assert [m.title for m in ed.modules] == ["Before opening", "After closing"]
    # The checklist follows the changes.
    assert ed.problems == ["Module “Before opening” has no lessons.", "Module “After closing” has no lessons."]

    first, second = ed.modules[0].id, ed.modules[1].id
    browser.call(CourseEditorState, "new_lesson", first)
    assert ed.add_lesson_open and ed.add_lesson_module == first
    browser.call(CourseEditorState, "add_lesson", {"title": "Unlock the doors", "kind": "text"})
    # The new lesson opens in the editor, empty.
    assert ed.lesson_open and ed.lesson_title == "Unlock the doors" and ed.lesson_kind == "text" and ed.markdown == ""
    browser.call(CourseEditorState, "set_markdown", "# Doors\n\nUnlock them at 9.")
    assert ed.markdown_dirty
    browser.call(CourseEditorState, "autosave_markdown", "# Doors\n\nUnlock them at 9.")
    assert not ed.markdown_dirty
    with Session(engine) as s:
        lesson = s.exec(select(Lesson).where(Lesson.title == "Unlock the doors")).one()
        assert lesson.content == {"markdown": "# Doors\n\nUnlock them at 9."}

    browser.call(CourseEditorState, "new_lesson", second)
    browser.call(CourseEditorState, "add_lesson", {"title": "Count the till", "kind": "text"})
    assert ed.problems == ["Lesson “Count the till” in “After closing” is not ready: Add some text to this lesson."]
    browser.call(CourseEditorState, "set_markdown", "Count twice.")
    assert toast_text(browser.call(CourseEditorState, "save_markdown")) == "Lesson text saved."
    assert ed.problems == [] and ed.lesson_problem == ""

    result = browser.call(CourseEditorState, "publish")
    assert toast_text(result).startswith("Published")
    assert ed.visibility == "published" and ed.visibility_label == "Published"

    # A reload shows everything as saved.
    browser.call(CourseEditorState, "load")
    assert [(m.title, [le.title for le in m.lessons]) for m in ed.modules] == [
        ("Before opening", ["Unlock the doors"]), ("After closing", ["Count the till"])]
    browser.call(CourseEditorState, "unpublish")
    assert ed.visibility == "draft"


def test_details_key_and_bad_input(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = editor(session, IRENE, ids["course"])
    ed = browser.state(CourseEditorState)
    assert ed.tags == "safety, warehouse" and ed.estimated_minutes == "30" and ed.access_days == ""
    key_before = ed.details_key

    result = browser.call(CourseEditorState, "save_details", {
        "title": "Safe lifting", "summary": "Lift well.", "category": "Safety", "tags": "Back, safety, ,warehouse",
        "language": "de", "estimated_minutes": "45", "access_days": "90", "completion_rule": "all_required"})
    assert toast_text(result) == "Details saved."
    assert ed.course_title == "Safe lifting" and ed.language == "de" and ed.access_days == "90" and ed.details_key > key_before
    assert set(ed.tags.split(", ")) == {"back", "safety", "warehouse"}

    before = snapshot(engine)
    bad = browser.call(CourseEditorState, "save_details", {"title": "Safe lifting", "estimated_minutes": "lots", "access_days": ""})
    assert toast_text(bad) and "whole number" in toast_text(bad)
    assert toast_text(browser.call(CourseEditorState, "save_details", {"title": "Safe lifting", "access_days": "-3"})).startswith("The access period must be")
    assert snapshot(engine) == before

    assert toast_text(browser.call(CourseEditorState, "set_key", {"key": "abc"})) == "An enrollment key must have at least 4 characters."
    browser.call(CourseEditorState, "set_key", {"key": "open-sesame"})
    assert ed.has_key
    assert not any("open-sesame" in str(v) for v in ed.dict().values())
    browser.call(CourseEditorState, "remove_key")
    assert not ed.has_key
    browser.call(CourseEditorState, "set_self_enrollment", False)
    assert not ed.self_enrollment


def test_outline_moves_renames_deletes_and_lesson_rules(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = editor(session, IRENE, ids["course"])
    ed = browser.state(CourseEditorState)
    basics = ed.modules[0]
    assert [le.title for le in basics.lessons] == ["Why it matters", "Posture"]
    drill = ed.modules[1].lessons[0]
    assert drill.requires == "After 1 lesson" and basics.first and not basics.last

    browser.call(CourseEditorState, "move_module", str(ids["module"]), "down")
    assert [m.title for m in ed.modules] == ["Practice", "Basics"]
    browser.call(CourseEditorState, "move_lesson", str(ids["lesson"]), "down")
    assert [le.title for le in ed.modules[1].lessons] == ["Posture", "Why it matters"]

    browser.call(CourseEditorState, "module_settings", str(ids["module"]))
    assert ed.module_form_open and ed.module_form_title == "Basics"
    browser.call(CourseEditorState, "save_module", {"title": "Foundations"})
    assert ed.modules[1].title == "Foundations"

    # The lesson editor: title, required, release rule, prerequisites.
    browser.call(CourseEditorState, "open_lesson", str(ids["locked_lesson"]))
    assert ed.lesson_open and [(p.label, p.checked) for p in ed.prereq_options] == [("Posture", True), ("Why it matters", False)]
    browser.call(CourseEditorState, "toggle_prerequisite", str(ids["lesson"]), True)
    browser.call(CourseEditorState, "toggle_prerequisite", str(ids["lesson2"]), False)
    with Session(engine) as s:
        assert s.exec(select(LessonPrerequisite.requires_lesson_id).where(LessonPrerequisite.lesson_id == ids["locked_lesson"])).all() == [ids["lesson"]]
    browser.call(CourseEditorState, "save_release", {"release_mode": "days", "release_days": "7"})
    assert ed.release_mode == "days" and ed.release_days == "7"
    assert ed.modules[0].lessons[0].release == "Opens 7 days after enrolling"
    assert toast_text(browser.call(CourseEditorState, "save_release", {"release_mode": "date", "release_date": "soon"})) == "Choose the date the lesson opens."
    browser.call(CourseEditorState, "save_release", {"release_mode": "date", "release_date": "2027-03-03"})
    assert ed.modules[0].lessons[0].release == "Opens 3 Mar 2027"
    browser.call(CourseEditorState, "set_lesson_required", False)
    browser.call(CourseEditorState, "save_lesson_title", "The real drill")
    assert ed.modules[0].lessons[0].title == "The real drill" and not ed.modules[0].lessons[0].required
    # A lesson cannot require itself: the service's message, as a toast.
    assert toast_text(browser.call(CourseEditorState, "toggle_prerequisite", str(ids["locked_lesson"]), True)) == "A lesson cannot require itself."

    browser.call(CourseEditorState, "ask_delete", "module", str(ids["module2"]))
    assert ed.delete_open and ed.delete_name == "Practice"
    browser.call(CourseEditorState, "confirm_delete")
    assert [m.title for m in ed.modules] == ["Foundations"] and not ed.delete_open
    with Session(engine) as s:
        assert s.get(Module, ids["module2"]) is None


def test_a_link_lesson_is_validated_and_saved(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = editor(session, IRENE, ids["course"])
    ed = browser.state(CourseEditorState)
    browser.call(CourseEditorState, "new_lesson", str(ids["module"]))
    browser.call(CourseEditorState, "add_lesson", {"title": "Read the guide", "kind": "link"})
    assert ed.lesson_kind == "link" and ed.lesson_problem
    bad = browser.call(CourseEditorState, "save_content", {"url": "javascript:alert(1)"})
    assert toast_text(bad) == "The link must be a web address starting with https:// or http://."
    browser.call(CourseEditorState, "save_content", {"url": "https://example.com/guide", "open_in_new_tab": "on"})
    assert ed.link_url == "https://example.com/guide" and ed.lesson_problem == ""
    with Session(engine) as s:
        lesson = s.exec(select(Lesson).where(Lesson.title == "Read the guide")).one()
        assert lesson.content == {"url": "https://example.com/guide", "open_in_new_tab": True}


def test_another_instructor_is_refused_and_nothing_changes(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, ISAAC, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    before = snapshot(engine)
    assert toast_text(browser.call(CourseEditorState, "load")) == "Only the course's staff can see this."
    assert not browser.state(CourseEditorState).found
    assert toast_text(browser.call(CourseEditorState, "move_module", str(ids["module"]), "down")) == "Only the course's instructors can change it."
    browser.state(CourseEditorState).lesson_id = str(ids["lesson"])
    assert toast_text(browser.call(CourseEditorState, "autosave_markdown", "Hijacked")) == "Only the course's instructors can change it."
    browser.state(CourseEditorState).delete_what, browser.state(CourseEditorState).delete_id = "module", str(ids["module"])
    assert toast_text(browser.call(CourseEditorState, "confirm_delete")) == "Only the course's instructors can change it."
    assert toast_text(browser.call(CourseEditorState, "publish")) == "Only the course's instructors can change it."
    assert snapshot(engine) == before


def test_ids_that_are_not_numbers_end_as_not_found(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, "/teach/courses/abc")
    assert toast_text(browser.call(CourseEditorState, "load")) == "That course does not exist."
    browser.goto(f"/teach/courses/{ids['course']}")
    browser.call(CourseEditorState, "load")
    assert toast_text(browser.call(CourseEditorState, "move_module", "1; drop table", "up")) == "That module does not exist."
    assert toast_text(browser.call(CourseEditorState, "open_lesson", "x")) == "That lesson does not exist."
    assert toast_text(browser.call(CourseEditorState, "move_lesson", "99999999999999999999999", "up")) == "That lesson does not exist."


def test_an_assistant_reads_the_outline_but_changes_nothing(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    with Session(engine) as s:
        courses.add_staff(s, actor_of(IRENE), ids["course"], actor_of(ISAAC).user_id, "assistant")
        s.commit()
    browser = editor(session, ISAAC, ids["course"])
    ed = browser.state(CourseEditorState)
    assert ed.found and not ed.can_edit and [m.title for m in ed.modules] == ["Basics", "Practice"]
    browser.call(CourseEditorState, "open_lesson", str(ids["lesson"]))
    assert ed.lesson_open and ed.markdown.startswith("# Why")
    before = snapshot(engine)
    assert toast_text(browser.call(CourseEditorState, "save_module", {"title": "Mine"})) == "Only the course's instructors can change it."
    assert snapshot(engine) == before


def test_roster_marks_done_resets_and_withdraws_with_reasons(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/learners")
    browser.call(CourseLearnersState, "load")
    st = browser.state(CourseLearnersState)
    assert st.found and st.can_edit
    leo = next(r for r in st.rows if r.email == LEO)
    assert leo.status_label == "Active" and leo.percent == 0 and leo.last_activity == "Never"
    assert [o.label for o in st.lesson_options] == ["Basics · Why it matters", "Basics · Posture", "Practice · The drill"]
    browser.call(CourseLearnersState, "set_search", "nobody")
    assert st.visible_rows == []
    browser.call(CourseLearnersState, "set_search", "LEO")
    assert [r.email for r in st.visible_rows] == [LEO]

    browser.call(CourseLearnersState, "ask_progress", leo.enrollment_id, "complete")
    assert st.progress_open and st.target_name == leo.name
    assert toast_text(browser.call(CourseLearnersState, "save_progress", {"lesson": str(ids["lesson"]), "reason": "  "})) == "Say why: the reason is kept in the audit trail."
    assert toast_text(browser.call(CourseLearnersState, "save_progress", {"lesson": "", "reason": "x"})) == "Choose the lesson to mark as done."
    browser.call(CourseLearnersState, "save_progress", {"lesson": str(ids["lesson"]), "reason": "Read it on paper"})
    assert next(r for r in st.rows if r.email == LEO).percent > 0
    with Session(engine) as s:
        row = s.exec(select(LessonProgress).where(LessonProgress.enrollment_id == ids["enrollment"])).one()
        assert row.status == "done" and row.reason == "Read it on paper"

    browser.call(CourseLearnersState, "ask_progress", leo.enrollment_id, "reset")
    assert st.progress_action == "reset"
    assert toast_text(browser.call(CourseLearnersState, "save_progress", {"lesson": "all", "reason": "Start over"})) == f"Progress reset for {leo.name} (1 lesson)."

    browser.call(CourseLearnersState, "ask_unenroll", leo.enrollment_id)
    browser.call(CourseLearnersState, "unenroll", {"reason": "Moved team"})
    assert all(r.email != LEO for r in st.rows)
    with Session(engine) as s:
        assert s.get(Enrollment, ids["enrollment"]).status == "withdrawn"


def test_copy_makes_a_draft_for_the_one_copying(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = editor(session, IRENE, ids["course"])
    result = browser.call(CourseEditorState, "copy_course")
    with Session(engine) as s:
        copy = s.exec(select(Course).where(Course.title == "Copy of Safe lifting at work")).one()
        assert copy.visibility == "draft"
        assert s.exec(select(CourseStaff.role).where(CourseStaff.course_id == copy.id)).all() == ["instructor"]
    assert redirect_target(result) == f"/teach/courses/{copy.id}"


def test_roster_enrolls_a_person_a_group_and_a_department(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/learners")
    browser.call(CourseLearnersState, "load")
    browser.call(CourseLearnersState, "open_enroll")
    state = browser.state(CourseLearnersState)
    assert state.enroll_open and "Store leads" in [g.label for g in state.group_options]
    assert "Sales / Retail Stores" in [d.label for d in state.department_options]

    # Leo is taking the course already: a search for him finds nobody to enroll.
    browser.call(CourseLearnersState, "search_enrollable", "leo")
    assert state.enroll_people == []
    browser.call(CourseLearnersState, "search_enrollable", "SVEN")
    (sven,) = state.enroll_people
    assert sven.email == "sven@example.com"
    assert toast_text(browser.call(CourseLearnersState, "enroll_person", sven.id)) == "1 enrolled."
    assert "sven@example.com" in [r.email for r in state.rows] and state.enroll_people == []

    leads = next(g for g in state.group_options if g.label == "Store leads")
    message = toast_text(browser.call(CourseLearnersState, "enroll_group", {"group": leads.id}))
    assert message.startswith("5 enrolled") and "New members of the group will be enrolled too." in message
    with Session(engine) as s:
        runs = s.exec(select(Enrollment).where(Enrollment.course_id == ids["course"], Enrollment.source == "group")).all()
    assert len(runs) == 5 and {r.source_group_id for r in runs} == {int(leads.id)}

    stores = next(d for d in state.department_options if d.label == "Sales / Retail Stores")
    assert "already were" in toast_text(browser.call(CourseLearnersState, "enroll_department", {"department": stores.id}))
    # Nothing to pick: a clear message.
    assert toast_text(browser.call(CourseLearnersState, "enroll_group", {"group": ""})) == "That group does not exist."


def test_a_learner_cannot_see_whom_to_enroll(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/learners")
    before = snapshot(engine)
    assert toast_text(browser.call(CourseLearnersState, "search_enrollable", "sven")) == "You do not have permission to do that."
    assert browser.state(CourseLearnersState).enroll_people == []
    session.commit()
    assert snapshot(engine) == before


def upload_cover(browser, data: bytes):
    return asyncio.run(CourseEditorState.upload_cover.fn(browser.state(CourseEditorState), [rx.UploadFile(io.BytesIO(data), path=Path("cover.png"))]))


def test_cover_required_course_and_teaching_team_from_the_editor(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    with Session(engine) as s:
        first_id = courses.create_course(s, actor_of(IRENE), "Lifting basics").id
        s.commit()
    browser = editor(session, IRENE, ids["course"])
    ed = browser.state(CourseEditorState)
    assert ed.cover_url == "" and ed.required_course == "none"
    assert [c.label for c in ed.required_course_choices] == ["Lifting basics"]

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    assert toast_text(upload_cover(browser, png)) == "Cover image saved."
    saved = ed.cover_url
    assert saved.startswith(f"/files/courses/{ids['course']}/cover?v=")
    assert toast_text(upload_cover(browser, b"%PDF-1.4")) == "The cover must be a PNG, JPEG or WebP image."
    assert ed.cover_url == saved
    assert toast_text(browser.call(CourseEditorState, "remove_cover")) == "Cover image removed."
    assert ed.cover_url == ""

    browser.call(CourseEditorState, "pick_required_course", str(first_id))
    browser.call(CourseEditorState, "save_details", {"title": "Safe lifting at work", "language": "en", "completion_rule": "all_required"})
    with Session(engine) as s:
        assert s.get(Course, ids["course"]).required_course_id == first_id

    browser.call(CourseEditorState, "search_staff", "isa")
    assert [m.email for m in ed.staff_found] == [ISAAC]
    result = browser.call(CourseEditorState, "add_staff", ed.staff_found[0].user_id, "assistant")
    assert toast_text(result) == "Isaac Instructor now teaches this course as assistant."
    assert sorted((m.email, m.role_label) for m in ed.staff) == [(IRENE, "Instructor"), (ISAAC, "Assistant")]
    assert ed.staff_found == [] and ed.staff_query == ""
    isaac = next(m for m in ed.staff if m.email == ISAAC)
    browser.call(CourseEditorState, "change_staff_role", isaac.user_id, "instructor")
    assert next(m for m in ed.staff if m.email == ISAAC).role_label == "Instructor"
    browser.call(CourseEditorState, "ask_delete", "staff", isaac.user_id)
    assert ed.delete_open and ed.delete_what == "staff"
    browser.call(CourseEditorState, "confirm_delete")
    assert [m.email for m in ed.staff] == [IRENE]
    with Session(engine) as s:
        assert s.exec(select(CourseStaff).where(CourseStaff.course_id == ids["course"])).all()[0].role == "instructor"


def test_module_settings_set_release_and_prerequisites(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = editor(session, IRENE, ids["course"])
    ed = browser.state(CourseEditorState)
    browser.call(CourseEditorState, "module_settings", str(ids["module2"]))
    assert ed.module_form_open and ed.module_form_title == "Practice" and ed.release_mode == "now"
    assert [(p.label, p.checked) for p in ed.module_prereq_options] == [("Basics", False)]

    browser.call(CourseEditorState, "toggle_module_prerequisite", str(ids["module"]), True)
    assert [(p.label, p.checked) for p in ed.module_prereq_options] == [("Basics", True)]
    assert toast_text(browser.call(CourseEditorState, "save_release", {"release_mode": "days", "release_days": "7"})) == "Release rule saved."
    practice = next(m for m in ed.modules if m.id == str(ids["module2"]))
    assert practice.release == "Opens 7 days after enrolling"
    with Session(engine) as s:
        module = s.get(Module, ids["module2"])
        assert module.available_after_days == 7
        lesson = s.get(Lesson, ids["lesson"])
        assert lesson.available_after_days is None, "the lesson dialog's rule was not touched"

    # A loop is refused with a clear message and the saved rule stays.
    browser.call(CourseEditorState, "module_settings", str(ids["module"]))
    before = snapshot(engine)
    result = browser.call(CourseEditorState, "toggle_module_prerequisite", str(ids["module2"]), True)
    assert "loop" in toast_text(result)
    assert snapshot(engine) == before


def test_an_image_goes_into_the_text_lesson_being_edited(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = editor(session, IRENE, ids["course"])
    ed = browser.state(CourseEditorState)
    browser.call(CourseEditorState, "open_lesson", str(ids["lesson"]))
    browser.call(CourseEditorState, "set_markdown", "# Why\n\nTyped, not saved yet.")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    handler = CourseEditorState.upload_lesson_image.fn
    result = asyncio.run(handler(ed, [rx.UploadFile(io.BytesIO(png), path=Path("Back pain.png"))]))
    assert toast_text(result) == "Image added at the end of the text: move its line where it belongs."
    assert ed.markdown.startswith("# Why\n\nTyped, not saved yet.\n\n![Back pain](/files/lessons/")
    assert not ed.markdown_dirty
    with Session(engine) as s:
        assert s.get(Lesson, ids["lesson"]).content["markdown"] == ed.markdown


def test_the_chosen_lessons_rule_is_set_in_the_lesson_editor(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = editor(session, IRENE, ids["course"])
    ed = browser.state(CourseEditorState)
    browser.call(CourseEditorState, "pick_completion_rule", "chosen")
    browser.call(CourseEditorState, "save_details", {"title": "Safe lifting at work", "language": "en", "completion_rule": "chosen"})
    browser.call(CourseEditorState, "open_lesson", str(ids["locked_lesson"]))
    assert ed.lesson_counts is False
    browser.call(CourseEditorState, "set_lesson_counts", True)
    assert ed.lesson_counts and next(le for m in ed.modules for le in m.lessons if le.id == str(ids["locked_lesson"])).counts
    with Session(engine) as s:
        assert s.get(Lesson, ids["locked_lesson"]).counts_for_completion
        course = s.get(Course, ids["course"])
        assert [lesson.title for lesson in progress.counted_lessons(course, courses.lessons_of(s, course.id))] == ["The drill"]


def test_a_lesson_moves_to_another_module_from_its_editor(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = editor(session, IRENE, ids["course"])
    ed = browser.state(CourseEditorState)
    browser.call(CourseEditorState, "open_lesson", str(ids["lesson"]))
    assert ed.lesson_module == str(ids["module"])
    result = browser.call(CourseEditorState, "move_lesson_to_module", str(ids["module2"]))
    assert toast_text(result) == "Moved to “Practice”."
    assert [le.title for le in ed.modules[1].lessons] == ["The drill", "Why it matters"] and ed.lesson_module == str(ids["module2"])
