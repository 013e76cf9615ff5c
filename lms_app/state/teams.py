"""A manager's My teams: the team dashboard (live) and one team member's record."""

from __future__ import annotations

from datetime import date, datetime

import plotly.graph_objects as go
import reflex as rx
from sqlmodel import Session

from lms_app import live
from lms_app.analytics import figures
from lms_app.services import analytics_team, profile, teams, timefmt
from lms_app.services.analytics_team import PeoplePage, PeopleQuery, PersonRow, TeamDashboard, TeamFilters
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require
from lms_app.state.base import ActorMixin, LiveDashboardMixin, signed_in

ALL = "all"  # a select's value for "no filter" (a select cannot hold an empty value)
COURSE_COLUMNS = ["Course", "People", "Completed", "Completion rate", "Average score", "Time spent"]
ACTIVITY_COLUMNS = ["When", "Lessons completed", "Quizzes submitted", "Active people"]
PEOPLE_COLUMNS = ["Name", "Email", "Department", "Courses", "Completed", "Completion rate", "Average score", "Time spent", "Last activity"]
PEOPLE_EXPORT_KEYS = ["name", "email", "department", "courses", "completed", "completion", "score", "time", "last_full"]  # member_row's, in that order
TABLES = {"courses": ("Completion by course", COURSE_COLUMNS), "activity": ("Team activity", ACTIVITY_COLUMNS),
          "people": ("Team people", PEOPLE_COLUMNS)}
PERIOD_OPTIONS = [{"value": key, "label": label} for key, (label, _) in analytics_team.PERIODS.items()]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"



def short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def when(moment: datetime | None, tz: str) -> str:
    return timefmt.show(moment, tz, never="—")


def member_row(p: PersonRow, tz: str) -> dict[str, str]:
    """One row of the people table, as shown."""
    return {"id": str(p.user_id), "name": p.name, "email": p.email, "department": p.department or "—", "courses": str(p.courses),
            "completed": str(p.completed), "completion": percent(p.completion_rate), "score": percent(p.average_score),
            "time": timefmt.time_spent(p.seconds), "last": timefmt.ago(p.last_activity, never="No activity yet"), "last_full": when(p.last_activity, tz),
            "href": f"/teams/people/{p.user_id}"}


class TeamsState(LiveDashboardMixin, rx.State):
    units: list[dict[str, str]] = []
    # The people table: one page of it (searched, sorted and paged on the server).
    members: list[dict[str, str]] = []
    search: str = ""
    people_sort: str = "name"
    people_descending: bool = False
    people_page: int = 1
    people_pages: int = 1
    people_matching: int = 0
    loaded: bool = False
    # Filters
    unit: str = ALL
    course: str = ALL
    period: str = "30d"
    start_date: str = ""
    end_date: str = ""
    unit_options: list[dict[str, str]] = []
    course_options: list[dict[str, str]] = []
    # Figures
    period_label: str = ""
    key_figures: dict[str, str] = {}
    course_figure: go.Figure = go.Figure()
    course_rows: list[list[str]] = []
    activity_figure: go.Figure = go.Figure()
    activity_rows: list[list[str]] = []
    has_enrollments: bool = False
    has_activity: bool = False
    has_required: bool = False

    @rx.var
    def people_range(self) -> str:
        if self.people_matching == 0:
            return "Nobody matches" if self.search.strip() else "Nobody"
        first = (self.people_page - 1) * analytics_team.PEOPLE_PER_PAGE + 1
        return f"{first}–{min(self.people_matching, first + analytics_team.PEOPLE_PER_PAGE - 1)} of {self.people_matching}"

    @rx.var
    def custom_period(self) -> bool:
        return self.period == "custom"

    def _filters(self) -> TeamFilters:
        def day(text: str) -> date | None:
            try:
                return date.fromisoformat(text) if text else None
            except ValueError:
                raise Invalid("Dates look like 2026-11-27.") from None

        course = int(self.course) if self.course.isdigit() else None
        unit = "" if self.unit == ALL else self.unit
        if self.period != "custom":
            return TeamFilters(unit=unit, course_id=course, period=self.period)
        return TeamFilters(unit=unit, course_id=course, period="custom", start=day(self.start_date), end=day(self.end_date))

    def _clear(self) -> None:
        self.loaded, self.members, self.units, self.key_figures = False, [], [], {}
        self.people_matching, self.people_page, self.people_pages = 0, 1, 1
        self.course_rows, self.activity_rows, self.has_enrollments, self.has_activity = [], [], False, False
        self.has_required = False
        self.course_figure, self.activity_figure = go.Figure(), go.Figure()

    def _show(self, board: TeamDashboard, tz: str) -> None:
        self.period_label = board.window.label
        # "last 30 days" inside a sentence; a custom range keeps its month names.
        words = board.window.label if board.window.label[0].isdigit() else board.window.label.lower()
        self.key_figures = {
            "people": str(board.people),
            "completion": percent(board.completion_rate),
            "completion_hint": f"{board.completed} of {board.enrollments} enrollment{'' if board.enrollments == 1 else 's'} completed",
            "score": percent(board.average_score),
            "score_hint": ("Quizzes handed in, " if board.average_score is not None else "No quiz handed in, ") + words,
            "time": timefmt.time_spent(board.seconds),
            "active": str(board.active_people),
            "active_hint": f"of {board.people} with activity, {words}",
            "required_overdue": str(board.required.overdue), "required_due_soon": str(board.required.due_soon),
            "required_expiring": str(board.required.expiring),
            "required_hint": f"{board.required.compliant} of {board.required.assigned} required trainings done or exempted",
        }
        self.has_required = board.required.assigned > 0
        self.has_enrollments = bool(board.courses)
        self.course_rows = [[c.title, str(c.people), str(c.completed), percent(c.completion_rate), percent(c.average_score), timefmt.time_spent(c.seconds)]
                            for c in board.courses]
        self.course_figure = figures.bars([c.title for c in board.courses], {"Completion rate": [c.completion_rate or 0 for c in board.courses]},
                                          percent=True, horizontal=True)
        label = (lambda d: f"Week of {short_day(d)}") if board.weekly else short_day
        self.has_activity = any(p.lessons_completed or p.quizzes_submitted for p in board.activity)
        self.activity_rows = [[label(p.start), str(p.lessons_completed), str(p.quizzes_submitted), str(p.active_people)] for p in board.activity]
        self.activity_figure = figures.lines([p.start.isoformat() for p in board.activity],
                                             {"Lessons completed": [p.lessons_completed for p in board.activity],
                                              "Quizzes submitted": [p.quizzes_submitted for p in board.activity]},
                                             x_title="Week" if board.weekly else "Day")
        self._show_people(board.people_page, tz)
        self.loaded = True

    def _people_query(self, *, every_row: bool = False) -> PeopleQuery:
        return PeopleQuery(search=self.search, sort=self.people_sort, descending=self.people_descending, page=self.people_page,
                           per_page=None if every_row else analytics_team.PEOPLE_PER_PAGE)

    def _show_people(self, page: PeoplePage, tz: str) -> None:
        self.people_page, self.people_pages, self.people_matching = page.page, page.pages, page.matching
        self.members = [member_row(p, tz) for p in page.rows]

    def _refresh(self, session: Session, actor: Actor) -> None:
        board = analytics_team.team_dashboard(session, actor, self._filters(), self._people_query())
        self._show(board, profile.get_profile(session, actor).timezone)

    def _refresh_people(self, session: Session, actor: Actor) -> None:
        page = analytics_team.team_people(session, actor, self._filters(), self._people_query())
        self._show_people(page, profile.get_profile(session, actor).timezone)

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        options = analytics_team.filter_options(session, actor)
        self.units = [{"kind": "Department" if u.kind == "department" else "Group", "name": u.name, "members": str(u.members)}
                      for u in teams.team_units(session, actor)]
        self.unit_options = [{"value": ALL, "label": "Whole team"}] + [{"value": v, "label": label} for v, label in options.units]
        self.course_options = [{"value": ALL, "label": "All courses"}] + [{"value": str(cid), "label": t} for cid, t in options.courses]
        if self.unit not in {o["value"] for o in self.unit_options}:
            self.unit = ALL
        if self.course not in {o["value"] for o in self.course_options}:
            self.course = ALL
        self._refresh(session, actor)
        live.watch(self.router.session.client_token, TeamsState, route_prefix="/teams", org_id=actor.org_id,
                   user_ids=frozenset(teams.team_member_ids(session, actor.user_id)))

    def _apply(self, session: Session, actor: Actor, **changes) -> None:
        super()._apply(session, actor, people_page=1, **changes)  # other people: from their first page

    @rx.event
    @signed_in
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search, self.people_page = str(value or "")[:100], 1
        self._refresh_people(session, actor)

    @rx.event
    @signed_in
    def go_to_people_page(self, session: Session, actor: Actor, page: int):
        self.people_page = max(1, int(page)) if str(page).isdigit() else 1
        self._refresh_people(session, actor)

    @rx.event
    @signed_in
    def sort_people(self, session: Session, actor: Actor, column: str):
        """A column header clicked: sorted by it, or the other way round when it already was."""
        if column not in analytics_team.PEOPLE_SORTS:
            raise Invalid("The people table cannot be sorted that way.")
        self.people_descending = not self.people_descending if column == self.people_sort else False
        self.people_sort, self.people_page = column, 1
        self._refresh_people(session, actor)

    @rx.event
    @signed_in
    def set_unit(self, session: Session, actor: Actor, value: str):
        self._apply(session, actor, unit=str(value or ALL)[:40])

    @rx.event
    @signed_in
    def set_course(self, session: Session, actor: Actor, value: str):
        self._apply(session, actor, course=str(value or ALL)[:20])

    @rx.event
    @signed_in
    def set_period(self, session: Session, actor: Actor, value: str):
        value = str(value or "")[:20]
        if value == "custom":
            require(actor, "teams.view")
            self.period = value  # the figures change once the dates are chosen
            return
        self._apply(session, actor, period=value)

    @rx.event
    @signed_in
    def set_dates(self, session: Session, actor: Actor, form: dict):
        self._apply(session, actor, period="custom", start_date=str(form.get("start", ""))[:10], end_date=str(form.get("end", ""))[:10])

    @rx.event
    @signed_in
    def export(self, session: Session, actor: Actor, table: str, fmt: str):
        if table not in TABLES:
            raise Invalid("There is no such table.")
        title, columns = TABLES[table]
        if table == "people":  # every row the search matches, not only the page on screen
            tz = profile.get_profile(session, actor).timezone
            people = analytics_team.team_people(session, actor, self._filters(), self._people_query(every_row=True))
            rows = [[m[key] for key in PEOPLE_EXPORT_KEYS] for m in (member_row(p, tz) for p in people.rows)]
        else:
            rows = self.course_rows if table == "courses" else self.activity_rows
        content, filename, mime = analytics_team.export_table(session, actor, title, columns, rows, fmt)
        return rx.download(data=content, filename=filename, mime_type=mime)



class TeamPersonState(ActorMixin, rx.State):
    """One team member's record (/teams/people/<user id>)."""

    found: bool = False
    message: str = ""
    name: str = ""
    email: str = ""
    department: str = ""
    courses: list[dict[str, str]] = []
    events: list[dict[str, str]] = []

    def _target(self) -> int:
        part = (self.router.url.path or "").rstrip("/").split("/")[-1]
        return int(part) if part.isdigit() else 0

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.found, self.message, self.courses, self.events = False, "", [], []
        self.name = self.email = self.department = ""
        try:
            record = analytics_team.person_record(session, actor, self._target())
        except NotFound as exc:
            self.message = exc.message
            return
        tz = profile.get_profile(session, actor).timezone
        self.name, self.email, self.department = record.name, record.email, record.department or "No department"
        statuses = {"active": "In progress", "completed": "Completed", "expired": "Access ended"}
        self.courses = [
            {"title": c.title, "status": statuses.get(c.status, c.status.capitalize()), "progress": f"{c.percent}%",
             "grade": "—" if c.grade is None else f"{c.grade:.0f}%" + (f" ({c.letter})" if c.letter else ""), "time": timefmt.time_spent(c.seconds),
             "last": when(c.last_activity, tz), "completed": when(c.completed_at, tz)}
            for c in record.courses
        ]
        self.events = [{"when": when(e.at, tz), "ago": timefmt.ago(e.at), "text": e.text} for e in record.events]
        self.found = True
