"""The audit trail: tampering is detected, concurrent appends keep one chain, and the admin's
search, sentences, export and verification behave as an auditor expects."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from lms_app import db
from lms_app.models import AuditChainHead, AuditEvent
from lms_app.services import audit, audit_log, auth, profile
from lms_app.services.errors import Invalid, PermissionDenied
from lms_app.services.seed import DEMO_PASSWORD

ON_POSTGRES = bool(os.environ.get("LMS_TEST_DATABASE_URL"))


def _append(engine, count: int, prefix: str = "test.event") -> None:
    for i in range(count):
        with Session(engine) as s:
            audit.record(s, None, f"{prefix}{i + 1}", target_label=f"thing {i + 1}", after={"n": i + 1})
            s.commit()


def _id_of(session: Session, seq: int) -> int:
    return session.exec(select(AuditEvent.id).where(AuditEvent.seq == seq)).one()


def _sql(engine, statement: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def chain(engine):
    """Six events, intact."""
    _append(engine, 6)
    with Session(engine) as s:
        assert audit.verify(s).ok
        return {seq: _id_of(s, seq) for seq in range(1, 7)}


def _verify(engine) -> audit.VerifyResult:
    with Session(engine) as s:
        return audit.verify(s)


# --- tampering -----------------------------------------------------------------------------

def test_intact_chain_reports_the_number_of_events(chain, engine):
    result = _verify(engine)
    assert result.ok and result.checked == 6 and result.broken_seq is None
    assert "6 events" in result.message


def test_editing_the_action_of_a_middle_row_is_detected(chain, engine):
    _sql(engine, "UPDATE auditevent SET action = 'login' WHERE id = :id", id=chain[3])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 3 and result.checked == 2
    assert "#3" in result.message and "edited" in result.message


def test_editing_the_after_values_of_a_middle_row_is_detected(chain, engine):
    _sql(engine, "UPDATE auditevent SET after = :after WHERE id = :id", after='{"n": 99}', id=chain[4])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 4 and "edited" in result.message


def test_an_edit_with_a_recomputed_hash_still_breaks_the_next_link(chain, engine):
    with Session(engine) as s:
        event = s.get(AuditEvent, chain[3])
        event.actor_label = "Someone Else <else@example.com>"
        event.hash = audit._event_hash(event)
        s.add(event)
        s.commit()
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 4
    assert "does not follow" in result.message


def test_deleting_a_middle_row_is_detected(chain, engine):
    _sql(engine, "DELETE FROM auditevent WHERE id = :id", id=chain[3])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 4 and result.checked == 2
    assert "expected event #3, found #4" in result.message


def test_deleting_the_last_row_is_detected(chain, engine):
    _sql(engine, "DELETE FROM auditevent WHERE id = :id", id=chain[6])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 6 and result.checked == 5
    assert "deleted at the end" in result.message


def test_swapping_the_ids_of_two_rows_is_detected(chain, engine):
    _sql(engine, "UPDATE auditevent SET id = -1 WHERE id = :a", a=chain[3])
    _sql(engine, "UPDATE auditevent SET id = :a WHERE id = :b", a=chain[3], b=chain[4])
    _sql(engine, "UPDATE auditevent SET id = :b WHERE id = -1", b=chain[4])
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 4
    assert "expected event #3, found #4" in result.message


def test_swapping_the_contents_of_two_rows_but_not_their_numbers_is_detected(chain, engine):
    columns = ["at", "actor_label", "action", "target_label", "after", "prev_hash", "hash"]
    with engine.begin() as conn:
        rows = {i: conn.execute(text(f"SELECT {', '.join(columns)} FROM auditevent WHERE id = :id"), {"id": chain[i]}).one() for i in (3, 4)}
        for mine, theirs in ((3, 4), (4, 3)):
            sets = ", ".join(f"{c} = :{c}" for c in columns)
            values = {c: json.dumps(v) if isinstance(v, dict) else v for c, v in zip(columns, rows[theirs])}
            conn.execute(text(f"UPDATE auditevent SET {sets} WHERE id = :id"), {**values, "id": chain[mine]})
    result = _verify(engine)
    assert not result.ok and result.broken_seq == 3
    assert "does not follow" in result.message


# --- appends -------------------------------------------------------------------------------

def test_a_session_that_read_the_chain_before_appends_after_the_newest_event(engine):
    """A long-lived session still holding the chain head from earlier must not reuse it."""
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        audit.record(first, None, "test.one")
        first.commit()
        held = first.exec(select(AuditChainHead)).one()  # e.g. a page that showed the head
        audit.record(second, None, "test.two")
        second.commit()
        third = audit.record(first, None, "test.three")
        first.commit()
        assert held.last_seq == 3
    assert third.seq == 3
    assert _verify(engine).ok


def test_the_first_two_events_of_an_install_written_at_once_both_land(engine):
    """Two transactions appending to a chain that has no head row yet (a fresh install)."""
    with Session(engine) as s:
        assert s.exec(select(AuditChainHead)).first() is None
    errors: list[BaseException] = []
    first = Session(engine)
    audit.record(first, None, "test.first")  # holds the new head, uncommitted

    def other() -> None:
        try:
            with Session(engine) as s:
                audit.record(s, None, "test.second")
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    time.sleep(0.5)  # the other transaction is now waiting on the chain head
    first.commit()
    first.close()
    thread.join(30)
    assert not errors, errors
    result = _verify(engine)
    assert result.ok and result.checked == 2


def test_appends_from_several_threads_make_one_intact_chain(engine):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            _append(engine, 15, prefix=f"test.thread{n}.")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with Session(engine) as s:
        seqs = s.exec(select(AuditEvent.seq).order_by(AuditEvent.id)).all()
        result = audit.verify(s)
    assert seqs == list(range(1, 61))
    assert result.ok and result.checked == 60


_APPENDER = """
import sys, time
from sqlmodel import Session
from lms_app import db
from lms_app.services import audit
start, name = float(sys.argv[1]), sys.argv[2]
engine = db.get_engine()
while time.time() < start:
    time.sleep(0.01)
for i in range(40):
    with Session(engine) as s:
        audit.record(s, None, f"test.{name}.{i}")
        s.commit()
"""


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="two processes sharing one chain: PostgreSQL only")
def test_appends_from_two_processes_make_one_intact_chain(engine, database_url):
    env = {**os.environ, "LMS_DATABASE_URL": database_url}
    start = time.time() + 3
    procs = [
        subprocess.Popen([sys.executable, "-c", _APPENDER, str(start), name], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Session(engine) as s:
        seqs = s.exec(select(AuditEvent.seq).order_by(AuditEvent.id)).all()
        result = audit.verify(s)
        actions = s.exec(select(AuditEvent.action)).all()
    assert seqs == list(range(1, 81))
    assert result.ok and result.checked == 80
    assert sum(a.startswith("test.a.") for a in actions) == 40 and sum(a.startswith("test.b.") for a in actions) == 40
