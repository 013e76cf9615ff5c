"""Certificates on screen: the learner's list, the admin's template editor (with a live
preview) and list of issued certificates, and the public verification page."""

from __future__ import annotations

import base64
import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import certificates, profile
from lms_app.services.certificates import TemplateDraft
from lms_app.services.due_dates import local_date
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, public_handler, signed_in

ALL = "all"  # the "no filter" value of a select (Radix selects cannot hold an empty value)
DRAFT_FIELDS = ("heading", "body", "signature_name", "signature_title", "footer")


@dataclasses.dataclass
class CertificateView:
    id: str
    title: str
    learner: str
    email: str
    code: str
    status: str
    status_label: str
    issued: str
    expires: str
    note: str  # why it is revoked, or what it replaces
    download_url: str
    verify_url: str


def _day(value, tz: str) -> str:
    day = local_date(value, tz)
    return f"{day.day} {day:%b %Y}"


def _views(rows: list[certificates.CertificateRow], tz: str) -> list[CertificateView]:
    views = []
    for r in rows:
        if r.status == "revoked":
            note = "Replaced by a new certificate" if r.revoked_reason == "Reissued" else f"Revoked: {r.revoked_reason}"
        else:
            note = "Reissued" if r.replaces_id else ""
        expires = certificates.last_valid_day(r.expires_at, tz) if r.expires_at else None
        views.append(CertificateView(
            str(r.id), r.title, r.learner_name, r.learner_email, r.code, r.status, certificates.STATUSES[r.status], _day(r.issued_at, tz),
            f"{expires.day} {expires:%b %Y}" if expires else "No expiry", note, f"/certificates/{r.id}.pdf", f"/verify/{r.code}",
        ))
    return views


def _num(value) -> int:
    """An id from the browser, or 0 (which no row has) so the service answers 'not found'."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else 0


class LearnerCertificatesState(ActorMixin, rx.State):
    rows: list[CertificateView] = []
    loaded: bool = False

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        tz = profile.get_profile(session, actor).timezone
        self.rows = _views(certificates.my_certificates(session, actor), tz)
        self.loaded = True


class AdminCertificatesState(ActorMixin, rx.State):
    # The template being edited (saved with save_template).
    heading: str = ""
    body: str = ""
    signature_name: str = ""
    signature_title: str = ""
    footer: str = ""
    template_error: str = ""
    preview: str = ""  # a data URL of the sample certificate's PNG
    dirty: bool = False
    # Bumped when the fields are refilled from the saved template: the inputs start afresh.
    form_version: int = 0

    # Issued certificates.
    rows: list[CertificateView] = []
    total: int = 0
    page: int = 1
    search: str = ""
    status_filter: str = ALL

    # The certificate about to be revoked or reissued (dialogs).
    revoke_open: bool = False
    reissue_open: bool = False
    target_id: str = ""
    target_label: str = ""

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // certificates.PAGE_SIZE))

    @rx.var
    def range_label(self) -> str:
        if not self.total:
            return "No certificates"
        first = (self.page - 1) * certificates.PAGE_SIZE + 1
        return f"{first}–{min(self.total, first + certificates.PAGE_SIZE - 1)} of {self.total}"

    @rx.var
    def filtered(self) -> bool:
        return bool(self.search) or self.status_filter != ALL

    def _draft(self) -> TemplateDraft:
        return TemplateDraft(self.heading, self.body, self.signature_name, self.signature_title, self.footer)

    def _refresh_preview(self, session: Session, actor: Actor) -> None:
        """Redraw the preview; a draft the service refuses keeps the last good preview and
        says what is wrong beside the form."""
        try:
            png = certificates.preview_png(session, actor, self._draft())
        except Invalid as exc:
            self.template_error = exc.message
            return
        self.template_error = ""
        self.preview = "data:image/png;base64," + base64.b64encode(png).decode()

    def _reload_list(self, session: Session, actor: Actor) -> None:
        status = "" if self.status_filter == ALL else self.status_filter
        rows, self.total = certificates.list_certificates(session, actor, search=self.search, status=status, page=self.page)
        self.rows = _views(rows, profile.get_profile(session, actor).timezone)

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        draft = certificates.get_template(session, actor)
        for name in DRAFT_FIELDS:
            setattr(self, name, getattr(draft, name))
        self.form_version += 1
        self.dirty, self.revoke_open, self.reissue_open = False, False, False
        self._refresh_preview(session, actor)
        self._reload_list(session, actor)

    @rx.event
    @signed_in
    def edit_template(self, session: Session, actor: Actor, field_name: str, value: str):
        if field_name not in DRAFT_FIELDS:
            return
        setattr(self, field_name, str(value or "")[:2000])
        self.dirty = True
        self._refresh_preview(session, actor)

    @rx.event
    @signed_in
    def save_template(self, session: Session, actor: Actor):
        saved = certificates.save_template(session, actor, self._draft())
        for name in DRAFT_FIELDS:
            setattr(self, name, getattr(saved, name))
        self.dirty, self.template_error = False, ""
        return rx.toast.success("Certificate template saved. Certificates downloaded from now on use it.")

    @rx.event
    @signed_in
    def discard_changes(self, session: Session, actor: Actor):
        draft = certificates.get_template(session, actor)
        for name in DRAFT_FIELDS:
            setattr(self, name, getattr(draft, name))
        self.form_version += 1
        self.dirty = False
        self._refresh_preview(session, actor)

    # --- issued certificates --------------------------------------------------------------------------

    @rx.event
    @signed_in
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search, self.page = str(value or "")[:100], 1
        self._reload_list(session, actor)

    @rx.event
    @signed_in
    def set_status_filter(self, session: Session, actor: Actor, value: str):
        self.status_filter = value if value in certificates.STATUSES else ALL
        self.page = 1
        self._reload_list(session, actor)

    @rx.event
    @signed_in
    def clear_filters(self, session: Session, actor: Actor):
        self.search, self.status_filter, self.page = "", ALL, 1
        self._reload_list(session, actor)

    @rx.event
    @signed_in
    def go_to_page(self, session: Session, actor: Actor, page: int):
        self.page = max(1, min(int(page), self.page_count))
        self._reload_list(session, actor)

    def _target(self, certificate_id: str) -> bool:
        row = next((r for r in self.rows if r.id == str(certificate_id)), None)
        if row is None:
            return False
        self.target_id, self.target_label = row.id, f"{row.title} ({row.learner})"
        return True

    @rx.event
    def ask_revoke(self, certificate_id: str):
        self.revoke_open = self._target(certificate_id)

    @rx.event
    def ask_reissue(self, certificate_id: str):
        self.reissue_open = self._target(certificate_id)

    @rx.event
    def set_revoke_open(self, value: bool):
        self.revoke_open = bool(value)

    @rx.event
    def set_reissue_open(self, value: bool):
        self.reissue_open = bool(value)

    @rx.event
    @signed_in
    def revoke(self, session: Session, actor: Actor, form: dict):
        certificates.revoke(session, actor, _num(self.target_id), str(form.get("reason", "")))
        self.revoke_open = False
        self._reload_list(session, actor)
        return rx.toast.success("Certificate revoked. Its verification page now says so.")

    @rx.event
    @signed_in
    def reissue(self, session: Session, actor: Actor):
        new = certificates.reissue(session, actor, _num(self.target_id))
        self.reissue_open = False
        self._reload_list(session, actor)
        return rx.toast.success(f"Certificate reissued with the code {new.code}; the old one is revoked.")


class VerifyState(rx.State):
    """The public verification page: what a code's certificate says, and nothing personal."""

    checked: bool = False
    found: bool = False
    code: str = ""
    status: str = ""
    status_label: str = ""
    title: str = ""
    initials: str = ""
    issued: str = ""
    expires: str = ""
    revoked: str = ""

    @rx.event
    @public_handler
    def load(self, session: Session):
        typed = (self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]
        found = certificates.verify(session, typed)
        self.checked, self.found = True, found is not None
        self.code = found.code if found else ""
        self.status = found.status if found else ""
        self.status_label = certificates.STATUSES[found.status] if found else ""
        self.title = found.title if found else ""
        self.initials = found.initials if found else ""
        self.issued = certificates.long_date(found.issued_on) if found else ""
        self.expires = certificates.long_date(found.expires_on) if found and found.expires_on else ""
        self.revoked = certificates.long_date(found.revoked_on) if found and found.revoked_on else ""
