"""Compliance for `seed --synthetic`: required courses, two learning paths (one of them
required), the requirements that assign them, each person's round with its run of the course,
certificates and training done elsewhere, told as one story with the rest of the history.

What the services would have written, reproducibly from the seed's generator:
- the requirements were created over the history (one a week or two ago, one months ago), and
  whoever matched an audience then was assigned at that moment and enrolled in the course
  (source "required"); a due date is the end of that day in the learner's zone
  (services/due_dates.end_of_day);
- people start some days after the assignment (the diligent sooner), work through the
  course's three required lessons in a sitting or a few, and some stop on the way; whoever
  finishes gets the course's certificate (valid for the requirement's recertification months)
  and the assignment is satisfied by it; the optional further reading is read by a few;
- a few people are exempted (with a reason, by an admin) and a few had their training done
  elsewhere approved instead; whoever has not finished by the due date is overdue;
- the onboarding path is required from one cohort: a member who finished its three courses
  finished the path (and has its certificate).
Completions stay inside the history, so no certificate is near its expiry: no
recertification cycle has opened yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session, select

from lms_app.models import (
    Certificate,
    Course,
    Department,
    Enrollment,
    ExternalTraining,
    Group,
    GroupMember,
    LearningPath,
    LearningPathCourse,
    Lesson,
    LessonProgress,
    Module,
    Organization,
    PathEnrollment,
    Requirement,
    RequirementAssignment,
    Role,
    User,
    UserRole,
)
from lms_app.services.certificates import CODE_ALPHABET, CODE_GROUP_LENGTH, CODE_GROUPS
from lms_app.services.due_dates import add_months, end_of_day, local_date
from lms_app.services.seed_activity import MINUTE, Clock, Progress, bulk_insert

# (title, category, the three required lessons); each course ends with an optional reading.
REQUIRED_COURSES = [
    ("Code of conduct", "Compliance", ["Our values", "Conflicts of interest", "Speaking up"]),
    ("Data protection essentials", "Compliance", ["Personal data", "Handling requests", "Reporting a breach"]),
    ("Fire safety", "Safety", ["Preventing fires", "Raising the alarm", "Evacuation"]),
    ("Forklift and warehouse safety", "Safety", ["Before you drive", "Loads and racks", "Pedestrians"]),
    ("Leading a respectful workplace", "Leadership", ["Expectations", "Handling complaints", "Follow-up"]),
]
FURTHER_READING = "Further reading"


@dataclass(frozen=True)
class Plan:
    """One synthetic requirement: its course (an index into REQUIRED_COURSES) or the
    onboarding path, its audience, when it was created and how its due date and validity go.
    `mean_delay_days`: how long people typically wait before starting."""

    course: int | None
    audience: str
    created_days_ago: int
    due_mode: str
    due_days: int | None = None
    due_in_days: int | None = None  # fixed: the due date, counted from the end of the history
    recert_months: int | None = None
    mean_delay_days: float = 10.0


PLANS = [
    Plan(0, "everyone", 150, "after_assignment", due_days=30, recert_months=12, mean_delay_days=8),
    Plan(1, "everyone", 75, "fixed", due_in_days=20, recert_months=12, mean_delay_days=45),
    Plan(2, "everyone", 12, "after_assignment", due_days=45, mean_delay_days=30),
    Plan(3, "department", 110, "after_assignment", due_days=60, recert_months=24, mean_delay_days=20),
    Plan(4, "role", 95, "fixed", due_in_days=-14, recert_months=36, mean_delay_days=25),
    Plan(None, "group", 60, "after_hire", due_days=90),
]
ONBOARDING_COURSES = (0, 1, 2)
EXEMPT_SHARE, EXTERNAL_SHARE = 0.02, 0.015
# Some never start; after each lesson some leave the course for good (the less diligent more often).
NEVER_STARTS = ABANDON = 0.45
EXEMPT_REASONS = ["On long-term leave", "Certified before joining", "Role does not handle the subject", "Contractor covered by their employer"]
PROVIDERS = ["City Fire Academy", "SafeWork Institute", "Privacy Training Co.", "Regional Chamber of Commerce"]


@dataclass
class _Person:
    id: int
    name: str
    tz: str
    hire_date: date | None
    diligence: float


@dataclass
class _Runs:
    """The rows being built, in insertion order (ids are read back after each bulk insert)."""

    enrollments: list[dict] = field(default_factory=list)
    progress: list[list[tuple]] = field(default_factory=list)  # per enrollment, without its id
    certificates: list[dict] = field(default_factory=list)
    externals: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)
    # per assignment: (enrollment index, certificate index, external index, path enrollment index)
    links: list[tuple[int | None, int | None, int | None, int | None]] = field(default_factory=list)
    path_enrollments: list[dict] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)


def seed_compliance(session: Session, org_id: int, rng: random.Random, end: datetime, events: list[tuple],
                    say: Progress) -> dict[str, int]:
    """Add the compliance story to a synthetic organization whose people, departments, groups
    and courses exist. The activity events of the required runs are appended to `events`
    (the logins are added afterwards, over all of them). Returns the counts."""
    people = _people(session, org_id, rng)
    if not people:
        return {}
    published = end - timedelta(days=200)
    author = session.exec(select(Course.created_by_id).where(Course.org_id == org_id, Course.created_by_id.is_not(None))
                          .order_by(Course.id)).first()
    courses = _required_courses(session, org_id, author, published)
    paths = _paths(session, org_id, courses, author, published)
    audiences = _audiences(session, org_id, people)
    admin = session.exec(select(UserRole.user_id).join(Role, Role.id == UserRole.role_id)
                         .where(Role.org_id == org_id, Role.name == "admin").order_by(UserRole.user_id)).first()
    clock = Clock(rng, end)
    runs = _Runs()
    requirements = []
    per_course_done: dict[tuple[int, int], tuple[datetime, int]] = {}  # (user, course index) -> (completed, certificate index)
    for plan in PLANS:
        audience_id, members = audiences[plan.audience]
        created = _working_moment(end, plan.created_days_ago)
        requirement = _requirement(session, org_id, plan, audience_id, courses, paths, admin, created, end)
        requirements.append(requirement)
        for person_id in members:
            person = people[person_id]
            if plan.course is None:
                _path_assignment(runs, org_id, requirement, plan, person, created, end, paths[0], per_course_done, rng)
            else:
                _course_assignment(runs, org_id, requirement, plan, person, created, end, courses[plan.course], clock, rng,
                                   admin, per_course_done)
    say(f"{len(requirements)} requirements, {len(runs.assignments):,} assignments")
    counts = _insert(session, org_id, runs, courses, events)
    say(f"{counts['certificates']:,} certificates, {counts['external_trainings']:,} external trainings")
    return {"requirements": len(requirements), "learning_paths": len(paths), **counts}


# --- who -------------------------------------------------------------------------------------------

def _people(session: Session, org_id: int, rng: random.Random) -> dict[int, _Person]:
    """Whoever an audience can hold: the active people (as requirements.sync counts them)."""
    default_tz = session.get(Organization, org_id).default_timezone or "UTC"
    rows = session.exec(select(User.id, User.name, User.timezone, User.hire_date).where(
        User.org_id == org_id, User.is_active.is_(True), User.pending_approval.is_(False)).order_by(User.id)).all()
    return {uid: _Person(uid, name, tz or default_tz, hire, rng.betavariate(4, 2)) for uid, name, tz, hire in rows}


def _audiences(session: Session, org_id: int, people: dict[int, _Person]) -> dict[str, tuple[int | None, list[int]]]:
    """Each audience kind's (audience_id, active people in it): everyone; the first division
    with its departments; the managers; the first cohort."""
    everyone = sorted(people)
    parents = dict(session.exec(select(Department.id, Department.parent_id).where(Department.org_id == org_id)).all())
    # A division with its departments; where one division holds them all, a department alone.
    divisions = sorted(d for d, p in parents.items() if p is None and d in parents.values())
    division = divisions[0] if len(divisions) > 1 else min((d for d, p in parents.items() if p is not None), default=None)

    def under(d: int | None) -> bool:
        while d is not None:
            if d == division:
                return True
            d = parents.get(d)
        return False

    in_division = [uid for uid, dept in session.exec(select(User.id, User.department_id).where(User.org_id == org_id)).all()
                   if uid in people and under(dept)]
    manager = session.exec(select(Role.id).where(Role.org_id == org_id, Role.name == "manager")).one()
    managers = sorted({uid for uid in session.exec(select(UserRole.user_id).where(UserRole.role_id == manager)).all() if uid in people})
    cohort = session.exec(select(Group.id).where(Group.org_id == org_id).order_by(Group.id)).first()
    members = sorted({uid for uid in session.exec(select(GroupMember.user_id).where(GroupMember.group_id == cohort)).all() if uid in people})
    return {"everyone": (None, everyone), "department": (division, sorted(in_division)), "role": (manager, managers),
            "group": (cohort, members)}


# --- what --------------------------------------------------------------------------------------------

@dataclass
class _Course:
    id: int
    title: str
    required: list[int]  # lesson ids, in order
    reading: int


def _required_courses(session: Session, org_id: int, author: int | None, published: datetime) -> list[_Course]:
    out = []
    for title, category, lessons in REQUIRED_COURSES:
        course = Course(org_id=org_id, title=title, summary=f"Required training: {title.lower()}.", category=category,
                        estimated_minutes=30, visibility="published", self_enrollment=False, created_by_id=author,
                        created_at=published, updated_at=published, published_at=published)
        session.add(course)
        session.flush()
        module = Module(org_id=org_id, course_id=course.id, position=0, title=title)
        session.add(module)
        session.flush()
        rows = [Lesson(org_id=org_id, course_id=course.id, module_id=module.id, position=k, title=name, kind="text",
                       content={"markdown": f"## {name}\n\n" + f"What {title.lower()} asks of you: {name.lower()}. " * 12},
                       required=True, estimated_minutes=8, updated_at=published)
                for k, name in enumerate(lessons)]
        rows.append(Lesson(org_id=org_id, course_id=course.id, module_id=module.id, position=len(lessons), title=FURTHER_READING,
                           kind="text", content={"markdown": f"## {FURTHER_READING}\n\nMore about {title.lower()}."},
                           required=False, estimated_minutes=15, updated_at=published))
        session.add_all(rows)
        session.flush()
        out.append(_Course(course.id, title, [lesson.id for lesson in rows[:-1]], rows[-1].id))
    return out


def _paths(session: Session, org_id: int, courses: list[_Course], author: int | None, published: datetime) -> list[LearningPath]:
    """New hire onboarding (three required courses, all of them) and a warehouse certification
    (the forklift course and two of the catalog's, any two of the three)."""
    onboarding = LearningPath(org_id=org_id, title="New hire onboarding", completion_rule="all", created_by_id=author,
                              description="Everything a new colleague completes in their first weeks.", created_at=published,
                              updated_at=published)
    warehouse = LearningPath(org_id=org_id, title="Warehouse certification", completion_rule="count", required_count=2,
                             certificate_months=24, created_by_id=author, description="Safe work in the warehouse.",
                             created_at=published, updated_at=published)
    session.add_all([onboarding, warehouse])
    session.flush()
    catalog = session.exec(select(Course.id).where(Course.org_id == org_id, Course.category == "Safety",
                                                   Course.id.not_in([c.id for c in courses])).order_by(Course.id).limit(2)).all()
    session.add_all(LearningPathCourse(path_id=onboarding.id, course_id=courses[i].id, position=n) for n, i in enumerate(ONBOARDING_COURSES))
    session.add_all(LearningPathCourse(path_id=warehouse.id, course_id=cid, position=n)
                    for n, cid in enumerate([courses[3].id, *catalog]))
    session.flush()
    return [onboarding, warehouse]


def _requirement(session: Session, org_id: int, plan: Plan, audience_id: int | None, courses: list[_Course],
                 paths: list[LearningPath], admin: int | None, created: datetime, end: datetime) -> Requirement:
    requirement = Requirement(
        org_id=org_id, course_id=None if plan.course is None else courses[plan.course].id,
        path_id=paths[0].id if plan.course is None else None, audience=plan.audience, audience_id=audience_id,
        due_mode=plan.due_mode, due_days=plan.due_days,
        due_on=None if plan.due_in_days is None else end.date() + timedelta(days=plan.due_in_days),
        recert_months=plan.recert_months, created_by_id=admin, created_at=created, updated_at=created)
    session.add(requirement)
    session.flush()
    return requirement


def _working_moment(end: datetime, days_ago: int) -> datetime:
    """10:00 UTC on the working day `days_ago` days before the end (a weekend moves to Friday)."""
    day = (end - timedelta(days=days_ago)).date()
    day -= timedelta(days=max(0, day.weekday() - 4))
    return datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc)


def _due_on(requirement: Requirement, person: _Person, assigned: datetime) -> date:
    """As requirements.sync dates a first round: the fixed day, or N days after the hire date
    (the assignment day when none is recorded) or the assignment day."""
    if requirement.due_mode == "fixed":
        return requirement.due_on
    start = person.hire_date if requirement.due_mode == "after_hire" and person.hire_date else local_date(assigned, person.tz)
    return start + timedelta(days=requirement.due_days or 0)


# --- one person's round ---------------------------------------------------------------------------

def _course_assignment(runs: _Runs, org_id: int, requirement: Requirement, plan: Plan, person: _Person, assigned: datetime,
                       end: datetime, course: _Course, clock: Clock, rng: random.Random, admin: int | None,
                       done: dict[tuple[int, int], tuple[datetime, int]]) -> None:
    due_on = _due_on(requirement, person, assigned)
    row = _assignment_row(org_id, requirement, person, assigned, due_on)
    enrollment = {"org_id": org_id, "course_id": course.id, "user_id": person.id, "status": "active", "enrolled_at": assigned,
                  "completed_at": None, "source": "required", "enrolled_by_id": None, "last_activity_at": None,
                  "last_lesson_id": None}
    progress: list[tuple] = []
    certificate = external = None
    r = rng.random()
    if r < EXEMPT_SHARE:
        row |= {"exempt_at": _before(assigned + timedelta(days=rng.uniform(1, 20)), end), "exempted_by_id": admin,
                "exempt_reason": rng.choice(EXEMPT_REASONS)}
    elif r < EXEMPT_SHARE + EXTERNAL_SHARE:
        external = _external(runs, org_id, person, course, assigned, end, rng, admin)
        # Training done elsewhere counts from the end of the day it was completed on.
        completed = end_of_day(runs.externals[external]["completed_on"], person.tz)
        row |= {"completed_at": completed, "satisfied_by": "external",
                "expires_at": _expiry(local_date(completed, person.tz), plan.recert_months, person.tz)}
    else:
        finished = _work(progress, course, assigned, end, plan, person, clock, rng)
        if progress:
            last = progress[-1]
            enrollment |= {"last_activity_at": last[5], "last_lesson_id": last[0]}
        if finished is not None:
            enrollment |= {"status": "completed", "completed_at": finished}
            expires = _expiry(local_date(finished, person.tz), plan.recert_months, person.tz)
            certificate = len(runs.certificates)
            runs.certificates.append({"org_id": org_id, "user_id": person.id, "course_id": course.id, "title": course.title,
                                      "learner_name": person.name, "issued_at": finished, "expires_at": expires,
                                      "code": _code(rng, runs)})
            row |= {"completed_at": finished, "satisfied_by": "course", "expires_at": expires}
            done[(person.id, plan.course)] = (finished, certificate)
    runs.enrollments.append(enrollment)
    runs.progress.append(progress)
    runs.assignments.append(row)
    runs.links.append((len(runs.enrollments) - 1, certificate, external, None))


def _work(progress: list[tuple], course: _Course, assigned: datetime, end: datetime, plan: Plan, person: _Person,
          clock: Clock, rng: random.Random) -> datetime | None:
    """The person's sittings: the required lessons in order, perhaps the further reading. Fills
    `progress` (lesson_id, status, started, completed, seconds, last_seen, watched) and returns
    when the course was completed (None: not, or not yet)."""
    limit = end.timestamp() - MINUTE
    finished = None
    if rng.random() < NEVER_STARTS * (1.0 - person.diligence):
        return None
    moment = clock.later(assigned.timestamp(), plan.mean_delay_days * (1.6 - person.diligence))
    for n, lesson_id in enumerate([*course.required, course.reading]):
        reading = n == len(course.required)
        if reading and rng.random() > 0.2:
            break
        seconds = int(MINUTE * 8 * rng.lognormvariate(0.0, 0.4))
        if moment + seconds >= limit:
            break
        opened, completed = _at(moment), _at(moment + seconds)
        progress.append((lesson_id, "done", opened, completed, seconds, completed, []))
        if n == len(course.required) - 1:
            finished = completed
        if not reading and n < len(course.required) - 1 and rng.random() < ABANDON * (1.0 - person.diligence):
            return None
        moment = moment + seconds + MINUTE * rng.randrange(1, 5) if rng.random() < 0.7 else clock.later(moment + seconds, 3.0)
    return finished


def _external(runs: _Runs, org_id: int, person: _Person, course: _Course, assigned: datetime, end: datetime,
              rng: random.Random, admin: int | None) -> int:
    """Approved training done elsewhere that stands in for the course."""
    submitted = _before(assigned + timedelta(days=rng.uniform(2, 40)), end - timedelta(days=2))
    completed_on = local_date(submitted, person.tz) - timedelta(days=rng.randrange(1, 10))
    runs.externals.append({"org_id": org_id, "user_id": person.id, "title": f"{course.title} (external)",
                           "provider": rng.choice(PROVIDERS), "completed_on": completed_on, "hours": rng.choice((1.0, 1.5, 2.0, 3.0)),
                           "evidence_name": "certificate.pdf", "course_id": course.id, "status": "approved",
                           "submitted_by_id": person.id, "submitted_at": submitted, "reviewed_by_id": admin,
                           "reviewed_at": submitted + timedelta(days=1), "review_note": "Evidence checked."})
    return len(runs.externals) - 1


def _path_assignment(runs: _Runs, org_id: int, requirement: Requirement, plan: Plan, person: _Person, assigned: datetime,
                     end: datetime, path: LearningPath, done: dict[tuple[int, int], tuple[datetime, int]],
                     rng: random.Random) -> None:
    """The onboarding path: finished when its three courses are (their runs are the ones the
    everyone requirements started), with the path's own certificate."""
    row = _assignment_row(org_id, requirement, person, assigned, _due_on(requirement, person, assigned))
    finishes = [done.get((person.id, i)) for i in ONBOARDING_COURSES]
    path_run = {"org_id": org_id, "path_id": path.id, "user_id": person.id, "status": "active", "enrolled_at": assigned,
                "completed_at": None, "enrolled_by_id": requirement.created_by_id}
    certificate = None
    if all(finishes):
        finished = max(assigned, max(at for at, _ in finishes))
        path_run |= {"status": "completed", "completed_at": finished}
        certificate = len(runs.certificates)
        runs.certificates.append({"org_id": org_id, "user_id": person.id, "path_id": path.id, "title": path.title,
                                  "learner_name": person.name, "issued_at": finished, "expires_at": None, "code": _code(rng, runs)})
        row |= {"completed_at": finished, "satisfied_by": "path"}
    runs.path_enrollments.append(path_run)
    runs.assignments.append(row)
    runs.links.append((None, certificate, None, len(runs.path_enrollments) - 1))


def _assignment_row(org_id: int, requirement: Requirement, person: _Person, assigned: datetime, due_on: date) -> dict:
    return {"org_id": org_id, "requirement_id": requirement.id, "user_id": person.id, "cycle": 1, "assigned_at": assigned,
            "due_on": due_on, "due_at": end_of_day(due_on, person.tz), "completed_at": None, "satisfied_by": "",
            "expires_at": None, "exempt_at": None, "exempt_reason": "", "exempted_by_id": None, "removed_at": None}


def _expiry(issued_on: date, months: int | None, tz: str) -> datetime | None:
    """As a certificate issued that day would get: the end of the day `months` later."""
    return None if months is None else end_of_day(add_months(issued_on, months), tz)


def _code(rng: random.Random, runs: _Runs) -> str:
    """A verification code shaped like certificates.new_code's, drawn from the seed's generator."""
    while True:
        raw = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
        code = "-".join(raw[i:i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))
        if code not in runs.codes:
            runs.codes.add(code)
            return code


def _before(moment: datetime, limit: datetime) -> datetime:
    return min(moment, limit - timedelta(hours=1))


def _at(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, timezone.utc)


# --- the rows ------------------------------------------------------------------------------------------

def _insert(session: Session, org_id: int, runs: _Runs, courses: list[_Course], events: list[tuple]) -> dict[str, int]:
    enrollment_ids = _inserted(session, Enrollment, runs.enrollments)
    progress_rows = [(enrollment_ids[i], *row) for i, rows in enumerate(runs.progress) for row in rows]
    bulk_insert(session, LessonProgress, progress_rows,
                ("enrollment_id", "lesson_id", "status", "started_at", "completed_at", "seconds_spent", "last_seen_at", "watched"))
    for n, run in enumerate(runs.enrollments):
        course, user = run["course_id"], run["user_id"]
        events.append((org_id, user, course, None, "enrolled", run["enrolled_at"], None))
        for lesson_id, _, opened, completed, *_ in runs.progress[n]:
            events.append((org_id, user, course, lesson_id, "lesson_opened", opened, None))
            events.append((org_id, user, course, lesson_id, "lesson_completed", completed, None))
        if run["completed_at"] is not None:
            events.append((org_id, user, course, None, "course_completed", run["completed_at"], None))
    for certificate in runs.certificates:
        certificate.setdefault("course_id", None)
        certificate.setdefault("path_id", None)
    external_ids = _inserted(session, ExternalTraining, runs.externals)
    path_enrollment_ids = _inserted(session, PathEnrollment, runs.path_enrollments)
    # A course certificate names its run: the enrollment of the assignment that issued it.
    for (enrollment, certificate, _, _) in runs.links:
        if certificate is not None:
            runs.certificates[certificate]["enrollment_id"] = None if enrollment is None else enrollment_ids[enrollment]
    certificate_ids = _inserted(session, Certificate, runs.certificates)
    for row, (enrollment, certificate, external, path_run) in zip(runs.assignments, runs.links):
        row |= {"enrollment_id": None if enrollment is None else enrollment_ids[enrollment],
                "certificate_id": None if certificate is None else certificate_ids[certificate],
                "external_training_id": None if external is None else external_ids[external],
                "path_enrollment_id": None if path_run is None else path_enrollment_ids[path_run]}
    bulk_insert(session, RequirementAssignment, runs.assignments)
    session.flush()
    return {"requirement_assignments": len(runs.assignments), "required_runs": len(runs.enrollments),
            "certificates": len(runs.certificates), "external_trainings": len(runs.externals),
            "path_enrollments": len(runs.path_enrollments)}


def _inserted(session: Session, model, rows: list[dict]) -> list[int]:
    """Bulk-insert rows with the same keys; their ids, in the same order."""
    if not rows:
        return []
    keys = sorted({key for row in rows for key in row})
    last = session.exec(select(model.id).order_by(model.id.desc())).first() or 0
    bulk_insert(session, model, [{key: row.get(key) for key in keys} for row in rows])
    return list(session.exec(select(model.id).where(model.id > last).order_by(model.id)).all())
