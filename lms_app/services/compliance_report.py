"""Who is compliant: counts for the dashboards and the compliance report per requirement and
per department (compliant, overdue, due soon, expiring), with its people and its exports.

Statuses come from requirements.assignment_rows, so the report, the dashboards and the
requirement pages can never count differently.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from lms_app.models import Course, LearningPath, Requirement, utcnow
from lms_app.services import dashboard_cache, groups, requirements, table_export, teams, timefmt
from lms_app.services.errors import NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require
from lms_app.services.requirements import AssignmentRow
from lms_app.services.table_export import Table

# Due within this many days and not done yet: "due soon". Completed and lapsing within this
# many days: "expiring".
DUE_SOON_DAYS = 14
EXPIRING_DAYS = 30
NO_DEPARTMENT = "No department"
STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "completed": "Completed",
                 "overdue": "Overdue", "exempted": "Exempted"}


@dataclass
class Counts:
    """One line of the report: how an audience stands against its requirements."""

    label: str = ""
    assigned: int = 0
    completed: int = 0
    exempted: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    due_soon: int = 0
    expiring: int = 0

    @property
    def compliant(self) -> int:
        return self.completed + self.exempted

    @property
    def rate(self) -> float | None:
        return None if not self.assigned else 100.0 * self.compliant / self.assigned

    def add(self, row: AssignmentRow, now: datetime) -> None:
        self.assigned += 1
        setattr(self, row.status, getattr(self, row.status) + 1)
        if is_due_soon(row, now):
            self.due_soon += 1
        if is_expiring(row, now):
            self.expiring += 1


def is_due_soon(row: AssignmentRow, now: datetime) -> bool:
    return row.status in ("not_started", "in_progress") and row.due_at <= now + timedelta(days=DUE_SOON_DAYS)


def is_expiring(row: AssignmentRow, now: datetime) -> bool:
    return row.status == "completed" and row.expires_at is not None and now <= row.expires_at <= now + timedelta(days=EXPIRING_DAYS)


def tally(rows: Iterable[AssignmentRow], now: datetime, label: str = "") -> Counts:
    counts = Counts(label)
    for row in rows:
        counts.add(row, now)
    return counts


def counts_for(session: Session, org_id: int, user_ids: Collection[int] | None = None, *, now: datetime | None = None) -> Counts:
    """For dashboards that already checked who may see these people (a manager's team, an admin's
    organization): how their current requirements stand."""
    if user_ids is not None and not user_ids:
        return Counts()
    now = now or utcnow()
    return tally(requirements.assignment_rows(session, org_id, user_ids=user_ids, now=now), now)


# Changes that can move someone's status; the rest (scores, time spent) cannot.
STATUS_CHANGES = frozenset({"enrolled", "lesson_opened", "course_completed", "requirement_changed"})
# Statuses also move with the clock (a due date passes): cached counts last this long at most.
CLOCK_SECONDS = 300


def org_counts(session: Session, org_id: int, *, now: datetime | None = None) -> Counts:
    """counts_for the whole organization (the admin overview), kept in the dashboard cache and
    computed again only when a change could move a status, or the clock did."""
    now = now or utcnow()
    return dashboard_cache.cached(
        ("org-required", org_id, int(now.timestamp()) // CLOCK_SECONDS), org_id, lambda: counts_for(session, org_id, now=now),
        patch=lambda value, changes: None if any(c.kind in STATUS_CHANGES for c in changes) else value)


@dataclass(frozen=True)
class ReportFilters:
    requirement_id: int | None = None
    department_id: int | None = None
    # A status, "due_soon" or "expiring"; empty: everyone.
    status: str = ""


@dataclass
class ComplianceReport:
    by_requirement: list[Counts]
    by_department: list[Counts]
    people: list[AssignmentRow]
    total: Counts
    requirement_options: list[tuple[int, str]] = field(default_factory=list)
    department_options: list[tuple[int, str]] = field(default_factory=list)


def _scope(session: Session, actor: Actor) -> frozenset[int] | None:
    """None: the whole organization (compliance managers); otherwise the manager's people."""
    if actor.can("compliance.manage"):
        return None
    require(actor, "teams.view")
    return frozenset(teams.team_member_ids(session, actor.user_id))


def _matches(row: AssignmentRow, status: str, now: datetime) -> bool:
    if not status:
        return True
    if status == "due_soon":
        return is_due_soon(row, now)
    if status == "expiring":
        return is_expiring(row, now)
    return row.status == status


def report(session: Session, actor: Actor, filters: ReportFilters = ReportFilters(), *, now: datetime | None = None) -> ComplianceReport:
    """The compliance report for what the actor may see: per requirement, per department, and the
    people behind the figures (narrowed by the filters)."""
    now = now or utcnow()
    scope = _scope(session, actor)
    if filters.status and filters.status not in (*STATUS_LABELS, "due_soon", "expiring"):
        raise NotFound("That status is not one the report knows.")
    if filters.requirement_id is not None and session.exec(select(Requirement.id).where(
            Requirement.id == filters.requirement_id, Requirement.org_id == actor.org_id)).first() is None:
        raise NotFound("That requirement no longer exists.")
    departments = None
    if filters.department_id is not None:
        if scope is not None and filters.department_id not in _visible_departments(session, actor):
            raise PermissionDenied("You do not have permission to do that.")
        departments = groups.descendant_ids(session, actor.org_id, filters.department_id)
    rows = requirements.assignment_rows(session, actor.org_id, user_ids=scope, requirement_id=filters.requirement_id,
                                        department_ids=departments, now=now)
    by_requirement: dict[int, Counts] = {}
    by_department: dict[str, Counts] = {}
    total = Counts("All requirements")
    for row in rows:
        by_requirement.setdefault(row.requirement_id, Counts(row.requirement_title)).add(row, now)
        name = row.department_name or NO_DEPARTMENT
        by_department.setdefault(name, Counts(name)).add(row, now)
        total.add(row, now)
    people = sorted((r for r in rows if _matches(r, filters.status, now)),
                    key=lambda r: (r.status != "overdue", r.due_at, r.user_name.lower()))
    return ComplianceReport(
        by_requirement=sorted(by_requirement.values(), key=lambda c: c.label.lower()),
        by_department=sorted(by_department.values(), key=lambda c: (c.label == NO_DEPARTMENT, c.label.lower())),
        people=people, total=total,
        requirement_options=_requirement_options(session, actor.org_id),
        department_options=[(d, label) for d, label in _department_options(session, actor)],
    )


def _requirement_options(session: Session, org_id: int) -> list[tuple[int, str]]:
    """Every requirement by the title of what it requires (a course or a learning path)."""
    rows = session.exec(select(Requirement.id, Course.title, LearningPath.title)
                        .join(Course, Course.id == Requirement.course_id, isouter=True)
                        .join(LearningPath, LearningPath.id == Requirement.path_id, isouter=True)
                        .where(Requirement.org_id == org_id)).all()
    return sorted(((rid, course or path or "") for rid, course, path in rows), key=lambda o: o[1].lower())


def _department_options(session: Session, actor: Actor) -> list[tuple[int, str]]:
    visible = None if actor.can("compliance.manage") else _visible_departments(session, actor)
    return [(d, label) for d, _depth, _name, label in groups.department_outline(session, actor.org_id) if visible is None or d in visible]


def _visible_departments(session: Session, actor: Actor) -> set[int]:
    return teams.managed_department_ids(session, actor.user_id)


COUNT_COLUMNS = ["Assigned", "Compliant", "In progress", "Not started", "Overdue", f"Due in {DUE_SOON_DAYS} days",
                 f"Expiring in {EXPIRING_DAYS} days", "Compliance"]
PEOPLE_COLUMNS = ["Name", "Email", "Department", "Requirement", "Status", "Due", "Completed", "Expires", "Exemption reason"]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0f}%"


def counts_table(title: str, first_column: str, lines: list[Counts]) -> Table:
    values = [[c.label, c.assigned, c.compliant, c.in_progress, c.not_started, c.overdue, c.due_soon, c.expiring,
               None if c.rate is None else round(c.rate, 1)] for c in lines]
    shown = [[*(str(v) for v in row[:-1]), _percent(c.rate)] for row, c in zip(values, lines)]
    return Table(title, [first_column, *COUNT_COLUMNS], shown, values)


def people_table(rows: list[AssignmentRow], tz: str) -> Table:
    def on(moment: datetime | None) -> str:
        return timefmt.local_day(moment, tz, never="")

    values = [[r.user_name, r.user_email, r.department_name or NO_DEPARTMENT, r.requirement_title, STATUS_LABELS[r.status],
               r.due_on.isoformat(), on(r.completed_at), on(r.expires_at), r.exempt_reason] for r in rows]
    shown = [[*row[:5], timefmt.day(r.due_on), *row[6:]] for row, r in zip(values, rows)]
    return Table("Compliance: people", PEOPLE_COLUMNS, shown, values)


def export(session: Session, actor: Actor, table: Table, fmt: str) -> tuple[str | bytes, str, str]:
    """One of the report's tables as a file (audited); the table was built by report() for this actor."""
    require(actor, "reports.export")
    return table_export.table_file(session, actor, table.title, table.columns, table.values, fmt)
