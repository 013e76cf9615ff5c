"""Quiz attempts: starting one (questions drawn and frozen), saving answers as they are given,
submitting, closing attempts whose time ran out, what a learner may review, and the quiz grade
across attempts.

Rules this module settles:
- a learner works only in their own attempts, in a quiz lesson open to them (progress decides:
  enrolled, access not ended, not locked), inside the quiz's window, within its attempts;
- one attempt at a time: starting again (a reload, a second tab) gives back the open attempt;
- every question is copied into the attempt when it starts, so later edits in the bank change
  nothing for an attempt already taken; random draws never repeat a question of the attempt;
- the deadline (time limit, or the quiz's closing, whichever comes first) is enforced here: an
  answer saved after it is refused and the attempt closed and graded; the job runner closes
  the attempts nobody came back to (`close_overdue`);
- submitting is idempotent: a second submit returns the same result and changes nothing;
- an attempt with an essay or file upload waits for a person ("awaiting_grading") and does
  not count towards the quiz grade until graded;
- without a passing score, a graded attempt passes; passing (by the quiz grade of the grading
  method) completes the lesson through progress.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lms_app import db
from lms_app.assessments.grading import grade, max_points, shuffled_order
from lms_app.assessments.questions import Question
from lms_app.assessments.quiz_settings import QuizSettings
from lms_app.models import AttemptAnswer, BankQuestion, Enrollment, Lesson, QuizAttempt, User, utcnow
from lms_app.services import audit, gradebook, progress, timefmt
from lms_app.services.errors import Conflict, DomainError, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

log = logging.getLogger("lms_app.quizzes")

QUIZ_KIND = "quiz"
IN_PROGRESS, GRADED, AWAITING_GRADING = "in_progress", "graded", "awaiting_grading"
BY_LEARNER, BY_DEADLINE = "learner", "deadline"
# A response is kept as JSON; an essay is the longest thing a learner types.
MAX_RESPONSE_CHARS = 100_000
# Attempts closed per run of the job, so one run stays short; the next run takes the rest.
CLOSE_BATCH = 200
NOT_READY = "This quiz is not ready: {}. Tell the course's staff."

_random = random.SystemRandom()


@dataclass
class SaveResult:
    """Whether an answer was kept; when not (time ran out), why, for the learner."""

    saved: bool
    message: str = ""


@dataclass
class AnswerView:
    position: int
    prompt: dict[str, Any]  # what the learner needs to answer, options in their shuffled order
    response: Any
    max_points: float
    points: float | None = None  # with the score
    right: bool | None = None  # with the score
    correct: Any = None  # the right response, with the correct answers
    feedback: list[str] = field(default_factory=list)  # with the feedback


@dataclass
class AttemptView:
    """One attempt as its learner may see it now (per the quiz's review options)."""

    attempt_id: int
    number: int
    status: str  # in_progress | graded | awaiting_grading
    started_at: datetime
    deadline_at: datetime | None
    submitted_at: datetime | None
    closed_by: str | None
    answers: list[AnswerView]
    shows_score: bool
    shows_correct_answers: bool
    shows_feedback: bool
    score: float | None = None
    max_score: float | None = None
    percent: float | None = None
    passed: bool | None = None


@dataclass
class QuizGrade:
    """The grade of a quiz across a run's graded attempts, per its grading method."""

    fraction: float
    percent: float
    passed: bool
    attempts: int


# --- finding things ----------------------------------------------------------------------------

def _settings(lesson: Lesson) -> QuizSettings:
    return QuizSettings.from_content(lesson.content)


def _quiz(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id or lesson.kind != QUIZ_KIND:
        raise NotFound("That quiz does not exist.")
    return lesson


def _learner_quiz(session: Session, actor: Actor, lesson_id: int, now: datetime) -> tuple[Lesson, QuizSettings, Enrollment]:
    """The quiz, its settings and the actor's run, when the lesson is open to them."""
    lesson = _quiz(session, actor, lesson_id)
    try:
        enrollment = progress.check_lesson_open(session, actor, lesson, now=now)
    except NotFound:
        raise PermissionDenied("You are not enrolled in this course.") from None
    return lesson, _settings(lesson), enrollment


def _own_attempt(session: Session, actor: Actor, attempt_id: int) -> QuizAttempt:
    """The actor's attempt, its row locked (PostgreSQL) so saves, submits and the deadline job
    take turns; someone else's attempt does not exist for them."""
    require(actor, "learning.view")
    attempt = session.exec(select(QuizAttempt).where(QuizAttempt.id == int(attempt_id or 0)).with_for_update()
                           .execution_options(populate_existing=True)).first()
    if attempt is None or attempt.user_id != actor.user_id or attempt.org_id != actor.org_id:
        raise NotFound("That attempt does not exist.")
    return attempt


def _open_attempt(session: Session, enrollment_id: int, lesson_id: int) -> QuizAttempt | None:
    return session.exec(select(QuizAttempt).where(QuizAttempt.enrollment_id == enrollment_id, QuizAttempt.lesson_id == lesson_id,
                                                  QuizAttempt.status == IN_PROGRESS)).first()


def _answers(session: Session, attempt_id: int) -> list[AttemptAnswer]:
    return list(session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id).order_by(AttemptAnswer.position)).all())


def _zone(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.timezone if user else "UTC"


def _overdue(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.status == IN_PROGRESS and attempt.deadline_at is not None and now >= attempt.deadline_at


def _close_if_overdue(session: Session, attempt: QuizAttempt, now: datetime) -> bool:
    """Close an attempt found open past its deadline (the learner came back before the job
    did); returns whether it was overdue."""
    if not _overdue(attempt, now):
        return False
    lesson = session.get(Lesson, attempt.lesson_id)
    _finish(session, None, attempt, lesson, _settings(lesson), now, BY_DEADLINE)
    return True


# --- starting ----------------------------------------------------------------------------------

def start_attempt(session: Session, actor: Actor, lesson_id: int, *, now: datetime | None = None) -> QuizAttempt:
    """Start an attempt at a quiz, or give back the one in progress (a reload, a second tab).
    Refused outside the quiz's window, past its attempts, or when the lesson is not open to
    the learner. The questions are drawn and copied into the attempt now."""
    now = now or utcnow()
    lesson, settings, enrollment = _learner_quiz(session, actor, lesson_id, now)
    current = _open_attempt(session, enrollment.id, lesson.id)
    if current is not None and not _close_if_overdue(session, current, now):
        return current
    tz = _zone(session, actor.user_id)
    if settings.opens_at and now < settings.opens_at:
        raise PermissionDenied(f"This quiz opens on {timefmt.show(settings.opens_at, tz)}.")
    if settings.closes_at and now >= settings.closes_at:
        raise PermissionDenied(f"This quiz closed on {timefmt.show(settings.closes_at, tz)}.")
    taken, last_number = session.exec(select(func.count(QuizAttempt.id), func.max(QuizAttempt.number)).where(
        QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.lesson_id == lesson.id)).one()
    if settings.attempts_allowed is not None and taken >= settings.attempts_allowed:
        allowed = settings.attempts_allowed
        raise Conflict(f"You have used all {allowed} attempt{'s' if allowed != 1 else ''} at this quiz.")
    questions = _draw(session, lesson, settings)
    deadlines = [d for d in (now + timedelta(minutes=settings.time_limit_minutes) if settings.time_limit_minutes else None,
                             settings.closes_at) if d is not None]
    attempt = QuizAttempt(org_id=lesson.org_id, lesson_id=lesson.id, enrollment_id=enrollment.id, user_id=actor.user_id,
                          number=(last_number or 0) + 1, started_at=now, deadline_at=min(deadlines) if deadlines else None,
                          max_score=sum(max_points(Question.from_dict(row.spec)) for row in questions))
    try:
        # A second tab may start at the same moment: the unique attempt number lets one win.
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError:
        current = _open_attempt(session, enrollment.id, lesson.id)
        if current is None:
            raise Conflict("Another attempt was started at the same time: reload the page.") from None
        return current
    for position, row in enumerate(questions, 1):
        question = Question.from_dict(row.spec)
        # The quiz may turn shuffling off; a question's own setting can only keep it off.
        shown = replace(question, shuffle_choices=question.shuffle_choices and settings.shuffle_choices)
        session.add(AttemptAnswer(attempt_id=attempt.id, position=position, bank_question_id=row.id, question_version=row.version,
                                  question=question.to_dict(), order=shuffled_order(shown, _random.randrange(2**31)), updated_at=now))
    session.flush()
    return attempt


def _draw(session: Session, lesson: Lesson, settings: QuizSettings) -> list[BankQuestion]:
    """The attempt's questions: the fixed ones where listed, random draws from categories that
    never repeat a question of the attempt; shuffled when the quiz says so."""
    fixed_ids = [item["question_id"] for item in settings.questions if "question_id" in item]
    fixed = {row.id: row for row in session.exec(select(BankQuestion).where(
        BankQuestion.id.in_(fixed_ids or [0]), BankQuestion.org_id == lesson.org_id)).all()}
    if len(fixed) != len(fixed_ids):
        raise Conflict(NOT_READY.format("one of its questions was deleted"))
    used = set(fixed_ids)
    out: list[BankQuestion] = []
    for item in settings.questions:
        if "question_id" in item:
            out.append(fixed[item["question_id"]])
            continue
        ids = [qid for qid in session.exec(select(BankQuestion.id).where(
            BankQuestion.category_id == item["category_id"], BankQuestion.org_id == lesson.org_id)).all() if qid not in used]
        if len(ids) < item["count"]:
            raise Conflict(NOT_READY.format(f"a category holds fewer questions than the {item['count']} it should draw"))
        picked = _random.sample(ids, item["count"])
        used.update(picked)
        rows = {row.id: row for row in session.exec(select(BankQuestion).where(BankQuestion.id.in_(picked))).all()}
        out.extend(rows[qid] for qid in picked)
    if settings.shuffle_questions:
        _random.shuffle(out)
    return out


# --- answering and submitting ------------------------------------------------------------------

def save_answer(session: Session, actor: Actor, attempt_id: int, position: int, response: Any, *,
                now: datetime | None = None) -> SaveResult:
    """Keep the learner's response to one question of their open attempt (saving the same
    again changes nothing). Past the deadline the answer is not saved: the attempt is closed
    and graded instead (in the caller's transaction, so it is not rolled back) and the
    result says why."""
    now = now or utcnow()
    attempt = _own_attempt(session, actor, attempt_id)
    if attempt.status != IN_PROGRESS:
        raise Conflict("This attempt is already submitted: its answers can no longer change.")
    if _close_if_overdue(session, attempt, now):
        return SaveResult(False, f"Time is up: the attempt closed at {timefmt.show(attempt.deadline_at, _zone(session, actor.user_id))} "
                                 "and was graded with the answers saved until then.")
    answer = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id,
                                                      AttemptAnswer.position == position)).first() if isinstance(position, int) else None
    if answer is None:
        raise NotFound("That question is not in this attempt.")
    try:
        size = len(json.dumps(response))
    except (TypeError, ValueError):
        raise Invalid("The answer is not in the expected form.") from None
    if size > MAX_RESPONSE_CHARS:
        raise Invalid(f"The answer is too long: at most {MAX_RESPONSE_CHARS:,} characters.")
    if answer.response != response:
        answer.response, answer.updated_at = response, now
        session.add(answer)
        session.flush()
    return SaveResult(True)


def submit(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> AttemptView:
    """Submit one's attempt: every answer is graded (essays and files wait for a person) and,
    when the quiz grade passes, the lesson is completed. Submitting again, or after the
    deadline closed the attempt, changes nothing and returns the same result."""
    now = now or utcnow()
    attempt = _own_attempt(session, actor, attempt_id)
    # Past the deadline, the answers saved until then count, as if the job had closed it.
    if not _close_if_overdue(session, attempt, now) and attempt.status == IN_PROGRESS:
        lesson = session.get(Lesson, attempt.lesson_id)
        _finish(session, actor, attempt, lesson, _settings(lesson), now, BY_LEARNER)
    return attempt_view(session, actor, attempt.id, now=now)


def _finish(session: Session, actor: Actor | None, attempt: QuizAttempt, lesson: Lesson, settings: QuizSettings,
            now: datetime, closed_by: str) -> bool:
    """Close and grade an open attempt, once: the conditional update lets only one closer
    (a learner's submit, a second tab, a job runner) through. Returns whether this one did.
    Closed by the deadline, it counts as submitted at the deadline, whenever that is noticed."""
    if closed_by == BY_DEADLINE:
        now = attempt.deadline_at
    won = session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.status == IN_PROGRESS)
                          .values(status=GRADED, submitted_at=now, closed_by=closed_by)).rowcount
    session.refresh(attempt)
    if not won:
        return False
    score, waiting = 0.0, False
    for answer in _answers(session, attempt.id):
        graded = grade(Question.from_dict(answer.question), answer.response)
        answer.fraction, answer.points = graded.fraction, graded.points
        waiting = waiting or graded.fraction is None
        score += graded.points or 0.0
        session.add(answer)
    attempt.score = round(score, 2)
    if waiting:
        attempt.status = AWAITING_GRADING
    else:
        attempt.fraction = attempt.score / attempt.max_score if attempt.max_score else 0.0
        attempt.passed = _passes(settings, attempt.fraction)
        attempt.released_at = now
    session.add(attempt)
    session.flush()
    learner = session.get(User, attempt.user_id)
    audit.record(session, actor, "quiz.attempt_closed", org_id=attempt.org_id, actor_label=None if actor else "system",
                 target_type="quiz_attempt", target_id=attempt.id,
                 target_label=f"{learner.email if learner else attempt.user_id}: {lesson.title} #{attempt.number}",
                 after={"closed_by": closed_by, "status": attempt.status, "score": attempt.score, "max_score": attempt.max_score,
                        "passed": attempt.passed})
    if attempt.status == GRADED:
        grade_changed(session, actor, attempt.enrollment_id, lesson, now=now)
    return True


def grade_changed(session: Session, actor: Actor | None, enrollment_id: int, lesson: Lesson, *, now: datetime | None = None) -> QuizGrade | None:
    """After an attempt of this run was graded, released, regraded or reset: the quiz grade
    goes to the gradebook, and a passing grade completes the lesson."""
    result = quiz_grade(session, enrollment_id, lesson.id)
    gradebook.record_result(session, lesson, enrollment_id, result.fraction if result else None)
    if result is not None and result.passed:
        progress.record_passed(session, actor, enrollment_id, lesson.id, now=now or utcnow())
    return result


def _passes(settings: QuizSettings, fraction: float) -> bool:
    return settings.passing_percent is None or fraction * 100 >= settings.passing_percent - 1e-9


# --- the job -----------------------------------------------------------------------------------

def close_overdue(session: Session, *, now: datetime | None = None) -> int:
    """Close and grade the attempts still open past their deadline (nobody came back to
    submit). Safe with several runners: on PostgreSQL rows another runner holds are skipped,
    and each attempt is closed once. Returns how many this call closed."""
    now = now or utcnow()
    stmt = (select(QuizAttempt).where(QuizAttempt.status == IN_PROGRESS, QuizAttempt.deadline_at <= now)
            .order_by(QuizAttempt.deadline_at).limit(CLOSE_BATCH))
    if db.is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    closed = 0
    for attempt in session.exec(stmt.execution_options(populate_existing=True)).all():
        lesson = session.get(Lesson, attempt.lesson_id)
        try:
            # One quiz whose settings no longer read must not hold up everyone else's.
            with session.begin_nested():
                closed += _finish(session, None, attempt, lesson, _settings(lesson), now, BY_DEADLINE)
        except DomainError as exc:
            log.warning("attempt %s not closed: %s", attempt.id, exc.message)
    return closed


# --- review ------------------------------------------------------------------------------------

def attempt_view(session: Session, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> AttemptView:
    """One's attempt as one may see it now: the questions in their shown order with one's
    responses; the score, the correct answers and the feedback only as the quiz's review
    options allow. An attempt found past its deadline is closed first."""
    now = now or utcnow()
    attempt = _own_attempt(session, actor, attempt_id)
    lesson = session.get(Lesson, attempt.lesson_id)
    settings = _settings(lesson)
    _close_if_overdue(session, attempt, now)
    finished = attempt.status != IN_PROGRESS
    score, correct, feedback = (settings.shows(part, attempt_finished=finished, now=now)
                                for part in ("score", "correct_answers", "feedback"))
    answers = []
    for answer in _answers(session, attempt.id):
        q = Question.from_dict(answer.question)
        view = AnswerView(answer.position, _prompt(q, answer.order), answer.response, max_points(q))
        if score:
            view.points = answer.points
            view.right = None if answer.fraction is None else answer.fraction >= 1.0 - 1e-9
        if correct:
            view.correct = _correct(q)
        if feedback:
            view.feedback = grade(q, answer.response).feedback + ([answer.feedback] if answer.feedback else [])
        answers.append(view)
    out = AttemptView(attempt.id, attempt.number, attempt.status, attempt.started_at, attempt.deadline_at, attempt.submitted_at,
                      attempt.closed_by, answers, score, correct, feedback)
    if score and attempt.status == GRADED:
        out.score, out.max_score, out.passed = attempt.score, attempt.max_score, attempt.passed
        out.percent = round((attempt.fraction or 0.0) * 100, 2)
    return out


def _prompt(q: Question, order: list[int]) -> dict[str, Any]:
    """What a learner is shown of a question: never which option is right. Options carry their
    index, which is what a response names."""
    prompt: dict[str, Any] = {"type": q.type, "title": q.title, "text": q.text, "points": q.points}
    if q.type in ("single", "multiple"):
        prompt["choices"] = [{"index": i, "text": q.choices[i].text} for i in order]
    elif q.type == "numeric":
        prompt["units"] = [u.name for u in q.units]
    elif q.type == "matching":
        prompt["prompts"] = [p.prompt for p in q.pairs]
        prompt["answers"] = [{"index": i, "text": q.pairs[i].answer} for i in order]
    elif q.type == "ordering":
        prompt["items"] = [{"index": i, "text": q.items[i]} for i in order]
    elif q.type == "fill_blanks":
        prompt["blanks"] = len(q.blanks)
    elif q.type == "essay":
        prompt["answer_template"] = q.answer_template
    elif q.type == "file_upload":
        prompt["accepted_files"] = q.accepted_files
    return prompt


def _first_right(answers: list) -> Any:
    return next((a for a in answers if a.fraction >= 1.0 - 1e-9), None)


def _correct(q: Question) -> Any:
    """A right response, in the response format of the question's type (None: graded by a person)."""
    if q.type == "single":
        return next((i for i, ch in enumerate(q.choices) if ch.fraction >= 1.0 - 1e-9), None)
    if q.type == "multiple":
        return [i for i, ch in enumerate(q.choices) if ch.fraction > 0]
    if q.type == "true_false":
        return q.correct
    if q.type == "short_answer":
        right = _first_right(q.answers)
        return right.text if right else None
    if q.type == "numeric":
        right = _first_right(q.numeric_answers)
        return f"{right.value:g}" if right else None
    if q.type in ("matching", "ordering"):
        return list(range(len(q.pairs if q.type == "matching" else q.items)))
    if q.type == "fill_blanks":
        return [getattr(_first_right(b.answers), "text", None) for b in q.blanks]
    return None


# --- the grade ---------------------------------------------------------------------------------

def quiz_grade(session: Session, enrollment_id: int, lesson_id: int) -> QuizGrade | None:
    """A run's grade for a quiz across its graded attempts, per the grading method (highest,
    last or average); attempts in progress or awaiting grading do not count. None without any."""
    lesson = session.get(Lesson, int(lesson_id))
    if lesson is None:
        raise NotFound("That quiz does not exist.")
    settings = _settings(lesson)
    fractions = [f or 0.0 for f in session.exec(select(QuizAttempt.fraction).where(
        QuizAttempt.enrollment_id == int(enrollment_id), QuizAttempt.lesson_id == lesson.id, QuizAttempt.status == GRADED,
    ).order_by(QuizAttempt.number)).all()]
    if not fractions:
        return None
    if settings.grading_method == "highest":
        fraction = max(fractions)
    elif settings.grading_method == "last":
        fraction = fractions[-1]
    else:
        fraction = sum(fractions) / len(fractions)
    return QuizGrade(fraction, round(fraction * 100, 2), _passes(settings, fraction), len(fractions))
