"""Enrollment: self-enrollment with its key and required course, staff enrollments of
people, groups and departments, one active run at a time, retakes, withdrawal, expiry, roster."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lms_app.models import AuditEvent, Department, Enrollment, Group, Lesson, User, utcnow
from lms_app.services import courses, enrollment, progress
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied

ADMIN, IRENE, ISAAC, LEO = "admin@example.com", "irene@example.com", "isaac@example.com", "leo@example.com"
TEXT = {"markdown": "Read me."}


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def uid(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def published(session, actor, title="Store safety", *, self_enrollment=True, lessons=("One", "Two"), **settings):
    c = courses.create_course(session, actor, title)
    m = courses.add_module(session, actor, c.id, "Basics")
    for t in lessons:
        courses.add_lesson(session, actor, m.id, t, "text", TEXT)
    courses.update_course(session, actor, c.id, self_enrollment=self_enrollment, **settings)
    courses.set_visibility(session, actor, c.id, "published")
    session.commit()
    return c


def finish(session, actor, run):
    for lesson in session.exec(select(Lesson).where(Lesson.course_id == run.course_id)).all():
        progress.mark_viewed(session, actor, run.id, lesson.id)
    session.commit()


def test_self_enroll_in_a_published_course(demo, session, actor_of):
    c = published(session, actor_of(IRENE))
    leo = actor_of(LEO)
    run = enrollment.self_enroll(session, leo, c.id)
    session.commit()
    assert run.status == "active" and run.source == "self" and run.expires_at is None
    # A second enroll returns the current run instead of starting another.
    assert enrollment.self_enroll(session, leo, c.id).id == run.id
    assert len(session.exec(select(Enrollment)).all()) == 1
    assert events(session, "enrollment.created")[-1].after == {"course": "Store safety", "learner": LEO, "source": "self", "run": 1}


def test_drafts_closed_courses_and_invitation_only(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    draft = courses.create_course(session, irene, "Not yet")
    with pytest.raises(NotFound):
        enrollment.self_enroll(session, leo, draft.id)
    closed = published(session, irene, "Invitation only", self_enrollment=False)
    with pytest.raises(PermissionDenied, match="Only the course's instructors"):
        enrollment.self_enroll(session, leo, closed.id)
    courses.archive_course(session, irene, closed.id)
    with pytest.raises(Invalid, match="archived"):
        enrollment.self_enroll(session, leo, closed.id)


def test_enrollment_key(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    c = published(session, irene)
    courses.set_enrollment_key(session, irene, c.id, "harbor-42")
    session.commit()
    assert c.enrollment_key_hash and "harbor-42" not in c.enrollment_key_hash
    with pytest.raises(Invalid, match="^This course needs an enrollment key.$"):
        enrollment.self_enroll(session, leo, c.id)
    with pytest.raises(Invalid, match="^That key is not right.$"):
        enrollment.self_enroll(session, leo, c.id, key="harbor-43")
    assert session.exec(select(Enrollment)).all() == []
    assert enrollment.self_enroll(session, leo, c.id, key=" harbor-42 ").status == "active"


def test_required_course_must_be_completed_first(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    basics = published(session, irene, "Safety basics")
    advanced = published(session, irene, "Advanced safety", required_course_id=basics.id)
    with pytest.raises(Invalid, match="^Finish “Safety basics” first.$"):
        enrollment.self_enroll(session, leo, advanced.id)
    run = enrollment.self_enroll(session, leo, basics.id)
    finish(session, leo, run)
    assert run.status == "completed"
    assert enrollment.self_enroll(session, leo, advanced.id).status == "active"


def test_at_most_one_active_run_even_behind_the_services_back(demo, session, actor_of):
    c = published(session, actor_of(IRENE))
    run = enrollment.self_enroll(session, actor_of(LEO), c.id)
    session.commit()
    session.add(Enrollment(org_id=run.org_id, course_id=c.id, user_id=run.user_id, status="active"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_a_retake_after_completion_is_a_new_run_and_the_old_one_stays(demo, session, actor_of):
    leo = actor_of(LEO)
    c = published(session, actor_of(IRENE))
    first = enrollment.self_enroll(session, leo, c.id)
    finish(session, leo, first)
    assert first.status == "completed" and first.completed_at is not None
    second = enrollment.self_enroll(session, leo, c.id)
    session.commit()
    assert second.id != first.id and second.status == "active"
    rows = enrollment.list_enrollments(session, leo)
    assert [(r.id, r.status, r.percent) for r in rows] == [(second.id, "active", 0), (first.id, "completed", 100)]
    assert events(session, "enrollment.created")[-1].after["run"] == 2


def test_staff_enroll_people_groups_and_departments(demo, session, actor_of):
    irene = actor_of(IRENE)
    c = published(session, irene, self_enrollment=False)
    leo_id = uid(session, LEO)
    counts = enrollment.enroll_users(session, irene, c.id, [leo_id, uid(session, "amara@example.com")])
    assert (counts.enrolled, counts.already, counts.skipped) == (2, 0, 0)
    onboarding = session.exec(select(Group).where(Group.name == "Autumn 2026 onboarding")).one()
    counts = enrollment.enroll_group(session, irene, c.id, onboarding.id)
    assert (counts.enrolled, counts.already) == (8, 2)  # ten members, two already in
    assert session.exec(select(Enrollment.source_group_id).where(Enrollment.source == "group")).all() == [onboarding.id] * 8
    # A deactivated person is skipped, not enrolled.
    kofi = session.exec(select(User).where(User.email == "kofi@example.com")).one()  # in Retail Stores, not yet enrolled
    kofi.is_active = False
    session.add(kofi)
    sales = session.exec(select(Department).where(Department.name == "Sales")).one()
    counts = enrollment.enroll_department(session, irene, c.id, sales.id)
    session.commit()
    active = session.exec(select(Enrollment).where(Enrollment.status == "active")).all()
    assert counts.skipped >= 1 and kofi.id not in {e.user_id for e in active}
    assert len(active) == len({e.user_id for e in active})
    assert events(session, "enrollment.created")[-1].after["via"] == "Sales"


def test_only_the_courses_instructors_enroll_others(demo, session, actor_of):
    c = published(session, actor_of(IRENE))
    with pytest.raises(PermissionDenied):
        enrollment.enroll_users(session, actor_of(ISAAC), c.id, [uid(session, LEO)])
    with pytest.raises(PermissionDenied):
        enrollment.enroll_users(session, actor_of(LEO), c.id, [uid(session, LEO)])
    draft = courses.create_course(session, actor_of(IRENE), "Draft")
    with pytest.raises(Invalid, match="Publish the course"):
        enrollment.enroll_users(session, actor_of(IRENE), draft.id, [uid(session, LEO)])
    assert enrollment.enroll_users(session, actor_of(ADMIN), c.id, [uid(session, LEO)]).enrolled == 1


def test_unenroll_keeps_the_history(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    c = published(session, irene)
    run = enrollment.self_enroll(session, leo, c.id)
    progress.mark_viewed(session, leo, run.id, courses.lessons_of(session, c.id)[0].id)
    enrollment.unenroll(session, irene, run.id, "Left the company project")
    session.commit()
    assert run.status == "withdrawn" and run.ended_at is not None
    assert progress.course_progress(session, irene, run.id).done == 1  # kept
    with pytest.raises(Conflict):
        enrollment.unenroll(session, irene, run.id)
    event = events(session, "enrollment.withdrawn")[-1]
    assert event.after == {"status": "withdrawn", "reason": "Left the company project"}
    # Withdrawn, the lessons are closed to him; enrolling again starts a new run.
    with pytest.raises(PermissionDenied, match="no longer enrolled"):
        progress.open_lesson(session, leo, run.id, courses.lessons_of(session, c.id)[0].id)
    assert enrollment.self_enroll(session, leo, c.id).id != run.id


def test_a_learner_withdraws_only_from_what_they_joined(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    c = published(session, irene)
    enrollment.enroll_users(session, irene, c.id, [uid(session, LEO)])
    run = session.exec(select(Enrollment)).one()
    with pytest.raises(PermissionDenied, match="ask them"):
        enrollment.unenroll(session, leo, run.id)
    other = published(session, irene, "Another")
    own = enrollment.self_enroll(session, leo, other.id)
    assert enrollment.unenroll(session, leo, own.id).status == "withdrawn"
    with pytest.raises(NotFound):
        enrollment.unenroll(session, actor_of("amara@example.com"), run.id)


def test_access_expires_after_the_courses_days(demo, session, actor_of):
    leo = actor_of(LEO)
    c = published(session, actor_of(IRENE), access_days=30)
    start = utcnow() - timedelta(days=31)
    run = enrollment.self_enroll(session, leo, c.id, now=start)
    session.commit()
    assert run.expires_at == start + timedelta(days=30)
    assert enrollment.expire_due(session, now=start + timedelta(days=29)) == 0
    assert enrollment.expire_due(session) == 1
    session.commit()
    assert run.status == "expired" and run.ended_at == run.expires_at
    event = events(session, "enrollment.expired")[-1]
    assert event.actor_id is None and event.actor_label == "system" and event.org_id == run.org_id
    with pytest.raises(PermissionDenied, match="Your access to this course ended on"):
        progress.open_lesson(session, leo, run.id, courses.lessons_of(session, c.id)[0].id)
    # Enrolling again gives a fresh period.
    again = enrollment.self_enroll(session, leo, c.id)
    assert again.id != run.id and again.status == "active"


def test_a_run_past_its_end_is_expired_even_before_the_job_runs(demo, session, actor_of):
    leo = actor_of(LEO)
    c = published(session, actor_of(IRENE), access_days=1)
    run = enrollment.self_enroll(session, leo, c.id, now=utcnow() - timedelta(days=2))
    session.commit()
    lesson = courses.lessons_of(session, c.id)[0]
    with pytest.raises(PermissionDenied, match="ended on"):
        progress.open_lesson(session, leo, run.id, lesson.id)
    assert enrollment.self_enroll(session, leo, c.id).id != run.id
    assert run.status == "expired"


def test_roster_for_staff(demo, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    c = published(session, irene, lessons=("One", "Two", "Three", "Four"))
    run = enrollment.self_enroll(session, leo, c.id)
    enrollment.enroll_users(session, irene, c.id, [uid(session, "amara@example.com")])
    progress.mark_viewed(session, leo, run.id, courses.lessons_of(session, c.id)[0].id)
    session.commit()
    rows = enrollment.roster(session, irene, c.id)
    assert [(r.name, r.percent, r.source) for r in rows] == [("Amara Okafor", 0, "instructor"), ("Leo Learner", 25, "self")]
    assert rows[1].last_activity_at is not None and rows[0].last_activity_at is None
    courses.add_staff(session, irene, c.id, uid(session, ISAAC), "assistant")
    session.commit()
    assert len(enrollment.roster(session, actor_of(ISAAC), c.id)) == 2
    with pytest.raises(PermissionDenied):
        enrollment.roster(session, leo, c.id)
    with pytest.raises(PermissionDenied):
        enrollment.list_enrollments(session, leo, uid(session, "amara@example.com"))
