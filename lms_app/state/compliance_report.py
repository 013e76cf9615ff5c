"""The compliance report (live): per requirement, per department, and the people behind the figures."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app import live
from lms_app.services import compliance_report, profile
from lms_app.services.compliance_report import ComplianceReport, ReportFilters
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.base import LiveDashboardMixin, signed_in

ALL = "all"  # a select's value for "no filter" (a select cannot hold an empty value)
PAGE_SIZE = 25
STATUS_OPTIONS = [{"value": ALL, "label": "Every status"}, *({"value": k, "label": v} for k, v in compliance_report.STATUS_LABELS.items()),
                  {"value": "due_soon", "label": f"Due in {compliance_report.DUE_SOON_DAYS} days"},
                  {"value": "expiring", "label": f"Expiring in {compliance_report.EXPIRING_DAYS} days"}]
TABLES = ("requirements", "departments", "people")


def _option_id(value: str) -> int | None:
    return None if value == ALL else int(value)


class ComplianceReportState(LiveDashboardMixin, rx.State):
    requirement: str = ALL
    department: str = ALL
    status: str = ALL
    requirement_options: list[dict[str, str]] = []
    department_options: list[dict[str, str]] = []
    figures: dict[str, str] = {}
    requirement_rows: list[list[str]] = []
    department_rows: list[list[str]] = []
    people: list[dict[str, str]] = []
    people_page: int = 1
    people_pages: int = 1
    people_total: int = 0
    loaded: bool = False

    @rx.var
    def people_range(self) -> str:
        if not self.people_total:
            return "No one matches"
        first = (self.people_page - 1) * PAGE_SIZE + 1
        return f"{first}–{min(first + PAGE_SIZE - 1, self.people_total)} of {self.people_total}"

    def _filters(self) -> ReportFilters:
        try:
            return ReportFilters(_option_id(self.requirement), _option_id(self.department), "" if self.status == ALL else self.status)
        except ValueError:
            raise Invalid("Choose a requirement and a department from the lists.") from None

    def _report(self, session: Session, actor: Actor) -> ComplianceReport:
        return compliance_report.report(session, actor, self._filters())

    def _clear(self) -> None:
        self.figures, self.requirement_rows, self.department_rows, self.people = {}, [], [], []
        self.people_total, self.loaded = 0, False

    def _refresh(self, session: Session, actor: Actor) -> None:
        report = self._report(session, actor)
        tz = profile.get_profile(session, actor).timezone
        total = report.total
        self.figures = {
            "rate": "—" if total.rate is None else f"{total.rate:.0f}%",
            "compliant": f"{total.compliant} of {total.assigned} assignments",
            "overdue": str(total.overdue), "due_soon": str(total.due_soon), "expiring": str(total.expiring),
        }
        self.requirement_rows = compliance_report.counts_table("", "", report.by_requirement).shown
        self.department_rows = compliance_report.counts_table("", "", report.by_department).shown
        self.people_total = len(report.people)
        self.people_pages = max(1, -(-self.people_total // PAGE_SIZE))
        self.people_page = min(self.people_page, self.people_pages)
        start = (self.people_page - 1) * PAGE_SIZE
        table = compliance_report.people_table(report.people[start:start + PAGE_SIZE], tz)
        self.people = [dict(zip(("name", "email", "department", "requirement", "status", "due", "completed", "expires", "reason"), row))
                       | {"status_key": r.status} for row, r in zip(table.shown, report.people[start:start + PAGE_SIZE])]
        self.requirement_options = [{"value": ALL, "label": "Every requirement"},
                                    *({"value": str(i), "label": t} for i, t in report.requirement_options)]
        self.department_options = [{"value": ALL, "label": "Every department"},
                                   *({"value": str(i), "label": t} for i, t in report.department_options)]
        self.loaded = True

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.people_page = 1
        self._refresh(session, actor)
        live.watch(self.router.session.client_token, ComplianceReportState, route_prefix="/admin/compliance", org_id=actor.org_id)

    @rx.event
    @signed_in
    def set_requirement(self, session: Session, actor: Actor, value: str):
        self._apply(session, actor, requirement=value, people_page=1)

    @rx.event
    @signed_in
    def set_department(self, session: Session, actor: Actor, value: str):
        self._apply(session, actor, department=value, people_page=1)

    @rx.event
    @signed_in
    def set_status(self, session: Session, actor: Actor, value: str):
        self._apply(session, actor, status=value, people_page=1)

    @rx.event
    @signed_in
    def turn_page(self, session: Session, actor: Actor, step: int):
        self._apply(session, actor, people_page=max(1, min(self.people_pages, self.people_page + int(step))))

    @rx.event
    @signed_in
    def export(self, session: Session, actor: Actor, table: str, fmt: str):
        if table not in TABLES:
            raise Invalid("There is no such table.")
        report = self._report(session, actor)
        if table == "requirements":
            data = compliance_report.counts_table("Compliance by requirement", "Requirement", report.by_requirement)
        elif table == "departments":
            data = compliance_report.counts_table("Compliance by department", "Department", report.by_department)
        else:  # every person the filters match, not only the page on screen
            data = compliance_report.people_table(report.people, profile.get_profile(session, actor).timezone)
        content, filename, mime = compliance_report.export(session, actor, data, fmt)
        return rx.download(data=content, filename=filename, mime_type=mime)
