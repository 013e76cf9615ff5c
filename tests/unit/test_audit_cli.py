"""`python -m lms_app audit verify`, run as an operator runs it, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import text
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import AuditEvent
from lms_app.services import audit


def _verify_cli(database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LMS_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "lms_app", "audit", "verify"], env=env, cwd=settings.PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def _events(engine, count: int) -> dict[int, int]:
    for i in range(count):
        with Session(engine) as s:
            audit.record(s, None, "test.event", target_label=f"thing {i + 1}")
            s.commit()
    with Session(engine) as s:
        return {seq: id_ for id_, seq in s.exec(select(AuditEvent.id, AuditEvent.seq)).all()}


def test_intact_trail_exits_0_and_says_how_many_events(engine, database_url):
    _events(engine, 5)
    done = _verify_cli(database_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "audit trail intact: 5 events verified"


def test_edited_row_exits_1_naming_the_event(engine, database_url):
    ids = _events(engine, 5)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET target_label = 'something else' WHERE id = :id"), {"id": ids[3]})
    done = _verify_cli(database_url)
    assert done.returncode == 1
    assert "event #3" in done.stdout and "edited" in done.stdout


def test_deleted_middle_row_exits_1(engine, database_url):
    ids = _events(engine, 5)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": ids[2]})
    done = _verify_cli(database_url)
    assert done.returncode == 1
    assert "expected event #2, found #3" in done.stdout


def test_deleted_last_row_exits_1(engine, database_url):
    ids = _events(engine, 5)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": ids[5]})
    done = _verify_cli(database_url)
    assert done.returncode == 1
    assert "deleted at the end" in done.stdout


def test_reordered_rows_exit_1(engine, database_url):
    ids = _events(engine, 5)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET id = -1 WHERE id = :a"), {"a": ids[2]})
        conn.execute(text("UPDATE auditevent SET id = :a WHERE id = :b"), {"a": ids[2], "b": ids[3]})
        conn.execute(text("UPDATE auditevent SET id = :b WHERE id = -1"), {"b": ids[3]})
    done = _verify_cli(database_url)
    assert done.returncode == 1
    assert "expected event #2, found #3" in done.stdout
