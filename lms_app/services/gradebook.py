"""The gradebook: grade items (one per quiz and assignment lesson, plus manual items), their
categories, and one entry per item and enrollment.

Results flow in from the activities: when a quiz grade or a released assignment grade
changes, `record_result` writes the enrollment's points on the lesson's item."""

from __future__ import annotations

from sqlmodel import Session, select

from lms_app.models import GradeEntry, GradeItem, Lesson, utcnow

GRADED_KINDS = ("quiz", "assignment")


def item_for_lesson(session: Session, lesson: Lesson) -> GradeItem:
    """The grade item of a quiz or assignment lesson, made on first use."""
    item = session.exec(select(GradeItem).where(GradeItem.lesson_id == lesson.id)).first()
    if item is None:
        max_points = float((lesson.content or {}).get("max_points") or 100.0)
        item = GradeItem(org_id=lesson.org_id, course_id=lesson.course_id, lesson_id=lesson.id, title=lesson.title,
                         max_points=max_points, position=lesson.id)
        session.add(item)
        session.flush()
    return item


def record_result(session: Session, lesson: Lesson, enrollment_id: int, fraction: float | None) -> GradeEntry:
    """Write an enrollment's result on a quiz or assignment lesson (a share of the item's
    points; None clears it). An instructor's override is kept."""
    item = item_for_lesson(session, lesson)
    entry = session.exec(select(GradeEntry).where(GradeEntry.item_id == item.id, GradeEntry.enrollment_id == enrollment_id)).first()
    if entry is None:
        entry = GradeEntry(org_id=lesson.org_id, item_id=item.id, enrollment_id=enrollment_id)
    entry.points = None if fraction is None else round(fraction * item.max_points, 2)
    entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    return entry
