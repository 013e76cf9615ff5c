"""A manager's My teams."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app.services import profile, teams, timefmt
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in


class TeamsState(ActorMixin, rx.State):
    units: list[dict[str, str]] = []
    members: list[dict[str, str]] = []
    search: str = ""

    @rx.var
    def visible_members(self) -> list[dict[str, str]]:
        q = self.search.strip().lower()
        if not q:
            return self.members
        return [m for m in self.members if q in m["name"].lower() or q in m["email"].lower() or q in m["department"].lower()]

    @rx.event
    def set_search(self, value: str):
        self.search = value[:100]

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        viewer_tz = profile.get_profile(session, actor).timezone
        self.units = [
            {"kind": "Department" if u.kind == "department" else "Group", "name": u.name, "members": str(u.members)}
            for u in teams.team_units(session, actor)
        ]
        self.members = [
            {"name": m.name, "email": m.email, "department": m.department or "—",
             "last_login": timefmt.ago(m.last_login_at), "last_login_full": timefmt.show(m.last_login_at, viewer_tz),
             "status": "Active" if m.is_active else "Deactivated"}
            for m in teams.team_members(session, actor)
        ]
