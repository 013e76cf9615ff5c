"""All tables, imported here so SQLModel.metadata (and Alembic) sees every one."""

from lms_app.models.audit import AuditChainHead, AuditEvent
from lms_app.models.base import utcnow
from lms_app.models.identity import (
    Department,
    DepartmentManager,
    Group,
    GroupManager,
    GroupMember,
    Invitation,
    LoginAttempt,
    LoginSession,
    Organization,
    PasswordReset,
    Permission,
    Role,
    User,
    UserRole,
)
from lms_app.models.jobs import Job, JobRun, OutgoingEmail, RunnerHeartbeat

__all__ = [
    "AuditChainHead", "AuditEvent", "Department", "DepartmentManager", "Group", "GroupManager",
    "GroupMember", "Invitation", "Job", "JobRun", "LoginAttempt", "LoginSession", "Organization",
    "OutgoingEmail", "PasswordReset", "Permission", "Role", "RunnerHeartbeat", "User",
    "UserRole", "utcnow",
]
