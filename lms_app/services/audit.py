"""The audit trail: record events in the caller's transaction, verify the hash chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from lms_app.models import AuditChainHead, AuditEvent, utcnow
from lms_app.services.permissions import Actor

GENESIS_HASH = "0" * 64
_LABEL_LIMIT = 400  # the column's size: long names and emails of two people may not fit


def _event_hash(event: AuditEvent) -> str:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "org_id": event.org_id,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
        "prev_hash": event.prev_hash,
    }
    # Only when set, so the events written before "Sign in as" existed keep their hashes.
    if event.impersonator_id is not None:
        body["impersonator_id"] = event.impersonator_id
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _head(session: Session) -> AuditChainHead:
    """Lock the chain head (taking the database's write lock first) and return it."""
    lock = update(AuditChainHead).values(last_seq=AuditChainHead.last_seq).execution_options(synchronize_session=False)
    if session.execute(lock).rowcount == 0:
        # First event of the install: two transactions may get here at once, so the second
        # waits for the first one's row instead of failing on the duplicate key.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(AuditChainHead).values(id=1, last_seq=0, last_hash=GENESIS_HASH).on_conflict_do_nothing())
        session.execute(lock)
    # populate_existing: a head object left in this session by an earlier transaction holds
    # stale values; the ones read now, under the lock, are the truth.
    return session.exec(select(AuditChainHead).execution_options(populate_existing=True)).one()


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    target_type: str = "",
    target_id: Any = "",
    target_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
    org_id: int | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (it commits or not with it)."""
    head = _head(session)
    event = AuditEvent(
        org_id=org_id if org_id is not None else (actor.org_id if actor else None),
        seq=head.last_seq + 1,
        at=utcnow(),
        actor_id=actor.user_id if actor else None,
        actor_label=(actor_label if actor_label is not None else (actor.label if actor else ""))[:_LABEL_LIMIT],
        impersonator_id=actor.impersonator_id if actor else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else "",
        target_label=target_label,
        before=_jsonable(before),
        after=_jsonable(after),
        ip=ip if ip is not None else (actor.ip if actor else ""),
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = _event_hash(event)
    head.last_seq = event.seq
    head.last_hash = event.hash
    session.add(event)
    session.add(head)
    session.flush()
    return event


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    message: str
    broken_seq: int | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order; report the first row that was edited, deleted or moved."""
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, f"row {event.id}: expected event #{expected_seq}, found #{event.seq} (a row was deleted or moved)", event.seq)
        if event.prev_hash != prev:
            return VerifyResult(False, checked, f"event #{event.seq} (row {event.id}): does not follow the event before it (a row was deleted, moved or edited)", event.seq)
        if _event_hash(event) != event.hash:
            return VerifyResult(False, checked, f"event #{event.seq} (row {event.id}): its content does not match its hash (the row was edited)", event.seq)
        prev = event.hash
        expected_seq += 1
        checked += 1
    head = session.exec(select(AuditChainHead)).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        return VerifyResult(False, checked, f"the chain ends at event #{expected_seq - 1} but event #{head.last_seq} was the last one written (events were deleted at the end)", expected_seq)
    return VerifyResult(True, checked, f"audit trail intact: {checked} events verified")
