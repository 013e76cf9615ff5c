"""Compliance: learning paths, requirements and their assignments, certificates, training done
elsewhere, and the notifications that remind people of all of it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp


class LearningPath(SQLModel, table=True):
    """An ordered set of courses with its own completion rule and certificate."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    # all: every course; count: at least `required_count` of them.
    completion_rule: str = Field(default="all", max_length=16)
    required_count: int | None = None
    # The path's certificate stays valid this many months (None: no expiry).
    certificate_months: int | None = None
    created_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class LearningPathCourse(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("path_id", "course_id"),)
    id: int | None = Field(default=None, primary_key=True)
    path_id: int = fk("learningpath.id")
    course_id: int = fk("course.id")
    position: int = 0


class PathEnrollment(SQLModel, table=True):
    """One run of a learning path for a learner (its courses are enrolled beside it)."""

    __table_args__ = (Index("ix_pathenrollment_path_user", "path_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    path_id: int = fk("learningpath.id", index=False)
    user_id: int = fk("app_user.id")
    # active | completed | withdrawn
    status: str = Field(default="active", max_length=16)
    enrolled_at: datetime = timestamp()
    completed_at: datetime | None = timestamp(nullable=True, default=False)
    enrolled_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)


class Requirement(SQLModel, table=True):
    """A course or learning path that an audience must complete by a due date. The audience
    is a rule, not a list: whoever matches it now (and later) is assigned."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    course_id: int | None = fk("course.id", nullable=True)
    path_id: int | None = fk("learningpath.id", nullable=True)
    # user | group | department | role | everyone
    audience: str = Field(max_length=16)
    audience_id: int | None = None
    include_subdepartments: bool = True
    # fixed (due_on) | after_assignment (due_days) | after_hire (due_days after hire date)
    due_mode: str = Field(default="after_assignment", max_length=20)
    due_on: date | None = None
    due_days: int | None = None
    # Completion stays valid this many months; then the learner recertifies (None: once is enough).
    recert_months: int | None = None
    # Recertification opens (new enrollment, new due date) this many days before expiry.
    recert_window_days: int = 30
    # Reminders this many days before the due date; overdue reminders every N days (0: once).
    reminder_days: list[int] = Field(default_factory=lambda: [14, 3], sa_column=Column(JSON, nullable=False))
    overdue_every_days: int = 7
    created_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    # Retired requirements keep their history but assign no one.
    retired_at: datetime | None = timestamp(nullable=True, default=False)


class RequirementAssignment(SQLModel, table=True):
    """One person's round (cycle) of one requirement. A recertification is a new cycle; the
    old one stays as history."""

    __table_args__ = (
        UniqueConstraint("requirement_id", "user_id", "cycle", name="uq_assignment_cycle"),
        Index("ix_assignment_org_due", "org_id", "due_at"),
        Index("ix_assignment_user", "user_id", "requirement_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    requirement_id: int = fk("requirement.id", index=False)
    user_id: int = fk("app_user.id", index=False)
    cycle: int = 1
    assigned_at: datetime = timestamp()
    due_on: date
    # The end of `due_on` in the learner's time zone: overdue from this instant on.
    due_at: datetime = timestamp()
    enrollment_id: int | None = fk("enrollment.id", nullable=True, ondelete="SET NULL", index=False)
    path_enrollment_id: int | None = fk("pathenrollment.id", nullable=True, ondelete="SET NULL", index=False)
    completed_at: datetime | None = timestamp(nullable=True, default=False)
    # course | path | external
    satisfied_by: str = Field(default="", max_length=16)
    certificate_id: int | None = fk("certificate.id", nullable=True, ondelete="SET NULL", index=False)
    external_training_id: int | None = fk("externaltraining.id", nullable=True, ondelete="SET NULL", index=False)
    # When the completion stops counting (certificate expiry); None: never.
    expires_at: datetime | None = timestamp(nullable=True, default=False)
    exempt_at: datetime | None = timestamp(nullable=True, default=False)
    exempt_reason: str = Field(default="", max_length=500)
    exempted_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    # The person left the audience (or the requirement was retired): history, not a duty.
    removed_at: datetime | None = timestamp(nullable=True, default=False)


class CertificateTemplate(SQLModel, table=True):
    """The organization's certificate layout, edited by admins."""

    __table_args__ = (UniqueConstraint("org_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    heading: str = Field(default="Certificate of completion", max_length=200)
    body: str = Field(default="This certifies that {learner} has completed {course} on {date}.", max_length=2000)
    signature_name: str = Field(default="", max_length=200)
    signature_title: str = Field(default="", max_length=200)
    footer: str = Field(default="", max_length=500)
    updated_at: datetime = timestamp()
    updated_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)


class Certificate(SQLModel, table=True):
    """A certificate issued for a completed course or path. Names and titles are copied at
    issue time so the record stays verifiable after the course or the person changes."""

    __table_args__ = (Index("ix_certificate_user", "user_id", "issued_at"), Index("ix_certificate_org_expires", "org_id", "expires_at"))
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    user_id: int = fk("app_user.id", index=False)
    course_id: int | None = fk("course.id", nullable=True, ondelete="SET NULL", index=False)
    path_id: int | None = fk("learningpath.id", nullable=True, ondelete="SET NULL", index=False)
    enrollment_id: int | None = fk("enrollment.id", nullable=True, ondelete="SET NULL", index=False)
    # The public verification code (printed and in the QR code).
    code: str = Field(max_length=32, unique=True)
    title: str = Field(max_length=200)
    learner_name: str = Field(max_length=200)
    issued_at: datetime = timestamp()
    expires_at: datetime | None = timestamp(nullable=True, default=False)
    revoked_at: datetime | None = timestamp(nullable=True, default=False)
    revoked_reason: str = Field(default="", max_length=500)
    revoked_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    # A reissued certificate points at the one it replaces.
    replaces_id: int | None = fk("certificate.id", nullable=True, ondelete="SET NULL", index=False)


class ExternalTraining(SQLModel, table=True):
    """Training done elsewhere, recorded by the learner (or their manager) with evidence."""

    __table_args__ = (Index("ix_externaltraining_org_status", "org_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    user_id: int = fk("app_user.id")
    title: str = Field(max_length=200)
    provider: str = Field(default="", max_length=200)
    completed_on: date
    hours: float = 0
    evidence_path: str | None = Field(default=None, max_length=500)
    evidence_name: str = Field(default="", max_length=200)
    # The course this training stands in for, when it should satisfy a requirement.
    course_id: int | None = fk("course.id", nullable=True, ondelete="SET NULL", index=False)
    # pending | approved | rejected
    status: str = Field(default="pending", max_length=16)
    submitted_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    submitted_at: datetime = timestamp()
    reviewed_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    reviewed_at: datetime | None = timestamp(nullable=True, default=False)
    review_note: str = Field(default="", max_length=1000)


class Notification(SQLModel, table=True):
    """An in-app notification; its email copy (if the person wants it) goes through the outbox."""

    __table_args__ = (Index("ix_notification_user_created", "user_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    user_id: int = fk("app_user.id", index=False)
    kind: str = Field(max_length=32)
    title: str = Field(max_length=300)
    body: str = Field(default="", max_length=4000)
    link: str = Field(default="", max_length=500)
    created_at: datetime = timestamp()
    read_at: datetime | None = timestamp(nullable=True, default=False)
    emailed: bool = False
    # Same key, same notification: a reminder is never sent twice.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)


class NotificationPreference(SQLModel, table=True):
    """How one kind of notification reaches one person by email: all | reduced | off."""

    __table_args__ = (UniqueConstraint("user_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("app_user.id", index=False)
    kind: str = Field(max_length=32)
    email: str = Field(default="all", max_length=16)
