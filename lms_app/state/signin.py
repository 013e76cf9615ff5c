"""What the public sign-in pages show before anyone is signed in."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app.services import auth, passwords
from lms_app.services.errors import DomainError
from lms_app.state.base import public_handler

# Shown under every new-password field; from the settings the service checks against.
PASSWORD_RULES = passwords.policy_text()


class SignInPagesState(rx.State):
    notice: str = ""
    registration_open: bool = False
    registration_note: str = ""
    invitation_valid: bool = False
    invitation_note: str = ""
    invitee_email: str = ""

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
        token = (self.router.url.path or "").rstrip("/").split("/")[-1]
        try:
            user = auth.invitation_user(session, token)
        except DomainError as exc:
            self.invitation_valid, self.invitation_note, self.invitee_email = False, exc.message, ""
            return
        self.invitation_valid = True
        self.invitee_email = user.email
        self.invitation_note = f"Hello {user.name}: choose a password to finish setting up your account."
