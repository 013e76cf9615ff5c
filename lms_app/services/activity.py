"""What people did, written to the activity log the dashboards read, and announced to the
dashboards open on it once the transaction commits."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from lms_app import live
from lms_app.models import ActivityEvent, utcnow
from lms_app.models.analytics import ACTIVITY_KINDS
from lms_app.services import xapi_emit


def record(session: Session, *, org_id: int, user_id: int, kind: str, course_id: int | None = None,
           lesson_id: int | None = None, score: float | None = None, passed: bool | None = None, at: datetime | None = None) -> None:
    """Called by the services where the thing happens, in the same transaction; the learning
    events also go to the LRS as xAPI statements (`passed`: a graded attempt's outcome)."""
    if kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    session.add(ActivityEvent(org_id=org_id, user_id=user_id, course_id=course_id, lesson_id=lesson_id, kind=kind,
                              at=at or utcnow(), score=score))
    xapi_emit.emit(session, org_id, xapi_emit.for_event(session, user_id=user_id, kind=kind, course_id=course_id, lesson_id=lesson_id,
                                                        score=score, passed=passed, at=at))
    live.announce(session, live.Change(org_id, user_id, course_id, kind))
