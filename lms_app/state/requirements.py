"""Required training pages: the list with its "New requirement" form, and one requirement's
people. The same states serve admins (/admin/requirements: the whole organization) and
managers (/teams/requirements: their team); the page's address sets the scope, and the
services check it on every call."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import requirements, timefmt
from lms_app.services.due_dates import local_date
from lms_app.services.errors import NotFound
from lms_app.services.permissions import Actor
from lms_app.services.requirements import STATUS_LABELS, RequirementSpec
from lms_app.state.base import ActorMixin, signed_in

ALL = "all"  # a select's value for "no filter" (a select cannot hold an empty value)
ADMIN_BASE, TEAM_BASE = "/admin/requirements", "/teams/requirements"


@dataclasses.dataclass
class Option:
    value: str
    label: str


@dataclasses.dataclass
class RequirementCard:
    id: str
    title: str
    kind: str
    audience: str
    due: str
    recertification: str
    completed: str
    in_progress: str
    not_started: str
    overdue: str
    exempted: str
    total: str
    href: str


@dataclasses.dataclass
class PersonLine:
    assignment_id: str
    name: str
    email: str
    department: str
    status: str
    status_label: str
    due: str
    due_hint: str
    completed: str
    expires: str
    reason: str


def _num(value) -> int:
    """An id from the browser, or 0 (which no row has) so the service answers 'not found'."""
    text = str(value or "")
    return int(text) if text.isdigit() else 0


def _options(pairs) -> list[Option]:
    return [Option(str(value), label) for value, label in pairs]


def _line(row: requirements.AssignmentRow, tz: str) -> PersonLine:
    """One person on the requirement page: days in the viewer's zone, the due day as the learner has it."""
    completed = requirements.show_day(local_date(row.completed_at, tz)) if row.completed_at else "—"
    if row.expires_at is not None:
        expires = requirements.show_day(requirements.valid_until(row.expires_at, tz))
    else:
        expires = "Never" if row.completed_at else "—"
    return PersonLine(str(row.assignment_id), row.user_name, row.user_email, row.department_name or "—", row.status,
                      STATUS_LABELS[row.status], requirements.show_day(row.due_on), f"Overdue from {timefmt.show(row.due_at, tz)} (your time)",
                      completed, expires, row.exempt_reason)


class _ScopeMixin(rx.State, mixin=True):
    """The page's address says whose requirements these are."""

    def _scope(self) -> str:
        return "team" if (self.router.url.path or "").startswith(TEAM_BASE) else "all"

    def _base(self) -> str:
        return TEAM_BASE if self._scope() == "team" else ADMIN_BASE


class RequirementsState(_ScopeMixin, ActorMixin, rx.State):
    """The list of requirements and the form that creates or changes one."""

    base: str = ADMIN_BASE
    cards: list[RequirementCard] = []
    show_retired: bool = False
    loaded: bool = False

    # The form (new or edit).
    form_open: bool = False
    editing_id: str = ""
    editing_title: str = ""
    form_kind: str = "course"
    form_audience: str = "department"
    form_due_mode: str = "after_assignment"
    form_defaults: dict[str, str] = {}
    form_person_id: str = ""
    form_person_label: str = ""
    people_query: str = ""
    people_results: list[Option] = []
    course_options: list[Option] = []
    path_options: list[Option] = []
    group_options: list[Option] = []
    department_options: list[Option] = []
    role_options: list[Option] = []
    audience_options: list[Option] = []

    def _reload(self, session: Session, actor: Actor) -> None:
        base = self._base()
        self.base = base
        self.cards = [
            RequirementCard(str(s.id), s.title, "Learning path" if s.kind == "path" else "Course", s.audience, s.due, s.recertification,
                            *(str(s.counts[k]) for k in ("completed", "in_progress", "not_started", "overdue", "exempted")), str(s.total),
                            f"{base}/{s.id}")
            for s in requirements.list_requirements(session, actor, scope=self._scope(), retired=self.show_retired)
        ]
        self.loaded = True

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.form_open, self.show_retired = False, False
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_show_retired(self, session: Session, actor: Actor, value: bool):
        self.show_retired = bool(value)
        self._reload(session, actor)

    # --- the form -------------------------------------------------------------------------------

    def _load_choices(self, session: Session, actor: Actor) -> None:
        choices = requirements.choices(session, actor, scope=self._scope())
        self.course_options, self.path_options = _options(choices.courses), _options(choices.paths)
        self.group_options, self.department_options = _options(choices.groups), _options(choices.departments)
        self.role_options = _options(choices.roles)
        names = [k for k in requirements.AUDIENCES if k in requirements.TEAM_AUDIENCES or choices.everyone]
        self.audience_options = [Option(k, requirements.AUDIENCES[k]) for k in names]

    @rx.event
    @signed_in
    def open_new(self, session: Session, actor: Actor):
        self._load_choices(session, actor)
        self.editing_id, self.editing_title = "", ""
        self.form_kind = "course" if self.course_options or not self.path_options else "path"
        self.form_audience, self.form_due_mode = "department", "after_assignment"
        first = self.department_options[0].value if self.department_options else ""
        self.form_defaults = {"course": self.course_options[0].value if self.course_options else "",
                              "path": self.path_options[0].value if self.path_options else "", "group": "", "department": first,
                              "role": "", "include_sub": "yes", "due_on": "", "due_days": "30", "recert_months": "",
                              "recert_window_days": "30", "reminder_days": "14, 3", "overdue_every_days": "7", "key": "new"}
        self.form_person_id = self.form_person_label = self.people_query = ""
        self.people_results = []
        self.form_open = True

    @rx.event
    @signed_in
    def open_edit(self, session: Session, actor: Actor, requirement_id: str):
        detail = requirements.get_requirement(session, actor, _num(requirement_id), scope=self._scope())
        self._load_choices(session, actor)
        req = detail.requirement
        self.editing_id, self.editing_title = str(req.id), detail.summary.title
        self.form_kind = detail.summary.kind
        self.form_audience, self.form_due_mode = req.audience, req.due_mode
        target = str(req.audience_id or "")
        self.form_defaults = {"course": str(req.course_id or ""), "path": str(req.path_id or ""),
                              "group": target if req.audience == "group" else "", "department": target if req.audience == "department" else "",
                              "role": target if req.audience == "role" else "", "include_sub": "yes" if req.include_subdepartments else "",
                              "due_on": req.due_on.isoformat() if req.due_on else "", "due_days": str(req.due_days or ""),
                              "recert_months": str(req.recert_months or ""), "recert_window_days": str(req.recert_window_days),
                              "reminder_days": ", ".join(str(d) for d in req.reminder_days or []),
                              "overdue_every_days": str(req.overdue_every_days), "key": f"edit-{req.id}"}
        self.form_person_id = target if req.audience == "user" else ""
        self.form_person_label = detail.audience_name if req.audience == "user" else ""
        self.people_query, self.people_results = "", []
        self.form_open = True

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)

    @rx.event
    def pick_kind(self, value: str):
        self.form_kind = value if value in ("course", "path") else "course"

    @rx.event
    def pick_audience(self, value: str):
        self.form_audience = value if value in requirements.AUDIENCES else "department"

    @rx.event
    def pick_due_mode(self, value: str):
        self.form_due_mode = value if value in requirements.DUE_MODES else "after_assignment"

    @rx.event
    @signed_in
    def search_people(self, session: Session, actor: Actor, value: str):
        self.people_query = value[:100]
        self.people_results = [Option(str(i), f"{name} ({email})") for i, name, email in
                               requirements.find_people(session, actor, self.people_query, scope=self._scope())]

    @rx.event
    def pick_person(self, user_id: str):
        found = next((p for p in self.people_results if p.value == user_id), None)
        if found is not None:
            self.form_person_id, self.form_person_label = found.value, found.label
            self.people_results, self.people_query = [], ""

    def _spec(self, form: dict) -> RequirementSpec:
        audience_id = {"user": self.form_person_id, "group": form.get("group"), "department": form.get("department"),
                       "role": form.get("role")}.get(self.form_audience)
        return RequirementSpec(
            course_id=_num(form.get("course")) if self.form_kind == "course" else None,
            path_id=_num(form.get("path")) if self.form_kind == "path" else None,
            audience=self.form_audience, audience_id=_num(audience_id) or None,
            include_subdepartments=form.get("include_sub") in ("on", "yes", "true", True),
            due_mode=self.form_due_mode, due_on=form.get("due_on", ""), due_days=form.get("due_days", ""),
            recert_months=form.get("recert_months", ""), recert_window_days=form.get("recert_window_days", ""),
            reminder_days=form.get("reminder_days", ""), overdue_every_days=form.get("overdue_every_days", ""),
        )

    @rx.event
    @signed_in
    def save(self, session: Session, actor: Actor, form: dict):
        spec = self._spec(form)
        if self.editing_id:
            requirements.update_requirement(session, actor, _num(self.editing_id), spec, scope=self._scope())
            message = "Requirement saved. Open assignments follow the new rule."
        else:
            req = requirements.create_requirement(session, actor, spec)
            people = requirements.get_requirement(session, actor, req.id, scope=self._scope()).summary.total
            message = f"Requirement created: {people} {'person is' if people == 1 else 'people are'} assigned."
        self.form_open = False
        self._reload(session, actor)
        return [RequirementPeopleState.refresh, rx.toast.success(message)] if self.editing_id else rx.toast.success(message)


class RequirementPeopleState(_ScopeMixin, ActorMixin, rx.State):
    """One requirement (/admin/requirements/<id>, /teams/requirements/<id>): its people, paged on
    the server, with a status filter and a search; exemptions; retiring; export."""

    found: bool = False
    message: str = ""
    base: str = ADMIN_BASE
    current_id: str = ""
    title: str = ""
    kind: str = ""
    audience: str = ""
    due: str = ""
    recertification: str = ""
    reminders: str = ""
    retired: bool = False
    counts: dict[str, str] = {}
    people: list[PersonLine] = []
    total: int = 0
    page: int = 1
    status: str = ALL
    search: str = ""
    # Exempting someone (dialog) and retiring (confirmation).
    exempt_open: bool = False
    exempt_id: str = ""
    exempt_name: str = ""
    retire_open: bool = False

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // requirements.PAGE_SIZE))

    @rx.var
    def range_label(self) -> str:
        if self.total == 0:
            return "Nobody matches" if self.search.strip() or self.status != ALL else "Nobody"
        first = (self.page - 1) * requirements.PAGE_SIZE + 1
        return f"{first}–{min(self.total, first + requirements.PAGE_SIZE - 1)} of {self.total}"

    def _target(self) -> int:
        part = (self.router.url.path or "").rstrip("/").split("/")[-1]
        return int(part) if part.isdigit() else 0

    def _status_filter(self) -> str:
        return "" if self.status == ALL else self.status

    def _reload(self, session: Session, actor: Actor) -> None:
        detail = requirements.get_requirement(session, actor, self._target(), scope=self._scope())
        summary = detail.summary
        self.base, self.current_id, self.title = self._base(), str(summary.id), summary.title
        self.kind = "Learning path" if summary.kind == "path" else "Course"
        self.audience, self.due, self.recertification, self.reminders = summary.audience, summary.due, summary.recertification, summary.reminders
        self.retired = summary.retired
        self.counts = {k: str(v) for k, v in summary.counts.items()} | {"total": str(summary.total)}
        tz = requirements.viewer_zone(session, actor)
        rows, self.total = requirements.requirement_people(session, actor, summary.id, scope=self._scope(), status=self._status_filter(),
                                                           search=self.search, page=self.page, page_size=requirements.PAGE_SIZE)
        self.people = [_line(r, tz) for r in rows]
        self.found = True

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.found, self.message, self.people, self.total = False, "", [], 0
        self.page, self.status, self.search = 1, ALL, ""
        self.exempt_open = self.retire_open = False
        try:
            self._reload(session, actor)
        except NotFound as exc:
            self.message = exc.message

    @rx.event
    @signed_in
    def refresh(self, session: Session, actor: Actor):
        if self.current_id:
            self._reload(session, actor)

    @rx.event
    @signed_in
    def set_status(self, session: Session, actor: Actor, value: str):
        self.status = value if value in STATUS_LABELS else ALL
        self.page = 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search, self.page = value[:100], 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def go_to_page(self, session: Session, actor: Actor, page: int):
        self.page = max(1, min(int(page), self.pages))
        self._reload(session, actor)

    @rx.event
    def ask_exempt(self, assignment_id: str):
        line = next((p for p in self.people if p.assignment_id == assignment_id), None)
        if line is not None:
            self.exempt_id, self.exempt_name, self.exempt_open = line.assignment_id, line.name, True

    @rx.event
    def set_exempt_open(self, value: bool):
        self.exempt_open = bool(value)

    @rx.event
    @signed_in
    def exempt(self, session: Session, actor: Actor, form: dict):
        row = requirements.exempt(session, actor, _num(self.exempt_id), form.get("reason", ""), scope=self._scope())
        self.exempt_open = False
        self._reload(session, actor)
        return rx.toast.success(f"{self.exempt_name} is exempted." if row else "Exempted.")

    @rx.event
    @signed_in
    def remove_exemption(self, session: Session, actor: Actor, assignment_id: str):
        requirements.remove_exemption(session, actor, _num(assignment_id), scope=self._scope())
        self._reload(session, actor)
        return rx.toast.success("Exemption removed: the person must complete it by the due date.")

    @rx.event
    def set_retire_open(self, value: bool):
        self.retire_open = bool(value)

    @rx.event
    @signed_in
    def retire(self, session: Session, actor: Actor):
        people = requirements.retire_requirement(session, actor, self._target(), scope=self._scope())
        self.retire_open = False
        self._reload(session, actor)
        return rx.toast.success(f"Requirement retired: {people} {'person is' if people == 1 else 'people are'} no longer assigned. History is kept.")

    @rx.event
    @signed_in
    def export(self, session: Session, actor: Actor, fmt: str):
        content, filename, mime = requirements.export_people(
            session, actor, self._target(), fmt, tz=requirements.viewer_zone(session, actor), scope=self._scope(),
            status=self._status_filter(), search=self.search)
        return rx.download(data=content, filename=filename, mime_type=mime)
