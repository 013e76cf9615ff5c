"""The admin overview."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app.services import overview
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in


class AdminOverviewState(ActorMixin, rx.State):
    figures: dict[str, int] = {}

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.figures = vars(overview.overview(session, actor)).copy()
