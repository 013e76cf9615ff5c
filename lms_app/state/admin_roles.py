"""The roles page: every role with its permissions, custom roles edited in a checkbox grid."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import roles
from lms_app.services.permissions import PERMISSIONS, Actor
from lms_app.state.base import ActorMixin, signed_in


@dataclasses.dataclass
class RoleCard:
    id: str
    name: str
    description: str
    builtin: bool
    members: str
    permissions: list[str]


@dataclasses.dataclass
class Cell:
    role_id: str
    permission: str
    checked: bool
    editable: bool


@dataclasses.dataclass
class MatrixRow:
    permission: str
    description: str
    cells: list[Cell]


@dataclasses.dataclass
class CatalogEntry:
    name: str
    description: str


class AdminRolesState(ActorMixin, rx.State):
    roles: list[RoleCard] = []
    matrix: list[MatrixRow] = []
    create_open: bool = False
    edit_open: bool = False
    edit_id: str = ""
    edit_name: str = ""
    edit_description: str = ""
    edit_builtin: bool = False

    @rx.var(cache=True)
    def catalog(self) -> list[CatalogEntry]:
        return [CatalogEntry(name, text) for name, text in PERMISSIONS.items()]

    def _reload(self, session: Session, actor: Actor) -> None:
        found = roles.list_roles(session, actor)
        self.roles = [RoleCard(str(r.id), r.name, r.description, r.builtin, str(r.members), r.permissions) for r in found]
        self.matrix = [
            MatrixRow(p, text, [Cell(str(r.id), p, p in r.permissions, not r.builtin) for r in found])
            for p, text in PERMISSIONS.items()
        ]

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.create_open = self.edit_open = False
        self._reload(session, actor)

    @rx.event
    @signed_in
    def toggle(self, session: Session, actor: Actor, role_id: str, permission: str, granted: bool):
        role = roles.set_permission(session, actor, int(role_id), permission, bool(granted))
        self._reload(session, actor)
        return rx.toast.success(f"“{role.name}” {'can now' if granted else 'can no longer'}: {PERMISSIONS.get(permission, permission).lower()}.")

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)

    @rx.event
    @signed_in
    def create(self, session: Session, actor: Actor, form: dict):
        chosen = [key.removeprefix("perm:") for key, value in form.items() if key.startswith("perm:") and value]
        role = roles.create_role(session, actor, form.get("name", ""), form.get("description", ""), chosen)
        self.create_open = False
        self._reload(session, actor)
        return rx.toast.success(f"Role “{role.name}” created. Give it to people from their page.")

    @rx.event
    def start_edit(self, role_id: str):
        card = next((r for r in self.roles if r.id == role_id), None)
        if card is None:
            return
        self.edit_id, self.edit_name, self.edit_description, self.edit_builtin = card.id, card.name, card.description, card.builtin
        self.edit_open = True

    @rx.event
    def set_edit_open(self, value: bool):
        self.edit_open = bool(value)

    @rx.event
    @signed_in
    def save_edit(self, session: Session, actor: Actor, form: dict):
        kwargs = {"description": form.get("description", "")}
        if "name" in form:
            kwargs["name"] = form["name"]
        roles.update_role(session, actor, int(self.edit_id) if self.edit_id.isdigit() else 0, **kwargs)
        self.edit_open = False
        self._reload(session, actor)
        return rx.toast.success("Role saved.")

    @rx.event
    @signed_in
    def delete(self, session: Session, actor: Actor, role_id: str):
        roles.delete_role(session, actor, int(role_id))
        self._reload(session, actor)
        return rx.toast.success("Role deleted.")
