"""Training done elsewhere: recording it (date, hours, evidence checked by content and kept
privately), who may record and review, approval satisfying the requirement for the course it
stands in for, the learner notified, and who may read the evidence."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from lms_app import settings
from lms_app.models import (
    AuditEvent,
    Department,
    DepartmentManager,
    ExternalTraining,
    Notification,
    Requirement,
    RequirementAssignment,
    Role,
    User,
    UserRole,
    utcnow,
)
from lms_app.services import audit_log, courses, external_training
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied

ADMIN, IRENE, MAYA, LEO, OSCAR = "admin@example.com", "irene@example.com", "maya@example.com", "leo@example.com", "oscar@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
YESTERDAY = (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()


def record(session, actor, *, evidence=(PDF, "Certificate (Red Cross).pdf"), **fields):
    values = {"title": "First aid at work", "provider": "Red Cross", "completed_on": YESTERDAY, "hours": "7.5", **fields}
    return external_training.record(session, actor, evidence=(io.BytesIO(evidence[0]), evidence[1]) if evidence else None, **values)


def uid(session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def test_a_learner_records_training_with_its_evidence(demo, session, actor_of):
    leo = actor_of(LEO)
    row = record(session, leo)
    session.commit()
    assert (row.status, row.user_id, row.hours, row.evidence_name) == ("pending", leo.user_id, 7.5, "Certificate (Red Cross).pdf")
    stored = settings.PRIVATE_DIR / row.evidence_path
    assert stored.read_bytes() == PDF and row.evidence_path.startswith("external/")
    assert "_upload" not in str(stored)
    [mine] = external_training.my_records(session, leo)
    assert (mine.title, mine.provider, mine.status, mine.submitted_by) == ("First aid at work", "Red Cross", "pending", "")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "external_training.recorded")).one()
    assert event.after["learner"] == LEO and event.after["hours"] == 7.5
    assert audit_log.sentence(event) == "Leo Learner recorded training done elsewhere for leo@example.com: “First aid at work” (Red Cross)"


@pytest.mark.parametrize("fields,message", [
    ({"completed_on": (date.today() + timedelta(days=3)).isoformat()}, "cannot be in the future"),
    ({"completed_on": "not a date"}, "date the training was completed"),
    ({"hours": "0"}, "more than 0 and at most 1000"),
    ({"hours": "1000.5"}, "more than 0 and at most 1000"),
    ({"hours": "-2"}, "more than 0"),
    ({"hours": "lots"}, "in hours"),
    ({"title": "  "}, "title"),
    ({"provider": ""}, "who provided"),
    ({"evidence": None}, "Attach the evidence"),
    ({"evidence": (b"<html><script>alert(1)</script></html>", "certificate.pdf")}, "PDF or an image"),
    ({"evidence": (b"PK\x03\x04 not really a pdf", "certificate.docx")}, "PDF or an image"),
    ({"evidence": (b"", "empty.pdf")}, "empty"),
])
def test_bad_records_are_refused_with_a_reason(demo, session, actor_of, fields, message):
    with pytest.raises(Invalid, match=message):
        record(session, actor_of(LEO), **fields)
    assert session.exec(select(ExternalTraining)).first() is None
    assert not list((settings.PRIVATE_DIR / "external").rglob("*.part"))


def test_an_image_is_evidence_too_and_too_large_files_are_refused(demo, session, actor_of, monkeypatch):
    row = record(session, actor_of(LEO), evidence=(PNG, "scan"))
    assert row.evidence_name == "scan.png"
    monkeypatch.setattr(settings, "MAX_FILE_MB", 0)
    with pytest.raises(Invalid, match="larger than 0 MB"):
        record(session, actor_of(LEO))


def test_managers_record_for_their_people_only(demo, session, actor_of):
    maya = actor_of(MAYA)
    row = record(session, maya, user_id=uid(session, LEO))
    assert (row.user_id, row.submitted_by_id) == (uid(session, LEO), maya.user_id)
    assert external_training.my_records(session, actor_of(LEO))[0].submitted_by == "Maya Manager"
    with pytest.raises(PermissionDenied):
        record(session, maya, user_id=uid(session, OSCAR))  # Field Operations: not Maya's team
    with pytest.raises(PermissionDenied):
        record(session, actor_of(LEO), user_id=uid(session, OSCAR))
    assert record(session, actor_of(ADMIN), user_id=uid(session, OSCAR)).user_id == uid(session, OSCAR)


@pytest.fixture
def other_manager(demo, session, actor_of):
    """Isaac manages Field Operations (Oscar's department) as a manager."""
    admin = actor_of(ADMIN)
    isaac = session.exec(select(User).where(User.email == "isaac@example.com")).one()
    manager_role = session.exec(select(Role).where(Role.name == "manager")).one()
    session.add(UserRole(user_id=isaac.id, role_id=manager_role.id))
    field_ops = session.exec(select(Department).where(Department.name == "Field Operations")).one()
    session.add(DepartmentManager(department_id=field_ops.id, user_id=isaac.id))
    session.commit()
    assert admin.can("compliance.manage")
    return actor_of("isaac@example.com")


def test_review_permissions(demo, session, actor_of, other_manager):
    leo_row = record(session, actor_of(LEO))
    maya_row = record(session, actor_of(MAYA))
    session.commit()
    # A manager of another team, the person themselves, a plain learner: refused.
    with pytest.raises(PermissionDenied):
        external_training.review(session, other_manager, leo_row.id, approve=True)
    with pytest.raises(PermissionDenied, match="reviewed by your manager"):
        external_training.review(session, actor_of(MAYA), maya_row.id, approve=True)
    with pytest.raises(PermissionDenied):
        external_training.review(session, actor_of(OSCAR), leo_row.id, approve=True)
    assert [r.id for r in external_training.review_queue(session, other_manager)] == []
    assert [r.id for r in external_training.review_queue(session, actor_of(MAYA))] == [leo_row.id]
    assert {r.id for r in external_training.review_queue(session, actor_of(ADMIN))} == {leo_row.id, maya_row.id}
    with pytest.raises(PermissionDenied):
        external_training.review_queue(session, actor_of(LEO))
    # A rejection says why; a record is reviewed once.
    with pytest.raises(Invalid, match="Say why"):
        external_training.review(session, actor_of(MAYA), leo_row.id, approve=False, note=" ")
    external_training.review(session, actor_of(MAYA), leo_row.id, approve=False, note="The certificate is not signed.")
    with pytest.raises(Conflict, match="already rejected"):
        external_training.review(session, actor_of(ADMIN), leo_row.id, approve=True)
    session.refresh(leo_row)
    assert (leo_row.status, leo_row.review_note, leo_row.reviewed_by_id) == ("rejected", "The certificate is not signed.", uid(session, MAYA))
    note = session.exec(select(Notification).where(Notification.user_id == uid(session, LEO))).one()
    assert note.kind == "external_training_reviewed" and "not approved" in note.title and note.link == "/learn/external"
    assert [r.id for r in external_training.review_queue(session, actor_of(MAYA), status="rejected")] == [leo_row.id]
    with pytest.raises(NotFound):
        external_training.review(session, actor_of(ADMIN), 999_999, approve=True)


def test_approval_satisfies_the_requirement_for_the_course(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    course = courses.create_course(session, irene, "First aid")
    module = courses.add_module(session, irene, course.id, "Basics")
    courses.add_lesson(session, irene, module.id, "Read me", "text", {"markdown": "Read me."})
    courses.set_visibility(session, irene, course.id, "published")
    req = Requirement(org_id=course.org_id, course_id=course.id, audience="user", audience_id=leo.user_id)
    session.add(req)
    session.flush()
    assignment = RequirementAssignment(org_id=course.org_id, requirement_id=req.id, user_id=leo.user_id,
                                       due_on=date.today() + timedelta(days=30), due_at=utcnow() + timedelta(days=30))
    session.add(assignment)
    session.flush()
    row = record(session, leo, course_id=str(course.id), completed_on="2026-03-29")
    assert external_training.my_records(session, leo)[0].course_title == "First aid"
    session.refresh(assignment)
    assert assignment.completed_at is None  # pending: it does not count yet
    external_training.review(session, actor_of(MAYA), row.id, approve=True)
    session.refresh(assignment)
    # The end of 29 March 2026 in Paris (summer time began that night): 22:00 UTC.
    assert assignment.completed_at == datetime(2026, 3, 29, 22, 0, tzinfo=timezone.utc)
    assert (assignment.satisfied_by, assignment.external_training_id) == ("external", row.id)
    approved = session.exec(select(AuditEvent).where(AuditEvent.action == "external_training.approved")).one()
    assert approved.after["status"] == "approved"
    assert audit_log.sentence(approved) == "Maya Manager approved the training done elsewhere leo@example.com: First aid at work"
    note = session.exec(select(Notification).where(Notification.user_id == leo.user_id)).one()
    assert "approved" in note.title and "not approved" not in note.title


def test_a_draft_course_cannot_be_stood_in_for(demo, session, actor_of):
    irene = actor_of(IRENE)
    draft = courses.create_course(session, irene, "Secret")
    with pytest.raises(NotFound):
        record(session, actor_of(LEO), course_id=str(draft.id))


def test_who_may_read_the_evidence(demo, session, actor_of, other_manager):
    row = record(session, actor_of(LEO))
    session.commit()
    for email in (LEO, MAYA, ADMIN):
        found = external_training.evidence_file(session, actor_of(email), row.id)
        assert found.path.read_bytes() == PDF and found.mime == "application/pdf" and found.download_name == "Certificate (Red Cross).pdf"
    for actor in (actor_of(OSCAR), actor_of(IRENE), other_manager):
        with pytest.raises(PermissionDenied):
            external_training.evidence_file(session, actor, row.id)
    with pytest.raises(NotFound):
        external_training.evidence_file(session, actor_of(LEO), 999_999)
