"""The outbox: an email is written in the same transaction as the change that causes it,
and a job sends it later (so a rolled-back change sends nothing, and a crash loses nothing)."""

from __future__ import annotations

from sqlmodel import Session

from lms_app.models import OutgoingEmail
from lms_app.services import jobs


def queue_email(session: Session, *, to: str, subject: str, body_text: str, body_html: str = "", org_id: int | None = None) -> OutgoingEmail:
    email = OutgoingEmail(org_id=org_id, to_address=to, subject=subject, body_text=body_text, body_html=body_html)
    session.add(email)
    session.flush()
    jobs.enqueue(session, "email.send", {"email_id": email.id}, dedupe_key=f"email:{email.id}")
    return email
