"""The question bank: a course's bank for its staff, an instructor's own bank for them alone,
questions checked before they are kept, and GIFT files in (all or nothing unless told) and out."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms_app.assessments.questions import Choice, Question, TextAnswer
from lms_app.models import AuditEvent, BankQuestion
from lms_app.services import courses, question_bank
from lms_app.services.errors import Invalid, NotFound, PermissionDenied

IRENE, ISAAC, LEO, ADMIN = "irene@example.com", "isaac@example.com", "leo@example.com", "admin@example.com"

CAPITAL = Question("single", "Capital of France", "Which city is the capital of France?",
                   choices=[Choice("Paris", 1.0, "Yes."), Choice("Lyon", 0.0, "No, Paris.")])
GOOD_GIFT = """$CATEGORY: Geography

::Capital::Which city is the capital of France? {=Paris ~Lyon ~Nice}

::Rivers::Name the river that flows through Paris. {=Seine =la Seine}
"""
BROKEN_GIFT = GOOD_GIFT + "\n::Broken::What is missing here? {=yes ~no\n"


@pytest.fixture
def bank(demo, session, actor_of):
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Geography")
    category = question_bank.create_category(session, irene, "Capitals", course_id=course.id)
    own = question_bank.create_category(session, irene, "My favourites")
    session.commit()
    return {"course": course.id, "category": category.id, "own": own.id}


def test_questions_are_checked_then_kept_and_changed(bank, session, actor_of):
    irene = actor_of(IRENE)
    row = question_bank.save_question(session, irene, bank["category"], CAPITAL)
    assert (row.type, row.title, row.points, row.version) == ("single", "Capital of France", 1.0, 1)
    assert question_bank.get_question(session, irene, row.id) == CAPITAL
    changed = question_bank.save_question(session, irene, bank["category"], Question(**{**CAPITAL.__dict__, "points": 2.0}), question_id=row.id)
    assert changed.id == row.id and changed.points == 2.0 and changed.version == 2
    with pytest.raises(Invalid):
        question_bank.save_question(session, irene, bank["category"], Question("single", "Empty", "No choices?"))
    rows, total = question_bank.list_questions(session, irene, bank["category"])
    assert total == 1 and [r.type_label for r in rows] == ["Single choice"]


def test_a_course_bank_is_for_its_staff_and_an_own_bank_for_its_owner(bank, session, actor_of):
    irene, isaac, leo = actor_of(IRENE), actor_of(ISAAC), actor_of(LEO)
    with pytest.raises(PermissionDenied):
        question_bank.save_question(session, isaac, bank["category"], CAPITAL)
    with pytest.raises(PermissionDenied):
        question_bank.list_questions(session, isaac, bank["own"])
    with pytest.raises(PermissionDenied):
        question_bank.list_questions(session, leo, bank["category"])
    courses.add_staff(session, irene, bank["course"], isaac.user_id, "assistant")
    question_bank.list_questions(session, isaac, bank["category"])  # assistants read
    with pytest.raises(PermissionDenied):
        question_bank.save_question(session, isaac, bank["category"], CAPITAL)
    with pytest.raises(NotFound):
        question_bank.list_questions(session, irene, 999_999)
    # Irene sees the course's bank first, then her own (usable in any course she teaches).
    assert [(c.path, c.course_id is None) for c in question_bank.categories(session, irene, bank["course"])] == [
        ("Capitals", False), ("My favourites", True)]
    assert [c.path for c in question_bank.categories(session, isaac, bank["course"])] == ["Capitals"]


def test_a_gift_file_comes_in_under_its_categories_and_goes_out_again(bank, session, actor_of):
    irene = actor_of(IRENE)
    result = question_bank.import_gift(session, irene, bank["category"], GOOD_GIFT)
    assert (result.imported, result.errors) == (2, [])
    paths = {c.path: c.questions for c in question_bank.categories(session, irene, bank["course"])}
    assert paths["Capitals / Geography"] == 2
    exported = question_bank.export_gift(session, irene, bank["category"])
    again = question_bank.create_category(session, irene, "Again", course_id=bank["course"])
    assert question_bank.import_gift(session, irene, again.id, exported).imported == 2
    originals = sorted((q.title, q.spec) for q in session.exec(select(BankQuestion)).all() if q.title in ("Capital", "Rivers"))
    assert originals[0][1] == originals[1][1] and originals[2][1] == originals[3][1], "the round trip gives the same questions"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "questions.imported")).first() is not None


def test_a_gift_file_with_errors_imports_nothing_unless_told_to_skip_them(bank, session, actor_of):
    irene = actor_of(IRENE)
    refused = question_bank.import_gift(session, irene, bank["category"], BROKEN_GIFT)
    assert refused.imported == 0 and len(refused.errors) == 1 and refused.errors[0].startswith("Line 7:")
    assert question_bank.list_questions(session, irene, bank["category"])[1] == 0
    assert session.exec(select(BankQuestion)).all() == []
    skipped = question_bank.import_gift(session, irene, bank["category"], BROKEN_GIFT, skip_errors=True)
    assert skipped.imported == 2 and skipped.errors == refused.errors


def test_a_category_goes_only_when_empty(bank, session, actor_of):
    irene = actor_of(IRENE)
    question_bank.save_question(session, irene, bank["category"], Question("short_answer", "River", "River of Paris?", answers=[TextAnswer("Seine")]))
    with pytest.raises(Invalid, match="still holds questions"):
        question_bank.delete_category(session, irene, bank["category"])
    question_bank.delete_category(session, irene, bank["own"])
    assert [c.path for c in question_bank.categories(session, irene, bank["course"])] == ["Capitals"]
