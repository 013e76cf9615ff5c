"""The LRS clients page (/admin/lrs): the tools allowed to send and read xAPI statements, a new
client (its secret shown once), revoking one. Thin over lrs_clients, which checks lrs.manage."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app import settings
from lms_app.services import lrs_clients, profile, timefmt
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in


@dataclasses.dataclass
class ClientRow:
    id: str
    name: str
    key: str
    scopes: list[str]
    created: str
    last_used: str
    active: bool


@dataclasses.dataclass
class ScopeChoice:
    value: str
    label: str


class AdminLrsState(ActorMixin, rx.State):
    clients: list[ClientRow] = []
    create_open: bool = False
    # The client just created: its secret is shown once, then forgotten.
    new_key: str = ""
    new_secret: str = ""
    revoke_open: bool = False
    revoke_id: str = ""
    revoke_name: str = ""

    @rx.var(cache=True)
    def scope_choices(self) -> list[ScopeChoice]:
        return [ScopeChoice(value, label) for value, label in lrs_clients.SCOPES.items()]

    @rx.var(cache=True)
    def endpoint(self) -> str:
        return settings.PUBLIC_URL.rstrip("/") + "/xapi/"

    def _reload(self, session: Session, actor: Actor) -> None:
        tz = profile.get_profile(session, actor).timezone or "UTC"
        self.clients = [ClientRow(str(c.id), c.name, c.key, [lrs_clients.SCOPES.get(s, s) for s in c.scopes], timefmt.show(c.created_at, tz),
                                  timefmt.show(c.last_used_at, tz, never="Never"), c.revoked_at is None)
                        for c in lrs_clients.list_clients(session, actor)]

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.new_key = self.new_secret = ""
        self._reload(session, actor)

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)
        if value:
            self.new_key = self.new_secret = ""

    @rx.event
    @signed_in
    def create(self, session: Session, actor: Actor, form: dict):
        scopes = [value for value in lrs_clients.SCOPES if form.get(f"scope_{value}") == "on"]
        made = lrs_clients.create_client(session, actor, form.get("name", ""), scopes)
        self.new_key, self.new_secret = made.client.key, made.secret
        self._reload(session, actor)
        return rx.toast.success(f"Client “{made.client.name}” created. Copy its secret now: it is not shown again.")

    @rx.event
    def ask_revoke(self, client_id: str):
        row = next((c for c in self.clients if c.id == client_id), None)
        if row is not None:
            self.revoke_id, self.revoke_name, self.revoke_open = row.id, row.name, True

    @rx.event
    def set_revoke_open(self, value: bool):
        self.revoke_open = bool(value)

    @rx.event
    @signed_in
    def revoke(self, session: Session, actor: Actor):
        client = lrs_clients.revoke_client(session, actor, int(self.revoke_id or 0))
        self.revoke_open = False
        self._reload(session, actor)
        return rx.toast.success(f"“{client.name}” can no longer use the LRS.")
