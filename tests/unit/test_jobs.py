"""The job runner on a real database: claims, leases, retries with backoff, dead letters."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, SQLModel, select

from lms_app import db, settings
from lms_app.jobs import PermanentJobError, handler
from lms_app.jobs import runner as runner_module
from lms_app.jobs.runner import Runner, backoff_seconds, run_in_app
from lms_app.models import Job, JobRun, OutgoingEmail, RunnerHeartbeat, utcnow
from lms_app.services import jobs

# What the test handlers did, per job id (handlers run in the runner's thread).
CALLS: dict[int, int] = {}
SLOW = {"seconds": 0.0}


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    SLOW["seconds"] = 0.0


def _count(job):
    CALLS[job.id] = CALLS.get(job.id, 0) + 1


@handler("test.jobs.ok")
def _ok(session, job):
    _count(job)


@handler("test.jobs.fail")
def _fail(session, job):
    _count(job)
    # Written in the handler's transaction: must not survive the failure.
    session.add(OutgoingEmail(to_address="ghost@example.com", subject="never", body_text="never"))
    session.flush()
    raise RuntimeError("the remote service said no")


@handler("test.jobs.permanent")
def _permanent(session, job):
    _count(job)
    raise PermanentJobError("the address does not exist")


@handler("test.jobs.slow")
def _slow(session, job):
    _count(job)
    time.sleep(SLOW["seconds"])


def _enqueue(kind, **kw) -> int:
    with db.session_scope() as s:
        return jobs.enqueue(s, kind, {"n": 1}, **kw).id


def _job(job_id) -> Job:
    with Session(db.get_engine()) as s:
        return s.get(Job, job_id)


def _runs(job_id) -> list[JobRun]:
    with Session(db.get_engine()) as s:
        return list(s.exec(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)).all())


def _make_ready(job_id) -> None:
    """Time passes: the backoff of a queued job is over."""
    with db.session_scope() as s:
        job = s.get(Job, job_id)
        job.run_at = utcnow() - timedelta(seconds=1)
        s.add(job)


def test_a_queued_job_runs_once_and_is_done(engine):
    job_id = _enqueue("test.jobs.ok")
    runner = Runner(name="runner-a")
    assert runner.run_until_idle() == 1
    assert runner.run_until_idle() == 0
    assert CALLS == {job_id: 1}
    job = _job(job_id)
    assert (job.status, job.attempts, job.claimed_by, job.last_error) == ("done", 1, "runner-a", "")
    assert job.finished_at is not None and job.lease_until is None
    [run] = _runs(job_id)
    assert run.ok and run.runner == "runner-a" and run.finished_at >= run.started_at
    with Session(engine) as s:
        assert s.get(RunnerHeartbeat, "runner-a") is not None


def test_a_job_planned_for_later_waits(engine):
    job_id = _enqueue("test.jobs.ok", run_at=utcnow() + timedelta(minutes=5))
    assert Runner().run_until_idle() == 0
    assert _job(job_id).status == "queued"
    _make_ready(job_id)
    assert Runner().run_until_idle() == 1
    assert _job(job_id).status == "done"


def test_a_failing_job_is_retried_with_backoff_then_dead(engine):
    job_id = _enqueue("test.jobs.fail", max_attempts=3)
    runner = Runner(name="runner-a", backoff_base=10, backoff_cap=3600)

    before = utcnow()
    assert runner.run_until_idle() == 1
    job = _job(job_id)
    assert job.status == "queued" and job.attempts == 1 and job.claimed_by is None
    assert "RuntimeError: the remote service said no" in job.last_error
    # base * 2^attempts after the first failure: 20 s later, not right away.
    assert before + timedelta(seconds=19) <= job.run_at <= utcnow() + timedelta(seconds=21)
    assert runner.run_until_idle() == 0, "a job in its backoff is not run again"

    _make_ready(job_id)
    before = utcnow()
    runner.run_until_idle()
    job = _job(job_id)
    assert job.status == "queued" and job.attempts == 2
    assert job.run_at >= before + timedelta(seconds=39)

    _make_ready(job_id)
    runner.run_until_idle()
    job = _job(job_id)
    assert job.status == "dead" and job.attempts == 3 and job.finished_at is not None
    assert "the remote service said no" in job.last_error
    runs = _runs(job_id)
    assert len(runs) == 3 and not any(r.ok for r in runs)
    assert all("the remote service said no" in r.error and "Traceback" in r.error for r in runs)
    assert CALLS[job_id] == 3

    _make_ready(job_id)
    assert runner.run_until_idle() == 0, "a dead job stays dead"
    with Session(engine) as s:
        assert s.exec(select(OutgoingEmail)).all() == [], "the failed handler's writes were rolled back"


def test_backoff_grows_and_is_capped():
    assert [backoff_seconds(a, 30, 3600) for a in (1, 2, 3, 10)] == [60, 120, 240, 3600]


def test_a_permanent_error_is_dead_at_once(engine):
    job_id = _enqueue("test.jobs.permanent")
    Runner().run_until_idle()
    job = _job(job_id)
    assert job.status == "dead" and job.attempts == 1
    assert "the address does not exist" in job.last_error


def test_an_unknown_kind_is_dead_with_a_clear_error(engine):
    job_id = _enqueue("nobody.handles.this")
    assert Runner().run_until_idle() == 1
    job = _job(job_id)
    assert job.status == "dead"
    assert job.last_error == "No handler is registered for job kind 'nobody.handles.this'."


def test_dedupe_key_gives_one_job(engine):
    with db.session_scope() as s:
        first = jobs.enqueue(s, "test.jobs.ok", {"n": 1}, dedupe_key="reminder:42")
        again = jobs.enqueue(s, "test.jobs.ok", {"n": 2}, dedupe_key="reminder:42")
        assert again.id == first.id
    with db.session_scope() as s:
        later = jobs.enqueue(s, "test.jobs.ok", {"n": 3}, dedupe_key="reminder:42")
        other = jobs.enqueue(s, "test.jobs.ok", {"n": 4}, dedupe_key="reminder:43")
    assert later.id == first.id and other.id != first.id
    with Session(engine) as s:
        assert len(s.exec(select(Job)).all()) == 2
        assert s.get(Job, first.id).payload == {"n": 1}
    assert Runner().run_until_idle() == 2
    assert CALLS == {first.id: 1, other.id: 1}


def test_dedupe_holds_between_concurrent_transactions(engine):
    """Two transactions enqueue the same key before either commits: one job, no error."""
    with Session(engine) as s1, Session(engine) as s2:
        a = jobs.enqueue(s1, "test.jobs.ok", dedupe_key="deadline:7")
        results = {}

        def second():
            results["b"] = jobs.enqueue(s2, "test.jobs.ok", dedupe_key="deadline:7").id
            s2.commit()

        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)  # the second insert now waits for the first transaction
        s1.commit()
        t.join(timeout=20)
        assert results["b"] == a.id
    with Session(engine) as s:
        assert len(s.exec(select(Job)).all()) == 1


def _claimed_elsewhere(job_id, *, lease_until, attempts=1, runner="worker-that-died"):
    with db.session_scope() as s:
        job = s.get(Job, job_id)
        job.status, job.claimed_by, job.lease_until, job.attempts = "running", runner, lease_until, attempts
        s.add(job)
        s.add(JobRun(job_id=job_id, runner=runner, started_at=utcnow() - timedelta(minutes=5)))


def test_a_job_of_a_dead_runner_is_taken_over_when_its_lease_ran_out(engine):
    job_id = _enqueue("test.jobs.ok")
    _claimed_elsewhere(job_id, lease_until=utcnow() - timedelta(seconds=1))
    assert Runner(name="runner-b").run_until_idle() == 1
    job = _job(job_id)
    assert (job.status, job.attempts, job.claimed_by) == ("done", 2, "runner-b")
    old, new = _runs(job_id)
    assert old.runner == "worker-that-died" and not old.ok and old.finished_at is not None
    assert "stopped responding" in old.error
    assert new.runner == "runner-b" and new.ok
    assert CALLS == {job_id: 1}


def test_a_job_whose_lease_is_valid_is_left_alone(engine):
    job_id = _enqueue("test.jobs.ok")
    _claimed_elsewhere(job_id, lease_until=utcnow() + timedelta(seconds=60), runner="busy-runner")
    assert Runner(name="runner-b").run_until_idle() == 0
    job = _job(job_id)
    assert (job.status, job.claimed_by, job.attempts) == ("running", "busy-runner", 1)
    assert CALLS == {}


def test_a_job_that_keeps_killing_its_runner_ends_dead(engine):
    job_id = _enqueue("test.jobs.ok", max_attempts=2)
    _claimed_elsewhere(job_id, lease_until=utcnow() - timedelta(seconds=1), attempts=2)
    assert Runner().run_until_idle() == 0
    job = _job(job_id)
    assert job.status == "dead" and job.attempts == 2
    assert "stopped responding" in job.last_error
    assert CALLS == {}


def _run_in_thread(runner):
    t = threading.Thread(target=runner.run_until_idle)
    t.start()
    return t


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_lease_is_renewed_while_a_long_job_runs(engine):
    SLOW["seconds"] = 1.5
    job_id = _enqueue("test.jobs.slow")
    a = Runner(name="runner-a", lease_seconds=0.4)
    t = _run_in_thread(a)
    assert _wait_for(lambda: _job(job_id).status == "running")
    other = Runner(name="runner-b", lease_seconds=0.4)
    # Well past the 0.4 s lease: without renewal runner-b would take the job over.
    while t.is_alive():
        assert other.run_until_idle() == 0
        time.sleep(0.05)
    t.join()
    job = _job(job_id)
    assert (job.status, job.claimed_by, job.attempts) == ("done", "runner-a", 1)
    assert [r.runner for r in _runs(job_id)] == ["runner-a"]
    assert CALLS == {job_id: 1}


def test_a_runner_that_lost_its_claim_does_not_finish_the_job(engine):
    SLOW["seconds"] = 0.8
    job_id = _enqueue("test.jobs.slow")
    a = Runner(name="runner-a", lease_seconds=30)
    t = _run_in_thread(a)
    assert _wait_for(lambda: _job(job_id).status == "running")
    # Meanwhile the claim passed to another runner (runner-a was presumed dead).
    with db.session_scope() as s:
        job = s.get(Job, job_id)
        job.claimed_by, job.attempts = "runner-b", 2
        s.add(job)
    t.join(timeout=20)
    job = _job(job_id)
    assert (job.status, job.claimed_by) == ("running", "runner-b"), "runner-a must not mark runner-b's job done"
    [run] = _runs(job_id)
    assert run.runner == "runner-a" and not run.ok and "took this job over" in run.error


def test_run_forever_survives_a_database_error_and_carries_on(tmp_path, monkeypatch, caplog):
    """A runner started before its database is ready logs the error and keeps trying."""
    monkeypatch.setattr(runner_module, "ERROR_PAUSE_SECONDS", 0.1)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'not-yet.db'}")
    runner = Runner(name="early-runner", engine=engine, poll_seconds=0.05)
    caplog.set_level(logging.ERROR, logger="lms_app.jobs")
    t = threading.Thread(target=runner.run_forever)
    t.start()
    try:
        assert _wait_for(lambda: any("retrying" in r.getMessage() for r in caplog.records))
        assert t.is_alive()
        SQLModel.metadata.create_all(engine)
        with Session(engine) as s:
            job = jobs.enqueue(s, "test.jobs.ok")
            s.commit()
            job_id = job.id

        def status() -> str:
            with Session(engine) as s:
                return s.get(Job, job_id).status

        # The handler runs before the runner records "done": wait for the record.
        assert _wait_for(lambda: status() == "done")
        assert CALLS.get(job_id) == 1
        with Session(engine) as s:
            assert s.get(RunnerHeartbeat, "early-runner") is not None
    finally:
        runner.stop()
        t.join(timeout=10)
        engine.dispose()
    assert not t.is_alive()


def test_run_in_app_runs_jobs_without_blocking_the_event_loop_and_stops_on_cancel(engine, monkeypatch):
    monkeypatch.setattr(settings, "JOBS_POLL_SECONDS", 0.05)
    SLOW["seconds"] = 0.6
    job_id = _enqueue("test.jobs.slow")

    async def scenario():
        task = asyncio.create_task(run_in_app())
        ticks = 0
        started = time.monotonic()
        while _job(job_id).status != "done":
            assert time.monotonic() - started < 15, "the job never ran"
            await asyncio.sleep(0.01)
            ticks += 1
        # The loop kept ticking while the handler slept for 0.6 s in the runner's thread.
        assert ticks >= 20
        cancelled_at = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - cancelled_at

    stop_seconds = asyncio.run(scenario())
    assert stop_seconds < 3
    assert CALLS == {job_id: 1}
