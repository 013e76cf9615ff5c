"""Enqueue background jobs (the runner in lms_app.jobs claims and runs them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from lms_app.db import is_postgres
from lms_app.models import Job, utcnow


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
) -> Job:
    """Add a job in the caller's transaction. With a dedupe_key, an existing job is returned.

    The dedupe holds even between concurrent transactions: the insert is
    `ON CONFLICT (dedupe_key) DO NOTHING`, so the second one gets the first one's job.
    """
    job = Job(kind=kind, payload=payload or {}, run_at=run_at or utcnow(), dedupe_key=dedupe_key, max_attempts=max_attempts)
    if dedupe_key is None:
        session.add(job)
        session.flush()
        return job
    existing = session.exec(select(Job).where(Job.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return existing
    insert = (postgresql if is_postgres(session) else sqlite).insert
    values = job.model_dump(exclude={"id"})
    session.execute(insert(Job).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]))
    return session.exec(select(Job).where(Job.dedupe_key == dedupe_key)).one()


# Courses enrolled through a group follow it: people who join get their enrollment from a job.
FOLLOW_GROUPS = "enrollment.follow_groups"


def groups_gained_members(session: Session, group_ids: list[int] | set[int]) -> None:
    """Ask the runner to enroll new members in the courses their groups are enrolled in."""
    if group_ids:
        enqueue(session, FOLLOW_GROUPS, {"group_ids": sorted(set(group_ids))})
