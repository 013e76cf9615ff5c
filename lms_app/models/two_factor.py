"""Two-factor sign-in: each user's TOTP enrolment and their single-use recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp


class TwoFactorEnrolment(SQLModel, table=True):
    """One per user: a pending enrolment until `enabled_at` is set by a confirmed code."""

    __table_args__ = (UniqueConstraint("user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("app_user.id")
    # The base32 TOTP secret, Fernet-encrypted with a key derived from the app's secret key.
    secret_encrypted: str = Field(max_length=500)
    # The last TOTP time-step accepted: a code is never accepted twice.
    last_used_step: int = Field(default=0)
    created_at: datetime = timestamp()
    enabled_at: datetime | None = timestamp(nullable=True, default=False)


class TwoFactorRecoveryCode(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("app_user.id")
    code_hash: str = Field(max_length=64)
    created_at: datetime = timestamp()
    used_at: datetime | None = timestamp(nullable=True, default=False)
