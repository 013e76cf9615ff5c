"""Two runner processes drain one queue: every job runs exactly once, and both do work."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.models import Job, JobRun
from lms_app.services import jobs

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("record_jobs_runner.py")
ON_POSTGRES = os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql")


def _two_runners_drain(database_url: str, tmp_path: Path, count: int) -> None:
    with db.session_scope() as s:
        job_ids = {jobs.enqueue(s, "test.record", {"sleep": 0.005}).id for _ in range(count)}

    env = {**os.environ, "LMS_DATABASE_URL": database_url, "LMS_DATA_DIR": str(tmp_path),
           "LMS_SECRET_KEY": settings.SECRET_KEY, "PYTHONPATH": str(PROJECT)}
    go = tmp_path / "go"
    names = ["runner-one", "runner-two"]
    records = {name: tmp_path / f"{name}.txt" for name in names}
    procs = [
        subprocess.Popen([sys.executable, str(SCRIPT), name, str(records[name]), str(go)], env=env, cwd=PROJECT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in names
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(Path(f"{r}.ready").exists() for r in records.values()):
            assert time.monotonic() < deadline, "the runner processes did not start"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.05)
        go.touch()  # both start at once
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err

    # The handler's own record: each job ran once, whatever the bookkeeping says.
    handled = {name: [int(line.split()[0]) for line in path.read_text().splitlines()] if path.exists() else []
               for name, path in records.items()}
    counts = Counter(job_id for ids in handled.values() for job_id in ids)
    assert set(counts) == job_ids and set(counts.values()) == {1}
    assert all(len(ids) > 0 for ids in handled.values()), f"one runner did all the work: { {n: len(i) for n, i in handled.items()} }"
    assert sum(int(out.strip() or 0) for out, _ in outputs) == count

    with Session(db.get_engine()) as s:
        runs = s.exec(select(JobRun).where(JobRun.job_id.in_(job_ids))).all()
        done = s.exec(select(Job).where(Job.id.in_(job_ids), Job.status == "done", Job.attempts == 1)).all()
    assert len(done) == count
    per_job = Counter(r.job_id for r in runs)
    assert set(per_job.values()) == {1}, "no job was claimed twice"
    assert all(r.ok and r.finished_at is not None for r in runs)
    assert {r.runner for r in runs} == set(names)
    for name in names:
        assert sorted(handled[name]) == sorted(r.job_id for r in runs if r.runner == name)


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs LMS_TEST_DATABASE_URL=postgresql://...")
def test_two_runner_processes_on_postgres_run_each_job_exactly_once(engine, database_url, tmp_path):
    _two_runners_drain(database_url, tmp_path, 300)


@pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL variant runs instead")
def test_two_runner_processes_on_sqlite_run_each_job_exactly_once(engine, database_url, tmp_path):
    _two_runners_drain(database_url, tmp_path, 150)
