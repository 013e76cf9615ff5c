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

from sqlalchemy import func, or_
from sqlmodel import Session, select

from lms_app.assessments.quiz_settings import moment
from lms_app.models import Enrollment, Group, GroupMember, Lesson, LessonOverride, User
from lms_app.services import audit, courses
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor


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


# --- staff: listing, saving and deleting overrides ---------------------------------------------
# Who may: the course's staff (instructors and assistants, or "courses.manage"). A learner's
# override needs them enrolled in the course; a group's, a group of the organization. Every
# change is audit-logged with before, after and the reason.

OVERRIDE_KINDS = ("quiz", "assignment")
MAX_EXTRA_ATTEMPTS = 100
MAX_EXTRA_MINUTES = 7 * 24 * 60
MAX_REASON = 500


@dataclass
class OverrideRow:
    """One override as the staff see it."""
    id: int
    user_id: int | None
    group_id: int | None
    who: str  # the learner's name, or the group's
    email: str  # the learner's ("" for a group)
    extra_attempts: int | None
    extra_minutes: int | None
    opens_at: datetime | None
    due_at: datetime | None
    closes_at: datetime | None
    reason: str
    created_at: datetime


def _staff_lesson(session: Session, actor: Actor, lesson_id: int):
    """The quiz or assignment lesson, if the actor is on its course's staff."""
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id or lesson.kind not in OVERRIDE_KINDS:
        raise NotFound("That quiz or assignment does not exist.")
    course = courses.staffed_course(session, actor, lesson.course_id)
    return lesson, course


def list_overrides(session: Session, actor: Actor, lesson_id: int) -> list[OverrideRow]:
    """The overrides of a quiz or assignment: learners' first, then groups', by name."""
    lesson, _ = _staff_lesson(session, actor, lesson_id)
    rows = session.exec(select(LessonOverride).where(LessonOverride.lesson_id == lesson.id)).all()
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_([r.user_id for r in rows if r.user_id] or [0]))).all()}
    groups = {g.id: g for g in session.exec(select(Group).where(Group.id.in_([r.group_id for r in rows if r.group_id] or [0]))).all()}
    out = []
    for r in rows:
        user, group = users.get(r.user_id), groups.get(r.group_id)
        who = user.name if user else group.name if group else "?"
        out.append(OverrideRow(r.id, r.user_id, r.group_id, who, user.email if user else "", r.extra_attempts, r.extra_minutes,
                               r.opens_at, r.due_at, r.closes_at, r.reason, r.created_at))
    return sorted(out, key=lambda o: (o.user_id is None, o.who.lower()))


def _whole(value, what: str, maximum: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(f"{what} must be a whole number.") from None
    if not 1 <= number <= maximum:
        raise Invalid(f"{what} must be between 1 and {maximum:,}.")
    return number


def _snapshot(row: LessonOverride) -> dict:
    return {"extra_attempts": row.extra_attempts, "extra_minutes": row.extra_minutes,
            "opens_at": row.opens_at.isoformat() if row.opens_at else None, "due_at": row.due_at.isoformat() if row.due_at else None,
            "closes_at": row.closes_at.isoformat() if row.closes_at else None, "reason": row.reason}


def save_override(session: Session, actor: Actor, lesson_id: int, *, user_id: int | None = None, group_id: int | None = None,
                  extra_attempts=None, extra_minutes=None, opens_at=None, due_at=None, closes_at=None,
                  reason: str = "") -> LessonOverride:
    """Give one enrolled learner or one group of the organization other rules at a quiz or an
    assignment. One override per learner or group and lesson: saving again replaces it."""
    lesson, course = _staff_lesson(session, actor, lesson_id)
    if bool(user_id) == bool(group_id):
        raise Invalid("Choose one learner or one group.")
    if user_id:
        user = session.get(User, int(user_id))
        run = session.exec(select(Enrollment.id).where(Enrollment.course_id == course.id, Enrollment.user_id == int(user_id),
                                                       Enrollment.status.in_(("active", "completed")))).first()
        if user is None or user.org_id != actor.org_id or run is None:
            raise NotFound("That person is not enrolled in this course.")
        label = user.email
    else:
        group = session.get(Group, int(group_id))
        if group is None or group.org_id != actor.org_id:
            raise NotFound("That group does not exist.")
        label = f"group {group.name}"
    values = {
        "extra_attempts": _whole(extra_attempts, "Extra attempts", MAX_EXTRA_ATTEMPTS),
        "extra_minutes": _whole(extra_minutes, "Extra minutes", MAX_EXTRA_MINUTES),
        "opens_at": moment(opens_at, "The opening time"),
        "due_at": moment(due_at, "The due date"),
        "closes_at": moment(closes_at, "The closing time"),
    }
    if all(v is None for v in values.values()):
        raise Invalid("Give extra attempts, extra time or other dates: an override without any changes nothing.")
    if values["opens_at"] and values["closes_at"] and values["closes_at"] <= values["opens_at"]:
        raise Invalid("The closing time must come after the opening time.")
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise Invalid(f"The reason has at most {MAX_REASON} characters.")
    row = session.exec(select(LessonOverride).where(
        LessonOverride.lesson_id == lesson.id,
        LessonOverride.user_id == int(user_id) if user_id else LessonOverride.group_id == int(group_id))).first()
    before = _snapshot(row) if row else None
    if row is None:
        row = LessonOverride(org_id=lesson.org_id, lesson_id=lesson.id, user_id=int(user_id) if user_id else None,
                             group_id=int(group_id) if group_id else None, created_by_id=actor.user_id)
    for name, value in values.items():
        setattr(row, name, value)
    row.reason = reason
    session.add(row)
    session.flush()
    audit.record(session, actor, "override.saved", target_type="lesson_override", target_id=row.id,
                 target_label=f"{label} at “{lesson.title}”", before=before, after=_snapshot(row))
    return row


def delete_override(session: Session, actor: Actor, override_id: int, reason: str = "") -> None:
    """Take an override away: the lesson's own rules apply again."""
    row = session.get(LessonOverride, int(override_id)) if override_id else None
    if row is None or row.org_id != actor.org_id:
        raise NotFound("That override does not exist.")
    lesson, _ = _staff_lesson(session, actor, row.lesson_id)
    user = session.get(User, row.user_id) if row.user_id else None
    group = session.get(Group, row.group_id) if row.group_id else None
    label = user.email if user else f"group {group.name}" if group else "someone"
    before = _snapshot(row)
    session.delete(row)
    session.flush()
    audit.record(session, actor, "override.deleted", target_type="lesson_override", target_id=override_id,
                 target_label=f"{label} at “{lesson.title}”", before=before, after={"reason": " ".join((reason or "").split())[:MAX_REASON]})


@dataclass
class Candidate:
    user_id: int
    name: str
    email: str


def override_candidates(session: Session, actor: Actor, lesson_id: int, query: str, *, limit: int = 8) -> list[Candidate]:
    """Enrolled learners of the lesson's course whose name or email matches (for the override form)."""
    lesson, course = _staff_lesson(session, actor, lesson_id)
    q = (query or "").strip().lower()[:100]
    enrolled = select(Enrollment.user_id).where(Enrollment.course_id == course.id, Enrollment.status.in_(("active", "completed")))
    stmt = select(User).where(User.id.in_(enrolled)).order_by(func.lower(User.name)).limit(limit)
    if q:
        stmt = stmt.where(or_(func.lower(User.name).like(f"%{q}%"), func.lower(User.email).like(f"%{q}%")))
    return [Candidate(u.id, u.name, u.email) for u in session.exec(stmt).all()]


def group_choices(session: Session, actor: Actor, lesson_id: int) -> list[tuple[int, str]]:
    """The organization's groups (for a group's override)."""
    _staff_lesson(session, actor, lesson_id)
    return [(g.id, g.name) for g in session.exec(select(Group).where(Group.org_id == actor.org_id).order_by(func.lower(Group.name))).all()]
