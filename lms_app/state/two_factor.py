"""The two-factor page: turn TOTP sign-in on (scan, confirm, keep the recovery codes), off, or
make new recovery codes."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app.services import two_factor
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in


class TwoFactorState(ActorMixin, rx.State):
    enabled: bool = False
    required: bool = False
    recovery_codes_left: int = 0
    # While enrolling: the QR code and the secret for typing in by hand (the user's own).
    qr_code: str = ""
    manual_key: str = ""
    # Shown once, right after they are made; only their hashes are kept.
    new_recovery_codes: list[str] = []

    def _refresh(self, session: Session, actor: Actor) -> None:
        self.enabled = two_factor.is_enabled(session, actor.user_id)
        self.required = two_factor.required_for_actor(session, actor)
        self.recovery_codes_left = two_factor.recovery_codes_left(session, actor.user_id)

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self._refresh(session, actor)
        # A set-up under way stays on screen: the page's load may arrive after the click that
        # started it, and the secret it shows is still the one waiting for confirmation.
        if self.enabled:
            self.qr_code = self.manual_key = ""
        self.new_recovery_codes = []

    @rx.event
    @signed_in
    def start(self, session: Session, actor: Actor):
        started = two_factor.start_enrolment(session, actor)
        self.qr_code, self.manual_key = started.qr_svg_data_uri, " ".join(started.secret[i:i + 4] for i in range(0, len(started.secret), 4))
        self.new_recovery_codes = []

    @rx.event
    @signed_in
    def confirm(self, session: Session, actor: Actor, form: dict):
        self.new_recovery_codes = two_factor.confirm_enrolment(session, actor, form.get("code", ""))
        self.qr_code = self.manual_key = ""
        self._refresh(session, actor)
        return rx.toast.success("Two-factor sign-in is on.")

    @rx.event
    def cancel(self):
        self.qr_code = self.manual_key = ""

    @rx.event
    @signed_in
    def regenerate(self, session: Session, actor: Actor, form: dict):
        self.new_recovery_codes = two_factor.regenerate_recovery_codes(session, actor, form.get("code", ""))
        self._refresh(session, actor)
        return [rx.set_value("regenerate-code", ""), rx.toast.success("New recovery codes made. The old ones no longer work.")]

    @rx.event
    @signed_in
    def disable(self, session: Session, actor: Actor, form: dict):
        two_factor.disable(session, actor, form.get("code", ""))
        self.new_recovery_codes = []
        self._refresh(session, actor)
        return [rx.set_value("disable-code", ""), rx.toast.success("Two-factor sign-in is off.")]
