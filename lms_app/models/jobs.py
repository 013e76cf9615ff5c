"""The background job queue and the email outbox it drains."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from lms_app.models.base import UTCDateTime, utcnow

JOB_QUEUED = "queued"
JOB_RUNNING = "running"
JOB_DONE = "done"
JOB_DEAD = "dead"


class Job(SQLModel, table=True):
    __table_args__ = (Index("ix_job_ready", "status", "run_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=JOB_QUEUED, max_length=16)
    # Same key, same job: enqueueing twice is a no-op (reminders, deadlines).
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    attempts: int = 0
    max_attempts: int = 5
    run_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobRun(SQLModel, table=True):
    """One row per execution of a job: the record that proves exactly-once."""

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(index=True)
    runner: str = Field(max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ok: bool = False
    error: str = Field(default="", max_length=4000)


class RunnerHeartbeat(SQLModel, table=True):
    runner: str = Field(primary_key=True, max_length=100)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutgoingEmail(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, index=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str = ""
    # The one-click unsubscribe URL (RFC 8058) for notices that can be muted; empty otherwise.
    list_unsubscribe: str = Field(default="", max_length=500)
    # queued | sent | failed
    status: str = Field(default="queued", max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str = Field(default="", max_length=2000)
