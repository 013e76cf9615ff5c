"""Enqueue background jobs (the runner in lms_app.jobs claims and runs them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

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
    """Add a job in the caller's transaction. With a dedupe_key, an existing job is returned."""
    if dedupe_key is not None:
        existing = session.exec(select(Job).where(Job.dedupe_key == dedupe_key)).first()
        if existing is not None:
            return existing
    job = Job(kind=kind, payload=payload or {}, run_at=run_at or utcnow(), dedupe_key=dedupe_key, max_attempts=max_attempts)
    session.add(job)
    session.flush()
    return job
