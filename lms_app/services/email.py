"""The outbox: an email is written in the same transaction as the change that causes it,
and a job sends it later (so a rolled-back change sends nothing, and a crash loses nothing)."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session

from lms_app.models import Job, OutgoingEmail
from lms_app.services import jobs
from lms_app.services.csv_export import in_batches

SEND = "email.send"
# Rows per INSERT: well under SQLite's limit of bound parameters.
_CHUNK = 500


def queue_email(session: Session, *, to: str, subject: str, body_text: str, body_html: str = "", org_id: int | None = None,
                list_unsubscribe: str = "") -> OutgoingEmail:
    email = OutgoingEmail(org_id=org_id, to_address=to, subject=subject, body_text=body_text, body_html=body_html,
                          list_unsubscribe=list_unsubscribe)
    session.add(email)
    session.flush()
    jobs.enqueue(session, SEND, {"email_id": email.id}, dedupe_key=f"email:{email.id}")
    return email


def queue_emails(session: Session, emails: list[OutgoingEmail]) -> list[int]:
    """queue_email for many at once (reminders, a requirement for everyone): a few multi-row
    INSERTs instead of three statements per email. Returns the outbox ids."""
    ids: list[int] = []
    for chunk in in_batches(emails, _CHUNK):
        new = session.execute(insert(OutgoingEmail).returning(OutgoingEmail.id, sort_by_parameter_order=True),
                              [e.model_dump(exclude={"id"}) for e in chunk]).scalars().all()
        # Each email's job is new (its key names the new row): no dedupe lookup needed.
        session.execute(insert(Job), [Job(kind=SEND, payload={"email_id": i}, dedupe_key=f"email:{i}").model_dump(exclude={"id"}) for i in new])
        ids.extend(new)
    return ids
