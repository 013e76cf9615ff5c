"""Quizzes seen by the course's staff: what the quiz editor needs from the question banks, the
attempts across learners, and resetting or reopening one attempt.

Rules this module settles:
- everything here is for the quiz's course staff (instructors, assistants, or
  "courses.manage"); changing the quiz itself stays with courses.update_lesson (instructors);
- a quiz may use the questions of its course's bank and of the editing instructor's own bank;
  a fixed question or a category named in the editor must be one of those;
- "reset" deletes an attempt (answers included) so the learner may take it again; the quiz
  grade and the gradebook follow at once;
- "reopen" puts a submitted attempt (or one closed by its deadline) back in progress with a
  new deadline N minutes from now, when the learner has no other attempt in progress; until
  it is submitted again it does not count towards the quiz grade;
- both need a reason and are audit-logged with before, after and that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, or_
from sqlmodel import Session, select

from lms_app.assessments.questions import TYPE_LABELS
from lms_app.assessments.quiz_settings import MAX_TIME_LIMIT_MINUTES
from lms_app.models import AttemptAnswer, BankQuestion, Lesson, QuizAttempt, User, utcnow
from lms_app.services import audit, courses, question_bank, quizzes
from lms_app.services.errors import Conflict, Invalid, NotFound
from lms_app.services.permissions import Actor

MAX_REASON = 500
MAX_LISTED = 500
BANK_LIMIT = 100
STATUSES = (quizzes.IN_PROGRESS, quizzes.AWAITING_GRADING, quizzes.GRADED)


# --- finding the quiz --------------------------------------------------------------------------

@dataclass
class StaffQuiz:
    lesson_id: int
    course_id: int
    course_title: str
    title: str
    content: dict[str, Any]
    can_edit: bool  # the actor may change the quiz (instructors, courses.manage)


def staff_quiz(session: Session, actor: Actor, lesson_id: int) -> StaffQuiz:
    """A quiz lesson, if the actor is on its course's staff."""
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id or lesson.kind != quizzes.QUIZ_KIND:
        raise NotFound("That quiz does not exist.")
    course = courses.staffed_course(session, actor, lesson.course_id)
    return StaffQuiz(lesson.id, course.id, course.title, lesson.title, dict(lesson.content or {}), courses.can_author(session, actor, course))


# --- the question banks, for the quiz editor ---------------------------------------------------

@dataclass
class BankRow:
    id: int
    title: str
    type: str
    type_label: str
    points: float
    category_id: int
    category: str  # the category's path


@dataclass
class ItemDetail:
    """One item of a quiz as the editor shows it."""

    label: str  # the question's title, or the category's path
    type_label: str  # the question's type, or "" for a draw
    category: str
    points_min: float
    points_max: float
    available: int  # questions in the category (a draw); 1 for a fixed question found
    problem: str  # "" or why the item will not work


def _usable_categories(session: Session, actor: Actor, course_id: int) -> dict[int, str]:
    """The categories (id -> path) the actor may take questions from for this course."""
    return {c.id: c.path for c in question_bank.categories(session, actor, int(course_id))}


def bank_questions(session: Session, actor: Actor, course_id: int, *, category_id: int | None = None, search: str = "",
                   limit: int = BANK_LIMIT) -> tuple[list[BankRow], int]:
    """Questions the actor may put in a quiz of this course (the course's bank and their own),
    by title, in one category or all; and how many match."""
    usable = _usable_categories(session, actor, course_id)
    ids = [int(category_id)] if category_id else list(usable)
    ids = [i for i in ids if i in usable]
    where = [BankQuestion.category_id.in_(ids or [0])]
    text = (search or "").strip().lower()[:100]
    if text:
        where.append(func.lower(BankQuestion.title).like(f"%{text}%"))
    total = session.exec(select(func.count(BankQuestion.id)).where(*where)).one()
    rows = session.exec(select(BankQuestion).where(*where).order_by(func.lower(BankQuestion.title), BankQuestion.id).limit(limit)).all()
    return [BankRow(r.id, r.title, r.type, TYPE_LABELS.get(r.type, r.type), r.points, r.category_id, usable[r.category_id]) for r in rows], total


def check_item(session: Session, actor: Actor, course_id: int, item: dict[str, Any]) -> dict[str, Any]:
    """A question item the actor may add to a quiz of this course (NotFound otherwise)."""
    usable = _usable_categories(session, actor, course_id)
    if "question_id" in item:
        row = session.get(BankQuestion, int(item["question_id"] or 0))
        if row is None or row.org_id != actor.org_id or row.category_id not in usable:
            raise NotFound("That question is not in a bank you can use for this course.")
        return {"question_id": row.id}
    category_id = int(item.get("category_id") or 0)
    if category_id not in usable:
        raise NotFound("That category is not in a bank you can use for this course.")
    return {"category_id": category_id, "count": item.get("count")}


def item_details(session: Session, actor: Actor, course_id: int, items: list[dict[str, Any]]) -> list[ItemDetail]:
    """What the editor shows for each item of a quiz: the question (title, type, points) or the
    draw (category, how many it holds, the points it may give)."""
    usable = _usable_categories(session, actor, course_id)
    fixed_ids = [int(i["question_id"]) for i in items if "question_id" in i]
    fixed = {r.id: r for r in session.exec(select(BankQuestion).where(BankQuestion.id.in_(fixed_ids or [0]),
                                                                      BankQuestion.org_id == actor.org_id)).all()}
    draw_ids = [int(i["category_id"]) for i in items if "category_id" in i]
    points: dict[int, list[float]] = {}
    for category_id, p in session.exec(select(BankQuestion.category_id, BankQuestion.points).where(
            BankQuestion.category_id.in_(draw_ids or [0]), BankQuestion.org_id == actor.org_id)).all():
        points.setdefault(category_id, []).append(p)
    out = []
    for item in items:
        if "question_id" in item:
            row = fixed.get(int(item["question_id"]))
            if row is None:
                out.append(ItemDetail("A deleted question", "", "", 0, 0, 0, "This question was deleted: remove it from the quiz."))
            elif row.category_id not in usable:
                out.append(ItemDetail(row.title, TYPE_LABELS.get(row.type, row.type), "Another instructor's bank", row.points, row.points, 1, ""))
            else:
                out.append(ItemDetail(row.title, TYPE_LABELS.get(row.type, row.type), usable[row.category_id], row.points, row.points, 1, ""))
            continue
        category_id, count = int(item["category_id"]), int(item.get("count") or 0)
        held = sorted(points.get(category_id, []))
        name = usable.get(category_id, "A category of another bank")
        problem = f"The category holds only {len(held)} question{'s' if len(held) != 1 else ''}." if len(held) < count else ""
        out.append(ItemDetail(name, "", name, sum(held[:count]), sum(held[-count:]) if count else 0, len(held), problem))
    return out


# --- attempts ----------------------------------------------------------------------------------

@dataclass
class StaffAttempt:
    id: int
    user_id: int
    name: str
    email: str
    number: int
    status: str
    started_at: datetime
    deadline_at: datetime | None
    submitted_at: datetime | None
    closed_by: str | None
    score: float | None
    max_score: float
    percent: float | None  # once fully graded
    passed: bool | None


@dataclass
class AttemptCounts:
    attempts: int
    learners: int
    in_progress: int
    awaiting: int
    average_percent: float | None  # of the graded attempts


def list_attempts(session: Session, actor: Actor, lesson_id: int, *, status: str = "", search: str = "",
                  limit: int = MAX_LISTED) -> tuple[list[StaffAttempt], AttemptCounts]:
    """The quiz's attempts across learners (newest first), filtered by status and by the
    learner's name or email; with counts over all its attempts."""
    quiz = staff_quiz(session, actor, lesson_id)
    where = [QuizAttempt.lesson_id == quiz.lesson_id]
    if status in STATUSES:
        where.append(QuizAttempt.status == status)
    text = (search or "").strip().lower()[:100]
    if text:
        where.append(or_(func.lower(User.name).like(f"%{text}%"), func.lower(User.email).like(f"%{text}%")))
    rows = session.exec(select(QuizAttempt, User).join(User, User.id == QuizAttempt.user_id).where(*where)
                        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc()).limit(limit)).all()
    out = [StaffAttempt(a.id, u.id, u.name, u.email, a.number, a.status, a.started_at, a.deadline_at, a.submitted_at, a.closed_by,
                        a.score, a.max_score, round(a.fraction * 100, 1) if a.fraction is not None and a.status == quizzes.GRADED else None,
                        a.passed) for a, u in rows]
    n, learners, in_progress, awaiting, average = session.exec(select(
        func.count(QuizAttempt.id), func.count(func.distinct(QuizAttempt.user_id)),
        func.sum(case((QuizAttempt.status == quizzes.IN_PROGRESS, 1), else_=0)),
        func.sum(case((QuizAttempt.status == quizzes.AWAITING_GRADING, 1), else_=0)),
        func.avg(QuizAttempt.fraction).filter(QuizAttempt.status == quizzes.GRADED),
    ).where(QuizAttempt.lesson_id == quiz.lesson_id)).one()
    counts = AttemptCounts(n or 0, learners or 0, int(in_progress or 0), int(awaiting or 0),
                           round(average * 100, 1) if average is not None else None)
    return out, counts


def _staff_attempt(session: Session, actor: Actor, attempt_id: int) -> tuple[QuizAttempt, StaffQuiz, User]:
    attempt = session.exec(select(QuizAttempt).where(QuizAttempt.id == int(attempt_id or 0)).with_for_update()
                           .execution_options(populate_existing=True)).first()
    if attempt is None or attempt.org_id != actor.org_id:
        raise NotFound("That attempt does not exist.")
    quiz = staff_quiz(session, actor, attempt.lesson_id)
    return attempt, quiz, session.get(User, attempt.user_id)


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid("Say why: the reason is kept in the audit trail.")
    if len(reason) > MAX_REASON:
        raise Invalid(f"The reason has at most {MAX_REASON} characters.")
    return reason


def _summary(a: QuizAttempt) -> dict[str, Any]:
    return {"number": a.number, "status": a.status, "score": a.score, "max_score": a.max_score,
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
            "deadline_at": a.deadline_at.isoformat() if a.deadline_at else None, "closed_by": a.closed_by}


def reset_attempt(session: Session, actor: Actor, attempt_id: int, reason: str, *, now: datetime | None = None) -> None:
    """Delete one attempt (with its answers) so the learner may take the quiz again; the quiz
    grade and the gradebook follow."""
    reason = _reason(reason)
    attempt, quiz, learner = _staff_attempt(session, actor, attempt_id)
    before = _summary(attempt)
    enrollment_id, attempt_id = attempt.enrollment_id, attempt.id
    session.execute(delete(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))
    session.execute(delete(QuizAttempt).where(QuizAttempt.id == attempt_id))
    session.expunge(attempt)
    session.flush()
    audit.record(session, actor, "quiz.attempt_reset", target_type="quiz_attempt", target_id=attempt_id,
                 target_label=f"#{before['number']} of {learner.email if learner else attempt.user_id} at “{quiz.title}”",
                 before=before, after={"reason": reason})
    quizzes.grade_changed(session, actor, enrollment_id, session.get(Lesson, quiz.lesson_id), now=now)


def reopen_attempt(session: Session, actor: Actor, attempt_id: int, minutes: Any, reason: str, *,
                   now: datetime | None = None) -> QuizAttempt:
    """Put a submitted attempt (or one its deadline closed) back in progress for `minutes`
    more minutes. It leaves the quiz grade until it is submitted again."""
    now = now or utcnow()
    reason = _reason(reason)
    try:
        minutes = int(str(minutes).strip())
    except (TypeError, ValueError):
        raise Invalid("Give the minutes the learner gets as a whole number.") from None
    if not 1 <= minutes <= MAX_TIME_LIMIT_MINUTES:
        raise Invalid(f"The learner gets between 1 and {MAX_TIME_LIMIT_MINUTES:,} minutes.")
    attempt, quiz, learner = _staff_attempt(session, actor, attempt_id)
    if attempt.status == quizzes.IN_PROGRESS:
        raise Conflict("This attempt is still in progress: there is nothing to reopen.")
    other = session.exec(select(QuizAttempt.id).where(QuizAttempt.enrollment_id == attempt.enrollment_id, QuizAttempt.lesson_id == attempt.lesson_id,
                                                      QuizAttempt.status == quizzes.IN_PROGRESS)).first()
    if other is not None:
        raise Conflict("The learner has another attempt in progress at this quiz: wait until it is submitted.")
    before = _summary(attempt)
    attempt.status, attempt.deadline_at = quizzes.IN_PROGRESS, now + timedelta(minutes=minutes)
    attempt.submitted_at = attempt.closed_by = attempt.released_at = None
    attempt.score = attempt.fraction = attempt.passed = None
    session.add(attempt)
    session.flush()
    audit.record(session, actor, "quiz.attempt_reopened", target_type="quiz_attempt", target_id=attempt.id,
                 target_label=f"#{attempt.number} of {learner.email if learner else attempt.user_id} at “{quiz.title}”",
                 before=before, after={**_summary(attempt), "minutes": minutes, "reason": reason})
    quizzes.grade_changed(session, actor, attempt.enrollment_id, session.get(Lesson, quiz.lesson_id), now=now)
    return attempt

