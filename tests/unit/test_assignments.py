"""Assignments: handing in text and files, handing in again until graded, the cut-off, lateness
against the learner's own due date, extensions for one learner, files kept privately (and
replaced ones deleted), and who may read a handed-in file."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlmodel import select

from lms_app import settings as app_settings
from lms_app.models import AuditEvent, LessonOverride, Submission, utcnow
from lms_app.services import assignments, audit_log, courses, enrollment
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied

IRENE, LEO, AMARA, MAYA = "irene@example.com", "leo@example.com", "amara@example.com", "maya@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def world(demo, session, actor_of):
    """A published course with an assignment due in 2 days, cut off 2 days later; Leo and
    Amara enrolled, Maya not."""
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Risk assessments")
    module = courses.add_module(session, irene, course.id, "Basics")
    now = utcnow()
    lesson = courses.add_lesson(session, irene, module.id, "Your workplace", "assignment", {
        "instructions": "Assess the risks at your workplace.", "due_at": (now + timedelta(days=2)).isoformat(),
        "cut_off_at": (now + timedelta(days=4)).isoformat(), "max_points": 20, "late_penalty_percent": 10, "max_files": 2})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    runs = {email: enrollment.self_enroll(session, actor_of(email), course.id).id for email in (LEO, AMARA)}
    session.commit()
    return {"course": course.id, "lesson": lesson.id, "runs": runs, "now": now}


def pdf(name="work.pdf", data=PDF):
    return (io.BytesIO(data), name)


def stored(path: str):
    return app_settings.PRIVATE_DIR / path


def test_a_learner_hands_in_text_and_a_pdf_and_sees_it_submitted(world, session, actor_of):
    leo = actor_of(LEO)
    before = assignments.my_submission(session, leo, world["lesson"])
    assert before.status == "not_submitted" and before.can_submit and before.files == []
    assert before.due_at is not None and not before.extended
    view = assignments.submit(session, leo, world["lesson"], "  My answer.  ", [pdf("Risk report.pdf")])
    session.commit()
    assert (view.status, view.number, view.text, view.late) == ("submitted", 1, "My answer.", False)
    assert [(f.name, f.size) for f in view.files] == [("Risk report.pdf", len(PDF))]
    assert view.files[0].url == f"/files/submissions/{view.submission_id}/0"
    row = session.get(Submission, view.submission_id)
    path = row.files[0]["file_path"]
    assert path.startswith(f"submissions/{world['course']}/") and stored(path).read_bytes() == PDF
    assert not path.endswith("Risk report.pdf"), "stored under a random name"
    assert view.points is None and view.feedback == ""
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "assignment.submitted")).one()
    assert audit_log.sentence(event) == "Leo Learner handed in Your workplace"


def test_handing_in_again_replaces_the_work_until_graded(world, session, actor_of):
    leo = actor_of(LEO)
    first = assignments.submit(session, leo, world["lesson"], "Draft", [pdf("a.pdf")])
    session.commit()
    old_path = session.get(Submission, first.submission_id).files[0]["file_path"]
    # Text only: the files handed in before stay.
    again = assignments.submit(session, leo, world["lesson"], "Better draft")
    session.commit()
    assert (again.number, again.text, [f.name for f in again.files]) == (2, "Better draft", ["a.pdf"])
    assert stored(old_path).exists()
    # New files replace the old ones, which are deleted once saved.
    third = assignments.submit(session, leo, world["lesson"], "Final", [pdf("b.pdf"), (io.BytesIO(PNG), "photo.png")])
    assert stored(old_path).exists(), "not deleted before the change is saved"
    session.commit()
    assert third.number == 3 and [f.name for f in third.files] == ["b.pdf", "photo.png"]
    assert not stored(old_path).exists()
    assert len(session.exec(select(Submission)).all()) == 1
    # A grader's draft grade: no more handing in (the learner still sees "submitted").
    row = session.get(Submission, third.submission_id)
    row.status, row.points = "graded", 15
    session.add(row)
    session.commit()
    with pytest.raises(Conflict, match="Your work has been graded: it can no longer be changed."):
        assignments.submit(session, leo, world["lesson"], "Too late")
    view = assignments.my_submission(session, leo, world["lesson"])
    assert view.status == "submitted" and not view.can_submit and view.points is None
    # Released: the grade and feedback show, with the late penalty taken off.
    row.status, row.released_at, row.penalty, row.feedback = "released", utcnow(), 2.0, "**Good** work."
    session.add(row)
    session.commit()
    view = assignments.my_submission(session, leo, world["lesson"])
    assert (view.status, view.points, view.final_points, view.max_points, view.percent, view.passed, view.feedback) == \
        ("graded", 15, 13.0, 20.0, 65.0, True, "**Good** work.")


def test_a_failed_upload_keeps_nothing_and_changes_nothing(world, session, actor_of):
    leo = actor_of(LEO)
    first = assignments.submit(session, leo, world["lesson"], "Draft", [pdf("a.pdf")])
    session.commit()
    folder = app_settings.PRIVATE_DIR / "submissions" / str(world["course"])
    files_before = sorted(folder.iterdir())
    with pytest.raises(Invalid, match="“fake.pdf” is not really a PDF file"):
        assignments.submit(session, leo, world["lesson"], "New", [pdf("ok.pdf"), (io.BytesIO(b"MZ\x90\x00 program"), "fake.pdf")])
    session.rollback()
    assert sorted(folder.iterdir()) == files_before, "the first, good file of the refused batch is not kept"
    assert session.get(Submission, first.submission_id).text == "Draft"


@pytest.mark.parametrize("uploads,message", [
    ([(io.BytesIO(PDF), "virus.exe")], "“virus.exe”: this assignment takes"),
    ([(io.BytesIO(b"<html><script>alert(1)</script>"), "notes.txt")], "“notes.txt” is not really a plain text file"),
    ([(io.BytesIO(PNG), "photo.pdf")], "“photo.pdf” is not really a PDF file"),
    ([(io.BytesIO(b""), "empty.pdf")], "“empty.pdf” is empty."),
    ([pdf("1.pdf"), pdf("2.pdf"), pdf("3.pdf")], "Hand in at most 2 files."),
    ([(io.BytesIO(PDF + b"x" * (1024 * 1024)), "big.pdf")], "“big.pdf” is larger than 1 MB."),
])
def test_files_are_checked_by_name_content_count_and_size(world, session, actor_of, uploads, message):
    irene = actor_of(IRENE)
    content = dict(courses.get_outline(session, irene, world["course"]).modules[0].lessons[0].content)
    assignments.save_settings(session, irene, world["lesson"], {**content, "max_file_mb": 1})
    with pytest.raises(Invalid, match=message):
        assignments.submit(session, actor_of(LEO), world["lesson"], "", uploads)


def test_the_submission_type_decides_what_is_needed(world, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    base = {"instructions": "Do it."}
    assignments.save_settings(session, irene, world["lesson"], {**base, "submission_type": "text"})
    with pytest.raises(Invalid, match="This assignment takes text only"):
        assignments.submit(session, leo, world["lesson"], "x", [pdf()])
    with pytest.raises(Invalid, match="Write your answer before handing it in."):
        assignments.submit(session, leo, world["lesson"], "   ")
    assignments.save_settings(session, irene, world["lesson"], {**base, "submission_type": "file", "accepted_types": [".docx"]})
    with pytest.raises(Invalid, match="This assignment takes files only"):
        assignments.submit(session, leo, world["lesson"], "x")
    with pytest.raises(Invalid, match="Choose at least one file"):
        assignments.submit(session, leo, world["lesson"], "")
    with pytest.raises(Invalid, match=r"“work.pdf”: this assignment takes Word files \(.docx\)"):
        assignments.submit(session, leo, world["lesson"], "", [pdf()])


def test_late_work_is_measured_and_the_cut_off_refuses(world, session, actor_of):
    leo = actor_of(LEO)
    now = world["now"]
    on_time = assignments.submit(session, leo, world["lesson"], "Early", now=now + timedelta(days=1))
    assert on_time.late_seconds == 0 and not on_time.late
    late = assignments.submit(session, leo, world["lesson"], "Later", now=now + timedelta(days=3))
    assert late.late and late.late_seconds == 86_400, "a day after the due date (two days from now)"
    with pytest.raises(Conflict, match=r"The cut-off for this assignment was .*: work can no longer be handed in."):
        assignments.submit(session, leo, world["lesson"], "Too late", now=now + timedelta(days=4, seconds=1))
    view = assignments.my_submission(session, leo, world["lesson"], now=now + timedelta(days=5))
    assert not view.can_submit and view.closed_reason.startswith("The cut-off was ")


def test_an_extension_moves_the_dates_for_one_learner_only(world, session, actor_of):
    irene, leo, amara = actor_of(IRENE), actor_of(LEO), actor_of(AMARA)
    now = world["now"]
    late = assignments.submit(session, leo, world["lesson"], "Late", now=now + timedelta(days=3))
    assert late.late_seconds == 86_400
    leo_id = leo.user_id
    assignments.grant_extension(session, irene, world["lesson"], leo_id, now + timedelta(days=5), now + timedelta(days=6), "Was ill")
    session.commit()
    assert session.get(Submission, late.submission_id).late_seconds == 0, "work handed in is measured against the new date"
    leo_view = assignments.my_submission(session, leo, world["lesson"], now=now + timedelta(days=4, hours=1))
    assert leo_view.extended and leo_view.can_submit and leo_view.due_at == now + timedelta(days=5)
    assert assignments.submit(session, leo, world["lesson"], "Fine", now=now + timedelta(days=4, hours=1)).late_seconds == 0
    # Amara keeps the lesson's dates.
    amara_view = assignments.my_submission(session, amara, world["lesson"], now=now + timedelta(days=4, hours=1))
    assert not amara_view.extended and not amara_view.can_submit
    with pytest.raises(Conflict, match="cut-off"):
        assignments.submit(session, amara, world["lesson"], "Me too", now=now + timedelta(days=4, hours=1))
    # Granting again replaces the extension; it is listed and audit-logged.
    assignments.grant_extension(session, irene, world["lesson"], leo_id, now + timedelta(days=7), None, "Still ill")
    session.commit()
    [ext] = assignments.list_extensions(session, irene, world["lesson"])
    assert (ext.email, ext.due_at, ext.closes_at, ext.reason) == (LEO, now + timedelta(days=7), None, "Still ill")
    assert len(session.exec(select(LessonOverride)).all()) == 1
    events = session.exec(select(AuditEvent).where(AuditEvent.action.like("assignment.extension%")).order_by(AuditEvent.seq)).all()
    assert audit_log.sentence(events[-1]) == "Irene Instructor gave leo@example.com an extension at Your workplace: Still ill"
    assignments.remove_extension(session, irene, ext.override_id)
    session.commit()
    assert assignments.list_extensions(session, irene, world["lesson"]) == []
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "assignment.extension_removed")).one()
    assert {c.email for c in assignments.extension_candidates(session, irene, world["lesson"])} == {LEO, AMARA}


def test_extensions_are_for_staff_with_a_reason_and_for_learners_of_the_course(world, session, actor_of, demo):
    irene, now = actor_of(IRENE), world["now"]
    with pytest.raises(PermissionDenied):
        assignments.grant_extension(session, actor_of(LEO), world["lesson"], actor_of(AMARA).user_id, now + timedelta(days=9), None, "Pal")
    with pytest.raises(Invalid, match="Say why"):
        assignments.grant_extension(session, irene, world["lesson"], actor_of(LEO).user_id, now + timedelta(days=9), None, " ")
    with pytest.raises(Invalid, match="cannot be before the new due date"):
        assignments.grant_extension(session, irene, world["lesson"], actor_of(LEO).user_id, now + timedelta(days=9), now, "x")
    with pytest.raises(NotFound, match="not a learner of this course"):
        assignments.grant_extension(session, irene, world["lesson"], actor_of(MAYA).user_id, now + timedelta(days=9), None, "x")


def test_only_enrolled_learners_hand_in(world, session, actor_of):
    with pytest.raises(PermissionDenied, match="You are not enrolled in this course."):
        assignments.submit(session, actor_of(MAYA), world["lesson"], "Me")
    with pytest.raises(PermissionDenied, match="You are not enrolled in this course."):
        assignments.my_submission(session, actor_of(IRENE), world["lesson"])


def test_handed_in_files_are_read_by_the_learner_and_the_staff_only(world, session, actor_of):
    leo = actor_of(LEO)
    view = assignments.submit(session, leo, world["lesson"], "", [pdf("report.pdf")])
    session.commit()
    served = assignments.submission_file(session, leo, view.submission_id, 0)
    assert served.inline and served.mime == "application/pdf" and served.download_name == "report.pdf"
    assert assignments.submission_file(session, actor_of(IRENE), view.submission_id, 0).path == served.path
    for other in (AMARA, MAYA):
        with pytest.raises(PermissionDenied):
            assignments.submission_file(session, actor_of(other), view.submission_id, 0)
    with pytest.raises(NotFound):
        assignments.submission_file(session, leo, view.submission_id, 1)


def test_deleting_the_assignment_deletes_the_work_and_its_files(world, session, actor_of):
    view = assignments.submit(session, actor_of(LEO), world["lesson"], "Mine", [pdf()])
    session.commit()
    path = session.get(Submission, view.submission_id).files[0]["file_path"]
    courses.delete_lesson(session, actor_of(IRENE), world["lesson"])
    session.commit()
    assert session.exec(select(Submission)).first() is None
    assert not stored(path).exists(), "the handed-in file went with the submission"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "course.lesson_deleted")).one()
    assert event.before["submissions"] == 1
