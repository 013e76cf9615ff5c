"""A manager's team: the departments (with their sub-departments) and groups they manage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from lms_app.models import Department, DepartmentManager, Group, GroupManager, GroupMember, User
from lms_app.services.permissions import Actor, require


@dataclass
class TeamUnit:
    kind: str  # "department" | "group"
    id: int
    name: str
    members: int


@dataclass
class TeamMember:
    user_id: int
    name: str
    email: str
    department: str
    last_login_at: datetime | None
    is_active: bool


def managed_department_ids(session: Session, manager_id: int) -> set[int]:
    """The departments a user manages, sub-departments included."""
    roots = set(session.exec(select(DepartmentManager.department_id).where(DepartmentManager.user_id == manager_id)).all())
    if not roots:
        return set()
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in session.exec(select(Department.id, Department.parent_id)).all():
        children.setdefault(parent_id, []).append(dept_id)
    found, stack = set(), list(roots)
    while stack:
        dept_id = stack.pop()
        if dept_id not in found:
            found.add(dept_id)
            stack.extend(children.get(dept_id, []))
    return found


def team_member_ids(session: Session, manager_id: int) -> set[int]:
    """Everyone in the manager's team (never the manager themselves)."""
    dept_ids = managed_department_ids(session, manager_id)
    group_ids = session.exec(select(GroupManager.group_id).where(GroupManager.user_id == manager_id)).all()
    ids: set[int] = set()
    if dept_ids:
        ids |= set(session.exec(select(User.id).where(User.department_id.in_(dept_ids))).all())
    if group_ids:
        ids |= set(session.exec(select(GroupMember.user_id).where(GroupMember.group_id.in_(group_ids))).all())
    ids.discard(manager_id)
    return ids


def team_units(session: Session, actor: Actor) -> list[TeamUnit]:
    require(actor, "teams.view")
    dept_ids = managed_department_ids(session, actor.user_id)
    units: list[TeamUnit] = []
    if dept_ids:
        counts = dict(session.exec(select(User.department_id, func.count(User.id)).where(User.department_id.in_(dept_ids), User.is_active.is_(True)).group_by(User.department_id)).all())
        for dept in session.exec(select(Department).where(Department.id.in_(dept_ids)).order_by(Department.name)).all():
            units.append(TeamUnit("department", dept.id, dept.name, counts.get(dept.id, 0)))
    groups = session.exec(
        select(Group, func.count(GroupMember.id)).join(GroupManager, GroupManager.group_id == Group.id)
        .join(GroupMember, GroupMember.group_id == Group.id, isouter=True)
        .where(GroupManager.user_id == actor.user_id).group_by(Group.id).order_by(Group.name)
    ).all()
    units.extend(TeamUnit("group", g.id, g.name, n) for g, n in groups)
    return units


def team_members(session: Session, actor: Actor) -> list[TeamMember]:
    require(actor, "teams.view")
    ids = team_member_ids(session, actor.user_id)
    if not ids:
        return []
    rows = session.exec(
        select(User, Department.name).join(Department, Department.id == User.department_id, isouter=True)
        .where(User.id.in_(ids)).order_by(User.name)
    ).all()
    return [TeamMember(u.id, u.name, u.email, dept or "", u.last_login_at, u.is_active) for u, dept in rows]
