"""An instructor's course analytics: how far learners get along the lessons, how each quiz
question behaves, who is at risk and why, and how scores and grades are spread.

For the course's staff (instructors and assistants, who may read) and "courses.manage", the
same check as the gradebook. Everything is aggregated in the database (counts, sums, window
functions); Python shapes a few hundred numbers. The dashboard is made of three sections,
each cached per course (dashboard_cache) and kept as it is when the changes that arrive do
not touch it: the lessons' progress (any learning change in the course), the quiz items (a
quiz handed in) and the scores and grades (a quiz or an assignment handed in); an edit of the
course's outline starts them afresh. Grades that staff change (grading, overrides) show once
the cache entry expires or a learner acts.

Definitions:
- A course's learners are its active and completed runs (one learner counted once).
- A learner reached a lesson once they opened it; finished it once it is done.
- A lesson's median time is over the learners who spent time on it (seconds > 0), computed
  by the database (row numbers in a window), not by loading the rows.
- A score distribution counts each learner's grade on a quiz or assignment (the gradebook's,
  overrides included) in 10 % bins; the grade distribution counts the course totals (the
  gradebook's rules) by letter.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import String, and_, case, cast, distinct, func
from sqlmodel import Session, select

from lms_app import live, settings
from lms_app.analytics import at_risk as risk
from lms_app.analytics import item_analysis as items
from lms_app.models import (
    AttemptAnswer, Course, Enrollment, GradeEntry, GradeItem, Lesson, LessonProgress, Module, QuizAttempt, User, utcnow,
)
from lms_app.services import audit, courses, dashboard_cache, gradebook, progress, table_export, timefmt
from lms_app.services.email import queue_email
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor

RUN_STATUSES = ("active", "completed")
SCORE_BINS = 10
SUBJECT_LIMIT = 200
BODY_LIMIT = 5000
NOT_GRADED = "Not graded yet"


# --- what the dashboard holds ------------------------------------------------------------------

@dataclass(frozen=True)
class FunnelStep:
    lesson_id: int
    title: str
    kind: str
    reached: int
    finished: int
    median_seconds: float | None  # None: nobody spent time on it yet


@dataclass(frozen=True)
class QuizItems:
    lesson_id: int
    title: str
    attempts: int  # graded attempts
    items: list[items.ItemResult]


@dataclass(frozen=True)
class ScoreDistribution:
    lesson_id: int
    title: str
    kind: str  # quiz or assignment
    counts: tuple[int, ...]  # learners per 10 % bin, 0-9 % first; 100 % falls in the last

    @property
    def graded(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class LearnerRisk:
    user_id: int
    name: str
    email: str
    last_activity_at: datetime | None
    reasons: tuple[str, ...]
    codes: tuple[str, ...]


@dataclass
class CourseDashboard:
    course_id: int
    title: str
    learners: int
    active: int
    funnel: list[FunnelStep]
    quizzes: list[QuizItems]
    scores: list[ScoreDistribution]
    grades: list[tuple[str, int]]  # letter -> learners, in the scale's order, then NOT_GRADED
    at_risk: list[LearnerRisk]
    computed_at: datetime = field(default_factory=utcnow)


# --- sections -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Progress:
    learners: int
    funnel: list[FunnelStep]
    facts: list[risk.LearnerFacts]  # active runs (totals filled in from the grades section)


@dataclass(frozen=True)
class _Grades:
    scores: list[ScoreDistribution]
    grades: list[tuple[str, int]]
    totals: dict[int, float]  # enrollment id -> course total so far


def _lessons(session: Session, course_id: int) -> list[Lesson]:
    return list(session.exec(
        select(Lesson).join(Module, Module.id == Lesson.module_id).where(Lesson.course_id == course_id)
        .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
    ).all())


def _runs(course_id: int):
    return and_(Enrollment.course_id == course_id, Enrollment.status.in_(RUN_STATUSES))


def _progress(session: Session, course: Course, lessons: list[Lesson]) -> _Progress:
    conn = session.connection()
    reached = case((LessonProgress.status != "not_started", Enrollment.user_id))
    finished = case((LessonProgress.status == "done", Enrollment.user_id))
    counts = {lid: (r, f) for lid, r, f in conn.execute(
        select(LessonProgress.lesson_id, func.count(distinct(reached)), func.count(distinct(finished)))
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .where(_runs(course.id)).group_by(LessonProgress.lesson_id))}
    # The median from row numbers: the middle row (odd count) or the two middle rows (even).
    spent = (select(LessonProgress.lesson_id.label("lesson_id"), LessonProgress.seconds_spent.label("seconds"),
                    func.row_number().over(partition_by=LessonProgress.lesson_id, order_by=LessonProgress.seconds_spent).label("rn"),
                    func.count().over(partition_by=LessonProgress.lesson_id).label("n"))
             .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
             .where(_runs(course.id), LessonProgress.seconds_spent > 0)).subquery()
    medians = dict(conn.execute(
        select(spent.c.lesson_id, func.avg(spent.c.seconds))
        .where((spent.c.rn == (spent.c.n + 1) // 2) | (spent.c.rn == (spent.c.n + 2) // 2))
        .group_by(spent.c.lesson_id)).all())
    funnel = [FunnelStep(le.id, le.title, le.kind, *counts.get(le.id, (0, 0)),
                         float(medians[le.id]) if medians.get(le.id) is not None else None) for le in lessons]
    learners = conn.execute(select(func.count(distinct(Enrollment.user_id))).where(_runs(course.id))).scalar_one()

    counted = {le.id for le in progress.counted_lessons(course, lessons)}
    done = dict(conn.execute(
        select(LessonProgress.enrollment_id, func.count())
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .where(Enrollment.course_id == course.id, Enrollment.status == "active", LessonProgress.status == "done",
               LessonProgress.lesson_id.in_(sorted(counted) or [0]))
        .group_by(LessonProgress.enrollment_id)).all())
    # Quizzes failed and not passed yet, per run: one row per run and quiz.
    titles = {le.id: le.title for le in lessons}
    failed: dict[int, list[tuple[str, int]]] = {}
    for enrollment_id, lesson_id, fails, passes in conn.execute(
            select(QuizAttempt.enrollment_id, QuizAttempt.lesson_id,
                   func.sum(case((QuizAttempt.passed.is_(False), 1), else_=0)), func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)))
            .join(Enrollment, Enrollment.id == QuizAttempt.enrollment_id)
            .where(Enrollment.course_id == course.id, Enrollment.status == "active", QuizAttempt.status == "graded")
            .group_by(QuizAttempt.enrollment_id, QuizAttempt.lesson_id)
            .order_by(QuizAttempt.enrollment_id, QuizAttempt.lesson_id)):
        if not passes and fails:
            failed.setdefault(enrollment_id, []).append((titles.get(lesson_id, "a quiz"), int(fails)))
    expected_days = course.access_days or risk.EXPECTED_DAYS
    facts = [
        risk.LearnerFacts(eid, uid, name, email, enrolled_at, last_at, int(done.get(eid, 0)), len(counted), expected_days,
                          None, tuple(failed.get(eid, ())))
        for eid, uid, name, email, enrolled_at, last_at in conn.execute(
            select(Enrollment.id, User.id, User.name, User.email, Enrollment.enrolled_at, Enrollment.last_activity_at)
            .join(User, User.id == Enrollment.user_id)
            .where(Enrollment.course_id == course.id, Enrollment.status == "active", User.is_active)
            .order_by(Enrollment.id))
    ]
    return _Progress(int(learners), funnel, facts)


def _quiz_items(session: Session, course: Course, lessons: list[Lesson]) -> list[QuizItems]:
    quizzes = [le for le in lessons if le.kind == "quiz"]
    if not quizzes:
        return []
    conn = session.connection()
    graded = and_(QuizAttempt.lesson_id.in_([q.id for q in quizzes]), QuizAttempt.status == "graded", QuizAttempt.fraction.is_not(None))
    # Each graded attempt's rank within its quiz, by score (ties: the earlier attempt first).
    ranked = (select(QuizAttempt.id.label("attempt_id"), QuizAttempt.lesson_id.label("lesson_id"),
                     func.row_number().over(partition_by=QuizAttempt.lesson_id,
                                            order_by=(QuizAttempt.fraction.desc(), QuizAttempt.id)).label("rn"),
                     func.count().over(partition_by=QuizAttempt.lesson_id).label("n"))
              .where(graded)).subquery()
    k = (ranked.c.n * items.UPPER_LOWER_PERCENT + 50) // 100  # items.group_size, in SQL
    band = case((ranked.c.rn <= k, "upper"), (ranked.c.rn > ranked.c.n - k, "lower"), else_="middle").label("band")
    answered = and_(AttemptAnswer.fraction.is_not(None), AttemptAnswer.bank_question_id.is_not(None))
    rows = conn.execute(
        select(ranked.c.lesson_id, AttemptAnswer.bank_question_id, band, func.count(), func.sum(AttemptAnswer.fraction),
               func.sum(case((AttemptAnswer.fraction >= 0.999999, 1), else_=0)), func.min(AttemptAnswer.position))
        .join(AttemptAnswer, AttemptAnswer.attempt_id == ranked.c.attempt_id).where(answered)
        .group_by(ranked.c.lesson_id, AttemptAnswer.bank_question_id, band)
        .order_by(ranked.c.lesson_id, AttemptAnswer.bank_question_id, band)).all()
    attempts = dict(conn.execute(select(QuizAttempt.lesson_id, func.count()).where(graded).group_by(QuizAttempt.lesson_id)).all())
    if not rows:
        return [QuizItems(q.id, q.title, int(attempts.get(q.id, 0)), []) for q in quizzes]
    question_ids = sorted({r[1] for r in rows})
    # The question as last given (its snapshot names the options the responses point at).
    latest = select(func.max(AttemptAnswer.id)).join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id).where(
        graded, AttemptAnswer.bank_question_id.in_(question_ids)).group_by(AttemptAnswer.bank_question_id)
    snapshots = {qid: spec for qid, spec in conn.execute(
        select(AttemptAnswer.bank_question_id, AttemptAnswer.question).where(AttemptAnswer.id.in_(latest)))}
    # Wrong answers to choice questions, by response (a handful of distinct values each).
    choice_ids = [qid for qid, spec in snapshots.items() if (spec or {}).get("type") in items.CHOICE_TYPES]
    wrong: dict[tuple[int, int], list[tuple[str, int]]] = {}
    if choice_ids:
        response = cast(AttemptAnswer.response, String).label("response")
        for lesson_id, qid, text, count in conn.execute(
                select(QuizAttempt.lesson_id, AttemptAnswer.bank_question_id, response, func.count())
                .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
                .where(graded, AttemptAnswer.bank_question_id.in_(choice_ids), AttemptAnswer.fraction < 0.999999,
                       AttemptAnswer.response.is_not(None))
                .group_by(QuizAttempt.lesson_id, AttemptAnswer.bank_question_id, response)
                .order_by(QuizAttempt.lesson_id, AttemptAnswer.bank_question_id, response)):
            if text is not None:
                wrong.setdefault((lesson_id, qid), []).append((text, int(count)))

    tallies: dict[tuple[int, int], items.QuestionTally] = {}
    first_position: dict[tuple[int, int], int] = {}
    for lesson_id, qid, group, count, credit, full, position in rows:
        spec = snapshots.get(qid) or {}
        tally = tallies.get((lesson_id, qid))
        if tally is None:
            tally = tallies[(lesson_id, qid)] = items.QuestionTally(
                qid, str(spec.get("title") or "Question"), str(spec.get("type") or ""),
                wrong_choices=items.wrong_choices(spec, wrong.get((lesson_id, qid), [])))
        tally.answered += int(count)
        tally.credit += float(credit or 0)
        tally.full_credit += int(full or 0)
        if group == "upper":
            tally.upper_answered, tally.upper_credit = int(count), float(credit or 0)
        elif group == "lower":
            tally.lower_answered, tally.lower_credit = int(count), float(credit or 0)
        first_position[(lesson_id, qid)] = min(first_position.get((lesson_id, qid), position), position)
    out = []
    for quiz in quizzes:
        keys = sorted((key for key in tallies if key[0] == quiz.id), key=lambda key: (first_position[key], key[1]))
        out.append(QuizItems(quiz.id, quiz.title, int(attempts.get(quiz.id, 0)), [items.analyse(tallies[key]) for key in keys]))
    return out


def _bin(ratio) -> case:
    """The 10 % bin of a ratio (0-9; 100 % and above in the last), without FLOOR (SQLite)."""
    return case(*[(ratio >= (b / SCORE_BINS), b) for b in range(SCORE_BINS - 1, 0, -1)], else_=0)


def _grades(session: Session, actor: Actor, course: Course) -> _Grades:
    conn = session.connection()
    book = gradebook.book(session, actor, course.id)
    by_lesson = {i.lesson_id: i for i in book.items if i.lesson_id is not None}
    effective = func.coalesce(GradeEntry.override_points, GradeEntry.points)
    per_item: dict[int, list[int]] = {}
    if by_lesson:
        bin_ = _bin(effective / func.nullif(GradeItem.max_points, 0)).label("bin")
        for item_id, b, count in conn.execute(
                select(GradeEntry.item_id, bin_, func.count())
                .join(Enrollment, Enrollment.id == GradeEntry.enrollment_id).join(GradeItem, GradeItem.id == GradeEntry.item_id)
                .where(_runs(course.id), GradeEntry.item_id.in_([i.id for i in by_lesson.values()]), effective.is_not(None))
                .group_by(GradeEntry.item_id, bin_).order_by(GradeEntry.item_id, bin_)):
            per_item.setdefault(item_id, [0] * SCORE_BINS)[int(b)] += int(count)
    scores = [ScoreDistribution(i.lesson_id, i.title, i.kind, tuple(per_item.get(i.id, [0] * SCORE_BINS))) for i in by_lesson.values()]

    # Course totals need the gradebook's rules (weights, drops): each current run's effective
    # points, one query, then the rules in Python.
    cells: dict[int, dict[int, float]] = {}
    current: dict[int, tuple[bool, datetime, int]] = {}
    for eid, uid, status, enrolled_at in conn.execute(
            select(Enrollment.id, Enrollment.user_id, Enrollment.status, Enrollment.enrolled_at).where(_runs(course.id))):
        rank = (status == "active", enrolled_at, eid)
        if uid not in current or rank > current[uid]:
            current[uid] = rank
    runs = {rank[2] for rank in current.values()}
    if book.items:
        for eid, item_id, value in conn.execute(
                select(GradeEntry.enrollment_id, GradeEntry.item_id, effective)
                .join(Enrollment, Enrollment.id == GradeEntry.enrollment_id)
                .where(_runs(course.id), GradeEntry.item_id.in_([i.id for i in book.items]), effective.is_not(None))):
            if eid in runs:
                cells.setdefault(eid, {})[item_id] = float(value)
    letters = {letter: 0 for letter, _ in book.scale}
    totals: dict[int, float] = {}
    for eid in runs:
        total = book.total(cells.get(eid, {})) if eid in cells else None
        if total is None or total.percent is None:
            continue
        totals[eid] = total.percent
        if total.letter in letters:
            letters[total.letter] += 1
    grades = [*letters.items(), (NOT_GRADED, len(runs) - sum(letters.values()))]
    return _Grades(scores, grades, totals)


# --- the dashboard -----------------------------------------------------------------------------

def _keep_unless(course_id: int, kinds: set[str] | None) -> Callable:
    """A cache patch: the section stays as it is unless a change in this course of one of
    `kinds` (None: any kind) arrived; then it is computed again."""
    def patch(value, changes: list[live.Change]):
        touched = any(c.course_id == course_id and (kinds is None or c.kind in kinds) for c in changes)
        return None if touched else value

    return patch


def course_dashboard(session: Session, actor: Actor, course_id: int) -> CourseDashboard:
    """The course's analytics for its staff: funnel, quiz items, at-risk learners, score and
    grade distributions."""
    course = courses.staffed_course(session, actor, course_id)
    lessons: list[Lesson] | None = None

    def outline() -> list[Lesson]:
        nonlocal lessons
        if lessons is None:
            lessons = _lessons(session, course.id)
        return lessons

    # The course's last edit is in the key: a changed outline (lessons added, moved, renamed)
    # announces no learning change but must not show the old lessons.
    key = ("course-analytics", course.id, course.updated_at)
    learning = dashboard_cache.cached((*key, "progress"), course.org_id, lambda: _progress(session, course, outline()),
                                      patch=_keep_unless(course.id, None))
    quizzes = dashboard_cache.cached((*key, "items"), course.org_id, lambda: _quiz_items(session, course, outline()),
                                     patch=_keep_unless(course.id, {"quiz_submitted"}))
    grades = dashboard_cache.cached((*key, "grades"), course.org_id, lambda: _grades(session, actor, course),
                                    patch=_keep_unless(course.id, {"quiz_submitted", "assignment_submitted"}))
    now = utcnow()
    facts = [replace(f, total_percent=grades.totals.get(f.enrollment_id)) for f in learning.facts]
    flagged = [LearnerRisk(r.facts.user_id, r.facts.name, r.facts.email, r.facts.last_activity_at,
                           tuple(x.text for x in r.reasons), tuple(x.code for x in r.reasons)) for r in risk.at_risk(facts, now)]
    return CourseDashboard(course.id, course.title, learning.learners, len(learning.facts), learning.funnel, quizzes, grades.scores,
                           grades.grades, flagged, now)


# --- messaging a learner -------------------------------------------------------------------------

def _clean_message(subject: str, body: str) -> tuple[str, str]:
    subject = " ".join(str(subject or "").split())
    body = str(body or "").strip()
    if not subject:
        raise Invalid("Write a subject.")
    if len(subject) > SUBJECT_LIMIT:
        raise Invalid(f"The subject must have at most {SUBJECT_LIMIT} characters.")
    if not body:
        raise Invalid("Write a message.")
    if len(body) > BODY_LIMIT:
        raise Invalid(f"The message must have at most {BODY_LIMIT:,} characters.")
    return subject, body


def message_learner(session: Session, actor: Actor, course_id: int, user_id: int, subject: str, body: str) -> str:
    """Email a learner of the course from its staff (through the outbox), audited. Returns the
    learner's name."""
    course = courses.staffed_course(session, actor, course_id)
    learner = session.get(User, int(user_id or 0))
    enrolled = learner is not None and session.exec(
        select(Enrollment.id).where(Enrollment.course_id == course.id, Enrollment.user_id == learner.id)).first() is not None
    if not enrolled or not learner.is_active:
        raise NotFound("That learner is not in this course.")
    subject, body = _clean_message(subject, body)
    link = f"{settings.PUBLIC_URL}/learn/courses/{course.id}"
    text = f"Hello {learner.name},\n\n{body}\n\n{actor.name}, for “{course.title}”\nOpen the course: {link}\n"
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p.strip())
    body_html = (f"<p>Hello {html.escape(learner.name)},</p>{paragraphs}<p>{html.escape(actor.name)}, for “{html.escape(course.title)}”</p>"
                 f"<p><a href=\"{html.escape(link)}\">Open the course</a></p>")
    queue_email(session, to=learner.email, org_id=course.org_id, subject=f"{course.title}: {subject}", body_text=text, body_html=body_html)
    audit.record(session, actor, "course.learner_messaged", target_type="user", target_id=learner.id, target_label=learner.email,
                 after={"course": course.title, "subject": subject})
    return learner.name


# --- tables (the page's and the exports') ---------------------------------------------------------

@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    shown: list[list[str]]  # formatted for the page
    values: list[list]  # the same rows with plain numbers, for the CSV / Excel file
    file_columns: list[str] | None = None  # the file's, where its plain values differ from what is shown


TABLE_KEYS = ("funnel", "items", "scores", "grades", "at_risk")



def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def bin_labels() -> list[str]:
    step = 100 // SCORE_BINS
    return [f"{b * step}–{b * step + step - 1}%" if b < SCORE_BINS - 1 else f"{b * step}–100%" for b in range(SCORE_BINS)]


def step_label(n: int, title: str) -> str:
    """A lesson's label in the funnel: numbered (two lessons may share a title), shortened."""
    short = title if len(title) <= 40 else title[:39].rstrip() + "…"
    return f"{n}. {short}"


def funnel_table(board: CourseDashboard) -> Table:
    shown, values = [], []
    before = board.learners
    for n, s in enumerate(board.funnel, start=1):
        drop = before - s.reached
        share = f" ({round(drop * 100 / before)}%)" if before and drop > 0 else ""
        shown.append([step_label(n, s.title), f"{s.reached:,}", f"{s.finished:,}", (f"{drop:,}{share}" if drop >= 0 else f"+{-drop:,}"),
                      timefmt.time_spent(s.median_seconds)])
        values.append([s.title, s.reached, s.finished, drop, None if s.median_seconds is None else round(s.median_seconds)])
        before = s.reached
    return Table("Lesson funnel", ["Lesson", "Reached", "Finished", "Drop-off", "Median time"], shown, values,
                 ["Lesson", "Reached", "Finished", "Drop-off", "Median seconds"])


def items_table(quiz: QuizItems | None) -> Table:
    columns = ["Question", "Flags", "Most chosen wrong answer", "Answers", "Facility", "Discrimination"]
    if quiz is None:
        return Table("Question analysis", columns, [], [])
    shown, values = [], []
    for i in quiz.items:
        wrong = f"{i.most_wrong} ({i.most_wrong_count})" if i.most_wrong else "—"
        disc = "—" if i.discrimination is None else f"{i.discrimination:+.2f}"
        shown.append([i.title, ", ".join(i.flags) or "—", wrong, f"{i.answered:,}", _pct(i.facility), disc])
        values.append([i.title, ", ".join(i.flags), i.most_wrong, i.most_wrong_count, i.answered,
                       None if i.facility is None else round(i.facility, 4), None if i.discrimination is None else round(i.discrimination, 4)])
    return Table(f"Question analysis, {quiz.title}", columns, shown, values,
                 ["Question", "Flags", "Most chosen wrong answer", "Times chosen", "Answers", "Facility", "Discrimination"])


def scores_table(scores: ScoreDistribution | None) -> Table:
    if scores is None or not scores.graded:
        return Table("Score distribution", ["Score", "Learners"], [], [])
    labels = bin_labels()
    return Table(f"Score distribution, {scores.title}", ["Score", "Learners"],
                 [[label, f"{c:,}"] for label, c in zip(labels, scores.counts)], [[label, c] for label, c in zip(labels, scores.counts)])


def grades_table(board: CourseDashboard) -> Table:
    columns = ["Grade", "Learners", "Share"]
    total = sum(c for _, c in board.grades)
    if not total or all(c == 0 for letter, c in board.grades if letter != NOT_GRADED):
        return Table("Grade distribution", columns, [], [])
    return Table("Grade distribution", columns,
                 [[letter, f"{c:,}", f"{round(c * 100 / total)}%"] for letter, c in board.grades],
                 [[letter, c, round(c / total, 4)] for letter, c in board.grades])


def at_risk_table(board: CourseDashboard) -> Table:
    return Table("Learners at risk", ["Learner", "Email", "Last activity", "Reasons"], [],
                 [[r.name, r.email, r.last_activity_at.isoformat() if r.last_activity_at else "", "; ".join(r.reasons)] for r in board.at_risk])


def export_table(session: Session, actor: Actor, course_id: int, key: str, fmt: str, pick: int | None = None) -> tuple[str | bytes, str, str]:
    """One of the analytics' tables as a CSV or Excel file (content, file name, MIME type);
    `pick` is the quiz or assessment lesson for their tables."""
    if key not in TABLE_KEYS:
        raise Invalid("There is no such table.")
    board = course_dashboard(session, actor, course_id)
    if key == "funnel":
        table = funnel_table(board)
    elif key == "items":
        table = items_table(next((q for q in board.quizzes if q.lesson_id == pick), None))
    elif key == "scores":
        table = scores_table(next((s for s in board.scores if s.lesson_id == pick), None))
    elif key == "grades":
        table = grades_table(board)
    else:
        table = at_risk_table(board)
    return table_export.table_file(session, actor, f"{table.title}, {board.title}", table.file_columns or table.columns, table.values, fmt)
