"""Learning paths: creating and editing (ordered published courses, completion rule,
certificate validity), who may, assigning (course runs with source "path"), completing by
"all" or "at least N", the path's certificate, and the requirements a completion satisfies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from lms_app.models import (
    AuditEvent,
    Certificate,
    Enrollment,
    Group,
    LearningPath,
    Lesson,
    PathEnrollment,
    Requirement,
    RequirementAssignment,
    User,
    utcnow,
)
from lms_app.services import audit_log, courses, enrollment, learning_paths, progress
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor

ADMIN, IRENE, MAYA, LEO = "admin@example.com", "irene@example.com", "maya@example.com", "leo@example.com"


def actions(session: Session, prefix: str) -> list[str]:
    return [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.seq)).all()]


def uid(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def course(session, actor, title: str, *, publish: bool = True):
    c = courses.create_course(session, actor, title)
    m = courses.add_module(session, actor, c.id, "Basics")
    courses.add_lesson(session, actor, m.id, "Read me", "text", {"markdown": "Read me."})
    if publish:
        courses.set_visibility(session, actor, c.id, "published")
    session.flush()
    return c


def finish(session, learner, course_id: int) -> None:
    """The learner completes their active run of the course."""
    run = enrollment.active_enrollment(session, course_id, learner.user_id)
    for lesson in session.exec(select(Lesson).where(Lesson.course_id == course_id)).all():
        progress.mark_viewed(session, learner, run.id, lesson.id)
    session.flush()


@pytest.fixture
def onboarding(demo, session, actor_of):
    """"Onboarding": three published courses in order A, B, C (Irene's)."""
    irene = actor_of(IRENE)
    a, b, c = (course(session, irene, t) for t in ("A: Welcome", "B: Safety", "C: Tools"))
    path = learning_paths.create_path(session, irene, "Onboarding", "Your first weeks.")
    for x in (a, b, c):
        learning_paths.add_course(session, irene, path.id, x.id)
    session.commit()
    return {"path": path.id, "a": a.id, "b": b.id, "c": c.id}


def order(session, actor, path_id: int) -> list[str]:
    return [c.title for c in learning_paths.get_path(session, actor, path_id).courses]


def test_create_edit_order_and_delete_a_path(onboarding, session, actor_of):
    irene = actor_of(IRENE)
    path_id = onboarding["path"]
    assert order(session, irene, path_id) == ["A: Welcome", "B: Safety", "C: Tools"]
    learning_paths.move_course(session, irene, path_id, onboarding["c"], "up")
    assert order(session, irene, path_id) == ["A: Welcome", "C: Tools", "B: Safety"]
    learning_paths.move_course(session, irene, path_id, onboarding["a"], "up")  # already first: nothing moves
    learning_paths.move_course(session, irene, path_id, onboarding["a"], "down")
    assert order(session, irene, path_id) == ["C: Tools", "A: Welcome", "B: Safety"]
    learning_paths.remove_course(session, irene, path_id, onboarding["a"])
    assert order(session, irene, path_id) == ["C: Tools", "B: Safety"]
    # Only published courses of the organization, each once.
    draft = course(session, irene, "D: Draft", publish=False)
    with pytest.raises(Invalid, match="not published"):
        learning_paths.add_course(session, irene, path_id, draft.id)
    with pytest.raises(Conflict, match="already in this path"):
        learning_paths.add_course(session, irene, path_id, onboarding["b"])
    assert [t for _, t in learning_paths.addable_courses(session, irene, path_id)] == ["A: Welcome"]
    # The rule, the certificate's validity.
    with pytest.raises(Invalid, match="at most 2"):
        learning_paths.update_path(session, irene, path_id, title="Onboarding", completion_rule="count", required_count="3")
    with pytest.raises(Invalid, match="months"):
        learning_paths.update_path(session, irene, path_id, title="Onboarding", certificate_months="0")
    with pytest.raises(Invalid, match="title"):
        learning_paths.update_path(session, irene, path_id, title="   ")
    learning_paths.update_path(session, irene, path_id, title="New hire onboarding", description="Weeks 1-4", completion_rule="count",
                               required_count="1", certificate_months="24")
    details = learning_paths.get_path(session, irene, path_id)
    assert (details.title, details.completion_rule, details.required_count, details.certificate_months, details.rule_text) == (
        "New hire onboarding", "count", 1, 24, "Any 1 of 2 courses")
    learning_paths.delete_path(session, irene, path_id)
    assert session.get(LearningPath, path_id) is None
    assert actions(session, "path.") == ["path.created", "path.updated", "path.updated", "path.updated", "path.updated", "path.updated",
                                         "path.updated", "path.updated", "path.deleted"]
    sentences = [audit_log.sentence(e) for e in session.exec(select(AuditEvent).where(AuditEvent.action.startswith("path.")).order_by(AuditEvent.seq)).all()]
    assert sentences[0] == "Irene Instructor created the learning path Onboarding"
    assert sentences[4] == "Irene Instructor reordered the courses of the learning path Onboarding"
    assert sentences[1] == "Irene Instructor changed the courses of the learning path Onboarding: added A: Welcome"
    assert sentences[6] == "Irene Instructor changed the courses of the learning path Onboarding: removed A: Welcome"
    assert sentences[-1] == "Irene Instructor deleted the learning path New hire onboarding"


def test_only_paths_managers_edit_and_assign(onboarding, session, actor_of):
    for email in (LEO, MAYA):
        with pytest.raises(PermissionDenied):
            learning_paths.create_path(session, actor_of(email), "Mine")
        with pytest.raises(PermissionDenied):
            learning_paths.assign_path(session, actor_of(email), onboarding["path"], user_ids=[uid(session, LEO)])
        with pytest.raises(PermissionDenied):
            learning_paths.list_paths(session, actor_of(email))
    with pytest.raises(NotFound):
        learning_paths.get_path(session, actor_of(ADMIN), 999_999)
    assert [p.title for p in learning_paths.list_paths(session, actor_of(ADMIN))] == ["Onboarding"]


def test_assigning_enrolls_in_each_course_and_keeps_those_on_it(onboarding, session, actor_of):
    irene = actor_of(IRENE)
    group = session.exec(select(Group).where(Group.name == "Autumn 2026 onboarding")).one()
    leo = uid(session, LEO)
    # Leo already takes course B: that run is kept.
    session.add(Enrollment(org_id=group.org_id, course_id=onboarding["b"], user_id=leo, source="self"))
    sven = session.exec(select(User).where(User.email == "amara@example.com")).one()
    sven.is_active = False
    session.add(sven)
    session.flush()
    counts = learning_paths.assign_path(session, irene, onboarding["path"], group_id=group.id)
    assert (counts.enrolled, counts.already, counts.skipped) == (9, 0, 1)
    runs = session.exec(select(Enrollment).where(Enrollment.user_id == leo)).all()
    assert sorted((r.course_id, r.source) for r in runs) == sorted([(onboarding["a"], "path"), (onboarding["b"], "self"), (onboarding["c"], "path")])
    again = learning_paths.assign_path(session, irene, onboarding["path"], user_ids=[leo])
    assert (again.enrolled, again.already) == (0, 1)
    assert session.exec(select(PathEnrollment).where(PathEnrollment.user_id == leo)).one().enrolled_by_id == irene.user_id
    # A course added later reaches the people on the path.
    extra = course(session, irene, "E: Extra")
    learning_paths.add_course(session, irene, onboarding["path"], extra.id)
    assert enrollment.active_enrollment(session, extra.id, leo).source == "path"
    # Someone on the path: it cannot be deleted any more.
    with pytest.raises(Conflict, match="record of their training"):
        learning_paths.delete_path(session, irene, onboarding["path"])
    assert "path.enrolled" in actions(session, "path.")


def test_the_all_rule_completes_with_the_last_course_and_issues_the_certificate(onboarding, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    learning_paths.update_path(session, irene, onboarding["path"], title="Onboarding", certificate_months="12")
    learning_paths.assign_path(session, irene, onboarding["path"], user_ids=[leo.user_id])
    finish(session, leo, onboarding["a"])
    finish(session, leo, onboarding["c"])
    run = session.exec(select(PathEnrollment).where(PathEnrollment.user_id == leo.user_id)).one()
    assert run.status == "active"
    assert session.exec(select(Certificate).where(Certificate.path_id == onboarding["path"])).first() is None
    finish(session, leo, onboarding["b"])
    session.refresh(run)
    assert run.status == "completed" and run.completed_at is not None
    cert = session.exec(select(Certificate).where(Certificate.path_id == onboarding["path"])).one()
    assert cert.user_id == leo.user_id and cert.title == "Onboarding"
    # Twelve months in Leo's zone (Paris), to the end of that day.
    assert cert.expires_at is not None and timedelta(days=364) < cert.expires_at - cert.issued_at < timedelta(days=367)
    [row] = learning_paths.path_learners(session, irene, onboarding["path"])
    assert (row.name, row.status, row.done, row.total) == ("Leo Learner", "completed", 3, 3)
    assert actions(session, "path.completed") == ["path.completed"]


def test_at_least_n_courses_complete_the_path(onboarding, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    learning_paths.update_path(session, irene, onboarding["path"], title="Onboarding", completion_rule="count", required_count="2")
    learning_paths.assign_path(session, irene, onboarding["path"], user_ids=[leo.user_id])
    finish(session, leo, onboarding["b"])
    run = session.exec(select(PathEnrollment).where(PathEnrollment.user_id == leo.user_id)).one()
    assert run.status == "active"
    finish(session, leo, onboarding["c"])
    session.refresh(run)
    assert run.status == "completed"
    # No expiry set on the path, and no requirement asks for one.
    assert session.exec(select(Certificate.expires_at).where(Certificate.path_id == onboarding["path"])).one() is None


def test_lowering_the_rule_completes_runs_that_now_meet_it(onboarding, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    learning_paths.assign_path(session, irene, onboarding["path"], user_ids=[leo.user_id])
    finish(session, leo, onboarding["a"])
    learning_paths.update_path(session, irene, onboarding["path"], title="Onboarding", completion_rule="count", required_count="1")
    assert session.exec(select(PathEnrollment.status).where(PathEnrollment.user_id == leo.user_id)).one() == "completed"


def test_courses_completed_before_count_on_the_first_run_only(onboarding, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    path = session.get(LearningPath, onboarding["path"])
    learning_paths.update_path(session, irene, path.id, title="Onboarding", completion_rule="count", required_count="1")
    # Leo completed A on his own before the path was required of him: done at once.
    for c in ("a",):
        courses.update_course(session, irene, onboarding[c], self_enrollment=True)
        enrollment.self_enroll(session, leo, onboarding[c])
        finish(session, leo, onboarding[c])
    first = learning_paths.enroll_in_path(session, path, leo.user_id)
    assert first.status == "completed"
    assert enrollment.active_enrollment(session, onboarding["a"], leo.user_id) is None  # no retake started
    # A later run (a recertification) needs new completions.
    second = learning_paths.enroll_in_path(session, path, leo.user_id, now=utcnow() + timedelta(minutes=1))
    assert second.id != first.id and second.status == "active"
    assert learning_paths.enroll_in_path(session, path, leo.user_id).id == second.id  # the active run, not a third
    assert enrollment.active_enrollment(session, onboarding["a"], leo.user_id).source == "path"


def test_completing_the_path_satisfies_the_requirement_for_it(onboarding, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    path = session.get(LearningPath, onboarding["path"])
    learning_paths.update_path(session, irene, path.id, title="Onboarding", completion_rule="count", required_count="1")
    req = Requirement(org_id=path.org_id, path_id=path.id, audience="user", audience_id=leo.user_id, recert_months=6)
    session.add(req)
    session.flush()
    assignment = RequirementAssignment(org_id=path.org_id, requirement_id=req.id, user_id=leo.user_id, due_on=date.today() + timedelta(days=30),
                                       due_at=utcnow() + timedelta(days=30))
    session.add(assignment)
    session.flush()
    run = learning_paths.enroll_in_path(session, path, leo.user_id)
    finish(session, leo, onboarding["b"])
    session.refresh(run)
    session.refresh(assignment)
    cert = session.exec(select(Certificate).where(Certificate.path_id == path.id)).one()
    assert run.status == "completed"
    assert (assignment.satisfied_by, assignment.certificate_id) == ("path", cert.id)
    # The requirement's six months, since the path sets no validity of its own.
    assert assignment.expires_at == cert.expires_at and timedelta(days=180) < cert.expires_at - cert.issued_at < timedelta(days=186)


def test_the_learner_sees_their_paths_in_order_with_the_next_course(onboarding, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    assert learning_paths.my_paths(session, leo) == []
    learning_paths.assign_path(session, irene, onboarding["path"], user_ids=[leo.user_id])
    finish(session, leo, onboarding["a"])
    [mine] = learning_paths.my_paths(session, leo)
    assert [(c.title, c.status) for c in mine.courses] == [("A: Welcome", "completed"), ("B: Safety", "not_started"), ("C: Tools", "not_started")]
    assert (mine.done, mine.needed, mine.next_course_id, mine.status) == (1, 3, onboarding["b"], "active")
    # Opening a lesson of C puts it in progress; B, first in the order and not done, stays next.
    c_run = enrollment.active_enrollment(session, onboarding["c"], leo.user_id)
    progress.open_lesson(session, leo, c_run.id, session.exec(select(Lesson.id).where(Lesson.course_id == onboarding["c"])).first())
    [mine] = learning_paths.my_paths(session, leo)
    assert [c.status for c in mine.courses] == ["completed", "not_started", "in_progress"] and mine.next_course_id == onboarding["b"]
    without_roles = Actor(leo.user_id, leo.org_id, leo.name, leo.email)
    with pytest.raises(PermissionDenied):
        learning_paths.my_paths(session, without_roles)
