"""Overrides: other rules for one learner or one group at a quiz or an assignment (extra
attempts, extra time, other dates, an assignment's extension).

Rules this module settles:
- a learner's own override wins over their groups' overrides, field by field;
- among several groups' overrides, the most generous one counts: the most extra attempts and
  minutes, the earliest opening, the latest due date and closing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from lms_app.models import GroupMember, LessonOverride


@dataclass
class Effective:
    """What applies to one learner at one lesson (None: the lesson's own setting)."""

    extra_attempts: int | None = None
    extra_minutes: int | None = None
    opens_at: datetime | None = None
    due_at: datetime | None = None
    closes_at: datetime | None = None


_FIELDS = ("extra_attempts", "extra_minutes", "opens_at", "due_at", "closes_at")


def _generous(field: str, values: list) -> object:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return min(values) if field == "opens_at" else max(values)


def effective(session: Session, lesson_id: int, user_id: int) -> Effective:
    """The overrides that apply to this learner at this lesson, merged."""
    groups = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
    rows = session.exec(select(LessonOverride).where(
        LessonOverride.lesson_id == lesson_id,
        (LessonOverride.user_id == user_id) | LessonOverride.group_id.in_(groups))).all()
    own = [r for r in rows if r.user_id == user_id]
    by_group = [r for r in rows if r.user_id is None]
    out = Effective()
    for name in _FIELDS:
        mine = _generous(name, [getattr(r, name) for r in own])
        setattr(out, name, mine if mine is not None else _generous(name, [getattr(r, name) for r in by_group]))
    return out
