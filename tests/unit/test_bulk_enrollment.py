"""Enrolling a CSV file of emails (a preview row by row, then everyone or nobody) and the
roster's CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import Session, SQLModel, select

from lms_app.models import AuditEvent, Enrollment, Lesson, User, utcnow
from lms_app.services import audit, enrollment, progress
from lms_app.services.csv_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from lms_app.services.errors import Invalid, PermissionDenied
from tests.unit.test_enrollment import ADMIN, IRENE, ISAAC, LEO, published, uid


def snapshot(engine) -> dict[str, list]:
    with Session(engine) as s:
        return {t.name: sorted(map(repr, s.execute(t.select()).all())) for t in SQLModel.metadata.sorted_tables}


def outcomes(preview) -> dict[int, tuple[str, str]]:
    return {r.line: (r.outcome, r.problem) for r in preview.rows}


def set_user(session, email: str, **fields) -> None:
    user = session.exec(select(User).where(User.email == email)).one()
    for name, value in fields.items():
        setattr(user, name, value)
    session.add(user)
    session.commit()


@pytest.fixture
def course(demo, session, actor_of):
    return published(session, actor_of(IRENE), self_enrollment=False)


def test_each_row_says_what_will_happen(course, session, actor_of):
    irene = actor_of(IRENE)
    enrollment.enroll_users(session, irene, course.id, [uid(session, LEO)])
    set_user(session, "kofi@example.com", is_active=False)
    set_user(session, "ben@example.com", pending_approval=True)
    text = "\n".join([
        "email,name,department",          # 1: extra columns are ignored
        "Amara@Example.com ,Amara,Sales",  # 2
        "leo@example.com,Leo,",            # 3 already enrolled
        "nobody@example.com,,",            # 4
        "kofi@example.com,,",              # 5
        "ben@example.com,,",               # 6
        "amara@example.com,,",             # 7
        "not-an-email,,",                  # 8
        ",Someone,",                       # 9
        "",                                # blank lines are skipped
        "sven@example.com,,,too many",     # 11
    ]) + "\n"
    preview = enrollment.preview_bulk_enrollment(session, irene, course.id, text)
    assert outcomes(preview) == {
        2: ("enroll", ""),
        3: ("already", ""),
        4: ("error", "nobody in the organization has this email"),
        5: ("error", "Kofi Mensah's account is deactivated"),
        6: ("error", "Ben Carter's registration awaits approval"),
        7: ("error", "amara@example.com appears twice in the file (also on line 2)"),
        8: ("error", "“not-an-email” is not a valid email address"),
        9: ("error", "email is missing"),
        11: ("error", "more values than columns (a name with a comma needs quotes)"),
    }
    assert preview.rows[0].name == "Amara Okafor" and preview.ignored_columns == ["name", "department"]
    assert (preview.count("enroll"), preview.count("already"), preview.count("error")) == (1, 1, 7) and not preview.ok
    assert session.exec(select(Enrollment).where(Enrollment.course_id == course.id)).all()[0].user_id == uid(session, LEO)  # saved nothing


def test_nothing_is_enrolled_while_a_row_is_wrong(course, session, actor_of, engine):
    irene = actor_of(IRENE)
    before = snapshot(engine)
    with pytest.raises(Invalid) as caught:
        enrollment.bulk_enroll(session, irene, course.id, "email\namara@example.com\nnobody@example.com\nsven@example.com\n")
    session.rollback()
    assert caught.value.message == "Nobody was enrolled: 1 row needs fixing (line 3: nobody in the organization has this email)."
    assert snapshot(engine) == before


def test_a_clean_file_enrolls_everyone_at_once_and_is_audited(course, session, actor_of):
    irene = actor_of(IRENE)
    enrollment.enroll_users(session, irene, course.id, [uid(session, LEO)])
    counts = enrollment.bulk_enroll(session, irene, course.id, "email\namara@example.com\nleo@example.com\nsven@example.com\n")
    session.commit()
    assert (counts.enrolled, counts.already, counts.skipped) == (2, 1, 0)
    runs = session.exec(select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.source == "import")).all()
    assert {r.user_id for r in runs} == {uid(session, "amara@example.com"), uid(session, "sven@example.com")}
    assert all(r.enrolled_by_id == irene.user_id and r.status == "active" for r in runs)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "enrollment.created")).all()[-1]
    assert event.after["source"] == "import" and event.after["learners"] == ["amara@example.com", "sven@example.com"]
    assert audit.verify(session).ok


def test_enrolling_checks_the_file_again(course, session, actor_of, engine):
    irene = actor_of(IRENE)
    text = "email\namara@example.com\nsven@example.com\n"
    assert enrollment.preview_bulk_enrollment(session, irene, course.id, text).ok
    set_user(session, "sven@example.com", is_active=False)  # deactivated since the preview
    before = snapshot(engine)
    with pytest.raises(Invalid, match=r"line 3: Sven Berg's account is deactivated"):
        enrollment.bulk_enroll(session, irene, course.id, text)
    session.rollback()
    assert snapshot(engine) == before


def test_semicolons_and_a_byte_order_mark_from_spreadsheets(course, session, actor_of):
    preview = enrollment.preview_bulk_enrollment(session, actor_of(IRENE), course.id, "\ufeffName;E-mail;Email\nAmara;x;amara@example.com\n")
    assert preview.ok, preview.messages()
    assert preview.rows[0].email == "amara@example.com" and preview.ignored_columns == ["name", "e-mail"]


def test_whole_file_problems_and_limits(course, session, actor_of):
    irene = actor_of(IRENE)

    def file_errors(text: str) -> list[str]:
        preview = enrollment.preview_bulk_enrollment(session, irene, course.id, text)
        assert not preview.ok
        return preview.file_errors

    assert file_errors("")[0].startswith("The file is empty")
    assert file_errors("email\n") == ["The file has a header line but nobody in it."]
    assert file_errors("mail\namara@example.com\n") == ["The header line lacks the column email; expected: email."]
    too_many = "email\n" + "".join(f"p{i}@example.com\n" for i in range(MAX_IMPORT_ROWS + 1))
    assert f"The file has more than {MAX_IMPORT_ROWS} people: split it into several imports." in file_errors(too_many)
    huge = "email\n" + "x" * (MAX_IMPORT_BYTES + 1)
    assert file_errors(huge)[0] == "The file is too large (more than 2 MB): split it into several imports."
    with pytest.raises(Invalid, match=r"^Nobody was enrolled: the file needs fixing \(The file has a header line"):
        enrollment.bulk_enroll(session, irene, course.id, "email\n")


def test_only_the_courses_instructors_and_course_managers_may(course, session, actor_of):
    text = "email\namara@example.com\n"
    for email in (LEO, ISAAC, "maya@example.com"):  # a learner, another course's instructor, a manager
        with pytest.raises(PermissionDenied):
            enrollment.preview_bulk_enrollment(session, actor_of(email), course.id, text)
        with pytest.raises(PermissionDenied):
            enrollment.bulk_enroll(session, actor_of(email), course.id, text)
    assert session.exec(select(Enrollment)).all() == []
    assert enrollment.bulk_enroll(session, actor_of(ADMIN), course.id, text).enrolled == 1


def test_the_roster_exports_as_formula_safe_csv(course, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    set_user(session, "amara@example.com", name="=HYPERLINK(\"http://evil\")")
    enrollment.enroll_users(session, irene, course.id, [uid(session, LEO), uid(session, "amara@example.com")])
    run = session.exec(select(Enrollment).where(Enrollment.user_id == leo.user_id)).one()
    lesson = session.exec(select(Lesson).where(Lesson.course_id == course.id)).first()
    progress.mark_viewed(session, leo, run.id, lesson.id)
    session.commit()
    text, count = enrollment.export_roster_csv(session, irene, course.id)
    session.commit()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["name", "email", "status", "enrolled_at", "progress_percent", "last_activity_at"]
    assert count == 2 and [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\")", "Leo Learner"]
    leo_row = rows[2]
    assert leo_row[1:4] == ["leo@example.com", "active", run.enrolled_at.isoformat(timespec="seconds")]
    assert leo_row[4] == "50" and leo_row[5] != ""
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "roster.exported")).one()
    assert event.after == {"course": course.title, "count": 2} and event.target_id == str(course.id)
    with pytest.raises(PermissionDenied):
        enrollment.export_roster_csv(session, leo, course.id)


def test_a_run_past_its_end_counts_as_not_enrolled_in_the_preview(demo, session, actor_of):
    irene = actor_of(IRENE)
    course = published(session, irene, self_enrollment=False, access_days=30)
    enrollment.enroll_users(session, irene, course.id, [uid(session, LEO)], now=utcnow() - timedelta(days=31))
    session.commit()
    preview = enrollment.preview_bulk_enrollment(session, irene, course.id, "email\nleo@example.com\n")
    assert outcomes(preview) == {2: ("enroll", "")}
    assert enrollment.bulk_enroll(session, irene, course.id, "email\nleo@example.com\n").enrolled == 1
