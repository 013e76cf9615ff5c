"""Area "compliance": evaluating every requirement and every reminder of the synthetic data set
(BENCH_SIZE, M by default: 10k people, about 30k assignments), on SQLite and, when it answers,
on PostgreSQL (LMS_BENCH_PG_URL). Seeded once per database with `seed --synthetic`, which
writes the compliance story (lms_app.services.seed_compliance) with the rest.

Figures, in-process through the services, each in its own transaction (committed, as the
recurring jobs do):
- sync_first / sync: `requirements.sync` over the whole organization, on the freshly seeded
  data (nothing to change: the run reads every audience and every person's current round) and
  again (median of 3);
- sync_new_requirement: the run after a requirement for everyone on a popular catalog course
  was added (every active person assigned, runs started, "assigned" notifications queued),
  then sync_after_new again (nothing to change, one requirement more);
- reminders_scan: `reminders.pending` (the whole scan: open assignments, certificates about
  to expire, manager digests, the dedupe keys already used; median of 3);
- reminders_send_all: `reminders.run` until nothing waits (BATCH notices per run, each run
  committed), then reminders_again: the run once everything was sent (median of 3);
- report_rows: `requirements.assignment_rows` for the whole organization (the compliance
  report's read; median of 3).
Each beside the plain SQL count of the same rows (current assignments joined with their
requirement, their people and their runs), timed in the same run; the per-learner figures
divide by the organization's active people. Also the seconds `seed --synthetic` takes and
the share of it the compliance story takes. Issuing 1,000 certificate PDFs is the
certificates area's figure.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from bench.common import base_env, bench_size, fresh_postgres, info, median, report, run_cli

AREA = "compliance"
PLAIN_REPEAT = 5
REPEAT = 3


def run() -> None:
    size = bench_size()
    with tempfile.TemporaryDirectory(prefix="bench-compliance-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "lms-data"
        env = base_env(LMS_DATA_DIR=str(data), LMS_JOBS="off")
        run_cli(env, "migrate")
        _seed(env, size, "sqlite")
        _measure(f"sqlite:///{data / 'lms.db'}", size, "sqlite")
        _postgres(tmp_path, size)


def _seed(env: dict[str, str], size: str, backend: str) -> None:
    seconds, out = run_cli(env, "seed", "--synthetic", size)
    report(AREA, f"seed_synthetic_{size}_{backend}", seconds, "s", note=f"python -m lms_app seed --synthetic {size} on a fresh {backend} database",
           output=out.splitlines()[-1] if out else "")
    # The seed's progress lines ("  12.3 s  what"): the compliance story runs from the line
    # before its "requirements" line to its "certificates" line.
    lines = [(float(m.group(1)), m.group(2)) for m in re.finditer(r"^\s*([\d.]+) s\s+(.*)$", out, re.MULTILINE)]
    ends = [n for n, (_, text) in enumerate(lines) if text.endswith("external trainings")]
    starts = [n for n, (_, text) in enumerate(lines) if re.match(r"\d+ requirements, ", text)]
    if ends and starts and starts[0] > 0:
        part = lines[ends[0]][0] - lines[starts[0] - 1][0]
        report(AREA, f"seed_compliance_{size}_{backend}", part, "s", seconds, baseline_unit="s (the whole seed)",
               note="the compliance story's share of the seed (requirements, assignments, runs, certificates, events)",
               lines=[text for _, text in lines[starts[0]:ends[0] + 1]])


# ----------------------------------------------------------------------------- the measurements

def _timed(fn, repeat: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(round((time.perf_counter() - started) * 1000, 2))
    return median(samples), samples


def _measure(url: str, size: str, backend: str) -> None:
    from sqlalchemy import func, select
    from sqlmodel import Session

    from lms_app import db
    from lms_app.models import Course, Enrollment, Organization, Requirement, RequirementAssignment, User, utcnow
    from lms_app.services import reminders, requirements

    engine = db.make_engine(url)
    previous = db._engine
    db.set_engine(engine)
    suffix = "" if backend == "sqlite" else f"_{backend}"
    try:
        with Session(engine) as session:
            org_id = session.exec(select(Organization.id).order_by(Organization.id)).scalars().first()
            learners = session.exec(select(func.count(User.id)).where(User.org_id == org_id, User.is_active.is_(True))).scalar_one()

        def plain_count() -> int:
            with engine.connect() as conn:
                return conn.execute(
                    select(func.count(RequirementAssignment.id))
                    .join(Requirement, Requirement.id == RequirementAssignment.requirement_id)
                    .join(User, User.id == RequirementAssignment.user_id)
                    .join(Enrollment, Enrollment.id == RequirementAssignment.enrollment_id, isouter=True)
                    .where(RequirementAssignment.org_id == org_id, RequirementAssignment.removed_at.is_(None))).scalar_one()

        def baseline() -> tuple[float, int]:
            ms, _ = _timed(plain_count, PLAIN_REPEAT)
            return ms, plain_count()

        def figure(name: str, ms: float, plain_ms: float, note: str, **details) -> None:
            report(AREA, f"{name}{suffix}", ms, "ms", plain_ms, baseline_unit="ms (plain SQL count)", note=note, size=size,
                   learners=learners, **details)
            report(AREA, f"{name}_per_learner{suffix}", ms * 1000 / learners, "µs", plain_ms * 1000 / learners,
                   baseline_unit="µs (plain SQL count)", note=f"{name} per active person ({learners:,})", size=size)

        def sync_run() -> int:
            with Session(engine, expire_on_commit=False) as session:
                changed = requirements.sync(session, org_id)
                session.commit()
                return changed

        plain_ms, rows = baseline()
        info(AREA, f"{backend}, size {size}: {learners:,} active people, {rows:,} current assignments "
                   f"(plain count {plain_ms:.1f} ms)")

        started = time.perf_counter()
        changed = sync_run()
        first = (time.perf_counter() - started) * 1000
        figure("sync_first", first, plain_ms, f"requirements.sync over the organization on the freshly seeded data ({changed} changes)",
               changes=changed)
        changes = []
        ms, samples = _timed(lambda: changes.append(sync_run()), REPEAT)
        figure("sync", ms, plain_ms, f"requirements.sync again (median of {REPEAT}; changes {changes})", samples=samples, changes=changes)

        with Session(engine, expire_on_commit=False) as session:
            required = select(Requirement.course_id).where(Requirement.course_id.is_not(None))
            course_id = session.exec(
                select(Enrollment.course_id).join(Course, Course.id == Enrollment.course_id)
                .where(Course.org_id == org_id, Course.visibility == "published", Course.id.not_in(required))
                .group_by(Enrollment.course_id).order_by(func.count(Enrollment.id).desc(), Enrollment.course_id).limit(1)).scalars().first()
            session.add(Requirement(org_id=org_id, course_id=course_id, audience="everyone", due_mode="after_assignment", due_days=30,
                                    recert_months=12))
            session.commit()
        started = time.perf_counter()
        changed = sync_run()
        new_ms = (time.perf_counter() - started) * 1000
        plain_ms, rows = baseline()
        figure("sync_new_requirement", new_ms, plain_ms,
               f"requirements.sync after a requirement for everyone on course {course_id} was added ({changed:,} assigned, "
               f"runs started, notifications queued)", changes=changed, assignments=rows)
        changes = []
        ms, samples = _timed(lambda: changes.append(sync_run()), REPEAT)
        figure("sync_after_new", ms, plain_ms, f"requirements.sync again with the new requirement (median of {REPEAT}; changes {changes})",
               samples=samples, changes=changes)

        now = utcnow()

        def scan() -> int:
            with Session(engine, expire_on_commit=False) as session:
                return len(reminders.pending(session, now=now))

        notices = scan()
        ms, samples = _timed(scan, REPEAT)
        figure("reminders_scan", ms, plain_ms, f"reminders.pending: the whole scan ({notices:,} notices due, none sent yet; median of {REPEAT})",
               samples=samples, notices=notices)

        def send() -> tuple[int, int]:
            with Session(engine, expire_on_commit=False) as session:
                result = reminders.run(session, now=now)
                session.commit()
                return result.sent, result.waiting

        sent, runs, started = 0, 0, time.perf_counter()
        while True:
            got, waiting = send()
            sent, runs = sent + got, runs + 1
            if not waiting or not got:
                break
        all_ms = (time.perf_counter() - started) * 1000
        figure("reminders_send_all", all_ms, plain_ms, f"reminders.run until nothing waits: {sent:,} notices in {runs} runs of at most "
                                                      f"{reminders.BATCH}", sent=sent, runs=runs)
        if sent:
            report(AREA, f"reminders_per_notice{suffix}", all_ms / sent, "ms", note="reminders_send_all per notice sent (notification row, "
                   "email queued when the person's preference allows)", size=size)
        ms, samples = _timed(send, REPEAT)
        figure("reminders_again", ms, plain_ms, f"reminders.run once everything was sent (the scan finds nothing new; median of {REPEAT})",
               samples=samples)

        counted = []

        def report_rows() -> None:
            with Session(engine, expire_on_commit=False) as session:
                counted.append(len(requirements.assignment_rows(session, org_id, now=now)))

        plain_ms, rows = baseline()
        ms, samples = _timed(report_rows, REPEAT)
        figure("report_rows", ms, plain_ms, f"requirements.assignment_rows for the whole organization ({counted[-1]:,} rows, the compliance "
                                            f"report's read; median of {REPEAT})", samples=samples, rows=counted[-1], plain_rows=rows)
    finally:
        db.set_engine(previous)
        engine.dispose()


# ----------------------------------------------------------------------------- PostgreSQL

def _postgres(tmp: Path, size: str) -> None:
    with fresh_postgres(AREA, tmp) as database:
        if database is not None:
            env, url = database
            _seed(env, size, "postgres")
            _measure(url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url, size, "postgres")
