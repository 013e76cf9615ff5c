"""Compliance reminders, found by one scan of the open assignments and the certificates about
to expire, and sent as notifications (recurring job "compliance.reminders").

Every notice has a dedupe key that names what it is about (assignment, cycle, due date and
reminder day; overdue period; certificate; manager and week), so running the scan again, or
on two workers at once, sends nothing twice; a scan that crashes sends nothing at all (it runs
in its job's transaction) and the next run sends it. A changed due date starts new reminders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, union
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from lms_app.models import (Certificate, Course, DepartmentManager, GroupManager, LearningPath, Notification, Requirement,
                            RequirementAssignment, User, utcnow)
from lms_app.services import notifications, teams
from lms_app.services.notifications import Notice
from lms_app.services.due_dates import local_date

JOB_KIND = "compliance.reminders"
# Notices queued by one run; a fuller scan continues at once in a follow-up job (its own
# transaction), so one run never holds a huge transaction.
BATCH = 500
CERTIFICATE_NOTICE_DAYS = 30
DIGEST_LINES = 30
LEARNER_LINK = "/learn"
CERTIFICATES_LINK = "/learn/certificates"
MANAGER_LINK = "/teams"
_KEY_CHUNK = 500


@dataclass(frozen=True)
class _Open:
    """One open assignment, with what its reminders need."""

    assignment_id: int
    org_id: int
    user_id: int
    user_name: str
    tz: str
    cycle: int
    assigned_at: datetime
    due_on: date
    due_at: datetime
    reminder_days: tuple[int, ...]
    overdue_every_days: int
    title: str


@dataclass(frozen=True)
class RunResult:
    sent: int
    waiting: int


def run(session: Session, *, now: datetime | None = None, org_id: int | None = None, batch: int | None = None) -> RunResult:
    """Send every reminder that is due and not yet sent (at most `batch`; `waiting` says how
    many are left for the next run)."""
    now, batch = now or utcnow(), batch or BATCH
    notices = pending(session, now=now, org_id=org_id)
    notifications.notify_many(session, notices[:batch])
    return RunResult(min(len(notices), batch), max(0, len(notices) - batch))


def pending(session: Session, *, now: datetime, org_id: int | None = None) -> list[Notice]:
    """The notices that are due now and whose dedupe key was never used, most urgent first."""
    open_rows = _open_assignments(session, now, org_id)
    overdue = [row for row in open_rows if row.due_at <= now]
    candidates = [*_overdue_notices(overdue, now), *_due_notices(open_rows, now), *_certificate_notices(session, now, org_id)]
    candidates += _digest_notices(session, overdue, now, org_id)
    used = _used_keys(session, [n.dedupe_key for n in candidates])
    return [n for n in candidates if n.dedupe_key not in used]


# --- the scan ---------------------------------------------------------------------------------

def _open_assignments(session: Session, now: datetime, org_id: int | None) -> list[_Open]:
    """Current assignments nobody completed, exempted or removed, due before the furthest
    reminder day (with a day of slack for the time zones), and everything overdue."""
    reminder_lists = session.exec(select(Requirement.reminder_days).where(Requirement.retired_at.is_(None))).all()
    furthest = max((d for days in reminder_lists for d in _days(days)), default=0)
    query = (
        select(RequirementAssignment.id, RequirementAssignment.org_id, RequirementAssignment.user_id, User.name, User.timezone,
               RequirementAssignment.cycle, RequirementAssignment.assigned_at, RequirementAssignment.due_on,
               RequirementAssignment.due_at, Requirement.reminder_days, Requirement.overdue_every_days,
               func.coalesce(Course.title, LearningPath.title, ""))
        .join(Requirement, Requirement.id == RequirementAssignment.requirement_id)
        .join(User, User.id == RequirementAssignment.user_id)
        .join(Course, Course.id == Requirement.course_id, isouter=True)
        .join(LearningPath, LearningPath.id == Requirement.path_id, isouter=True)
        .where(RequirementAssignment.completed_at.is_(None), RequirementAssignment.exempt_at.is_(None),
               RequirementAssignment.removed_at.is_(None), Requirement.retired_at.is_(None), User.is_active.is_(True),
               RequirementAssignment.due_at <= now + timedelta(days=furthest + 2))
        .order_by(RequirementAssignment.due_at, RequirementAssignment.id)
    )
    if org_id is not None:
        query = query.where(RequirementAssignment.org_id == org_id)
    return [_Open(aid, org, uid, name, tz or "UTC", cycle, assigned_at, due_on, due_at, _days(days), max(0, every or 0), title)
            for aid, org, uid, name, tz, cycle, assigned_at, due_on, due_at, days, every, title in session.exec(query).all()]


def _days(value: object) -> tuple[int, ...]:
    """Reminder days as stored (JSON): whole, non-negative, largest first."""
    if not isinstance(value, list):
        return ()
    days = {int(d) for d in value if isinstance(d, (int, float)) and not isinstance(d, bool) and d >= 0}
    return tuple(sorted(days, reverse=True))


def _due_notices(rows: list[_Open], now: datetime) -> list[Notice]:
    """The latest reminder day reached before the due date (earlier days already passed are
    not sent late: one reminder says it all). Days that had passed when the person was
    assigned are skipped: the assignment notice told them the due date."""
    notices = []
    for row in rows:
        if row.due_at <= now or not row.reminder_days:
            continue
        today = local_date(now, row.tz)
        assigned = local_date(row.assigned_at, row.tz)
        days_left = (row.due_on - today).days
        reached = [d for d in row.reminder_days if days_left <= d and row.due_on - timedelta(days=d) > assigned]
        if not reached:
            continue
        day = min(reached)
        when = "today" if days_left <= 0 else "tomorrow" if days_left == 1 else f"in {days_left} days"
        notices.append(Notice(
            row.org_id, row.user_id, "requirement_due", f"“{row.title}” is due {when}",
            f"Complete “{row.title}” by the end of {show_day(row.due_on)}.", LEARNER_LINK,
            dedupe_key=f"requirement_due:{row.assignment_id}:{row.cycle}:{row.due_on.isoformat()}:{day}",
            essential=day == min(row.reminder_days)))
    return notices


def _overdue_notices(rows: list[_Open], now: datetime) -> list[Notice]:
    """The first notice when the due date has passed, then one every `overdue_every_days`
    (counted in the learner's calendar days; 0: only the first)."""
    notices = []
    for row in rows:
        days_over = max(1, (local_date(now, row.tz) - row.due_on).days)
        period = (days_over - 1) // row.overdue_every_days if row.overdue_every_days else 0
        since = "yesterday" if days_over == 1 else f"{days_over} days ago"
        notices.append(Notice(
            row.org_id, row.user_id, "requirement_overdue", f"“{row.title}” is overdue",
            f"“{row.title}” was due on {show_day(row.due_on)} ({since}). Please complete it as soon as you can.", LEARNER_LINK,
            dedupe_key=f"requirement_overdue:{row.assignment_id}:{row.cycle}:{row.due_on.isoformat()}:{period}", essential=period == 0))
    return notices


def _certificate_notices(session: Session, now: datetime, org_id: int | None) -> list[Notice]:
    """Certificates that expire within 30 days, are not revoked, were not replaced, and whose
    holder has not already earned a newer one for the same course or path."""
    newer = aliased(Certificate)
    same_training = or_(and_(Certificate.course_id.is_not(None), newer.course_id == Certificate.course_id),
                        and_(Certificate.path_id.is_not(None), newer.path_id == Certificate.path_id))
    superseded = select(newer.id).where(
        or_(newer.replaces_id == Certificate.id,
            and_(newer.user_id == Certificate.user_id, newer.issued_at > Certificate.issued_at, newer.revoked_at.is_(None), same_training)))
    query = (
        select(Certificate.id, Certificate.org_id, Certificate.user_id, Certificate.title, Certificate.expires_at, User.timezone)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.expires_at > now, Certificate.expires_at <= now + timedelta(days=CERTIFICATE_NOTICE_DAYS),
               Certificate.revoked_at.is_(None), User.is_active.is_(True), ~superseded.exists())
        .order_by(Certificate.expires_at, Certificate.id)
    )
    if org_id is not None:
        query = query.where(Certificate.org_id == org_id)
    notices = []
    for cert_id, org, user_id, title, expires_at, tz in session.exec(query).all():
        # A certificate expires when its last valid day ends (local midnight): show that day.
        last_day = local_date(expires_at - timedelta(microseconds=1), tz)
        notices.append(Notice(
            org, user_id, "certificate_expiring", f"Your certificate “{title}” expires soon",
            f"It is valid until the end of {show_day(last_day)}. Complete the training again before then to stay certified.",
            CERTIFICATES_LINK, dedupe_key=f"certificate_expiring:{cert_id}", essential=False))
    return notices


def _digest_notices(session: Session, overdue: list[_Open], now: datetime, org_id: int | None) -> list[Notice]:
    """One digest a week (ISO week in the manager's zone) for each manager whose team has
    overdue required training; managers who already got this week's digest are skipped."""
    if not overdue:
        return []
    by_user: dict[int, list[_Open]] = defaultdict(list)
    for row in overdue:
        by_user[row.user_id].append(row)
    manager_ids = union(select(DepartmentManager.user_id), select(GroupManager.user_id)).subquery()
    query = (select(User.id, User.org_id, User.timezone)
             .where(User.id.in_(select(manager_ids.c.user_id)), User.is_active.is_(True)).order_by(User.id))
    if org_id is not None:
        query = query.where(User.org_id == org_id)
    managers = [(uid, org, _digest_key(uid, now, tz)) for uid, org, tz in session.exec(query).all()]
    sent = _used_keys(session, [key for _, _, key in managers])
    notices = []
    for manager_id, org, key in managers:
        if key in sent:
            continue
        items = sorted((row for uid in teams.team_member_ids(session, manager_id) for row in by_user.get(uid, [])
                        if row.org_id == org), key=lambda r: (r.due_on, r.user_name, r.title))
        if items:
            notices.append(_digest(manager_id, org, key, items, now))
    return notices


def _digest_key(manager_id: int, now: datetime, tz: str | None) -> str:
    year, week, _ = local_date(now, tz).isocalendar()
    return f"manager_digest:{manager_id}:{year}-W{week:02d}"


def _digest(manager_id: int, org_id: int, key: str, items: list[_Open], now: datetime) -> Notice:
    people = len({row.user_id for row in items})
    lines = []
    for row in items[:DIGEST_LINES]:
        days_over = max(1, (local_date(now, row.tz) - row.due_on).days)
        lines.append(f"• {row.user_name}: “{row.title}”, due {show_day(row.due_on)} "
                     f"({days_over} day{'s' if days_over != 1 else ''} overdue)")
    if len(items) > DIGEST_LINES:
        lines.append(f"…and {len(items) - DIGEST_LINES} more on your team dashboard.")
    count = len(items)
    title = (f"{count} overdue required training{'s' if count != 1 else ''} in your team "
             f"({people} {'person' if people == 1 else 'people'})")
    return Notice(org_id, manager_id, "manager_digest", title, "\n".join(lines), MANAGER_LINK, dedupe_key=key, essential=False)


def _used_keys(session: Session, keys: list[str]) -> set[str]:
    used: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start:start + _KEY_CHUNK]
        used.update(session.exec(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk))).all())
    return used


def show_day(d: date) -> str:
    """'12 Dec 2026'."""
    return f"{d.day} {d:%b %Y}"

