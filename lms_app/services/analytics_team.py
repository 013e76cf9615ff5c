"""A manager's "My teams" dashboard: their team's completion, scores, time and activity, and
one team member's record.

Scope: the people `teams.team_member_ids` gives for the signed-in manager, never anyone
else; a filter may narrow it to one unit they manage (a department with its sub-departments,
or a group), one course and a date range.

What the figures mean:
- Enrollments that count: active, completed and expired ones (withdrawn ones do not), enrolled
  before the end of the range. Completion rate = completed / enrollments that count, where
  completed means completed before the end of the range (a retake is a second enrollment).
- Average quiz score: the mean of the percent each quiz submission scored in the range (from
  the activity log's quiz_submitted events; attempts still awaiting a grader have no score
  yet and are left out). Every submission weighs the same.
- Time spent: the seconds spent in the lessons of the enrollments that count. Lesson time is
  not dated, so it is the time so far whatever the range.
- People: the team members in scope; with a course chosen, those enrolled in it.
- Active people: team members with any activity (sign-in, lesson, quiz, ...) in the range; with
  a course chosen, activity in that course.
- Activity over time: lessons completed and quizzes submitted per day (UTC days), per week
  (from Monday) when the range is longer than a month.

How it is computed: SQL aggregates over the scope, grouped per person and course, per person
and day, and per person (see `TeamFacts`), cached per manager and filters; a change by a team
member re-reads only that person's rows (`_patch`), and the course and person figures are
summed again from those small frames in pandas, once per version of the facts. The people
table is searched, sorted and paged here, so that a page of it is all the browser receives.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
from sqlalchemy import case, func
from sqlmodel import Session, select

from lms_app import db, live
from lms_app.models import ActivityEvent, Course, Department, Enrollment, GroupManager, GroupMember, Lesson, LessonProgress, User, utcnow
from lms_app.services import compliance_report, dashboard_cache, gradebook, groups, progress, table_export, teams
from lms_app.services.compliance_report import Counts
from lms_app.services.csv_export import in_batches
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

COUNTED_STATUSES = ("active", "completed", "expired")
PERIODS: dict[str, tuple[str, int | None]] = {
    "7d": ("Last 7 days", 7), "30d": ("Last 30 days", 30), "90d": ("Last 90 days", 90), "all": ("All time", None),
    "custom": ("Custom dates", None),
}
# Longer ranges are drawn per week.
DAILY_UP_TO_DAYS = 31
MAX_CUSTOM_DAYS = 3 * 366
RECENT_EVENTS = 20
_BATCH = 900


@dataclass(frozen=True)
class TeamFilters:
    unit: str = ""  # "": the whole team; "department:<id>" or "group:<id>": one unit the manager manages
    course_id: int | None = None
    period: str = "30d"  # a key of PERIODS
    start: date | None = None  # custom range: first day
    end: date | None = None  # custom range: last day (included)


@dataclass(frozen=True)
class Window:
    """The range in UTC: [start, end); None: open on that side (end: up to now)."""

    start: datetime | None
    end: datetime | None
    label: str


def window_of(filters: TeamFilters, today: date | None = None) -> Window:
    today = today or utcnow().date()
    if filters.period not in PERIODS:
        raise Invalid("Choose a date range from the list.")
    label, days = PERIODS[filters.period]
    if filters.period == "custom":
        if filters.start is None or filters.end is None:
            raise Invalid("Choose both the first and the last day.")
        if filters.start > filters.end:
            raise Invalid("The first day must come before the last day.")
        if (filters.end - filters.start).days > MAX_CUSTOM_DAYS:
            raise Invalid("Choose a range of at most three years.")
        return Window(_midnight(filters.start), _midnight(filters.end + timedelta(days=1)),
                      f"{_day_label(filters.start)} – {_day_label(filters.end)}")
    if days is None:
        return Window(None, None, label)
    return Window(_midnight(today - timedelta(days=days - 1)), None, label)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _day_label(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- scope --------------------------------------------------------------------------------------

def _parse_unit(unit: str) -> tuple[str, int] | None:
    if not unit:
        return None
    kind, _, raw = unit.partition(":")
    if kind not in ("department", "group") or not raw.isdigit():
        raise Invalid("Choose one of your teams from the list.")
    return kind, int(raw)


def scope_of(session: Session, actor: Actor, unit: str = "") -> frozenset[int]:
    """The team members a manager sees under the unit filter. A unit they do not manage is refused."""
    require(actor, "teams.view")
    team = teams.team_member_ids(session, actor.user_id)
    parsed = _parse_unit(unit)
    if parsed is None:
        return frozenset(team)
    kind, unit_id = parsed
    if kind == "department":
        if unit_id not in teams.managed_department_ids(session, actor.user_id):
            raise PermissionDenied("You do not manage that department.")
        depts = groups.descendant_ids(session, actor.org_id, unit_id)
        members = set(session.exec(select(User.id).where(User.department_id.in_(depts))).all())
    else:
        managed = session.exec(select(GroupManager.id).where(GroupManager.group_id == unit_id, GroupManager.user_id == actor.user_id)).first()
        if managed is None:
            raise PermissionDenied("You do not manage that group.")
        members = set(session.exec(select(GroupMember.user_id).where(GroupMember.group_id == unit_id)).all())
    return frozenset(members & team)


@dataclass
class TeamOptions:
    units: list[tuple[str, str]]  # (filter value, label)
    courses: list[tuple[int, str]]  # courses someone in the team is enrolled in


def filter_options(session: Session, actor: Actor) -> TeamOptions:
    require(actor, "teams.view")
    units = [(f"{u.kind}:{u.id}", f"{u.name} ({'department' if u.kind == 'department' else 'group'})")
             for u in teams.team_units(session, actor)]
    team = sorted(teams.team_member_ids(session, actor.user_id))
    course_ids: set[int] = set()
    for batch in in_batches(team, _BATCH):
        course_ids |= set(session.exec(select(Enrollment.course_id).where(
            Enrollment.user_id.in_(batch), Enrollment.status.in_(COUNTED_STATUSES)).distinct()).all())
    courses = session.exec(select(Course.id, Course.title).where(Course.id.in_(course_ids or [0])).order_by(Course.title, Course.id)).all()
    return TeamOptions(units, [(cid, title) for cid, title in courses])


# --- the cached facts -----------------------------------------------------------------------------

PERSON_COURSE_COLUMNS = ["user_id", "course_id", "enrollments", "completed", "completed_in_range", "seconds", "quiz_sum", "quiz_count"]
PERSON_DAY_COLUMNS = ["user_id", "day", "lessons", "quizzes", "events"]
PERSON_COLUMNS = ["user_id", "name", "email", "department", "last_at"]


@dataclass(frozen=True)
class TeamFacts:
    """Per person and course (enrollments, completions, time, quiz scores), per person and day
    (lessons completed, quizzes submitted, any activity), and per person (name, department, last
    activity): each a SQL aggregate over the scope, small enough to re-sum in pandas."""

    scope: frozenset[int]
    by_course: pd.DataFrame
    by_day: pd.DataFrame
    people: pd.DataFrame
    titles: dict[int, str] = field(default_factory=dict)
    # The figures and the people frame shaped from these facts, kept until a patch replaces them:
    # a warm open, or another page of the people table, only slices.
    shaped: dict = field(default_factory=dict, init=False, repr=False, compare=False)


def _day_column(session: Session, column):
    # UTC days on both databases (SQLite keeps UTC text; PostgreSQL converts to the session's zone).
    return func.date(func.timezone("UTC", column)) if db.is_postgres(session) else func.date(column)


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _read_facts(session: Session, user_ids: list[int], filters: TeamFilters, window: Window) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    conn = session.connection()
    by_course, scores, by_day, people = [], [], [], []
    completed_by_end = Enrollment.status == "completed"
    if window.end is not None:
        completed_by_end = completed_by_end & (Enrollment.completed_at < window.end)
    completed_in_range = completed_by_end if window.start is None else completed_by_end & (Enrollment.completed_at >= window.start)
    day = _day_column(session, ActivityEvent.at)
    # Correlated lookups through the (enrollment_id) and (user_id, at) indexes: a few rows each,
    # where PostgreSQL would otherwise hash-join or aggregate a scan of the whole table.
    seconds = (select(func.sum(LessonProgress.seconds_spent)).where(LessonProgress.enrollment_id == Enrollment.id)
               .correlate(Enrollment).scalar_subquery())
    last_at = select(func.max(ActivityEvent.at)).where(ActivityEvent.user_id == User.id).correlate(User).scalar_subquery()
    for batch in in_batches(user_ids, _BATCH):
        counted = [Enrollment.user_id.in_(batch), Enrollment.status.in_(COUNTED_STATUSES)]
        events = [ActivityEvent.user_id.in_(batch)]
        if filters.course_id is not None:
            counted.append(Enrollment.course_id == filters.course_id)
            events.append(ActivityEvent.course_id == filters.course_id)
        if window.end is not None:
            counted.append(Enrollment.enrolled_at < window.end)
            events.append(ActivityEvent.at < window.end)
        if window.start is not None:
            events.append(ActivityEvent.at >= window.start)
        by_course += conn.execute(
            select(Enrollment.user_id, Enrollment.course_id, func.count(Enrollment.id),
                   func.sum(case((completed_by_end, 1), else_=0)), func.sum(case((completed_in_range, 1), else_=0)),
                   func.sum(seconds))
            .where(*counted).group_by(Enrollment.user_id, Enrollment.course_id)).all()
        scores += conn.execute(
            select(ActivityEvent.user_id, ActivityEvent.course_id, func.sum(ActivityEvent.score), func.count(ActivityEvent.score))
            .where(*events, ActivityEvent.kind == "quiz_submitted", ActivityEvent.score.is_not(None))
            .group_by(ActivityEvent.user_id, ActivityEvent.course_id)).all()
        by_day += conn.execute(
            select(ActivityEvent.user_id, day, func.sum(case((ActivityEvent.kind == "lesson_completed", 1), else_=0)),
                   func.sum(case((ActivityEvent.kind == "quiz_submitted", 1), else_=0)), func.count(ActivityEvent.id))
            .where(*events).group_by(ActivityEvent.user_id, day)).all()
        people += conn.execute(
            select(User.id, User.name, User.email, func.coalesce(Department.name, ""), last_at)
            .join(Department, Department.id == User.department_id, isouter=True).where(User.id.in_(batch))).all()
    keys = ["user_id", "course_id"]
    facts = _frame(by_course, [*keys, "enrollments", "completed", "completed_in_range", "seconds"])
    facts = facts.merge(_frame(scores, [*keys, "quiz_sum", "quiz_count"]), on=keys, how="outer").fillna(0)
    facts = facts[PERSON_COURSE_COLUMNS].astype({c: "float64" if c == "quiz_sum" else "int64" for c in PERSON_COURSE_COLUMNS})
    days = _frame(by_day, PERSON_DAY_COLUMNS)
    days["day"] = pd.to_datetime(days["day"], format="ISO8601").dt.date
    persons = _frame(people, PERSON_COLUMNS)
    # SQLite gives naive text back through a bare MAX(): it is UTC.
    persons["last_at"] = pd.to_datetime(persons["last_at"], utc=True, format="ISO8601")
    # The people table's search and sort keys, made once per person (a patch: for those it re-reads).
    persons["name_key"] = persons["name"].str.lower()
    persons["department_key"] = persons["department"].str.lower().replace("", None)  # nobody's department sorts last
    persons["searched"] = (persons["name"] + "\n" + persons["email"] + "\n" + persons["department"]).str.lower()
    return facts, days, persons


def _titles(session: Session, course_ids, known: dict[int, str]) -> dict[int, str]:
    missing = [int(c) for c in set(course_ids) if int(c) not in known]
    if not missing:
        return known
    found = dict(session.exec(select(Course.id, Course.title).where(Course.id.in_(missing))).all())
    return {**known, **found}


def _compute(session: Session, scope: frozenset[int], filters: TeamFilters, window: Window) -> TeamFacts:
    by_course, by_day, people = _read_facts(session, sorted(scope), filters, window)
    return TeamFacts(scope, by_course, by_day, people, _titles(session, by_course["course_id"], {}))


def _patch(facts: TeamFacts, filters: TeamFilters, window: Window, changes: list[live.Change]) -> TeamFacts:
    """Re-read the rows of the team members the changes are about; the others' rows stay.
    Runs on a later read than the one that computed the facts: it opens its own session."""
    touched = sorted({c.user_id for c in changes} & facts.scope)
    if not touched:
        return facts
    with db.session_scope() as session:
        by_course, by_day, people = _read_facts(session, touched, filters, window)
        titles = _titles(session, by_course["course_id"], facts.titles)

    def swap(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
        kept = old[~old["user_id"].isin(touched)]
        return pd.concat([kept, new], ignore_index=True) if len(new) else kept.reset_index(drop=True)

    return replace(facts, by_course=swap(facts.by_course, by_course), by_day=swap(facts.by_day, by_day),
                   people=swap(facts.people, people), titles=titles)


# --- the dashboard ---------------------------------------------------------------------------------

@dataclass
class CourseRow:
    course_id: int
    title: str
    people: int
    enrollments: int
    completed: int
    completion_rate: float | None  # percent; None: no enrollment that counts
    average_score: float | None
    seconds: int


@dataclass
class PersonRow:
    user_id: int
    name: str
    email: str
    department: str
    courses: int
    enrollments: int
    completed: int
    completion_rate: float | None
    average_score: float | None
    seconds: int
    last_activity: datetime | None


# The people table's sort keys -> the column of the people frame (see `_people_frame`).
PEOPLE_SORTS = {"name": "name_key", "department": "department_key", "courses": "enrolled", "completed": "completed",
                "completion": "rate", "score": "score", "time": "seconds", "last": "last_at"}
PEOPLE_PER_PAGE = 25


@dataclass(frozen=True)
class PeopleQuery:
    """One page of the people table: searched (name, email, department) and sorted over the whole scope."""

    search: str = ""
    sort: str = "name"  # a key of PEOPLE_SORTS
    descending: bool = False
    page: int = 1  # from 1; past the last page: the last page
    per_page: int | None = PEOPLE_PER_PAGE  # None: every row (the export)


@dataclass
class PeoplePage:
    rows: list[PersonRow]
    matching: int  # people the search matches (all of the scope without a search)
    page: int
    pages: int


@dataclass
class ActivityPoint:
    start: date  # the day, or the Monday of the week
    lessons_completed: int
    quizzes_submitted: int
    active_people: int


@dataclass
class TeamDashboard:
    window: Window
    people: int
    enrollments: int
    completed: int
    completed_in_range: int
    completion_rate: float | None
    average_score: float | None
    seconds: int
    active_people: int
    courses: list[CourseRow]
    people_page: PeoplePage
    activity: list[ActivityPoint]
    weekly: bool
    # The team's required training (the unit filter applies; the course and date filters do not).
    required: Counts = field(default_factory=Counts)


def _rate(part: float, whole: float) -> float | None:
    return round(100.0 * float(part) / float(whole), 1) if whole else None


def _mean(total: float, count: float) -> float | None:
    return round(float(total) / float(count), 1) if count else None


def _activity(by_day: pd.DataFrame, window: Window, today: date) -> tuple[list[ActivityPoint], bool]:
    first = window.start.date() if window.start else (min(by_day["day"]) if len(by_day) else None)
    last = (window.end - timedelta(days=1)).date() if window.end else today
    if first is None or first > last:
        return [], False
    weekly = (last - first).days + 1 > DAILY_UP_TO_DAYS
    frame = by_day.copy()
    if weekly:
        frame["day"] = [d - timedelta(days=d.weekday()) for d in frame["day"]]
        first = first - timedelta(days=first.weekday())
    sums = frame.groupby("day")[["lessons", "quizzes"]].sum()
    active = frame[frame["events"] > 0].groupby("day")["user_id"].nunique()
    points, step, current = [], timedelta(days=7 if weekly else 1), first
    while current <= last:
        points.append(ActivityPoint(current, int(sums["lessons"].get(current, 0)), int(sums["quizzes"].get(current, 0)),
                                    int(active.get(current, 0))))
        current += step
    return points, weekly


_SUMMED = ["enrolled", "enrollments", "completed", "seconds", "quiz_sum", "quiz_count"]


def _with_enrolled(by_course: pd.DataFrame) -> pd.DataFrame:
    # One row per person and course: a row with enrollments is one person in the course.
    return by_course.assign(enrolled=(by_course["enrollments"] > 0).astype(int))


def _people_frame(facts: TeamFacts, *, one_course: bool) -> pd.DataFrame:
    """One row per person in scope with their sums, and the keys the table sorts on."""
    per_person = _with_enrolled(facts.by_course).groupby("user_id")[_SUMMED].sum()
    frame = facts.people.merge(per_person, left_on="user_id", right_index=True, how="left")
    frame[_SUMMED] = frame[_SUMMED].fillna(0)
    if one_course:  # the people taking it
        frame = frame[frame["enrolled"] > 0]
    frame = frame.assign(
        rate=(frame["completed"] / frame["enrollments"]).where(frame["enrollments"] > 0),
        score=(frame["quiz_sum"] / frame["quiz_count"]).where(frame["quiz_count"] > 0),
    )
    return frame


def _person_row(p: dict) -> PersonRow:
    last = None if pd.isna(p["last_at"]) else p["last_at"].to_pydatetime()
    return PersonRow(int(p["user_id"]), p["name"], p["email"], p["department"], int(p["enrolled"]), int(p["enrollments"]), int(p["completed"]),
                     _rate(p["completed"], p["enrollments"]), _mean(p["quiz_sum"], p["quiz_count"]), int(p["seconds"]), last)


def _people_page(frame: pd.DataFrame, query: PeopleQuery) -> PeoplePage:
    if query.sort not in PEOPLE_SORTS:
        raise Invalid("The people table cannot be sorted that way.")
    needle = query.search.strip().lower()
    if needle:
        frame = frame[frame["searched"].str.contains(needle, regex=False)]
    # Ties (and empty values, last either way) in name order.
    frame = frame.sort_values([PEOPLE_SORTS[query.sort], "name_key", "user_id"], ascending=[not query.descending, True, True],
                              na_position="last", kind="stable")
    matching = len(frame)
    if query.per_page is None:
        return PeoplePage([_person_row(p) for p in frame.to_dict("records")], matching, 1, 1)
    pages = max(1, -(-matching // query.per_page))
    page = min(max(1, int(query.page)), pages)
    shown = frame.iloc[(page - 1) * query.per_page: page * query.per_page]
    return PeoplePage([_person_row(p) for p in shown.to_dict("records")], matching, page, pages)


def _shape(facts: TeamFacts, window: Window, today: date, *, one_course: bool) -> tuple[TeamDashboard, pd.DataFrame]:
    """The figures (without a people page) and the people frame; shaped once per facts and day."""
    key = (window, today, one_course)
    if key in facts.shaped:
        return facts.shaped[key]
    f = _with_enrolled(facts.by_course)
    per_course = f.groupby("course_id")[_SUMMED].sum()
    courses = [CourseRow(int(r.Index), facts.titles.get(int(r.Index), "A removed course"), int(r.enrolled), int(r.enrollments), int(r.completed),
                         _rate(r.completed, r.enrollments), _mean(r.quiz_sum, r.quiz_count), int(r.seconds))
               for r in per_course.itertuples() if r.enrollments > 0 or r.quiz_count > 0]
    courses.sort(key=lambda c: (c.title.lower(), c.course_id))
    people = _people_frame(facts, one_course=one_course)

    activity, weekly = _activity(facts.by_day, window, today)
    enrollments, completed = int(f["enrollments"].sum()), int(f["completed"].sum())
    board = TeamDashboard(
        window=window, people=len(people), enrollments=enrollments, completed=completed,
        completed_in_range=int(f["completed_in_range"].sum()), completion_rate=_rate(completed, enrollments),
        average_score=_mean(f["quiz_sum"].sum(), f["quiz_count"].sum()), seconds=int(f["seconds"].sum()),
        active_people=int(facts.by_day.loc[facts.by_day["events"] > 0, "user_id"].nunique()),
        courses=courses, people_page=PeoplePage([], 0, 1, 1), activity=activity, weekly=weekly,
    )
    facts.shaped[key] = board, people
    return board, people


def _facts(session: Session, actor: Actor, filters: TeamFilters) -> tuple[TeamFacts, Window, date, frozenset[int]]:
    require(actor, "teams.view")
    today = utcnow().date()
    window = window_of(filters, today)
    scope = scope_of(session, actor, filters.unit)
    key = ("teams", actor.user_id, scope, filters, window)
    facts = dashboard_cache.cached(
        key, actor.org_id, lambda: _compute(session, scope, filters, window),
        patch=lambda value, changes: _patch(value, filters, window, changes),
    )
    return facts, window, today, scope


def team_dashboard(session: Session, actor: Actor, filters: TeamFilters = TeamFilters(), people: PeopleQuery = PeopleQuery()) -> TeamDashboard:
    """The manager's team figures under the filters (see the module's docstring for what each
    figure means), with one page of the people table. Cached per manager, scope and filters;
    brought up to date by the changes of the team members only."""
    facts, window, today, scope = _facts(session, actor, filters)
    board, frame = _shape(facts, window, today, one_course=filters.course_id is not None)
    return replace(board, people_page=_people_page(frame, people), required=compliance_report.counts_for(session, actor.org_id, scope))


def team_people(session: Session, actor: Actor, filters: TeamFilters = TeamFilters(), people: PeopleQuery = PeopleQuery()) -> PeoplePage:
    """One page of the people table alone (another page, another sort, a search), from the same cache."""
    facts, window, today, _scope = _facts(session, actor, filters)
    _, frame = _shape(facts, window, today, one_course=filters.course_id is not None)
    return _people_page(frame, people)


def export_table(session: Session, actor: Actor, title: str, columns: list[str], rows: list[list], fmt: str) -> tuple[str | bytes, str, str]:
    """A table of the dashboard as a file, for a manager who may export reports."""
    require(actor, "teams.view")
    require(actor, "reports.export")
    return table_export.table_file(session, actor, title, columns, rows, fmt)


# --- one team member's record ----------------------------------------------------------------------

@dataclass
class RecordCourse:
    course_id: int
    title: str
    status: str
    percent: int
    grade: float | None
    letter: str
    seconds: int
    last_activity: datetime | None
    completed_at: datetime | None


@dataclass
class RecordEvent:
    at: datetime
    text: str


@dataclass
class PersonRecord:
    user_id: int
    name: str
    email: str
    department: str
    courses: list[RecordCourse]
    events: list[RecordEvent]


def describe(kind: str, course: str | None, lesson: str | None, score: float | None) -> str:
    """One activity in words."""
    course_part = f" in {course}" if course else ""
    lesson_name = f"“{lesson}”" if lesson else "a lesson"
    if kind == "login":
        return "Signed in"
    if kind == "enrolled":
        return f"Enrolled in {course or 'a course'}"
    if kind == "lesson_opened":
        return f"Opened {lesson_name}{course_part}"
    if kind == "lesson_completed":
        return f"Finished {lesson_name}{course_part}"
    if kind == "quiz_submitted":
        result = f": {score:.0f}%" if score is not None else " (waiting for a grader)"
        return f"Handed in the quiz {lesson_name}{course_part}{result}"
    if kind == "assignment_submitted":
        return f"Handed in the assignment {lesson_name}{course_part}"
    if kind == "course_completed":
        return f"Completed the course {course}" if course else "Completed a course"
    return kind.replace("_", " ").capitalize()


def person_record(session: Session, actor: Actor, user_id: int) -> PersonRecord:
    """One team member's courses and recent activity. Anyone outside the manager's team is
    not found (the answer does not tell whether they exist)."""
    require(actor, "teams.view")
    if int(user_id or 0) not in teams.team_member_ids(session, actor.user_id):
        raise NotFound("This person is not in your team.")
    user = session.get(User, user_id)
    dept = session.get(Department, user.department_id) if user.department_id else None
    runs = list(session.exec(select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.status.in_(COUNTED_STATUSES))
                             .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())).all())
    titles = _titles(session, [r.course_id for r in runs], {})
    percents = progress.percent_by_enrollment(session, runs)
    seconds = dict(session.exec(select(LessonProgress.enrollment_id, func.sum(LessonProgress.seconds_spent))
                                .where(LessonProgress.enrollment_id.in_([r.id for r in runs] or [0]))
                                .group_by(LessonProgress.enrollment_id)).all())
    grades = gradebook.learner_totals(session, runs)
    courses = [RecordCourse(r.course_id, titles.get(r.course_id, "A removed course"), r.status, percents.get(r.id, 0), *grades[r.id],
                            int(seconds.get(r.id) or 0), r.last_activity_at, r.completed_at) for r in runs]
    rows = session.exec(
        select(ActivityEvent.kind, ActivityEvent.at, ActivityEvent.score, Course.title, Lesson.title)
        .join(Course, Course.id == ActivityEvent.course_id, isouter=True)
        .join(Lesson, Lesson.id == ActivityEvent.lesson_id, isouter=True)
        .where(ActivityEvent.user_id == user.id)
        .order_by(ActivityEvent.at.desc(), ActivityEvent.id.desc()).limit(RECENT_EVENTS)).all()
    events = [RecordEvent(at, describe(kind, course, lesson, score)) for kind, at, score, course, lesson in rows]
    return PersonRecord(user.id, user.name, user.email, dept.name if dept else "", courses, events)

