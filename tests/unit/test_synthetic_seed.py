"""The synthetic data set the dashboards are measured on: reproducible, consistent with itself
(events, progress, attempts, enrollments tell the same story), skewed like real use, with
drop-off along courses and failing learners; bulk-inserted on SQLite and (COPY) PostgreSQL."""

from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from sqlalchemy import func
from sqlmodel import select

from lms_app import db
from lms_app.models import (
    ActivityEvent, Course, Enrollment, Lesson, LessonProgress, Module, QuizAttempt, Submission, User,
)
from lms_app.services import seed, seed_activity

END = datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc)
SMALL = seed.SyntheticSize(users=300, courses=8, enrollments=1_500)


def _seed(size, **kw) -> dict[str, int]:
    with db.session_scope() as s:
        return seed.seed_synthetic(s, size, end=END, **kw)


def _sample(session) -> tuple:
    """Rows of the data set, ids counted from each table's first (PostgreSQL's sequences go on
    after the tables were emptied)."""
    first = {model: session.exec(select(func.min(model.id))).one() or 0 for model in (User, Course, Lesson, Enrollment)}

    def rel(model, value):
        return None if value is None else value - first[model]

    events = [(rel(User, e.user_id), rel(Course, e.course_id), rel(Lesson, e.lesson_id), e.kind, e.at, e.score)
              for e in session.exec(select(ActivityEvent).order_by(ActivityEvent.id).limit(300)).all()]
    runs = [(rel(User, r.user_id), rel(Course, r.course_id), r.status, r.enrolled_at, r.completed_at, r.last_activity_at)
            for r in session.exec(select(Enrollment).order_by(Enrollment.id).limit(300)).all()]
    done = [(rel(Enrollment, p.enrollment_id), rel(Lesson, p.lesson_id), p.status, p.completed_at, p.seconds_spent)
            for p in session.exec(select(LessonProgress).order_by(LessonProgress.id).limit(300)).all()]
    return events, runs, done


def test_same_seed_gives_the_same_data_and_another_seed_other_data(engine, session):
    from tests.conftest import _empty_all_tables

    from lms_app.services.setup import ensure_installation

    first_counts = _seed(SMALL)
    first = _sample(session)
    assert first_counts["enrollments"] == 1_500 and first_counts["activity_events"] > 3_000
    _empty_all_tables(engine)
    with db.session_scope() as s:
        ensure_installation(s)
    assert _seed(SMALL) == first_counts
    assert _sample(session) == first
    _empty_all_tables(engine)
    with db.session_scope() as s:
        ensure_installation(s)
    _seed(SMALL, seed=8)
    assert _sample(session)[0] != first[0]


def test_size_s_tells_one_consistent_skewed_story(engine, session):
    counts = _seed("S")
    assert counts["users"] == 1_000 and counts["courses"] == 20 and counts["enrollments"] == seed.SYNTHETIC_SIZES["S"].enrollments
    user_ids = set(session.exec(select(User.id)).all())
    course_ids = set(session.exec(select(Course.id)).all())
    events = session.exec(select(ActivityEvent.user_id, ActivityEvent.course_id, ActivityEvent.lesson_id, ActivityEvent.kind,
                                 ActivityEvent.at, ActivityEvent.score)).all()
    assert len(events) == counts["activity_events"]
    kinds = Counter(e.kind for e in events)
    assert set(kinds) == {"login", "enrolled", "lesson_opened", "lesson_completed", "quiz_submitted", "assignment_submitted", "course_completed"}

    # Every event's person and course exist; every moment lies in the history before the end.
    assert {e.user_id for e in events} <= user_ids
    assert {e.course_id for e in events if e.course_id is not None} <= course_ids
    assert all(e.course_id is None for e in events if e.kind == "login")
    oldest = END - timedelta(days=seed_activity.HISTORY_DAYS + 3)  # a weekend start moves to the Friday before
    assert all(oldest <= e.at <= END for e in events)

    # The events say what the rows say.
    runs = {r.id: r for r in session.exec(select(Enrollment)).all()}
    assert kinds["enrolled"] == len(runs)
    completed = [r for r in runs.values() if r.status == "completed"]
    assert kinds["course_completed"] == len(completed) > 0
    ended = {(e.user_id, e.course_id, e.at) for e in events if e.kind == "course_completed"}
    assert ended == {(r.user_id, r.course_id, r.completed_at) for r in completed}
    rows = session.exec(select(LessonProgress)).all()
    done = Counter((runs[p.enrollment_id].user_id, runs[p.enrollment_id].course_id, p.lesson_id, p.completed_at)
                   for p in rows if p.status == "done")
    assert Counter((e.user_id, e.course_id, e.lesson_id, e.at) for e in events if e.kind == "lesson_completed") == done
    opened = Counter((runs[p.enrollment_id].user_id, runs[p.enrollment_id].course_id, p.lesson_id, p.started_at) for p in rows)
    assert Counter((e.user_id, e.course_id, e.lesson_id, e.at) for e in events if e.kind == "lesson_opened") == opened
    for p in rows:
        if p.status == "done":
            assert p.started_at <= p.completed_at
    attempts = session.exec(select(QuizAttempt).where(QuizAttempt.submitted_at.is_not(None))).all()
    assert Counter((a.user_id, a.lesson_id, a.submitted_at, None if a.fraction is None else round(100 * a.fraction, 1)) for a in attempts) == \
        Counter((e.user_id, e.lesson_id, e.at, e.score) for e in events if e.kind == "quiz_submitted")
    submissions = session.exec(select(Submission)).all()
    assert Counter((s.user_id, s.lesson_id, s.submitted_at) for s in submissions) == \
        Counter((e.user_id, e.lesson_id, e.at) for e in events if e.kind == "assignment_submitted")
    # A login comes before each person's first activity of a day, and only then.
    first_of_day: dict[tuple, datetime] = {}
    for e in events:
        if e.kind != "login":
            key = (e.user_id, e.at.date())
            first_of_day[key] = min(first_of_day.get(key, e.at), e.at)
    logins = [e for e in events if e.kind == "login"]
    assert len(logins) == len(first_of_day)
    never_seen = END + timedelta(days=1)
    for e in logins:
        days = {e.at.date(), (e.at + timedelta(minutes=15)).date()}
        assert any(timedelta(0) < first_of_day.get((e.user_id, d), never_seen) - e.at <= timedelta(minutes=15) for d in days)
    # A run's last activity is its latest event.
    latest: dict[tuple, datetime] = {}
    for e in events:
        if e.course_id is not None and e.kind != "enrolled":
            key = (e.user_id, e.course_id)
            latest[key] = max(latest.get(key, e.at), e.at)
    for r in runs.values():
        if r.last_activity_at is not None:
            assert r.last_activity_at <= latest[(r.user_id, r.course_id)]

    # Drop-off: along every course, fewer runs reach each later lesson, and few finish.
    order = {lid: n for n, lid in enumerate(session.exec(
        select(Lesson.id).join(Module, Module.id == Lesson.module_id).order_by(Lesson.course_id, Module.position, Lesson.position)).all())}
    course_of = dict(session.exec(select(Lesson.id, Lesson.course_id)).all())
    reached: dict[int, Counter] = defaultdict(Counter)
    for p in rows:
        if p.status == "done":
            reached[course_of[p.lesson_id]][order[p.lesson_id]] += 1
    for course_id, per_lesson in reached.items():
        positions = sorted(per_lesson)
        counts_along = [per_lesson[k] for k in positions]
        assert counts_along == sorted(counts_along, reverse=True), course_id
        assert counts_along[0] > 2 * counts_along[-1], course_id
    assert 0.03 < len(completed) / len(runs) < 0.3
    never = sum(1 for r in runs.values() if r.last_activity_at is None)
    assert 0.25 < never / len(runs) < 0.7

    # Skewed: a tenth of the people do a third of the lessons; popular and unpopular courses.
    per_person = Counter(e.user_id for e in events if e.kind == "lesson_completed")
    top = sum(n for _, n in per_person.most_common(len(user_ids) // 10))
    assert top > 0.3 * sum(per_person.values())
    per_course = Counter(r.course_id for r in runs.values())
    assert max(per_course.values()) > 3 * min(per_course.values())
    # Some failing learners: failed attempts, and people whose average score is poor.
    graded = [a for a in attempts if a.passed is not None]
    assert 0.1 < sum(not a.passed for a in graded) / len(graded) < 0.5
    scores: dict[int, list[float]] = defaultdict(list)
    for a in graded:
        scores[a.user_id].append(a.fraction)
    poor = [u for u, fr in scores.items() if sum(fr) / len(fr) < 0.6]
    assert 0.02 * len(scores) < len(poor) < 0.3 * len(scores)
    # A working week: weekdays busier than weekends, days busier than nights.
    by_weekday = Counter(e.at.weekday() for e in events if e.kind != "login")
    assert min(by_weekday[d] for d in range(5)) > 2 * max(by_weekday[5], by_weekday[6])
    assert sum(1 for e in events if 6 <= e.at.hour < 23) > 0.95 * len(events)


def test_a_large_log_is_inserted_then_indexed(engine, session, monkeypatch):
    from sqlalchemy import inspect

    from lms_app.models import Organization

    monkeypatch.setattr(seed_activity, "REINDEX_FROM", 2)
    org = session.exec(select(Organization)).first()
    with db.session_scope() as s:
        seed_activity.bulk_insert(s, User, [{"org_id": org.id, "email": "log@example.com", "name": "Log"}])
        user_id = s.exec(select(User.id).where(User.email == "log@example.com")).one()
        events = [(org.id, user_id, None, None, "login", END - timedelta(hours=h), None) for h in range(5)]
        assert seed_activity.insert_events(s, events) == 5
    names = {index["name"] for index in inspect(engine).get_indexes("activityevent")}
    assert {index.name for index in ActivityEvent.__table__.indexes} <= names
    assert session.exec(select(func.count(ActivityEvent.id)).where(ActivityEvent.user_id == user_id)).one() == 5


def test_bulk_insert_writes_what_the_orm_writes(engine, session):
    """The same values read back through the ORM, whichever path wrote them (executemany on
    SQLite, COPY on PostgreSQL): UTC timestamps, JSON, booleans, None, defaults."""
    from lms_app.models import Organization

    org = session.exec(select(Organization)).first()
    at = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=timezone.utc)
    with db.session_scope() as s:
        seed_activity.bulk_insert(s, User, [{"org_id": org.id, "email": "bulk@example.com", "name": "Bulk O'Brien\ttab", "is_active": False}])
        user_id = s.exec(select(User.id).where(User.email == "bulk@example.com")).one()
        n = seed_activity.bulk_insert(s, ActivityEvent, [(org.id, user_id, None, None, "login", at, None),
                                                         (org.id, user_id, None, None, "quiz_submitted", at + timedelta(hours=1), 87.5)],
                                      seed_activity.EVENT_COLUMNS)
        assert n == 2
    user = session.exec(select(User).where(User.email == "bulk@example.com")).one()
    assert user.name == "Bulk O'Brien\ttab" and user.is_active is False and user.created_at is not None and user.locale
    rows = session.exec(select(ActivityEvent).where(ActivityEvent.user_id == user.id).order_by(ActivityEvent.at)).all()
    assert [(r.kind, r.at, r.score) for r in rows] == [("login", at, None), ("quiz_submitted", at + timedelta(hours=1), 87.5)]
    # Comparisons in SQL see the same moments as the ORM would have written.
    assert session.exec(select(func.count(ActivityEvent.id)).where(ActivityEvent.at >= at, ActivityEvent.user_id == user.id)).one() == 2
