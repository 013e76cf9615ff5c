"""People: the admin's list, invitations, profile changes, deactivation, approvals, role grants,
groups and department, the CSV import and export, and the self-registration setting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, delete, exists, func, or_, update
from sqlmodel import Session, select

from lms_app import settings
from lms_app.locales import LANGUAGES, is_time_zone
from lms_app.models import (
    Department,
    Group,
    GroupMember,
    Invitation,
    LoginSession,
    Organization,
    Role,
    User,
    UserRole,
    utcnow,
)
from lms_app.services import audit, auth, jobs, org_settings, timefmt
from lms_app.services.csv_export import csv_text, in_batches
from lms_app.services.csv_import import EXTRA_VALUES, EXTRA_VALUES_PROBLEM, email_problem, is_email, problems_summary, read_csv
from lms_app.services.email import queue_email
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.groups import department_outline, descendant_ids, requirements_follow
from lms_app.services.passwords import check_policy, hash_password
from lms_app.services.permissions import Actor, require
from lms_app.services.setup import ensure_installation

STATUSES = ("active", "invited", "pending", "deactivated")
REGISTRATION_MODES = ("closed", "domains", "approval")
# Roles anyone who may invite people may give; any other role is a grant of power and needs roles.manage.
PLAIN_ROLES = frozenset({"learner"})
MAX_PAGE_SIZE = 100
IMPORT_COLUMNS = ("email", "name", "roles", "department", "groups", "hire_date", "timezone")
# Columns an export writes that an import reads past (so an export can be edited and imported back).
EXPORT_ONLY_COLUMNS = ("status", "last_sign_in")
_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")


# --- results ------------------------------------------------------------------------------

@dataclass
class UserRow:
    id: int
    name: str
    email: str
    roles: list[str]
    department: str
    status: str  # active | invited | pending | deactivated
    last_login_at: datetime | None
    created_at: datetime | None = None


@dataclass
class RoleGrant:
    role_id: int
    name: str
    builtin: bool
    expires_at: datetime | None
    expired: bool


@dataclass
class UserDetail:
    id: int
    name: str
    email: str
    timezone: str
    locale: str
    hire_date: date | None
    department_id: int | None
    department: str
    status: str
    is_active: bool
    pending_approval: bool
    invitation_open: bool  # invited, no password chosen yet
    created_at: datetime
    last_login_at: datetime | None
    roles: list[RoleGrant] = field(default_factory=list)
    groups: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class FilterOptions:
    roles: list[tuple[int, str]]
    departments: list[tuple[int, str, int]]  # id, name, depth
    groups: list[tuple[int, str]]


# --- small helpers ------------------------------------------------------------------------

def _status(user: User) -> str:
    if not user.is_active:
        return "deactivated"
    if user.pending_approval:
        return "pending"
    if user.password_hash is None:
        return "invited"
    return "active"


def _user(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, int(user_id)) if user_id else None
    if user is None or user.org_id != actor.org_id:
        raise NotFound("That person does not exist.")
    return user


def clean_email(email: str) -> str:
    email = auth.normalize_email(email)
    if not is_email(email):
        raise Invalid(f"“{email or 'an empty value'}” is not a valid email address.")
    return email


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("Enter the person's name.")
    if len(name) > 200:
        raise Invalid("A name must have at most 200 characters.")
    return name


def _parse_date(value: date | str | None, what: str = "hire date") -> date | None:
    if value is None or isinstance(value, date):
        return value
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"The {what} “{value}” is not a date like 2026-03-01.") from None


def email_taken(session: Session, org_id: int, email: str, exclude_id: int | None = None) -> bool:
    stmt = select(User.id).where(User.org_id == org_id, User.email == email)
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return session.exec(stmt).first() is not None


def _roles_by_name(session: Session, org_id: int) -> dict[str, Role]:
    return {r.name.lower(): r for r in session.exec(select(Role).where(Role.org_id == org_id)).all()}


def _check_grantable(actor: Actor, role_names: list[str]) -> None:
    powerful = sorted({r for r in role_names if r.lower() not in PLAIN_ROLES})
    if powerful and not actor.can("roles.manage"):
        raise PermissionDenied(f"Giving the role{'s' if len(powerful) > 1 else ''} {', '.join(powerful)} needs the permission to manage roles.")


def _department_or_none(session: Session, actor: Actor, department_id: int | None) -> Department | None:
    if not department_id:
        return None
    dept = session.get(Department, int(department_id))
    if dept is None or dept.org_id != actor.org_id:
        raise NotFound("That department does not exist.")
    return dept


# An anonymized account's address: undeliverable by design (RFC 2606's .invalid).
ANONYMIZED_DOMAIN = "anonymized.invalid"


def is_anonymized(email: str) -> bool:
    return email.endswith(f"@{ANONYMIZED_DOMAIN}")


def active_admin_ids(session: Session, org_id: int) -> set[int]:
    now = utcnow()
    return set(session.exec(
        select(UserRole.user_id).join(Role, Role.id == UserRole.role_id).join(User, User.id == UserRole.user_id)
        .where(Role.org_id == org_id, Role.builtin.is_(True), Role.name == "admin", User.is_active.is_(True),
               User.pending_approval.is_(False), or_(UserRole.expires_at.is_(None), UserRole.expires_at > now))
    ).all())


def _current_roles(session: Session, user_ids: list[int]) -> dict[int, list[str]]:
    if not user_ids:
        return {}
    now = utcnow()
    out: dict[int, list[str]] = {}
    for uid, name in session.exec(
        select(UserRole.user_id, Role.name).join(Role, Role.id == UserRole.role_id)
        .where(UserRole.user_id.in_(user_ids), or_(UserRole.expires_at.is_(None), UserRole.expires_at > now))
        .order_by(Role.builtin.desc(), Role.name)
    ).all():
        out.setdefault(uid, []).append(name)
    return out


# --- listing ------------------------------------------------------------------------------

def _filtered(session: Session, actor: Actor, search: str, role: str, department_id: int | None, group_id: int | None, status: str):
    """The SELECT of the users matching the admin's filters (no ordering or paging yet)."""
    stmt = select(User, Department.name).join(Department, Department.id == User.department_id, isouter=True).where(User.org_id == actor.org_id)
    search = (search or "").strip()
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    if role:
        now = utcnow()
        stmt = stmt.where(exists().where(
            UserRole.user_id == User.id, UserRole.role_id == Role.id, Role.org_id == actor.org_id, Role.name == role,
            or_(UserRole.expires_at.is_(None), UserRole.expires_at > now),
        ))
    if department_id:
        stmt = stmt.where(User.department_id.in_(descendant_ids(session, actor.org_id, int(department_id))))
    if group_id:
        stmt = stmt.where(exists().where(GroupMember.user_id == User.id, GroupMember.group_id == int(group_id)))
    if status:
        if status not in STATUSES:
            raise Invalid("Unknown status filter.")
        stmt = stmt.where({
            "active": and_(User.is_active.is_(True), User.pending_approval.is_(False), User.password_hash.is_not(None)),
            "invited": and_(User.is_active.is_(True), User.pending_approval.is_(False), User.password_hash.is_(None)),
            "pending": and_(User.is_active.is_(True), User.pending_approval.is_(True)),
            "deactivated": User.is_active.is_(False),
        }[status])
    return stmt


def list_users(session: Session, actor: Actor, *, search: str = "", role: str = "", department_id: int | None = None,
               group_id: int | None = None, status: str = "", page: int = 1, page_size: int = 25) -> tuple[list[UserRow], int]:
    """One page of the people matching the filters (by name), and how many match in all.

    A department filter includes its sub-departments. Filtering and paging happen in SQL.
    """
    require(actor, "users.view")
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    stmt = _filtered(session, actor, search, role, department_id, group_id, status)
    total = session.exec(select(func.count()).select_from(stmt.with_only_columns(User.id).subquery())).one()
    rows = session.exec(stmt.order_by(func.lower(User.name), User.id).offset((page - 1) * page_size).limit(page_size)).all()
    roles = _current_roles(session, [u.id for u, _ in rows])
    return [UserRow(u.id, u.name, u.email, roles.get(u.id, []), dept or "", _status(u), u.last_login_at, u.created_at) for u, dept in rows], total


def filter_options(session: Session, actor: Actor) -> FilterOptions:
    """Roles, departments (tree order) and groups to filter and assign by."""
    require(actor, "users.view")
    roles = list(session.exec(select(Role.id, Role.name).where(Role.org_id == actor.org_id).order_by(Role.builtin.desc(), Role.name)).all())
    depts = [(d_id, name, depth) for d_id, depth, name, _ in department_outline(session, actor.org_id)]
    groups = list(session.exec(select(Group.id, Group.name).where(Group.org_id == actor.org_id).order_by(func.lower(Group.name))).all())
    return FilterOptions(roles, depts, groups)


def pending_registrations(session: Session, actor: Actor, limit: int = 20) -> tuple[list[UserRow], int]:
    rows, total = list_users(session, actor, status="pending", page_size=limit)
    return rows, total


def get_user(session: Session, actor: Actor, user_id: int) -> UserDetail:
    """Everything the admin's page about one person shows."""
    require(actor, "users.view")
    user = _user(session, actor, user_id)
    dept = session.get(Department, user.department_id) if user.department_id else None
    now = utcnow()
    grants = [
        RoleGrant(role.id, role.name, role.builtin, grant.expires_at, grant.expires_at is not None and grant.expires_at <= now)
        for grant, role in session.exec(
            select(UserRole, Role).join(Role, Role.id == UserRole.role_id).where(UserRole.user_id == user.id).order_by(Role.builtin.desc(), Role.name)
        ).all()
    ]
    groups = list(session.exec(
        select(Group.id, Group.name).join(GroupMember, GroupMember.group_id == Group.id).where(GroupMember.user_id == user.id).order_by(func.lower(Group.name))
    ).all())
    return UserDetail(
        user.id, user.name, user.email, user.timezone, user.locale, user.hire_date, user.department_id, dept.name if dept else "",
        _status(user), user.is_active, user.pending_approval, user.password_hash is None and user.is_active,
        user.created_at, user.last_login_at, grants, groups,
    )


# --- invitations --------------------------------------------------------------------------

def invite_user(session: Session, actor: Actor, email: str, name: str, role_names: list[str] | None = None,
                department_id: int | None = None, group_ids: list[int] | None = None) -> User:
    """Create an account without a password and email the person a link to choose one.

    With no role given the person is a learner. Roles other than learner need roles.manage.
    """
    require(actor, "users.manage")
    email = clean_email(email)
    name = _clean_name(name)
    if email_taken(session, actor.org_id, email):
        raise Conflict(f"Someone with the address {email} already has an account.")
    wanted = [r.strip() for r in (role_names or []) if r and r.strip()] or ["learner"]
    known = _roles_by_name(session, actor.org_id)
    unknown = [r for r in wanted if r.lower() not in known]
    if unknown:
        raise Invalid(f"Unknown role: {', '.join(unknown)}.")
    _check_grantable(actor, wanted)
    dept = _department_or_none(session, actor, department_id)
    groups = _groups_by_id(session, actor, group_ids or [])
    org = session.get(Organization, actor.org_id)
    user = User(org_id=actor.org_id, email=email, name=name, password_hash=None, timezone=org.default_timezone,
                department_id=dept.id if dept else None)
    session.add(user)
    session.flush()
    roles = [known[r.lower()] for r in dict.fromkeys(wanted)]
    session.add_all(UserRole(user_id=user.id, role_id=r.id) for r in roles)
    session.add_all(GroupMember(group_id=g.id, user_id=user.id) for g in groups)
    jobs.groups_gained_members(session, [g.id for g in groups])
    requirements_follow(session, [user.id])
    auth.create_invitation(session, actor, user)
    audit.record(session, actor, "user.invited", target_type="user", target_id=user.id, target_label=email,
                 after={"name": name, "roles": [r.name for r in roles], "department": dept.name if dept else None, "groups": [g.name for g in groups]})
    return user


def resend_invitation(session: Session, actor: Actor, user_id: int) -> None:
    """A new invitation link; earlier unused ones stop working."""
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    if not user.is_active:
        raise Invalid(f"{user.name}'s account is deactivated: reactivate it before inviting them again.")
    if user.password_hash is not None:
        raise Invalid(f"{user.name} has already accepted their invitation; they can reset their password from the sign-in page.")
    now = utcnow()
    session.execute(update(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None), Invitation.expires_at > now).values(expires_at=now))
    auth.create_invitation(session, actor, user)
    audit.record(session, actor, "user.invitation_resent", target_type="user", target_id=user.id, target_label=user.email)


# --- changes to one person ----------------------------------------------------------------

def update_user(session: Session, actor: Actor, user_id: int, *, name: str, email: str, timezone: str, locale: str,
                hire_date: date | str | None, department_id: int | None) -> User:
    """Change a person's details; the audit row holds what changed, before and after."""
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    name = _clean_name(name)
    email = clean_email(email)
    if not is_time_zone(timezone):
        raise Invalid("Choose a time zone from the list.")
    if locale not in LANGUAGES:
        raise Invalid("Choose a language from the list.")
    hire = _parse_date(hire_date)
    dept = _department_or_none(session, actor, department_id)
    if email != user.email and email_taken(session, actor.org_id, email, exclude_id=user.id):
        raise Conflict(f"Someone with the address {email} already has an account.")
    old_dept = session.get(Department, user.department_id) if user.department_id else None
    before_all = {"name": user.name, "email": user.email, "timezone": user.timezone, "locale": user.locale,
                  "hire_date": user.hire_date.isoformat() if user.hire_date else None, "department": old_dept.name if old_dept else None}
    after_all = {"name": name, "email": email, "timezone": timezone, "locale": locale,
                 "hire_date": hire.isoformat() if hire else None, "department": dept.name if dept else None}
    changed = [k for k in before_all if before_all[k] != after_all[k]]
    if (user.department_id or None) != (dept.id if dept else None) and "department" not in changed:
        changed.append("department")  # two departments may share a name
    if not changed:
        return user
    user.name, user.email, user.timezone, user.locale, user.hire_date = name, email, timezone, locale, hire
    user.department_id = dept.id if dept else None
    session.add(user)
    if {"department", "hire_date", "timezone"} & set(changed):
        requirements_follow(session, [user.id])  # due dates follow the hire date and the time zone
    audit.record(session, actor, "user.updated", target_type="user", target_id=user.id, target_label=email,
                 before={k: before_all[k] for k in changed}, after={k: after_all[k] for k in changed})
    return user


def set_department(session: Session, actor: Actor, user_id: int, department_id: int | None) -> User:
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    dept = _department_or_none(session, actor, department_id)
    new_id = dept.id if dept else None
    if user.department_id == new_id:
        return user
    old = session.get(Department, user.department_id) if user.department_id else None
    user.department_id = new_id
    session.add(user)
    requirements_follow(session, [user.id])
    audit.record(session, actor, "user.department_changed", target_type="user", target_id=user.id, target_label=user.email,
                 before={"department": old.name if old else None}, after={"department": dept.name if dept else None})
    return user


def _groups_by_id(session: Session, actor: Actor, group_ids: list[int]) -> list[Group]:
    ids = {int(g) for g in group_ids}
    if not ids:
        return []
    groups = list(session.exec(select(Group).where(Group.id.in_(ids), Group.org_id == actor.org_id)).all())
    if len(groups) != len(ids):
        raise NotFound("Some of those groups do not exist.")
    return sorted(groups, key=lambda g: g.name.lower())


def set_groups(session: Session, actor: Actor, user_id: int, group_ids: list[int]) -> list[str]:
    """Make the person a member of exactly these groups. Returns the group names."""
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    groups = _groups_by_id(session, actor, group_ids)
    current = dict(session.exec(
        select(Group.id, Group.name).join(GroupMember, GroupMember.group_id == Group.id).where(GroupMember.user_id == user.id)
    ).all())
    wanted = {g.id for g in groups}
    if wanted == set(current):
        return [g.name for g in groups]
    removed = set(current) - wanted
    if removed:
        session.execute(delete(GroupMember).where(GroupMember.user_id == user.id, GroupMember.group_id.in_(removed)))
    session.add_all(GroupMember(group_id=g.id, user_id=user.id) for g in groups if g.id not in current)
    jobs.groups_gained_members(session, [g.id for g in groups if g.id not in current])
    requirements_follow(session, [user.id])
    audit.record(session, actor, "user.groups_changed", target_type="user", target_id=user.id, target_label=user.email,
                 before={"groups": sorted(current.values(), key=str.lower)}, after={"groups": [g.name for g in groups]})
    session.flush()
    return [g.name for g in groups]


def revoke_user_session(session: Session, actor: Actor, user_id: int, login_session_id: int) -> None:
    """Sign one of this person's sessions out (from their admin page)."""
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    login_session = session.get(LoginSession, login_session_id)
    if login_session is None or login_session.user_id != user.id:
        raise NotFound("That session no longer exists.")
    auth.revoke_session(session, actor, login_session.id)


def deactivate_user(session: Session, actor: Actor, user_id: int) -> int:
    """Stop a person from signing in; every login session of theirs ends now. Returns how many."""
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    if user.id == actor.user_id:
        raise Invalid("You cannot deactivate your own account.")
    if not user.is_active:
        raise Invalid(f"{user.name} is already deactivated.")
    if user.id in active_admin_ids(session, actor.org_id) and len(active_admin_ids(session, actor.org_id)) <= 1:
        raise Invalid(f"{user.name} is the last administrator: give someone else the admin role first.")
    user.is_active = False
    session.add(user)
    requirements_follow(session, [user.id])
    revoked = auth.revoke_all_sessions(session, user.id)
    audit.record(session, actor, "user.deactivated", target_type="user", target_id=user.id, target_label=user.email,
                 before={"is_active": True}, after={"is_active": False, "sessions_revoked": revoked})
    return revoked


def reactivate_user(session: Session, actor: Actor, user_id: int) -> User:
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    if user.is_active:
        raise Invalid(f"{user.name} is already active.")
    if is_anonymized(user.email):
        raise Invalid("An anonymized account cannot come back: invite the person again as a new user.")
    user.is_active = True
    session.add(user)
    requirements_follow(session, [user.id])
    audit.record(session, actor, "user.reactivated", target_type="user", target_id=user.id, target_label=user.email,
                 before={"is_active": False}, after={"is_active": True})
    return user


def approve_registration(session: Session, actor: Actor, user_id: int) -> User:
    """Let a self-registered person sign in, and tell them so by email."""
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    if not user.pending_approval:
        raise Invalid(f"{user.name} is not waiting for approval.")
    user.pending_approval = False
    session.add(user)
    requirements_follow(session, [user.id])
    org = session.get(Organization, user.org_id)
    queue_email(session, to=user.email, org_id=user.org_id, subject=f"Your account at {org.name} is approved",
                body_text=f"Hello {user.name},\n\nYour account is approved: you can sign in now at {settings.PUBLIC_URL}/login\n")
    audit.record(session, actor, "user.approved", target_type="user", target_id=user.id, target_label=user.email,
                 before={"pending_approval": True}, after={"pending_approval": False})
    return user


def reject_registration(session: Session, actor: Actor, user_id: int) -> None:
    """Turn down a self-registration: the account, which never could sign in, is removed
    (the audit trail keeps who asked and who said no)."""
    require(actor, "users.manage")
    user = _user(session, actor, user_id)
    if not user.pending_approval:
        raise Invalid(f"{user.name} is not waiting for approval.")
    audit.record(session, actor, "user.rejected", target_type="user", target_id=user.id, target_label=user.email,
                 before={"name": user.name, "email": user.email, "pending_approval": True})
    session.delete(user)
    session.flush()


# --- roles of a person --------------------------------------------------------------------

def _role(session: Session, actor: Actor, role_id: int) -> Role:
    if not role_id:
        raise Invalid("Choose a role.")
    role = session.get(Role, int(role_id))
    if role is None or role.org_id != actor.org_id:
        raise NotFound("That role does not exist.")
    return role


def _expiry(value: datetime | date | str | None, user: User) -> datetime | None:
    """An expiry date means the end of that day in the person's own time zone."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = _parse_date(value, "expiry date")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise Invalid("The expiry needs a time zone.")
        return value
    end = datetime.combine(value + timedelta(days=1), time(0), tzinfo=timefmt.zone(user.timezone))
    return end - timedelta(microseconds=1)


def assign_role(session: Session, actor: Actor, user_id: int, role_id: int, expires_at: datetime | date | str | None = None) -> UserRole:
    """Give a person a role, for good or until a date (a new date replaces the old one)."""
    require(actor, "roles.manage")
    user = _user(session, actor, user_id)
    role = _role(session, actor, role_id)
    until = _expiry(expires_at, user)
    if until is not None and until <= utcnow():
        raise Invalid("The expiry date must be in the future.")
    grant = session.exec(select(UserRole).where(UserRole.user_id == user.id, UserRole.role_id == role.id)).first()
    before = None
    if grant is not None:
        before = {"role": role.name, "expires_at": grant.expires_at.isoformat() if grant.expires_at else None}
        if role.name == "admin" and role.builtin and until is not None and (grant.expires_at is None or grant.expires_at > utcnow()):
            _keep_an_admin(session, actor, user)
        grant.expires_at = until
        grant.granted_at = utcnow()
    else:
        grant = UserRole(user_id=user.id, role_id=role.id, expires_at=until)
    session.add(grant)
    session.flush()
    requirements_follow(session, [user.id])
    audit.record(session, actor, "role.granted", target_type="user", target_id=user.id, target_label=user.email,
                 before=before, after={"role": role.name, "expires_at": until.isoformat() if until else None})
    return grant


def _keep_an_admin(session: Session, actor: Actor, user: User) -> None:
    admins = active_admin_ids(session, actor.org_id)
    if user.id in admins and len(admins) <= 1:
        who = "You are" if user.id == actor.user_id else f"{user.name} is"
        raise Invalid(f"{who} the last administrator: give someone else the admin role first, so the install is never left without one.")


def remove_role(session: Session, actor: Actor, user_id: int, role_id: int) -> None:
    require(actor, "roles.manage")
    user = _user(session, actor, user_id)
    role = _role(session, actor, role_id)
    grant = session.exec(select(UserRole).where(UserRole.user_id == user.id, UserRole.role_id == role.id)).first()
    if grant is None:
        raise NotFound(f"{user.name} does not have the role {role.name}.")
    if role.name == "admin" and role.builtin:
        _keep_an_admin(session, actor, user)
    session.delete(grant)
    requirements_follow(session, [user.id])
    audit.record(session, actor, "role.revoked", target_type="user", target_id=user.id, target_label=user.email,
                 before={"role": role.name, "expires_at": grant.expires_at.isoformat() if grant.expires_at else None})
    session.flush()


# --- command line: the first administrator ---------------------------------------------------

def create_admin(session: Session, email: str, name: str, password: str) -> User:
    """An administrator with a password (`python -m lms_app create-admin`), for a fresh install
    or a locked-out one. The password policy applies."""
    org = ensure_installation(session)
    email = clean_email(email)
    name = _clean_name(name)
    if email_taken(session, org.id, email):
        raise Conflict(f"An account with the address {email} already exists.")
    check_policy(password, email, name, min_length=org_settings.current(session, org.id).password_min_length)
    user = User(org_id=org.id, email=email, name=name, password_hash=hash_password(password), timezone=org.default_timezone)
    session.add(user)
    session.flush()
    roles = _roles_by_name(session, org.id)
    session.add_all(UserRole(user_id=user.id, role_id=roles[r].id) for r in ("admin", "learner"))
    audit.record(session, None, "user.admin_created", target_type="user", target_id=user.id, target_label=email,
                 after={"name": name, "roles": ["admin", "learner"]}, org_id=org.id, actor_label="command line")
    session.flush()
    return user


# --- self-registration setting ---------------------------------------------------------------

def registration_settings(session: Session, actor: Actor) -> tuple[str, list[str]]:
    require(actor, "users.view")
    org = session.get(Organization, actor.org_id)
    return org.registration_mode, [d for d in org.registration_domains.split(",") if d]


def set_registration_mode(session: Session, actor: Actor, mode: str, domains: str | list[str] = "") -> Organization:
    """Closed (invitations only), open to some email domains, or open to anyone with approval."""
    require(actor, "settings.manage")
    if mode not in REGISTRATION_MODES:
        raise Invalid("Choose closed, email domains or approval.")
    raw = domains if isinstance(domains, list) else re.split(r"[\s,;]+", domains or "")
    clean: list[str] = []
    for d in raw:
        d = d.strip().lower().lstrip("@")
        if not d:
            continue
        if not _DOMAIN.match(d):
            raise Invalid(f"“{d}” is not an email domain like example.com.")
        if d not in clean:
            clean.append(d)
    if mode == "domains" and not clean:
        raise Invalid("List at least one email domain, like example.com.")
    org = session.get(Organization, actor.org_id)
    before = {"mode": org.registration_mode, "domains": org.registration_domains}
    joined = ",".join(clean)
    if len(joined) > 1000:
        raise Invalid("That list of domains is too long.")
    after = {"mode": mode, "domains": joined}
    if before != after:
        org.registration_mode, org.registration_domains = mode, joined
        session.add(org)
        audit.record(session, actor, "settings.registration_changed", target_type="organization", target_id=org.id, target_label=org.name,
                     before=before, after=after)
    return org


# --- export -------------------------------------------------------------------------------

def export_users_csv(session: Session, actor: Actor, *, search: str = "", role: str = "", department_id: int | None = None,
                     group_id: int | None = None, status: str = "") -> tuple[str, int]:
    """The filtered list as CSV (the import's columns, plus status and last sign-in), audited."""
    require(actor, "users.view")
    stmt = _filtered(session, actor, search, role, department_id, group_id, status).order_by(func.lower(User.name), User.id)
    paths = {d_id: path for d_id, _, _, path in department_outline(session, actor.org_id)}

    def rows():
        for batch in in_batches((user for user, _ in session.exec(stmt).yield_per(500)), 500):
            ids = [u.id for u in batch]
            roles = _current_roles(session, ids)
            groups: dict[int, list[str]] = {}
            for uid, gname in session.exec(select(GroupMember.user_id, Group.name).join(Group, Group.id == GroupMember.group_id).where(GroupMember.user_id.in_(ids)).order_by(Group.name)).all():
                groups.setdefault(uid, []).append(gname)
            for u in batch:
                yield [
                    u.email, u.name, ";".join(roles.get(u.id, [])), paths.get(u.department_id, ""),
                    ";".join(groups.get(u.id, [])), u.hire_date.isoformat() if u.hire_date else "", u.timezone,
                    _status(u), u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "",
                ]

    text, count = csv_text(IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS, rows())
    filters = {k: v for k, v in {"search": search, "role": role, "department_id": department_id, "group_id": group_id, "status": status}.items() if v}
    audit.record(session, actor, "users.exported", target_type="users", target_label=f"{count} people", after={"count": count, "filters": filters})
    return text, count


# --- CSV import ---------------------------------------------------------------------------

@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    roles: list[str]
    department: str
    groups: list[str]
    hire_date: str
    timezone: str
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(1 for r in self.rows if r.errors)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.error_count == 0

    def messages(self) -> list[str]:
        return self.file_errors + [f"line {r.line}: {'; '.join(r.errors)}" for r in self.rows if r.errors]


def _split_list(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;|]", value or "") if p.strip()]


def _validate_import(session: Session, actor: Actor, csv_text: str) -> ImportPreview:
    header, raw_rows, file_errors = read_csv(csv_text, IMPORT_COLUMNS, ("email", "name"))
    ignored = [h for h in header if h and h not in IMPORT_COLUMNS and h not in EXPORT_ONLY_COLUMNS]
    org = session.get(Organization, actor.org_id)
    roles = _roles_by_name(session, actor.org_id)
    outline = department_outline(session, actor.org_id)
    dept_by_name: dict[str, list[int]] = {}
    for d_id, _, name, path in outline:
        dept_by_name.setdefault(name.lower(), []).append(d_id)
        if path.lower() != name.lower():
            dept_by_name.setdefault(path.lower(), []).append(d_id)
    group_names = {n.lower() for n in session.exec(select(Group.name).where(Group.org_id == actor.org_id)).all()}
    emails_in_file: dict[str, int] = {}
    for _, row in raw_rows:
        e = auth.normalize_email(row.get("email", ""))
        if e:
            emails_in_file.setdefault(e, 0)
    existing = set()
    wanted = list(emails_in_file)
    for chunk in range(0, len(wanted), 500):
        existing |= set(session.exec(select(User.email).where(User.org_id == actor.org_id, User.email.in_(wanted[chunk:chunk + 500]))).all())
    first_line: dict[str, int] = {}
    rows: list[ImportRow] = []
    for line, raw in raw_rows:
        email = auth.normalize_email(raw.get("email", ""))
        row = ImportRow(
            line=line, email=email, name=" ".join(raw.get("name", "").split()), roles=_split_list(raw.get("roles", "")),
            department=raw.get("department", "").strip(), groups=_split_list(raw.get("groups", "")),
            hire_date=raw.get("hire_date", "").strip(), timezone=raw.get("timezone", "").strip(),
        )
        errs = row.errors
        if raw.get(EXTRA_VALUES):
            errs.append(EXTRA_VALUES_PROBLEM)
        problem = email_problem(email, line, first_line)
        if problem:
            errs.append(problem)
        elif email in existing:
            errs.append(f"{email} already has an account")
        if not row.name:
            errs.append("name is missing")
        elif len(row.name) > 200:
            errs.append("name is longer than 200 characters")
        unknown_roles = [r for r in row.roles if r.lower() not in roles]
        if unknown_roles:
            errs.append(f"unknown role{'s' if len(unknown_roles) > 1 else ''} {', '.join(unknown_roles)}")
        powerful = [r for r in row.roles if r.lower() in roles and r.lower() not in PLAIN_ROLES]
        if powerful and not actor.can("roles.manage"):
            errs.append(f"giving the role {', '.join(powerful)} needs the permission to manage roles")
        if row.department:
            matches = dept_by_name.get(row.department.lower(), [])
            if not matches:
                errs.append(f"unknown department “{row.department}”")
            elif len(set(matches)) > 1:
                errs.append(f"several departments are called “{row.department}”: write its path, like Sales / {row.department}")
        unknown_groups = [g for g in row.groups if g.lower() not in group_names]
        if unknown_groups:
            errs.append(f"unknown group{'s' if len(unknown_groups) > 1 else ''} {', '.join(unknown_groups)}")
        if row.hire_date:
            try:
                date.fromisoformat(row.hire_date)
            except ValueError:
                errs.append(f"hire date “{row.hire_date}” is not a date like 2026-03-01")
        if row.timezone and not is_time_zone(row.timezone):
            errs.append(f"unknown time zone “{row.timezone}” (use names like Europe/Paris)")
        if not row.timezone:
            row.timezone = org.default_timezone
        if not row.roles:
            row.roles = ["learner"]
        rows.append(row)
    return ImportPreview(rows, file_errors, ignored)


def parse_import(session: Session, actor: Actor, csv_text: str) -> ImportPreview:
    """Read a CSV of people and say, line by line, what is wrong; nothing is saved."""
    require(actor, "users.manage")
    return _validate_import(session, actor, csv_text)


def commit_import(session: Session, actor: Actor, csv_text: str) -> int:
    """Create everyone in the file and invite them, or nobody at all when any line is wrong
    (raises Invalid listing the problems). Returns how many people were created."""
    require(actor, "users.manage")
    preview = _validate_import(session, actor, csv_text)
    if not preview.ok:
        raise Invalid(f"Nobody was imported. Fix the file first: {problems_summary(preview.messages())}.")
    roles = _roles_by_name(session, actor.org_id)
    dept_by_name: dict[str, int] = {}
    for d_id, _, name, path in department_outline(session, actor.org_id):
        dept_by_name.setdefault(name.lower(), d_id)
        dept_by_name.setdefault(path.lower(), d_id)
    groups = {g.name.lower(): g.id for g in session.exec(select(Group).where(Group.org_id == actor.org_id)).all()}
    users: list[tuple[User, ImportRow]] = []
    for row in preview.rows:
        user = User(org_id=actor.org_id, email=row.email, name=row.name, password_hash=None, timezone=row.timezone,
                    hire_date=date.fromisoformat(row.hire_date) if row.hire_date else None,
                    department_id=dept_by_name.get(row.department.lower()) if row.department else None)
        users.append((user, row))
    session.add_all(u for u, _ in users)
    session.flush()
    for user, row in users:
        session.add_all(UserRole(user_id=user.id, role_id=roles[r.lower()].id) for r in dict.fromkeys(x.lower() for x in row.roles))
        session.add_all(GroupMember(group_id=groups[g.lower()], user_id=user.id) for g in dict.fromkeys(x.lower() for x in row.groups))
    session.flush()
    jobs.groups_gained_members(session, {groups[g.lower()] for _, row in users for g in row.groups})
    requirements_follow(session, [u.id for u, _ in users])
    for user, _ in users:
        auth.create_invitation(session, actor, user)
    audit.record(session, actor, "users.imported", target_type="users", target_label=f"{len(users)} people",
                 after={"count": len(users), "emails": [u.email for u, _ in users][:1000]})
    return len(users)


def import_template() -> str:
    return ",".join(IMPORT_COLUMNS) + "\nsam@example.com,Sam Rivera,learner,Sales,Autumn 2026 onboarding,2026-09-01,Europe/Paris\n"

