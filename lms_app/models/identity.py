"""Organizations, people, their teams, roles and sign-in records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from lms_app.models.base import UTCDateTime, fk, timestamp, utcnow


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    logo_path: str | None = Field(default=None, max_length=500)
    default_timezone: str = Field(default="UTC", max_length=64)
    # closed | domains | approval
    registration_mode: str = Field(default="closed", max_length=16)
    registration_domains: str = Field(default="", max_length=1000)
    created_at: datetime = timestamp()


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    parent_id: int | None = fk("department.id", nullable=True, ondelete="SET NULL")
    name: str = Field(max_length=200)
    created_at: datetime = timestamp()


class Group(SQLModel, table=True):
    __tablename__ = "user_group"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    created_at: datetime = timestamp()


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("org_id", "email", name="uq_user_org_email"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    email: str = Field(max_length=320)
    name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=300)
    locale: str = Field(default="en", max_length=16)
    timezone: str = Field(default="UTC", max_length=64)
    hire_date: date | None = None
    department_id: int | None = fk("department.id", nullable=True, ondelete="SET NULL")
    is_active: bool = Field(default=True)
    # Set when self-registration waits for an admin's approval.
    pending_approval: bool = Field(default=False)
    created_at: datetime = timestamp()
    last_login_at: datetime | None = timestamp(nullable=True, default=False)


class DepartmentManager(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("department_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    department_id: int = fk("department.id")
    user_id: int = fk("app_user.id")


class GroupMember(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = fk("user_group.id")
    user_id: int = fk("app_user.id")
    added_at: datetime = timestamp()


class GroupManager(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = fk("user_group.id")
    user_id: int = fk("app_user.id")


class Role(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("org_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    name: str = Field(max_length=64)
    description: str = Field(default="", max_length=500)
    builtin: bool = Field(default=False)


class Permission(SQLModel, table=True):
    """A named permission string granted to a role ("users.manage", ...)."""

    __tablename__ = "role_permission"
    __table_args__ = (UniqueConstraint("role_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    role_id: int = fk("role.id")
    name: str = Field(max_length=64)


class UserRole(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "role_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("app_user.id")
    role_id: int = fk("role.id")
    expires_at: datetime | None = timestamp(nullable=True, default=False)
    granted_at: datetime = timestamp()


class LoginSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # sha256 of the opaque id held in the cookie: a leaked table does not sign anyone in.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = fk("app_user.id")
    created_at: datetime = timestamp()
    last_seen_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    revoked_at: datetime | None = timestamp(nullable=True, default=False)
    user_agent: str = Field(default="", max_length=500)
    ip: str = Field(default="", max_length=64)
    # Set when an admin signed in as this user: the admin, who is named on everything done here.
    impersonator_id: int | None = fk("app_user.id", nullable=True, ondelete="CASCADE", index=False)


class EmailChange(SQLModel, table=True):
    """A requested change of a user's email, waiting for the link sent to the new address."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("app_user.id")
    new_email: str = Field(max_length=320)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    used_at: datetime | None = timestamp(nullable=True, default=False)


class LoginAttempt(SQLModel, table=True):
    """Every sign-in try, kept for throttling by account and by address."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    ip: str = Field(default="", max_length=64, index=True)
    succeeded: bool = False
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    user_id: int = fk("app_user.id")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    invited_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    used_at: datetime | None = timestamp(nullable=True, default=False)


class PasswordReset(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("app_user.id")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    used_at: datetime | None = timestamp(nullable=True, default=False)
