"""An instructor's course analytics: how far learners get along the lessons, how each quiz
question behaves, who is at risk and why, and how scores and grades are spread.

For the course's staff (instructors and assistants, who may read) and "courses.manage", the
same check as the gradebook. The database does the heavy reading (each run's rows, found
through the indexes; the item analysis in counts, sums and window functions); Python sums a
share per learner. The finished dashboard is cached per course (dashboard_cache): opening it
again is a cache hit; a change in the course re-reads only the learners who acted (their
share of the funnel, medians, scores, grades and their at-risk row replaces the old one) and,
for a quiz handed in, the item analysis of the quizzes with new graded attempts; an edit of
the course's outline starts afresh. The at-risk rules count days from when the entry was
computed (it is computed again after dashboard_cache.MAX_AGE_SECONDS). Grades that staff
change (grading, overrides) show once the entry expires or that learner acts.

Definitions:
- A course's learners are its active and completed runs (one learner counted once).
- A learner reached a lesson once they opened it; finished it once it is done.
- A lesson's median time is over the runs that spent time on it (seconds > 0): the middle
  value, or the mean of the two middle ones (kept sorted, so a learner's change moves only
  their own values).
- A score distribution counts each learner's grade on a quiz or assignment (the gradebook's,
  overrides included) in 10 % bins; the grade distribution counts the course totals (the
  gradebook's rules) by letter.
"""

from __future__ import annotations

import bisect
import html
import itertools
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, and_, case, cast, func
from sqlmodel import Session, select

from lms_app import db, live, settings
from lms_app.analytics import at_risk as risk
from lms_app.analytics import item_analysis as items
from lms_app.models import (
    AttemptAnswer, Course, Enrollment, GradeEntry, Lesson, LessonProgress, Module, QuizAttempt, User, utcnow,
)
from lms_app.services import audit, courses, dashboard_cache, gradebook, progress, table_export, timefmt
from lms_app.services.table_export import Table
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


# --- what the cache keeps: each learner's share of the figures -----------------------------------

@dataclass(frozen=True, slots=True)
class _Share:
    """One learner's part in the course's figures, over their runs that count: what a change
    by this learner replaces (the other learners' parts stay)."""

    reached: tuple[int, ...]  # lessons opened, in any run (each once)
    finished: tuple[int, ...]  # lessons done, in any run (each once)
    seconds: tuple[tuple[int, int], ...]  # (lesson, seconds) of each run's lesson with time spent
    scores: tuple[tuple[int, int], ...]  # (grade item, 10 % bin) of each run's graded quiz or assignment
    letter: str | None  # the current run's letter on the scale (None: not graded yet)
    active: bool  # an active run of an active user: counted in `active`, read by the at-risk rules
    risk: tuple[tuple, LearnerRisk] | None  # (its place in the list, the row) when at risk


def _place(row: tuple[tuple, LearnerRisk]) -> tuple:
    return row[0]


@dataclass
class _Course:
    """A course's dashboard as cached: the finished board, each learner's share, their sums,
    and what a patch needs to read a learner again (outline, gradebook structure)."""

    course_id: int
    title: str
    lessons: list[tuple[int, str, str]]  # (id, title, kind) in outline order
    counted: frozenset[int]
    expected_days: int
    book: gradebook.Book
    as_of: datetime  # the at-risk rules' "now" (the entry is computed again after MAX_AGE_SECONDS)
    shares: dict[int, _Share] = field(default_factory=dict)
    active: int = 0
    reached: Counter = field(default_factory=Counter)
    finished: Counter = field(default_factory=Counter)
    seconds: dict[int, list[int]] = field(default_factory=dict)  # lesson -> seconds, sorted (medians)
    scores: Counter = field(default_factory=Counter)  # (grade item, bin) -> runs
    letters: Counter = field(default_factory=Counter)
    flagged: list[tuple[tuple, LearnerRisk]] = field(default_factory=list)  # in the list's order
    quiz_marks: dict[int, tuple[int, int]] = field(default_factory=dict)  # quiz -> (graded attempts, last id)
    quizzes: list[QuizItems] = field(default_factory=list)
    board: CourseDashboard | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fill(self, shares: dict[int, _Share]) -> None:
        """The sums over every learner (the first computation)."""
        chain = itertools.chain.from_iterable
        self.shares = dict(shares)
        self.active = sum(s.active for s in shares.values())
        self.reached = Counter(chain(s.reached for s in shares.values()))
        self.finished = Counter(chain(s.finished for s in shares.values()))
        self.seconds = {}
        for lesson, spent in chain(s.seconds for s in shares.values()):
            self.seconds.setdefault(lesson, []).append(spent)
        for values in self.seconds.values():
            values.sort()
        self.scores = Counter(chain(s.scores for s in shares.values()))
        self.letters = Counter(s.letter for s in shares.values() if s.letter is not None)
        self.flagged = sorted((s.risk for s in shares.values() if s.risk is not None), key=_place)

    def replace(self, shares: dict[int, _Share], user_ids) -> None:
        """These learners' new shares (none: no longer a learner) in place of their old ones."""
        for user_id in user_ids:
            old, new = self.shares.pop(user_id, None), shares.get(user_id)
            for share, sign in ((old, -1), (new, 1)):
                if share is not None:
                    self._add(share, sign)
            if new is not None:
                self.shares[user_id] = new

    def _add(self, share: _Share, sign: int) -> None:
        self.active += sign * share.active
        for lesson in share.reached:
            self.reached[lesson] += sign
        for lesson in share.finished:
            self.finished[lesson] += sign
        for lesson, spent in share.seconds:
            values = self.seconds.setdefault(lesson, [])
            if sign > 0:
                bisect.insort(values, spent)
            else:
                del values[bisect.bisect_left(values, spent)]
        for key in share.scores:
            self.scores[key] += sign
        if share.letter is not None:
            self.letters[share.letter] += sign
        if share.risk is not None:
            if sign > 0:
                bisect.insort(self.flagged, share.risk, key=_place)
            else:
                del self.flagged[bisect.bisect_left(self.flagged, share.risk[0], key=_place)]


def _lessons(session: Session, course_id: int) -> list[Lesson]:
    return list(session.exec(
        select(Lesson).join(Module, Module.id == Lesson.module_id).where(Lesson.course_id == course_id)
        .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
    ).all())


def _bin(ratio: float | None) -> int:
    """The 10 % bin of a ratio (0-9; 100 % and above in the last; no ratio in the first)."""
    return next((b for b in range(SCORE_BINS - 1, 0, -1) if ratio is not None and ratio >= b / SCORE_BINS), 0)


def _median(values: list[int] | None) -> float | None:
    if not values:
        return None
    n = len(values)
    return (values[(n - 1) // 2] + values[n // 2]) / 2


def _read_shares(conn, c: _Course, user_ids: list[int] | None = None) -> dict[int, _Share]:
    """The shares of the course's learners (or of `user_ids` only), from their runs' rows: the
    same reading for the first computation and for a patch, so both give the same figures."""
    scope = [Enrollment.course_id == c.course_id, Enrollment.status.in_(RUN_STATUSES)]
    if user_ids is not None:
        # Their runs found through the learner's index (the course's would read every run of it).
        scope = [Enrollment.course_id == c.course_id, Enrollment.id.in_(
            select(Enrollment.id).where(Enrollment.user_id.in_(user_ids), Enrollment.status.in_(RUN_STATUSES)))]
    runs: dict[int, tuple] = {}
    for row in conn.execute(
            select(Enrollment.id, Enrollment.user_id, Enrollment.status, Enrollment.enrolled_at, Enrollment.last_activity_at,
                   User.name, User.email, User.is_active).join(User, User.id == Enrollment.user_id).where(*scope)):
        runs[row[0]] = row
    outline = [lesson_id for lesson_id, _, _ in c.lessons] or [0]  # leads the database to the course's rows
    reached, finished, seconds = defaultdict(set), defaultdict(set), defaultdict(list)
    done: Counter = Counter()
    for eid, lesson_id, status, spent in conn.execute(
            select(LessonProgress.enrollment_id, LessonProgress.lesson_id, LessonProgress.status, LessonProgress.seconds_spent)
            .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
            .where(*scope, LessonProgress.lesson_id.in_(outline),
                   (LessonProgress.status != "not_started") | (LessonProgress.seconds_spent > 0))):
        if eid not in runs:  # a run that began between the two reads: the next change brings it
            continue
        user_id = runs[eid][1]
        if status != "not_started":
            reached[user_id].add(lesson_id)
        if status == "done":
            finished[user_id].add(lesson_id)
            done[eid] += lesson_id in c.counted
        if spent > 0:
            seconds[user_id].append((lesson_id, spent))
    # Quizzes failed and not passed yet, per active run. "Graded" is tested in the sums, not in
    # WHERE: there it would lead the database through every graded attempt of every course.
    titles = {lesson_id: title for lesson_id, title, _ in c.lessons}
    failed: dict[int, list[tuple[str, int]]] = defaultdict(list)
    graded = QuizAttempt.status == "graded"
    for eid, lesson_id, fails, passes in conn.execute(
            select(QuizAttempt.enrollment_id, QuizAttempt.lesson_id,
                   func.sum(case((and_(graded, QuizAttempt.passed.is_(False)), 1), else_=0)),
                   func.sum(case((and_(graded, QuizAttempt.passed.is_(True)), 1), else_=0)))
            .join(Enrollment, Enrollment.id == QuizAttempt.enrollment_id)
            .where(*scope, Enrollment.status == "active", QuizAttempt.lesson_id.in_(outline))
            .group_by(QuizAttempt.enrollment_id, QuizAttempt.lesson_id)
            .order_by(QuizAttempt.enrollment_id, QuizAttempt.lesson_id)):
        if not passes and fails:
            failed[eid].append((titles.get(lesson_id, "a quiz"), int(fails)))
    # Grades: each run's effective points (overrides first) per gradebook item.
    cells: dict[int, dict[int, float]] = defaultdict(dict)
    if c.book.items:
        effective = func.coalesce(GradeEntry.override_points, GradeEntry.points)
        for eid, item_id, value in conn.execute(
                select(GradeEntry.enrollment_id, GradeEntry.item_id, effective)
                .join(Enrollment, Enrollment.id == GradeEntry.enrollment_id)
                .where(*scope, GradeEntry.item_id.in_([i.id for i in c.book.items]), effective.is_not(None))):
            cells[eid][item_id] = float(value)
    graded_items = {i.id: i.max_points for i in c.book.items if i.lesson_id is not None}
    scale = {letter for letter, _ in c.book.scale}

    by_user: dict[int, list[int]] = defaultdict(list)
    for eid, row in runs.items():
        by_user[row[1]].append(eid)
    shares = {}
    counted, no_cells, totals = len(c.counted), {}, {}
    for user_id, eids in by_user.items():
        # The course total is the current run's: the active one, else the latest.
        current = eids[0] if len(eids) == 1 else max(eids, key=lambda e: (runs[e][2] == "active", runs[e][3], e))
        total = None
        if current in cells:
            # Learners with the same grades have the same total: the rules run once for them.
            grades = tuple(sorted(cells[current].items()))
            total = totals.get(grades) or totals.setdefault(grades, c.book.total(cells[current]))
        percent = None if total is None else total.percent
        scores = tuple((item_id, _bin(value / graded_items[item_id] if graded_items[item_id] else None))
                       for eid in eids for item_id, value in cells.get(eid, no_cells).items() if item_id in graded_items)
        risk_row, active = None, False
        for eid in eids:
            _, _, status, enrolled_at, last_at, name, email, is_active = runs[eid]
            if status != "active" or not is_active:
                continue
            active = True
            facts = risk.LearnerFacts(eid, user_id, name, email, enrolled_at, last_at, done[eid], counted, c.expected_days,
                                      percent if eid == current else None, tuple(failed.get(eid, ())))
            found = risk.assess(facts, c.as_of)
            if found is not None:
                risk_row = (risk.order(found), LearnerRisk(user_id, name, email, last_at, tuple(x.text for x in found.reasons),
                                                           tuple(x.code for x in found.reasons)))
        shares[user_id] = _Share(tuple(reached.get(user_id, ())), tuple(finished.get(user_id, ())),
                                 tuple(seconds.get(user_id, ())), scores,
                                 total.letter if percent is not None and total.letter in scale else None, active, risk_row)
    return shares


def _quiz_marks(conn, quiz_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each quiz's graded attempts: how many, and the last one's id (a new one changes it)."""
    if not quiz_ids:
        return {}
    return {lesson_id: (int(n), int(last)) for lesson_id, n, last in conn.execute(
        select(QuizAttempt.lesson_id, func.count(), func.max(QuizAttempt.id))
        .where(QuizAttempt.lesson_id.in_(quiz_ids), QuizAttempt.status == "graded", QuizAttempt.fraction.is_not(None))
        .group_by(QuizAttempt.lesson_id))}


def _quiz_items(conn, quizzes: list[tuple[int, str]], marks: dict[int, tuple[int, int]]) -> list[QuizItems]:
    """The item analysis of `quizzes` ((id, title)), each on its own graded attempts."""
    if not quizzes:
        return []
    graded = and_(QuizAttempt.lesson_id.in_([q for q, _ in quizzes]), QuizAttempt.status == "graded", QuizAttempt.fraction.is_not(None))
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
               func.sum(case((AttemptAnswer.fraction >= 0.999999, 1), else_=0)), func.min(AttemptAnswer.position),
               func.max(AttemptAnswer.id))
        .join(AttemptAnswer, AttemptAnswer.attempt_id == ranked.c.attempt_id).where(answered)
        .group_by(ranked.c.lesson_id, AttemptAnswer.bank_question_id, band)
        .order_by(ranked.c.lesson_id, AttemptAnswer.bank_question_id, band)).all()
    attempts = {q: marks.get(q, (0, 0))[0] for q, _ in quizzes}
    if not rows:
        return [QuizItems(q, title, attempts[q], []) for q, title in quizzes]
    # The question as last given in the quiz (its snapshot names the options the responses point at).
    latest: dict[tuple[int, int], int] = {}
    for lesson_id, qid, *_, last in rows:
        latest[(lesson_id, qid)] = max(latest.get((lesson_id, qid), last), last)
    given = dict(conn.execute(select(AttemptAnswer.id, AttemptAnswer.question).where(AttemptAnswer.id.in_(sorted(set(latest.values()))))).all())
    snapshots = {key: given.get(answer_id) for key, answer_id in latest.items()}
    # Wrong answers to choice questions, by response (a handful of distinct values each).
    choice_ids = sorted({qid for (_, qid), spec in snapshots.items() if (spec or {}).get("type") in items.CHOICE_TYPES})
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
    for lesson_id, qid, group, count, credit, full, position, _ in rows:
        spec = snapshots.get((lesson_id, qid)) or {}
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
    for quiz, title in quizzes:
        keys = sorted((key for key in tallies if key[0] == quiz), key=lambda key: (first_position[key], key[1]))
        out.append(QuizItems(quiz, title, attempts[quiz], [items.analyse(tallies[key]) for key in keys]))
    return out


# --- the dashboard -----------------------------------------------------------------------------

def _finish(c: _Course) -> CourseDashboard:
    """The board from the sums (a few hundred numbers and the at-risk list's order)."""
    funnel = [FunnelStep(lesson_id, title, kind, c.reached[lesson_id], c.finished[lesson_id], _median(c.seconds.get(lesson_id)))
              for lesson_id, title, kind in c.lessons]
    scores = [ScoreDistribution(i.lesson_id, i.title, i.kind, tuple(c.scores[(i.id, b)] for b in range(SCORE_BINS)))
              for i in c.book.items if i.lesson_id is not None]
    letters = [(letter, c.letters[letter]) for letter, _ in c.book.scale]
    grades = [*letters, (NOT_GRADED, len(c.shares) - sum(n for _, n in letters))]
    return CourseDashboard(c.course_id, c.title, len(c.shares), c.active, funnel, c.quizzes, scores, grades,
                           [row for _, row in c.flagged], utcnow())


def _compute(session: Session, actor: Actor, course: Course) -> _Course:
    lessons = _lessons(session, course.id)
    book = gradebook.book(session, actor, course.id)
    c = _Course(course.id, course.title, [(le.id, le.title, le.kind) for le in lessons],
                frozenset(le.id for le in progress.counted_lessons(course, lessons)), course.access_days or risk.EXPECTED_DAYS, book,
                utcnow())
    conn = session.connection()
    c.fill(_read_shares(conn, c))
    quizzes = [(lesson_id, title) for lesson_id, title, kind in c.lessons if kind == "quiz"]
    c.quiz_marks = _quiz_marks(conn, [q for q, _ in quizzes])
    c.quizzes = _quiz_items(conn, quizzes, c.quiz_marks)
    c.board = _finish(c)
    return c


def _patch(c: _Course, changes: list[live.Change]) -> _Course:
    """Re-read the learners who acted in the course (their share of every figure) and, when a
    quiz was handed in, the item analysis of the quizzes with new graded attempts; the rest
    stays. Runs on a later read than the one that computed the entry: its own session."""
    mine = [change for change in changes if change.course_id == c.course_id]
    if not mine:
        return c
    user_ids = sorted({change.user_id for change in mine})
    with c.lock:
        # Everything is read first: a failed read leaves the entry as it was.
        with db.session_scope() as session:
            conn = session.connection()
            shares = _read_shares(conn, c, user_ids)
            marks, fresh = c.quiz_marks, {}
            if any(change.kind == "quiz_submitted" for change in mine):
                quizzes = [(lesson_id, title) for lesson_id, title, kind in c.lessons if kind == "quiz"]
                marks = _quiz_marks(conn, [q for q, _ in quizzes])
                stale = [(q, title) for q, title in quizzes if marks.get(q) != c.quiz_marks.get(q)]
                fresh = {q.lesson_id: q for q in _quiz_items(conn, stale, marks)}
        c.replace(shares, user_ids)
        if fresh:
            c.quizzes = [fresh.get(q.lesson_id, q) for q in c.quizzes]
        c.quiz_marks = marks
        c.board = _finish(c)
    return c


def course_dashboard(session: Session, actor: Actor, course_id: int) -> CourseDashboard:
    """The course's analytics for its staff: funnel, quiz items, at-risk learners, score and
    grade distributions."""
    course = courses.staffed_course(session, actor, course_id)
    # The course's last edit is in the key: a changed outline (lessons added, moved, renamed)
    # announces no learning change but must not show the old lessons.
    cached = dashboard_cache.cached(("course-analytics", course.id, course.updated_at), course.org_id,
                                    lambda: _compute(session, actor, course), patch=_patch)
    return cached.board


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
