"""The enrollment work the job runner does: a course enrolled through a group follows the group,
access that ended expires, and the clock-driven sweep is queued once per period."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from lms_app import db
from lms_app.jobs.handlers import RECURRING, schedule_recurring
from lms_app.jobs.runner import Runner
from lms_app.models import Enrollment, Group, Job, utcnow
from lms_app.services import enrollment, groups, jobs, users
from tests.unit.test_enrollment import ADMIN, IRENE, published, uid


def _runs(session, course_id: int, email: str) -> list[Enrollment]:
    session.rollback()  # end the read transaction: see what the runner committed
    return list(session.exec(select(Enrollment).where(Enrollment.course_id == course_id, Enrollment.user_id == uid(session, email))).all())


def test_a_new_group_member_is_enrolled_by_the_runner(demo, session, actor_of):
    irene, admin = actor_of(IRENE), actor_of(ADMIN)
    course = published(session, irene)
    leads = session.exec(select(Group).where(Group.name == "Store leads")).one()
    enrollment.enroll_group(session, irene, course.id, leads.id)
    session.commit()
    newcomer = "sven@example.com"
    assert _runs(session, course.id, newcomer) == []

    with db.session_scope() as s:
        groups.add_members(s, admin, leads.id, [uid(s, newcomer)])
    # The membership change queued the follow-up in the same transaction; the runner does it.
    session.rollback()
    assert session.exec(select(Job.kind).where(Job.status == "queued")).all() == [jobs.FOLLOW_GROUPS]
    assert _runs(session, course.id, newcomer) == []
    Runner().run_until_idle()
    (run,) = _runs(session, course.id, newcomer)
    assert run.status == "active" and run.source == "group" and run.source_group_id == leads.id

    # Someone who already had a run of the course (here: withdrawn) is not enrolled again.
    enrollment.unenroll(session, irene, run.id, "moved to another store")
    session.commit()
    assert enrollment.follow_groups(session) == 0


def test_a_person_given_the_group_on_their_page_follows_it_too(demo, session, actor_of):
    irene, admin = actor_of(IRENE), actor_of(ADMIN)
    course = published(session, irene)
    leads = session.exec(select(Group).where(Group.name == "Store leads")).one()
    enrollment.enroll_group(session, irene, course.id, leads.id)
    session.commit()
    with db.session_scope() as s:
        users.set_groups(s, admin, uid(s, "sven@example.com"), [leads.id])
    Runner().run_until_idle()
    assert [r.source for r in _runs(session, course.id, "sven@example.com")] == ["group"]


def test_the_sweep_is_queued_once_per_period_and_expires_ended_access(demo, session, actor_of):
    irene = actor_of(IRENE)
    course = published(session, irene, access_days=30)
    run = enrollment.self_enroll(session, actor_of("leo@example.com"), course.id, now=utcnow() - timedelta(days=31))
    session.commit()
    now = datetime(2026, 11, 26, 10, 2, tzinfo=timezone.utc)
    for _ in range(3):  # several workers, several heartbeats in the same period
        with db.session_scope() as s:
            schedule_recurring(s, now)
    session.rollback()
    # Other recurring jobs (e.g. closing overdue quiz attempts) are queued alongside.
    kinds = session.exec(select(Job.kind, Job.run_at).where(Job.kind == "enrollment.sweep")).all()
    period = RECURRING["enrollment.sweep"]
    assert [k for k, _ in kinds] == ["enrollment.sweep"]
    assert kinds[0][1] == datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc) and period == 300
    with db.session_scope() as s:
        schedule_recurring(s, now + timedelta(seconds=period))
    session.rollback()
    assert len(session.exec(select(Job.id).where(Job.kind == "enrollment.sweep")).all()) == 2

    Runner().run_until_idle()
    session.rollback()
    assert session.get(Enrollment, run.id).status == "expired"
    assert {j.status for j in session.exec(select(Job)).all()} == {"done"}
