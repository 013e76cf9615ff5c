"""Grading in the browser: the queue of work waiting for a grader, one item's grading view,
grading quiz answers (essays, file uploads) and assignment submissions with a score or a
rubric, releasing grades to learners, and regrading a question whose key was fixed.

Rules this module settles:
- a grader is a course's staff (instructors and assistants); the queue lists only the courses
  where the grader has a course role (CourseStaff), even for someone who manages all courses;
  an item opened directly is open to the course's staff or to "courses.manage";
- a grade is a draft the learner does not see until it is released: an attempt is released
  only once every answer a person grades is graded, then its totals and pass are computed and
  the quiz grade goes to the gradebook (quizzes.grade_changed); a released submission's
  points less its late penalty go to the gradebook, and a pass completes the lesson;
- every grade change is audit-logged with who, before, after and why; changing a grade
  already released needs a reason, and reaches the learner (and the gradebook) at once.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import and_, false, func, or_, true
from sqlmodel import Session, select

from lms_app.assessments.assignment_settings import AssignmentSettings, late_penalty
from lms_app.assessments.grading import grade, max_points
from lms_app.assessments.questions import MANUAL_TYPES, Question
from lms_app.models import (
    AttemptAnswer,
    BankQuestion,
    Course,
    CourseStaff,
    Lesson,
    QuestionCategory,
    QuizAttempt,
    Rubric,
    Submission,
    User,
    utcnow,
)
from lms_app.services import assignments, audit, courses, gradebook, progress, quizzes, rubrics, storage
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

log = logging.getLogger("lms_app.grading")

TEACH = "courses.teach"
QUIZ, ASSIGNMENT = "quiz", "assignment"
KINDS = (QUIZ, ASSIGNMENT)
TO_GRADE, TO_RELEASE, WAITING = "to_grade", "to_release", "waiting"
STATUSES = (TO_GRADE, TO_RELEASE, WAITING)
SUBMITTED, DRAFT, RELEASED = "submitted", "graded", "released"  # Submission.status
PAGE_SIZE = 25
MAX_FEEDBACK = 20_000
MAX_REASON = 500
TEXT_PREVIEW_BYTES = 200_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_RANK = {QUIZ: 0, ASSIGNMENT: 1}  # same submitted time: quiz answers first, then by id
_TEXT_EXT = {".txt", ".md", ".csv", ".json", ".py", ".js", ".ts", ".html", ".css", ".xml", ".yaml", ".yml", ".sql", ".log", ".java", ".c", ".cpp", ".rs", ".go"}
_IMAGE_EXT = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}


# --- what is shown ----------------------------------------------------------------------------

@dataclass
class QueueFilters:
    course_id: int | None = None
    kind: str = ""  # "" (both), quiz, assignment
    status: str = TO_GRADE  # to_grade, to_release, waiting (both)
    search: str = ""  # learner name or email
    page: int = 1


@dataclass
class QueueRow:
    kind: str  # quiz | assignment
    item_id: int  # the AttemptAnswer id or the Submission id
    course_id: int
    course_title: str
    lesson_title: str
    item_title: str  # the question's title (quiz) or the assignment's
    learner_name: str
    learner_email: str
    submitted_at: datetime | None
    late_seconds: int
    status: str  # to_grade | to_release
    points: float | None
    max_points: float


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    courses: list[tuple[int, str]]  # the courses the grader teaches, for the filter


@dataclass
class FileView:
    name: str
    url: str
    size: int
    viewer: str  # pdf | image | text | other
    text: str = ""


@dataclass
class RubricView:
    id: int
    title: str
    criteria: list[dict[str, Any]]
    max_points: float


@dataclass
class GradingItem:
    """One item as its grader sees it: the work, the instructions, the grade so far, and where
    the previous and next items of the queue are."""

    kind: str
    item_id: int
    course_id: int
    course_title: str
    lesson_title: str
    item_title: str
    instructions: str  # Markdown
    learner_name: str
    learner_email: str
    submitted_at: datetime | None
    late_seconds: int
    answer_text: str  # Markdown (the essay, or the submission's text)
    files: list[FileView]
    max_points: float
    points: float | None
    penalty: float
    feedback: str
    status: str  # to_grade | to_release | released
    rubric: RubricView | None  # the assignment's rubric, or the one the grader used
    rubric_fixed: bool  # the assignment names its rubric: the grader cannot pick another
    rubric_levels: list[int] | None
    rubrics: list[RubricView]  # the course's rubrics to pick from
    previous: tuple[str, int] | None
    next: tuple[str, int] | None
    graded_by: str = ""
    released_at: datetime | None = None


@dataclass
class ReleaseResult:
    released: list[str] = field(default_factory=list)  # "Leo Learner: Fire quiz"
    skipped: list[str] = field(default_factory=list)  # "Amara: Fire quiz: 1 answer still to grade"


@dataclass
class RegradeSummary:
    attempts: int = 0
    up: int = 0
    down: int = 0
    unchanged: int = 0

    @property
    def sentence(self) -> str:
        if not self.attempts:
            return "No submitted attempt used this question: nothing to re-score."
        plural = "attempt" if self.attempts == 1 else "attempts"
        return f"{self.attempts} {plural} re-scored: {self.up} went up, {self.down} went down, {self.unchanged} unchanged."


# --- assignments (settings written by the assignments part) -----------------------------------

def _assignment_settings(lesson: Lesson) -> AssignmentSettings:
    try:
        return assignments.assignment_settings_of(lesson)
    except Invalid:  # settings changed into something incomplete: grade with the defaults
        return AssignmentSettings(instructions="")


def _late_penalty(settings: AssignmentSettings, late_seconds: int, max_pts: float) -> float:
    """The points a late submission loses (never more than the item's points)."""
    return round(min(max(late_penalty(settings, late_seconds or 0), 0.0), max_pts), 2)


def _assignment_max(settings: Any, submission: Submission) -> float:
    return float(submission.max_points or getattr(settings, "max_points", None) or 100.0)


def _assignment_passes(settings: AssignmentSettings, fraction: float) -> bool:
    return settings.passes(fraction)


# --- who may ----------------------------------------------------------------------------------

def _taught_courses(actor: Actor):
    """The ids of the courses where the actor has a course role (the queue's scope)."""
    return select(CourseStaff.course_id).where(CourseStaff.user_id == actor.user_id)


def _staff_of(session: Session, actor: Actor, course_id: int, checked: dict[int, bool] | None = None) -> None:
    if checked is not None and course_id in checked:
        if not checked[course_id]:
            raise PermissionDenied("You do not have permission to do that.")
        return
    course = session.get(Course, course_id)
    allowed = course is not None and course.org_id == actor.org_id and courses.can_view_as_staff(session, actor, course)
    if checked is not None:
        checked[course_id] = allowed
    if not allowed:
        raise PermissionDenied("You do not have permission to do that.")


def _answer(session: Session, actor: Actor, answer_id: int) -> tuple[AttemptAnswer, QuizAttempt, Lesson]:
    require(actor, TEACH)
    answer = session.get(AttemptAnswer, int(answer_id)) if answer_id else None
    attempt = session.get(QuizAttempt, answer.attempt_id) if answer else None
    if attempt is None or attempt.org_id != actor.org_id:
        raise NotFound("That answer does not exist.")
    lesson = session.get(Lesson, attempt.lesson_id)
    _staff_of(session, actor, lesson.course_id)
    if answer.question.get("type") not in MANUAL_TYPES:
        raise NotFound("That answer is graded automatically.")
    if attempt.status == quizzes.IN_PROGRESS:
        raise NotFound("That attempt is not submitted yet.")
    return answer, attempt, lesson


def _submission(session: Session, actor: Actor, submission_id: int) -> tuple[Submission, Lesson]:
    require(actor, TEACH)
    submission = session.get(Submission, int(submission_id)) if submission_id else None
    if submission is None or submission.org_id != actor.org_id:
        raise NotFound("That submission does not exist.")
    lesson = session.get(Lesson, submission.lesson_id)
    _staff_of(session, actor, lesson.course_id)
    return submission, lesson


# --- the queue --------------------------------------------------------------------------------

def _clean_filters(filters: QueueFilters | None) -> QueueFilters:
    f = filters or QueueFilters()
    return QueueFilters(int(f.course_id) if f.course_id else None, f.kind if f.kind in KINDS else "",
                        f.status if f.status in STATUSES else TO_GRADE, " ".join((f.search or "").split())[:100].lower(),
                        max(1, int(f.page or 1)))


def _learner_match(search: str):
    like = f"%{search}%"
    return or_(func.lower(User.name).like(like), func.lower(User.email).like(like))


def _quiz_where(actor: Actor, f: QueueFilters) -> list:
    to_grade = and_(AttemptAnswer.graded_at.is_(None), AttemptAnswer.fraction.is_(None))
    to_release = AttemptAnswer.graded_at.is_not(None)
    where = [QuizAttempt.org_id == actor.org_id, QuizAttempt.status == quizzes.AWAITING_GRADING,
             Lesson.course_id.in_(_taught_courses(actor)),
             {TO_GRADE: to_grade, TO_RELEASE: to_release}.get(f.status, or_(to_grade, to_release))]
    if f.course_id:
        where.append(Lesson.course_id == f.course_id)
    if f.search:
        where.append(_learner_match(f.search))
    return where


def _submission_where(actor: Actor, f: QueueFilters) -> list:
    statuses = {TO_GRADE: [SUBMITTED], TO_RELEASE: [DRAFT]}.get(f.status, [SUBMITTED, DRAFT])
    where = [Submission.org_id == actor.org_id, Submission.status.in_(statuses), Lesson.course_id.in_(_taught_courses(actor))]
    if f.course_id:
        where.append(Lesson.course_id == f.course_id)
    if f.search:
        where.append(_learner_match(f.search))
    return where


def _quiz_select(*columns):
    return (select(*columns).select_from(AttemptAnswer).join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
            .join(Lesson, Lesson.id == QuizAttempt.lesson_id).join(Course, Course.id == Lesson.course_id)
            .join(User, User.id == QuizAttempt.user_id))


def _submission_select(*columns):
    return (select(*columns).select_from(Submission).join(Lesson, Lesson.id == Submission.lesson_id)
            .join(Course, Course.id == Lesson.course_id).join(User, User.id == Submission.user_id))


def queue(session: Session, actor: Actor, filters: QueueFilters | None = None) -> QueuePage:
    """The work waiting for the actor, oldest first: answers a person grades (essays, file
    uploads) in attempts awaiting grading, and assignment submissions; "to grade" by default,
    or "to release" (graded, not released yet), or both ("waiting").

    Only the courses where the actor has a course role count: someone who manages all courses
    (an admin with "courses.manage") sees the courses they staff, not every course of the
    install. One query per source (quiz answers, submissions) and page, none per row."""
    require(actor, TEACH)
    f = _clean_filters(filters)
    limit = f.page * PAGE_SIZE
    rows: list[QueueRow] = []
    total = 0
    if f.kind in ("", QUIZ):
        where = _quiz_where(actor, f)
        total += session.exec(_quiz_select(func.count(AttemptAnswer.id)).where(*where)).one()
        found = session.exec(_quiz_select(AttemptAnswer.id, AttemptAnswer.question, AttemptAnswer.graded_at, AttemptAnswer.points,
                                          QuizAttempt.submitted_at, Lesson.title, Course.id, Course.title, User.name, User.email)
                             .where(*where).order_by(QuizAttempt.submitted_at, AttemptAnswer.id).limit(limit)).all()
        rows += [QueueRow(QUIZ, aid, cid, ctitle, ltitle, str((q or {}).get("title") or "Question"), name, email, at, 0,
                          TO_RELEASE if graded_at else TO_GRADE, points, float((q or {}).get("points") or 0.0))
                 for aid, q, graded_at, points, at, ltitle, cid, ctitle, name, email in found]
    if f.kind in ("", ASSIGNMENT):
        where = _submission_where(actor, f)
        total += session.exec(_submission_select(func.count(Submission.id)).where(*where)).one()
        found = session.exec(_submission_select(Submission.id, Submission.status, Submission.points, Submission.max_points,
                                                Submission.late_seconds, Submission.submitted_at, Lesson.title, Course.id,
                                                Course.title, User.name, User.email)
                             .where(*where).order_by(Submission.submitted_at, Submission.id).limit(limit)).all()
        rows += [QueueRow(ASSIGNMENT, sid, cid, ctitle, ltitle, ltitle, name, email, at, late or 0,
                          TO_RELEASE if status == DRAFT else TO_GRADE, points, float(max_pts or 0.0))
                 for sid, status, points, max_pts, late, at, ltitle, cid, ctitle, name, email in found]
    rows.sort(key=lambda r: (r.submitted_at or _EPOCH, _RANK[r.kind], r.item_id))
    taught = session.exec(select(Course.id, Course.title).join(CourseStaff, CourseStaff.course_id == Course.id)
                          .where(CourseStaff.user_id == actor.user_id, Course.org_id == actor.org_id).order_by(Course.title)).all()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return QueuePage(rows[(f.page - 1) * PAGE_SIZE:limit], total, f.page, pages, [(cid, title) for cid, title in taught])


def waiting_count(session: Session, actor: Actor) -> int:
    """How many items wait to be graded by the actor (two counts)."""
    if not actor.can(TEACH):
        return 0
    f = QueueFilters()
    return (session.exec(_quiz_select(func.count(AttemptAnswer.id)).where(*_quiz_where(actor, f))).one()
            + session.exec(_submission_select(func.count(Submission.id)).where(*_submission_where(actor, f))).one())


def _beyond(time_col, id_col, rank: int, key: tuple[datetime, int, int], later: bool):
    """Rows of one source after (or before) `key` = (submitted_at, kind rank, id) in queue order."""
    at, key_rank, key_id = key
    if rank == key_rank:
        same = id_col > key_id if later else id_col < key_id
    else:
        same = true() if (rank > key_rank) == later else false()
    return or_(time_col > at if later else time_col < at, and_(time_col == at, same))


def neighbours(session: Session, actor: Actor, kind: str, item_id: int, submitted_at: datetime | None,
               filters: QueueFilters | None = None) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """The items just before and after this one in the queue's order under the same filters
    (one query per source and direction). The item itself need not be in the queue any
    more (it was just graded). Going back from "to grade" also finds what was just graded
    (not released yet), so a grader can look again at the learner before."""
    if submitted_at is None:
        return None, None
    key = (submitted_at, _RANK[kind], int(item_id))
    found: dict[bool, list[tuple[datetime, int, str, int]]] = {False: [], True: []}
    for later in (False, True):
        f = _clean_filters(filters)
        if not later and f.status == TO_GRADE:
            f.status = WAITING
        if f.kind in ("", QUIZ):
            order = (QuizAttempt.submitted_at, AttemptAnswer.id) if later else (QuizAttempt.submitted_at.desc(), AttemptAnswer.id.desc())
            row = session.exec(_quiz_select(AttemptAnswer.id, QuizAttempt.submitted_at).where(
                *_quiz_where(actor, f), _beyond(QuizAttempt.submitted_at, AttemptAnswer.id, _RANK[QUIZ], key, later)).order_by(*order).limit(1)).first()
            if row:
                found[later].append((row[1], _RANK[QUIZ], QUIZ, row[0]))
        if f.kind in ("", ASSIGNMENT):
            order = (Submission.submitted_at, Submission.id) if later else (Submission.submitted_at.desc(), Submission.id.desc())
            row = session.exec(_submission_select(Submission.id, Submission.submitted_at).where(
                *_submission_where(actor, f), _beyond(Submission.submitted_at, Submission.id, _RANK[ASSIGNMENT], key, later)).order_by(*order).limit(1)).first()
            if row:
                found[later].append((row[1], _RANK[ASSIGNMENT], ASSIGNMENT, row[0]))

    def pick(candidates, later):
        if not candidates:
            return None
        best = (min if later else max)(candidates, key=lambda c: (c[0], c[1], c[3]))
        return best[2], best[3]

    return pick(found[False], False), pick(found[True], True)


# --- the grading view -------------------------------------------------------------------------

def _rubric_view(r: Rubric) -> RubricView:
    return RubricView(r.id, r.title, r.criteria, rubrics.rubric_max(r.criteria))


def _course_rubrics(session: Session, course_id: int) -> list[Rubric]:
    return list(session.exec(select(Rubric).where(Rubric.course_id == course_id).order_by(Rubric.title, Rubric.id)).all())


def _viewer(name: str) -> str:
    ext = PurePosixPath(name.lower()).suffix
    if ext == ".pdf":
        return "pdf"
    if ext in _IMAGE_EXT:
        return "image"
    if ext in _TEXT_EXT:
        return "text"
    return "other"


def _text_of(file_path: str) -> str:
    """The start of a stored text file, for reading in the page."""
    try:
        path = storage.resolve(file_path, PurePosixPath(file_path).parts[0], "That file is gone.")
        with open(path, "rb") as fh:
            data = fh.read(TEXT_PREVIEW_BYTES + 1)
    except (NotFound, OSError, IndexError):
        return ""
    text = data[:TEXT_PREVIEW_BYTES].decode("utf-8", errors="replace")
    return text + ("\n…" if len(data) > TEXT_PREVIEW_BYTES else "")


def submission_files(submission: Submission) -> list[FileView]:
    out = []
    for index, f in enumerate(submission.files or []):
        name = str(f.get("name") or f"file {index + 1}")
        viewer = _viewer(name)
        out.append(FileView(name, f"/files/submissions/{submission.id}/{index}", int(f.get("size") or 0), viewer,
                            _text_of(str(f.get("file_path") or "")) if viewer == "text" else ""))
    return out


def _user_label(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.name if user else ""


def item_view(session: Session, actor: Actor, kind: str, item_id: int, filters: QueueFilters | None = None) -> GradingItem:
    """One answer or submission with everything its grader needs (see GradingItem)."""
    if kind == QUIZ:
        answer, attempt, lesson = _answer(session, actor, item_id)
        q = Question.from_dict(answer.question)
        learner, course = session.get(User, attempt.user_id), session.get(Course, lesson.course_id)
        chosen = (answer.rubric or {}).get("rubric_id")
        course_rubrics = _course_rubrics(session, course.id)
        rubric = next((r for r in course_rubrics if r.id == chosen), None)
        files = []
        if q.type == "file_upload" and isinstance(answer.response, str) and answer.response:
            # The response is the stored file's path (quizzes.save_file_answer).
            name = PurePosixPath(answer.response).name
            viewer = _viewer(name)
            files = [FileView(name, quizzes.answer_file_url(attempt.id, answer.position), 0, viewer,
                              _text_of(answer.response) if viewer == "text" else "")]
        status = "released" if attempt.released_at else (TO_RELEASE if answer.graded_at else TO_GRADE)
        prev, nxt = neighbours(session, actor, QUIZ, answer.id, attempt.submitted_at, filters)
        return GradingItem(QUIZ, answer.id, course.id, course.title, lesson.title, q.title, q.text, learner.name, learner.email,
                           attempt.submitted_at, 0, answer.response if q.type == "essay" and isinstance(answer.response, str) else "",
                           files, max_points(q), answer.points if answer.graded_at else None, 0.0, answer.feedback, status,
                           _rubric_view(rubric) if rubric else None, False,
                           list((answer.rubric or {}).get("levels") or []) if rubric else None,
                           [_rubric_view(r) for r in course_rubrics], prev, nxt, _user_label(session, answer.graded_by_id),
                           attempt.released_at)
    if kind == ASSIGNMENT:
        submission, lesson = _submission(session, actor, item_id)
        settings = _assignment_settings(lesson)
        learner, course = session.get(User, submission.user_id), session.get(Course, lesson.course_id)
        course_rubrics = _course_rubrics(session, course.id)
        named = getattr(settings, "rubric_id", None)
        chosen = named or (submission.rubric or {}).get("rubric_id")
        rubric = next((r for r in course_rubrics if r.id == chosen), None)
        levels = (submission.rubric or {}).get("levels") if submission.rubric and submission.rubric.get("rubric_id") == chosen else None
        status = {SUBMITTED: TO_GRADE, DRAFT: TO_RELEASE}.get(submission.status, "released")
        prev, nxt = neighbours(session, actor, ASSIGNMENT, submission.id, submission.submitted_at, filters)
        max_pts = _assignment_max(settings, submission)
        return GradingItem(ASSIGNMENT, submission.id, course.id, course.title, lesson.title, lesson.title,
                           str(getattr(settings, "instructions", "") or ""), learner.name, learner.email, submission.submitted_at,
                           submission.late_seconds or 0, submission.text or "", submission_files(submission), max_pts,
                           submission.points, _late_penalty(settings, submission.late_seconds or 0, max_pts), submission.feedback, status,
                           _rubric_view(rubric) if rubric else None, bool(named and rubric),
                           list(levels) if levels else None, [_rubric_view(r) for r in course_rubrics], prev, nxt,
                           _user_label(session, submission.graded_by_id), submission.released_at)
    raise NotFound("That item does not exist.")


# --- grading ----------------------------------------------------------------------------------

def _score(session: Session, course_id: int, item_max: float, points: Any, levels: Any, rubric_id: Any) -> tuple[float, dict | None]:
    """The points given (a plain score, or rubric levels scaled to the item's points) and the
    rubric record to keep."""
    if levels is not None:
        rubric = session.get(Rubric, int(rubric_id)) if rubric_id else None
        if rubric is None or rubric.course_id != course_id:
            raise Invalid("Choose one of the course's rubrics.")
        return rubrics.scaled_points(rubric.criteria, list(levels), item_max), {"rubric_id": rubric.id, "levels": list(levels)}
    if points is None or (isinstance(points, str) and not points.strip()):
        raise Invalid("Give a score.")
    try:
        value = float(str(points).strip().replace(",", ".")) if isinstance(points, str) else float(points)
    except (TypeError, ValueError):
        raise Invalid("The score must be a number.") from None
    if isinstance(points, bool) or not math.isfinite(value):
        raise Invalid("The score must be a number.")
    if not 0 <= value <= item_max + 1e-9:
        raise Invalid(f"Give a score between 0 and {item_max:g}.")
    return round(value, 2), None


def _clean_feedback(feedback: Any) -> str:
    text = str(feedback or "").strip()
    if len(text) > MAX_FEEDBACK:
        raise Invalid(f"The feedback is too long: at most {MAX_FEEDBACK:,} characters.")
    return text


def _clean_reason(reason: Any) -> str:
    text = " ".join(str(reason or "").split())
    if len(text) > MAX_REASON:
        raise Invalid(f"The reason is too long: at most {MAX_REASON} characters.")
    return text


def _grade_record(points: float | None, feedback: str, rubric: dict | None, penalty: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"points": points, "feedback": feedback[:300]}
    if rubric:
        out["rubric_levels"] = rubric.get("levels")
    if penalty:
        out["penalty"] = penalty
    return out


def grade_answer(session: Session, actor: Actor, answer_id: int, *, points: Any = None, levels: list[int] | None = None,
                 rubric_id: int | None = None, feedback: str = "", reason: str = "", now: datetime | None = None) -> AttemptAnswer:
    """Grade one essay or file-upload answer with a plain score (0..the question's points) or
    a course rubric's levels (scaled to the question's points). A draft until the attempt is
    released; a grade already released changes at once and needs a reason."""
    now = now or utcnow()
    answer, attempt, lesson = _answer(session, actor, answer_id)
    q = Question.from_dict(answer.question)
    score, rubric = _score(session, lesson.course_id, max_points(q), points, levels, rubric_id)
    feedback, reason = _clean_feedback(feedback), _clean_reason(reason)
    released = attempt.released_at is not None
    before = _grade_record(answer.points if answer.graded_at else None, answer.feedback, answer.rubric)
    if answer.graded_at and answer.points == score and answer.feedback == feedback and answer.rubric == rubric:
        return answer
    if released and not reason:
        raise Invalid("This grade is already released: say why you change it.")
    answer.points, answer.fraction = score, (score / max_points(q) if max_points(q) else 0.0)
    answer.feedback, answer.rubric, answer.graded_by_id, answer.graded_at, answer.updated_at = feedback, rubric, actor.user_id, now, now
    session.add(answer)
    session.flush()
    learner = session.get(User, attempt.user_id)
    audit.record(session, actor, "grade.answer_graded", target_type="attempt_answer", target_id=answer.id,
                 target_label=f"{learner.email}: {lesson.title} #{attempt.number}, {q.title}",
                 before=before, after={**_grade_record(score, feedback, rubric), **({"reason": reason} if reason else {}),
                                       "released": released})
    if released:
        _total_attempt(session, attempt, lesson)
        quizzes.grade_changed(session, actor, attempt.enrollment_id, lesson, now=now)
    return answer


def grade_submission(session: Session, actor: Actor, submission_id: int, *, points: Any = None, levels: list[int] | None = None,
                     rubric_id: int | None = None, feedback: str = "", reason: str = "", now: datetime | None = None) -> Submission:
    """Grade an assignment submission with a plain score or a rubric (the assignment's own, or
    one of the course's), the late penalty worked out from the assignment's rule. A draft the
    learner does not see until released; a released grade changes at once and needs a reason."""
    now = now or utcnow()
    submission, lesson = _submission(session, actor, submission_id)
    settings = _assignment_settings(lesson)
    max_pts = _assignment_max(settings, submission)
    named = getattr(settings, "rubric_id", None)
    score, rubric = _score(session, lesson.course_id, max_pts, points, levels, named or rubric_id)
    feedback, reason = _clean_feedback(feedback), _clean_reason(reason)
    penalty = _late_penalty(settings, submission.late_seconds or 0, max_pts)
    released = submission.status == RELEASED
    graded = submission.status != SUBMITTED
    before = _grade_record(submission.points if graded else None, submission.feedback, submission.rubric, submission.penalty)
    if graded and submission.points == score and submission.feedback == feedback and submission.rubric == rubric and submission.penalty == penalty:
        return submission
    if released and not reason:
        raise Invalid("This grade is already released: say why you change it.")
    submission.points, submission.penalty, submission.max_points = score, penalty, max_pts
    submission.feedback, submission.rubric, submission.graded_by_id, submission.graded_at = feedback, rubric, actor.user_id, now
    if not released:
        submission.status = DRAFT
    session.add(submission)
    session.flush()
    learner = session.get(User, submission.user_id)
    audit.record(session, actor, "grade.submission_graded", target_type="submission", target_id=submission.id,
                 target_label=f"{learner.email}: {lesson.title}",
                 before=before, after={**_grade_record(score, feedback, rubric, penalty), **({"reason": reason} if reason else {}),
                                       "released": released})
    if released:
        _record_submission(session, actor, submission, lesson, settings, now)
    return submission


# --- releasing --------------------------------------------------------------------------------

def _total_attempt(session: Session, attempt: QuizAttempt, lesson: Lesson) -> None:
    """An attempt's score, fraction and pass from its answers (every one graded)."""
    answers = list(session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)).all())
    attempt.score = round(sum(a.points or 0.0 for a in answers), 2)
    attempt.max_score = round(sum(max_points(Question.from_dict(a.question)) for a in answers), 2)
    attempt.fraction = attempt.score / attempt.max_score if attempt.max_score else 0.0
    attempt.passed = quizzes.passes(lesson, attempt.fraction)
    session.add(attempt)
    session.flush()


def _record_submission(session: Session, actor: Actor, submission: Submission, lesson: Lesson, settings: Any, now: datetime) -> None:
    max_pts = submission.max_points or _assignment_max(settings, submission)
    fraction = max(0.0, (submission.points or 0.0) - (submission.penalty or 0.0)) / max_pts if max_pts else 0.0
    gradebook.record_result(session, lesson, submission.enrollment_id, fraction)
    if _assignment_passes(settings, fraction):
        progress.record_passed(session, actor, submission.enrollment_id, lesson.id, now=now)


def _release_attempt(session: Session, actor: Actor, attempt: QuizAttempt, lesson: Lesson, who: str, now: datetime) -> str | None:
    """Release one attempt; the reason it was skipped, or None."""
    if attempt.status == quizzes.GRADED:
        return f"{who}: already released"
    if attempt.status != quizzes.AWAITING_GRADING:
        return f"{who}: not submitted yet"
    answers = list(session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)).all())
    left = sum(1 for a in answers if a.question.get("type") in MANUAL_TYPES and a.graded_at is None)
    if left:
        return f"{who}: {left} answer{'s' if left != 1 else ''} still to grade"
    attempt.status, attempt.released_at = quizzes.GRADED, now
    _total_attempt(session, attempt, lesson)
    learner = session.get(User, attempt.user_id)
    audit.record(session, actor, "grade.released", target_type="quiz_attempt", target_id=attempt.id,
                 target_label=f"{learner.email}: {lesson.title} #{attempt.number}",
                 after={"score": attempt.score, "max_score": attempt.max_score, "passed": attempt.passed})
    quizzes.grade_changed(session, actor, attempt.enrollment_id, lesson, now=now)
    return None


def _release_submission(session: Session, actor: Actor, submission: Submission, lesson: Lesson, who: str, now: datetime) -> str | None:
    if submission.status == RELEASED:
        return f"{who}: already released"
    if submission.status != DRAFT or submission.points is None:
        return f"{who}: not graded yet"
    submission.status, submission.released_at = RELEASED, now
    session.add(submission)
    session.flush()
    settings = _assignment_settings(lesson)
    learner = session.get(User, submission.user_id)
    audit.record(session, actor, "grade.released", target_type="submission", target_id=submission.id,
                 target_label=f"{learner.email}: {lesson.title}",
                 after={"points": submission.points, "penalty": submission.penalty, "max_points": submission.max_points})
    _record_submission(session, actor, submission, lesson, settings, now)
    return None


def release(session: Session, actor: Actor, items: list[tuple[str, int]], *, now: datetime | None = None) -> ReleaseResult:
    """Release grades to their learners, one or many: `items` are (kind, id) pairs as the
    queue lists them (a quiz answer releases its whole attempt). An attempt goes out only when
    every answer a person grades is graded. Says what was released and what was skipped, and
    why. Any item outside the actor's courses refuses the whole call before anything changes."""
    require(actor, TEACH)
    now = now or utcnow()
    checked: dict[int, bool] = {}
    attempts: dict[int, tuple[QuizAttempt, Lesson]] = {}
    submissions: dict[int, tuple[Submission, Lesson]] = {}
    missing = 0
    for kind, item_id in items:
        if kind == QUIZ:
            answer = session.get(AttemptAnswer, int(item_id or 0))
            attempt = session.get(QuizAttempt, answer.attempt_id) if answer else None
            if attempt is None or attempt.org_id != actor.org_id:
                missing += 1
                continue
            lesson = session.get(Lesson, attempt.lesson_id)
            _staff_of(session, actor, lesson.course_id, checked)
            attempts.setdefault(attempt.id, (attempt, lesson))
        elif kind == ASSIGNMENT:
            submission = session.get(Submission, int(item_id or 0))
            if submission is None or submission.org_id != actor.org_id:
                missing += 1
                continue
            lesson = session.get(Lesson, submission.lesson_id)
            _staff_of(session, actor, lesson.course_id, checked)
            submissions.setdefault(submission.id, (submission, lesson))
        else:
            missing += 1
    result = ReleaseResult()
    for attempt, lesson in attempts.values():
        who = f"{_user_label(session, attempt.user_id)}: {lesson.title}"
        skipped = _release_attempt(session, actor, attempt, lesson, who, now)
        (result.skipped if skipped else result.released).append(skipped or who)
    for submission, lesson in submissions.values():
        who = f"{_user_label(session, submission.user_id)}: {lesson.title}"
        skipped = _release_submission(session, actor, submission, lesson, who, now)
        (result.skipped if skipped else result.released).append(skipped or who)
    if missing:
        result.skipped.append(f"{missing} item{'s' if missing != 1 else ''} no longer found")
    return result


# --- regrading a fixed question ---------------------------------------------------------------

def _option_count(q: Question) -> int | None:
    if q.type in ("single", "multiple"):
        return len(q.choices)
    if q.type == "matching":
        return len(q.pairs)
    if q.type == "ordering":
        return len(q.items)
    return None


def _kept_order(order: list[int], n: int | None) -> list[int]:
    """The learner's shown order, fitted to the fixed question's options (the response names
    options by index, so the same indexes keep meaning the same options)."""
    if n is None:
        return list(order or [])
    kept = [i for i in (order or []) if isinstance(i, int) and 0 <= i < n]
    return kept + [i for i in range(n) if i not in kept]


def regrade_question(session: Session, actor: Actor, bank_question_id: int, *, now: datetime | None = None) -> RegradeSummary:
    """After a question's key was fixed in the bank: every submitted attempt's answer to it
    takes the bank's current version and is graded again (the learner's response and shown
    order kept; answers graded by a person keep their grade), each attempt's totals and pass
    are computed again, and the quiz grades go to the gradebook. For the staff of the
    question's course, or the owner of an own-bank question in the courses they teach."""
    require(actor, TEACH)
    now = now or utcnow()
    row = session.get(BankQuestion, int(bank_question_id)) if bank_question_id else None
    if row is None or row.org_id != actor.org_id:
        raise NotFound("That question does not exist.")
    category = session.get(QuestionCategory, row.category_id)
    where = [AttemptAnswer.bank_question_id == row.id, QuizAttempt.status != quizzes.IN_PROGRESS]
    if category.course_id is not None:
        _staff_of(session, actor, category.course_id)
    elif category.owner_id != actor.user_id:
        raise PermissionDenied("You do not have permission to do that.")
    else:
        where.append(Lesson.course_id.in_(_taught_courses(actor)))
    q = Question.from_dict(row.spec)
    found = session.exec(select(AttemptAnswer, QuizAttempt, Lesson).join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
                         .join(Lesson, Lesson.id == QuizAttempt.lesson_id).where(*where).order_by(QuizAttempt.id)).all()
    summary = RegradeSummary()
    touched: dict[int, tuple[QuizAttempt, Lesson, float | None]] = {}
    for answer, attempt, lesson in found:
        if attempt.id not in touched:
            touched[attempt.id] = (attempt, lesson, attempt.fraction if attempt.status == quizzes.GRADED else attempt.score)
        if q.manual or answer.question.get("type") in MANUAL_TYPES:
            continue  # a person's grade stays as given
        graded = grade(q, answer.response)
        answer.question, answer.question_version = q.to_dict(), row.version
        answer.order = _kept_order(answer.order, _option_count(q))
        answer.fraction, answer.points, answer.updated_at = graded.fraction, graded.points, now
        session.add(answer)
    session.flush()
    changed_runs: dict[tuple[int, int], Lesson] = {}
    for attempt, lesson, before in touched.values():
        if attempt.status == quizzes.GRADED:
            _total_attempt(session, attempt, lesson)
            after = attempt.fraction
            changed_runs[(attempt.enrollment_id, lesson.id)] = lesson
        else:
            answers = list(session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)).all())
            attempt.score = round(sum(a.points or 0.0 for a in answers if a.question.get("type") not in MANUAL_TYPES), 2)
            attempt.max_score = round(sum(max_points(Question.from_dict(a.question)) for a in answers), 2)
            session.add(attempt)
            after = attempt.score
        summary.attempts += 1
        if before is None or after is None or abs((after or 0.0) - (before or 0.0)) < 1e-9:
            summary.unchanged += 1
        elif after > before:
            summary.up += 1
        else:
            summary.down += 1
    session.flush()
    for (enrollment_id, _lesson_id), lesson in changed_runs.items():
        quizzes.grade_changed(session, actor, enrollment_id, lesson, now=now)
    audit.record(session, actor, "grade.question_regraded", target_type="bank_question", target_id=row.id, target_label=row.title,
                 after={"attempts": summary.attempts, "up": summary.up, "down": summary.down, "unchanged": summary.unchanged,
                        "version": row.version})
    return summary


def attempts_using(session: Session, actor: Actor, bank_question_id: int) -> int:
    """How many submitted attempts answered this question (the question editor offers to
    regrade them after a change). 0 for a question the actor may not regrade."""
    require(actor, TEACH)
    row = session.get(BankQuestion, int(bank_question_id)) if bank_question_id else None
    if row is None or row.org_id != actor.org_id:
        return 0
    category = session.get(QuestionCategory, row.category_id)
    where = [AttemptAnswer.bank_question_id == row.id, QuizAttempt.status != quizzes.IN_PROGRESS]
    if category.course_id is not None:
        course = session.get(Course, category.course_id)
        if not courses.can_view_as_staff(session, actor, course):
            return 0
    elif category.owner_id != actor.user_id:
        return 0
    else:
        where.append(Lesson.course_id.in_(_taught_courses(actor)))
    return session.exec(select(func.count(AttemptAnswer.id)).join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
                        .join(Lesson, Lesson.id == QuizAttempt.lesson_id).where(*where)).one()
