"""What an install needs before anyone signs in: the organization and the built-in roles."""

from __future__ import annotations

from sqlmodel import Session, select

from lms_app.models import Organization, Permission, Role
from lms_app.services.permissions import BUILTIN_ROLES


def ensure_installation(session: Session, org_name: str = "My Organization") -> Organization:
    """Create the organization and the built-in roles if missing; top up their permissions."""
    org = session.exec(select(Organization).order_by(Organization.id)).first()
    if org is None:
        org = Organization(name=org_name)
        session.add(org)
        session.flush()
    for name, (description, permissions) in BUILTIN_ROLES.items():
        role = session.exec(select(Role).where(Role.org_id == org.id, Role.name == name)).first()
        new_role = role is None
        if role is None:
            role = Role(org_id=org.id, name=name, description=description, builtin=True)
            session.add(role)
            session.flush()
        have = set(session.exec(select(Permission.name).where(Permission.role_id == role.id)).all())
        # Roles gain the permissions newer versions add, but who may create courses is the
        # admins' choice in Settings: a role that lost it does not get it back at the next start.
        session.add_all(Permission(role_id=role.id, name=p) for p in permissions
                        if p not in have and (new_role or p != "courses.create" or name == "admin"))
    session.flush()
    return org
