"""Roles: the built-in ones (fixed) and custom ones built from the permission catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from lms_app.models import Permission, Role, User, UserRole, utcnow
from lms_app.services import audit
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import PERMISSIONS, Actor, require

_NAME = re.compile(r"^[^\W\d_][\w .&-]{1,63}$")


@dataclass
class RoleInfo:
    id: int
    name: str
    description: str
    builtin: bool
    permissions: list[str] = field(default_factory=list)
    members: int = 0


def _role(session: Session, actor: Actor, role_id: int) -> Role:
    role = session.get(Role, role_id) if role_id else None
    if role is None or role.org_id != actor.org_id:
        raise NotFound("That role does not exist.")
    return role


def _member_counts(session: Session, org_id: int) -> dict[int, int]:
    """People holding each role now (unexpired grants, active accounts)."""
    now = utcnow()
    return dict(session.exec(
        select(UserRole.role_id, func.count(UserRole.id)).join(User, User.id == UserRole.user_id)
        .where(User.org_id == org_id, User.is_active.is_(True), or_(UserRole.expires_at.is_(None), UserRole.expires_at > now))
        .group_by(UserRole.role_id)
    ).all())


def list_roles(session: Session, actor: Actor) -> list[RoleInfo]:
    """Every role with its permissions (in catalog order) and how many people hold it."""
    require(actor, "roles.manage")
    order = {name: i for i, name in enumerate(PERMISSIONS)}
    roles = session.exec(select(Role).where(Role.org_id == actor.org_id).order_by(Role.builtin.desc(), Role.name)).all()
    perms: dict[int, list[str]] = {}
    for role_id, name in session.exec(select(Permission.role_id, Permission.name).where(Permission.role_id.in_([r.id for r in roles]))).all():
        perms.setdefault(role_id, []).append(name)
    counts = _member_counts(session, actor.org_id)
    # Built-in roles in their natural order of power, custom ones by name after them.
    builtin_order = {"admin": 0, "instructor": 1, "manager": 2, "learner": 3}
    roles = sorted(roles, key=lambda r: (not r.builtin, builtin_order.get(r.name, 9) if r.builtin else 0, r.name))
    return [
        RoleInfo(r.id, r.name, r.description, r.builtin, sorted(perms.get(r.id, []), key=lambda p: order.get(p, 99)), counts.get(r.id, 0))
        for r in roles
    ]


def _clean(name: str, description: str, permissions: list[str]) -> tuple[str, str, list[str]]:
    name = " ".join((name or "").split())
    if not _NAME.match(name):
        raise Invalid("A role name has 2 to 64 characters (letters, digits, spaces, . & - or _) and starts with a letter.")
    description = (description or "").strip()
    if len(description) > 500:
        raise Invalid("The description must have at most 500 characters.")
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown:
        raise Invalid(f"Unknown permission{'s' if len(unknown) > 1 else ''}: {', '.join(sorted(unknown))}.")
    perms = [p for p in PERMISSIONS if p in set(permissions)]
    if not perms:
        raise Invalid("Choose at least one permission for the role.")
    return name, description, perms


def _name_taken(session: Session, org_id: int, name: str, exclude_id: int | None = None) -> bool:
    stmt = select(Role.id).where(Role.org_id == org_id, func.lower(Role.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Role.id != exclude_id)
    return session.exec(stmt).first() is not None


def create_role(session: Session, actor: Actor, name: str, description: str, permissions: list[str]) -> Role:
    """A custom role granting permissions from the catalog."""
    require(actor, "roles.manage")
    name, description, perms = _clean(name, description, permissions)
    if _name_taken(session, actor.org_id, name):
        raise Conflict(f"There is already a role called “{name}”.")
    role = Role(org_id=actor.org_id, name=name, description=description, builtin=False)
    session.add(role)
    session.flush()
    session.add_all(Permission(role_id=role.id, name=p) for p in perms)
    audit.record(session, actor, "role.created", target_type="role", target_id=role.id, target_label=name,
                 after={"name": name, "description": description, "permissions": perms})
    session.flush()
    return role


def update_role(session: Session, actor: Actor, role_id: int, *, name: str | None = None, description: str | None = None,
                permissions: list[str] | None = None) -> Role:
    """Change a custom role. Built-in roles keep their name and permissions (the product relies
    on them); only their description may change."""
    require(actor, "roles.manage")
    role = _role(session, actor, role_id)
    current = [p for p in PERMISSIONS if p in set(session.exec(select(Permission.name).where(Permission.role_id == role.id)).all())]
    new_name = role.name if name is None else name
    new_desc = role.description if description is None else description
    new_perms = current if permissions is None else list(permissions)
    if role.builtin:
        if set(new_perms) != set(current) or " ".join(new_name.split()) != role.name:
            raise PermissionDenied(f"“{role.name}” is a built-in role: its name and permissions cannot be changed. Create a custom role with the permissions you need.")
        new_desc = (new_desc or "").strip()
        if len(new_desc) > 500:
            raise Invalid("The description must have at most 500 characters.")
        clean_name, clean_perms = role.name, current
    else:
        clean_name, new_desc, clean_perms = _clean(new_name, new_desc, new_perms)
        if _name_taken(session, actor.org_id, clean_name, exclude_id=role.id):
            raise Conflict(f"There is already a role called “{clean_name}”.")
    before = {"name": role.name, "description": role.description, "permissions": current}
    after = {"name": clean_name, "description": new_desc, "permissions": clean_perms}
    if before == after:
        return role
    role.name, role.description = clean_name, new_desc
    session.add(role)
    if clean_perms != current:
        session.execute(delete(Permission).where(Permission.role_id == role.id, Permission.name.not_in(clean_perms)))
        session.add_all(Permission(role_id=role.id, name=p) for p in clean_perms if p not in current)
    audit.record(session, actor, "role.updated", target_type="role", target_id=role.id, target_label=clean_name, before=before, after=after)
    session.flush()
    return role


def set_permission(session: Session, actor: Actor, role_id: int, permission: str, granted: bool) -> Role:
    """Grant or take back one permission of a custom role (the checkbox grid)."""
    require(actor, "roles.manage")
    role = _role(session, actor, role_id)
    current = set(session.exec(select(Permission.name).where(Permission.role_id == role.id)).all())
    wanted = current | {permission} if granted else current - {permission}
    return update_role(session, actor, role.id, permissions=sorted(wanted))


def set_course_creation(session: Session, actor: Actor, role_id: int, granted: bool) -> Role:
    """Grant or take back "courses.create" (Settings, "Who may create courses"). The one
    permission of a built-in role an admin may change; admins always keep it."""
    require(actor, "roles.manage")
    role = _role(session, actor, role_id)
    if not role.builtin:
        return set_permission(session, actor, role.id, "courses.create", granted)
    if role.name == "admin" and not granted:
        raise Invalid("Admins can always create courses.")
    current = [p for p in PERMISSIONS if p in set(session.exec(select(Permission.name).where(Permission.role_id == role.id)).all())]
    if ("courses.create" in current) == granted:
        return role
    after = [p for p in PERMISSIONS if p in (set(current) | {"courses.create"} if granted else set(current) - {"courses.create"})]
    if granted:
        session.add(Permission(role_id=role.id, name="courses.create"))
    else:
        session.execute(delete(Permission).where(Permission.role_id == role.id, Permission.name == "courses.create"))
    audit.record(session, actor, "role.updated", target_type="role", target_id=role.id, target_label=role.name,
                 before={"name": role.name, "description": role.description, "permissions": current},
                 after={"name": role.name, "description": role.description, "permissions": after})
    session.flush()
    return role


def delete_role(session: Session, actor: Actor, role_id: int) -> None:
    """Delete a custom role nobody holds. A role still held is refused rather than silently
    taken from people: an admin removes it from them first, knowingly."""
    require(actor, "roles.manage")
    role = _role(session, actor, role_id)
    if role.builtin:
        raise PermissionDenied(f"“{role.name}” is a built-in role and cannot be deleted.")
    holders = session.exec(select(func.count(UserRole.id)).where(UserRole.role_id == role.id)).one()
    if holders:
        raise Conflict(f"{holders} {'person holds' if holders == 1 else 'people hold'} the role “{role.name}”: take it back from them before deleting it.")
    perms = [p for p in PERMISSIONS if p in set(session.exec(select(Permission.name).where(Permission.role_id == role.id)).all())]
    session.execute(delete(Permission).where(Permission.role_id == role.id))
    audit.record(session, actor, "role.deleted", target_type="role", target_id=role.id, target_label=role.name,
                 before={"name": role.name, "description": role.description, "permissions": perms})
    session.delete(role)
    session.flush()
