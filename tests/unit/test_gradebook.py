"""The gradebook service: quiz items synced with their lessons, manual items and categories,
grades typed in and overridden with a reason (audit-logged), the grid's paging, sorting,
filters and totals in a constant number of queries, the learner's own view, exports and the
all-or-nothing CSV import of manual grades."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import event
from sqlmodel import select

from lms_app.assessments.questions import Choice, Question
from lms_app.models import AuditEvent, Enrollment, GradeEntry, GradeItem, Group, GroupMember, Lesson, User
from lms_app.services import audit_log, courses, enrollment, gradebook, question_bank
from lms_app.services.errors import Invalid, NotFound, PermissionDenied

IRENE, LEO, AMARA, MAYA, ISAAC = "irene@example.com", "leo@example.com", "amara@example.com", "maya@example.com", "isaac@example.com"


@pytest.fixture
def world(demo, session, actor_of):
    """Irene's course with two quizzes; Leo, Amara and four more learners enrolled; Maya not."""
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Fire safety")
    module = courses.add_module(session, irene, course.id, "Basics")
    pool = question_bank.create_category(session, irene, "Pool", course_id=course.id)
    q = question_bank.save_question(session, irene, pool.id, Question("single", "Q", "Q?", choices=[Choice("Yes", 1.0), Choice("No", 0.0)])).id
    quiz1 = courses.add_lesson(session, irene, module.id, "Check 1", "quiz", {"questions": [{"question_id": q}]})
    quiz2 = courses.add_lesson(session, irene, module.id, "Check 2", "quiz", {"questions": [{"question_id": q}]})
    courses.add_lesson(session, irene, module.id, "Read me", "text", {"markdown": "Hi"})
    courses.set_visibility(session, irene, course.id, "published")
    people = {u.email: u for u in session.exec(select(User)).all()}
    learners = [LEO, AMARA] + [e for e in sorted(people) if e not in (LEO, AMARA, IRENE, MAYA, ISAAC, "admin@example.com")][:4]
    enrollment.enroll_users(session, irene, course.id, [people[e].id for e in learners])
    runs = {e.user_id: e.id for e in session.exec(select(Enrollment).where(Enrollment.course_id == course.id)).all()}
    session.commit()
    return {"course": course.id, "quiz1": quiz1.id, "quiz2": quiz2.id,
            "runs": {email: runs[people[email].id] for email in learners}, "people": people, "learners": learners}


def quiz_result(session, world, lesson_key, email, fraction):
    gradebook.record_result(session, session.get(Lesson, world[lesson_key]), world["runs"][email], fraction)


def items_by_title(book):
    return {i.title: i for i in book.items}


def test_quiz_lessons_appear_as_items_and_follow_their_titles(world, session, actor_of):
    irene = actor_of(IRENE)
    book = gradebook.book(session, irene, world["course"])
    assert [(i.title, i.kind) for i in book.items] == [("Check 1", "quiz"), ("Check 2", "quiz")]
    courses.update_lesson(session, irene, world["quiz2"], title="Final check")
    book = gradebook.book(session, irene, world["course"])
    assert [i.title for i in book.items] == ["Check 1", "Final check"]
    # Opening again makes no second item.
    gradebook.book(session, irene, world["course"])
    assert len(session.exec(select(GradeItem).where(GradeItem.course_id == world["course"])).all()) == 2


def test_only_staff_open_the_book(world, session, actor_of):
    with pytest.raises(PermissionDenied):
        gradebook.book(session, actor_of(LEO), world["course"])
    with pytest.raises(PermissionDenied):
        gradebook.grid(session, actor_of(MAYA), world["course"])
    assert gradebook.grid(session, actor_of("admin@example.com"), world["course"]).count == 6


def test_categories_and_manual_items(world, session, actor_of):
    irene = actor_of(IRENE)
    quizzes = gradebook.save_category(session, irene, world["course"], None, "Quizzes", "60", "1")
    gradebook.save_category(session, irene, world["course"], None, "Participation", 40, 0)
    with pytest.raises(Invalid, match="more than 100"):
        gradebook.save_category(session, irene, world["course"], None, "Extra", 10, 0)
    with pytest.raises(Invalid, match="already a category"):
        gradebook.save_category(session, irene, world["course"], None, "quizzes", 0, 0)
    with pytest.raises(Invalid, match="whole number"):
        gradebook.save_category(session, irene, world["course"], quizzes.id, "Quizzes", 60, "1.5")
    with pytest.raises(Invalid, match="must be a number"):
        gradebook.save_category(session, irene, world["course"], quizzes.id, "Quizzes", "lots", 0)
    item = gradebook.save_item(session, irene, world["course"], None, title="Participation", max_points="10", category_id=None)
    with pytest.raises(Invalid, match="between 0.01"):
        gradebook.save_item(session, irene, world["course"], None, title="Zero", max_points=0)
    with pytest.raises(Invalid, match="needs a name"):
        gradebook.save_item(session, irene, world["course"], None, title="  ", max_points=5)
    book = gradebook.book(session, irene, world["course"])
    assert [i.title for i in book.items] == ["Check 1", "Check 2", "Participation"] and book.items[2].manual
    # Learners and assistants cannot change the structure.
    with pytest.raises(PermissionDenied):
        gradebook.save_item(session, actor_of(LEO), world["course"], None, title="Mine", max_points=5)
    gradebook.delete_category(session, irene, world["course"], quizzes.id)
    with pytest.raises(Invalid, match="follow their lessons"):
        gradebook.delete_item(session, irene, world["course"], book.items[0].id)
    gradebook.set_entry(session, irene, world["runs"][LEO], item.id, 7)
    with pytest.raises(Invalid, match="cannot be lower"):
        gradebook.save_item(session, irene, world["course"], item.id, title="Participation", max_points=5)
    gradebook.delete_item(session, irene, world["course"], item.id)
    assert session.exec(select(GradeEntry).where(GradeEntry.item_id == item.id)).all() == []
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()]
    assert actions.count("gradebook.category_saved") == 2 and "gradebook.item_deleted" in actions


def test_manual_entry_is_range_checked_and_audited(world, session, actor_of):
    irene = actor_of(IRENE)
    item = gradebook.save_item(session, irene, world["course"], None, title="Participation", max_points=10)
    with pytest.raises(Invalid, match="between 0 and 10"):
        gradebook.set_entry(session, irene, world["runs"][LEO], item.id, 11)
    with pytest.raises(Invalid, match="must be a number"):
        gradebook.set_entry(session, irene, world["runs"][LEO], item.id, "ten")
    gradebook.set_entry(session, irene, world["runs"][LEO], item.id, "7,5")
    gradebook.set_entry(session, irene, world["runs"][LEO], item.id, 8)
    entry = session.exec(select(GradeEntry).where(GradeEntry.item_id == item.id)).one()
    assert entry.points == 8 and entry.updated_by_id == irene.user_id
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "grade.entered").order_by(AuditEvent.seq)).all()
    assert [(e.before, e.after["points"]) for e in events] == [({"points": None}, 7.5), ({"points": 7.5}, 8.0)]
    assert audit_log.sentence(events[1]) == "Irene Instructor changed the grade of Leo Learner on Participation from 7.5 to 8" or \
        "changed the grade of" in audit_log.sentence(events[1])
    # A quiz item is graded by its quiz: only an override changes it.
    quiz_item = items_by_title(gradebook.book(session, irene, world["course"]))["Check 1"]
    with pytest.raises(Invalid, match="override"):
        gradebook.set_entry(session, irene, world["runs"][LEO], quiz_item.id, 50)
    # Someone else's course, or a learner, is refused.
    with pytest.raises(PermissionDenied):
        gradebook.set_entry(session, actor_of(LEO), world["runs"][LEO], item.id, 10)
    with pytest.raises(NotFound):
        gradebook.set_entry(session, irene, 999999, item.id, 1)


def test_override_needs_a_reason_and_is_audited(world, session, actor_of):
    irene = actor_of(IRENE)
    quiz_result(session, world, "quiz1", LEO, 0.4)
    item = items_by_title(gradebook.book(session, irene, world["course"]))["Check 1"]
    with pytest.raises(Invalid, match="Say why"):
        gradebook.set_override(session, irene, world["runs"][LEO], item.id, 90, "  ")
    with pytest.raises(Invalid, match="between 0 and 100"):
        gradebook.set_override(session, irene, world["runs"][LEO], item.id, 190, "typo")
    gradebook.set_override(session, irene, world["runs"][LEO], item.id, 90, "The question was broken")
    row = gradebook.grid_row(session, irene, world["course"], world["runs"][LEO])
    assert row.scores[item.id].effective == 90 and row.reasons[item.id] == "The question was broken"
    # A new quiz result keeps the override.
    quiz_result(session, world, "quiz1", LEO, 0.5)
    assert gradebook.grid_row(session, irene, world["course"], world["runs"][LEO]).scores[item.id].effective == 90
    gradebook.clear_override(session, irene, world["runs"][LEO], item.id, "Regraded instead")
    row = gradebook.grid_row(session, irene, world["course"], world["runs"][LEO])
    assert row.scores[item.id].effective == 50 and item.id not in row.reasons
    with pytest.raises(Invalid, match="no override"):
        gradebook.clear_override(session, irene, world["runs"][LEO], item.id, "again")
    events = session.exec(select(AuditEvent).where(AuditEvent.action.like("grade.%")).order_by(AuditEvent.seq)).all()
    assert [(e.action, e.before["override"], e.after["override"], e.after["reason"]) for e in events] == [
        ("grade.overridden", None, 90.0, "The question was broken"), ("grade.override_cleared", 90.0, None, "Regraded instead")]
    assert events[0].actor_id == irene.user_id and events[0].before["points"] == 40.0
    assert "The question was broken" in audit_log.sentence(events[0]) and "Regraded instead" in audit_log.sentence(events[1])


def test_an_assistant_may_grade_but_not_restructure(world, session, actor_of):
    irene = actor_of(IRENE)
    courses.add_staff(session, irene, world["course"], world["people"][ISAAC].id, "assistant")
    item = gradebook.save_item(session, irene, world["course"], None, title="Participation", max_points=10)
    isaac = actor_of(ISAAC)
    gradebook.set_entry(session, isaac, world["runs"][LEO], item.id, 3)
    with pytest.raises(PermissionDenied):
        gradebook.save_category(session, isaac, world["course"], None, "Mine", 10, 0)


def test_grid_pages_sorts_filters_and_totals(world, session, actor_of):
    irene = actor_of(IRENE)
    quiz_result(session, world, "quiz1", LEO, 1.0)
    quiz_result(session, world, "quiz2", LEO, 0.5)
    quiz_result(session, world, "quiz1", AMARA, 0.2)
    page = gradebook.grid(session, irene, world["course"], page=1, page_size=4, sort="name")
    assert page.count == 6 and page.pages == 2 and len(page.rows) == 4
    names = [r.name for r in page.rows] + [r.name for r in gradebook.grid(session, irene, world["course"], page=2, page_size=4).rows]
    assert names == sorted(names, key=str.lower)
    leo = next(r for r in gradebook.grid(session, irene, world["course"], page_size=50).rows if r.name == "Leo Learner")
    assert leo.total.percent == pytest.approx(75) and leo.total.letter == "C"
    by_total = gradebook.grid(session, irene, world["course"], page_size=50, sort="-total").rows
    assert [r.name for r in by_total[:2]] == ["Leo Learner", world["people"][AMARA].name]
    assert all(r.total.percent is None for r in by_total[2:])
    ascending = gradebook.grid(session, irene, world["course"], page_size=50, sort="total").rows
    assert [r.name for r in ascending[:2]] == [world["people"][AMARA].name, "Leo Learner"]
    assert [r.name for r in gradebook.grid(session, irene, world["course"], search="LEO@").rows] == ["Leo Learner"]
    assert gradebook.grid(session, irene, world["course"], search="nobody-like-this").count == 0
    group = session.exec(select(Group).where(Group.name == "Autumn 2026 onboarding")).one()
    members = set(session.exec(select(GroupMember.user_id).where(GroupMember.group_id == group.id)).all())
    filtered = gradebook.grid(session, irene, world["course"], group_id=group.id, page_size=50)
    assert {r.user_id for r in filtered.rows} == members & {world["people"][e].id for e in world["learners"]}
    assert "Autumn 2026 onboarding" in [g.name for g in filtered.groups]
    # A page past the end shows the last one.
    assert gradebook.grid(session, irene, world["course"], page=99, page_size=4).page == 2


def test_grid_uses_a_constant_number_of_queries(world, session, actor_of, engine):
    irene = actor_of(IRENE)
    item = gradebook.save_item(session, irene, world["course"], None, title="Participation", max_points=10)
    gradebook.book(session, irene, world["course"])

    def count(**kw):
        statements = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            gradebook.grid(session, irene, world["course"], **kw)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    few = {sort: count(sort=sort) for sort in ("name", "total")}
    for email in world["learners"]:
        gradebook.set_entry(session, irene, world["runs"][email], item.id, 5)
        quiz_result(session, world, "quiz1", email, 0.5)
    assert {sort: count(sort=sort) for sort in ("name", "total")} == few


def test_completed_runs_count_and_only_the_current_run(world, session, actor_of):
    irene = actor_of(IRENE)
    leo_run = session.get(Enrollment, world["runs"][LEO])
    leo_run.status = "completed"
    withdrawn = session.get(Enrollment, world["runs"][AMARA])
    withdrawn.status = "withdrawn"
    session.add_all([leo_run, withdrawn])
    session.commit()
    rows = gradebook.grid(session, irene, world["course"], page_size=50).rows
    assert any(r.name == "Leo Learner" and r.status == "completed" for r in rows)
    assert all(r.enrollment_id != world["runs"][AMARA] for r in rows) and len(rows) == 5


def test_hidden_items_count_for_staff_only(world, session, actor_of):
    irene = actor_of(IRENE)
    secret = gradebook.save_item(session, irene, world["course"], None, title="Secret", max_points=10, hidden=True)
    quiz_result(session, world, "quiz1", LEO, 1.0)
    gradebook.set_entry(session, irene, world["runs"][LEO], secret.id, 0)
    row = gradebook.grid_row(session, irene, world["course"], world["runs"][LEO])
    assert row.total.percent == pytest.approx(100 / 110 * 100) and row.learner_total.percent == pytest.approx(100)
    mine = gradebook.learner_grades(session, actor_of(LEO), world["course"])
    titles = [i.title for i in mine.items] + [i.title for i in mine.still_to_come]
    assert "Secret" not in titles and mine.total.percent == pytest.approx(100) and mine.total.letter == "A"


def test_learner_sees_own_grades_feedback_and_what_is_to_come(world, session, actor_of):
    irene = actor_of(IRENE)
    cat = gradebook.save_category(session, irene, world["course"], None, "Quizzes", 100, 0)
    for key in ("quiz1", "quiz2"):
        item = session.exec(select(GradeItem).where(GradeItem.lesson_id == world[key])).first() or \
            gradebook.item_for_lesson(session, session.get(Lesson, world[key]))
        gradebook.save_item(session, irene, world["course"], item.id, max_points=100, category_id=cat.id)
    part = gradebook.save_item(session, irene, world["course"], None, title="Participation", max_points=10)
    quiz_result(session, world, "quiz1", LEO, 0.8)
    gradebook.set_entry(session, irene, world["runs"][LEO], part.id, 10, feedback="**Great** questions")
    # Amara's grades are not Leo's.
    quiz_result(session, world, "quiz2", AMARA, 0.1)
    mine = gradebook.learner_grades(session, actor_of(LEO), world["course"])
    assert [(i.title, i.points, i.category) for i in mine.items] == [("Check 1", 80.0, "Quizzes"), ("Participation", 10.0, "Uncategorized")]
    assert mine.items[1].feedback == "**Great** questions"
    assert [i.title for i in mine.still_to_come] == ["Check 2"]
    # Quizzes weigh 100 %: Uncategorized weighs the remainder, 0.
    assert mine.total.percent == pytest.approx(80) and mine.total.letter == "B"
    assert [(c.name, c.percent) for c in mine.total.categories] == [("Quizzes", pytest.approx(80)), ("Uncategorized", pytest.approx(100))]
    # The same totals for a manager's record of the team (one run at a time, hidden items left out).
    runs = [session.get(Enrollment, world["runs"][email]) for email in (LEO, AMARA)]
    totals = gradebook.learner_totals(session, runs)
    assert totals[world["runs"][LEO]] == (pytest.approx(80), "B") and totals[world["runs"][AMARA]][0] == pytest.approx(10)
    with pytest.raises(NotFound, match="not enrolled"):
        gradebook.learner_grades(session, actor_of(MAYA), world["course"])


def test_export_csv_and_xlsx_hold_the_grades(world, session, actor_of):
    irene = actor_of(IRENE)
    part = gradebook.save_item(session, irene, world["course"], None, title="Participation", max_points=10)
    quiz_result(session, world, "quiz1", LEO, 0.75)
    gradebook.set_entry(session, irene, world["runs"][LEO], part.id, 9)
    # A name that a spreadsheet would run as a formula is neutralized.
    amara = world["people"][AMARA]
    amara.name = "=HYPERLINK(1)"
    session.add(amara)
    session.commit()
    text = gradebook.export_csv(session, irene, world["course"])
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(frame.columns) == ["Name", "Email", "Status", "Check 1", "Check 2", "Participation", "Total %", "Letter"]
    assert len(frame) == 6
    leo = frame[frame["Email"] == LEO].iloc[0]
    assert (float(leo["Check 1"]), float(leo["Participation"]), leo["Check 2"]) == (75.0, 9.0, "")
    assert float(leo["Total %"]) == pytest.approx(84 / 110 * 100, abs=0.01) and leo["Letter"] == "C"
    assert "'=HYPERLINK(1)" in set(frame["Name"])
    book = pd.read_excel(io.BytesIO(gradebook.export_xlsx(session, irene, world["course"])), engine="openpyxl")
    assert list(book.columns) == list(frame.columns) and len(book) == 6
    assert book[book["Email"] == LEO].iloc[0]["Participation"] == 9
    exported = session.exec(select(AuditEvent).where(AuditEvent.action == "gradebook.exported")).all()
    assert [e.after["format"] for e in exported] == ["CSV", "XLSX"] and exported[0].after["count"] == 6
    with pytest.raises(PermissionDenied):
        gradebook.export_csv(session, actor_of(LEO), world["course"])


def test_import_preview_then_all_or_nothing(world, session, actor_of):
    irene = actor_of(IRENE)
    part = gradebook.save_item(session, irene, world["course"], None, title="Participation", max_points=10)
    gradebook.save_item(session, irene, world["course"], None, title="Lab work", max_points=20)
    gradebook.set_entry(session, irene, world["runs"][AMARA], part.id, 5)
    bad = ("email,Participation,Lab work,Check 1,Attendance\n"
           f"{LEO},8,15,100,\n"
           f"{AMARA},5,,,\n"
           "ghost@example.com,1,1,,\n"
           f"{MAYA},1,1,,\n"
           f"{world['learners'][2]},lots,25,,\n")
    preview = gradebook.preview_import(session, irene, world["course"], bad)
    outcomes = sorted((r.line, r.item, r.outcome) for r in preview.rows)
    assert outcomes == sorted([
        (1, "attendance", "unknown_item"),
        (2, "Participation", "change"), (2, "Lab work", "change"),
        (3, "Participation", "unchanged"),
        (4, "", "unknown_learner"),
        (5, "", "not_enrolled"),
        (6, "Participation", "not_a_number"), (6, "Lab work", "out_of_range"),
    ])
    assert preview.ignored_columns == ["Check 1"] and not preview.ok and preview.errors == 5
    assert {r.label for r in preview.rows} >= {"will change", "unchanged", "unknown learner", "not enrolled", "unknown item", "not a number", "out of range"}
    with pytest.raises(Invalid, match="No grade was imported: 5 rows need fixing"):
        gradebook.import_manual_grades(session, irene, world["course"], bad)
    assert session.exec(select(GradeEntry).where(GradeEntry.enrollment_id == world["runs"][LEO])).all() == []

    good = f"Name,Email,Participation,Lab work\nLeo,{LEO},8,15\nAmara,{AMARA},5,\n"
    result = gradebook.import_manual_grades(session, irene, world["course"], good)
    assert (result.changed, result.unchanged) == (2, 1)
    row = gradebook.grid_row(session, irene, world["course"], world["runs"][LEO])
    assert {i.title: row.scores[i.id].effective for i in gradebook.book(session, irene, world["course"]).items if i.id in row.scores} == {
        "Participation": 8, "Lab work": 15}
    entered = session.exec(select(AuditEvent).where(AuditEvent.action == "grade.entered")).all()
    assert sum(1 for e in entered if e.after.get("source") == "import") == 2
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "grades.imported")).one().after["count"] == 2


def test_export_then_import_changes_nothing(world, session, actor_of):
    irene = actor_of(IRENE)
    part = gradebook.save_item(session, irene, world["course"], None, title="Participation", max_points=10)
    gradebook.set_entry(session, irene, world["runs"][LEO], part.id, 4)
    quiz_result(session, world, "quiz1", LEO, 0.5)
    preview = gradebook.preview_import(session, irene, world["course"], gradebook.export_csv(session, irene, world["course"]))
    assert preview.ok and [r.outcome for r in preview.rows] == ["unchanged"]


def test_import_file_errors(world, session, actor_of):
    irene = actor_of(IRENE)
    with pytest.raises(Invalid, match="No grade was imported"):
        gradebook.import_manual_grades(session, irene, world["course"], "")
    assert gradebook.preview_import(session, irene, world["course"], "name\nLeo\n").file_errors


def test_letter_scale_is_validated(world, session, actor_of):
    irene = actor_of(IRENE)
    assert gradebook.scale(session, irene, world["course"])[0] == ("A", 90.0)
    steps = gradebook.parse_scale("Pass: 50\nFail 0\n\nDistinction=85%")
    gradebook.set_scale(session, irene, world["course"], steps)
    assert gradebook.scale(session, irene, world["course"]) == [("Distinction", 85.0), ("Pass", 50.0), ("Fail", 0.0)]
    quiz_result(session, world, "quiz1", LEO, 0.6)
    assert gradebook.grid_row(session, irene, world["course"], world["runs"][LEO]).total.letter == "Pass"
    for text, message in (("A 90\nB 80", "start at 0"), ("A ninety\nF 0", "must be a number"), ("A 90 extra\nF 0", "Line 1"), ("", "at least one")):
        with pytest.raises(Invalid, match=message):
            gradebook.set_scale(session, irene, world["course"], gradebook.parse_scale(text))
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "gradebook.scale_changed")).one()
    assert "Distinction 85" in audit_log.sentence(event)


def test_learner_sees_released_assignment_feedback_only(world, session, actor_of):
    from lms_app.models import Submission

    irene = actor_of(IRENE)
    module = session.get(Lesson, world["quiz1"]).module_id
    task = courses.add_lesson(session, irene, module, "Report", "assignment", {"instructions": "Write it.", "max_points": 10})
    leo_id, amara_id = world["people"][LEO].id, world["people"][AMARA].id
    session.add(Submission(org_id=task.org_id, lesson_id=task.id, enrollment_id=world["runs"][LEO], user_id=leo_id, status="released",
                           points=7, max_points=10, feedback="Clear and *short*"))
    session.add(Submission(org_id=task.org_id, lesson_id=task.id, enrollment_id=world["runs"][AMARA], user_id=amara_id, status="graded",
                           points=2, max_points=10, feedback="Draft: too short"))
    gradebook.record_result(session, task, world["runs"][LEO], 0.7)
    session.commit()
    leo = gradebook.learner_grades(session, actor_of(LEO), world["course"])
    assert [(i.title, i.points, i.feedback) for i in leo.items] == [("Report", 7.0, "Clear and *short*")]
    amara = gradebook.learner_grades(session, actor_of(AMARA), world["course"])
    # A grader's draft is neither a grade nor feedback for the learner yet.
    assert amara.items == [] and "Report" in [i.title for i in amara.still_to_come]
    assert all(i.feedback == "" for i in amara.still_to_come)
