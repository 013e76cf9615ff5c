"""The admin's organization overview: active people, enrollments and completions over time,
the most and least completed courses, time spent by department and sign-in activity.

Everything is aggregated in the database (GROUP BY date buckets over the (org_id, at) and
(org_id, enrolled_at / completed_at) indexes); only a few hundred small rows come back.

Days are cut at midnight in the organization's default time zone (not each viewer's): every
admin then reads the same numbers for "27 Nov", and one cached result serves them all. Summer
time is honoured: each bucket is the range of instants between two midnights of the zone.
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

from sqlalchemy import Integer, and_, case, column, distinct, func, values
from sqlmodel import Session, select

from lms_app import live
from lms_app.models import (ActivityEvent, AuditEvent, Course, Department, Enrollment, Group, Job, LessonProgress, Organization,
                            OutgoingEmail, User, utcnow)
from lms_app.models.base import UTCDateTime
from lms_app.models.jobs import JOB_DEAD, JOB_QUEUED
from lms_app.services import compliance_report, dashboard_cache, table_export, timefmt
from lms_app.services.compliance_report import Counts
from lms_app.services.table_export import Table
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
    required: Counts

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


# --- the date buckets --------------------------------------------------------------------

def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=timefmt.zone(zone)).astimezone(timezone.utc)


def _bounds(period: Period):
    """The range's buckets as a small table (number, first instant, end instant), UTC instants
    of midnight in the organization's zone (so summer time is honoured) clipped to the range.
    Rows are matched to a bucket by comparing their indexed timestamp with these bounds: no
    function of every row, and each bucket is one range of the (org_id, at) kind of index."""
    start, end = period.utc_bounds()
    firsts = period.buckets()
    edges = [start, *(_midnight(day, period.zone) for day in firsts[1:]), end]
    return values(column("bucket", Integer), column("lo", UTCDateTime()), column("hi", UTCDateTime()), name="bounds").data(
        [(i, lo, hi) for i, (lo, hi) in enumerate(zip(edges, edges[1:]))]).cte()


def _grouped(session: Session, at, period: Period, where: Iterable, *measures) -> dict[date, tuple[int, ...]]:
    """{bucket's first day: measures} of the rows of the timestamp column `at`'s table in the
    range, each measure an aggregate of that table's columns."""
    bounds = _bounds(period)
    start, end = period.utc_bounds()
    # The whole range again, as constants: it changes no row, but lets PostgreSQL estimate the
    # join from its statistics (without it, it guesses ten times the rows and spends a third
    # of a second compiling the query to machine code).
    rows = session.exec(select(bounds.c.bucket, *measures).select_from(bounds)
                        .join(at.table, and_(*where, at >= bounds.c.lo, at < bounds.c.hi, at >= start, at < end))
                        .group_by(bounds.c.bucket).order_by(bounds.c.bucket)).all()
    firsts = period.buckets()
    return {firsts[int(r[0])]: tuple(int(v or 0) for v in r[1:]) for r in rows}


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


def _last_seen(session: Session, org: int, zone: str, today: date, people: list[int] | None = None) -> dict[int, datetime]:
    """{person: last activity} of the organization's people active in the last 30 days. One
    look-up per person at the end of their (user_id, at) index range: far cheaper than grouping
    a month of the organization's activity by person. (A person's activity is recorded in
    their own organization.)"""
    since = _midnight(today - timedelta(days=29), zone)
    last = (select(func.max(ActivityEvent.at)).where(ActivityEvent.user_id == User.id, ActivityEvent.at >= since)
            .correlate(User).scalar_subquery())
    people_last = select(User.id.label("user_id"), last.label("at")).where(User.org_id == org)
    if people is not None:
        people_last = people_last.where(User.id.in_(people))
    seen = people_last.subquery()
    return dict(session.exec(select(seen.c.user_id, seen.c.at).where(seen.c.at.is_not(None))).all())


def _active_users(session: Session, org: int, zone: str, today: date) -> ActiveUsers:
    return _count_active(_last_seen(session, org, zone, today), zone, today)


def _count_active(last_seen: dict[int, datetime], zone: str, today: date) -> ActiveUsers:
    day, week = _midnight(today, zone), _midnight(today - timedelta(days=6), zone)
    return ActiveUsers(sum(1 for at in last_seen.values() if at >= day), sum(1 for at in last_seen.values() if at >= week),
                       len(last_seen), last_seen)


def _patch_active(engine, org: int, zone: str, today: date, value: ActiveUsers, changes: list[live.Change]) -> ActiveUsers:
    people = sorted({c.user_id for c in changes})
    with Session(engine) as session:
        seen = _last_seen(session, org, zone, today, people)
    return _count_active({**value.last_seen, **seen}, zone, today)


def _daily_active(session: Session, org: int, period: Period) -> list[tuple[date, int]]:
    daily = replace(period, bucket_days=1)
    found = _grouped(session, ActivityEvent.at, daily, [ActivityEvent.org_id == org], func.count(distinct(ActivityEvent.user_id)))
    return _series(daily, found, 1)


def _enrollments(session: Session, org: int, period: Period) -> list[tuple[date, int, int]]:
    enrolled = _grouped(session, Enrollment.enrolled_at, period, [Enrollment.org_id == org], func.count())
    completed = _grouped(session, Enrollment.completed_at, period, [Enrollment.org_id == org], func.count())
    return [(day, enrolled.get(day, (0,))[0], completed.get(day, (0,))[0]) for day in period.buckets()]


def _logins(session: Session, org: int, period: Period) -> list[tuple[date, int, int]]:
    ok = _grouped(session, ActivityEvent.at, period, [ActivityEvent.org_id == org, ActivityEvent.kind == "login"], func.count())
    failed = _grouped(session, AuditEvent.at, period, [AuditEvent.org_id == org, AuditEvent.action == "login.failed"], func.count())
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
    # Summed per enrollment first, so the database filters the progress rows by date alone and
    # joins only the enrollments worked on in the range; joining from the enrollments (by their
    # org_id index) would visit every progress row of the organization, ten times slower on M.
    spent = (select(LessonProgress.enrollment_id, func.sum(LessonProgress.seconds_spent).label("seconds"))
             .where(LessonProgress.last_seen_at >= start, LessonProgress.last_seen_at < end)
             .group_by(LessonProgress.enrollment_id).subquery())
    rows = session.exec(
        select(Department.name, func.sum(spent.c.seconds))
        .select_from(spent)
        .join(Enrollment, Enrollment.id == spent.c.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Department, Department.id == User.department_id, isouter=True)
        .where(Enrollment.org_id == org)
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
    """Every standing figure in one statement: one pass over the organization's people, the
    rest small counts (these are read on every open, warm ones included)."""
    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    def people(*where):
        return func.coalesce(func.sum(case((and_(*where), 1), else_=0)), 0)

    figures = {
        "active_users": people(User.is_active.is_(True), User.pending_approval.is_(False)),
        "inactive_users": people(User.is_active.is_(False)),
        "pending_approvals": people(User.pending_approval.is_(True), User.is_active.is_(True)),
        "departments": count(Department, Department.org_id == org),
        "groups": count(Group, Group.org_id == org),
        "failed_logins_7d": count(AuditEvent, AuditEvent.org_id == org, AuditEvent.action == "login.failed",
                                  AuditEvent.at >= now - timedelta(days=7)),
        "jobs_waiting": count(Job, Job.status == JOB_QUEUED),
        "jobs_dead": count(Job, Job.status == JOB_DEAD),
        "emails_waiting": count(OutgoingEmail, OutgoingEmail.status == "queued"),
    }
    row = session.exec(select(*figures.values()).select_from(User).where(User.org_id == org)).one()
    return Accounts(**{name: int(value or 0) for name, value in zip(figures, row)})


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
    return OrgDashboard(period, active, _accounts(session, org, now), trends, compliance_report.org_counts(session, org, now=now))


# --- tables: what each chart shows, for people and for files -------------------------------

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
