"""What the public sign-in pages show before anyone is signed in."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app import db
from lms_app.services import auth, profile
from lms_app.services.errors import DomainError
from lms_app.state.base import public_handler


class SignInPagesState(rx.State):
    notice: str = ""
    registration_open: bool = False
    registration_note: str = ""
    invitation_valid: bool = False
    invitation_note: str = ""
    invitee_email: str = ""
    # The confirmation page of an email change: "pending", "done" or "invalid", and what to say.
    email_change: str = ""
    email_change_note: str = ""

    def _load_registration(self, session: Session) -> None:
        org = auth.default_org(session)
        self.registration_open = org.registration_mode != "closed"
        self.registration_note = {
            "closed": "Self-registration is closed here. Ask your administrator for an invitation.",
            "domains": f"Open to addresses at {org.registration_domains.replace(',', ', ')}.",
            "approval": "An administrator approves new accounts before they can sign in.",
        }.get(org.registration_mode, "")

    @rx.event
    @public_handler
    def load_login(self, session: Session):
        query = self.router.url.query_parameters
        self.notice = (
            "Your password is changed. Sign in with it now." if "reset" in query
            else "Your account is ready. Sign in to start." if "registered" in query
            else ""
        )
        self._load_registration(session)

    @rx.event
    @public_handler
    def load_register(self, session: Session):
        self._load_registration(session)

    @rx.event
    @public_handler
    def load_invitation(self, session: Session):
        try:
            user = auth.invitation_user(session, self._path_token())
        except DomainError as exc:
            self.invitation_valid, self.invitation_note, self.invitee_email = False, exc.message, ""
            return
        self.invitation_valid = True
        self.invitee_email = user.email
        self.invitation_note = f"Hello {user.name}: choose a password to finish setting up your account."

    def _path_token(self) -> str:
        return (self.router.url.path or "").rstrip("/").split("/")[-1]

    @rx.event
    @public_handler
    def load_email_change(self, session: Session):
        try:
            old, new = profile.email_change_for(session, self._path_token())
        except DomainError as exc:
            self.email_change, self.email_change_note = "invalid", exc.message
            return
        self.email_change = "pending"
        self.email_change_note = f"Your account will use {new} instead of {old} from now on: you will sign in with the new address."

    @rx.event
    def confirm_email_change(self):
        try:
            with db.session_scope() as session:
                user = profile.confirm_email_change(session, self._path_token(), ip=self.router.session.client_ip)
                self.email_change, self.email_change_note = "done", f"Your email is now {user.email}. Sign in with it from now on."
        except DomainError as exc:
            self.email_change, self.email_change_note = "invalid", exc.message
