"""The admin's pages about people: the list (filters, invitations, approvals, registration,
export), one person's page (details, roles, groups, sessions) and the CSV import."""

from __future__ import annotations

import dataclasses
from datetime import date

import reflex as rx
from sqlmodel import Session

from lms_app.services import auth, impersonation, privacy, profile, timefmt, users
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, cookie_token, read_upload, signed_in
from lms_app.state.profile import session_rows

PAGE_SIZE = 25
ALL = "all"  # the "no filter" value of a select (Radix selects cannot hold an empty value)
STATUS_LABELS = {"active": "Active", "invited": "Invited", "pending": "Awaiting approval", "deactivated": "Deactivated"}
MODE_LABELS = {
    "closed": "Closed: people join by invitation only",
    "domains": "Open to some email domains",
    "approval": "Open to anyone, after an administrator approves",
}


@dataclasses.dataclass
class PersonRow:
    id: str
    name: str
    email: str
    roles: list[str]
    department: str
    status: str
    status_label: str
    last_login: str
    last_login_full: str


@dataclasses.dataclass
class Option:
    value: str
    label: str


def _viewer_tz(session: Session, actor: Actor) -> str:
    return profile.get_profile(session, actor).timezone


def _dept_options(options: users.FilterOptions) -> list[Option]:
    # Indented with figure spaces so the tree reads in a plain select.
    return [Option(str(d_id), "\u2007\u2007" * depth + name) for d_id, name, depth in options.departments]


class AdminUsersState(ActorMixin, rx.State):
    search: str = ""
    role_filter: str = ALL
    status_filter: str = ALL
    department_filter: str = ALL
    page: int = 1
    total: int = 0
    rows: list[PersonRow] = []
    loaded: bool = False
    role_options: list[str] = []
    department_options: list[Option] = []
    pending: list[PersonRow] = []
    pending_total: int = 0
    invite_open: bool = False
    registration_open: bool = False
    registration_mode: str = "closed"
    registration_domains: str = ""

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def range_label(self) -> str:
        if self.total == 0:
            return "Nobody"
        first = (self.page - 1) * PAGE_SIZE + 1
        return f"{first}–{min(self.total, first + PAGE_SIZE - 1)} of {self.total}"

    @rx.var
    def filtered(self) -> bool:
        return bool(self.search.strip()) or self.role_filter != ALL or self.status_filter != ALL or self.department_filter != ALL

    @rx.var
    def header_note(self) -> str:
        mode = {"closed": "invitation only", "domains": "open to " + (self.registration_domains or "some domains"), "approval": "open, with approval"}
        people = "Nobody matches" if self.total == 0 and self.filtered else f"{self.total} {'person' if self.total == 1 else 'people'}{' match' if self.filtered else ''}"
        return f"{people} · Sign-up: {mode.get(self.registration_mode, self.registration_mode)}"

    @rx.var
    def registration_summary(self) -> str:
        label = MODE_LABELS.get(self.registration_mode, "")
        if self.registration_mode == "domains" and self.registration_domains:
            return f"{label} ({self.registration_domains})"
        return label

    def _filters(self) -> dict:
        return {
            "search": self.search,
            "role": "" if self.role_filter == ALL else self.role_filter,
            "status": "" if self.status_filter == ALL else self.status_filter,
            "department_id": int(self.department_filter) if self.department_filter not in (ALL, "") and self.department_filter.isdigit() else None,
        }

    def _person_rows(self, rows: list[users.UserRow], tz: str) -> list[PersonRow]:
        return [
            PersonRow(str(r.id), r.name, r.email, r.roles, r.department or "—", r.status, STATUS_LABELS.get(r.status, r.status),
                      timefmt.ago(r.last_login_at), timefmt.show(r.last_login_at, tz))
            for r in rows
        ]

    def _reload(self, session: Session, actor: Actor) -> None:
        tz = _viewer_tz(session, actor)
        rows, total = users.list_users(session, actor, page=self.page, page_size=PAGE_SIZE, **self._filters())
        if not rows and total and self.page > 1:
            self.page = max(1, -(-total // PAGE_SIZE))
            rows, total = users.list_users(session, actor, page=self.page, page_size=PAGE_SIZE, **self._filters())
        self.rows, self.total = self._person_rows(rows, tz), total
        pending, self.pending_total = users.pending_registrations(session, actor, limit=10)
        self.pending = self._person_rows(pending, tz)
        self.loaded = True

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        options = users.filter_options(session, actor)
        self.role_options = [name for _, name in options.roles]
        self.department_options = _dept_options(options)
        self.registration_mode, domains = users.registration_settings(session, actor)
        self.registration_domains = ", ".join(domains)
        self.invite_open = self.registration_open = False
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search, self.page = value[:100], 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_role_filter(self, session: Session, actor: Actor, value: str):
        self.role_filter, self.page = value, 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_status_filter(self, session: Session, actor: Actor, value: str):
        self.status_filter, self.page = value if value in STATUS_LABELS else ALL, 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_department_filter(self, session: Session, actor: Actor, value: str):
        self.department_filter, self.page = value, 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def clear_filters(self, session: Session, actor: Actor):
        self.search, self.role_filter, self.status_filter, self.department_filter, self.page = "", ALL, ALL, ALL, 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def show_pending(self, session: Session, actor: Actor):
        self.search, self.role_filter, self.status_filter, self.department_filter, self.page = "", ALL, "pending", ALL, 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def go_to_page(self, session: Session, actor: Actor, page: int):
        self.page = max(1, min(int(page), self.page_count))
        self._reload(session, actor)

    @rx.event
    def set_invite_open(self, value: bool):
        self.invite_open = bool(value)

    @rx.event
    @signed_in
    def invite(self, session: Session, actor: Actor, form: dict):
        role = form.get("role") or "learner"
        dept = form.get("department") or ""
        user = users.invite_user(session, actor, form.get("email", ""), form.get("name", ""), [role],
                                 int(dept) if dept.isdigit() else None)
        self.invite_open = False
        self._reload(session, actor)
        return rx.toast.success(f"Invitation sent to {user.email}.")

    @rx.event
    @signed_in
    def approve(self, session: Session, actor: Actor, user_id: str):
        user = users.approve_registration(session, actor, int(user_id))
        self._reload(session, actor)
        return rx.toast.success(f"{user.name} can sign in now.")

    @rx.event
    @signed_in
    def reject(self, session: Session, actor: Actor, user_id: str):
        users.reject_registration(session, actor, int(user_id))
        self._reload(session, actor)
        return rx.toast.success("Registration turned down.")

    @rx.event
    def set_registration_open(self, value: bool):
        self.registration_open = bool(value)

    @rx.event
    def pick_registration_mode(self, value: str):
        if value in MODE_LABELS:
            self.registration_mode = value

    @rx.event
    @signed_in
    def save_registration(self, session: Session, actor: Actor, form: dict):
        org = users.set_registration_mode(session, actor, form.get("mode", self.registration_mode), form.get("domains", ""))
        self.registration_mode = org.registration_mode
        self.registration_domains = org.registration_domains.replace(",", ", ")
        self.registration_open = False
        return rx.toast.success("Self-registration setting saved.")

    @rx.event
    @signed_in
    def export_csv(self, session: Session, actor: Actor):
        text, count = users.export_users_csv(session, actor, **self._filters())
        return [rx.download(data=text, filename=f"people-{date.today().isoformat()}.csv", mime_type="text/csv"), rx.toast.success(f"Exported {count} {'person' if count == 1 else 'people'}.")]


@dataclasses.dataclass
class RoleGrantView:
    role_id: str
    name: str
    expires: str
    expired: bool


class AdminUserState(ActorMixin, rx.State):
    """One person, as the admin sees them. The person is the one in the page's address."""

    found: bool = False
    user_id: str = ""
    name: str = ""
    email: str = ""
    timezone: str = "UTC"
    locale: str = "en"
    hire_date: str = ""
    department_id: str = ""
    status: str = ""
    status_label: str = ""
    invitation_open: bool = False
    created: str = ""
    last_login: str = ""
    is_self: bool = False
    roles: list[RoleGrantView] = []
    groups: list[Option] = []
    group_options: list[Option] = []
    role_options: list[Option] = []
    department_options: list[Option] = []
    sessions: list[dict[str, str]] = []
    sign_ins: list[dict[str, str]] = []
    confirm_open: bool = False
    # --- privacy ---
    anonymized: bool = False
    anonymize_open: bool = False
    # "Sign in as": why it is not possible for this person ("" when it is).
    sign_in_as_refusal: str = ""

    @rx.var
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def _target(self) -> int:
        part = (self.router.url.path or "").rstrip("/").split("/")[-1]
        return int(part) if part.isdigit() else 0  # 0: the service answers "does not exist"

    def _fill(self, session: Session, actor: Actor) -> None:
        uid = self._target()
        d = users.get_user(session, actor, uid)
        tz = _viewer_tz(session, actor)
        self.found, self.user_id = True, str(d.id)
        self.name, self.email, self.timezone, self.locale = d.name, d.email, d.timezone, d.locale
        self.hire_date = d.hire_date.isoformat() if d.hire_date else ""
        self.department_id = str(d.department_id) if d.department_id else ALL
        self.status, self.status_label = d.status, STATUS_LABELS.get(d.status, d.status)
        self.invitation_open = d.invitation_open
        self.created = timefmt.show(d.created_at, tz)
        self.last_login = timefmt.show(d.last_login_at, tz)
        self.is_self = d.id == actor.user_id
        self.roles = [
            RoleGrantView(str(g.role_id), g.name, ("expired " if g.expired else "until ") + timefmt.show(g.expires_at, tz) if g.expires_at else "", g.expired)
            for g in d.roles
        ]
        self.groups = [Option(str(g_id), name) for g_id, name in d.groups]
        options = users.filter_options(session, actor)
        held = {g.role_id for g in d.roles}
        self.role_options = [Option(str(r_id), name) for r_id, name in options.roles if r_id not in held]
        member_of = {g_id for g_id, _ in d.groups}
        self.group_options = [Option(str(g_id), name) for g_id, name in options.groups if g_id not in member_of]
        self.department_options = _dept_options(options)
        self.sessions = session_rows(session, actor, uid, cookie_token(self.router.headers.cookie), tz) if actor.can("users.manage") else []
        self.sign_ins = [{"at": timefmt.show(a.at, tz), "ip": a.ip or "unknown", "outcome": "Signed in" if a.succeeded else "Refused"}
                         for a in auth.sign_in_history(session, actor, uid)] if actor.can("users.manage") else []
        self.anonymized = users.is_anonymized(d.email)
        self.sign_in_as_refusal = impersonation.refusal(session, actor, uid) if actor.can("users.manage") else ""

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.found, self.confirm_open, self.anonymize_open = False, False, False
        self._fill(session, actor)

    @rx.event
    def pick_timezone(self, value: str):
        self.timezone = value

    @rx.event
    def pick_locale(self, value: str):
        self.locale = value

    @rx.event
    def pick_department(self, value: str):
        self.department_id = value

    @rx.event
    @signed_in
    def save(self, session: Session, actor: Actor, form: dict):
        dept = form.get("department", self.department_id) or ""
        users.update_user(
            session, actor, self._target(), name=form.get("name", ""), email=form.get("email", ""),
            timezone=form.get("timezone", self.timezone), locale=form.get("locale", self.locale),
            hire_date=form.get("hire_date", ""), department_id=int(dept) if dept.isdigit() else None,
        )
        self._fill(session, actor)
        return rx.toast.success("Details saved.")

    @rx.event
    @signed_in
    def add_role(self, session: Session, actor: Actor, form: dict):
        role_id = form.get("role_id", "")
        users.assign_role(session, actor, self._target(), int(role_id) if role_id.isdigit() else 0, form.get("expires", "") or None)
        self._fill(session, actor)
        return rx.toast.success("Role given.")

    @rx.event
    @signed_in
    def remove_role(self, session: Session, actor: Actor, role_id: str):
        users.remove_role(session, actor, self._target(), int(role_id))
        self._fill(session, actor)
        return rx.toast.success("Role taken back.")

    @rx.event
    @signed_in
    def add_group(self, session: Session, actor: Actor, group_id: str):
        current = [int(g.value) for g in self.groups]
        users.set_groups(session, actor, self._target(), current + [int(group_id) if group_id.isdigit() else 0])
        self._fill(session, actor)
        return rx.toast.success("Added to the group.")

    @rx.event
    @signed_in
    def remove_group(self, session: Session, actor: Actor, group_id: str):
        current = [int(g.value) for g in self.groups if g.value != group_id]
        users.set_groups(session, actor, self._target(), current)
        self._fill(session, actor)
        return rx.toast.success("Removed from the group.")

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = bool(value)

    @rx.event
    @signed_in
    def deactivate(self, session: Session, actor: Actor):
        revoked = users.deactivate_user(session, actor, self._target())
        self.confirm_open = False
        self._fill(session, actor)
        signed_out = f" and signed out of {revoked} session{'s' if revoked != 1 else ''}" if revoked else ""
        return rx.toast.success(f"{self.name} is deactivated{signed_out}.")

    @rx.event
    @signed_in
    def reactivate(self, session: Session, actor: Actor):
        users.reactivate_user(session, actor, self._target())
        self.confirm_open = False
        self._fill(session, actor)
        return rx.toast.success(f"{self.name} can sign in again.")

    # --- privacy ---
    @rx.event
    def set_anonymize_open(self, value: bool):
        self.anonymize_open = bool(value)

    @rx.event
    @signed_in
    def anonymize(self, session: Session, actor: Actor, form: dict):
        privacy.anonymize_user(session, actor, self._target(), str(form.get("confirm_email", "")))
        self.anonymize_open = False
        self._fill(session, actor)
        return rx.toast.success(f"The account is anonymized: it now reads {self.name}.")

    @rx.event
    @signed_in
    def resend_invitation(self, session: Session, actor: Actor):
        users.resend_invitation(session, actor, self._target())
        return rx.toast.success(f"A new invitation is on its way to {self.email}.")

    @rx.event
    @signed_in
    def revoke_session(self, session: Session, actor: Actor, login_session_id: str):
        users.revoke_user_session(session, actor, self._target(), int(login_session_id))
        self._fill(session, actor)
        return rx.toast.success("That session is signed out.")


@dataclasses.dataclass
class ImportRowView:
    line: str
    email: str
    name: str
    roles: str
    department: str
    groups: str
    hire_date: str
    timezone: str
    errors: list[str]


class AdminImportState(ActorMixin, rx.State):
    """The CSV import: the file stays in server memory (never in public upload storage);
    the preview shows each line with its problems; importing re-checks the same text."""

    _csv: str = ""
    file_name: str = ""
    rows: list[ImportRowView] = []
    file_errors: list[str] = []
    ignored_columns: list[str] = []
    row_count: int = 0
    error_rows: int = 0
    checked: bool = False
    only_errors: bool = False
    imported: int = 0
    importing: bool = False
    draft: str = ""  # pasted text, to edit again after the check (never an uploaded file)

    @rx.var
    def can_import(self) -> bool:
        return self.checked and self.row_count > 0 and self.error_rows == 0 and not self.file_errors

    @rx.var
    def visible_rows(self) -> list[ImportRowView]:
        rows = [r for r in self.rows if r.errors] if self.only_errors else self.rows
        return rows[:500]

    def _preview(self, session: Session, actor: Actor, text: str, name: str) -> None:
        preview = users.parse_import(session, actor, text)
        self._csv, self.file_name = text, name
        self.rows = [
            ImportRowView(str(r.line), r.email, r.name, ", ".join(r.roles), r.department or "—", ", ".join(r.groups) or "—",
                          r.hire_date or "—", r.timezone, r.errors)
            for r in preview.rows
        ]
        self.file_errors = preview.file_errors
        self.ignored_columns = preview.ignored_columns
        self.row_count = len(preview.rows)
        self.error_rows = sum(1 for r in preview.rows if r.errors)
        self.only_errors = self.error_rows > 0
        self.checked, self.imported = True, 0

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        users.parse_import(session, actor, "email,name\n")  # checks the permission; reads nothing
        self._clear()

    @rx.event
    def reset_import(self):
        self._clear()
        self.draft = ""

    @rx.event
    def edit_again(self):
        """Back to the sources, the pasted lines still in the box."""
        self._clear()

    def _clear(self) -> None:
        self._csv, self.file_name, self.rows, self.file_errors, self.ignored_columns = "", "", [], [], []
        self.row_count = self.error_rows = self.imported = 0
        self.checked = self.only_errors = False

    @rx.event
    def set_only_errors(self, value: bool):
        self.only_errors = bool(value)

    @rx.event
    @signed_in
    def check_text(self, session: Session, actor: Actor, form: dict):
        text = form.get("csv", "")
        self._preview(session, actor, text, "the pasted lines")
        self.draft = text

    @signed_in
    def _check_upload(self, session: Session, actor: Actor, text: str, name: str):
        self._preview(session, actor, text, name)

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        text = await read_upload(files)
        return self._check_upload(text, (files[0].filename if files else "") or "the file")

    @rx.event
    def start_import(self):
        """Show the button busy first (a big file takes a while), then import."""
        self.importing = True
        return AdminImportState.commit

    @rx.event
    @signed_in
    def commit(self, session: Session, actor: Actor):
        self.importing = False
        count = users.commit_import(session, actor, self._csv)
        self._clear()
        self.imported = count
        return rx.toast.success(f"{count} {'person' if count == 1 else 'people'} imported and invited.")

    @rx.event
    def download_template(self):
        return rx.download(data=users.import_template(), filename="people-import-template.csv", mime_type="text/csv")
