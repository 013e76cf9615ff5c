"""Groups (cohorts) and the department tree, with their members and managers."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from lms_app.models import Department, DepartmentManager, Group, GroupManager, GroupMember, Requirement, User
from lms_app.services import audit, jobs
from lms_app.services.errors import Conflict, Invalid, NotFound
from lms_app.services.permissions import Actor, require

MAX_NAME = 200


@dataclass
class Person:
    id: int
    name: str
    email: str


@dataclass
class GroupInfo:
    id: int
    name: str
    description: str
    members: int
    managers: list[Person] = field(default_factory=list)


@dataclass
class DepartmentInfo:
    id: int
    name: str
    parent_id: int | None
    depth: int
    members: int
    path: str
    managers: list[Person] = field(default_factory=list)
    children: int = 0


# --- shared helpers ---------------------------------------------------------------------------

def _clean_name(name: str, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(f"Give the {what} a name.")
    if len(name) > MAX_NAME:
        raise Invalid(f"The {what} name must have at most {MAX_NAME} characters.")
    return name


def _person(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.org_id != actor.org_id:
        raise NotFound("That person does not exist.")
    return user


def find_people(session: Session, actor: Actor, query: str, *, limit: int = 8, exclude: set[int] | None = None) -> list[Person]:
    """Active people whose name or email contains the query (pickers for members and managers)."""
    require(actor, "groups.manage")
    return find_people_in_org(session, actor.org_id, query, limit=limit, exclude=exclude)


def find_people_in_org(session: Session, org_id: int, query: str, *, limit: int, exclude: set[int] | None) -> list[Person]:
    """People of the organization whose name or email matches (for pickers; callers check who may search)."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = select(User.id, User.name, User.email).where(
        User.org_id == org_id, User.is_active.is_(True), User.pending_approval.is_(False),
        or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")),
    ).order_by(User.name).limit(limit + len(exclude or ()))
    rows = [Person(*r) for r in session.exec(stmt).all() if not exclude or r[0] not in exclude]
    return rows[:limit]


# --- required training ---
# Required training follows groups, departments, roles and hire dates: a change asks the job
# runner to bring the requirements of the people it touches up to date at once (the recurring
# run of the same job is the safety net).
REQUIREMENTS_SYNC = "compliance.sync"


def requirements_follow(session: Session, user_ids) -> None:
    """Enqueue a requirements sync for these people (in the caller's transaction), when there
    is any requirement to follow."""
    ids = sorted({int(u) for u in user_ids})
    if ids and session.exec(select(Requirement.id).where(Requirement.retired_at.is_(None)).limit(1)).first() is not None:
        jobs.enqueue(session, REQUIREMENTS_SYNC, {"user_ids": ids})


# --- department tree --------------------------------------------------------------------------

def _department_rows(session: Session, org_id: int) -> list[tuple[int, int | None, str]]:
    return list(session.exec(select(Department.id, Department.parent_id, Department.name).where(Department.org_id == org_id)).all())


def descendant_ids(session: Session, org_id: int, department_id: int) -> set[int]:
    """A department and all the departments below it."""
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id, _ in _department_rows(session, org_id):
        children.setdefault(parent_id, []).append(dept_id)
    found, stack = set(), [department_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def department_outline(session: Session, org_id: int) -> list[tuple[int, int, str, str]]:
    """(id, depth, name, path) of every department, parents first and siblings by name."""
    rows = _department_rows(session, org_id)
    known = {r[0] for r in rows}
    children: dict[int | None, list[tuple[int, str]]] = {}
    for dept_id, parent_id, name in rows:
        children.setdefault(parent_id if parent_id in known else None, []).append((dept_id, name))
    out: list[tuple[int, int, str, str]] = []

    def walk(parent: int | None, depth: int, prefix: str) -> None:
        for dept_id, name in sorted(children.get(parent, []), key=lambda c: c[1].lower()):
            path = f"{prefix} / {name}" if prefix else name
            out.append((dept_id, depth, name, path))
            walk(dept_id, depth + 1, path)

    walk(None, 0, "")
    return out


def _department(session: Session, actor: Actor, department_id: int | None) -> Department:
    dept = session.get(Department, department_id) if department_id else None
    if dept is None or dept.org_id != actor.org_id:
        raise NotFound("That department does not exist.")
    return dept


def list_departments(session: Session, actor: Actor) -> list[DepartmentInfo]:
    """The whole tree in display order, with member counts (people directly in it) and managers."""
    require(actor, "groups.manage")
    outline = department_outline(session, actor.org_id)
    parents = dict((r[0], r[1]) for r in _department_rows(session, actor.org_id))
    counts = dict(session.exec(
        select(User.department_id, func.count(User.id)).where(User.org_id == actor.org_id, User.department_id.is_not(None), User.is_active.is_(True))
        .group_by(User.department_id)
    ).all())
    managers: dict[int, list[Person]] = {}
    for dept_id, uid, name, email in session.exec(
        select(DepartmentManager.department_id, User.id, User.name, User.email).join(User, User.id == DepartmentManager.user_id)
        .where(User.org_id == actor.org_id).order_by(User.name)
    ).all():
        managers.setdefault(dept_id, []).append(Person(uid, name, email))
    child_counts: dict[int, int] = {}
    for parent in parents.values():
        if parent is not None:
            child_counts[parent] = child_counts.get(parent, 0) + 1
    return [
        DepartmentInfo(dept_id, name, parents.get(dept_id), depth, counts.get(dept_id, 0), path, managers.get(dept_id, []), child_counts.get(dept_id, 0))
        for dept_id, depth, name, path in outline
    ]


def _sibling_name_taken(session: Session, org_id: int, parent_id: int | None, name: str, exclude_id: int | None = None) -> bool:
    stmt = select(Department.id).where(Department.org_id == org_id, func.lower(Department.name) == name.lower())
    stmt = stmt.where(Department.parent_id.is_(None) if parent_id is None else Department.parent_id == parent_id)
    if exclude_id is not None:
        stmt = stmt.where(Department.id != exclude_id)
    return session.exec(stmt).first() is not None


def create_department(session: Session, actor: Actor, name: str, parent_id: int | None = None) -> Department:
    require(actor, "groups.manage")
    name = _clean_name(name, "department")
    parent = _department(session, actor, parent_id) if parent_id else None
    if _sibling_name_taken(session, actor.org_id, parent_id, name):
        raise Conflict(f"There is already a department called “{name}” {'in ' + parent.name if parent else 'at the top level'}.")
    dept = Department(org_id=actor.org_id, name=name, parent_id=parent.id if parent else None)
    session.add(dept)
    session.flush()
    audit.record(session, actor, "department.created", target_type="department", target_id=dept.id, target_label=name,
                 after={"name": name, "parent": parent.name if parent else None})
    return dept


def update_department(session: Session, actor: Actor, department_id: int, *, name: str, parent_id: int | None) -> Department:
    """Rename a department or move it under another one (never under itself or its own sub-departments)."""
    require(actor, "groups.manage")
    dept = _department(session, actor, department_id)
    name = _clean_name(name, "department")
    parent = _department(session, actor, parent_id) if parent_id else None
    if parent is not None and parent.id in descendant_ids(session, actor.org_id, dept.id):
        raise Invalid(f"“{dept.name}” cannot be placed under {'itself' if parent.id == dept.id else 'one of its own sub-departments'}.")
    new_parent_id = parent.id if parent else None
    if _sibling_name_taken(session, actor.org_id, new_parent_id, name, exclude_id=dept.id):
        raise Conflict(f"There is already a department called “{name}” {'in ' + parent.name if parent else 'at the top level'}.")
    old_parent = session.get(Department, dept.parent_id) if dept.parent_id else None
    before = {"name": dept.name, "parent": old_parent.name if old_parent else None}
    after = {"name": name, "parent": parent.name if parent else None}
    if before != after:
        moved = dept.parent_id != new_parent_id
        dept.name, dept.parent_id = name, new_parent_id
        session.add(dept)
        if moved:
            subtree = descendant_ids(session, actor.org_id, dept.id)
            requirements_follow(session, session.exec(select(User.id).where(User.department_id.in_(subtree))).all())
        audit.record(session, actor, "department.updated", target_type="department", target_id=dept.id, target_label=name, before=before, after=after)
    return dept


def delete_department(session: Session, actor: Actor, department_id: int) -> int:
    """Delete a department without sub-departments. Its people keep their accounts and are left
    without a department (their count is returned and audited)."""
    require(actor, "groups.manage")
    dept = _department(session, actor, department_id)
    children = session.exec(select(func.count(Department.id)).where(Department.parent_id == dept.id)).one()
    if children:
        raise Conflict(f"“{dept.name}” has {children} sub-department{'s' if children != 1 else ''}: move or delete {'them' if children != 1 else 'it'} first.")
    people = list(session.exec(select(User.id).where(User.department_id == dept.id)).all())
    if people:
        session.execute(User.__table__.update().where(User.department_id == dept.id).values(department_id=None))
        requirements_follow(session, people)
    session.execute(delete(DepartmentManager).where(DepartmentManager.department_id == dept.id))
    audit.record(session, actor, "department.deleted", target_type="department", target_id=dept.id, target_label=dept.name,
                 before={"name": dept.name, "people": len(people)})
    session.delete(dept)
    session.flush()
    return len(people)


def add_department_manager(session: Session, actor: Actor, department_id: int, user_id: int) -> None:
    require(actor, "groups.manage")
    dept = _department(session, actor, department_id)
    user = _person(session, actor, user_id)
    exists = session.exec(select(DepartmentManager).where(DepartmentManager.department_id == dept.id, DepartmentManager.user_id == user.id)).first()
    if exists is not None:
        raise Conflict(f"{user.name} already manages {dept.name}.")
    session.add(DepartmentManager(department_id=dept.id, user_id=user.id))
    audit.record(session, actor, "department.manager_added", target_type="department", target_id=dept.id, target_label=dept.name,
                 after={"manager": user.email})


def remove_department_manager(session: Session, actor: Actor, department_id: int, user_id: int) -> None:
    require(actor, "groups.manage")
    dept = _department(session, actor, department_id)
    row = session.exec(select(DepartmentManager).where(DepartmentManager.department_id == dept.id, DepartmentManager.user_id == user_id)).first()
    if row is None:
        raise NotFound("That person does not manage this department.")
    user = session.get(User, user_id)
    session.delete(row)
    audit.record(session, actor, "department.manager_removed", target_type="department", target_id=dept.id, target_label=dept.name,
                 before={"manager": user.email if user else str(user_id)})


# --- groups -----------------------------------------------------------------------------------

def _group(session: Session, actor: Actor, group_id: int) -> Group:
    group = session.get(Group, group_id) if group_id else None
    if group is None or group.org_id != actor.org_id:
        raise NotFound("That group does not exist.")
    return group


def _group_name_taken(session: Session, org_id: int, name: str, exclude_id: int | None = None) -> bool:
    stmt = select(Group.id).where(Group.org_id == org_id, func.lower(Group.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Group.id != exclude_id)
    return session.exec(stmt).first() is not None


def list_groups(session: Session, actor: Actor) -> list[GroupInfo]:
    require(actor, "groups.manage")
    counts = dict(session.exec(
        select(GroupMember.group_id, func.count(GroupMember.id)).join(Group, Group.id == GroupMember.group_id)
        .where(Group.org_id == actor.org_id).group_by(GroupMember.group_id)
    ).all())
    managers: dict[int, list[Person]] = {}
    for group_id, uid, name, email in session.exec(
        select(GroupManager.group_id, User.id, User.name, User.email).join(User, User.id == GroupManager.user_id)
        .where(User.org_id == actor.org_id).order_by(User.name)
    ).all():
        managers.setdefault(group_id, []).append(Person(uid, name, email))
    groups = session.exec(select(Group).where(Group.org_id == actor.org_id).order_by(func.lower(Group.name))).all()
    return [GroupInfo(g.id, g.name, g.description, counts.get(g.id, 0), managers.get(g.id, [])) for g in groups]


def get_group(session: Session, actor: Actor, group_id: int) -> GroupInfo:
    require(actor, "groups.manage")
    group = _group(session, actor, group_id)
    members = session.exec(select(func.count(GroupMember.id)).where(GroupMember.group_id == group.id)).one()
    managers = [Person(*r) for r in session.exec(
        select(User.id, User.name, User.email).join(GroupManager, GroupManager.user_id == User.id)
        .where(GroupManager.group_id == group.id).order_by(User.name)
    ).all()]
    return GroupInfo(group.id, group.name, group.description, members, managers)


def group_members(session: Session, actor: Actor, group_id: int, *, search: str = "", page: int = 1, page_size: int = 20) -> tuple[list[Person], int]:
    """One page of a group's members (by name), and how many match."""
    require(actor, "groups.manage")
    group = _group(session, actor, group_id)
    page_size = max(1, min(page_size, 100))
    stmt = select(User.id, User.name, User.email).join(GroupMember, GroupMember.user_id == User.id).where(GroupMember.group_id == group.id)
    search = (search or "").strip()
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(User.name, User.id).offset((max(1, page) - 1) * page_size).limit(page_size)).all()
    return [Person(*r) for r in rows], total


def create_group(session: Session, actor: Actor, name: str, description: str = "") -> Group:
    require(actor, "groups.manage")
    name = _clean_name(name, "group")
    description = (description or "").strip()[:2000]
    if _group_name_taken(session, actor.org_id, name):
        raise Conflict(f"There is already a group called “{name}”.")
    group = Group(org_id=actor.org_id, name=name, description=description)
    session.add(group)
    session.flush()
    audit.record(session, actor, "group.created", target_type="group", target_id=group.id, target_label=name, after={"name": name, "description": description})
    return group


def update_group(session: Session, actor: Actor, group_id: int, *, name: str, description: str = "") -> Group:
    require(actor, "groups.manage")
    group = _group(session, actor, group_id)
    name = _clean_name(name, "group")
    description = (description or "").strip()[:2000]
    if _group_name_taken(session, actor.org_id, name, exclude_id=group.id):
        raise Conflict(f"There is already a group called “{name}”.")
    before = {"name": group.name, "description": group.description}
    after = {"name": name, "description": description}
    if before != after:
        group.name, group.description = name, description
        session.add(group)
        audit.record(session, actor, "group.updated", target_type="group", target_id=group.id, target_label=name, before=before, after=after)
    return group


def delete_group(session: Session, actor: Actor, group_id: int) -> None:
    """Delete a group; its people keep their accounts, only the membership goes."""
    require(actor, "groups.manage")
    group = _group(session, actor, group_id)
    member_ids = session.exec(select(GroupMember.user_id).where(GroupMember.group_id == group.id)).all()
    members = len(member_ids)
    session.execute(delete(GroupMember).where(GroupMember.group_id == group.id))
    requirements_follow(session, member_ids)
    session.execute(delete(GroupManager).where(GroupManager.group_id == group.id))
    audit.record(session, actor, "group.deleted", target_type="group", target_id=group.id, target_label=group.name,
                 before={"name": group.name, "members": members})
    session.delete(group)
    session.flush()


def add_members(session: Session, actor: Actor, group_id: int, user_ids: list[int]) -> int:
    """Add people to a group; those already in it are skipped. Returns how many were added."""
    require(actor, "groups.manage")
    group = _group(session, actor, group_id)
    wanted = {int(u) for u in user_ids}
    if not wanted:
        raise Invalid("Choose at least one person to add.")
    valid = dict(session.exec(select(User.id, User.email).where(User.id.in_(wanted), User.org_id == actor.org_id)).all())
    if len(valid) != len(wanted):
        raise NotFound("Some of those people do not exist.")
    present = set(session.exec(select(GroupMember.user_id).where(GroupMember.group_id == group.id, GroupMember.user_id.in_(wanted))).all())
    new = sorted(wanted - present)
    if not new:
        raise Conflict("Everyone chosen is already in this group.")
    session.add_all(GroupMember(group_id=group.id, user_id=uid) for uid in new)
    session.flush()
    jobs.groups_gained_members(session, [group.id])
    requirements_follow(session, new)
    audit.record(session, actor, "group.members_added", target_type="group", target_id=group.id, target_label=group.name,
                 after={"added": [valid[u] for u in new]})
    return len(new)


def remove_member(session: Session, actor: Actor, group_id: int, user_id: int) -> None:
    require(actor, "groups.manage")
    group = _group(session, actor, group_id)
    row = session.exec(select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user_id)).first()
    if row is None:
        raise NotFound("That person is not in this group.")
    user = session.get(User, user_id)
    session.delete(row)
    requirements_follow(session, [row.user_id])
    audit.record(session, actor, "group.member_removed", target_type="group", target_id=group.id, target_label=group.name,
                 before={"member": user.email if user else str(user_id)})


def add_group_manager(session: Session, actor: Actor, group_id: int, user_id: int) -> None:
    require(actor, "groups.manage")
    group = _group(session, actor, group_id)
    user = _person(session, actor, user_id)
    exists = session.exec(select(GroupManager).where(GroupManager.group_id == group.id, GroupManager.user_id == user.id)).first()
    if exists is not None:
        raise Conflict(f"{user.name} already manages {group.name}.")
    session.add(GroupManager(group_id=group.id, user_id=user.id))
    audit.record(session, actor, "group.manager_added", target_type="group", target_id=group.id, target_label=group.name, after={"manager": user.email})


def remove_group_manager(session: Session, actor: Actor, group_id: int, user_id: int) -> None:
    require(actor, "groups.manage")
    group = _group(session, actor, group_id)
    row = session.exec(select(GroupManager).where(GroupManager.group_id == group.id, GroupManager.user_id == user_id)).first()
    if row is None:
        raise NotFound("That person does not manage this group.")
    user = session.get(User, user_id)
    session.delete(row)
    audit.record(session, actor, "group.manager_removed", target_type="group", target_id=group.id, target_label=group.name,
                 before={"manager": user.email if user else str(user_id)})
