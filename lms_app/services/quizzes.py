"""Quiz attempts: starting one (questions drawn and frozen), saving answers as they are given,
submitting, closing attempts whose time ran out, what a learner may review, and the quiz grade
across attempts.

Rules this module settles:
- a learner works only in their own attempts, in a quiz lesson open to them (progress decides:
  enrolled, access not ended, not locked), inside the quiz's window, within its attempts;
- one attempt at a time: starting again (a reload, a second tab) gives back the open attempt;
- every question is copied into the attempt when it starts, so later edits in the bank change
  nothing for an attempt already taken; random draws never repeat a question of the attempt;
- a learner's overrides (services/overrides.py: their own, else their groups') add attempts and
  minutes where the quiz limits them, and replace its opening and closing times;
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
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from lms_app import db
from lms_app import settings as app_settings
from lms_app.assessments.grading import grade, max_points, shuffled_order
from lms_app.assessments.questions import Question
from lms_app.assessments.quiz_settings import QuizSettings
from lms_app.assessments.shown import ShownAnswer, ShownQuestion, answer_of, describe, is_answered, response_of, show
from lms_app.models import AttemptAnswer, BankQuestion, Enrollment, Lesson, QuizAttempt, User, utcnow
from lms_app.services import activity, audit, courses, files, gradebook, overrides, progress, storage, timefmt, xapi_emit
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
    shown: ShownQuestion  # what the learner needs to answer, options in their shuffled order
    answer: ShownAnswer  # the response kept so far, as it shows on screen
    response: Any
    max_points: float
    answered: bool = False
    your_answer: str = ""  # the response in words, for the review
    correct_answer: str = ""  # a right response in words, with the correct answers
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
    settings = _with_override(session, settings, lesson.id, actor.user_id)
    current = _open_attempt(session, enrollment.id, lesson.id)
    if current is not None and not _close_if_overdue(session, current, now):
        return current
    taken, last_number = session.exec(select(func.count(QuizAttempt.id), func.max(QuizAttempt.number)).where(
        QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.lesson_id == lesson.id)).one()
    refusal = _start_refusal(settings, taken, _zone(session, actor.user_id), now)
    if refusal:
        # Outside the window it is not for the learner now; inside it, the attempts are used up.
        raise (Conflict if settings.is_open(now) else PermissionDenied)(refusal)
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


def _with_override(session: Session, settings: QuizSettings, lesson_id: int, user_id: int) -> QuizSettings:
    """The quiz's settings for one learner: their own or their groups' override adds attempts
    and minutes (where the quiz limits them) and replaces the opening and closing times."""
    o = overrides.effective(session, lesson_id, user_id)
    return replace(
        settings,
        attempts_allowed=settings.attempts_allowed + (o.extra_attempts or 0) if settings.attempts_allowed is not None else None,
        time_limit_minutes=settings.time_limit_minutes + (o.extra_minutes or 0) if settings.time_limit_minutes else None,
        opens_at=o.opens_at or settings.opens_at,
        closes_at=o.closes_at or settings.closes_at,
    )


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
            now: datetime, closed_by: str, answers: list[AttemptAnswer] | None = None) -> bool:
    """Close and grade an open attempt, once: the conditional update lets only one closer
    (a learner's submit, a second tab, a job runner) through. Returns whether this one did.
    Closed by the deadline, it counts as submitted at the deadline, whenever that is noticed.
    `answers`: the attempt's answers when the caller has read them already (close_overdue)."""
    if closed_by == BY_DEADLINE:
        now = attempt.deadline_at
    # Not evaluated against every attempt in the session (the job holds a batch of them, which
    # made closing a batch quadratic): the loser reads the row back, the winner knows its values.
    won = session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.status == IN_PROGRESS)
                          .values(status=GRADED, submitted_at=now, closed_by=closed_by)
                          .execution_options(synchronize_session=False)).rowcount
    if not won:
        session.refresh(attempt)
        return False
    for key, value in (("status", GRADED), ("submitted_at", now), ("closed_by", closed_by)):
        set_committed_value(attempt, key, value)
    score, waiting = 0.0, False
    answers = _answers(session, attempt.id) if answers is None else answers
    for answer in answers:
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
    xapi_emit.emit(session, attempt.org_id, xapi_emit.for_quiz_answers(
        session, user_id=attempt.user_id, lesson=lesson, at=now,
        questions=[xapi_emit.AnsweredQuestion(a.position, a.bank_question_id, a.question, a.response, a.fraction, a.points)
                   for a in answers]))
    activity.record(session, org_id=attempt.org_id, user_id=attempt.user_id, kind="quiz_submitted", course_id=lesson.course_id,
                    lesson_id=lesson.id, at=now, score=round(100 * attempt.fraction, 1) if attempt.fraction is not None else None,
                    passed=attempt.passed)
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
    attempts = session.exec(stmt.execution_options(populate_existing=True)).all()
    # What each attempt needs (its quiz, its learner for the audit label, its answers) is read
    # once for the whole batch rather than by a few queries per attempt; the variables keep
    # the rows in the session's identity map while the batch is closed.
    lessons = {row.id: row for row in session.exec(select(Lesson).where(Lesson.id.in_({a.lesson_id for a in attempts} or {0}))).all()}
    learners = session.exec(select(User).where(User.id.in_({a.user_id for a in attempts} or {0}))).all()
    answers: dict[int, list[AttemptAnswer]] = {}
    for answer in session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_([a.id for a in attempts] or [0]))
                               .order_by(AttemptAnswer.attempt_id, AttemptAnswer.position)).all():
        answers.setdefault(answer.attempt_id, []).append(answer)
    settings: dict[int, QuizSettings] = {}
    for attempt in attempts:
        lesson = lessons.get(attempt.lesson_id)
        try:
            # One quiz whose settings no longer read must not hold up everyone else's.
            with session.begin_nested():
                if attempt.lesson_id not in settings:
                    settings[attempt.lesson_id] = _settings(lesson)
                closed += _finish(session, None, attempt, lesson, settings[attempt.lesson_id], now, BY_DEADLINE,
                                  answers=answers.get(attempt.id, []))
        except DomainError as exc:
            log.warning("attempt %s not closed: %s", attempt.id, exc.message)
    del learners
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
        shown, _ = show(q, order=answer.order)
        view = AnswerView(answer.position, shown, answer_of(q, answer.order, answer.response), answer.response, max_points(q),
                          is_answered(q, answer.response), describe(q, answer.response))
        # A grader's score and comment are a draft until the attempt is released.
        draft = q.manual and attempt.released_at is None
        if score and not draft:
            view.points = answer.points
            view.right = None if answer.fraction is None else answer.fraction >= 1.0 - 1e-9
        if correct:
            view.correct = _correct(q)
            view.correct_answer = describe(q, view.correct)
        if feedback:
            view.feedback = grade(q, answer.response).feedback + ([answer.feedback] if answer.feedback and not draft else [])
        answers.append(view)
    out = AttemptView(attempt.id, attempt.number, attempt.status, attempt.started_at, attempt.deadline_at, attempt.submitted_at,
                      attempt.closed_by, answers, score, correct, feedback)
    if score and attempt.status == GRADED:
        out.score, out.max_score, out.passed = attempt.score, attempt.max_score, attempt.passed
        out.percent = round((attempt.fraction or 0.0) * 100, 2)
    return out


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


# --- grading hooks ---

def passes(lesson: Lesson, fraction: float) -> bool:
    """Whether `fraction` of the points passes this quiz (without a passing score, any graded
    attempt passes): the grading service's release and regrade use the quiz's own rule."""
    return _passes(_settings(lesson), fraction)


# --- the learner's overview ---

@dataclass
class AttemptSummary:
    """One of the learner's attempts, as the quiz's review options let them see it."""

    attempt_id: int
    number: int
    status: str  # in_progress | graded | awaiting_grading
    started_at: datetime
    submitted_at: datetime | None
    percent: float | None = None  # when the score shows
    passed: bool | None = None  # when the score shows


@dataclass
class QuizOverview:
    """What a learner needs to know before starting: the quiz's rules as they apply to them
    (their overrides included), their attempts so far, their grade, and whether they may
    start one now (and, when not, why)."""

    lesson_id: int
    question_count: int
    time_limit_minutes: int | None
    attempts_allowed: int | None
    attempts_used: int
    grading_method: str
    passing_percent: float | None
    opens_at: datetime | None
    closes_at: datetime | None
    attempts: list[AttemptSummary]
    open_attempt_id: int | None
    grade: QuizGrade | None  # when the score shows
    shows_score: bool
    can_start: bool
    refusal: str
    timezone: str


def _start_refusal(settings: QuizSettings, taken: int, tz: str, now: datetime) -> str:
    """Why a new attempt cannot start now ("" when it can): what start_attempt raises and the
    learner's intro shows."""
    if settings.opens_at and now < settings.opens_at:
        return f"This quiz opens on {timefmt.show(settings.opens_at, tz)}."
    if settings.closes_at and now >= settings.closes_at:
        return f"This quiz closed on {timefmt.show(settings.closes_at, tz)}."
    if settings.attempts_allowed is not None and taken >= settings.attempts_allowed:
        allowed = settings.attempts_allowed
        return f"You have used all {allowed} attempt{'s' if allowed != 1 else ''} at this quiz."
    return ""


def learner_overview(session: Session, actor: Actor, lesson_id: int, *, now: datetime | None = None) -> QuizOverview:
    """The quiz's intro for the learner it is open to (see QuizOverview). An attempt found
    open past its deadline is closed first, so it shows with its result."""
    now = now or utcnow()
    lesson, settings, enrollment = _learner_quiz(session, actor, lesson_id, now)
    settings = _with_override(session, settings, lesson.id, actor.user_id)
    current = _open_attempt(session, enrollment.id, lesson.id)
    if current is not None and _close_if_overdue(session, current, now):
        current = None
    rows = session.exec(select(QuizAttempt).where(QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.lesson_id == lesson.id)
                        .order_by(QuizAttempt.number)).all()
    shows_score = settings.shows("score", attempt_finished=True, now=now)
    attempts = []
    for row in rows:
        summary = AttemptSummary(row.id, row.number, row.status, row.started_at, row.submitted_at)
        if shows_score and row.status == GRADED:
            summary.percent, summary.passed = round((row.fraction or 0.0) * 100, 2), row.passed
        attempts.append(summary)
    tz = _zone(session, actor.user_id)
    refusal = "" if current is not None else _start_refusal(settings, len(rows), tz, now)
    count = sum(1 if "question_id" in item else item["count"] for item in settings.questions)
    return QuizOverview(lesson.id, count, settings.time_limit_minutes, settings.attempts_allowed, len(rows), settings.grading_method,
                        settings.passing_percent, settings.opens_at, settings.closes_at, attempts,
                        current.id if current is not None else None,
                        quiz_grade(session, enrollment.id, lesson.id) if shows_score else None, shows_score,
                        not refusal, refusal, tz)


def save_shown_answer(session: Session, actor: Actor, attempt_id: int, position: int, shown: ShownAnswer, *,
                      now: datetime | None = None) -> SaveResult:
    """save_answer for what the learner has on screen: the response is worked out here, from
    the question as frozen in their attempt."""
    attempt = _own_attempt(session, actor, attempt_id)
    row = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.position == position)
                       ).first() if isinstance(position, int) and not isinstance(position, bool) else None
    if row is None:
        raise NotFound("That question is not in this attempt.")
    if not isinstance(shown, ShownAnswer):
        raise Invalid("The answer is not in the expected form.")
    return save_answer(session, actor, attempt.id, position, response_of(Question.from_dict(row.question), shown), now=now)


# File-upload answers live in private storage, one folder per course; the response is the
# stored path. They are read through /files/quiz-answers/<attempt>/<position> only.
QUIZ_FILES = "quiz_answers"
_SAME_TYPE = {".jpeg": ".jpg"}


def answer_file_url(attempt_id: int, position: int) -> str:
    """Where a file handed in as a quiz answer is read (its learner or the course's staff)."""
    return f"/files/quiz-answers/{attempt_id}/{position}"


def save_file_answer(session: Session, actor: Actor, attempt_id: int, position: int, stream: BinaryIO, file_name: str, *,
                     now: datetime | None = None) -> SaveResult:
    """Keep a file as the answer to a file-upload question of one's open attempt: its type
    (by name and by content) among the question's accepted files, within the size limit,
    written to private storage; the file it replaces is deleted once this commits. Past the
    deadline nothing is kept (the attempt closes, as with save_answer)."""
    now = now or utcnow()
    attempt = _own_attempt(session, actor, attempt_id)
    row = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.position == position)
                       ).first() if isinstance(position, int) and not isinstance(position, bool) else None
    if row is None:
        raise NotFound("That question is not in this attempt.")
    q = Question.from_dict(row.question)
    if q.type != "file_upload":
        raise Invalid("This question takes no file.")
    if attempt.status != IN_PROGRESS or _overdue(attempt, now):
        # Refused, or the attempt closed by its deadline: save_answer says which, nothing written.
        return save_answer(session, actor, attempt.id, position, row.response, now=now)
    name = files.clean_file_name(file_name, "") or "The file"
    ext = _SAME_TYPE.get(PurePosixPath(str(file_name or "")).suffix.lower(), PurePosixPath(str(file_name or "")).suffix.lower())
    accepted = [_SAME_TYPE.get(k, k) for k in q.accepted_files.split(",") if k] or list(files.DOCUMENT_TYPES)
    accepted = [k for k in accepted if k in files.DOCUMENT_TYPES]
    if ext not in accepted:
        raise Invalid(f"“{name}”: this question takes {', '.join(accepted) or 'no'} files.")
    lesson = session.get(Lesson, attempt.lesson_id)
    old = row.response
    path, _ = files.store_handed_in(stream, name, ext, ext, f"{QUIZ_FILES}/{lesson.course_id}", app_settings.MAX_FILE_MB * 1024 * 1024)
    with storage.adopting(session, path):
        result = save_answer(session, actor, attempt.id, position, path, now=now)
    if isinstance(old, str) and old.startswith(f"{QUIZ_FILES}/") and old != path:
        storage.remove_after_commit(session, [old])
    return result


def answer_file(session: Session, actor: Actor, attempt_id: int, position: int) -> files.ServedFile:
    """A file handed in as a quiz answer, for its learner or the course's staff (anyone else
    signed in is refused). PDFs, images and plain text show in the page; the rest downloads."""
    require(actor, None)
    attempt = session.get(QuizAttempt, int(attempt_id)) if attempt_id else None
    if attempt is None or attempt.org_id != actor.org_id:
        raise NotFound("That file does not exist.")
    courses.check_own_or_staff(session, actor, attempt.user_id, attempt.lesson_id)
    row = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.position == int(position))).first()
    if row is None or not isinstance(row.response, str) or not row.response.startswith(f"{QUIZ_FILES}/"):
        raise NotFound("That file does not exist.")
    path = storage.resolve(row.response, QUIZ_FILES, "The file is missing from storage.")
    ext = path.suffix.lower()
    return files.ServedFile(path, files.MIME_TYPES.get(ext, "application/octet-stream"), f"answer-{attempt.number}-{row.position}{ext}",
                            ext in (".pdf", ".png", ".jpg", ".webp", ".txt"))
