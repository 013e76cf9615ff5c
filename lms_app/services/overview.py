"""The admin overview's figures, aggregated in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from lms_app.models import AuditEvent, Department, Group, Job, OutgoingEmail, User, utcnow
from lms_app.models.jobs import JOB_DEAD, JOB_QUEUED
from lms_app.services.permissions import Actor, require


@dataclass
class Overview:
    active_users: int
    inactive_users: int
    pending_approvals: int
    departments: int
    groups: int
    signed_in_7d: int
    logins_7d: int
    failed_logins_7d: int
    jobs_waiting: int
    jobs_dead: int
    emails_waiting: int


def overview(session: Session, actor: Actor) -> Overview:
    require(actor, "admin.view")
    org = actor.org_id
    week_ago = utcnow() - timedelta(days=7)

    def count(stmt) -> int:
        return session.exec(stmt).one() or 0

    def audit_count(action: str) -> int:
        return count(select(func.count(AuditEvent.id)).where(AuditEvent.org_id == org, AuditEvent.action == action, AuditEvent.at >= week_ago))

    return Overview(
        active_users=count(select(func.count(User.id)).where(User.org_id == org, User.is_active.is_(True), User.pending_approval.is_(False))),
        inactive_users=count(select(func.count(User.id)).where(User.org_id == org, User.is_active.is_(False))),
        pending_approvals=count(select(func.count(User.id)).where(User.org_id == org, User.pending_approval.is_(True), User.is_active.is_(True))),
        departments=count(select(func.count(Department.id)).where(Department.org_id == org)),
        groups=count(select(func.count(Group.id)).where(Group.org_id == org)),
        signed_in_7d=count(select(func.count(User.id)).where(User.org_id == org, User.last_login_at >= week_ago)),
        logins_7d=audit_count("login"),
        failed_logins_7d=audit_count("login.failed"),
        jobs_waiting=count(select(func.count(Job.id)).where(Job.status == JOB_QUEUED)),
        jobs_dead=count(select(func.count(Job.id)).where(Job.status == JOB_DEAD)),
        emails_waiting=count(select(func.count(OutgoingEmail.id)).where(OutgoingEmail.status == "queued")),
    )
