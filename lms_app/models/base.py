"""Shared column helpers: timezone-aware UTC timestamps everywhere."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, ForeignKey, Integer, TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC, always gives back an aware datetime (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True):
    """A foreign key column (deleting the parent deletes the row unless `ondelete` says otherwise)."""
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index),
    )


def timestamp(*, nullable: bool = False, default: bool = True):
    """A UTC timestamp column, set to now on creation unless `default` is False."""
    kwargs = {"default_factory": utcnow} if default else {"default": None}
    return Field(**kwargs, sa_type=UTCDateTime, nullable=nullable)
