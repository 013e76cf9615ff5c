"""Email through the outbox: queued with the change, sent by the job runner over real SMTP (aiosmtpd)."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.jobs.runner import Runner
from lms_app.models import Job, JobRun, Organization, OutgoingEmail, User, utcnow
from lms_app.services import auth
from lms_app.services.email import queue_email


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An SMTP server's mailbox; addresses in `refuse` get a permanent 550."""

    def __init__(self):
        self.envelopes = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(e.original_content or e.content, policy=default_policy) for e in self.envelopes]


def _start_server(monkeypatch, **smtp_kwargs):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp_kwargs)
    controller.start()
    monkeypatch.setattr(settings, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "SMTP_PORT", port)
    monkeypatch.setattr(settings, "SMTP_TLS", "off")
    monkeypatch.setattr(settings, "SMTP_USER", "")
    monkeypatch.setattr(settings, "SMTP_PASSWORD", "")
    monkeypatch.setattr(settings, "SMTP_SENDER", "Example Academy <academy@example.org>")
    return inbox, controller


@pytest.fixture
def smtp(monkeypatch):
    inbox, controller = _start_server(monkeypatch)
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_down(monkeypatch):
    """SMTP settings pointing at a port where nothing listens."""
    monkeypatch.setattr(settings, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "SMTP_PORT", _free_port())
    monkeypatch.setattr(settings, "SMTP_TLS", "off")
    monkeypatch.setattr(settings, "SMTP_USER", "")


def _emails() -> list[OutgoingEmail]:
    with Session(db.get_engine()) as s:
        return list(s.exec(select(OutgoingEmail).order_by(OutgoingEmail.id)).all())


def _email_job() -> Job:
    with Session(db.get_engine()) as s:
        return s.exec(select(Job).where(Job.kind == "email.send")).one()


def _make_ready(job_id: int) -> None:
    with db.session_scope() as s:
        job = s.get(Job, job_id)
        job.run_at = utcnow() - timedelta(seconds=1)
        s.add(job)


def test_an_invitation_arrives_with_its_link(demo, actor_of, smtp):
    admin = actor_of("admin@example.com")
    with db.session_scope() as s:
        leo = s.get(User, demo["leo@example.com"].id)
        token = auth.create_invitation(s, admin, leo)
        org_name = s.get(Organization, leo.org_id).name
    assert smtp.envelopes == [], "nothing is sent before the runner runs"

    assert Runner().run_until_idle() == 1
    [envelope] = smtp.envelopes
    assert envelope.mail_from == "academy@example.org" and envelope.rcpt_tos == ["leo@example.com"]
    [message] = smtp.messages
    assert message["To"] == "leo@example.com"
    assert message["From"] == "Example Academy <academy@example.org>"
    assert message["Subject"] == f"You are invited to {org_name}"
    assert f"{settings.PUBLIC_URL}/invite/{token}" in message.get_content()
    [email] = _emails()
    assert email.status == "sent" and email.sent_at is not None and email.error == ""
    assert _email_job().status == "done"


def test_a_password_reset_email_arrives(demo, smtp):
    with db.session_scope() as s:
        auth.request_password_reset(s, "Leo@Example.com", ip="10.0.0.1")
    Runner().run_until_idle()
    [message] = smtp.messages
    assert message["To"] == "leo@example.com"
    assert message["Subject"].startswith("Reset your password for ")
    assert f"{settings.PUBLIC_URL}/reset/" in message.get_content()


def test_html_is_sent_as_an_alternative_to_the_text(engine, smtp):
    with db.session_scope() as s:
        queue_email(s, to="ann@example.com", subject="Your certificate", body_text="Well done, Ann.",
                    body_html="<p>Well <b>done</b>, Ann.</p>")
    Runner().run_until_idle()
    [message] = smtp.messages
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Well done, Ann."
    assert message.get_body(("html",)).get_content().strip() == "<p>Well <b>done</b>, Ann.</p>"


def test_a_rolled_back_change_sends_nothing(demo, smtp):
    with Session(db.get_engine()) as s:
        auth.request_password_reset(s, "leo@example.com")
        assert len(s.exec(select(OutgoingEmail)).all()) == 1
        s.rollback()
    assert Runner().run_until_idle() == 0
    assert smtp.envelopes == [] and _emails() == []


def test_an_email_already_sent_is_not_sent_again(engine, smtp):
    with db.session_scope() as s:
        queue_email(s, to="ann@example.com", subject="Hello", body_text="Once.")
    Runner().run_until_idle()
    job = _email_job()
    # The same job comes round again (e.g. requeued by hand after a crash).
    with db.session_scope() as s:
        again = s.get(Job, job.id)
        again.status, again.run_at = "queued", utcnow()
        s.add(again)
    assert Runner().run_until_idle() == 1
    assert len(smtp.envelopes) == 1
    assert _email_job().status == "done"


def test_smtp_down_retries_with_backoff_then_gives_up(demo, smtp_down):
    with db.session_scope() as s:
        auth.request_password_reset(s, "leo@example.com")
    job_id = _email_job().id
    runner = Runner(backoff_base=30)

    before = utcnow()
    runner.run_until_idle()
    job = _email_job()
    assert job.status == "queued" and job.attempts == 1
    assert job.run_at >= before + timedelta(seconds=59)
    assert "ConnectionRefusedError" in job.last_error
    [email] = _emails()
    assert email.status == "queued" and email.sent_at is None
    assert "ConnectionRefusedError" in email.error

    for attempt in range(2, job.max_attempts + 1):
        _make_ready(job_id)
        assert runner.run_until_idle() == 1
        assert _email_job().attempts == attempt
    job = _email_job()
    assert job.status == "dead" and job.attempts == job.max_attempts == 5
    with Session(db.get_engine()) as s:
        runs = s.exec(select(JobRun).where(JobRun.job_id == job_id)).all()
    assert len(runs) == 5 and not any(r.ok for r in runs)
    [email] = _emails()
    assert email.status == "failed" and email.sent_at is None
    assert "ConnectionRefusedError" in email.error


def test_the_email_goes_out_once_the_server_is_back(demo, smtp_down, monkeypatch):
    with db.session_scope() as s:
        auth.request_password_reset(s, "leo@example.com")
    Runner().run_until_idle()
    assert _emails()[0].status == "queued"

    inbox, controller = _start_server(monkeypatch)
    try:
        _make_ready(_email_job().id)
        Runner().run_until_idle()
    finally:
        controller.stop()
    assert [m["To"] for m in inbox.messages] == ["leo@example.com"]
    [email] = _emails()
    assert email.status == "sent" and email.error == ""
    job = _email_job()
    assert job.status == "done" and job.attempts == 2


def test_an_address_the_server_refuses_fails_at_once(engine, smtp):
    smtp.refuse.add("nobody@example.com")
    with db.session_scope() as s:
        queue_email(s, to="nobody@example.com", subject="Hello", body_text="Anyone?")
    Runner().run_until_idle()
    job = _email_job()
    assert job.status == "dead" and job.attempts == 1
    [email] = _emails()
    assert email.status == "failed"
    assert "refused the address" in email.error and "550" in email.error


def test_smtp_login_uses_the_configured_account(engine, monkeypatch):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"right-password", handled=False)

    inbox, controller = _start_server(monkeypatch, authenticator=authenticator, auth_require_tls=False)
    monkeypatch.setattr(settings, "SMTP_USER", "lms-mailer")
    try:
        monkeypatch.setattr(settings, "SMTP_PASSWORD", "wrong-password")
        with db.session_scope() as s:
            queue_email(s, to="ann@example.com", subject="Hello", body_text="With login.")
        Runner().run_until_idle()
        assert inbox.envelopes == []
        assert "SMTPAuthenticationError" in _emails()[0].error

        monkeypatch.setattr(settings, "SMTP_PASSWORD", "right-password")
        _make_ready(_email_job().id)
        Runner().run_until_idle()
    finally:
        controller.stop()
    # smtplib tries each offered mechanism before giving up, so the wrong password may show twice.
    assert set(logins[:-1]) == {(b"lms-mailer", b"wrong-password")}
    assert logins[-1] == (b"lms-mailer", b"right-password")
    assert [m["Subject"] for m in inbox.messages] == ["Hello"]
    assert _emails()[0].status == "sent"
