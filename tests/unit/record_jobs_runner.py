"""Subprocess entry point for test_jobs_two_runners: registers the "test.record" job kind, waits
for the start signal, then runs `Runner.run_until_idle()`.

    python record_jobs_runner.py RUNNER_NAME RECORD_FILE GO_FILE

Each run of a job appends "job_id started finished" to RECORD_FILE.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from lms_app.jobs import handler
from lms_app.jobs.runner import Runner

NAME, RECORD, GO = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])


@handler("test.record")
def record(session, job):
    started = time.time()
    time.sleep(job.payload.get("sleep", 0.005))
    with RECORD.open("a") as f:
        f.write(f"{job.id} {started:.6f} {time.time():.6f}\n")


if __name__ == "__main__":
    Path(f"{RECORD}.ready").touch()
    deadline = time.monotonic() + 60
    while not GO.exists():
        if time.monotonic() > deadline:
            sys.exit("no start signal")
        time.sleep(0.01)
    print(Runner(name=NAME).run_until_idle())
