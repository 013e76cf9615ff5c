"""The product's job handlers. Importing this module registers them (the runner does)."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sqlmodel import Session

from lms_app import settings
from lms_app.jobs import JobContext, PermanentJobError, handler
from lms_app.models import OutgoingEmail, utcnow
from lms_app.services import auth, backups, enrollment, groups, jobs, org_settings, quizzes, reminders, requirements

log = logging.getLogger("lms_app.jobs")

SMTP_TIMEOUT_SECONDS = 30


def build_message(email: OutgoingEmail, sender: str = settings.SMTP_SENDER) -> EmailMessage:
    """The MIME message of an outbox row: plain text, plus an HTML alternative when there is one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    # Stable per outbox row, so a receiver can recognise a re-sent copy of the same email.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<lms-{email.id}-{int(email.created_at.timestamp())}@{domain}>"
    if email.list_unsubscribe:
        # RFC 8058: mail programs offer a one-click unsubscribe that POSTs to the link.
        message["List-Unsubscribe"] = f"<{email.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


def _connect(conf: org_settings.OrgSettings, password: str) -> smtplib.SMTP:
    if conf.smtp_tls not in org_settings.SMTP_TLS_MODES:
        raise PermanentJobError(f"LMS_SMTP_TLS is {conf.smtp_tls!r}; use off, starttls or ssl.")
    return org_settings.connect(conf, password, SMTP_TIMEOUT_SECONDS)


def deliver(message: EmailMessage, conf: org_settings.OrgSettings, password: str) -> None:
    """Hand one message to the SMTP server of `conf` (the organization's settings, read at send
    time so a change in Settings applies to the next email); raises on any failure."""
    sender = parseaddr(conf.smtp_sender)[1] or conf.smtp_sender
    smtp = _connect(conf, password)
    try:
        smtp.send_message(message, from_addr=sender)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            detail = "; ".join(f"{addr}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}" for addr, (code, text) in exc.recipients.items())
            raise PermanentJobError(f"The mail server refused the address ({detail}).") from exc
        raise
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _email_failed(session: Session, job: JobContext, error: str, dead: bool) -> None:
    email = session.get(OutgoingEmail, job.payload.get("email_id"))
    if email is None or email.status == "sent":
        return
    email.error = error[:2000]
    if dead:
        email.status = "failed"
    session.add(email)


@handler("email.send", on_failure=_email_failed)
def send_email(session: Session, job: JobContext) -> None:
    """Send one outbox email. An email already sent is not sent again."""
    email = session.get(OutgoingEmail, job.payload.get("email_id"))
    if email is None:
        raise PermanentJobError(f"Outgoing email {job.payload.get('email_id')!r} no longer exists.")
    if email.status == "sent":
        return
    org_id = email.org_id or auth.default_org(session).id
    conf = org_settings.current(session, org_id)
    deliver(build_message(email, conf.smtp_sender), conf, org_settings.smtp_password(session, org_id))
    email.status = "sent"
    email.sent_at = utcnow()
    email.error = ""
    session.add(email)
    log.info("email %s sent to %s", email.id, email.to_address)


# --- enrollments ------------------------------------------------------------------------------

@handler(jobs.FOLLOW_GROUPS)
def follow_groups(session: Session, job: JobContext) -> None:
    """People who joined groups get the courses those groups are enrolled in."""
    enrollment.follow_groups(session, [int(g) for g in job.payload.get("group_ids", [])])


@handler("enrollment.sweep")
def sweep_enrollments(session: Session, job: JobContext) -> None:
    """Runs every few minutes: access that ended expires; groups are followed (a safety net
    for memberships changed outside the app's services); old wrong enrollment keys are pruned."""
    enrollment.expire_due(session)
    enrollment.follow_groups(session)
    enrollment.prune_key_failures(session)


# --- quizzes ----------------------------------------------------------------------------------

@handler("quiz.close_overdue")
def close_overdue_attempts(session: Session, job: JobContext) -> None:
    """Runs every minute: attempts whose time ran out are closed and graded, even if the
    learner never came back to submit. A full batch means more may be waiting: a follow-up
    job runs at once (its own transaction), rather than leaving them to the next minute."""
    if quizzes.close_overdue(session) >= quizzes.CLOSE_BATCH:
        jobs.enqueue(session, "quiz.close_overdue", dedupe_key=f"quiz.close_overdue@after-{job.id}")


# Jobs that run on a clock: kind -> every how many seconds. Each period gets one job, whatever
# the number of workers (the dedupe key names the period).
RECURRING: dict[str, int] = {"enrollment.sweep": 300, "quiz.close_overdue": 60, groups.REQUIREMENTS_SYNC: 300, reminders.JOB_KIND: 900,
                             backups.SCHEDULE_JOB: backups.SCHEDULE_CHECK_SECONDS}


def schedule_recurring(session: Session, now: datetime) -> None:
    for kind, every in RECURRING.items():
        slot = int(now.timestamp()) // every * every
        jobs.enqueue(session, kind, run_at=datetime.fromtimestamp(slot, timezone.utc), dedupe_key=f"{kind}@{slot}")


# --- backups ----------------------------------------------------------------------------------

@handler(backups.SCHEDULE_JOB)
def scheduled_backup(session: Session, job: JobContext) -> None:
    """Every quarter hour: a backup when the interval set in Settings has passed. A failure is
    retried and reported like any job's, and the overview shows the last good backup growing old."""
    backups.run_scheduled(session)


# --- reminders and notifications --------------------------------------------------------------


@handler(reminders.JOB_KIND)
def send_reminders(session: Session, job: JobContext) -> None:
    """Runs every 15 minutes: due, overdue and expiring-certificate reminders and the weekly
    manager digests. What is left after a full batch continues at once in a follow-up job."""
    if reminders.run(session).waiting:
        jobs.enqueue(session, reminders.JOB_KIND, dedupe_key=f"{reminders.JOB_KIND}@after-{job.id}")



# --- required training ------------------------------------------------------------------------


@handler(groups.REQUIREMENTS_SYNC)
def sync_requirements(session: Session, job: JobContext) -> None:
    """Every few minutes for everyone (new department members, recertification windows
    opening), and at once for the people whose group, department, role or hire date changed."""
    user_ids = job.payload.get("user_ids")
    requirements.sync(session, user_ids=None if user_ids is None else [int(u) for u in user_ids])



@handler(requirements.NOTIFY_JOB)
def notify_assignments(session: Session, job: JobContext) -> None:
    """People newly assigned required training (or a recertification round) are told."""
    requirements.send_assignment_notices(session, assigned=job.payload.get("assigned", []),
                                         recertification=job.payload.get("recertification", []))
