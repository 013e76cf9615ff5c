"""The question bank: categories of questions, per course or in an instructor's own bank that
they share across the courses they teach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp


class QuestionCategory(SQLModel, table=True):
    """A folder of questions. With a course: that course's bank (its staff use it); without one:
    the owner's own bank, which they use in every course they teach."""

    __table_args__ = (Index("ix_questioncategory_owner", "owner_id", "course_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int | None = fk("course.id", nullable=True)
    owner_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    parent_id: int | None = fk("questioncategory.id", nullable=True)
    name: str = Field(max_length=200)
    created_at: datetime = timestamp()


class BankQuestion(SQLModel, table=True):
    """One question of a bank. `spec` is the whole question (lms_app.assessments.questions.
    Question.to_dict()); type, title and points are copied out of it to list and filter."""

    __table_args__ = (Index("ix_bankquestion_category_type", "category_id", "type"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    category_id: int = fk("questioncategory.id", index=False)
    type: str = Field(max_length=32)
    title: str = Field(max_length=200)
    points: float = 1.0
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Raised at each change: an attempt records the version it was given.
    version: int = 1
    created_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
