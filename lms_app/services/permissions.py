"""Named permissions, the built-in roles, and the one place where checks happen.

Deny by default: a user holds a permission only through an unexpired role that grants it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_
from sqlmodel import Session, select

from lms_app.models import Permission, Role, User, UserRole, utcnow
from lms_app.services.errors import NotSignedIn, PermissionDenied

# Every permission the product knows, with the sentence an admin reads when building a role.
PERMISSIONS: dict[str, str] = {
    "learning.view": "Take courses: My learning, the catalog, the course player",
    "courses.create": "Create new courses",
    "courses.teach": "Open My courses (courses where one has a course role)",
    "courses.manage": "Edit, publish and enroll people in every course (not only one's own)",
    "teams.view": "See the dashboards of the groups and departments one manages",
    "admin.view": "Open the admin overview",
    "users.view": "See the list of users",
    "users.manage": "Invite, edit, deactivate and import users; manage their sessions",
    "roles.manage": "Create roles and grant or take back roles",
    "groups.manage": "Manage groups, departments and their managers",
    "audit.view": "Read the audit trail",
    "reports.export": "Export tables and reports",
    "settings.manage": "Change the organization's settings",
    "compliance.manage": "Set required training, exempt people, approve training done elsewhere, read compliance reports",
    "certificates.manage": "Edit the certificate template; revoke and reissue certificates",
    "paths.manage": "Create and edit learning paths",
    "lrs.manage": "Create and revoke the keys tools use to send and read xAPI statements",
}

BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    "admin": ("Runs the install: everything", list(PERMISSIONS)),
    "instructor": ("Authors and teaches courses", ["learning.view", "courses.create", "courses.teach", "paths.manage"]),
    "manager": ("Follows the progress of their teams", ["learning.view", "teams.view", "reports.export"]),
    "learner": ("Takes courses", ["learning.view"]),
}

# Where each role lands after signing in, most powerful first.
LANDING_PAGES: list[tuple[str, str]] = [
    ("admin.view", "/admin"),
    ("teams.view", "/teams"),
    ("courses.teach", "/teach"),
    ("learning.view", "/learn"),
]


@dataclass(frozen=True)
class Actor:
    """Who is acting: the signed-in user, their roles and permissions, and where from."""

    user_id: int
    org_id: int
    name: str
    email: str
    roles: frozenset[str] = field(default_factory=frozenset)
    permissions: frozenset[str] = field(default_factory=frozenset)
    ip: str = ""
    # Set when an admin signed in as this user ("Sign in as"): the admin, named on every event.
    impersonator_id: int | None = None
    impersonator_label: str = ""

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def label(self) -> str:
        own = f"{self.name} <{self.email}>"
        return f"{own} (impersonated by {self.impersonator_label})" if self.impersonator_id is not None else own


def roles_and_permissions(session: Session, user_id: int) -> tuple[frozenset[str], frozenset[str]]:
    now = utcnow()
    rows = session.exec(
        select(Role.name, Permission.name)
        .join(UserRole, UserRole.role_id == Role.id)
        .join(Permission, Permission.role_id == Role.id, isouter=True)
        .where(UserRole.user_id == user_id)
        .where(or_(UserRole.expires_at.is_(None), UserRole.expires_at > now))
    ).all()
    roles = frozenset(r for r, _ in rows)
    perms = frozenset(p for _, p in rows if p)
    return roles, perms


def holders_of(permission: str):
    """A subquery of the ids of the users whose current roles grant `permission`."""
    return (
        select(UserRole.user_id)
        .join(Permission, Permission.role_id == UserRole.role_id)
        .where(Permission.name == permission, or_(UserRole.expires_at.is_(None), UserRole.expires_at > utcnow()))
    )


def actor_for(session: Session, user: User, ip: str = "") -> Actor:
    roles, perms = roles_and_permissions(session, user.id)
    return Actor(user.id, user.org_id, user.name, user.email, roles, perms, ip)


def require(actor: Actor | None, permission: str | None) -> Actor:
    """The check every page guard, state handler and API route goes through.

    `permission=None` means "any signed-in user".
    """
    if actor is None:
        raise NotSignedIn("Please sign in to continue.")
    if permission is not None and not actor.can(permission):
        raise PermissionDenied("You do not have permission to do that.")
    return actor


def require_own_session(actor: Actor | None) -> Actor:
    """For what only the person themselves may do, never an admin signed in as them: starting
    another "Sign in as", changing their password, email or two-factor sign-in, and downloading
    their privacy archive."""
    actor = require(actor, None)
    if actor.impersonator_id is not None:
        raise PermissionDenied("You are signed in as someone else: return to your own account to do that.")
    return actor


def landing_page(actor: Actor) -> str:
    for permission, path in LANDING_PAGES:
        if actor.can(permission):
            return path
    return "/profile"
