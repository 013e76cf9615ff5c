"""Work handed in for assignments, and the gradebook: grade categories, grade items and one
grade entry per item and enrollment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp


class Submission(SQLModel, table=True):
    """A learner's work for an assignment lesson, one row per run of the course: handing in
    again (allowed until graded) replaces the text and files and raises `number`. `status`:
    submitted, then graded (a grader's draft the learner does not see), then released.
    `files` is [{"file_path", "name", "size"}] in private storage."""

    __table_args__ = (
        UniqueConstraint("lesson_id", "enrollment_id"),
        Index("ix_submission_status_submitted", "status", "submitted_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    lesson_id: int = fk("lesson.id", index=False)
    enrollment_id: int = fk("enrollment.id")
    user_id: int = fk("app_user.id")
    number: int = 1
    status: str = Field(default="submitted", max_length=20)
    text: str = ""
    files: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_at: datetime = timestamp()
    late_seconds: int = 0  # past the (learner's) due date when handed in
    points: float | None = None  # the grader's score, before any late penalty
    penalty: float = 0.0  # points taken off for lateness
    max_points: float = 0.0
    feedback: str = ""  # Markdown
    rubric: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    graded_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    graded_at: datetime | None = timestamp(nullable=True, default=False)
    released_at: datetime | None = timestamp(nullable=True, default=False)


class GradeCategory(SQLModel, table=True):
    """A weighted group of grade items in a course's gradebook (e.g. "Quizzes 40%"), whose
    `drop_lowest` lowest scores do not count."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int = fk("course.id")
    name: str = Field(max_length=100)
    weight: float = 0.0  # percent of the course total
    drop_lowest: int = 0
    position: int = 0


class GradeItem(SQLModel, table=True):
    """One column of the gradebook: a quiz or assignment lesson (`lesson_id`), or a manual item
    such as participation (no lesson)."""

    __table_args__ = (UniqueConstraint("lesson_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int = fk("course.id")
    category_id: int | None = fk("gradecategory.id", nullable=True, ondelete="SET NULL", index=False)
    lesson_id: int | None = fk("lesson.id", nullable=True, index=False)
    title: str = Field(max_length=200)
    max_points: float = 100.0
    extra_credit: bool = False
    hidden: bool = False  # not shown to learners, not counted in what they see
    position: int = 0
    created_at: datetime = timestamp()


class GradeEntry(SQLModel, table=True):
    """One cell of the gradebook: an enrollment's points on an item (from the quiz or the
    assignment, or typed in for a manual item), and an instructor's override with its reason."""

    __table_args__ = (UniqueConstraint("item_id", "enrollment_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    item_id: int = fk("gradeitem.id", index=False)
    enrollment_id: int = fk("enrollment.id")
    points: float | None = None
    override_points: float | None = None
    override_reason: str = Field(default="", max_length=500)
    feedback: str = ""
    updated_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    updated_at: datetime = timestamp()


class GradeScheme(SQLModel, table=True):
    """A course's letter-grade scale: [{"letter": "A", "min_percent": 90}, ...], highest first."""

    course_id: int = Field(default=None, sa_column=Column(Integer, ForeignKey("course.id", ondelete="CASCADE"), primary_key=True))
    org_id: int = fk("organization.id", index=False)
    letters: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = timestamp()
