"""The Settings page (/admin/settings): one form per section, each saved on its own, with the
outcome said under it; the logo upload; the test email. Thin over org_settings, which checks
settings.manage and every value."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from lms_app import db
from lms_app.services import auth, org_settings
from lms_app.services.errors import DomainError, NotSignedIn, PermissionDenied
from lms_app.services.permissions import Actor
from lms_app.state.auth import AuthState
from lms_app.state.base import ActorMixin, as_actor, browser_signature, signed_in


@dataclasses.dataclass
class RoleChoice:
    name: str
    label: str
    creates_courses: bool
    two_factor: bool


def _section(name: str, saved: str) -> Callable:
    """A section's Save: the service's refusal of a value is said under the section (and the
    form keeps what was typed); a permission refusal is a toast like everywhere else. Nothing
    is committed unless all of the section's changes pass."""

    def decorate(fn: Callable) -> Callable:
        def save_and_show(self, session: Session, actor: Actor, *args, **kwargs):
            follow_up = fn(self, session, actor, *args, **kwargs)
            self._fill(session, actor)
            return follow_up

        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            try:
                follow_up = as_actor(self, save_and_show, *args, **kwargs)
            except NotSignedIn:
                return self._login_redirect()
            except PermissionDenied as exc:
                return rx.toast.error(exc.message)
            except DomainError as exc:
                self.notice_section, self.notice_ok, self.notice = name, False, exc.message
                return None
            self.notice_section, self.notice_ok, self.notice = name, True, saved
            self.version += 1
            return follow_up

        return browser_signature(wrapper, fn, 2)

    return decorate


def _number(form: dict, key: str) -> str:
    return str(form.get(key, "")).strip()


class AdminSettingsState(ActorMixin, rx.State):
    org_name: str = ""
    logo_url: str = ""
    default_timezone: str = "UTC"
    smtp_host: str = ""
    smtp_port: str = ""
    smtp_tls: str = "off"
    smtp_user: str = ""
    smtp_password_set: bool = False
    smtp_sender: str = ""
    password_min_length: str = ""
    session_idle_minutes: str = ""
    session_absolute_minutes: str = ""
    registration_mode: str = "closed"
    registration_domains: str = ""
    roles: list[RoleChoice] = []
    two_factor_default: bool = True
    backup_every_hours: str = "0"
    backup_keep: str = ""
    backup_folder: str = ""
    # The outcome of the last Save, shown under its section.
    notice_section: str = ""
    notice_ok: bool = True
    notice: str = ""
    # The test email: where to, and the server's answer (or what went wrong).
    test_to: str = ""
    test_answer: str = ""
    test_ok: bool = True
    # Bumped after each load and save, so the forms show the values saved (a refused value
    # stays in its field to be corrected).
    version: int = 0

    def _fill(self, session: Session, actor: Actor) -> None:
        conf = org_settings.view(session, actor)
        self.org_name, self.logo_url, self.default_timezone = conf.org_name, org_settings.logo_url(conf), conf.default_timezone
        self.smtp_host, self.smtp_port, self.smtp_tls = conf.smtp_host, str(conf.smtp_port), conf.smtp_tls
        self.smtp_user, self.smtp_password_set, self.smtp_sender = conf.smtp_user, conf.smtp_password_set, conf.smtp_sender
        self.password_min_length = str(conf.password_min_length)
        self.session_idle_minutes, self.session_absolute_minutes = str(conf.session_idle_minutes), str(conf.session_absolute_minutes)
        self.registration_mode, self.registration_domains = conf.registration_mode, ", ".join(conf.registration_domains)
        self.two_factor_default = conf.two_factor_roles is None
        chosen = set(conf.two_factor_roles or ())
        self.roles = [RoleChoice(name, name.capitalize() if name in ("admin", "instructor", "manager", "learner") else name,
                                 name in conf.course_creator_roles, name in chosen)
                      for name in org_settings.role_names(session, actor)]
        self.backup_every_hours, self.backup_keep, self.backup_folder = str(conf.backup_every_hours), str(conf.backup_keep), conf.backup_folder

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self._fill(session, actor)
        self.notice_section = self.notice = self.test_answer = ""
        self.test_to = actor.email
        self.version += 1

    @rx.event
    @_section("organization", "Organization saved.")
    def save_organization(self, session: Session, actor: Actor, form: dict):
        org_settings.update(session, actor, org_name=form.get("org_name", ""), default_timezone=form.get("default_timezone", ""))
        return AdminSettingsState.refresh_brand

    @rx.event
    @_section("email", "Email settings saved. Send a test email to check them.")
    def save_email(self, session: Session, actor: Actor, form: dict):
        org_settings.update(session, actor, smtp_host=form.get("smtp_host", ""), smtp_port=_number(form, "smtp_port"),
                            smtp_tls=form.get("smtp_tls", ""), smtp_user=form.get("smtp_user", ""),
                            smtp_password=form.get("smtp_password", ""), smtp_sender=form.get("smtp_sender", ""))

    @rx.event
    @_section("sign_in", "Sign-in settings saved: they apply from the next sign-in and password change.")
    def save_sign_in(self, session: Session, actor: Actor, form: dict):
        org_settings.update(session, actor, password_min_length=_number(form, "password_min_length"),
                            session_idle_minutes=_number(form, "session_idle_minutes"),
                            session_absolute_minutes=_number(form, "session_absolute_minutes"))

    @rx.event
    @_section("registration", "Self-registration saved.")
    def save_registration(self, session: Session, actor: Actor, form: dict):
        org_settings.update(session, actor, registration_mode=form.get("registration_mode", ""),
                            registration_domains=form.get("registration_domains", ""))

    @rx.event
    @_section("course_creation", "Saved: who may create courses.")
    def save_course_creation(self, session: Session, actor: Actor, form: dict):
        org_settings.update(session, actor, course_creator_roles=[r.name for r in self.roles if form.get(f"creator_{r.name}") == "on"])

    @rx.event
    @_section("two_factor", "Two-factor sign-in saved.")
    def save_two_factor(self, session: Session, actor: Actor, form: dict):
        chosen = None if form.get("two_factor_mode") != "roles" else [r.name for r in self.roles if form.get(f"two_factor_{r.name}") == "on"]
        org_settings.update(session, actor, two_factor_roles=chosen)

    @rx.event
    @_section("backups", "Backup settings saved.")
    def save_backups(self, session: Session, actor: Actor, form: dict):
        org_settings.update(session, actor, backup_every_hours=_number(form, "backup_every_hours"), backup_keep=_number(form, "backup_keep"),
                            backup_folder=str(form.get("backup_folder", "")).strip())

    @_section("organization", "Logo saved.")
    def _store_logo(self, session: Session, actor: Actor, stream):
        org_settings.store_logo(session, actor, stream)
        return AdminSettingsState.refresh_brand

    @rx.event
    async def upload_logo(self, uploads: list[rx.UploadFile]):
        """The image chosen as the logo: checked by content and size, kept privately."""
        if not uploads:
            return rx.toast.error("Choose an image to upload.")
        return await asyncio.to_thread(self._store_logo, uploads[0].file)

    @rx.event
    @_section("organization", "Logo removed.")
    def remove_logo(self, session: Session, actor: Actor):
        org_settings.remove_logo(session, actor)
        return AdminSettingsState.refresh_brand

    @rx.event
    async def refresh_brand(self):
        """The header shows the organization's new name and logo at once."""
        with db.session_scope() as session:
            actor = self._actor(session)
            org = auth.default_org(session)
            name, logo = org.name, org_settings.logo_url(org)
        if actor is not None:
            brand = await self.get_state(AuthState)
            brand.org_name, brand.org_logo = name, logo

    @rx.event
    @signed_in
    def send_test_email(self, session: Session, actor: Actor, form: dict):
        self.test_to = str(form.get("test_to", "")).strip()
        try:
            answer = org_settings.send_test_email(session, actor, self.test_to)
        except PermissionDenied:
            raise
        except DomainError as exc:
            self.test_ok, self.test_answer = False, exc.message
            return None
        self.test_ok, self.test_answer = True, f"Sent. The mail server answered: {answer}"
        return None
