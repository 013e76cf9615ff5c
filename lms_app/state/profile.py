"""The profile page: one's name, time zone, language, password and active sessions."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app.services import auth, profile, timefmt, two_factor
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, cookie_token, signed_in


def describe_agent(user_agent: str) -> str:
    ua = user_agent or ""
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in ua), "Browser")
    system = next((s for s in ("Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux") if s in ua), "")
    name = {"Edg": "Edge"}.get(browser, browser)
    return f"{name} on {system.replace('Mac OS', 'macOS')}" if system else name


def session_rows(session: Session, actor: Actor, user_id: int, current_token: str | None, viewer_tz: str) -> list[dict[str, str]]:
    current_hash = auth.token_hash(current_token) if current_token else ""
    return [
        {"id": str(s.id), "device": describe_agent(s.user_agent), "ip": s.ip or "unknown",
         "started": timefmt.show(s.created_at, viewer_tz), "last_seen": timefmt.ago(s.last_seen_at),
         "current": "yes" if s.token_hash == current_hash else ""}
        for s in auth.list_sessions(session, actor, user_id)
    ]


class ProfileState(ActorMixin, rx.State):
    name: str = ""
    email: str = ""
    timezone: str = "UTC"
    locale: str = "en"
    sessions: list[dict[str, str]] = []
    password_message: str = ""
    two_factor_on: bool = False
    # A new address waiting for its confirmation link to be followed.
    pending_email: str = ""

    @rx.var
    def zone_offset(self) -> str:
        return timefmt.utc_offset(self.timezone)

    def _load_sessions(self, session: Session, actor: Actor) -> None:
        self.sessions = session_rows(session, actor, actor.user_id, cookie_token(self.router.headers.cookie), self.timezone)

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        user = profile.get_profile(session, actor)
        self.name, self.email, self.timezone, self.locale = user.name, user.email, user.timezone, user.locale
        self.password_message = ""
        self.two_factor_on = two_factor.is_enabled(session, actor.user_id)
        self.pending_email = profile.pending_email_change(session, actor) or ""
        self._load_sessions(session, actor)

    @rx.event
    @signed_in
    def save(self, session: Session, actor: Actor, form: dict):
        user = profile.update_profile(session, actor, name=form.get("name", ""), timezone=form.get("timezone", self.timezone), locale=form.get("locale", self.locale))
        self.name, self.timezone, self.locale = user.name, user.timezone, user.locale
        return rx.toast.success("Profile saved.")

    @rx.event
    def pick_timezone(self, value: str):
        self.timezone = value

    @rx.event
    def pick_locale(self, value: str):
        self.locale = value

    @rx.event
    @signed_in
    def change_password(self, session: Session, actor: Actor, form: dict):
        new = form.get("new_password", "")
        if new != form.get("new_password2", ""):
            return rx.toast.error("The two new passwords are not the same.")
        auth.change_password(session, actor, form.get("current_password", ""), new)
        return [rx.toast.success("Password changed."), rx.set_value("current_password", ""), rx.set_value("new_password", ""), rx.set_value("new_password2", "")]

    @rx.event
    @signed_in
    def request_email_change(self, session: Session, actor: Actor, form: dict):
        self.pending_email = profile.request_email_change(session, actor, form.get("new_email", ""), form.get("email_password", ""))
        return [rx.set_value("new_email", ""), rx.set_value("email_password", ""),
                rx.toast.success(f"We sent a link to {self.pending_email}. Your email changes when you follow it.")]

    @rx.event
    @signed_in
    def revoke(self, session: Session, actor: Actor, login_session_id: str):
        auth.revoke_session(session, actor, int(login_session_id))
        self._load_sessions(session, actor)
        return rx.toast.success("That session is signed out.")


