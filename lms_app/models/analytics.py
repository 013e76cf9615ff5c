"""The activity log the dashboards read: one row per thing a person did (signed in, enrolled,
opened or finished a lesson, handed in a quiz or an assignment, finished a course)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp

ACTIVITY_KINDS = (
    "login", "enrolled", "lesson_opened", "lesson_completed", "quiz_submitted", "assignment_submitted", "course_completed",
)


class ActivityEvent(SQLModel, table=True):
    __table_args__ = (
        # Active users and activity over time for an organization; logins by day.
        Index("ix_activityevent_org_at", "org_id", "at", "user_id"),
        Index("ix_activityevent_org_kind_at", "org_id", "kind", "at"),
        # One person's activity (a team's, a learner's record), one course's activity.
        Index("ix_activityevent_user_at", "user_id", "at"),
        Index("ix_activityevent_course_at", "course_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    user_id: int = fk("app_user.id", index=False)
    course_id: int | None = fk("course.id", nullable=True, index=False)
    lesson_id: int | None = fk("lesson.id", nullable=True, ondelete="SET NULL", index=False)
    kind: str = Field(max_length=32)
    at: datetime = timestamp()
    # A quiz's score in percent (quiz_submitted), else empty.
    score: float | None = None
