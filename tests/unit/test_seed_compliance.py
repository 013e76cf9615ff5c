"""The synthetic compliance story: requirements, assignments, runs, certificates and training
done elsewhere agree with each other and with what requirements.sync keeps."""

import re
from collections import Counter
from datetime import datetime, timezone

from sqlmodel import select

from lms_app import db
from lms_app.models import (
    Certificate, Enrollment, ExternalTraining, LessonProgress, PathEnrollment, Requirement, RequirementAssignment, User,
)
from lms_app.services import requirements, seed
from lms_app.services.due_dates import add_months, end_of_day, local_date

END = datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc)
SMALL = seed.SyntheticSize(users=300, courses=3, enrollments=300)


def _assignments(session) -> list[tuple]:
    return [(a.id, a.user_id, a.cycle, a.due_on, a.due_at, a.completed_at, a.expires_at, a.enrollment_id, a.removed_at)
            for a in session.exec(select(RequirementAssignment).order_by(RequirementAssignment.id)).all()]


def test_synthetic_compliance_is_consistent_and_what_sync_keeps(engine, session):
    with db.session_scope() as s:
        counts = seed.seed_synthetic(s, SMALL, end=END)
    assert counts["requirements"] == 6 and counts["learning_paths"] == 2
    assignments = session.exec(select(RequirementAssignment)).all()
    assert len(assignments) == counts["requirement_assignments"] > 3 * 250
    reqs = {r.id: r for r in session.exec(select(Requirement)).all()}
    assert {r.audience for r in reqs.values()} == {"everyone", "department", "role", "group"}
    assert {r.due_mode for r in reqs.values()} == {"fixed", "after_assignment", "after_hire"}
    users = {u.id: u for u in session.exec(select(User)).all()}
    runs = {e.id: e for e in session.exec(select(Enrollment).where(Enrollment.source == "required")).all()}
    certificates = {c.id: c for c in session.exec(select(Certificate)).all()}
    externals = {x.id: x for x in session.exec(select(ExternalTraining)).all()}
    paths = {p.id: p for p in session.exec(select(PathEnrollment)).all()}
    done_lessons = Counter(p.enrollment_id for p in session.exec(select(LessonProgress).where(LessonProgress.status == "done")).all())

    for a in assignments:
        req, person = reqs[a.requirement_id], users[a.user_id]
        assert person.is_active and a.cycle == 1 and a.removed_at is None
        assert a.due_at == end_of_day(a.due_on, person.timezone) and a.assigned_at <= END
        if req.course_id:
            run = runs[a.enrollment_id]
            assert (run.user_id, run.course_id, run.enrolled_at) == (a.user_id, req.course_id, a.assigned_at)
            assert (run.status == "completed") == (a.satisfied_by == "course")
        else:
            assert paths[a.path_enrollment_id].user_id == a.user_id and a.enrollment_id is None
        if a.satisfied_by in ("course", "path"):
            cert = certificates[a.certificate_id]
            assert (cert.user_id, cert.issued_at, cert.expires_at) == (a.user_id, a.completed_at, a.expires_at)
            assert cert.course_id == req.course_id and cert.path_id == req.path_id
        if a.satisfied_by == "course":
            assert cert.enrollment_id == a.enrollment_id and runs[a.enrollment_id].completed_at == a.completed_at
            assert done_lessons[a.enrollment_id] >= 3
        if a.satisfied_by == "external":
            training = externals[a.external_training_id]
            assert (training.user_id, training.course_id, training.status) == (a.user_id, req.course_id, "approved")
            assert a.completed_at == end_of_day(training.completed_on, person.timezone)
        if a.completed_at is not None and req.recert_months:
            assert a.expires_at == end_of_day(add_months(local_date(a.completed_at, person.timezone), req.recert_months), person.timezone)
            assert (a.expires_at - END).days > req.recert_window_days  # no recertification round has opened
        elif a.completed_at is not None:
            assert a.expires_at is None
        if a.exempt_at is not None:
            assert a.exempt_reason and a.completed_at is None
    assert all(re.fullmatch(r"([2-9A-HJKMNP-TW-Z]{4}-){3}[2-9A-HJKMNP-TW-Z]{4}", c.code) for c in certificates.values())
    assert Counter(a.satisfied_by for a in assignments).keys() >= {"", "course", "path", "external"}

    # Every status shows up, in believable shares.
    statuses = Counter(r.status for r in requirements.assignment_rows(session, assignments[0].org_id, now=END))
    assert set(statuses) == set(requirements.STATUSES)
    assert 0.3 < statuses["completed"] / len(assignments) < 0.7 and statuses["exempted"] < 0.05 * len(assignments)

    # The rules' own evaluation finds nothing to add, remove or re-date.
    before = _assignments(session)
    with db.session_scope() as s:
        assert requirements.sync(s, assignments[0].org_id, now=END) == 0
    session.expire_all()
    assert _assignments(session) == before
