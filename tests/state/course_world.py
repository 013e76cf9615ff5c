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


# --- assessments: quiz player: a quiz lesson of bank questions ---
def add_quiz(session: Session, instructor: Actor, course_id: int, module_id: int, *, essay: bool = False, file: bool = False,
             required: bool = True, **settings) -> dict[str, int]:
    """A quiz lesson in the module: a single choice ("Yes" right), a short answer ("Paris"),
    with `essay` an essay and with `file` a file upload (PDF); `settings` are the quiz's other
    settings (time limit, ...)."""
    from lms_app.assessments.questions import Choice, Question, TextAnswer
    from lms_app.services import question_bank

    category = question_bank.create_category(session, instructor, "Quiz questions", course_id=course_id)
    questions = [
        Question("single", "Knees", "Do you bend your **knees** to lift?", choices=[Choice("Yes", 1.0, "Well done."), Choice("No", 0.0, "Not quite.")]),
        Question("short_answer", "Capital", "The capital of France?", answers=[TextAnswer("Paris", 1.0)], points=2.0),
    ]
    if essay:
        questions.append(Question("essay", "Why", "Why do exits stay clear?"))
    if file:
        questions.append(Question("file_upload", "Plan", "Hand in your lifting plan.", accepted_files=".pdf"))
    ids = [question_bank.save_question(session, instructor, category.id, q).id for q in questions]
    quiz = courses.add_lesson(session, instructor, module_id, "Lifting check", "quiz",
                              {"questions": [{"question_id": i} for i in ids], "shuffle_choices": False, **settings}, required=required)
    session.flush()
    return {"quiz": quiz.id, "quiz_category": category.id, "quiz_questions": ids}
