"""Area "assessments": auto-grading 10,000 submitted quiz attempts.

On a fresh database seeded with `seed --synthetic M` (BENCH_SIZE), BENCH_ATTEMPTS (10,000)
attempts in progress are bulk-inserted on as many (run, quiz) pairs, each with the quiz's
questions (the fixed ones and a draw from the course's category, auto-graded types only, so
every attempt is graded and released at closing) and a learner's responses, their deadline
passed. Then:

- close_overdue: the job's real code path, `quizzes.close_overdue` called in its batches of
  CLOSE_BATCH, one transaction per call as the job runner runs it, until nothing is left:
  each attempt is graded, audit-logged, its quiz grade written to the gradebook and a pass
  completes the lesson. Reported in attempts per second.
- baseline: the same attempts read with one plain SQL query per 1,000 attempts (attempts
  joined to their answers) and graded with the pure `grading.grade` in Python, nothing
  written: the floor under any database path that grades these rows (read + grade), so the
  ratio says what the writes and the per-attempt work of the real path cost.
- grade_only: the pure grading loop alone over the same responses, no database.

BENCH_PROFILE=1 also prints the functions where the real path spends its time (cProfile,
cumulative), measured in a separate pass after the figures.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import base_env, bench_size, info, report, run_cli

AREA = "assessments"
ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "10000"))
READ_CHUNK = 1_000


def run() -> None:
    size = bench_size()
    with tempfile.TemporaryDirectory(prefix="bench-assessments-") as tmp:
        data = Path(tmp) / "lms-data"
        env = base_env(LMS_DATA_DIR=str(data), LMS_JOBS="off")
        run_cli(env, "migrate")
        seconds, out = run_cli(env, "seed", "--synthetic", size)
        info(AREA, f"seeded synthetic {size} in {seconds:.1f} s")
        _measure(f"sqlite:///{data / 'lms.db'}", size)


def _measure(url: str, size: str) -> None:
    from sqlmodel import Session

    from lms_app import db
    from lms_app.services import quizzes

    engine = db.make_engine(url)
    previous = db._engine
    db.set_engine(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            now, ids, facts = _open_attempts(session, ATTEMPTS)
            session.commit()
        info(AREA, f"{len(ids):,} attempts in progress past their deadline on {facts['runs']:,} runs of {facts['quizzes']:,} quizzes "
                   f"({facts['answers']:,} answers); synthetic {size}; SQLite")

        pure_s, pure_points = _grade_only(engine, ids)
        read_s, read_points = _read_and_grade(engine, ids)

        started = time.perf_counter()
        closed, batches = 0, 0
        while True:
            # One job run: its own session and transaction (lms_app.jobs.runner).
            with Session(engine, expire_on_commit=False) as session:
                n = quizzes.close_overdue(session, now=now)
                session.commit()
            if not n:
                break
            closed += n
            batches += 1
        real_s = time.perf_counter() - started
        if closed != len(ids):
            raise RuntimeError(f"close_overdue closed {closed} attempts, expected {len(ids)}")
        real_points = _scores(engine, ids)
        if abs(real_points - read_points) > 0.01 * len(ids) or abs(pure_points - read_points) > 0.01 * len(ids):
            raise RuntimeError(f"the paths disagree on the points: real {real_points}, read+grade {read_points}, pure {pure_points}")

        n = len(ids)
        report(AREA, "close_overdue_attempts_per_s", n / real_s, "attempts/s", n / read_s, baseline_unit="attempts/s (SQL read + grade)",
               note=f"quizzes.close_overdue in {batches} batches of {quizzes.CLOSE_BATCH}, one transaction each; baseline: one plain "
                    f"SQL read per {READ_CHUNK} attempts and grading.grade in Python, nothing written",
               attempts=n, seconds=round(real_s, 2), baseline_seconds=round(read_s, 2), batches=batches)
        report(AREA, "close_overdue_ms_per_attempt", 1000 * real_s / n, "ms", 1000 * read_s / n, baseline_unit="ms (SQL read + grade)")
        report(AREA, "grade_only_attempts_per_s", n / pure_s, "attempts/s", note="grading.grade over the same responses, no database",
               seconds=round(pure_s, 3))
        job_every = 60
        info(AREA, f"the job runs every {job_every} s and closes at most {quizzes.CLOSE_BATCH} per run: {n:,} overdue attempts take "
                   f"{-(-n // quizzes.CLOSE_BATCH) * job_every / 60:.0f} min of job runs to clear, whatever the speed above")
        if os.environ.get("BENCH_PROFILE"):
            _profile(engine)
    finally:
        db.set_engine(previous)
        engine.dispose()


def _open_attempts(session, n: int):
    """Bulk-insert `n` attempts in progress, past their deadline, with their questions and
    responses, on distinct (run, quiz) pairs; returns the closing time, their ids and facts."""
    from sqlalchemy import func
    from sqlmodel import select

    from lms_app.assessments.grading import max_points, shuffled_order
    from lms_app.assessments.questions import MANUAL_TYPES, Question
    from lms_app.assessments.quiz_settings import QuizSettings
    from lms_app.models import AttemptAnswer, BankQuestion, Enrollment, Lesson, QuizAttempt, utcnow
    from lms_app.services.seed_assessments import learner_response

    rng = random.Random(11)
    now = utcnow()
    quizzes = {lid: (cid, org, QuizSettings.from_content(content)) for lid, cid, org, content in session.exec(
        select(Lesson.id, Lesson.course_id, Lesson.org_id, Lesson.content).where(Lesson.kind == "quiz")).all()}
    busy = set(session.exec(select(QuizAttempt.lesson_id, QuizAttempt.enrollment_id).where(QuizAttempt.status == "in_progress")).all())
    numbers = {(lid, eid): number for lid, eid, number in session.exec(
        select(QuizAttempt.lesson_id, QuizAttempt.enrollment_id, func.max(QuizAttempt.number))
        .group_by(QuizAttempt.lesson_id, QuizAttempt.enrollment_id)).all()}
    by_course: dict[int, list[int]] = {}
    for lid, (cid, _, _) in quizzes.items():
        by_course.setdefault(cid, []).append(lid)
    pairs = [(lid, eid, uid) for eid, cid, uid in session.exec(select(Enrollment.id, Enrollment.course_id, Enrollment.user_id)
                                                              .order_by(Enrollment.id)).all()
             for lid in by_course.get(cid, []) if (lid, eid) not in busy]
    if len(pairs) < n:
        raise RuntimeError(f"only {len(pairs)} (run, quiz) pairs to put attempts on; use a larger BENCH_SIZE or fewer BENCH_ATTEMPTS")
    pairs = sorted(rng.sample(pairs, n))
    categories = {item["category_id"] for _, _, s in quizzes.values() for item in s.questions if "category_id" in item}
    bank: dict[int, tuple[int, Question, dict]] = {}
    members: dict[int, list[int]] = {}
    for chunk in _chunks(sorted(categories), 900):
        for qid, cat, spec in session.exec(select(BankQuestion.id, BankQuestion.category_id, BankQuestion.spec)
                                           .where(BankQuestion.category_id.in_(chunk)).order_by(BankQuestion.id)).all():
            bank[qid] = (cat, Question.from_dict(spec), spec)
            members.setdefault(cat, []).append(qid)

    deadline = now - timedelta(minutes=1)
    attempts, answers = [], []
    for lid, eid, uid in pairs:
        _, org, settings = quizzes[lid]
        ids = [item["question_id"] for item in settings.questions if "question_id" in item]
        for item in settings.questions:
            if "category_id" in item:
                pool = [q for q in members[item["category_id"]] if q not in ids and bank[q][1].type not in MANUAL_TYPES]
                ids += rng.sample(pool, item["count"])
        skill = rng.betavariate(5, 1.3)
        attempts.append({"org_id": org, "lesson_id": lid, "enrollment_id": eid, "user_id": uid, "number": numbers.get((lid, eid), 0) + 1,
                         "status": "in_progress", "started_at": deadline - timedelta(minutes=settings.time_limit_minutes or 20),
                         "deadline_at": deadline, "submitted_at": None, "closed_by": None, "released_at": None, "score": None,
                         "max_score": sum(max_points(bank[q][1]) for q in ids), "fraction": None, "passed": None})
        answers.append([{"attempt_id": None, "position": p, "bank_question_id": q, "question_version": 1, "question": bank[q][2],
                         "order": shuffled_order(bank[q][1], rng.randrange(2**31)), "response": learner_response(rng, bank[q][1], rng.random() < skill),
                         "fraction": None, "points": None, "graded_by_id": None, "graded_at": None, "feedback": "", "rubric": None,
                         "updated_at": deadline} for p, q in enumerate(ids, 1)])
    last = session.exec(select(QuizAttempt.id).order_by(QuizAttempt.id.desc())).first() or 0
    for chunk in _chunks(attempts, 5_000):
        session.execute(QuizAttempt.__table__.insert(), chunk)
    ids = list(session.exec(select(QuizAttempt.id).where(QuizAttempt.id > last).order_by(QuizAttempt.id)).all())
    flat = []
    for attempt_id, rows in zip(ids, answers):
        for row in rows:
            row["attempt_id"] = attempt_id
            flat.append(row)
    for chunk in _chunks(flat, 5_000):
        session.execute(AttemptAnswer.__table__.insert(), chunk)
    facts = {"runs": len({eid for _, eid, _ in pairs}), "quizzes": len({lid for lid, _, _ in pairs}), "answers": len(flat)}
    return now, ids, facts


def _chunks(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _rows(engine, ids: list[int]):
    """(attempt id, question spec, response) of the attempts' answers, by plain SQL."""
    from sqlalchemy import select

    from lms_app.models import AttemptAnswer

    with engine.connect() as conn:
        for chunk in _chunks(ids, READ_CHUNK):
            yield from conn.execute(select(AttemptAnswer.attempt_id, AttemptAnswer.question, AttemptAnswer.response)
                                    .where(AttemptAnswer.attempt_id.in_(chunk)).order_by(AttemptAnswer.attempt_id, AttemptAnswer.position)).all()


def _grade_all(rows) -> float:
    from lms_app.assessments.grading import grade
    from lms_app.assessments.questions import Question

    total = 0.0
    for _, spec, response in rows:
        total += grade(Question.from_dict(spec), response).points or 0.0
    return round(total, 2)


def _grade_only(engine, ids: list[int]) -> tuple[float, float]:
    rows = list(_rows(engine, ids))  # loaded first: only the grading is timed
    started = time.perf_counter()
    points = _grade_all(rows)
    return time.perf_counter() - started, points


def _read_and_grade(engine, ids: list[int]) -> tuple[float, float]:
    started = time.perf_counter()
    points = _grade_all(_rows(engine, ids))
    return time.perf_counter() - started, points


def _scores(engine, ids: list[int]) -> float:
    from sqlalchemy import func, select

    from lms_app.models import QuizAttempt

    total = 0.0
    with engine.connect() as conn:
        for chunk in _chunks(ids, READ_CHUNK):
            total += conn.execute(select(func.sum(QuizAttempt.score)).where(QuizAttempt.id.in_(chunk), QuizAttempt.status == "graded")).scalar() or 0.0
    return round(total, 2)


def _profile(engine) -> None:
    """Where close_overdue spends its time: another CLOSE_BATCH x 5 attempts, under cProfile."""
    from sqlmodel import Session

    from lms_app.services import quizzes

    with Session(engine, expire_on_commit=False) as session:
        now, ids, _ = _open_attempts(session, quizzes.CLOSE_BATCH * 5)
        session.commit()
    profiler = cProfile.Profile()
    profiler.enable()
    while True:
        with Session(engine, expire_on_commit=False) as session:
            n = quizzes.close_overdue(session, now=now)
            session.commit()
        if not n:
            break
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(r"lms_app|sqlalchemy/orm/session.py.*(flush|execute|get)|commit", 40)
    for line in out.getvalue().splitlines():
        if line.strip():
            info(AREA, "profile: " + line)
