"""The question bank: categories of questions, per course or in an instructor's own bank that
they share across the courses they teach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
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


# --- quiz attempts -----------------------------------------------------------------------------

class QuizAttempt(SQLModel, table=True):
    """One learner's attempt at a quiz lesson, numbered 1, 2, ... per enrollment. `status`:
    in_progress, then graded, or awaiting_grading while a person still has to grade an answer.
    `deadline_at` (time limit or the quiz's closing, whichever comes first) is enforced on the
    server: the job runner closes attempts left open past it."""

    __table_args__ = (
        UniqueConstraint("lesson_id", "enrollment_id", "number"),
        Index("ix_quizattempt_status_deadline", "status", "deadline_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    lesson_id: int = fk("lesson.id", index=False)
    enrollment_id: int = fk("enrollment.id")
    user_id: int = fk("app_user.id")
    number: int = 1
    status: str = Field(default="in_progress", max_length=20)
    started_at: datetime = timestamp()
    deadline_at: datetime | None = timestamp(nullable=True, default=False)
    submitted_at: datetime | None = timestamp(nullable=True, default=False)
    closed_by: str | None = Field(default=None, max_length=16)  # learner | deadline
    # When the learner may see the result: at closing when nothing waits for a person, else
    # when a grader releases it (status becomes graded then).
    released_at: datetime | None = timestamp(nullable=True, default=False)
    score: float | None = None  # points earned (the auto-graded ones while awaiting grading)
    max_score: float = 0.0
    fraction: float | None = None  # score / max_score once fully graded
    passed: bool | None = None


class AttemptAnswer(SQLModel, table=True):
    """One question of an attempt, in the order the learner sees it. `question` is a snapshot of
    the question as given (Question.to_dict()), so later edits in the bank change nothing here;
    `order` is the shuffled order of its options (grading.shuffled_order)."""

    __table_args__ = (UniqueConstraint("attempt_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = fk("quizattempt.id", index=False)
    position: int = 0
    bank_question_id: int | None = fk("bankquestion.id", nullable=True, ondelete="SET NULL")
    question_version: int = 1
    question: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    order: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    response: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    fraction: float | None = None
    points: float | None = None
    graded_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    graded_at: datetime | None = timestamp(nullable=True, default=False)
    feedback: str = ""  # the grader's comment (Markdown)
    # A rubric grading: {"rubric_id": id, "levels": [level index per criterion]} (None: plain score).
    rubric: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = timestamp()


# --- overrides and rubrics ---------------------------------------------------------------------

class LessonOverride(SQLModel, table=True):
    """Other rules for one learner or one group at a quiz or assignment lesson: extra attempts,
    extra time, other dates. Exactly one of `user_id` and `group_id` is set; a learner's own
    override wins over their groups'."""

    __table_args__ = (Index("ix_lessonoverride_lesson", "lesson_id", "user_id", "group_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    lesson_id: int = fk("lesson.id", index=False)
    user_id: int | None = fk("app_user.id", nullable=True, index=False)
    group_id: int | None = fk("user_group.id", nullable=True, index=False)
    extra_attempts: int | None = None
    extra_minutes: int | None = None
    opens_at: datetime | None = timestamp(nullable=True, default=False)
    due_at: datetime | None = timestamp(nullable=True, default=False)  # assignments: the extended due date
    closes_at: datetime | None = timestamp(nullable=True, default=False)  # quiz closing / assignment cut-off
    reason: str = Field(default="", max_length=500)
    created_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    created_at: datetime = timestamp()


class Rubric(SQLModel, table=True):
    """A course's grading rubric: `criteria` is [{"name", "levels": [{"label", "points",
    "description"}]}]; a grading picks one level per criterion and scores their points."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    course_id: int = fk("course.id")
    title: str = Field(max_length=200)
    criteria: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
