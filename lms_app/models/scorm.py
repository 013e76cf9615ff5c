"""SCORM: uploaded packages (one row per version of a lesson's package), learners' attempts on
them and the run-time data of each SCO in an attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp


class ScormPackage(SQLModel, table=True):
    """A package uploaded to a SCORM lesson. Replacing it adds a row with the next `version`;
    the lesson's content names the current one, and attempts keep the one they started on."""

    __table_args__ = (UniqueConstraint("lesson_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    lesson_id: int = fk("lesson.id", index=False)
    version: int = 1
    scorm_version: str = Field(max_length=8)  # "1.2" | "2004"
    edition: str = Field(default="", max_length=40)
    title: str = Field(default="", max_length=300)
    file_name: str = Field(default="", max_length=255)
    size_bytes: int = 0
    unpacked_bytes: int = 0
    file_count: int = 0
    storage_dir: str = Field(max_length=300)  # relative to private storage
    # The manifest as read at upload: items in order with their launch and sequencing settings.
    manifest: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    uploaded_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    uploaded_at: datetime = timestamp()


class ScormAttempt(SQLModel, table=True):
    """One learner's attempt at a SCORM lesson (numbered per enrollment). `status`: open, then
    finished (the package reported completion) or superseded (closed when the instructor moved
    open attempts to a new version). The results are the package's rollup of its SCOs."""

    __table_args__ = (UniqueConstraint("lesson_id", "enrollment_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    lesson_id: int = fk("lesson.id", index=False)
    package_id: int = fk("scormpackage.id", index=False)
    enrollment_id: int = fk("enrollment.id")
    user_id: int = fk("app_user.id")
    number: int = 1
    status: str = Field(default="open", max_length=16)
    started_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    finished_at: datetime | None = timestamp(nullable=True, default=False)
    completed: bool = False
    passed: bool | None = None
    score_scaled: float | None = None
    total_seconds: float = 0.0
    last_item: str = Field(default="", max_length=200)  # the SCO to open on resume


class ScormItemState(SQLModel, table=True):
    """The run-time data of one SCO in an attempt: the flat data model the SCO committed
    (`cmi.*` / `adl.*` keys), and the results read from it."""

    __table_args__ = (UniqueConstraint("attempt_id", "item"),)
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = fk("scormattempt.id", index=False)
    item: str = Field(max_length=200)  # the manifest item's identifier
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    seq: int = 0  # the last commit's sequence number: an older, late commit is ignored
    sessions: int = 0  # finished run-time sessions (LMSFinish / Terminate)
    exit: str = Field(default="", max_length=20)
    review: bool = False  # launched after the attempt was complete: shown, not recorded
    completed: bool = False
    passed: bool | None = None
    score_scaled: float | None = None
    score_raw: float | None = None
    status_label: str = Field(default="Not attempted", max_length=40)
    total_seconds: float = 0.0
    updated_at: datetime = timestamp()
