"""Two runner processes work one queue of reminder jobs on PostgreSQL: every reminder is
created once and reaches the SMTP server once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.models import Job, JobRun, Notification, OutgoingEmail, User, utcnow
from lms_app.services import jobs, reminders
from tests.unit.test_reminders import assign, certificate, requirement

PROJECT = Path(__file__).resolve().parents[2]
RUNNER_SCRIPT = Path(__file__).with_name("record_jobs_runner.py")
ON_POSTGRES = os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql")
REMINDER_JOBS = 12


class _Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _duties(demo) -> None:
    """Every person has overdue training, training due soon and a certificate about to expire."""
    now = utcnow()
    org_id = next(iter(demo.values())).org_id
    overdue = [requirement(org_id, f"Overdue course {i}", reminder_days=[14, 3], overdue_every_days=7) for i in range(2)]
    soon = requirement(org_id, "Due soon", reminder_days=[14, 3])
    for user in demo.values():
        for i, req in enumerate(overdue):
            assign(req, user, due_on=(now - timedelta(days=2 + 9 * i)).date(), assigned_on=(now - timedelta(days=60)).date())
        assign(soon, user, due_on=(now + timedelta(days=10)).date(), assigned_on=(now - timedelta(days=30)).date())
        certificate(user, expires_at=now + timedelta(days=12))


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="two processes writing at once: needs LMS_TEST_DATABASE_URL=postgresql://...")
def test_two_runner_processes_send_each_reminder_exactly_once(demo, database_url, tmp_path):
    _duties(demo)
    with Session(db.get_engine()) as s:
        expected = {n.dedupe_key for n in reminders.pending(s, now=utcnow())}
    people = len(demo)
    assert len(expected) == 4 * people + 1, "two overdue, one due soon, one certificate each, and Maya's digest"
    with db.session_scope() as s:
        for _ in range(REMINDER_JOBS):  # as if every period's job and follow-ups were waiting at once
            jobs.enqueue(s, reminders.JOB_KIND)

    inbox, port = _Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "LMS_DATABASE_URL": database_url, "LMS_DATA_DIR": str(tmp_path), "LMS_SECRET_KEY": settings.SECRET_KEY,
           "PYTHONPATH": str(PROJECT), "LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": str(port), "LMS_SMTP_TLS": "off",
           "LMS_SMTP_USER": "", "LMS_SMTP_SENDER": "Example Academy <academy@example.org>"}
    go = tmp_path / "go"
    names = ["runner-one", "runner-two"]
    records = {name: tmp_path / f"{name}.txt" for name in names}
    procs = [subprocess.Popen([sys.executable, str(RUNNER_SCRIPT), name, str(records[name]), str(go)], env=env, cwd=PROJECT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in names]
    try:
        deadline = time.monotonic() + 60
        while not all(Path(f"{r}.ready").exists() for r in records.values()):
            assert time.monotonic() < deadline, "the runner processes did not start"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.05)
        go.touch()
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        controller.stop()
    for p, (_, err) in zip(procs, outputs):
        assert p.returncode == 0, err

    with Session(db.get_engine()) as s:
        notices = s.exec(select(Notification)).all()
        outbox = s.exec(select(OutgoingEmail)).all()
        reminder_jobs = s.exec(select(Job).where(Job.kind == reminders.JOB_KIND)).all()
        runners = set(s.exec(select(JobRun.runner)).all())
        addresses = dict(s.exec(select(User.id, User.email)).all())
    assert Counter(n.dedupe_key for n in notices) == Counter(expected), "each reminder once, none lost"
    assert all(j.status == "done" and j.attempts == 1 for j in reminder_jobs), [(j.status, j.last_error) for j in reminder_jobs]
    assert runners == set(names), "both runners worked"

    emailed = [n for n in notices if n.emailed]
    assert len(emailed) == len(notices) and len(outbox) == len(notices) and all(e.status == "sent" for e in outbox)
    messages = [message_from_bytes(e.original_content or e.content, policy=default_policy) for e in inbox.envelopes]
    assert len(messages) == len(notices)
    assert Counter(m["Message-ID"] for m in messages).most_common(1)[0][1] == 1
    assert Counter((m["To"], m["Subject"]) for m in messages) == Counter((addresses[n.user_id], n.title) for n in notices)
