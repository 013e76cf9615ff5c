"""Required training: rules that follow groups and departments, due dates in the learner's zone,
manager scoping, exemptions, completion with expiry, recertification cycles, statuses."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from lms_app.jobs.runner import Runner

from lms_app.models import (AuditEvent, Certificate, Department, Enrollment, Group, Job, Lesson, Notification, Organization, PathEnrollment,
                            RequirementAssignment, Role, User)
from lms_app.services import auth, courses, enrollment, groups, learning_paths, profile, progress, requirements, users
from lms_app.services.due_dates import add_months, end_of_day, local_date
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.requirements import RequirementSpec

ADMIN, IRENE, MAYA, LEO = "admin@example.com", "irene@example.com", "maya@example.com", "leo@example.com"
TEXT = {"markdown": "Read me."}
UTC = timezone.utc


def uid(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def dept(session: Session, name: str) -> int:
    return session.exec(select(Department.id).where(Department.name == name)).one()


def group_id(session: Session, name: str) -> int:
    return session.exec(select(Group.id).where(Group.name == name)).one()


def published(session, actor, title="Fire safety"):
    c = courses.create_course(session, actor, title)
    m = courses.add_module(session, actor, c.id, "Basics")
    courses.add_lesson(session, actor, m.id, "Exits", "text", TEXT)
    courses.set_visibility(session, actor, c.id, "published")
    session.commit()
    return c


def finish(session, learner_actor, run_id, now=None):
    run = session.get(Enrollment, run_id)
    for lesson in session.exec(select(Lesson).where(Lesson.course_id == run.course_id)).all():
        progress.mark_viewed(session, learner_actor, run.id, lesson.id, now=now)
    session.commit()


def current(session, requirement_id, email) -> RequirementAssignment | None:
    rows = session.exec(select(RequirementAssignment).where(
        RequirementAssignment.requirement_id == requirement_id, RequirementAssignment.user_id == uid(session, email))
        .order_by(RequirementAssignment.cycle)).all()
    return rows[-1] if rows else None


def statuses(session, requirement_id, now=None) -> dict[str, str]:
    org = session.exec(select(User.org_id)).first()
    return {r.user_email: r.status for r in requirements.assignment_rows(session, org, requirement_id=requirement_id, now=now)}


def sync_jobs(session) -> list[list[int]]:
    return [j.payload["user_ids"] for j in session.exec(select(Job).where(Job.kind == "compliance.sync").order_by(Job.id)).all()]


@pytest.fixture
def course(demo, session, actor_of):
    return published(session, actor_of(IRENE))


def test_a_department_rule_assigns_its_people_with_a_run_and_a_notice(course, session, actor_of):
    now = datetime(2026, 3, 10, 9, tzinfo=UTC)
    req = requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(
        course_id=course.id, audience="department", audience_id=dept(session, "Sales"), due_mode="after_assignment", due_days=30), now=now)
    session.commit()
    sales_people = set(session.exec(select(User.email).where(
        User.department_id.in_([dept(session, "Sales"), dept(session, "Retail Stores")]), User.is_active)).all())
    rows = requirements.assignment_rows(session, req.org_id, requirement_id=req.id, now=now)
    assert {r.user_email for r in rows} == sales_people and len(rows) > 10
    leo = next(r for r in rows if r.user_email == LEO)
    # 30 days after the assignment day, ending at midnight in Paris (summer time by then: UTC+2).
    assert leo.due_on == date(2026, 4, 9) and leo.due_at == datetime(2026, 4, 9, 22, tzinfo=UTC)
    assert leo.status == "not_started" and leo.cycle == 1
    run = session.get(Enrollment, current(session, req.id, LEO).enrollment_id)
    assert run.status == "active" and run.source == "required" and run.course_id == course.id
    # People are told by the runner, after the assignment committed.
    assert session.exec(select(Notification)).all() == []
    Runner().run_until_idle()
    session.expire_all()
    notice = session.exec(select(Notification).where(Notification.user_id == uid(session, LEO))).one()
    assert notice.kind == "requirement_assigned" and "Fire safety" in notice.title and "9 Apr 2026" in notice.body
    assert notice.link == f"/learn/courses/{course.id}"
    # A second run changes nothing and tells nobody twice.
    assert requirements.sync(session, now=now + timedelta(minutes=5)) == 0
    assert requirements.send_assignment_notices(session, assigned=[current(session, req.id, LEO).id]) == 0
    assert len(session.exec(select(Notification)).all()) == len(rows)
    created = session.exec(select(AuditEvent).where(AuditEvent.action == "requirement.created")).one()
    assert created.after["audience"] == "Sales department and below"


def test_only_the_department_itself_without_sub_departments(course, session, actor_of):
    req = requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(
        course_id=course.id, audience="department", audience_id=dept(session, "Sales"), include_subdepartments=False))
    session.commit()
    stores = set(session.exec(select(User.email).where(User.department_id == dept(session, "Retail Stores"))).all())
    assert stores and not stores & set(statuses(session, req.id))


def test_department_members_joining_and_leaving(course, session, actor_of):
    admin = actor_of(ADMIN)
    req = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="department",
                                                                          audience_id=dept(session, "Sales")))
    session.commit()
    chloe = uid(session, "chloe@example.com")  # Field Operations
    assert "chloe@example.com" not in statuses(session, req.id)
    users.set_department(session, admin, chloe, dept(session, "Retail Stores"))
    session.commit()
    assert sync_jobs(session)[-1] == [chloe]  # enqueued at once for her
    assert requirements.sync(session, user_ids=[chloe]) == 1
    session.commit()
    assert statuses(session, req.id)["chloe@example.com"] == "not_started"
    # Leaving: the duty goes, the assignment stays as history.
    users.set_department(session, admin, chloe, dept(session, "Field Operations"))
    requirements.sync(session, user_ids=sync_jobs(session)[-1])
    session.commit()
    assert "chloe@example.com" not in statuses(session, req.id)
    kept = current(session, req.id, "chloe@example.com")
    assert kept is not None and kept.removed_at is not None
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "requirement.assigned").order_by(AuditEvent.seq.desc())).first()
    assert event.after["removed"] == ["chloe@example.com"]


def test_group_membership_follows_and_deactivation_removes(course, session, actor_of):
    admin = actor_of(ADMIN)
    store_leads = group_id(session, "Store leads")
    req = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="group", audience_id=store_leads))
    session.commit()
    before = set(statuses(session, req.id))
    rosa = uid(session, "rosa@example.com")
    assert "rosa@example.com" not in before
    groups.add_members(session, admin, store_leads, [rosa])
    requirements.sync(session, user_ids=sync_jobs(session)[-1])
    session.commit()
    assert set(statuses(session, req.id)) == before | {"rosa@example.com"}
    groups.remove_member(session, admin, store_leads, rosa)
    requirements.sync(session, user_ids=sync_jobs(session)[-1])
    session.commit()
    assert set(statuses(session, req.id)) == before
    someone = sorted(before)[0]
    users.deactivate_user(session, admin, uid(session, someone))
    requirements.sync(session)
    session.commit()
    assert someone not in statuses(session, req.id)
    users.reactivate_user(session, admin, uid(session, someone))
    requirements.sync(session, user_ids=sync_jobs(session)[-1])
    session.commit()
    # Back in the audience after an unfinished round: a fresh round, the old one kept.
    assert statuses(session, req.id)[someone] == "not_started"
    assert current(session, req.id, someone).cycle == 2


def test_roles_and_everyone(course, session, actor_of):
    admin = actor_of(ADMIN)
    manager_role = session.exec(select(Role.id).where(Role.name == "manager")).one()
    by_role = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="role", audience_id=manager_role))
    everyone = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="everyone"))
    session.commit()
    assert set(statuses(session, by_role.id)) == {MAYA}
    active = set(session.exec(select(User.email).where(User.is_active, User.pending_approval.is_(False))).all())
    assert set(statuses(session, everyone.id)) == active
    # One course, two requirements: one run serves both.
    leo_runs = session.exec(select(Enrollment).where(Enrollment.user_id == uid(session, LEO))).all()
    assert len(leo_runs) == 1


def test_a_new_zone_or_a_new_account_asks_for_a_sync(course, session, actor_of):
    requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(course_id=course.id, audience="everyone"))
    session.commit()
    before = len(sync_jobs(session))
    leo = actor_of(LEO)
    profile.update_profile(session, leo, name="Leo Learner", timezone="Asia/Tokyo", locale="en")
    assert sync_jobs(session)[before:] == [[leo.user_id]]
    org = session.get(Organization, leo.org_id)
    org.registration_mode = "approval"
    session.add(org)
    newcomer = auth.register(session, "new.person@example.com", "New Person", "a long enough passphrase", ip="127.0.0.1")
    assert sync_jobs(session)[before + 1:] == [[newcomer.id]]


def test_managers_set_requirements_for_their_team_only(course, session, actor_of):
    maya = actor_of(MAYA)
    ok = requirements.create_requirement(session, maya, RequirementSpec(course_id=course.id, audience="department",
                                                                       audience_id=dept(session, "Retail Stores")))
    requirements.create_requirement(session, maya, RequirementSpec(course_id=course.id, audience="group",
                                                                  audience_id=group_id(session, "Autumn 2026 onboarding")))
    requirements.create_requirement(session, maya, RequirementSpec(course_id=course.id, audience="user", audience_id=uid(session, LEO)))
    session.commit()
    refused = [
        RequirementSpec(course_id=course.id, audience="department", audience_id=dept(session, "Field Operations")),
        RequirementSpec(course_id=course.id, audience="group", audience_id=group_id(session, "Store leads")),
        RequirementSpec(course_id=course.id, audience="user", audience_id=uid(session, "lena@example.com")),
        RequirementSpec(course_id=course.id, audience="role", audience_id=session.exec(select(Role.id).where(Role.name == "learner")).one()),
        RequirementSpec(course_id=course.id, audience="everyone"),
    ]
    for spec in refused:
        with pytest.raises(PermissionDenied, match="your own team"):
            requirements.create_requirement(session, maya, spec)
    with pytest.raises(PermissionDenied):
        requirements.list_requirements(session, maya, scope="all")
    admins = requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(course_id=course.id, audience="everyone"))
    session.commit()
    assert [s.audience for s in requirements.list_requirements(session, maya, scope="team")] == [
        "Retail Stores department and below", "Group Autumn 2026 onboarding", "Leo Learner"]
    # The organization's requirement is out of her reach: she cannot read, change or exempt.
    with pytest.raises(NotFound):
        requirements.get_requirement(session, maya, admins.id, scope="team")
    with pytest.raises(NotFound):
        requirements.exempt(session, maya, current(session, admins.id, LEO).id, "On leave", scope="team")
    with pytest.raises(PermissionDenied):
        requirements.update_requirement(session, maya, ok.id, RequirementSpec(course_id=course.id, audience="everyone"), scope="team")
    assert requirements.find_people(session, maya, "lena", scope="team") == []  # Field Operations, not in her groups
    assert [p[2] for p in requirements.find_people(session, actor_of(ADMIN), "lena")] == ["lena@example.com"]
    with pytest.raises(PermissionDenied):
        requirements.create_requirement(session, actor_of(LEO), RequirementSpec(course_id=course.id, audience="user",
                                                                               audience_id=uid(session, LEO)))


def test_exemption_with_reason_and_removal(course, session, actor_of):
    admin = actor_of(ADMIN)
    req = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="user", audience_id=uid(session, LEO)))
    session.commit()
    assignment = current(session, req.id, LEO)
    with pytest.raises(Invalid, match="why"):
        requirements.exempt(session, admin, assignment.id, "  ")
    requirements.exempt(session, admin, assignment.id, "Certified by the previous employer")
    session.commit()
    assert statuses(session, req.id) == {LEO: "exempted"}
    row = requirements.assignment_rows(session, req.org_id, requirement_id=req.id)[0]
    assert row.exempt_reason == "Certified by the previous employer"
    with pytest.raises(Conflict):
        requirements.exempt(session, admin, assignment.id, "Again")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "requirement.exempted")).one()
    assert event.actor_id == admin.user_id and event.after["reason"] == "Certified by the previous employer"
    requirements.remove_exemption(session, admin, assignment.id)
    session.commit()
    assert statuses(session, req.id) == {LEO: "not_started"}
    removed = session.exec(select(AuditEvent).where(AuditEvent.action == "requirement.exemption_removed")).one()
    assert removed.before["reason"] == "Certified by the previous employer"


def test_completion_marks_the_assignment_and_sets_the_expiry(course, session, actor_of):
    admin, leo = actor_of(ADMIN), actor_of(LEO)
    req = requirements.create_requirement(session, admin, RequirementSpec(
        course_id=course.id, audience="user", audience_id=uid(session, LEO), recert_months=12, recert_window_days=30))
    session.commit()
    assignment = current(session, req.id, LEO)
    finish(session, leo, assignment.enrollment_id)
    session.refresh(assignment)
    certificate = session.exec(select(Certificate).where(Certificate.user_id == leo.user_id)).one()
    assert assignment.completed_at is not None and assignment.satisfied_by == "course"
    assert assignment.certificate_id == certificate.id and assignment.expires_at == certificate.expires_at
    # Valid twelve months: through the same day a year later, to its end in the learner's zone.
    assert certificate.expires_at == end_of_day(add_months(local_date(assignment.completed_at, "Europe/Paris"), 12), "Europe/Paris")
    assert statuses(session, req.id) == {LEO: "completed"}
    assert requirements.validity_months(session, leo.user_id, course_id=course.id) == 12


def test_recertification_opens_a_new_cycle_before_expiry(course, session, actor_of):
    admin, leo = actor_of(ADMIN), actor_of(LEO)
    req = requirements.create_requirement(session, admin, RequirementSpec(
        course_id=course.id, audience="user", audience_id=uid(session, LEO), recert_months=12, recert_window_days=30))
    session.commit()
    first = current(session, req.id, LEO)
    finish(session, leo, first.enrollment_id)
    session.refresh(first)
    expires = first.expires_at
    # Not yet: 31 days before expiry.
    assert requirements.sync(session, now=expires - timedelta(days=31)) == 0
    assert requirements.sync(session, now=expires - timedelta(days=30)) == 1
    session.commit()
    second = current(session, req.id, LEO)
    assert second.cycle == 2 and second.id != first.id
    # Due on the last day the completion is valid: the new round ends when the old one expires.
    assert second.due_at == expires and second.due_at == end_of_day(second.due_on, "Europe/Paris")
    run = session.get(Enrollment, second.enrollment_id)
    assert run.status == "active" and run.id != first.enrollment_id and run.source == "required"
    session.refresh(first)
    assert first.removed_at is None and first.completed_at is not None  # history
    assert statuses(session, req.id, now=expires - timedelta(days=30)) == {LEO: "not_started"}
    assert statuses(session, req.id, now=expires) == {LEO: "overdue"}
    job = session.exec(select(Job).where(Job.kind == requirements.NOTIFY_JOB).order_by(Job.id.desc())).first()
    assert job.payload == {"assigned": [], "recertification": [second.id]}
    assert requirements.send_assignment_notices(session, **job.payload) == 1
    notice = session.exec(select(Notification).where(Notification.kind == "recertification_required")).one()
    assert notice.user_id == leo.user_id and "Complete it again by" in notice.body
    assert requirements.sync(session, now=expires - timedelta(days=29)) == 0
    # Recertifying completes the second cycle with a new expiry.
    finish(session, leo, run.id, now=expires - timedelta(days=20))
    session.refresh(second)
    assert second.completed_at == expires - timedelta(days=20) and second.expires_at > expires + timedelta(days=300)


def test_overdue_exactly_at_the_end_of_the_local_day(course, session, actor_of):
    admin = actor_of(ADMIN)
    req = requirements.create_requirement(session, admin, RequirementSpec(
        course_id=course.id, audience="user", audience_id=uid(session, LEO), due_mode="fixed", due_on="2026-12-31"))
    session.commit()
    ends = datetime(2026, 12, 31, 23, tzinfo=UTC)  # midnight in Paris
    assert current(session, req.id, LEO).due_at == ends
    assert statuses(session, req.id, now=ends - timedelta(microseconds=1)) == {LEO: "not_started"}
    assert statuses(session, req.id, now=ends) == {LEO: "overdue"}
    # Work started shows as in progress before the due date.
    run = session.get(Enrollment, current(session, req.id, LEO).enrollment_id)
    run.last_activity_at = ends - timedelta(days=3)
    session.add(run)
    session.commit()
    assert statuses(session, req.id, now=ends - timedelta(days=1)) == {LEO: "in_progress"}
    # A learner in another zone has their own end of day.
    leo = session.get(User, uid(session, LEO))
    leo.timezone = "America/Los_Angeles"
    session.add(leo)
    requirements.sync(session)
    session.commit()
    assert current(session, req.id, LEO).due_at == datetime(2027, 1, 1, 8, tzinfo=UTC)


def test_due_after_the_hire_date_and_its_fallback(course, session, actor_of):
    admin = actor_of(ADMIN)
    leo = session.get(User, uid(session, LEO))
    leo.hire_date = date(2026, 9, 1)
    amara = session.get(User, uid(session, "amara@example.com"))
    amara.hire_date = None
    session.add_all([leo, amara])
    session.commit()
    now = datetime(2026, 8, 20, 12, tzinfo=UTC)
    req = requirements.create_requirement(session, admin, RequirementSpec(
        course_id=course.id, audience="group", audience_id=group_id(session, "Autumn 2026 onboarding"), due_mode="after_hire", due_days=14),
        now=now)
    session.commit()
    assert current(session, req.id, LEO).due_on == date(2026, 9, 15)
    assert current(session, req.id, "amara@example.com").due_on == date(2026, 9, 3)  # no hire date: from the assignment
    # A corrected hire date moves the open due date.
    users.update_user(session, admin, leo.id, name=leo.name, email=leo.email, timezone=leo.timezone, locale=leo.locale,
                      hire_date="2026-10-01", department_id=leo.department_id)
    requirements.sync(session, user_ids=sync_jobs(session)[-1], now=now)
    session.commit()
    assert current(session, req.id, LEO).due_on == date(2026, 10, 15)


def test_a_valid_earlier_completion_counts_at_assignment(course, session, actor_of):
    admin, leo = actor_of(ADMIN), actor_of(LEO)
    from lms_app.services import enrollment
    run = enrollment.enroll_users(session, actor_of(IRENE), course.id, [leo.user_id])
    session.commit()
    run_id = session.exec(select(Enrollment.id).where(Enrollment.user_id == leo.user_id)).one()
    finish(session, leo, run_id)
    assert run.enrolled == 1
    req = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="user", audience_id=leo.user_id,
                                                                          recert_months=24))
    session.commit()
    assignment = current(session, req.id, LEO)
    assert assignment.completed_at is not None and assignment.enrollment_id == run_id and assignment.satisfied_by == "course"
    assert assignment.expires_at is not None and assignment.certificate_id is not None
    assert statuses(session, req.id) == {LEO: "completed"}
    assert session.exec(select(Job).where(Job.kind == requirements.NOTIFY_JOB)).all() == []  # nothing to tell
    assert len(session.exec(select(Enrollment).where(Enrollment.user_id == leo.user_id)).all()) == 1
    # One that expired no longer counts: a new run and a due date.
    later = datetime.now(UTC) + timedelta(days=365 * 3)
    other = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="user", audience_id=leo.user_id,
                                                                            recert_months=1), now=later)
    session.commit()
    assert current(session, other.id, LEO).completed_at is None


def test_a_path_requirement_puts_people_on_the_path(demo, session, actor_of):
    irene, admin = actor_of(IRENE), actor_of(ADMIN)
    one, two = published(session, irene, "Welcome"), published(session, irene, "Tools")
    path = learning_paths.create_path(session, irene, "New hire onboarding")
    learning_paths.add_course(session, irene, path.id, one.id)
    learning_paths.add_course(session, irene, path.id, two.id)
    session.commit()
    req = requirements.create_requirement(session, admin, RequirementSpec(path_id=path.id, audience="user", audience_id=uid(session, LEO)))
    session.commit()
    assignment = current(session, req.id, LEO)
    run = session.get(PathEnrollment, assignment.path_enrollment_id)
    assert run.status == "active" and run.user_id == uid(session, LEO)
    assert {e.course_id for e in session.exec(select(Enrollment).where(Enrollment.user_id == run.user_id)).all()} == {one.id, two.id}
    assert requirements.list_requirements(session, admin)[0].kind == "path"


def test_a_path_finished_before_it_was_required_counts_at_once(demo, session, actor_of):
    irene, admin, leo = actor_of(IRENE), actor_of(ADMIN), actor_of(LEO)
    one = published(session, irene, "Welcome")
    courses.update_course(session, irene, one.id, self_enrollment=True)
    run = enrollment.self_enroll(session, leo, one.id)
    session.commit()
    finish(session, leo, run.id)
    path = learning_paths.create_path(session, irene, "New hire onboarding")
    learning_paths.add_course(session, irene, path.id, one.id)
    session.commit()
    req = requirements.create_requirement(session, admin, RequirementSpec(path_id=path.id, audience="user", audience_id=leo.user_id))
    session.commit()
    assignment = current(session, req.id, LEO)
    assert assignment.completed_at is not None and assignment.satisfied_by == "path"
    assert statuses(session, req.id) == {LEO: "completed"}


def test_retiring_keeps_history_and_assigns_no_one(course, session, actor_of):
    admin = actor_of(ADMIN)
    req = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="group",
                                                                          audience_id=group_id(session, "Store leads")))
    session.commit()
    assert requirements.retire_requirement(session, admin, req.id) == 5
    session.commit()
    assert statuses(session, req.id) == {}
    assert requirements.sync(session) == 0
    assert len(session.exec(select(RequirementAssignment)).all()) == 5
    assert requirements.list_requirements(session, admin) == []
    assert requirements.list_requirements(session, admin, retired=True)[0].retired
    with pytest.raises(Conflict):
        requirements.update_requirement(session, admin, req.id, RequirementSpec(course_id=course.id, audience="everyone"))


def test_changing_the_rule_moves_open_due_dates(course, session, actor_of):
    admin = actor_of(ADMIN)
    now = datetime(2026, 5, 4, 8, tzinfo=UTC)
    spec = RequirementSpec(course_id=course.id, audience="user", audience_id=uid(session, LEO), due_mode="after_assignment", due_days=10)
    req = requirements.create_requirement(session, admin, spec, now=now)
    session.commit()
    assert current(session, req.id, LEO).due_on == date(2026, 5, 14)
    spec.due_days = "20"
    requirements.update_requirement(session, admin, req.id, spec, now=now)
    session.commit()
    assert current(session, req.id, LEO).due_on == date(2026, 5, 24)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "requirement.updated")).one()
    assert event.before["due"] == "10 days after being assigned" and event.after["due"] == "20 days after being assigned"


@pytest.mark.parametrize(("changes", "message"), [
    ({"course_id": None}, "Choose the course or learning path"),
    ({"audience": "department", "audience_id": None}, "Choose the department"),
    ({"audience": "team"}, "Choose who must complete it"),
    ({"due_mode": "fixed", "due_on": "31/12/2026"}, "like 2026-03-31"),
    ({"due_days": "soon"}, "whole number"),
    ({"due_days": 0}, "between 1 and 3650"),
    ({"recert_months": "-3"}, "between 1 and 120"),
    ({"reminder_days": "14, x"}, "“x” is not a number"),
    ({"reminder_days": "1,2,3,4,5,6,7,8,9,10,11"}, "at most 10"),
])
def test_bad_input_gets_a_clear_message(course, session, actor_of, changes, message):
    spec = RequirementSpec(course_id=course.id, audience="everyone")
    for name, value in changes.items():
        setattr(spec, name, value)
    with pytest.raises(Invalid, match=message):
        requirements.create_requirement(session, actor_of(ADMIN), spec)


def test_a_draft_course_cannot_be_required(demo, session, actor_of):
    draft = courses.create_course(session, actor_of(IRENE), "Not yet")
    session.commit()
    with pytest.raises(Invalid, match="published course"):
        requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(course_id=draft.id, audience="everyone"))


def test_people_page_filters_search_and_export(course, session, actor_of):
    admin = actor_of(ADMIN)
    req = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="department",
                                                                          audience_id=dept(session, "Sales")))
    session.commit()
    requirements.exempt(session, admin, current(session, req.id, LEO).id, "On parental leave")
    session.commit()
    rows, total = requirements.requirement_people(session, admin, req.id, page_size=5)
    assert len(rows) == 5 and total > 5 and [r.user_name for r in rows] == sorted(r.user_name for r in rows)
    rows, total = requirements.requirement_people(session, admin, req.id, status="exempted")
    assert total == 1 and rows[0].user_email == LEO
    rows, total = requirements.requirement_people(session, admin, req.id, search="LEO@")
    assert total == 1
    summary = requirements.list_requirements(session, admin)[0]
    assert summary.counts["exempted"] == 1 and summary.counts["not_started"] == summary.total - 1
    content, filename, mime = requirements.export_people(session, admin, req.id, "csv", tz="Europe/Paris", status="exempted")
    assert mime == "text/csv" and filename.startswith("required-training-fire-safety")
    assert "On parental leave" in content and "Exempted" in content and content.count("\n") == 2
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "report.exported")).one().after["rows"] == 1
    with pytest.raises(Invalid):
        requirements.requirement_people(session, admin, req.id, status="late")


def test_the_runner_assigns_a_new_group_member_at_once(course, session, actor_of):
    admin = actor_of(ADMIN)
    store_leads = group_id(session, "Store leads")
    req = requirements.create_requirement(session, admin, RequirementSpec(course_id=course.id, audience="group", audience_id=store_leads))
    groups.add_members(session, admin, store_leads, [uid(session, "rosa@example.com")])
    session.commit()
    assert "rosa@example.com" not in statuses(session, req.id)
    Runner().run_until_idle()
    session.expire_all()
    assert statuses(session, req.id)["rosa@example.com"] == "not_started"
