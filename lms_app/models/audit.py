"""The audit trail: append-only rows, each carrying the hash of the one before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from lms_app.models.base import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, index=True)
    seq: int = Field(index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str = Field(default="", max_length=400)
    # The admin who was signed in as the actor, when one was.
    impersonator_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=64, index=True)
    target_type: str = Field(default="", max_length=64)
    target_id: str = Field(default="", max_length=64)
    target_label: str = Field(default="", max_length=400)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    ip: str = Field(default="", max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditChainHead(SQLModel, table=True):
    """One row: the last sequence number and hash. Updating it first serializes appends
    across workers (a row lock on PostgreSQL, the write lock on SQLite)."""

    id: int | None = Field(default=None, primary_key=True)
    last_seq: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)
