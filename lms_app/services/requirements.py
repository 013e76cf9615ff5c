"""Required training: a course or learning path that an audience must complete by a due date.

A requirement's audience is a rule (a person, a group, a department with or without the
departments below it, a role, everyone), so it keeps applying: `sync` assigns whoever matches
it now and takes the duty off those who no longer do (their assignment stays as history). One
person's round of a requirement is an assignment (a cycle). A completion that stays valid for
`recert_months` opens a new cycle `recert_window_days` before it expires (recertification),
due on the last day it is valid; the old cycle stays as history.

A due date is a day in the learner's time zone (theirs, else the organization's); it is
overdue from the end of that day. Status of an assignment, first match wins: exempted;
completed (and not expired); overdue; in progress (work started); not started.

Who may: admins ("compliance.manage") for anyone; managers ("teams.view") for audiences inside
their team only (a person they manage, a group or a department they manage).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, insert, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from lms_app.models import (
    Certificate,
    Course,
    Department,
    Enrollment,
    ExternalTraining,
    Group,
    GroupManager,
    GroupMember,
    LearningPath,
    LearningPathCourse,
    Organization,
    PathEnrollment,
    Requirement,
    RequirementAssignment,
    Role,
    User,
    UserRole,
    utcnow,
)
from lms_app import live
from lms_app.services import (
    audit,
    certificates,
    enrollment,
    jobs,
    learning_paths,
    notifications,
    table_export,
    teams,
)
from lms_app.services.csv_export import in_batches
from lms_app.services.due_dates import add_months, end_of_day, local_date
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.groups import department_outline, descendant_ids
from lms_app.services.permissions import Actor, require

STATUSES = ("not_started", "in_progress", "completed", "overdue", "exempted")
STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "completed": "Completed", "overdue": "Overdue",
                 "exempted": "Exempted"}
AUDIENCES = {"user": "A person", "group": "A group", "department": "A department", "role": "A role", "everyone": "Everyone"}
DUE_MODES = {"fixed": "On a date", "after_assignment": "Days after being assigned", "after_hire": "Days after the hire date"}
TEAM_AUDIENCES = ("user", "group", "department")
MAX_DUE_DAYS = 3650
MAX_RECERT_MONTHS = 120
MAX_WINDOW_DAYS = 365
MAX_REMINDERS = 10
MAX_REASON = 500
PAGE_SIZE = 25
LEARNER_LINK = "/learn"
# The runner tells people about new assignments (payload: assignment ids, "assigned" and "recertification").
NOTIFY_JOB = "compliance.notify_assigned"
EXPORT_COLUMNS = ["Name", "Email", "Department", "Status", "Due date", "Completed on", "Valid until", "Exemption reason"]



# --- what a form sends, checked -----------------------------------------------------------------

@dataclass
class RequirementSpec:
    """A requirement as typed in its form. Numbers and dates may come as text: `_clean` reads
    them and says what is wrong."""

    course_id: int | None = None
    path_id: int | None = None
    audience: str = "everyone"
    audience_id: int | None = None
    include_subdepartments: bool = True
    due_mode: str = "after_assignment"
    due_on: date | str | None = None
    due_days: int | str | None = 30
    recert_months: int | str | None = None
    recert_window_days: int | str | None = 30
    reminder_days: list[int] | str = field(default_factory=lambda: [14, 3])
    overdue_every_days: int | str | None = 7


def _whole(value: Any, what: str, low: int, high: int, *, optional: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return None
        raise Invalid(f"Give the {what}.")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Invalid(f"The {what} must be a whole number.") from None
    if not low <= number <= high:
        raise Invalid(f"The {what} must be between {low} and {high}.")
    return number


def _reminders(value: list[int] | str) -> list[int]:
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value or [])
    days: set[int] = set()
    for part in parts:
        if isinstance(part, str) and not part.strip():
            continue
        try:
            day = int(str(part).strip())
        except ValueError:
            raise Invalid(f"Reminders are days before the due date, like “14, 3”: “{str(part).strip()}” is not a number.") from None
        if not 0 <= day <= MAX_DUE_DAYS:
            raise Invalid(f"A reminder must be between 0 and {MAX_DUE_DAYS} days before the due date.")
        days.add(day)
    if len(days) > MAX_REMINDERS:
        raise Invalid(f"Choose at most {MAX_REMINDERS} reminder days.")
    return sorted(days, reverse=True)


def _clean(session: Session, actor: Actor, spec: RequirementSpec) -> dict[str, Any]:
    """The requirement's columns from a form, or Invalid with the sentence to show."""
    if spec.audience not in AUDIENCES:
        raise Invalid("Choose who must complete it: a person, a group, a department, a role or everyone.")
    if spec.due_mode not in DUE_MODES:
        raise Invalid("Choose when it is due: on a date, or a number of days after being assigned or after the hire date.")
    out: dict[str, Any] = {"audience": spec.audience, "due_mode": spec.due_mode, "audience_id": None,
                           "include_subdepartments": bool(spec.include_subdepartments)}
    if spec.audience != "everyone":
        out["audience_id"] = _audience_target(session, actor, spec.audience, spec.audience_id)
    out["due_on"] = out["due_days"] = None
    if spec.due_mode == "fixed":
        if isinstance(spec.due_on, date):
            out["due_on"] = spec.due_on
        else:
            try:
                out["due_on"] = date.fromisoformat(str(spec.due_on or "").strip())
            except ValueError:
                raise Invalid("Give the due date, like 2026-03-31.") from None
    else:
        out["due_days"] = _whole(spec.due_days, "number of days until it is due", 1, MAX_DUE_DAYS)
    out["recert_months"] = _whole(spec.recert_months, "number of months a completion stays valid", 1, MAX_RECERT_MONTHS, optional=True)
    window = _whole(spec.recert_window_days, "number of days before expiry when recertification opens", 0, MAX_WINDOW_DAYS, optional=True)
    out["recert_window_days"] = 30 if window is None else window
    out["reminder_days"] = _reminders(spec.reminder_days)
    every = _whole(spec.overdue_every_days, "number of days between overdue reminders", 0, 365, optional=True)
    out["overdue_every_days"] = 0 if every is None else every
    return out


def _audience_target(session: Session, actor: Actor, audience: str, audience_id: Any) -> int:
    text = str(audience_id or "").strip()
    target = int(text) if text.isdigit() else 0
    model, missing = {"user": (User, "Choose the person."), "group": (Group, "Choose the group."),
                      "department": (Department, "Choose the department."), "role": (Role, "Choose the role.")}[audience]
    row = session.get(model, target) if target else None
    if row is None or row.org_id != actor.org_id:
        raise Invalid(missing)
    return target


# --- who may set what -------------------------------------------------------------------------

def _managed_group_ids(session: Session, manager_id: int) -> set[int]:
    return set(session.exec(select(GroupManager.group_id).where(GroupManager.user_id == manager_id)).all())


def _in_team(session: Session, actor: Actor, audience: str, audience_id: int | None) -> bool:
    """Whether a manager's team holds the whole audience (sub-departments of a managed department
    are managed too)."""
    if audience == "user":
        return audience_id in teams.team_member_ids(session, actor.user_id)
    if audience == "group":
        return audience_id in _managed_group_ids(session, actor.user_id)
    if audience == "department":
        return audience_id in teams.managed_department_ids(session, actor.user_id)
    return False


def _may_set(session: Session, actor: Actor, audience: str, audience_id: int | None) -> None:
    """Admins set requirements for anyone; managers for their team only."""
    require(actor, None)
    if actor.can("compliance.manage"):
        return
    require(actor, "teams.view")
    if not _in_team(session, actor, audience, audience_id):
        raise PermissionDenied("You can require training of your own team only: choose a person, a group or a department you manage.")


def _visible(session: Session, actor: Actor, req: Requirement, scope: str) -> bool:
    if scope == "all" and actor.can("compliance.manage"):
        return True
    return actor.can("teams.view") and _in_team(session, actor, req.audience, req.audience_id)


def _requirement(session: Session, actor: Actor, requirement_id: int, scope: str = "all") -> Requirement:
    """A requirement the actor may see and change (admins: all; managers: their team's)."""
    _scope(actor, scope)
    req = session.get(Requirement, int(requirement_id)) if requirement_id else None
    if req is None or req.org_id != actor.org_id or not _visible(session, actor, req, scope):
        raise NotFound("That requirement does not exist.")
    return req


def _scope(actor: Actor, scope: str) -> str:
    if scope == "all":
        require(actor, "compliance.manage")
    elif scope == "team":
        require(actor, "teams.view")
    else:
        raise Invalid("Unknown list of requirements.")
    return scope


# --- labels -----------------------------------------------------------------------------------

def _title(session: Session, req: Requirement) -> str:
    item = session.get(Course, req.course_id) if req.course_id else session.get(LearningPath, req.path_id)
    return item.title if item else "(deleted)"


def _audience_label(session: Session, req: Requirement) -> str:
    if req.audience == "everyone":
        return "Everyone"
    model = {"user": User, "group": Group, "department": Department, "role": Role}[req.audience]
    row = session.get(model, req.audience_id) if req.audience_id else None
    name = row.name if row else "(deleted)"
    if req.audience == "department":
        return f"{name} department" + (" and below" if req.include_subdepartments else " only")
    return {"user": name, "group": f"Group {name}", "role": f"Role {name}"}[req.audience]


def due_label(req: Requirement) -> str:
    if req.due_mode == "fixed":
        return f"By {show_day(req.due_on)}" if req.due_on else "—"
    days = f"{req.due_days} day{'s' if req.due_days != 1 else ''}"
    return f"{days} after being assigned" if req.due_mode == "after_assignment" else f"{days} after the hire date"


def recert_label(req: Requirement) -> str:
    if not req.recert_months:
        return "Once"
    return f"Every {req.recert_months} month{'s' if req.recert_months != 1 else ''}, opens {req.recert_window_days} days before expiry"


def reminder_label(req: Requirement) -> str:
    days = list(req.reminder_days or [])
    before = ", ".join(str(d) for d in days) + " days before" if days else "No reminder before"
    after = "overdue: once" if not req.overdue_every_days else f"overdue: every {req.overdue_every_days} days"
    return f"{before}; {after}"


def _snapshot(session: Session, req: Requirement) -> dict[str, Any]:
    return {"training": _title(session, req), "kind": "course" if req.course_id else "path", "audience": _audience_label(session, req),
            "due": due_label(req), "recertification": recert_label(req), "reminders": reminder_label(req)}


# --- create, change, retire ---------------------------------------------------------------------

def _training(session: Session, actor: Actor, course_id: Any, path_id: Any) -> tuple[int | None, int | None]:
    course_text, path_text = str(course_id or "").strip(), str(path_id or "").strip()
    if course_text.isdigit() and int(course_text):
        course = session.get(Course, int(course_text))
        if course is None or course.org_id != actor.org_id or course.visibility == "draft":
            raise Invalid("Choose a published course.")
        if course.visibility == "archived":
            raise Invalid(f"“{course.title}” is archived: it takes no new enrollments.")
        return course.id, None
    if path_text.isdigit() and int(path_text):
        path = session.get(LearningPath, int(path_text))
        if path is None or path.org_id != actor.org_id:
            raise Invalid("Choose a learning path.")
        if session.exec(select(func.count(LearningPathCourse.id)).where(LearningPathCourse.path_id == path.id)).one() == 0:
            raise Invalid(f"“{path.title}” has no course yet: add its courses first.")
        return None, path.id
    raise Invalid("Choose the course or learning path people must complete.")


def create_requirement(session: Session, actor: Actor, spec: RequirementSpec, *, now: datetime | None = None) -> Requirement:
    """Make a course or path required for an audience, and assign everyone in it now."""
    if not require(actor, None).can("compliance.manage"):
        require(actor, "teams.view")
    values = _clean(session, actor, spec)
    _may_set(session, actor, values["audience"], values["audience_id"])
    course_id, path_id = _training(session, actor, spec.course_id, spec.path_id)
    now = now or utcnow()
    req = Requirement(org_id=actor.org_id, course_id=course_id, path_id=path_id, created_by_id=actor.user_id, created_at=now,
                      updated_at=now, **values)
    session.add(req)
    session.flush()
    audit.record(session, actor, "requirement.created", target_type="requirement", target_id=req.id, target_label=_title(session, req),
                 after=_snapshot(session, req))
    sync(session, req.org_id, requirement_ids=[req.id], now=now)
    return req


def update_requirement(session: Session, actor: Actor, requirement_id: int, spec: RequirementSpec, *, scope: str = "all",
                       now: datetime | None = None) -> Requirement:
    """Change who must complete it, when it is due, recertification and reminders (the course or
    path stays: retire it and create another). Open assignments take the new due rule."""
    req = _requirement(session, actor, requirement_id, scope)
    if req.retired_at is not None:
        raise Conflict("This requirement is retired: create a new one.")
    values = _clean(session, actor, spec)
    _may_set(session, actor, values["audience"], values["audience_id"])
    before = _snapshot(session, req)
    for name, value in values.items():
        setattr(req, name, value)
    after = _snapshot(session, req)
    if before == after:
        return req
    now = now or utcnow()
    req.updated_at = now
    session.add(req)
    session.flush()
    audit.record(session, actor, "requirement.updated", target_type="requirement", target_id=req.id, target_label=after["training"],
                 before=before, after=after)
    sync(session, req.org_id, requirement_ids=[req.id], now=now)
    return req


def retire_requirement(session: Session, actor: Actor, requirement_id: int, *, scope: str = "all", now: datetime | None = None) -> int:
    """Stop requiring it: nobody is assigned any more, every assignment stays as history.
    Returns how many people it was taken off."""
    req = _requirement(session, actor, requirement_id, scope)
    if req.retired_at is not None:
        raise Conflict("This requirement is already retired.")
    now = now or utcnow()
    req.retired_at = req.updated_at = now
    session.add(req)
    removed = session.execute(update(RequirementAssignment).where(
        RequirementAssignment.requirement_id == req.id, RequirementAssignment.removed_at.is_(None)).values(removed_at=now)).rowcount
    audit.record(session, actor, "requirement.retired", target_type="requirement", target_id=req.id, target_label=_title(session, req),
                 before=_snapshot(session, req), after={"people": removed})
    return removed


# --- exemptions -------------------------------------------------------------------------------

def _current_assignment(session: Session, actor: Actor, assignment_id: int, scope: str) -> tuple[RequirementAssignment, Requirement, User]:
    _scope(actor, scope)
    row = session.get(RequirementAssignment, int(assignment_id)) if assignment_id else None
    if row is None or row.org_id != actor.org_id:
        raise NotFound("That assignment does not exist.")
    req = _requirement(session, actor, row.requirement_id, scope)
    later = session.exec(select(RequirementAssignment.id).where(
        RequirementAssignment.requirement_id == row.requirement_id, RequirementAssignment.user_id == row.user_id,
        RequirementAssignment.cycle > row.cycle)).first()
    if row.removed_at is not None or later is not None:
        raise Conflict("This is a past assignment: only the current one can change.")
    return row, req, session.get(User, row.user_id)


def exempt(session: Session, actor: Actor, assignment_id: int, reason: str, *, scope: str = "all",
           now: datetime | None = None) -> RequirementAssignment:
    """Excuse one person from one requirement, with the reason (kept with who decided)."""
    row, req, user = _current_assignment(session, actor, assignment_id, scope)
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise Invalid("Say why this person is exempted.")
    if len(reason) > MAX_REASON:
        raise Invalid(f"The reason must have at most {MAX_REASON} characters.")
    if row.exempt_at is not None:
        raise Conflict(f"{user.name} is already exempted.")
    row.exempt_at, row.exempt_reason, row.exempted_by_id = now or utcnow(), reason, actor.user_id
    session.add(row)
    session.flush()
    audit.record(session, actor, "requirement.exempted", target_type="requirement", target_id=req.id, target_label=_title(session, req),
                 after={"learner": user.email, "reason": reason, "cycle": row.cycle})
    _announce(session, req.org_id, [user.id])
    return row


def remove_exemption(session: Session, actor: Actor, assignment_id: int, *, scope: str = "all") -> RequirementAssignment:
    """The person must complete it again (by the same due date)."""
    row, req, user = _current_assignment(session, actor, assignment_id, scope)
    if row.exempt_at is None:
        raise Conflict(f"{user.name} is not exempted.")
    before = {"learner": user.email, "reason": row.exempt_reason, "cycle": row.cycle}
    row.exempt_at, row.exempt_reason, row.exempted_by_id = None, "", None
    session.add(row)
    session.flush()
    audit.record(session, actor, "requirement.exemption_removed", target_type="requirement", target_id=req.id,
                 target_label=_title(session, req), before=before, after={"learner": user.email})
    _announce(session, req.org_id, [user.id])
    return row


def _announce(session: Session, org_id: int, user_ids: Iterable[int]) -> None:
    """Open dashboards count again once this commits: these people's required training changed."""
    for user_id in sorted(set(user_ids)):
        live.announce(session, live.Change(org_id, user_id, None, "requirement_changed"))


# --- statuses -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignmentRow:
    assignment_id: int
    requirement_id: int
    requirement_title: str
    user_id: int
    user_name: str
    user_email: str
    department_name: str
    due_on: date
    due_at: datetime
    status: str
    completed_at: datetime | None
    expires_at: datetime | None
    exempt_reason: str
    cycle: int


def _status(now: datetime):
    """An assignment's status as SQL, so pages, counts and reports filter and group in the
    database. Work started: the run the assignment holds (or, for a path, a run of one of its
    courses since the assignment) saw activity."""
    path_courses = select(LearningPathCourse.course_id).where(LearningPathCourse.path_id == Requirement.path_id)
    started = exists().where(
        Enrollment.user_id == RequirementAssignment.user_id, Enrollment.last_activity_at.is_not(None),
        or_(Enrollment.id == RequirementAssignment.enrollment_id,
            and_(Requirement.path_id.is_not(None), Enrollment.course_id.in_(path_courses), Enrollment.last_activity_at >= RequirementAssignment.assigned_at)),
    )
    return case(
        (RequirementAssignment.exempt_at.is_not(None), "exempted"),
        (and_(RequirementAssignment.completed_at.is_not(None),
              or_(RequirementAssignment.expires_at.is_(None), RequirementAssignment.expires_at > now)), "completed"),
        (RequirementAssignment.due_at <= now, "overdue"),
        (started, "in_progress"),
        else_="not_started",
    )


def _current():
    """Not removed, and no later cycle: the person's duty now."""
    later = aliased(RequirementAssignment)
    return and_(RequirementAssignment.removed_at.is_(None), ~exists().where(
        later.requirement_id == RequirementAssignment.requirement_id, later.user_id == RequirementAssignment.user_id,
                                                          later.cycle > RequirementAssignment.cycle))


def _rows_query(now: datetime):
    status = _status(now).label("status")
    return select(
        RequirementAssignment.id, RequirementAssignment.requirement_id, func.coalesce(Course.title, LearningPath.title, ""),
        RequirementAssignment.user_id, User.name, User.email, func.coalesce(Department.name, ""), RequirementAssignment.due_on,
        RequirementAssignment.due_at, status, RequirementAssignment.completed_at, RequirementAssignment.expires_at,
        RequirementAssignment.exempt_reason, RequirementAssignment.cycle,
    ).join(Requirement, Requirement.id == RequirementAssignment.requirement_id).join(User, User.id == RequirementAssignment.user_id) \
        .join(Department, Department.id == User.department_id, isouter=True) \
        .join(Course, Course.id == Requirement.course_id, isouter=True) \
        .join(LearningPath, LearningPath.id == Requirement.path_id, isouter=True), status


def assignment_rows(session: Session, org_id: int, *, user_ids: Iterable[int] | None = None, requirement_id: int | None = None,
                    department_ids: Iterable[int] | None = None, now: datetime | None = None) -> list[AssignmentRow]:
    """Every current assignment of the organization (optionally of some people, one requirement,
    some departments), with its status: one query, whatever the number of people."""
    now = now or utcnow()
    query, _ = _rows_query(now)
    query = query.where(RequirementAssignment.org_id == org_id, _current())
    if requirement_id is not None:
        query = query.where(RequirementAssignment.requirement_id == requirement_id)
    if department_ids is not None:
        query = query.where(User.department_id.in_(list(department_ids)))
    if user_ids is None:
        return [AssignmentRow(*r) for r in session.exec(query.order_by(User.name, RequirementAssignment.requirement_id, RequirementAssignment.id)).all()]
    rows: list[AssignmentRow] = []
    for batch in in_batches(sorted(set(user_ids)), 5000):
        rows.extend(AssignmentRow(*r) for r in session.exec(query.where(RequirementAssignment.user_id.in_(batch))).all())
    return sorted(rows, key=lambda r: (r.user_name, r.requirement_id, r.assignment_id))


def _counts(session: Session, requirement_ids: list[int], now: datetime) -> dict[int, dict[str, int]]:
    status = _status(now)
    out: dict[int, dict[str, int]] = {rid: dict.fromkeys(STATUSES, 0) for rid in requirement_ids}
    if requirement_ids:
        for rid, value, n in session.exec(
            select(RequirementAssignment.requirement_id, status, func.count(RequirementAssignment.id))
            .join(Requirement, Requirement.id == RequirementAssignment.requirement_id)
            .where(RequirementAssignment.requirement_id.in_(requirement_ids), _current()).group_by(RequirementAssignment.requirement_id, status)
        ).all():
            out[rid][value] = n
    return out


# --- the pages' reading -------------------------------------------------------------------------

@dataclass(frozen=True)
class RequirementSummary:
    id: int
    title: str
    kind: str  # course | path
    audience: str
    due: str
    recertification: str
    reminders: str
    counts: dict[str, int]
    total: int
    retired: bool


def _summary(session: Session, req: Requirement, counts: dict[str, int]) -> RequirementSummary:
    return RequirementSummary(req.id, _title(session, req), "course" if req.course_id else "path", _audience_label(session, req),
                              due_label(req), recert_label(req), reminder_label(req), counts, sum(counts.values()), req.retired_at is not None)


def list_requirements(session: Session, actor: Actor, *, scope: str = "all", retired: bool = False,
                      now: datetime | None = None) -> list[RequirementSummary]:
    """The requirements (the team's, for scope "team"), by title, with how many people are in
    each status."""
    _scope(actor, scope)
    query = select(Requirement).where(Requirement.org_id == actor.org_id)
    query = query.where(Requirement.retired_at.is_not(None) if retired else Requirement.retired_at.is_(None))
    reqs = [r for r in session.exec(query.order_by(Requirement.id)).all() if _visible(session, actor, r, scope)]
    counts = _counts(session, [r.id for r in reqs], now or utcnow())
    return sorted((_summary(session, r, counts[r.id]) for r in reqs), key=lambda s: (s.title.lower(), s.id))


@dataclass(frozen=True)
class RequirementDetail:
    summary: RequirementSummary
    requirement: Requirement
    audience_name: str


def get_requirement(session: Session, actor: Actor, requirement_id: int, *, scope: str = "all",
                    now: datetime | None = None) -> RequirementDetail:
    req = _requirement(session, actor, requirement_id, scope)
    counts = _counts(session, [req.id], now or utcnow())[req.id]
    return RequirementDetail(_summary(session, req, counts), req, _audience_label(session, req))


def _people_query(session: Session, actor: Actor, requirement_id: int, scope: str, status: str, search: str, now: datetime):
    req = _requirement(session, actor, requirement_id, scope)
    if status and status not in STATUSES:
        raise Invalid("Unknown status.")
    query, status_col = _rows_query(now)
    query = query.where(RequirementAssignment.requirement_id == req.id, _current())
    if status:
        query = query.where(status_col == status)
    words = (search or "").strip()[:100]
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    return req, query


def requirement_people(session: Session, actor: Actor, requirement_id: int, *, scope: str = "all", status: str = "", search: str = "",
                       page: int = 1, page_size: int = PAGE_SIZE, now: datetime | None = None) -> tuple[list[AssignmentRow], int]:
    """One page of the people a requirement holds now (by name), under a status filter and a
    search on name or email, and how many match."""
    _, query = _people_query(session, actor, requirement_id, scope, status, search, now or utcnow())
    page_size = max(1, min(int(page_size), 100))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(User.name, User.id).offset((max(1, int(page)) - 1) * page_size).limit(page_size)).all()
    return [AssignmentRow(*r) for r in rows], total


def export_people(session: Session, actor: Actor, requirement_id: int, fmt: str, *, tz: str, scope: str = "all", status: str = "",
                  search: str = "", now: datetime | None = None) -> tuple[str | bytes, str, str]:
    """The filtered people table as CSV or Excel (dates in the viewer's zone), audited."""
    require(actor, "reports.export")
    req, query = _people_query(session, actor, requirement_id, scope, status, search, now or utcnow())

    rows = [[r.user_name, r.user_email, r.department_name, STATUS_LABELS[r.status], r.due_on.isoformat(),
             local_date(r.completed_at, tz).isoformat() if r.completed_at else "",
             valid_until(r.expires_at, tz).isoformat() if r.expires_at else "", r.exempt_reason]
            for r in (AssignmentRow(*x) for x in session.exec(query.order_by(User.name, User.id)).all())]
    return table_export.table_file(session, actor, f"Required training, {_title(session, req)}", EXPORT_COLUMNS, rows, fmt)


# --- choices for the form -------------------------------------------------------------------------

@dataclass(frozen=True)
class Choices:
    courses: list[tuple[int, str]]
    paths: list[tuple[int, str]]
    groups: list[tuple[int, str]]
    departments: list[tuple[int, str]]  # (id, "Sales / Retail Stores")
    roles: list[tuple[int, str]]  # empty for managers: a role reaches beyond a team
    everyone: bool


def choices(session: Session, actor: Actor, *, scope: str = "all") -> Choices:
    """What the "New requirement" form offers the actor: published courses, paths, and the
    audiences they may target."""
    _scope(actor, scope)
    admin = scope == "all"
    courses = [tuple(r) for r in session.exec(select(Course.id, Course.title).where(
        Course.org_id == actor.org_id, Course.visibility == "published").order_by(func.lower(Course.title))).all()]
    with_courses = select(LearningPathCourse.path_id)
    paths = [tuple(r) for r in session.exec(select(LearningPath.id, LearningPath.title).where(
        LearningPath.org_id == actor.org_id, LearningPath.id.in_(with_courses)).order_by(func.lower(LearningPath.title))).all()]
    group_query = select(Group.id, Group.name).where(Group.org_id == actor.org_id).order_by(func.lower(Group.name))
    if not admin:
        group_query = group_query.where(Group.id.in_(_managed_group_ids(session, actor.user_id) or [0]))
    managed = None if admin else teams.managed_department_ids(session, actor.user_id)
    departments = [(d_id, path) for d_id, _, _, path in department_outline(session, actor.org_id) if managed is None or d_id in managed]
    roles = [tuple(r) for r in session.exec(select(Role.id, Role.name).where(Role.org_id == actor.org_id).order_by(Role.name)).all()] if admin else []
    return Choices(courses, paths, [tuple(r) for r in session.exec(group_query).all()], departments, roles, admin)


def find_people(session: Session, actor: Actor, query: str, *, scope: str = "all", limit: int = 8) -> list[tuple[int, str, str]]:
    """Active people whose name or email holds the query (a manager finds their team only)."""
    _scope(actor, scope)
    words = (query or "").strip()[:100]
    if len(words) < 2:
        return []
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = select(User.id, User.name, User.email).where(
        User.org_id == actor.org_id, User.is_active.is_(True), User.pending_approval.is_(False),
        or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    if scope == "team":
        stmt = stmt.where(User.id.in_(teams.team_member_ids(session, actor.user_id) or {0}))
    return [tuple(r) for r in session.exec(stmt.order_by(User.name).limit(limit)).all()]


# --- assigning: the rules keep applying -----------------------------------------------------------

@dataclass
class _Current:
    id: int
    cycle: int
    assigned_at: datetime
    due_on: date
    due_at: datetime
    completed_at: datetime | None
    expires_at: datetime | None
    exempt_at: datetime | None
    removed_at: datetime | None

    def valid(self, now: datetime) -> bool:
        return self.completed_at is not None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class _Member:
    id: int
    email: str
    tz: str
    hire_date: date | None


@dataclass(frozen=True)
class _Completion:
    at: datetime
    via: str  # course | path | external
    enrollment_id: int | None = None
    certificate_id: int | None = None
    external_training_id: int | None = None
    expires_at: datetime | None = None


def _audience_filter(session: Session, req: Requirement, now: datetime):
    if req.audience == "user":
        return User.id == req.audience_id
    if req.audience == "group":
        return User.id.in_(select(GroupMember.user_id).where(GroupMember.group_id == req.audience_id))
    if req.audience == "department":
        ids = descendant_ids(session, req.org_id, req.audience_id) if req.include_subdepartments else {req.audience_id}
        return User.department_id.in_(ids)
    if req.audience == "role":
        return User.id.in_(select(UserRole.user_id).where(
            UserRole.role_id == req.audience_id, or_(UserRole.expires_at.is_(None), UserRole.expires_at > now)))
    return True


def _members(session: Session, req: Requirement, default_tz: str, user_ids: set[int] | None, now: datetime) -> dict[int, _Member]:
    query = select(User.id, User.email, User.timezone, User.hire_date).where(
        User.org_id == req.org_id, User.is_active.is_(True), User.pending_approval.is_(False), _audience_filter(session, req, now))
    out: dict[int, _Member] = {}
    for batch in ([None] if user_ids is None else in_batches(sorted(user_ids), 5000)):
        for uid, email, tz, hire in session.exec(query if batch is None else query.where(User.id.in_(batch))).all():
            out[uid] = _Member(uid, email, tz or default_tz, hire)
    return out


def _current_rows(session: Session, req: Requirement, user_ids: set[int] | None) -> dict[int, _Current]:
    """Each person's latest cycle of the requirement."""
    columns = ("user_id", "id", "cycle", "assigned_at", "due_on", "due_at", "completed_at", "expires_at", "exempt_at", "removed_at")
    query = select(*(getattr(RequirementAssignment, c) for c in columns)).where(RequirementAssignment.requirement_id == req.id) \
        .order_by(RequirementAssignment.user_id, RequirementAssignment.cycle)
    out: dict[int, _Current] = {}
    for batch in ([None] if user_ids is None else in_batches(sorted(user_ids), 5000)):
        for uid, *rest in session.exec(query if batch is None else query.where(RequirementAssignment.user_id.in_(batch))).all():
            out[uid] = _Current(*rest)
    return out


def _first_due(req: Requirement, member: _Member, assigned_at: datetime) -> date:
    """The due day of a first assignment: the fixed date, or N days after the assignment day or
    the hire date (the assignment day when nobody recorded the hire date)."""
    if req.due_mode == "fixed":
        return req.due_on
    start = member.hire_date if req.due_mode == "after_hire" and member.hire_date else local_date(assigned_at, member.tz)
    return start + timedelta(days=req.due_days or 0)


def _expiry(req: Requirement, completed_at: datetime, tz: str) -> datetime | None:
    """When a completion stops counting: the end of the day `recert_months` after it (None: never)."""
    if not req.recert_months:
        return None
    return end_of_day(add_months(local_date(completed_at, tz), req.recert_months), tz)


def _last_valid_day(expires_at: datetime, tz: str) -> date:
    # expires_at is the end of the last valid day (the next midnight): one instant before it is that day.
    return local_date(expires_at - timedelta(microseconds=1), tz)


def _completions(session: Session, req: Requirement, members: dict[int, _Member], user_ids: list[int]) -> dict[int, _Completion]:
    """Each person's latest completion of the requirement's course or path (approved training
    done elsewhere counts for a course), with when it stops counting."""
    found: dict[int, _Completion] = {}

    def keep(uid: int, completion: _Completion) -> None:
        if uid not in found or completion.at > found[uid].at:
            found[uid] = completion

    for batch in in_batches(user_ids, 5000):
        if req.course_id:
            runs = session.exec(select(Enrollment.user_id, Enrollment.id, Enrollment.completed_at).where(
                Enrollment.course_id == req.course_id, Enrollment.status == "completed", Enrollment.completed_at.is_not(None),
                Enrollment.user_id.in_(batch))).all()
            certs = dict(session.exec(select(Certificate.enrollment_id, func.max(Certificate.id)).where(
                Certificate.enrollment_id.in_([r[1] for r in runs] or [0]), Certificate.revoked_at.is_(None))
                .group_by(Certificate.enrollment_id)).all())
            for uid, run_id, at in runs:
                keep(uid, _Completion(at, "course", enrollment_id=run_id, certificate_id=certs.get(run_id)))
            for uid, ext_id, on in session.exec(select(ExternalTraining.user_id, ExternalTraining.id, ExternalTraining.completed_on).where(
                    ExternalTraining.course_id == req.course_id, ExternalTraining.status == "approved",
                    ExternalTraining.user_id.in_(batch))).all():
                keep(uid, _Completion(end_of_day(on, members[uid].tz), "external", external_training_id=ext_id))
        else:
            for uid, at in session.exec(select(PathEnrollment.user_id, PathEnrollment.completed_at).where(
                    PathEnrollment.path_id == req.path_id, PathEnrollment.status == "completed", PathEnrollment.completed_at.is_not(None),
                    PathEnrollment.user_id.in_(batch))).all():
                keep(uid, _Completion(at, "path"))
    return {uid: _Completion(c.at, c.via, c.enrollment_id, c.certificate_id, c.external_training_id, _expiry(req, c.at, members[uid].tz))
            for uid, c in found.items()}


@dataclass
class _New:
    member: _Member
    cycle: int
    recert: bool
    due_on: date
    completion: _Completion | None = None
    assignment_id: int | None = None


def sync(session: Session, org_id: int | None = None, *, user_ids: Iterable[int] | None = None,
         requirement_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Bring assignments in line with the requirements' audiences (idempotent; the recurring
    job "compliance.sync", and at once for people whose group, department, role or hire date
    changed). Returns how many assignments were created, removed or put back."""
    now = now or utcnow()
    query = select(Requirement).where(Requirement.retired_at.is_(None)).order_by(Requirement.id)
    if org_id is not None:
        query = query.where(Requirement.org_id == org_id)
    if requirement_ids is not None:
        query = query.where(Requirement.id.in_(list(requirement_ids) or [0]))
    wanted = None if user_ids is None else {int(u) for u in user_ids}
    zones: dict[int, str] = {}
    changes = 0
    for req in session.exec(query).all():
        if req.org_id not in zones:
            org = session.get(Organization, req.org_id)
            zones[req.org_id] = (org.default_timezone if org else "") or "UTC"
        changes += _sync_one(session, req, zones[req.org_id], wanted, now)
    return changes


def _sync_one(session: Session, req: Requirement, default_tz: str, user_ids: set[int] | None, now: datetime) -> int:
    members = _members(session, req, default_tz, user_ids, now)
    current = _current_rows(session, req, user_ids)
    left = [c.id for uid, c in current.items() if c.removed_at is None and uid not in members]
    back: list[int] = []
    new: list[_New] = []
    due_changes: list[dict[str, Any]] = []
    for uid, member in members.items():
        row = current.get(uid)
        if row is None:
            new.append(_New(member, 1, False, _first_due(req, member, now)))
        elif row.removed_at is not None:
            # Back in the audience: a completion still valid counts again; otherwise a fresh round.
            if row.valid(now):
                back.append(row.id)
            else:
                new.append(_New(member, row.cycle + 1, False, _first_due(req, member, now)))
        elif row.completed_at is not None and row.expires_at is not None and row.expires_at - timedelta(days=req.recert_window_days) <= now:
            new.append(_New(member, row.cycle + 1, True, _last_valid_day(row.expires_at, member.tz)))
        elif row.completed_at is None and row.exempt_at is None:
            # An open first round follows the rule as it is now (a changed due rule, hire date or time zone).
            due_on = _first_due(req, member, row.assigned_at) if row.cycle == 1 else row.due_on
            due_at = end_of_day(due_on, member.tz)
            if (due_on, due_at) != (row.due_on, row.due_at):
                due_changes.append({"id": row.id, "due_on": due_on, "due_at": due_at})
    for batch in in_batches(left, 1000):
        session.execute(update(RequirementAssignment).where(RequirementAssignment.id.in_(batch)).values(removed_at=now))
    for batch in in_batches(back, 1000):
        session.execute(update(RequirementAssignment).where(RequirementAssignment.id.in_(batch)).values(removed_at=None))
    if due_changes:
        session.execute(update(RequirementAssignment), due_changes)
    if new:
        _assign(session, req, new, current, now)
    if left or back or new:
        moved = set(left) | set(back)
        _announce(session, req.org_id, [*(n.member.id for n in new), *(uid for uid, c in current.items() if c.id in moved)])
        title = _title(session, req)
        emails = {uid: m.email for uid, m in members.items()}
        gone = dict(session.exec(select(RequirementAssignment.id, User.email).join(User, User.id == RequirementAssignment.user_id)
                                 .where(RequirementAssignment.id.in_(left or [0]))).all())
        audit.record(session, None, "requirement.assigned", org_id=req.org_id, actor_label="Required training", ip="",
                     target_type="requirement", target_id=req.id, target_label=title,
                     after={"training": title,
                            "assigned": sorted(n.member.email for n in new if not n.recert),
                            "recertification": sorted(n.member.email for n in new if n.recert),
                            "already_completed": sorted(n.member.email for n in new if n.completion is not None),
                            "removed": sorted(gone.values()),
                            "restored": sorted(emails[uid] for uid, c in current.items() if c.id in set(back))})
    return len(left) + len(back) + len(new)


def _assign(session: Session, req: Requirement, new: list[_New], current: dict[int, _Current], now: datetime) -> None:
    """Create the new cycles: a completion that still counts completes them at once; the others
    get a run of the course (or the path) and a notification."""
    completions = _completions(session, req, {n.member.id: n.member for n in new}, [n.member.id for n in new])
    for item in new:
        done = completions.get(item.member.id)
        previous = current.get(item.member.id)
        newer = done is not None and (previous is None or previous.completed_at is None or done.at > previous.completed_at)
        if newer and (done.expires_at is None or done.expires_at > now):
            item.completion = done
    runs = _runs_for(session, req, [n for n in new if n.completion is None], now)
    if req.path_id:
        # Courses done before can complete a path the moment someone is put on it.
        finished = {n.member.id: n for n in new if n.completion is None}
        for uid, done in _completions(session, req, {uid: n.member for uid, n in finished.items()}, sorted(finished)).items():
            if done.at >= now:
                finished[uid].completion = done
    values = []
    for item in new:
        done = item.completion
        row = {"org_id": req.org_id, "requirement_id": req.id, "user_id": item.member.id, "cycle": item.cycle, "assigned_at": now,
               "due_on": item.due_on, "due_at": end_of_day(item.due_on, item.member.tz), "completed_at": None, "satisfied_by": "",
               "expires_at": None, "enrollment_id": None, "path_enrollment_id": None, "certificate_id": None, "external_training_id": None}
        if done is not None:
            row |= {"completed_at": done.at, "satisfied_by": done.via, "expires_at": done.expires_at, "enrollment_id": done.enrollment_id,
                    "certificate_id": done.certificate_id, "external_training_id": done.external_training_id}
        else:
            row["enrollment_id"], row["path_enrollment_id"] = runs.get(item.member.id, (None, None))
        values.append(row)
    # Plain rows rather than model objects: thousands of new assignments are one statement.
    ids = session.execute(insert(RequirementAssignment).returning(RequirementAssignment.id, sort_by_parameter_order=True), values).scalars().all()
    for item, assignment_id in zip(new, ids):
        item.assignment_id = assignment_id
    to_tell = {kind: [n.assignment_id for n in new if n.completion is None and n.recert == (kind == "recertification")]
               for kind in ("assigned", "recertification")}
    if any(to_tell.values()):
        # Telling thousands of people takes a while: the runner does it after this transaction
        # commits (queued in it, so nobody is forgotten), and the page does not wait.
        jobs.enqueue(session, NOTIFY_JOB, to_tell)


def send_assignment_notices(session: Session, *, assigned: Iterable[int] = (), recertification: Iterable[int] = ()) -> int:
    """For the job runner: tell people about their new assignments ("requirement_assigned") and
    new recertification rounds ("recertification_required"). Assignments meanwhile completed,
    exempted or removed are skipped; the dedupe keys make a second run send nothing. Returns
    how many notices went out."""
    kinds = {int(a): "requirement_assigned" for a in assigned} | {int(a): "recertification_required" for a in recertification}
    notices: list[notifications.Notice] = []
    for batch in in_batches(sorted(kinds), 1000):
        rows = session.exec(
            select(RequirementAssignment.id, RequirementAssignment.org_id, RequirementAssignment.user_id, RequirementAssignment.due_on,
                   Requirement.course_id, func.coalesce(Course.title, LearningPath.title, ""))
            .join(Requirement, Requirement.id == RequirementAssignment.requirement_id)
            .join(Course, Course.id == Requirement.course_id, isouter=True)
            .join(LearningPath, LearningPath.id == Requirement.path_id, isouter=True)
            .where(RequirementAssignment.id.in_(batch), RequirementAssignment.completed_at.is_(None),
                   RequirementAssignment.exempt_at.is_(None), RequirementAssignment.removed_at.is_(None))
            .order_by(RequirementAssignment.id)).all()
        for assignment_id, org_id, user_id, due_on, course_id, title in rows:
            kind = kinds[assignment_id]
            if kind == "recertification_required":
                heading, body = f"Recertify: {title}", f"Your completion of “{title}” expires soon. Complete it again by {show_day(due_on)}."
            else:
                heading, body = f"Required: {title}", f"You are required to complete “{title}” by {show_day(due_on)}."
            notices.append(notifications.Notice(org_id, user_id, kind, heading, body, f"/learn/courses/{course_id}" if course_id else LEARNER_LINK,
                                                dedupe_key=f"{kind}:{assignment_id}"))
    return len(notifications.notify_many(session, notices))


def _runs_for(session: Session, req: Requirement, new: list[_New], now: datetime) -> dict[int, tuple[int | None, int | None]]:
    """user id -> (course run, path run) the assignment holds: the active run when there is one,
    else a new run (source "required"). A path run enrolls its courses through the paths."""
    if not new:
        return {}
    user_ids = [n.member.id for n in new]
    if req.path_id:
        path = session.get(LearningPath, req.path_id)
        return {uid: (None, learning_paths.enroll_in_path(session, path, uid, now=now).id) for uid in user_ids}
    course = session.get(Course, req.course_id)
    active: dict[int, int] = {}
    for batch in in_batches(user_ids, 5000):
        active.update(session.exec(select(Enrollment.user_id, Enrollment.id).where(
            Enrollment.course_id == course.id, Enrollment.status == "active", Enrollment.user_id.in_(batch))).all())
    starting = [uid for uid in user_ids if uid not in active]
    if starting and course.visibility == "published":
        runs = [enrollment.new_run(session, course, uid, "required", now, by=None) for uid in starting]
        session.add_all(runs)
        session.flush()
        active.update((r.user_id, r.id) for r in runs)
        emails = {n.member.id: n.member.email for n in new}
        audit.record(session, None, "enrollment.created", org_id=course.org_id, actor_label="Required training", ip="",
                     target_type="course", target_id=course.id, target_label=course.title,
                     after={"course": course.title, "source": "required", "learners": sorted(emails[r.user_id] for r in runs)})
    return {uid: (active.get(uid), None) for uid in user_ids}


# --- completions ------------------------------------------------------------------------------

def _open_current(user_id: int, course_id: int | None, path_id: int | None):
    of_training = Requirement.course_id == course_id if course_id else Requirement.path_id == path_id
    return select(RequirementAssignment.id, RequirementAssignment.requirement_id) \
        .join(Requirement, Requirement.id == RequirementAssignment.requirement_id).where(
        RequirementAssignment.user_id == user_id, of_training, Requirement.retired_at.is_(None), RequirementAssignment.completed_at.is_(None), _current())


def validity_months(session: Session, user_id: int, *, course_id: int | None = None, path_id: int | None = None) -> int | None:
    """How long a completion of this course or path stays valid for the person: the shortest
    recertification period of their current requirements for it (None: none expires)."""
    of_training = Requirement.course_id == course_id if course_id else Requirement.path_id == path_id
    return session.exec(select(func.min(Requirement.recert_months)).join(RequirementAssignment, RequirementAssignment.requirement_id == Requirement.id).where(
        RequirementAssignment.user_id == user_id, of_training, Requirement.retired_at.is_(None), Requirement.recert_months.is_not(None), _current())).one()


def record_completion(session: Session, user_id: int, *, course_id: int | None = None, path_id: int | None = None,
                      completed_at: datetime, via: str, certificate_id: int | None = None, external_training_id: int | None = None,
                      expires_at: datetime | None = None) -> int:
    """The person completed a course or path (or training elsewhere stands for a course): their
    open current assignments for it are satisfied. `expires_at` applies to the requirements that
    recertify; for the others once is enough. Returns how many."""
    if via not in ("course", "path", "external"):
        raise ValueError(f"unknown way of completing {via!r}")
    if not course_id and not path_id:
        raise ValueError("a completion is of a course or of a path")
    rows = session.exec(_open_current(user_id, course_id, path_id)).all()
    if not rows:
        return 0
    user = session.get(User, user_id)
    reqs = {r.id: r for r in session.exec(select(Requirement).where(Requirement.id.in_({rid for _, rid in rows}))).all()}
    for recertifies in (True, False):
        ids = [aid for aid, rid in rows if bool(reqs[rid].recert_months) == recertifies]
        if ids:
            session.execute(update(RequirementAssignment).where(RequirementAssignment.id.in_(ids)).values(
                completed_at=completed_at, satisfied_by=via, certificate_id=certificate_id, external_training_id=external_training_id,
                expires_at=expires_at if recertifies else None))
    for req in sorted(reqs.values(), key=lambda r: r.id):
        audit.record(session, None, "requirement.completed", org_id=req.org_id, actor_label="Required training", ip="",
                     target_type="requirement", target_id=req.id, target_label=_title(session, req),
                     after={"learner": user.email if user else str(user_id), "via": via, "completed_at": completed_at,
                            "expires_at": expires_at if req.recert_months else None})
    return len(rows)


def course_completed(session: Session, enrollment_run: Enrollment) -> None:
    """A course run completed (called by progress in the same transaction): its certificate is
    issued, valid as long as the person's requirements for the course ask; those requirements
    are satisfied; the learning paths holding the course move on."""
    completed_at = enrollment_run.completed_at or utcnow()
    months = validity_months(session, enrollment_run.user_id, course_id=enrollment_run.course_id)
    certificate = certificates.issue(session, user_id=enrollment_run.user_id, course_id=enrollment_run.course_id,
                                     enrollment_id=enrollment_run.id, issued_at=completed_at, valid_months=months)
    record_completion(session, enrollment_run.user_id, course_id=enrollment_run.course_id, completed_at=completed_at, via="course",
                      certificate_id=certificate.id, expires_at=certificate.expires_at)
    learning_paths.path_course_completed(session, enrollment_run, now=completed_at)


def viewer_zone(session: Session, actor: Actor) -> str:
    """The zone dates are shown in to this viewer."""
    user = session.get(User, actor.user_id)
    org = session.get(Organization, actor.org_id)
    return (user.timezone if user else "") or (org.default_timezone if org else "") or "UTC"


def show_day(day: date) -> str:
    """'31 Mar 2026': a due date, a completion day, the last valid day."""
    return f"{day.day} {day:%b %Y}"


def valid_until(expires_at: datetime, tz: str) -> date:
    """The last day a completion counts, in the zone (it expires at that day's end)."""
    return _last_valid_day(expires_at, tz)
