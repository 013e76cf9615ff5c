"""Courses and their structure (modules, lessons, prerequisites), course staff, enrollments
and lesson progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp

VISIBILITIES = ("draft", "published", "archived")
COMPLETION_RULES = ("all_required", "chosen", "final_assessment")
STAFF_ROLES = ("instructor", "assistant")
ENROLLMENT_STATUSES = ("active", "completed", "expired", "withdrawn")
ENROLLMENT_SOURCES = ("self", "instructor", "group", "department", "import")
PROGRESS_STATUSES = ("not_started", "in_progress", "done")


class Course(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=5000)
    cover_image_path: str | None = Field(default=None, max_length=500)
    category: str = Field(default="", max_length=100)
    language: str = Field(default="en", max_length=16)
    estimated_minutes: int = 0
    visibility: str = Field(default="draft", max_length=16, index=True)
    self_enrollment: bool = False
    # Argon2 hash of the enrollment key: the key itself is never stored.
    enrollment_key_hash: str | None = Field(default=None, max_length=300)
    # Access ends this many days after enrolling (None: no end).
    access_days: int | None = None
    completion_rule: str = Field(default="all_required", max_length=32)
    required_course_id: int | None = fk("course.id", nullable=True, ondelete="SET NULL")
    created_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    published_at: datetime | None = timestamp(nullable=True, default=False)


class CourseTag(SQLModel, table=True):
    """One tag of a course. A child table rather than a delimited string: the catalog filters
    by tag with an indexed equality (no LIKE over a list), and a tag cannot hold the delimiter."""

    __table_args__ = (
        UniqueConstraint("course_id", "tag"),
        Index("ix_coursetag_org_tag", "org_id", "tag"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int = fk("course.id")
    tag: str = Field(max_length=50)


class CourseStaff(SQLModel, table=True):
    """A course-level role: power over this one course only."""

    __table_args__ = (UniqueConstraint("course_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int = fk("course.id")
    user_id: int = fk("app_user.id")
    role: str = Field(default="instructor", max_length=16)
    added_at: datetime = timestamp()


class Module(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int = fk("course.id")
    position: int = 0
    title: str = Field(max_length=200)
    # Drip release: on a date (in the learner's zone) or some days after enrolling; at most one.
    available_on: date | None = None
    available_after_days: int | None = None


class Lesson(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int = fk("course.id")
    module_id: int = fk("module.id")
    position: int = 0
    title: str = Field(max_length=200)
    # Key of a kind in lms_app.lessons.registry.
    kind: str = Field(max_length=32)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Counts for completion under the "all_required" rule.
    required: bool = True
    # Counts for completion under the "chosen" rule.
    counts_for_completion: bool = False
    available_on: date | None = None
    available_after_days: int | None = None
    estimated_minutes: int = 0
    updated_at: datetime = timestamp()


class LessonPrerequisite(SQLModel, table=True):
    """`lesson_id` opens once `requires_lesson_id` is done. Two typed edge tables (lesson and
    module) rather than one generic table, so both ends of every edge are real foreign keys."""

    __table_args__ = (UniqueConstraint("lesson_id", "requires_lesson_id"),)
    id: int | None = Field(default=None, primary_key=True)
    lesson_id: int = fk("lesson.id")
    requires_lesson_id: int = fk("lesson.id")


class ModulePrerequisite(SQLModel, table=True):
    """`module_id` opens once every lesson counting for completion in `requires_module_id` is done."""

    __table_args__ = (UniqueConstraint("module_id", "requires_module_id"),)
    id: int | None = Field(default=None, primary_key=True)
    module_id: int = fk("module.id")
    requires_module_id: int = fk("module.id")


class Enrollment(SQLModel, table=True):
    """One run of a course for a learner. Several over time (retakes), at most one active."""

    __table_args__ = (
        Index(
            "uq_enrollment_active", "course_id", "user_id", unique=True,
            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'"),
        ),
        Index("ix_enrollment_user_status", "user_id", "status"),
        Index("ix_enrollment_status_expires", "status", "expires_at"),
        # Enrollments and completions over time, and the courses' completion rates, of the
        # runs started in a range (the admin overview), read from the index alone.
        Index("ix_enrollment_org_enrolled", "org_id", "enrolled_at", "course_id", "completed_at"),
        Index("ix_enrollment_org_completed", "org_id", "completed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    course_id: int = fk("course.id")
    user_id: int = fk("app_user.id", index=False)
    status: str = Field(default="active", max_length=16)
    enrolled_at: datetime = timestamp()
    expires_at: datetime | None = timestamp(nullable=True, default=False)
    completed_at: datetime | None = timestamp(nullable=True, default=False)
    ended_at: datetime | None = timestamp(nullable=True, default=False)
    source: str = Field(default="self", max_length=16)
    source_group_id: int | None = fk("user_group.id", nullable=True, ondelete="SET NULL", index=False)
    enrolled_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    last_lesson_id: int | None = fk("lesson.id", nullable=True, ondelete="SET NULL", index=False)
    last_activity_at: datetime | None = timestamp(nullable=True, default=False)


class LessonProgress(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("enrollment_id", "lesson_id"),
        # Time spent on lessons worked on in a range (time by department), from the index alone.
        Index("ix_lessonprogress_seen_time", "last_seen_at", "enrollment_id", "seconds_spent"),
    )
    id: int | None = Field(default=None, primary_key=True)
    enrollment_id: int = fk("enrollment.id")
    lesson_id: int = fk("lesson.id")
    status: str = Field(default="not_started", max_length=16)
    started_at: datetime | None = timestamp(nullable=True, default=False)
    completed_at: datetime | None = timestamp(nullable=True, default=False)
    # Time spent with the lesson visible, from bounded heartbeats.
    seconds_spent: int = 0
    # Where to resume: video seconds, scroll share, page...
    position: float | None = None
    # Distinct seconds played, as merged [start, end) ranges.
    watched: list[list[int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    media_duration: int | None = None
    last_seen_at: datetime | None = timestamp(nullable=True, default=False)
    # Set when staff marked the lesson done (or reset it) for the learner, with why.
    completed_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    reason: str = Field(default="", max_length=500)


class EnrollmentKeyFailure(SQLModel, table=True):
    """A wrong enrollment key typed by a learner: recent failures slow down guessing."""

    __table_args__ = (Index("ix_enrollmentkeyfailure_user_course_at", "user_id", "course_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    course_id: int = fk("course.id", index=False)
    user_id: int = fk("app_user.id", index=False)
    at: datetime = timestamp()


class Announcement(SQLModel, table=True):
    """A post from the course's staff to its learners (Markdown)."""

    __table_args__ = (Index("ix_announcement_course_posted", "course_id", "posted_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int = fk("course.id", index=False)
    author_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=20_000)
    emailed: bool = False
    posted_at: datetime = timestamp()
    edited_at: datetime | None = timestamp(nullable=True, default=False)


class AnnouncementSeen(SQLModel, table=True):
    """When a user last read a course's announcements: newer ones are unread. One row per user
    and course rather than one per announcement, so posting to a large course writes nothing
    per learner."""

    __table_args__ = (UniqueConstraint("course_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    course_id: int = fk("course.id", index=False)
    user_id: int = fk("app_user.id")
    seen_at: datetime = timestamp()


SIGNUP_STATUSES = ("booked", "waiting", "cancelled")


class LiveSessionSignup(SQLModel, table=True):
    """A learner's place at a live session (a lesson), or on its waiting list. One row per
    learner and session; the waiting list is ordered by `signed_up_at`. Attendance is the
    lesson's progress, marked by staff."""

    __table_args__ = (
        UniqueConstraint("lesson_id", "user_id"),
        Index("ix_livesessionsignup_lesson_status", "lesson_id", "status", "signed_up_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    lesson_id: int = fk("lesson.id", index=False)
    user_id: int = fk("app_user.id")
    status: str = Field(default="booked", max_length=16)
    signed_up_at: datetime = timestamp()
    updated_at: datetime = timestamp()
