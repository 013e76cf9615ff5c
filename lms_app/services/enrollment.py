"""Enrollment: learners joining a course (by themselves or by staff), leaving it, access
expiring, retakes, and the course roster.

An enrollment is one run of a course for a learner. A learner has at most one active run
per course (a partial unique index guards it); enrolling again after completing (or after
access expired) starts a new run and the old one stays as history.

Who may do what: a learner enrolls themselves ("learning.view") in a published course that
allows it; the course's instructors and holders of "courses.manage" enroll others and
withdraw anyone; a learner may withdraw from a run they joined themselves; the whole staff
(assistants too) read the roster. Staff enrollments skip the enrollment key and the required
course (staff decide who is ready). Staff may also enroll a whole CSV file of emails, all
rows or none. Wrong enrollment keys are recorded and a learner who keeps guessing waits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lms_app.models import Course, Department, Enrollment, EnrollmentKeyFailure, Group, GroupMember, User, utcnow
from lms_app.services import activity, audit, live_sessions, progress
from lms_app.services.auth import normalize_email
from lms_app.services.courses import can_author, get_course, staffed_course
from lms_app.services.csv_export import csv_text, in_batches
from lms_app.services.csv_import import EXTRA_VALUES, EXTRA_VALUES_PROBLEM, email_problem, problems_summary, read_csv
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied, Throttled
from lms_app.services.groups import department_outline, descendant_ids
from lms_app.services.passwords import verify_password
from lms_app.services.permissions import Actor, require

# Enrollment-key guessing: this many wrong keys within the window, and the learner waits until
# the oldest of them leaves it. Failures are kept a day (the sweep prunes them).
KEY_TRIES = 5
KEY_WINDOW = timedelta(minutes=15)
KEY_FAILURES_KEPT = timedelta(days=1)
BULK_COLUMNS = ("email",)
ROSTER_COLUMNS = ("name", "email", "status", "enrolled_at", "progress_percent", "last_activity_at")


@dataclass
class EnrollCounts:
    enrolled: int  # new runs started
    already: int  # had an active run: left as is
    skipped: int  # deactivated or awaiting approval


@dataclass
class EnrollmentRow:
    id: int
    course_id: int
    course_title: str
    status: str
    source: str
    enrolled_at: datetime
    expires_at: datetime | None
    completed_at: datetime | None
    percent: int
    last_activity_at: datetime | None


@dataclass
class RosterRow:
    enrollment_id: int
    user_id: int
    name: str
    email: str
    status: str
    source: str
    enrolled_at: datetime
    expires_at: datetime | None
    completed_at: datetime | None
    percent: int
    last_activity_at: datetime | None


def active_enrollment(session: Session, course_id: int, user_id: int) -> Enrollment | None:
    return session.exec(select(Enrollment).where(
        Enrollment.course_id == course_id, Enrollment.user_id == user_id, Enrollment.status == "active")).first()


def expire_if_due(session: Session, enrollment: Enrollment | None, now: datetime) -> Enrollment | None:
    """The enrollment if still active; one whose access ended (the job has not run yet) expires now."""
    if enrollment is not None and enrollment.expires_at is not None and enrollment.expires_at <= now:
        _expire(session, enrollment)
        return None
    return enrollment


def _expire(session: Session, enrollment: Enrollment) -> None:
    enrollment.status = "expired"
    enrollment.ended_at = enrollment.expires_at
    session.add(enrollment)
    session.flush()
    live_sessions.release_places(session, enrollment.user_id, enrollment.course_id)
    course = session.get(Course, enrollment.course_id)
    user = session.get(User, enrollment.user_id)
    audit.record(session, None, "enrollment.expired", target_type="enrollment", target_id=enrollment.id,
                 target_label=f"{user.email if user else enrollment.user_id} in {course.title if course else enrollment.course_id}",
                 after={"expires_at": enrollment.expires_at}, org_id=enrollment.org_id, actor_label="system", ip="")


def new_run(session: Session, course: Course, user_id: int, source: str, now: datetime, *, by: int | None,
            group_id: int | None = None) -> Enrollment:
    """A new active run of the course (for the caller to add), its access ending per the course.
    No permission check: callers enroll on someone's behalf (a group, a requirement, a path)."""
    activity.record(session, org_id=course.org_id, user_id=user_id, kind="enrolled", course_id=course.id, at=now)
    return Enrollment(
        org_id=course.org_id, course_id=course.id, user_id=user_id, status="active", enrolled_at=now,
        expires_at=now + timedelta(days=course.access_days) if course.access_days else None,
        source=source, source_group_id=group_id, enrolled_by_id=by,
    )


def _runs_before(session: Session, course_id: int, user_id: int) -> int:
    return session.exec(select(func.count(Enrollment.id)).where(Enrollment.course_id == course_id, Enrollment.user_id == user_id)).one()


def _key_retry_at(session: Session, course_id: int, user_id: int, now: datetime) -> datetime | None:
    """When a learner who typed KEY_TRIES wrong keys within KEY_WINDOW may try again (None: now)."""
    recent = session.exec(
        select(EnrollmentKeyFailure.at).where(
            EnrollmentKeyFailure.course_id == course_id, EnrollmentKeyFailure.user_id == user_id, EnrollmentKeyFailure.at > now - KEY_WINDOW,
        ).order_by(EnrollmentKeyFailure.at.desc()).limit(KEY_TRIES)
    ).all()
    return recent[-1] + KEY_WINDOW if len(recent) >= KEY_TRIES else None


def self_enroll(session: Session, actor: Actor, course_id: int, key: str | None = None, *, now: datetime | None = None) -> Enrollment:
    """Join a published, self-enrollment course (with its key, after its required course).
    Already enrolled: the current run is returned. After completing it: a new run (a retake).

    A wrong key is recorded before Invalid is raised: the caller commits even then (as the
    sign-in's caller does), or guessing would never slow down. After KEY_TRIES wrong keys in
    KEY_WINDOW, Throttled is raised before the key is even checked (hashing is slow on purpose)."""
    require(actor, "learning.view")
    now = now or utcnow()
    course = get_course(session, actor, course_id)
    if course.visibility == "draft":
        raise NotFound("That course does not exist.")
    current = expire_if_due(session, active_enrollment(session, course.id, actor.user_id), now)
    if current is not None:
        return current
    if course.visibility == "archived":
        raise Invalid("This course is archived: it takes no new enrollments.")
    if not course.self_enrollment:
        raise PermissionDenied("Only the course's instructors can enroll people in this course.")
    if course.enrollment_key_hash:
        retry_at = _key_retry_at(session, course.id, actor.user_id, now)
        if retry_at is not None:
            minutes = max(1, -(-int((retry_at - now).total_seconds()) // 60))
            raise Throttled(f"Too many wrong keys. Try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        key = (key or "").strip()
        if not key:
            raise Invalid("This course needs an enrollment key.")
        if not verify_password(course.enrollment_key_hash, key):
            session.add(EnrollmentKeyFailure(course_id=course.id, user_id=actor.user_id, at=now))
            session.flush()
            raise Invalid("That key is not right.")
    if course.required_course_id:
        required = session.get(Course, course.required_course_id)
        done = session.exec(select(Enrollment.id).where(
            Enrollment.course_id == course.required_course_id, Enrollment.user_id == actor.user_id, Enrollment.status == "completed")).first()
        if required is not None and done is None:
            raise Invalid(f"Finish “{required.title}” first.")
    retake = _runs_before(session, course.id, actor.user_id)
    enrollment = new_run(session, course, actor.user_id, "self", now, by=actor.user_id)
    session.add(enrollment)
    try:
        session.flush()
    except IntegrityError:
        # Enrolled twice at the same moment (two tabs): the unique index kept one run.
        raise Conflict("You are already enrolled in this course.") from None
    audit.record(session, actor, "enrollment.created", target_type="enrollment", target_id=enrollment.id,
                 target_label=f"{actor.email} in {course.title}",
                 after={"course": course.title, "learner": actor.email, "source": "self", "run": retake + 1})
    return enrollment


def _enrolling_course(session: Session, actor: Actor, course_id: int) -> Course:
    require(actor, None)
    course = get_course(session, actor, course_id)
    if not can_author(session, actor, course):
        raise PermissionDenied("Only the course's instructors can enroll people.")
    if course.visibility == "draft":
        raise Invalid("Publish the course before enrolling people.")
    if course.visibility == "archived":
        raise Invalid("This course is archived: it takes no new enrollments.")
    return course


def _enroll(session: Session, actor: Actor, course: Course, user_ids: set[int], source: str, now: datetime,
            *, group_id: int | None = None, label: str = "") -> EnrollCounts:
    users = session.exec(select(User).where(User.id.in_(user_ids or [0]), User.org_id == actor.org_id)).all()
    if len(users) != len(user_ids):
        raise NotFound("Some of those people do not exist.")
    eligible = {u.id: u for u in users if u.is_active and not u.pending_approval}
    already = 0
    for user_id in list(eligible):
        if expire_if_due(session, active_enrollment(session, course.id, user_id), now) is not None:
            already += 1
            del eligible[user_id]
    runs = [new_run(session, course, uid, source, now, by=actor.user_id, group_id=group_id) for uid in sorted(eligible)]
    session.add_all(runs)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("Someone enrolled some of these people at the same moment: try again.") from None
    if runs:
        audit.record(session, actor, "enrollment.created", target_type="course", target_id=course.id, target_label=course.title,
                     after={"course": course.title, "source": source, "via": label or None,
                            "learners": [eligible[r.user_id].email for r in runs]})
    return EnrollCounts(len(runs), already, len(users) - len(eligible) - already)


@dataclass
class EnrollOptions:
    """What a course's staff may enroll: people not in the course now, groups, departments."""
    people: list[tuple[int, str, str]]  # (id, name, email), matching the search
    groups: list[tuple[int, str]]
    departments: list[tuple[int, str]]  # (id, path "Sales / Retail Stores")


def enroll_options(session: Session, actor: Actor, course_id: int, query: str = "", *, limit: int = 8) -> EnrollOptions:
    """For the roster's "Enroll" dialog: the course's staff search the organization's people
    (those with an active run are left out) and pick groups or departments."""
    course = _enrolling_course(session, actor, course_id)
    words = (query or "").strip().lower()[:100]
    people: list[tuple[int, str, str]] = []
    if words:
        pattern = f"%{words}%"
        enrolled = select(Enrollment.user_id).where(Enrollment.course_id == course.id, Enrollment.status == "active")
        people = [tuple(row) for row in session.exec(
            select(User.id, User.name, User.email).where(
                User.org_id == actor.org_id, User.is_active, User.pending_approval.is_(False), User.id.not_in(enrolled),
                func.lower(User.name).like(pattern) | func.lower(User.email).like(pattern),
            ).order_by(func.lower(User.name)).limit(limit)).all()]
    groups = [tuple(row) for row in session.exec(select(Group.id, Group.name).where(Group.org_id == actor.org_id).order_by(func.lower(Group.name))).all()]
    departments = [(d_id, path) for d_id, _, _, path in department_outline(session, actor.org_id)]
    return EnrollOptions(people, groups, departments)


def enroll_users(session: Session, actor: Actor, course_id: int, user_ids: list[int], *, source: str = "instructor",
                 now: datetime | None = None) -> EnrollCounts:
    """Enroll people (source "instructor" or "import"); those with an active run are skipped."""
    course = _enrolling_course(session, actor, course_id)
    if source not in ("instructor", "import"):
        raise Invalid("Unknown enrollment source.")
    wanted = {int(u) for u in user_ids}
    if not wanted:
        raise Invalid("Choose at least one person to enroll.")
    return _enroll(session, actor, course, wanted, source, now or utcnow())


def enroll_group(session: Session, actor: Actor, course_id: int, group_id: int, *, now: datetime | None = None) -> EnrollCounts:
    """Enroll every member of a group (remembered as the run's source)."""
    course = _enrolling_course(session, actor, course_id)
    group = session.get(Group, int(group_id)) if group_id else None
    if group is None or group.org_id != actor.org_id:
        raise NotFound("That group does not exist.")
    members = set(session.exec(select(GroupMember.user_id).where(GroupMember.group_id == group.id)).all())
    if not members:
        raise Invalid(f"“{group.name}” has no members yet.")
    return _enroll(session, actor, course, members, "group", now or utcnow(), group_id=group.id, label=group.name)


def enroll_department(session: Session, actor: Actor, course_id: int, department_id: int, *, include_subdepartments: bool = True,
                      now: datetime | None = None) -> EnrollCounts:
    """Enroll the people of a department (and, by default, of the departments below it)."""
    course = _enrolling_course(session, actor, course_id)
    dept = session.get(Department, int(department_id)) if department_id else None
    if dept is None or dept.org_id != actor.org_id:
        raise NotFound("That department does not exist.")
    dept_ids = descendant_ids(session, actor.org_id, dept.id) if include_subdepartments else {dept.id}
    people = set(session.exec(select(User.id).where(User.org_id == actor.org_id, User.department_id.in_(dept_ids))).all())
    if not people:
        raise Invalid(f"Nobody is in “{dept.name}” yet.")
    return _enroll(session, actor, course, people, "department", now or utcnow(), label=dept.name)


# --- bulk enrollment from a CSV file ---------------------------------------------------------

@dataclass
class BulkRow:
    line: int
    email: str
    name: str  # the person's, when the email is someone's
    outcome: str  # "enroll" | "already" (an active run: left as is) | "error"
    problem: str = ""
    user_id: int | None = None


@dataclass
class BulkPreview:
    rows: list[BulkRow]
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.file_errors and self.count("error") == 0

    def messages(self) -> list[str]:
        return self.file_errors + [f"line {r.line}: {r.problem}" for r in self.rows if r.outcome == "error"]


def _person_problem(user: User | None) -> str:
    if user is None:
        return "nobody in the organization has this email"
    if not user.is_active:
        return f"{user.name}'s account is deactivated"
    if user.pending_approval:
        return f"{user.name}'s registration awaits approval"
    return ""


def _check_bulk(session: Session, actor: Actor, course: Course, csv_text: str, now: datetime) -> BulkPreview:
    header, raw_rows, file_errors = read_csv(csv_text, BULK_COLUMNS, BULK_COLUMNS)
    emails = sorted({normalize_email(raw.get("email", "")) for _, raw in raw_rows} - {""})
    people: dict[str, User] = {}
    for batch in in_batches(emails, 500):
        people.update((u.email, u) for u in session.exec(select(User).where(User.org_id == actor.org_id, User.email.in_(batch))).all())
    taking: set[int] = set()  # an active run whose access has not ended
    for batch in in_batches([u.id for u in people.values()], 500):
        taking.update(session.exec(select(Enrollment.user_id).where(
            Enrollment.course_id == course.id, Enrollment.status == "active", Enrollment.user_id.in_(batch),
            or_(Enrollment.expires_at.is_(None), Enrollment.expires_at > now))).all())
    first_line: dict[str, int] = {}
    rows: list[BulkRow] = []
    for line, raw in raw_rows:
        email = normalize_email(raw.get("email", ""))
        user = people.get(email)
        problem = email_problem(email, line, first_line) or _person_problem(user)
        if raw.get(EXTRA_VALUES):
            problem = EXTRA_VALUES_PROBLEM
        outcome = "error" if problem else ("already" if user.id in taking else "enroll")
        rows.append(BulkRow(line, email, user.name if user else "", outcome, problem, user.id if user else None))
    return BulkPreview(rows, file_errors, [h for h in header if h and h not in BULK_COLUMNS])


def preview_bulk_enrollment(session: Session, actor: Actor, course_id: int, csv_text: str, *, now: datetime | None = None) -> BulkPreview:
    """Read a CSV of emails (a header line naming the `email` column; other columns are
    ignored) and say, row by row, who will be enrolled, who already is and what is wrong.
    Nothing is saved. Who may: the same as `enroll_users`."""
    course = _enrolling_course(session, actor, course_id)
    return _check_bulk(session, actor, course, csv_text, now or utcnow())


def bulk_enroll(session: Session, actor: Actor, course_id: int, csv_text: str, *, now: datetime | None = None) -> EnrollCounts:
    """Enroll everyone in the file (source "import"), or nobody when any row is wrong (raises
    Invalid saying how many rows need fixing). The file is checked again: people may have
    been deactivated or enrolled since the preview."""
    course = _enrolling_course(session, actor, course_id)
    now = now or utcnow()
    preview = _check_bulk(session, actor, course, csv_text, now)
    if not preview.ok:
        wrong = preview.count("error")
        what = f"{wrong} row{'s' if wrong != 1 else ''} need{'s' if wrong == 1 else ''} fixing" if wrong else "the file needs fixing"
        raise Invalid(f"Nobody was enrolled: {what} ({problems_summary(preview.messages())}).")
    return _enroll(session, actor, course, {r.user_id for r in preview.rows}, "import", now, label="CSV file")


def unenroll(session: Session, actor: Actor, enrollment_id: int, reason: str = "", *, now: datetime | None = None) -> Enrollment:
    """Withdraw an active run: it stays as history (status "withdrawn") with its progress."""
    require(actor, None)
    enrollment = session.get(Enrollment, int(enrollment_id)) if enrollment_id else None
    if enrollment is None or enrollment.org_id != actor.org_id:
        raise NotFound("That enrollment does not exist.")
    course = session.get(Course, enrollment.course_id)
    own = enrollment.user_id == actor.user_id and enrollment.source == "self"
    if not own and not can_author(session, actor, course):
        if enrollment.user_id == actor.user_id:
            raise PermissionDenied("You were enrolled by the course's staff: ask them to withdraw you.")
        raise NotFound("That enrollment does not exist.")
    if enrollment.status != "active":
        raise Conflict("This enrollment is no longer active.")
    enrollment.status = "withdrawn"
    enrollment.ended_at = now or utcnow()
    session.add(enrollment)
    session.flush()
    live_sessions.release_places(session, enrollment.user_id, enrollment.course_id, now=enrollment.ended_at)
    user = session.get(User, enrollment.user_id)
    audit.record(session, actor, "enrollment.withdrawn", target_type="enrollment", target_id=enrollment.id,
                 target_label=f"{user.email if user else enrollment.user_id} in {course.title}",
                 before={"status": "active"}, after={"status": "withdrawn", "reason": (reason or "").strip()[:500]})
    return enrollment


def expire_due(session: Session, now: datetime | None = None) -> int:
    """For the job runner: active runs whose access ended become expired. Returns how many."""
    now = now or utcnow()
    due = session.exec(select(Enrollment).where(
        Enrollment.status == "active", Enrollment.expires_at.is_not(None), Enrollment.expires_at <= now).order_by(Enrollment.id)).all()
    for enrollment in due:
        _expire(session, enrollment)
    return len(due)


def follow_groups(session: Session, group_ids: list[int] | None = None, *, now: datetime | None = None) -> int:
    """For the job runner: a course enrolled through a group follows it, so members who joined
    since (and never had a run of that course) are enrolled too. Returns how many."""
    now = now or utcnow()
    pairs = select(Enrollment.course_id, Enrollment.source_group_id).where(
        Enrollment.source == "group", Enrollment.source_group_id.is_not(None)).distinct()
    if group_ids is not None:
        pairs = pairs.where(Enrollment.source_group_id.in_(group_ids or [0]))
    total = 0
    for course_id, group_id in session.exec(pairs).all():
        course, group = session.get(Course, course_id), session.get(Group, group_id)
        if course is None or group is None or course.visibility != "published":
            continue
        members = select(GroupMember.user_id).where(GroupMember.group_id == group_id)
        had_a_run = select(Enrollment.user_id).where(Enrollment.course_id == course_id)
        newcomers = session.exec(select(User).where(
            User.id.in_(members), User.id.not_in(had_a_run), User.is_active, User.pending_approval.is_(False)).order_by(User.id)).all()
        if not newcomers:
            continue
        session.add_all(new_run(session, course, u.id, "group", now, by=None, group_id=group_id) for u in newcomers)
        session.flush()
        audit.record(session, None, "enrollment.created", org_id=course.org_id, actor_label="Group enrollment",
                     target_type="course", target_id=course.id, target_label=course.title,
                     after={"course": course.title, "source": "group", "via": group.name, "learners": [u.email for u in newcomers]})
        total += len(newcomers)
    return total


def prune_key_failures(session: Session, now: datetime | None = None) -> int:
    """For the job runner: wrong enrollment keys older than a day no longer count. Returns how many were deleted."""
    cutoff = (now or utcnow()) - KEY_FAILURES_KEPT
    return session.execute(delete(EnrollmentKeyFailure).where(EnrollmentKeyFailure.at < cutoff)).rowcount


def list_enrollments(session: Session, actor: Actor, user_id: int | None = None) -> list[EnrollmentRow]:
    """Every run of a learner (the actor's own by default; someone else's needs
    "courses.manage"), newest first, with progress."""
    require(actor, None)
    user_id = actor.user_id if user_id is None else int(user_id)
    if user_id != actor.user_id:
        require(actor, "courses.manage")
    rows = session.exec(
        select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user_id, Enrollment.org_id == actor.org_id)
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
    ).all()
    percents = progress.percent_by_enrollment(session, [e for e, _ in rows])
    return [EnrollmentRow(e.id, c.id, c.title, e.status, e.source, e.enrolled_at, e.expires_at, e.completed_at,
                          percents.get(e.id, 0), e.last_activity_at) for e, c in rows]


def roster(session: Session, actor: Actor, course_id: int, *, statuses: tuple[str, ...] = ("active", "completed")) -> list[RosterRow]:
    """The course's learners for its staff: who, since when, progress, last activity."""
    return _roster_rows(session, staffed_course(session, actor, course_id), statuses)


def export_roster_csv(session: Session, actor: Actor, course_id: int) -> tuple[str, int]:
    """The roster as CSV for the course's staff (times in UTC), audited: it is personal data."""
    course = staffed_course(session, actor, course_id)

    def when(moment: datetime | None) -> str:
        return moment.isoformat(timespec="seconds") if moment else ""

    text, count = csv_text(list(ROSTER_COLUMNS), (
        [r.name, r.email, r.status, when(r.enrolled_at), r.percent, when(r.last_activity_at)]
        for r in _roster_rows(session, course, ("active", "completed"))))
    audit.record(session, actor, "roster.exported", target_type="course", target_id=course.id, target_label=course.title,
                 after={"course": course.title, "count": count})
    return text, count


def _roster_rows(session: Session, course: Course, statuses: tuple[str, ...]) -> list[RosterRow]:
    rows = session.exec(
        select(Enrollment, User).join(User, User.id == Enrollment.user_id)
        .where(Enrollment.course_id == course.id, Enrollment.status.in_(statuses))
        .order_by(User.name, User.id, Enrollment.enrolled_at)
    ).all()
    percents = progress.percent_by_enrollment(session, [e for e, _ in rows])
    return [RosterRow(e.id, u.id, u.name, u.email, e.status, e.source, e.enrolled_at, e.expires_at, e.completed_at,
                      percents.get(e.id, 0), e.last_activity_at) for e, u in rows]
