"""The job runner: claims ready jobs one at a time and runs their handlers.

Safe with several runners (app workers, `python -m lms_app jobs`) on one database:
- a claim is atomic: `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional UPDATE
  whose row count says who won on SQLite;
- a claim is a lease: it is renewed while the handler runs; a job whose lease ran out (its
  runner died) is ready again;
- a job is finished only by the runner that still owns the claim (same claimed_by and attempt),
  in the same transaction as the handler's own writes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
import time
import traceback
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from lms_app import db, settings
from lms_app.jobs import JobContext, PermanentJobError, get_handler
from lms_app.jobs import handlers as _handlers  # noqa: F401  (registers the product's handlers)
from lms_app.models import Job, JobRun, RunnerHeartbeat, utcnow
from lms_app.models.jobs import JOB_DEAD, JOB_DONE, JOB_QUEUED, JOB_RUNNING

log = logging.getLogger("lms_app.jobs")

BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 6 * 3600.0
# After a database error the loop waits this long before trying again.
ERROR_PAUSE_SECONDS = 5.0
HEARTBEAT_EVERY_SECONDS = 5.0


def default_runner_name() -> str:
    return f"{socket.gethostname()[:60]}-{os.getpid()}-{secrets.token_hex(3)}"


def backoff_seconds(attempts: int, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """Wait before the next attempt: base * 2^attempts, capped."""
    return min(cap, base * (2 ** min(attempts, 30)))


def _ready(now):
    return or_(
        and_(Job.status == JOB_QUEUED, Job.run_at <= now),
        and_(Job.status == JOB_RUNNING, Job.lease_until < now),
    )


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Claim:
    """A job this runner owns: the context for its handler plus the claim token (runner, attempt)."""

    def __init__(self, job: JobContext, run_id: int):
        self.job = job
        self.run_id = run_id

    def owned(self):
        return and_(Job.id == self.job.id, Job.status == JOB_RUNNING, Job.claimed_by == self.job.runner, Job.attempts == self.job.attempt)


class _LeaseKeeper:
    """Renews the lease of a running job every third of the lease, in its own thread."""

    def __init__(self, runner: Runner, claim: _Claim):
        self.runner, self.claim = runner, claim
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name=f"lease-{claim.job.id}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()

    def join(self):
        self.stop.set()
        self.thread.join(timeout=30)

    def _loop(self):
        interval = max(0.05, self.runner.lease_seconds / 3)
        while not self.stop.wait(interval):
            try:
                with Session(self.runner.engine) as session:
                    result = session.execute(
                        update(Job).where(self.claim.owned()).values(lease_until=utcnow() + timedelta(seconds=self.runner.lease_seconds))
                    )
                    session.commit()
                if result.rowcount != 1 and not self.stop.is_set():
                    log.warning("job %s: claim lost while running (another runner took it over)", self.claim.job.id)
                    return
            except Exception:
                log.exception("job %s: could not renew the lease; trying again", self.claim.job.id)


class Runner:
    """Claims and runs jobs. `run_until_idle()` drains what is ready; `run_forever()` polls."""

    def __init__(
        self,
        name: str | None = None,
        *,
        engine: Engine | None = None,
        lease_seconds: float | None = None,
        poll_seconds: float | None = None,
        backoff_base: float = BACKOFF_BASE_SECONDS,
        backoff_cap: float = BACKOFF_CAP_SECONDS,
        stop_event: threading.Event | None = None,
        schedule_recurring: bool = False,
    ):
        self.name = (name or default_runner_name())[:100]
        self._engine = engine
        self.lease_seconds = float(lease_seconds if lease_seconds is not None else settings.JOBS_LEASE_SECONDS)
        self.poll_seconds = float(poll_seconds if poll_seconds is not None else settings.JOBS_POLL_SECONDS)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.stop_event = stop_event or threading.Event()
        self._last_heartbeat = 0.0
        # The app's and the CLI's runners also put the clock-driven jobs on the queue.
        self.schedule_recurring = schedule_recurring

    @property
    def engine(self) -> Engine:
        return self._engine or db.get_engine()

    # --- loops ------------------------------------------------------------------------------

    def run_until_idle(self) -> int:
        """Run ready jobs until none is left (or stop is asked); returns how many were run."""
        ran = 0
        while not self.stop_event.is_set():
            self.heartbeat()
            if not self.run_one():
                break
            ran += 1
        return ran

    def run_forever(self) -> None:
        """Poll for work until stop_event is set. A database error is logged, then retried after a pause."""
        log.info("job runner %s started", self.name)
        while not self.stop_event.is_set():
            try:
                self.heartbeat(force=False)
                if self.run_one():
                    continue
                self.stop_event.wait(self.poll_seconds)
            except Exception:
                log.exception("job runner %s: error in the loop; retrying in %.0f s", self.name, ERROR_PAUSE_SECONDS)
                self.stop_event.wait(ERROR_PAUSE_SECONDS)
        log.info("job runner %s stopped", self.name)

    def stop(self) -> None:
        self.stop_event.set()

    def heartbeat(self, force: bool = False) -> None:
        """Record that this runner is alive (at most every few seconds)."""
        if not force and time.monotonic() - self._last_heartbeat < HEARTBEAT_EVERY_SECONDS:
            return
        with Session(self.engine) as session:
            row = session.get(RunnerHeartbeat, self.name)
            if row is None:
                session.add(RunnerHeartbeat(runner=self.name, seen_at=utcnow()))
            else:
                row.seen_at = utcnow()
                session.add(row)
            if self.schedule_recurring:
                _handlers.schedule_recurring(session, utcnow())
            session.commit()
        self._last_heartbeat = time.monotonic()

    # --- one job ----------------------------------------------------------------------------

    def run_one(self) -> bool:
        """Claim one ready job and run it. False when nothing was ready."""
        claim = self._claim()
        if claim is None:
            return False
        self._execute(claim)
        return True

    def _claim(self) -> _Claim | None:
        with Session(self.engine) as session:
            if db.is_postgres(session):
                return self._claim_postgres(session)
            return self._claim_sqlite(session)

    def _claim_postgres(self, session: Session) -> _Claim | None:
        while True:
            now = utcnow()
            row = session.execute(
                select(Job.id, Job.status, Job.attempts, Job.max_attempts, Job.claimed_by)
                .where(_ready(now)).order_by(Job.run_at, Job.id).limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                session.rollback()
                return None
            if self._give_up_abandoned(session, row, now):
                session.commit()
                continue
            session.execute(update(Job).where(Job.id == row.id).values(self._claim_values(now)))
            claim = self._start_run(session, row.id, now)
            session.commit()
            return claim

    def _claim_sqlite(self, session: Session) -> _Claim | None:
        while True:
            now = utcnow()
            rows = session.execute(
                select(Job.id, Job.status, Job.attempts, Job.max_attempts, Job.claimed_by)
                .where(_ready(now)).order_by(Job.run_at, Job.id).limit(8)
            ).all()
            if not rows:
                session.rollback()
                return None
            for row in rows:
                if self._give_up_abandoned(session, row, now):
                    session.commit()
                    continue
                # The row count of this conditional UPDATE says whether this runner won the job.
                result = session.execute(
                    update(Job).where(Job.id == row.id, Job.attempts == row.attempts, _ready(now)).values(self._claim_values(now))
                )
                if result.rowcount != 1:
                    session.rollback()
                    continue
                claim = self._start_run(session, row.id, now)
                session.commit()
                return claim
            # Every candidate went to another runner (or was given up): look again.

    def _claim_values(self, now) -> dict:
        return {
            "status": JOB_RUNNING,
            "claimed_by": self.name,
            "lease_until": now + timedelta(seconds=self.lease_seconds),
            "attempts": Job.attempts + 1,
        }

    def _give_up_abandoned(self, session: Session, row, now) -> bool:
        """A job whose runner died with it: close that run; dead if it has used all its attempts."""
        if row.status != JOB_RUNNING:
            return False
        session.execute(
            update(JobRun).where(JobRun.job_id == row.id, JobRun.runner == row.claimed_by, JobRun.finished_at.is_(None))
            .values(finished_at=now, error="The runner stopped responding while running this job (its lease ran out).")
        )
        if row.attempts < row.max_attempts:
            return False
        error = f"Gave up after {row.attempts} attempts: the runner stopped responding while running this job."
        result = session.execute(
            update(Job).where(Job.id == row.id, Job.attempts == row.attempts, _ready(now))
            .values(status=JOB_DEAD, last_error=error, finished_at=now, lease_until=None)
        )
        if result.rowcount == 1:
            job = session.get(Job, row.id)
            self._notify_failure(session, self._context(job), error, dead=True)
            log.error("job %s (%s) is dead: %s", job.id, job.kind, error)
        return True

    def _start_run(self, session: Session, job_id: int, now) -> _Claim:
        job = session.get(Job, job_id, populate_existing=True)
        run = JobRun(job_id=job_id, runner=self.name, started_at=now)
        session.add(run)
        session.flush()
        return _Claim(self._context(job), run.id)

    def _context(self, job: Job) -> JobContext:
        return JobContext(id=job.id, kind=job.kind, payload=dict(job.payload or {}), attempt=job.attempts,
                          max_attempts=job.max_attempts, runner=self.name)

    def _execute(self, claim: _Claim) -> None:
        job = claim.job
        registered = get_handler(job.kind)
        if registered is None:
            self._fail(claim, f"No handler is registered for job kind {job.kind!r}.", "", dead=True)
            return
        keeper = _LeaseKeeper(self, claim)
        try:
            with keeper, Session(self.engine, expire_on_commit=False) as session:
                try:
                    registered.fn(session, job)
                    finished = self._finish_ok(session, claim)
                except Exception as exc:
                    session.rollback()
                    detail = traceback.format_exc()
                    keeper.stop.set()
                    self._fail(claim, _short_error(exc), detail, dead=isinstance(exc, PermanentJobError))
                    return
        finally:
            keeper.join()
        if not finished:
            log.warning("job %s (%s): another runner took it over before it finished; its result was discarded", job.id, job.kind)
            self._close_run(claim, ok=False, error="Another runner took this job over before it finished (lease ran out); result discarded.")

    def _finish_ok(self, session: Session, claim: _Claim) -> bool:
        """Mark the job done in the handler's own transaction, only if this runner still owns it."""
        now = utcnow()
        result = session.execute(
            update(Job).where(claim.owned()).values(status=JOB_DONE, finished_at=now, lease_until=None, last_error="")
        )
        if result.rowcount != 1:
            session.rollback()
            return False
        session.execute(update(JobRun).where(JobRun.id == claim.run_id).values(finished_at=now, ok=True))
        session.commit()
        return True

    def _fail(self, claim: _Claim, error: str, detail: str, *, dead: bool) -> None:
        """Back to the queue with backoff, or dead when attempts are used up or retrying cannot help."""
        job = claim.job
        now = utcnow()
        dead = dead or job.attempt >= job.max_attempts
        values: dict = {"last_error": error[:4000], "lease_until": None}
        if dead:
            values.update(status=JOB_DEAD, finished_at=now)
        else:
            values.update(status=JOB_QUEUED, claimed_by=None,
                          run_at=now + timedelta(seconds=backoff_seconds(job.attempt, self.backoff_base, self.backoff_cap)))
        run_error = (error + ("\n\n" + detail if detail else ""))[-4000:]
        with Session(self.engine) as session:
            result = session.execute(update(Job).where(claim.owned()).values(values))
            session.execute(update(JobRun).where(JobRun.id == claim.run_id).values(finished_at=now, ok=False, error=run_error))
            if result.rowcount == 1:
                self._notify_failure(session, job, error, dead=dead)
            session.commit()
        if result.rowcount != 1:
            log.warning("job %s (%s) failed after another runner took it over: %s", job.id, job.kind, error)
        elif dead:
            log.error("job %s (%s) is dead after %s attempt(s): %s", job.id, job.kind, job.attempt, error)
        else:
            log.warning("job %s (%s) failed (attempt %s of %s), retrying at %s: %s",
                        job.id, job.kind, job.attempt, job.max_attempts, values["run_at"].isoformat(timespec="seconds"), error)

    def _notify_failure(self, session: Session, job: JobContext, error: str, *, dead: bool) -> None:
        registered = get_handler(job.kind)
        if registered is None or registered.on_failure is None:
            return
        try:
            # A savepoint, so a failing hook cannot undo the job's own bookkeeping.
            with session.begin_nested():
                registered.on_failure(session, job, error, dead)
        except Exception:
            log.exception("job %s (%s): its failure hook failed", job.id, job.kind)

    def _close_run(self, claim: _Claim, *, ok: bool, error: str) -> None:
        with Session(self.engine) as session:
            session.execute(update(JobRun).where(JobRun.id == claim.run_id).values(finished_at=utcnow(), ok=ok, error=error))
            session.commit()


async def run_in_app() -> None:
    """Lifespan task of each app worker: the runner loop in a thread, so the event loop never waits
    on it. On cancellation (shutdown) the loop is asked to stop after the job in hand."""
    stop = threading.Event()
    runner = Runner(stop_event=stop, schedule_recurring=True)
    loop_done = asyncio.ensure_future(asyncio.to_thread(runner.run_forever))
    try:
        await asyncio.shield(loop_done)
    except asyncio.CancelledError:
        stop.set()
        # Reflex waits a few seconds for cancelled lifespan tasks: let the job in hand finish.
        await asyncio.wait({loop_done}, timeout=4)
        raise
