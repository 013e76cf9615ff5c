"""A small published course for the state and matrix tests: taught by Irene, two modules, a
locked lesson, Leo enrolled. Returns the ids the rows need."""

from __future__ import annotations

from sqlmodel import Session

from lms_app.services import courses, enrollment
from lms_app.services.permissions import Actor


def build_course(session: Session, instructor: Actor, learner: Actor) -> dict[str, int]:
    course = courses.create_course(session, instructor, "Safe lifting at work", summary="Lift boxes without hurting your back.",
                                   category="Safety", tags=["safety", "warehouse"], estimated_minutes=30)
    basics = courses.add_module(session, instructor, course.id, "Basics")
    intro = courses.add_lesson(session, instructor, basics.id, "Why it matters", "text", {"markdown": "# Why\n\nBacks are precious."})
    posture = courses.add_lesson(session, instructor, basics.id, "Posture", "text", {"markdown": "Bend your knees."})
    practice = courses.add_module(session, instructor, course.id, "Practice")
    drill = courses.add_lesson(session, instructor, practice.id, "The drill", "text", {"markdown": "Lift, turn with your feet, set down."})
    courses.set_lesson_prerequisites(session, instructor, drill.id, [posture.id])
    courses.update_course(session, instructor, course.id, self_enrollment=True)
    courses.set_visibility(session, instructor, course.id, "published")
    run = enrollment.self_enroll(session, learner, course.id)
    session.flush()
    return {"course": course.id, "module": basics.id, "module2": practice.id, "lesson": intro.id, "lesson2": posture.id,
            "locked_lesson": drill.id, "enrollment": run.id}
