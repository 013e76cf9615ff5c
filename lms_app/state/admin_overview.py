"""The admin's organization overview (live)."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import reflex as rx
from sqlmodel import Session

from lms_app import live
from lms_app.analytics import figures
from lms_app.services import analytics_org, backups, timefmt
from lms_app.services.analytics_org import OrgDashboard, OrgFilters
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.base import LiveDashboardMixin, signed_in

CUSTOM = "custom"
RANGE_OPTIONS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last 12 months"), (CUSTOM, "Custom range")]


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"Choose the {what} day of the range.") from None


def backup_card(status: backups.ScheduleStatus) -> dict[str, str]:
    last = status.last
    if status.every_hours <= 0:
        when = f"Last backup {timefmt.ago(last.created_at)}." if last else "No backup has been made here yet."
        return {"tone": "off", "title": "Scheduled backups are off", "detail": f"{when} Turn them on in Settings, or run “python -m lms_app backup” on the server."}
    every = f"every {status.every_hours} hours" if status.every_hours != 1 else "every hour"
    detail = f"Backups run {every}; the newest {status.keep} are kept."
    if last is None:
        return {"tone": "overdue", "title": "No good backup yet", "detail": f"{detail} The first one should appear within a quarter of an hour; if not, check the background jobs."}
    size = f"{last.size / 1_048_576:.1f} MB"
    title = f"Last good backup {timefmt.ago(last.created_at)}"
    if status.overdue:
        return {"tone": "overdue", "title": title, "detail": f"{size}. Backups should run {every}: the last ones did not succeed. Check the background jobs and the backup folder."}
    return {"tone": "ok", "title": title, "detail": f"{size}. {detail}"}


class AdminOverviewState(LiveDashboardMixin, rx.State):
    # Standing counts and active people (numbers), keyed by name.
    figures: dict[str, int] = {}
    range_choice: str = "30"
    custom_from: str = ""
    custom_to: str = ""
    period_text: str = ""
    bucket_word: str = "day"
    ranking_note: str = ""
    active_figure: go.Figure = go.Figure()
    active_rows: list[list[str]] = []
    enrollments_figure: go.Figure = go.Figure()
    enrollments_rows: list[list[str]] = []
    courses_figure: go.Figure = go.Figure()
    courses_rows: list[list[str]] = []
    time_figure: go.Figure = go.Figure()
    time_rows: list[list[str]] = []
    logins_figure: go.Figure = go.Figure()
    logins_rows: list[list[str]] = []
    # Scheduled backups: "tone" (ok | overdue | off), "title" and "detail" for the backup card.
    backup: dict[str, str] = {}
    # What the page shows, to skip rebuilding the figures when a burst of changes moved nothing.
    _shown: str = ""

    @rx.var
    def custom_range(self) -> bool:
        return self.range_choice == CUSTOM

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self._refresh(session, actor)
        self.backup = backup_card(backups.schedule_status(session, actor))
        live.watch(self.router.session.client_token, AdminOverviewState, route_prefix="/admin", org_id=actor.org_id)

    @rx.event
    @signed_in
    def set_range(self, session: Session, actor: Actor, value: str):
        value = str(value or "")[:10]
        if value == CUSTOM:
            self.range_choice = CUSTOM  # the dates come next, with "Show"
            return
        self._apply(session, actor, range_choice=value)

    @rx.event
    @signed_in
    def set_dates(self, session: Session, actor: Actor, form: dict):
        self._apply(session, actor, range_choice=CUSTOM, custom_from=str(form.get("from", ""))[:10], custom_to=str(form.get("to", ""))[:10])

    @rx.event
    @signed_in
    def export(self, session: Session, actor: Actor, table: str, fmt: str):
        content, filename, mime = analytics_org.export_table(session, actor, str(table), self._filters(), str(fmt))
        return rx.download(data=content, filename=filename, mime_type=mime)


    def _filters(self) -> OrgFilters:
        if self.range_choice == CUSTOM:
            if not self.custom_from or not self.custom_to:
                raise Invalid("Choose both the first and the last day of the range.")
            return OrgFilters(start=_day(self.custom_from, "first"), end=_day(self.custom_to, "last"))
        if self.range_choice not in {key for key, _ in RANGE_OPTIONS}:
            raise Invalid("Choose the last 7, 30, 90 or 365 days, or your own range.")
        return OrgFilters(days=int(self.range_choice))

    def _refresh(self, session: Session, actor: Actor) -> None:
        dash = analytics_org.org_dashboard(session, actor, self._filters())
        shown = repr((dash.period, dash.active, dash.accounts, dash.trends, dash.required))
        if shown != self._shown:
            self._show(dash)
            self._shown = shown

    def _show(self, dash: OrgDashboard) -> None:
        a = dash.accounts
        r = dash.required
        self.figures = {"active_today": dash.active.today, "active_week": dash.active.week, "active_month": dash.active.month,
                        **vars(a), "required_assigned": r.assigned, "required_overdue": r.overdue, "required_due_soon": r.due_soon,
                        "required_expiring": r.expiring}
        self.period_text = f"{analytics_org.period_label(dash.period)} · days from midnight, {dash.period.zone} time"
        self.bucket_word = "week" if dash.period.bucket_days == 7 else "day"
        unranked = dash.unranked_courses
        self.ranking_note = (f"{unranked} course{'s' if unranked != 1 else ''} with fewer than {analytics_org.MIN_ENROLLMENTS_TO_RANK} "
                             "enrollments in the range not ranked.") if unranked else ""
        t = dash.trends
        tables = analytics_org.tables(dash)
        self.active_rows = tables["active"].shown
        self.active_figure = figures.lines([d.isoformat() for d, _ in t.daily_active], {"Active users": [n for _, n in t.daily_active]},
                                           y_title="People")
        self.enrollments_rows = tables["enrollments"].shown
        self.enrollments_figure = figures.lines([d.isoformat() for d, *_ in t.enrollments],
                                                {"Enrollments": [e for _, e, _ in t.enrollments], "Completions": [c for *_, c in t.enrollments]})
        courses = dash.most_completed + dash.least_completed[::-1]
        self.courses_rows = tables["courses"].shown
        self.courses_figure = figures.bars([c.title for c in courses], {"Completion rate": [c.rate * 100 for c in courses]},
                                           horizontal=True, percent=True)
        self.time_rows = tables["time"].shown
        self.time_figure = figures.bars([name for name, _ in t.time_by_department],
                                        {"Time spent": [round(s / 3600, 1) for _, s in t.time_by_department]},
                                        unit="h", horizontal=True, x_title="Hours")
        self.logins_rows = tables["logins"].shown
        self.logins_figure = figures.lines([d.isoformat() for d, *_ in t.logins],
                                           {"Sign-ins": [n for _, n, _ in t.logins], "Failed sign-ins": [f for *_, f in t.logins]})

    def _clear(self) -> None:
        self.figures = {}
        self.active_rows, self.enrollments_rows, self.courses_rows, self.time_rows, self.logins_rows = [], [], [], [], []
        self._shown = ""
