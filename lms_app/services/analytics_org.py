"""The admin's organization overview: active people, enrollments and completions over time,
the most and least completed courses, time spent by department and sign-in activity.

Everything is aggregated in the database (GROUP BY date buckets over the (org_id, at) and
(org_id, enrolled_at / completed_at) indexes); only a few hundred small rows come back.

Days are cut at midnight in the organization's default time zone (not each viewer's): every
admin then reads the same numbers for "27 Nov", and one cached result serves them all. Summer
time is honoured: the bucket expression applies the zone's UTC offset in force at each moment.
Ranges longer than WEEKLY_AFTER_DAYS are drawn per week (weeks start on Monday) except daily
active users, which stay daily.

Results are cached per organization and range (`dashboard_cache`); a change patches the
cheap parts (today's bucket of each series, the courses it touched, who was active) instead of
computing everything again. Time spent by department is not patched (lesson heartbeats are
not announced): it follows the cache's regular refresh.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import BigInteger, Integer, case, cast, distinct, extract, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, select

from lms_app import live
from lms_app.models import (ActivityEvent, AuditEvent, Course, Department, Enrollment, Group, Job, LessonProgress, Organization,
                            OutgoingEmail, User, utcnow)
from lms_app.models.jobs import JOB_DEAD, JOB_QUEUED
from lms_app.services import dashboard_cache, table_export, timefmt
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor, require

RANGE_DAYS = (7, 30, 90, 365)
# A custom range may span up to two years (a few hundred weekly buckets at most).
MAX_RANGE_DAYS = 731
WEEKLY_AFTER_DAYS = 92
# A course is ranked (most / least completed) only once this many people enrolled in the range:
# with fewer, one person more or less swings the rate too much to compare courses.
MIN_ENROLLMENTS_TO_RANK = 5
RANKED_COURSES = 5
NO_DEPARTMENT = "No department"
_EPOCH = date(1970, 1, 1)
_DAY_SECONDS = 86400


@dataclass(frozen=True)
class OrgFilters:
    """The last `days` days (today included), or the custom range `start`..`end` (both
    included, dates in the organization's zone) when both are given."""

    days: int = 30
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    zone: str
    bucket_days: int  # 1 (per day) or 7 (per week, Monday first)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self) -> tuple[datetime, datetime]:
        return _midnight(self.start, self.zone), _midnight(self.end + timedelta(days=1), self.zone)

    def buckets(self) -> list[date]:
        """The first day of every bucket in the range, in order (the first one may start
        before the range for weekly buckets)."""
        first = self.start - timedelta(days=self.start.weekday()) if self.bucket_days == 7 else self.start
        return [first + timedelta(days=i) for i in range(0, (self.end - first).days + 1, self.bucket_days)]


@dataclass(frozen=True)
class CourseCompletion:
    course_id: int
    title: str
    enrolled: int
    completed: int

    @property
    def rate(self) -> float:
        return self.completed / self.enrolled if self.enrolled else 0.0


@dataclass(frozen=True)
class ActiveUsers:
    today: int
    week: int  # the last 7 days, today included
    month: int  # the last 30 days, today included
    # Server-side only: each recently active person's last activity, so a change updates the
    # three counts by re-reading the people it names.
    last_seen: dict[int, datetime] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Accounts:
    """Standing figures read fresh on every open (cheap counts; jobs change without events)."""

    active_users: int
    inactive_users: int
    pending_approvals: int
    departments: int
    groups: int
    failed_logins_7d: int
    jobs_waiting: int
    jobs_dead: int
    emails_waiting: int


@dataclass(frozen=True)
class Trends:
    """What depends on the range (cached per organization and range)."""

    period: Period
    daily_active: list[tuple[date, int]]
    enrollments: list[tuple[date, int, int]]  # bucket, enrolled, completed
    courses: dict[int, CourseCompletion]  # every course with an enrollment in the range
    time_by_department: list[tuple[str, int]]  # department, seconds; most first
    logins: list[tuple[date, int, int]]  # bucket, successful, failed


@dataclass(frozen=True)
class OrgDashboard:
    period: Period
    active: ActiveUsers
    accounts: Accounts
    trends: Trends

    @property
    def most_completed(self) -> list[CourseCompletion]:
        return _ranked(self.trends.courses)[:RANKED_COURSES]

    @property
    def least_completed(self) -> list[CourseCompletion]:
        """The lowest rates, lowest first, never repeating a course already in the most completed."""
        ranked = _ranked(self.trends.courses)
        rest = ranked[RANKED_COURSES:]
        return list(reversed(rest[-RANKED_COURSES:]))

    @property
    def unranked_courses(self) -> int:
        return sum(1 for c in self.trends.courses.values() if c.enrolled < MIN_ENROLLMENTS_TO_RANK)


def _ranked(courses: dict[int, CourseCompletion]) -> list[CourseCompletion]:
    eligible = [c for c in courses.values() if c.enrolled >= MIN_ENROLLMENTS_TO_RANK]
    return sorted(eligible, key=lambda c: (-c.rate, -c.enrolled, c.title, c.course_id))


# --- the date bucket ---------------------------------------------------------------------

class _EpochSeconds(FunctionElement):
    """Seconds since 1970 of a UTC timestamp column, on SQLite and PostgreSQL alike."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(_EpochSeconds)
def _epoch_seconds(element, compiler, **kw):
    (column,) = element.clauses
    return compiler.process(cast(func.floor(extract("epoch", column)), BigInteger), **kw)


@compiles(_EpochSeconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    return compiler.process(cast(func.strftime(literal_column("'%s'"), column), Integer), **kw)


def _offsets(zone: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(from, offset seconds)] of the zone between two UTC instants: one entry, plus one per
    summer-time change in between (found day by day, then to the quarter hour)."""
    tz = timefmt.zone(zone)

    def offset(at: datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())

    changes = [(start, offset(start))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if offset(following) != changes[-1][1]:
            step = day
            while offset(step) == changes[-1][1]:
                step += timedelta(minutes=15)
            changes.append((step, offset(step)))
        day = following
    return changes


def bucket_of(column, period: Period):
    """The bucket number of a timestamp column: days since 1970 in the organization's zone,
    or weeks (Monday first) for weekly buckets. The one date-bucket expression of the page."""
    start, end = period.utc_bounds()
    offsets = _offsets(period.zone, start, end)
    if len(offsets) == 1:
        shift = offsets[0][1]
    else:
        shift = case(*[(column < at, previous) for (at, _), (_, previous) in zip(offsets[1:], offsets[:-1])], else_=offsets[-1][1])
    day = (_EpochSeconds(column) + shift) // _DAY_SECONDS
    # 1 Jan 1970 was a Thursday: three days on, weeks start on Mondays.
    return (day + 3) // 7 if period.bucket_days == 7 else day


def _bucket_date(number: int, period: Period) -> date:
    return _EPOCH + timedelta(days=number * 7 - 3 if period.bucket_days == 7 else number)


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=timefmt.zone(zone)).astimezone(timezone.utc)


def _grouped(session: Session, column, period: Period, where: Iterable, *measures) -> dict[date, tuple[int, ...]]:
    """{bucket's first day: measures} of the rows of `column`'s table in the range. The bucket is
    computed in a subquery so GROUP BY names a plain column (PostgreSQL would not recognise an
    expression carrying bound parameters as the same one in SELECT and GROUP BY)."""
    start, end = period.utc_bounds()
    inner = select(bucket_of(column, period).label("bucket"), *[m[1].label(m[0]) for m in measures]).where(
        *where, column >= start, column < end).subquery()
    aggregates = [m[2](inner.c[m[0]]) for m in measures]
    rows = session.exec(select(inner.c.bucket, *aggregates).group_by(inner.c.bucket).order_by(inner.c.bucket)).all()
    return {_bucket_date(int(r[0]), period): tuple(int(v or 0) for v in r[1:]) for r in rows}


def _count(name: str = "one"):
    return (name, literal_column("1"), func.count)


def _series(period: Period, found: dict[date, tuple[int, ...]], width: int) -> list[tuple]:
    return [(day, *found.get(day, (0,) * width)) for day in period.buckets()]


# --- the figures -------------------------------------------------------------------------

def period_of(filters: OrgFilters, zone: str, today: date) -> Period:
    """The range the filters name, checked (a clear message for a bad custom range)."""
    if filters.start is not None or filters.end is not None:
        if filters.start is None or filters.end is None:
            raise Invalid("Choose both the first and the last day of the range.")
        if filters.start > filters.end:
            raise Invalid("The first day must come before the last day.")
        if filters.start > today:
            raise Invalid("The range must start today or earlier.")
        start, end = filters.start, min(filters.end, today)
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise Invalid(f"Choose a range of at most {MAX_RANGE_DAYS} days.")
    else:
        if filters.days not in RANGE_DAYS:
            raise Invalid("Choose the last 7, 30, 90 or 365 days, or your own range.")
        start, end = today - timedelta(days=filters.days - 1), today
    days = (end - start).days + 1
    return Period(start, end, zone, 7 if days > WEEKLY_AFTER_DAYS else 1)


def _active_users(session: Session, org: int, zone: str, today: date) -> ActiveUsers:
    since = _midnight(today - timedelta(days=29), zone)
    rows = session.exec(select(ActivityEvent.user_id, func.max(ActivityEvent.at)).where(
        ActivityEvent.org_id == org, ActivityEvent.at >= since).group_by(ActivityEvent.user_id)).all()
    return _count_active({user_id: at for user_id, at in rows}, zone, today)


def _count_active(last_seen: dict[int, datetime], zone: str, today: date) -> ActiveUsers:
    day, week = _midnight(today, zone), _midnight(today - timedelta(days=6), zone)
    return ActiveUsers(sum(1 for at in last_seen.values() if at >= day), sum(1 for at in last_seen.values() if at >= week),
                       len(last_seen), last_seen)


def _patch_active(engine, org: int, zone: str, today: date, value: ActiveUsers, changes: list[live.Change]) -> ActiveUsers:
    people = sorted({c.user_id for c in changes})
    since = _midnight(today - timedelta(days=29), zone)
    with Session(engine) as session:
        rows = session.exec(select(ActivityEvent.user_id, func.max(ActivityEvent.at)).where(
            ActivityEvent.user_id.in_(people), ActivityEvent.org_id == org, ActivityEvent.at >= since).group_by(ActivityEvent.user_id)).all()
    return _count_active({**value.last_seen, **dict(rows)}, zone, today)


def _daily_active(session: Session, org: int, period: Period) -> list[tuple[date, int]]:
    daily = replace(period, bucket_days=1)
    found = _grouped(session, ActivityEvent.at, daily, [ActivityEvent.org_id == org],
                     ("person", ActivityEvent.user_id, lambda c: func.count(distinct(c))))
    return _series(daily, found, 1)


def _enrollments(session: Session, org: int, period: Period) -> list[tuple[date, int, int]]:
    enrolled = _grouped(session, Enrollment.enrolled_at, period, [Enrollment.org_id == org], _count())
    completed = _grouped(session, Enrollment.completed_at, period, [Enrollment.org_id == org], _count())
    return [(day, enrolled.get(day, (0,))[0], completed.get(day, (0,))[0]) for day in period.buckets()]


def _logins(session: Session, org: int, period: Period) -> list[tuple[date, int, int]]:
    ok = _grouped(session, ActivityEvent.at, period, [ActivityEvent.org_id == org, ActivityEvent.kind == "login"], _count())
    failed = _grouped(session, AuditEvent.at, period, [AuditEvent.org_id == org, AuditEvent.action == "login.failed"], _count())
    return [(day, ok.get(day, (0,))[0], failed.get(day, (0,))[0]) for day in period.buckets()]


def _courses(session: Session, org: int, period: Period, course_ids: list[int] | None = None) -> dict[int, CourseCompletion]:
    """Enrollments that started in the range, per course, and how many of them are completed."""
    start, end = period.utc_bounds()
    stmt = (select(Enrollment.course_id, Course.title, func.count(Enrollment.id),
                   func.sum(case((Enrollment.completed_at.is_not(None), 1), else_=0)))
            .join(Course, Course.id == Enrollment.course_id)
            .where(Enrollment.org_id == org, Enrollment.enrolled_at >= start, Enrollment.enrolled_at < end)
            .group_by(Enrollment.course_id, Course.title).order_by(Enrollment.course_id))
    if course_ids is not None:
        stmt = stmt.where(Enrollment.course_id.in_(course_ids))
    return {cid: CourseCompletion(cid, title, int(n), int(done or 0)) for cid, title, n, done in session.exec(stmt).all()}


def _time_by_department(session: Session, org: int, period: Period) -> list[tuple[str, int]]:
    """Seconds spent on lessons last worked on in the range, by the learner's department."""
    start, end = period.utc_bounds()
    rows = session.exec(
        select(Department.name, func.sum(LessonProgress.seconds_spent))
        .select_from(LessonProgress)
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Department, Department.id == User.department_id, isouter=True)
        .where(Enrollment.org_id == org, LessonProgress.last_seen_at >= start, LessonProgress.last_seen_at < end)
        .group_by(Department.id, Department.name)
        .order_by(Department.id)
    ).all()
    totals: dict[str, int] = {}
    for name, seconds in rows:
        if seconds:
            label = name or NO_DEPARTMENT
            totals[label] = totals.get(label, 0) + int(seconds)
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def _trends(session: Session, org: int, period: Period) -> Trends:
    return Trends(period, _daily_active(session, org, period), _enrollments(session, org, period), _courses(session, org, period),
                  _time_by_department(session, org, period), _logins(session, org, period))


def _replace_last(series: list[tuple], fresh: list[tuple]) -> list[tuple]:
    return series[:-1] + fresh[-1:] if series and fresh and series[-1][0] == fresh[-1][0] else series


def _patch_trends(engine, org: int, value: Trends, changes: list[live.Change]) -> Trends:
    """Re-read the range's last bucket (today, or this week) of each series and the courses the
    changes named (a course completed today moves the rate of the range's enrollments); changes
    happen now, so earlier buckets do not move."""
    period = value.period
    tail = replace(period, start=max(period.buckets()[-1], period.start))
    touched = sorted({c.course_id for c in changes if c.course_id is not None and c.kind in ("enrolled", "course_completed")})
    courses = {k: v for k, v in value.courses.items() if k not in touched}
    with Session(engine) as session:
        if touched:
            courses.update(_courses(session, org, period, touched))
        return replace(value, courses=courses,
                       daily_active=_replace_last(value.daily_active, _daily_active(session, org, replace(tail, start=period.end))),
                       enrollments=_replace_last(value.enrollments, _enrollments(session, org, tail)),
                       logins=_replace_last(value.logins, _logins(session, org, tail)))


def _accounts(session: Session, org: int, now: datetime) -> Accounts:
    week_ago = now - timedelta(days=7)

    def count(stmt) -> int:
        return session.exec(stmt).one() or 0

    return Accounts(
        active_users=count(select(func.count(User.id)).where(User.org_id == org, User.is_active.is_(True), User.pending_approval.is_(False))),
        inactive_users=count(select(func.count(User.id)).where(User.org_id == org, User.is_active.is_(False))),
        pending_approvals=count(select(func.count(User.id)).where(User.org_id == org, User.pending_approval.is_(True), User.is_active.is_(True))),
        departments=count(select(func.count(Department.id)).where(Department.org_id == org)),
        groups=count(select(func.count(Group.id)).where(Group.org_id == org)),
        failed_logins_7d=count(select(func.count(AuditEvent.id)).where(AuditEvent.org_id == org, AuditEvent.action == "login.failed",
                                                                       AuditEvent.at >= week_ago)),
        jobs_waiting=count(select(func.count(Job.id)).where(Job.status == JOB_QUEUED)),
        jobs_dead=count(select(func.count(Job.id)).where(Job.status == JOB_DEAD)),
        emails_waiting=count(select(func.count(OutgoingEmail.id)).where(OutgoingEmail.status == "queued")),
    )


def org_dashboard(session: Session, actor: Actor, filters: OrgFilters = OrgFilters(), *, now: datetime | None = None) -> OrgDashboard:
    """The organization overview for an admin ("admin.view"), over the range the filters name."""
    require(actor, "admin.view")
    org = actor.org_id
    zone = session.get(Organization, org).default_timezone or "UTC"
    now = now or utcnow()
    today = now.astimezone(timefmt.zone(zone)).date()
    period = period_of(filters, zone, today)
    # The patches outlive this call (the cache keeps them): they open their own session.
    engine = session.get_bind()
    active = dashboard_cache.cached(("org-active", org, zone, today), org, lambda: _active_users(session, org, zone, today),
                                    patch=functools.partial(_patch_active, engine, org, zone, today))
    trends = dashboard_cache.cached(("org-trends", org, period), org, lambda: _trends(session, org, period),
                                    patch=functools.partial(_patch_trends, engine, org))
    return OrgDashboard(period, active, _accounts(session, org, now), trends)


# --- tables: what each chart shows, for people and for files -------------------------------

@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    shown: list[list[str]]  # formatted for the page
    values: list[list]  # the same rows with plain numbers, for the CSV / Excel file


TABLE_KEYS = ("active", "enrollments", "courses", "time", "logins")


def tables(dash: OrgDashboard) -> dict[str, Table]:
    """Every chart's data table. A series with nothing in it has no rows (the page then says
    what will appear)."""
    period, t = dash.period, dash.trends
    bucket = "Week starting" if period.bucket_days == 7 else "Day"

    def dated(series: list[tuple], title: str, columns: list[str], daily: bool = False) -> Table:
        """The newest first: a reader looks for today before last month."""
        if not any(any(row[1:]) for row in series):
            return Table(title, columns, [], [])
        shown_period = replace(period, bucket_days=1) if daily else period
        newest_first = series[::-1]
        return Table(title, columns, [[day_label(row[0], shown_period), *(f"{v:,}" for v in row[1:])] for row in newest_first],
                     [[row[0].isoformat(), *row[1:]] for row in newest_first])

    courses = dash.most_completed + dash.least_completed[::-1]
    total_seconds = sum(seconds for _, seconds in t.time_by_department)
    return {
        "active": dated(t.daily_active, "Daily active users", ["Day", "Active users"], daily=True),
        "enrollments": dated(t.enrollments, "Enrollments and completions", [bucket, "Enrollments", "Completions"]),
        "courses": Table("Most and least completed courses", ["Course", "Enrolled", "Completed", "Rate"],
                         [[c.title, f"{c.enrolled:,}", f"{c.completed:,}", f"{c.rate:.0%}"] for c in courses],
                         [[c.title, c.enrolled, c.completed, round(c.rate * 100, 1)] for c in courses]),
        "time": Table("Time spent by department", ["Department", "Time spent", "Share"],
                      [[name, timefmt.time_spent(seconds), f"{seconds / total_seconds:.0%}"] for name, seconds in t.time_by_department],
                      [[name, round(seconds / 3600, 2), round(seconds / total_seconds * 100, 1)] for name, seconds in t.time_by_department]),
        "logins": dated(t.logins, "Sign-ins", [bucket, "Sign-ins", "Failed sign-ins"]),
    }


# The file's columns where its plain numbers differ from the page's words.
_FILE_COLUMNS = {"courses": ["Course", "Enrolled", "Completed", "Completion rate (%)"],
                 "time": ["Department", "Hours", "Share (%)"]}


def export_table(session: Session, actor: Actor, key: str, filters: OrgFilters, fmt: str) -> tuple[str | bytes, str, str]:
    """One of the overview's tables as a CSV or Excel file (content, file name, MIME type)."""
    if key not in TABLE_KEYS:
        raise Invalid("There is no such table.")
    dash = org_dashboard(session, actor, filters)
    table = tables(dash)[key]
    title = f"{table.title}, {period_label(dash.period)}"
    return table_export.table_file(session, actor, title, _FILE_COLUMNS.get(key, table.columns), table.values, fmt)


# --- for people --------------------------------------------------------------------------


def day_label(day: date, period: Period) -> str:
    """'27 Nov' (or 'Week of 23 Nov'); the year too when the range crosses one."""
    text = f"{day.day} {day:%b}" + (f" {day.year}" if period.start.year != period.end.year else "")
    return f"Week of {text}" if period.bucket_days == 7 else text


def period_label(period: Period) -> str:
    first, last = period.start, period.end
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
