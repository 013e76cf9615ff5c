"""Learning paths: an ordered set of published courses with its own completion rule and
certificate ("New hire onboarding"), assigned like a course.

A path run (PathEnrollment) enrolls its learner in each course of the path (source "path");
the learner's course runs stay ordinary runs. A course counts for a path run when the learner
completed it; on a later run of the same path (a recertification) only completions after the
previous run was completed count. When the path's rule is met (every course, or at least N of
them) the run completes, the path's certificate is issued and the person's requirements for
the path are satisfied.

Who may do what: holders of "paths.manage" create, edit, delete and assign paths and follow
the people on them; anyone who takes courses ("learning.view") sees their own paths. The
requirements of the compliance area enroll people through `enroll_in_path` (no actor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from lms_app.models import (
    Course,
    Department,
    Enrollment,
    Group,
    GroupMember,
    LearningPath,
    LearningPathCourse,
    PathEnrollment,
    Requirement,
    User,
    utcnow,
)
from lms_app.services import audit, certificates, enrollment, requirements
from lms_app.services.errors import Conflict, Invalid, NotFound
from lms_app.services.groups import department_outline, descendant_ids, find_people_in_org
from lms_app.services.permissions import Actor, require

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_CERTIFICATE_MONTHS = 120
RULES = ("all", "count")


@dataclass
class PathSummary:
    id: int
    title: str
    description: str
    courses: int
    rule_text: str
    active: int  # people on it now
    completed: int  # runs completed


@dataclass
class PathCourseInfo:
    course_id: int
    title: str
    visibility: str


@dataclass
class PathDetails:
    id: int
    title: str
    description: str
    completion_rule: str
    required_count: int | None
    certificate_months: int | None
    courses: list[PathCourseInfo]
    rule_text: str


@dataclass
class PathLearnerRow:
    user_id: int
    name: str
    email: str
    status: str  # active | completed | withdrawn
    done: int
    total: int
    enrolled_at: datetime
    completed_at: datetime | None


@dataclass
class MyPathCourse:
    course_id: int
    title: str
    status: str  # completed | in_progress | not_started | unavailable


@dataclass
class MyPath:
    path_id: int
    title: str
    description: str
    status: str  # active | completed
    rule_text: str
    done: int
    needed: int
    completed_at: datetime | None
    courses: list[MyPathCourse]
    next_course_id: int | None  # the first course not completed yet that can be worked in


# --- reading a path ------------------------------------------------------------------------------

def _path(session: Session, actor: Actor, path_id: int) -> LearningPath:
    path = session.get(LearningPath, int(path_id)) if path_id else None
    if path is None or path.org_id != actor.org_id:
        raise NotFound("That learning path does not exist.")
    return path


def _course_ids(session: Session, path_id: int) -> list[int]:
    return list(session.exec(select(LearningPathCourse.course_id).where(LearningPathCourse.path_id == path_id)
                             .order_by(LearningPathCourse.position, LearningPathCourse.id)).all())


def needed(path: LearningPath, total: int) -> int:
    """How many courses complete the path: all of them, or N (never more than it holds)."""
    if path.completion_rule == "count" and path.required_count:
        return min(path.required_count, total)
    return total


def rule_text(path: LearningPath, total: int) -> str:
    """'All 3 courses' or 'Any 2 of 3 courses'."""
    noun = "course" if total == 1 else "courses"
    if path.completion_rule == "count" and path.required_count and path.required_count < total:
        return f"Any {path.required_count} of {total} {noun}"
    return f"All {total} {noun}" if total != 1 else "The 1 course"


def list_paths(session: Session, actor: Actor) -> list[PathSummary]:
    """Every path of the organization, by title, with how many people are on it."""
    require(actor, "paths.manage")
    paths = session.exec(select(LearningPath).where(LearningPath.org_id == actor.org_id).order_by(func.lower(LearningPath.title))).all()
    counts = dict(session.exec(select(LearningPathCourse.path_id, func.count(LearningPathCourse.id))
                               .join(LearningPath, LearningPath.id == LearningPathCourse.path_id)
                               .where(LearningPath.org_id == actor.org_id).group_by(LearningPathCourse.path_id)).all())
    runs: dict[tuple[int, str], int] = {}
    for path_id, status, n in session.exec(select(PathEnrollment.path_id, PathEnrollment.status, func.count(PathEnrollment.id))
                                           .where(PathEnrollment.org_id == actor.org_id)
                                           .group_by(PathEnrollment.path_id, PathEnrollment.status)).all():
        runs[(path_id, status)] = n
    return [PathSummary(p.id, p.title, p.description, counts.get(p.id, 0), rule_text(p, counts.get(p.id, 0)),
                        runs.get((p.id, "active"), 0), runs.get((p.id, "completed"), 0)) for p in paths]


def get_path(session: Session, actor: Actor, path_id: int) -> PathDetails:
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    rows = session.exec(select(Course.id, Course.title, Course.visibility).join(LearningPathCourse, LearningPathCourse.course_id == Course.id)
                        .where(LearningPathCourse.path_id == path.id).order_by(LearningPathCourse.position, LearningPathCourse.id)).all()
    courses = [PathCourseInfo(*r) for r in rows]
    return PathDetails(path.id, path.title, path.description, path.completion_rule, path.required_count, path.certificate_months,
                       courses, rule_text(path, len(courses)))


def addable_courses(session: Session, actor: Actor, path_id: int) -> list[tuple[int, str]]:
    """The organization's published courses not in the path yet, by title."""
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    inside = select(LearningPathCourse.course_id).where(LearningPathCourse.path_id == path.id)
    return [tuple(r) for r in session.exec(select(Course.id, Course.title).where(
        Course.org_id == actor.org_id, Course.visibility == "published", Course.id.not_in(inside)).order_by(func.lower(Course.title))).all()]


# --- creating and editing --------------------------------------------------------------------------

def _clean(title: str, description: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise Invalid("Give the learning path a title.")
    if len(title) > MAX_TITLE:
        raise Invalid(f"The title must have at most {MAX_TITLE} characters.")
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"The description must have at most {MAX_DESCRIPTION} characters.")
    return title, description


def _snapshot(session: Session, path: LearningPath) -> dict:
    titles = dict(session.exec(select(Course.id, Course.title).where(Course.id.in_(_course_ids(session, path.id) or [0]))).all())
    return {"title": path.title, "description": path.description, "rule": path.completion_rule, "required_count": path.required_count,
            "certificate_months": path.certificate_months, "courses": [titles[c] for c in _course_ids(session, path.id) if c in titles]}


def create_path(session: Session, actor: Actor, title: str, description: str = "") -> LearningPath:
    require(actor, "paths.manage")
    title, description = _clean(title, description)
    path = LearningPath(org_id=actor.org_id, title=title, description=description, created_by_id=actor.user_id)
    session.add(path)
    session.flush()
    audit.record(session, actor, "path.created", target_type="learning_path", target_id=path.id, target_label=title,
                 after={"title": title, "description": description})
    return path


def _months(value) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_CERTIFICATE_MONTHS:
        raise Invalid(f"The certificate's validity is a number of months from 1 to {MAX_CERTIFICATE_MONTHS} (empty: it never expires).")
    return int(text)


def update_path(session: Session, actor: Actor, path_id: int, *, title: str, description: str = "", completion_rule: str = "all",
                required_count=None, certificate_months=None, now: datetime | None = None) -> LearningPath:
    """Change the title, description, completion rule ("all", or "count" with at least N of the
    path's courses) and the certificate's validity in months (None: never expires). Runs that
    now meet the rule complete."""
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    title, description = _clean(title, description)
    if completion_rule not in RULES:
        raise Invalid("Choose how the path is completed: every course, or a number of them.")
    total = len(_course_ids(session, path.id))
    count = None
    if completion_rule == "count":
        text = str(required_count if required_count is not None else "").strip()
        if not text.isdigit() or int(text) < 1:
            raise Invalid("Say how many courses complete the path (at least 1).")
        count = int(text)
        if total and count > total:
            raise Invalid(f"The path has {total} course{'s' if total != 1 else ''}: at most {total} can be required.")
    months = _months(certificate_months)
    before = _snapshot(session, path)
    path.title, path.description, path.completion_rule, path.required_count, path.certificate_months = title, description, completion_rule, count, months
    after = _snapshot(session, path)
    if before != after:
        path.updated_at = utcnow()
        session.add(path)
        session.flush()
        audit.record(session, actor, "path.updated", target_type="learning_path", target_id=path.id, target_label=title, before=before, after=after)
        _settle_active_runs(session, path, now or utcnow())
    return path


def delete_path(session: Session, actor: Actor, path_id: int) -> None:
    """Delete a path nobody has been on and no required training names: a path with people on
    it is a record of their training."""
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    runs = session.exec(select(func.count(PathEnrollment.id)).where(PathEnrollment.path_id == path.id)).one()
    if runs:
        raise Conflict(f"“{path.title}” has been assigned to {runs} {'person' if runs == 1 else 'people'}: it stays as a record of their training.")
    if session.exec(select(Requirement.id).where(Requirement.path_id == path.id)).first() is not None:
        raise Conflict(f"“{path.title}” is required training: remove the requirement first.")
    before = _snapshot(session, path)
    session.execute(delete(LearningPathCourse).where(LearningPathCourse.path_id == path.id))
    audit.record(session, actor, "path.deleted", target_type="learning_path", target_id=path.id, target_label=path.title, before=before)
    session.delete(path)
    session.flush()


def add_course(session: Session, actor: Actor, path_id: int, course_id: int, *, now: datetime | None = None) -> None:
    """Put a published course of the organization at the end of the path. The people on the
    path now are enrolled in it too."""
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    course = session.get(Course, int(course_id)) if course_id else None
    if course is None or course.org_id != actor.org_id:
        raise NotFound("That course does not exist.")
    if course.visibility != "published":
        raise Invalid(f"“{course.title}” is not published: only published courses go into a learning path.")
    ids = _course_ids(session, path.id)
    if course.id in ids:
        raise Conflict(f"“{course.title}” is already in this path.")
    before = _snapshot(session, path)
    last = session.exec(select(func.max(LearningPathCourse.position)).where(LearningPathCourse.path_id == path.id)).one()
    session.add(LearningPathCourse(path_id=path.id, course_id=course.id, position=(last or 0) + 1))
    _touch(session, actor, path, before)
    now = now or utcnow()
    runs = session.exec(select(PathEnrollment).where(PathEnrollment.path_id == path.id, PathEnrollment.status == "active")).all()
    _enroll_in_courses(session, path, [course], [r.user_id for r in runs], by=actor.user_id, now=now)


def remove_course(session: Session, actor: Actor, path_id: int, course_id: int, *, now: datetime | None = None) -> None:
    """Take a course out of the path (the learners' runs of it stay). Runs that now meet the
    rule complete."""
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    row = session.exec(select(LearningPathCourse).where(LearningPathCourse.path_id == path.id, LearningPathCourse.course_id == int(course_id or 0))).first()
    if row is None:
        raise NotFound("That course is not in this path.")
    before = _snapshot(session, path)
    session.delete(row)
    session.flush()
    total = len(_course_ids(session, path.id))
    if path.completion_rule == "count" and path.required_count and path.required_count > total:
        path.required_count = total or None
        if not total:
            path.completion_rule = "all"
    _touch(session, actor, path, before)
    _settle_active_runs(session, path, now or utcnow())


def move_course(session: Session, actor: Actor, path_id: int, course_id: int, direction: str) -> None:
    """Move a course one place up or down in the path's order."""
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    if direction not in ("up", "down"):
        raise Invalid("A course moves up or down.")
    rows = list(session.exec(select(LearningPathCourse).where(LearningPathCourse.path_id == path.id)
                             .order_by(LearningPathCourse.position, LearningPathCourse.id)).all())
    index = next((i for i, r in enumerate(rows) if r.course_id == int(course_id or 0)), None)
    if index is None:
        raise NotFound("That course is not in this path.")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        return
    before = _snapshot(session, path)
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows, start=1):
        row.position = position
        session.add(row)
    session.flush()
    _touch(session, actor, path, before)


def _touch(session: Session, actor: Actor, path: LearningPath, before: dict) -> None:
    session.flush()
    path.updated_at = utcnow()
    session.add(path)
    after = _snapshot(session, path)
    audit.record(session, actor, "path.updated", target_type="learning_path", target_id=path.id, target_label=path.title, before=before, after=after)


# --- who is on the path --------------------------------------------------------------------------

def _active_run(session: Session, path_id: int, user_id: int) -> PathEnrollment | None:
    return session.exec(select(PathEnrollment).where(PathEnrollment.path_id == path_id, PathEnrollment.user_id == user_id,
                                                     PathEnrollment.status == "active")).first()


def _completed_courses(session: Session, user_ids: list[int], course_ids: list[int]) -> dict[int, dict[int, datetime]]:
    """user id -> course id -> the latest completion of that course."""
    out: dict[int, dict[int, datetime]] = {}
    if not user_ids or not course_ids:
        return out
    for user_id, course_id, at in session.exec(
        select(Enrollment.user_id, Enrollment.course_id, func.max(Enrollment.completed_at)).where(
            Enrollment.user_id.in_(user_ids), Enrollment.course_id.in_(course_ids), Enrollment.status == "completed")
        .group_by(Enrollment.user_id, Enrollment.course_id)
    ).all():
        if at is not None:
            out.setdefault(user_id, {})[course_id] = at
    return out


def _done_in_run(session: Session, run: PathEnrollment, course_ids: list[int]) -> int:
    since = _previous_completions(session, run.path_id, [run.user_id], run.enrolled_at).get(run.user_id)
    done = _completed_courses(session, [run.user_id], course_ids).get(run.user_id, {})
    return sum(1 for at in done.values() if since is None or at > since)


def _previous_completions(session: Session, path_id: int, user_ids: list[int], before: datetime | None = None) -> dict[int, datetime]:
    """user id -> when their latest completed run of the path (started before `before`)
    completed. Course completions count for a new run from then on; someone absent has never
    completed the path, and any completion counts for their run."""
    stmt = select(PathEnrollment.user_id, func.max(PathEnrollment.completed_at)).where(
        PathEnrollment.path_id == path_id, PathEnrollment.status == "completed", PathEnrollment.user_id.in_(user_ids or [0]))
    if before is not None:
        stmt = stmt.where(PathEnrollment.enrolled_at < before)
    return dict(session.exec(stmt.group_by(PathEnrollment.user_id)).all())


def _enroll_in_courses(session: Session, path: LearningPath, courses: list[Course], user_ids: list[int], *, by: int | None, now: datetime) -> None:
    """Start a course run (source "path") for each person without an active run of each course
    (archived courses take nobody). A course completed since the person's counting start needs
    no new run."""
    if not user_ids:
        return
    learners = dict(session.exec(select(User.id, User.email).where(User.id.in_(user_ids))).all())
    since = _previous_completions(session, path.id, user_ids)
    completed = _completed_courses(session, user_ids, [c.id for c in courses])
    for course in courses:
        if course.visibility != "published":
            continue
        taking = {e.user_id: e for e in session.exec(select(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.status == "active", Enrollment.user_id.in_(user_ids))).all()}
        started = []
        for user_id in user_ids:
            done_at = completed.get(user_id, {}).get(course.id)
            if done_at is not None and (user_id not in since or done_at > since[user_id]):
                continue
            if enrollment.expire_if_due(session, taking.get(user_id), now) is not None:
                continue
            session.add(enrollment.new_run(session, course, user_id, "path", now, by=by))
            started.append(user_id)
        if started:
            session.flush()
            audit.record(session, None, "enrollment.created", org_id=course.org_id, actor_label="Learning path", ip="",
                         target_type="course", target_id=course.id, target_label=course.title,
                         after={"course": course.title, "source": "path", "via": path.title, "learners": [learners[u] for u in started]})


def _start_runs(session: Session, path: LearningPath, user_ids: list[int], *, by: int | None, now: datetime) -> list[PathEnrollment]:
    """New path runs for these people (none of whom is on the path now), with their course
    runs started; runs whose rule is already met (courses completed before) complete at once."""
    runs = [PathEnrollment(org_id=path.org_id, path_id=path.id, user_id=u, status="active", enrolled_at=now, enrolled_by_id=by) for u in user_ids]
    session.add_all(runs)
    session.flush()
    course_ids = _course_ids(session, path.id)
    courses = {c.id: c for c in session.exec(select(Course).where(Course.id.in_(course_ids or [0]))).all()}
    _enroll_in_courses(session, path, [courses[c] for c in course_ids if c in courses], list(user_ids), by=by, now=now)
    for run in runs:
        _settle(session, path, run, course_ids, now)
    return runs


def enroll_in_path(session: Session, path: LearningPath, user_id: int, *, by: int | None = None, now: datetime | None = None) -> PathEnrollment:
    """Put a person on a path (no permission check: the caller decided, e.g. a requirement):
    their active run of it when they have one, else a new run, enrolling them in each of the
    path's courses. A new run whose rule is already met (courses completed before) completes
    at once: the caller sees it in the run's status."""
    run = _active_run(session, path.id, user_id)
    if run is not None:
        return run
    [run] = _start_runs(session, path, [user_id], by=by, now=now or utcnow())
    learner = session.get(User, user_id)
    audit.record(session, None, "path.enrolled", org_id=path.org_id, actor_label="Required training", ip="",
                 target_type="learning_path", target_id=path.id, target_label=path.title,
                 after={"path": path.title, "learners": [learner.email if learner else str(user_id)]})
    return run


def assign_path(session: Session, actor: Actor, path_id: int, *, user_ids: list[int] | None = None, group_id: int | None = None,
                department_id: int | None = None, include_subdepartments: bool = True, now: datetime | None = None) -> enrollment.EnrollCounts:
    """Put people on a path, chosen one by one, as a group or as a department (and the
    departments below it). People on it now are left as they are."""
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    if not _course_ids(session, path.id):
        raise Invalid("Add at least one course to the path before assigning it.")
    label = ""
    if group_id:
        group = session.get(Group, int(group_id))
        if group is None or group.org_id != actor.org_id:
            raise NotFound("That group does not exist.")
        wanted = set(session.exec(select(GroupMember.user_id).where(GroupMember.group_id == group.id)).all())
        label = group.name
        if not wanted:
            raise Invalid(f"“{group.name}” has no members yet.")
    elif department_id:
        dept = session.get(Department, int(department_id))
        if dept is None or dept.org_id != actor.org_id:
            raise NotFound("That department does not exist.")
        dept_ids = descendant_ids(session, actor.org_id, dept.id) if include_subdepartments else {dept.id}
        wanted = set(session.exec(select(User.id).where(User.org_id == actor.org_id, User.department_id.in_(dept_ids))).all())
        label = dept.name
        if not wanted:
            raise Invalid(f"Nobody is in “{dept.name}” yet.")
    else:
        wanted = {int(u) for u in user_ids or []}
        if not wanted:
            raise Invalid("Choose at least one person to put on the path.")
    people = session.exec(select(User).where(User.id.in_(wanted), User.org_id == actor.org_id)).all()
    if len(people) != len(wanted):
        raise NotFound("Some of those people do not exist.")
    now = now or utcnow()
    eligible = sorted((u for u in people if u.is_active and not u.pending_approval), key=lambda u: u.id)
    on_path = set(session.exec(select(PathEnrollment.user_id).where(PathEnrollment.path_id == path.id, PathEnrollment.status == "active",
                                                                    PathEnrollment.user_id.in_([u.id for u in eligible] or [0]))).all())
    new = [u for u in eligible if u.id not in on_path]
    _start_runs(session, path, [u.id for u in new], by=actor.user_id, now=now)
    if new:
        audit.record(session, actor, "path.enrolled", target_type="learning_path", target_id=path.id, target_label=path.title,
                     after={"path": path.title, "via": label or None, "learners": [u.email for u in new]})
    return enrollment.EnrollCounts(len(new), len(on_path), len(people) - len(eligible))


def assign_options(session: Session, actor: Actor, query: str = "", *, limit: int = 8) -> tuple[list[tuple[int, str, str]], list[tuple[int, str]], list[tuple[int, str]]]:
    """For the "Assign" controls: people matching the search, the groups, the departments."""
    require(actor, "paths.manage")
    people = [(p.id, p.name, p.email) for p in find_people_in_org(session, actor.org_id, query, limit=limit, exclude=None)]
    group_rows = [tuple(r) for r in session.exec(select(Group.id, Group.name).where(Group.org_id == actor.org_id).order_by(func.lower(Group.name))).all()]
    departments = [(d_id, path) for d_id, _, _, path in department_outline(session, actor.org_id)]
    return people, group_rows, departments


def path_learners(session: Session, actor: Actor, path_id: int) -> list[PathLearnerRow]:
    """Each person's latest run of the path, by name: courses completed of the total, when done."""
    require(actor, "paths.manage")
    path = _path(session, actor, path_id)
    course_ids = _course_ids(session, path.id)
    runs = session.exec(select(PathEnrollment, User).join(User, User.id == PathEnrollment.user_id)
                        .where(PathEnrollment.path_id == path.id).order_by(User.name, User.id, PathEnrollment.enrolled_at.desc())).all()
    latest: dict[int, tuple[PathEnrollment, User]] = {}
    for run, user in runs:
        latest.setdefault(user.id, (run, user))
    previous: dict[int, datetime] = {}
    for run, _ in runs:
        if run.status == "completed" and run.completed_at is not None and latest[run.user_id][0].id != run.id:
            previous[run.user_id] = max(previous.get(run.user_id, run.completed_at), run.completed_at)
    completed = _completed_courses(session, list(latest), course_ids)
    rows = []
    for user_id, (run, user) in latest.items():
        since = previous.get(user_id)
        done = sum(1 for at in completed.get(user_id, {}).values() if since is None or at > since)
        rows.append(PathLearnerRow(user.id, user.name, user.email, run.status, min(done, len(course_ids)), len(course_ids), run.enrolled_at, run.completed_at))
    return rows


# --- completing a path ---------------------------------------------------------------------------

def _settle(session: Session, path: LearningPath, run: PathEnrollment, course_ids: list[int], now: datetime) -> bool:
    """Complete the run if its rule is met: issue the path's certificate and satisfy the
    person's requirements for the path. True when it completed."""
    if run.status != "active" or not course_ids:
        return False
    if _done_in_run(session, run, course_ids) < needed(path, len(course_ids)):
        return False
    run.status, run.completed_at = "completed", now
    session.add(run)
    session.flush()
    months = path.certificate_months or requirements.validity_months(session, run.user_id, path_id=path.id)
    certificate = certificates.issue(session, user_id=run.user_id, path_id=path.id, issued_at=now, valid_months=months)
    requirements.record_completion(session, run.user_id, path_id=path.id, completed_at=now, via="path",
                                   certificate_id=certificate.id, expires_at=certificate.expires_at)
    learner = session.get(User, run.user_id)
    audit.record(session, None, "path.completed", org_id=path.org_id, actor_label="system", ip="",
                 target_type="learning_path", target_id=path.id, target_label=path.title,
                 after={"path": path.title, "learner": learner.email if learner else None, "completed_at": now})
    return True


def _settle_active_runs(session: Session, path: LearningPath, now: datetime) -> None:
    course_ids = _course_ids(session, path.id)
    for run in session.exec(select(PathEnrollment).where(PathEnrollment.path_id == path.id, PathEnrollment.status == "active")).all():
        _settle(session, path, run, course_ids, now)


def path_course_completed(session: Session, course_run: Enrollment, *, now: datetime | None = None) -> int:
    """A course run completed: each active path run of that learner holding the course is
    checked, and completes when its rule is met. Returns how many path runs completed."""
    now = now or course_run.completed_at or utcnow()
    runs = session.exec(select(PathEnrollment).join(LearningPathCourse, LearningPathCourse.path_id == PathEnrollment.path_id).where(
        PathEnrollment.user_id == course_run.user_id, PathEnrollment.status == "active", LearningPathCourse.course_id == course_run.course_id)).all()
    completed = 0
    for run in runs:
        path = session.get(LearningPath, run.path_id)
        completed += _settle(session, path, run, _course_ids(session, path.id), now)
    return completed


# --- the learner's own paths ---------------------------------------------------------------------

def my_paths(session: Session, actor: Actor) -> list[MyPath]:
    """The actor's paths (their latest run of each, active ones first), with each course's
    status in the path's order and the next course to work in."""
    require(actor, "learning.view")
    runs = session.exec(select(PathEnrollment, LearningPath).join(LearningPath, LearningPath.id == PathEnrollment.path_id)
                        .where(PathEnrollment.user_id == actor.user_id, PathEnrollment.status.in_(("active", "completed")))
                        .order_by(PathEnrollment.enrolled_at.desc(), PathEnrollment.id.desc())).all()
    latest: dict[int, tuple[PathEnrollment, LearningPath]] = {}
    for run, path in runs:
        latest.setdefault(path.id, (run, path))
    if not latest:
        return []
    members = session.exec(select(LearningPathCourse.path_id, Course.id, Course.title, Course.visibility)
                           .join(Course, Course.id == LearningPathCourse.course_id)
                           .where(LearningPathCourse.path_id.in_(list(latest))).order_by(LearningPathCourse.position, LearningPathCourse.id)).all()
    by_path: dict[int, list[tuple[int, str, str]]] = {}
    for path_id, course_id, title, visibility in members:
        by_path.setdefault(path_id, []).append((course_id, title, visibility))
    all_courses = list({c for rows in by_path.values() for c, _, _ in rows})
    completed = _completed_courses(session, [actor.user_id], all_courses).get(actor.user_id, {})
    # An active run the learner has worked in is in progress; one not opened yet is not started.
    active = dict(session.exec(select(Enrollment.course_id, Enrollment.last_activity_at).where(
        Enrollment.user_id == actor.user_id, Enrollment.status == "active", Enrollment.course_id.in_(all_courses or [0]))).all())
    out = []
    for path_id, (run, path) in latest.items():
        since = _previous_completions(session, path_id, [actor.user_id], run.enrolled_at).get(actor.user_id)
        courses, next_id = [], None
        for course_id, title, visibility in by_path.get(path_id, []):
            done_at = completed.get(course_id)
            if done_at is not None and (since is None or done_at > since):
                status = "completed"
            elif active.get(course_id) is not None:
                status = "in_progress"
            elif visibility == "published":
                status = "not_started"
            else:
                status = "unavailable"
            if next_id is None and status in ("in_progress", "not_started") and run.status == "active":
                next_id = course_id
            courses.append(MyPathCourse(course_id, title, status))
        done = sum(1 for c in courses if c.status == "completed")
        out.append(MyPath(path_id, path.title, path.description, run.status, rule_text(path, len(courses)), done,
                          needed(path, len(courses)), run.completed_at, courses, next_id))
    out.sort(key=lambda p: (p.status != "active", p.title.lower()))
    return out
