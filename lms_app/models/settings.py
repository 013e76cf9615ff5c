"""Settings an admin changes in the browser: one row per organization and key, applied at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp


class OrgSetting(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("org_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    key: str = Field(max_length=64)
    # JSON value; secrets (the SMTP password) are stored sealed, never in clear.
    value: Any = Field(default=None, sa_column=Column(JSON))
    updated_at: datetime = timestamp()
    updated_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
