"""The groups and departments page: create, rename, delete; members and managers."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import groups
from lms_app.services.errors import NotFound
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in

MEMBERS_PAGE = 20
TOP = "top"  # the "no parent" value of the parent select


@dataclasses.dataclass
class PersonView:
    id: str
    name: str
    email: str


@dataclasses.dataclass
class GroupCard:
    id: str
    name: str
    description: str
    members: str
    managers: list[str]


@dataclasses.dataclass
class DepartmentRow:
    id: str
    name: str
    depth: int
    indent: str
    members: str
    managers: list[str]
    children: int
    path: str
    parent_id: str


@dataclasses.dataclass
class ParentOption:
    value: str
    label: str


def _num(value) -> int:
    """An id from the browser, or 0 (which no row has) so the service answers 'not found'."""
    text = str(value or "")
    return int(text) if text.isdigit() else 0


def _people(rows: list[groups.Person]) -> list[PersonView]:
    return [PersonView(str(p.id), p.name, p.email) for p in rows]


class AdminGroupsState(ActorMixin, rx.State):
    tab: str = "groups"
    groups: list[GroupCard] = []
    departments: list[DepartmentRow] = []
    parent_options: list[ParentOption] = []

    # Creating a group.
    create_group_open: bool = False

    # The group being managed (dialog).
    group_open: bool = False
    group_id: str = ""
    group_name: str = ""
    group_description: str = ""
    members: list[PersonView] = []
    members_total: int = 0
    member_search: str = ""
    member_page: int = 1
    group_managers: list[PersonView] = []

    # Creating or editing a department (dialog).
    dept_form_open: bool = False
    dept_form_id: str = ""
    dept_form_name: str = ""
    dept_form_parent: str = TOP

    # The department whose managers are being changed (dialog).
    dept_managers_open: bool = False
    dept_id: str = ""
    dept_name: str = ""
    dept_managers: list[PersonView] = []

    # The department about to be deleted (confirmation).
    delete_dept_open: bool = False
    delete_dept_id: str = ""
    delete_dept_name: str = ""
    delete_dept_members: str = "0"

    # Finding people to add (shared by both dialogs).
    people_query: str = ""
    people_results: list[PersonView] = []

    @rx.var
    def member_pages(self) -> int:
        return max(1, -(-self.members_total // MEMBERS_PAGE))

    def _reload(self, session: Session, actor: Actor) -> list[groups.DepartmentInfo]:
        self.groups = [
            GroupCard(str(g.id), g.name, g.description, str(g.members), [m.name for m in g.managers])
            for g in groups.list_groups(session, actor)
        ]
        depts = groups.list_departments(session, actor)
        self.departments = [
            DepartmentRow(str(d.id), d.name, d.depth, f"{d.depth * 1.5}rem", str(d.members), [m.name for m in d.managers], d.children, d.path,
                          str(d.parent_id) if d.parent_id else TOP)
            for d in depts
        ]
        self.parent_options = [ParentOption(TOP, "None (top level)")] + [ParentOption(str(d.id), d.path) for d in depts]
        return depts

    def _reload_group(self, session: Session, actor: Actor) -> None:
        info = groups.get_group(session, actor, _num(self.group_id))
        self.group_name, self.group_description = info.name, info.description
        self.group_managers = _people(info.managers)
        rows, self.members_total = groups.group_members(session, actor, info.id, search=self.member_search, page=self.member_page, page_size=MEMBERS_PAGE)
        self.members = _people(rows)

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.create_group_open = self.group_open = self.dept_form_open = self.dept_managers_open = self.delete_dept_open = False
        self._reload(session, actor)

    @rx.event
    def set_tab(self, value: str):
        self.tab = value if value in ("groups", "departments") else "groups"

    # --- groups ---------------------------------------------------------------------------------

    @rx.event
    def set_create_group_open(self, value: bool):
        self.create_group_open = bool(value)

    @rx.event
    @signed_in
    def create_group(self, session: Session, actor: Actor, form: dict):
        group = groups.create_group(session, actor, form.get("name", ""), form.get("description", ""))
        self.create_group_open = False
        self._reload(session, actor)
        return rx.toast.success(f"Group “{group.name}” created. Open it to add people.")

    @rx.event
    @signed_in
    def open_group(self, session: Session, actor: Actor, group_id: str):
        self.group_id, self.member_search, self.member_page = str(_num(group_id)), "", 1
        self.people_query, self.people_results = "", []
        self._reload_group(session, actor)
        self.group_open = True

    @rx.event
    def set_group_open(self, value: bool):
        self.group_open = bool(value)

    @rx.event
    @signed_in
    def save_group(self, session: Session, actor: Actor, form: dict):
        group = groups.update_group(session, actor, _num(self.group_id), name=form.get("name", ""), description=form.get("description", ""))
        self._reload(session, actor)
        self._reload_group(session, actor)
        return rx.toast.success(f"Group “{group.name}” saved.")

    @rx.event
    @signed_in
    def delete_group(self, session: Session, actor: Actor, group_id: str):
        groups.delete_group(session, actor, _num(group_id))
        if group_id == self.group_id:
            self.group_open, self.group_id = False, ""
        self._reload(session, actor)
        return rx.toast.success("Group deleted. Its people keep their accounts.")

    @rx.event
    @signed_in
    def set_member_search(self, session: Session, actor: Actor, value: str):
        self.member_search, self.member_page = value[:100], 1
        self._reload_group(session, actor)

    @rx.event
    @signed_in
    def go_to_member_page(self, session: Session, actor: Actor, page: int):
        self.member_page = max(1, min(int(page), self.member_pages))
        self._reload_group(session, actor)

    @rx.event
    @signed_in
    def remove_member(self, session: Session, actor: Actor, user_id: str):
        groups.remove_member(session, actor, _num(self.group_id), _num(user_id))
        self._reload_group(session, actor)
        self._reload(session, actor)
        return rx.toast.success("Removed from the group.")

    @rx.event
    @signed_in
    def add_member(self, session: Session, actor: Actor, user_id: str):
        groups.add_members(session, actor, _num(self.group_id), [_num(user_id)])
        self.people_results = [p for p in self.people_results if p.id != user_id]
        self._reload_group(session, actor)
        self._reload(session, actor)
        return rx.toast.success("Added to the group.")

    @rx.event
    @signed_in
    def add_group_manager(self, session: Session, actor: Actor, user_id: str):
        groups.add_group_manager(session, actor, _num(self.group_id), _num(user_id))
        self._reload_group(session, actor)
        self._reload(session, actor)
        return rx.toast.success("Manager added.")

    @rx.event
    @signed_in
    def remove_group_manager(self, session: Session, actor: Actor, user_id: str):
        groups.remove_group_manager(session, actor, _num(self.group_id), _num(user_id))
        self._reload_group(session, actor)
        self._reload(session, actor)
        return rx.toast.success("Manager removed.")

    @rx.event
    @signed_in
    def search_people(self, session: Session, actor: Actor, value: str):
        self.people_query = value[:100]
        self.people_results = _people(groups.find_people(session, actor, self.people_query))

    # --- departments ----------------------------------------------------------------------------

    @rx.event
    def new_department(self, parent_id: str):
        self.dept_form_id, self.dept_form_name = "", ""
        self.dept_form_parent = parent_id if any(o.value == parent_id for o in self.parent_options) else TOP
        self.dept_form_open = True

    @rx.event
    def edit_department(self, dept_id: str):
        row = next((d for d in self.departments if d.id == dept_id), None)
        if row is None:
            return
        self.dept_form_id, self.dept_form_name, self.dept_form_parent = row.id, row.name, row.parent_id
        self.dept_form_open = True

    @rx.event
    def set_dept_form_open(self, value: bool):
        self.dept_form_open = bool(value)

    @rx.event
    def pick_dept_parent(self, value: str):
        self.dept_form_parent = value

    @rx.event
    @signed_in
    def save_department(self, session: Session, actor: Actor, form: dict):
        parent = form.get("parent", self.dept_form_parent)
        parent_id = None if parent in ("", TOP) else _num(parent)
        if self.dept_form_id:
            dept = groups.update_department(session, actor, _num(self.dept_form_id), name=form.get("name", ""), parent_id=parent_id)
            message = f"Department “{dept.name}” saved."
        else:
            dept = groups.create_department(session, actor, form.get("name", ""), parent_id)
            message = f"Department “{dept.name}” created."
        self.dept_form_open = False
        self._reload(session, actor)
        return rx.toast.success(message)

    @rx.event
    def ask_delete_department(self, dept_id: str):
        row = next((d for d in self.departments if d.id == dept_id), None)
        if row is None:
            return
        self.delete_dept_id, self.delete_dept_name, self.delete_dept_members = row.id, row.name, row.members
        self.delete_dept_open = True

    @rx.event
    def set_delete_dept_open(self, value: bool):
        self.delete_dept_open = bool(value)

    @rx.event
    @signed_in
    def delete_department(self, session: Session, actor: Actor, dept_id: str):
        people = groups.delete_department(session, actor, _num(dept_id))
        self.delete_dept_open = False
        self._reload(session, actor)
        left = f" {people} {'person is' if people == 1 else 'people are'} now without a department." if people else ""
        return rx.toast.success(f"Department deleted.{left}")

    @rx.event
    @signed_in
    def open_dept_managers(self, session: Session, actor: Actor, dept_id: str):
        self.dept_id = str(_num(dept_id))
        self.people_query, self.people_results = "", []
        self._reload_managers(session, actor)
        self.dept_managers_open = True

    def _reload_managers(self, session: Session, actor: Actor) -> None:
        depts = self._reload(session, actor)
        info = next((d for d in depts if str(d.id) == self.dept_id), None)
        if info is None:
            raise NotFound("That department does not exist.")
        self.dept_name, self.dept_managers = info.name, _people(info.managers)

    @rx.event
    def set_dept_managers_open(self, value: bool):
        self.dept_managers_open = bool(value)

    @rx.event
    @signed_in
    def add_department_manager(self, session: Session, actor: Actor, user_id: str):
        groups.add_department_manager(session, actor, _num(self.dept_id), _num(user_id))
        self._reload_managers(session, actor)
        return rx.toast.success("Manager added.")

    @rx.event
    @signed_in
    def remove_department_manager(self, session: Session, actor: Actor, user_id: str):
        groups.remove_department_manager(session, actor, _num(self.dept_id), _num(user_id))
        self._reload_managers(session, actor)
        return rx.toast.success("Manager removed.")
