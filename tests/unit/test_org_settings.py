"""The organization's settings: defaults from the environment, checked values, audited without
secrets, the SMTP password sealed, and every change in force at the next call."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.jobs.runner import Runner
from lms_app.models import AuditEvent, LoginSession, Organization, User, utcnow
from lms_app.models.settings import OrgSetting
from lms_app.services import auth, org_settings, users
from lms_app.services.email import queue_email
from lms_app.services.errors import Invalid, PermissionDenied
from lms_app.services.permissions import actor_for
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.services.setup import ensure_installation
from tests.unit.test_email_outbox import _start_server

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


@pytest.fixture
def admin(demo, actor_of):
    return actor_of("admin@example.com")


def _update(**changes) -> org_settings.OrgSettings:
    with db.session_scope() as s:
        actor = actor_for(s, s.exec(select(User).where(User.email == "admin@example.com")).one())
        return org_settings.update(s, actor, **changes)


def _current() -> org_settings.OrgSettings:
    with Session(db.get_engine()) as s:
        return org_settings.current(s, auth.default_org(s).id)


def _events(action: str = "settings.update") -> list[AuditEvent]:
    with Session(db.get_engine()) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def test_without_changes_the_environment_decides(demo, monkeypatch):
    monkeypatch.setattr(settings, "SMTP_HOST", "mail.example.net")
    monkeypatch.setattr(settings, "SMTP_PORT", 2525)
    monkeypatch.setattr(settings, "PASSWORD_MIN_LENGTH", 12)
    monkeypatch.setattr(settings, "SESSION_IDLE_MINUTES", 90)
    conf = _current()
    assert (conf.smtp_host, conf.smtp_port, conf.password_min_length, conf.session_idle_minutes) == ("mail.example.net", 2525, 12, 90)
    assert conf.two_factor_roles is None and conf.backup_every_hours == 0
    assert conf.backup_folder == str(settings.DATA_DIR / "backups")
    assert set(conf.course_creator_roles) == {"admin", "instructor"}


def test_only_settings_managers_change_settings(demo, actor_of):
    irene = actor_of("irene@example.com")
    with db.session_scope() as s, pytest.raises(PermissionDenied):
        org_settings.update(s, irene, org_name="Irene's place")
    with db.session_scope() as s, pytest.raises(PermissionDenied):
        org_settings.send_test_email(s, irene, "irene@example.com")
    assert _current().org_name != "Irene's place"


@pytest.mark.parametrize("changes,message", [
    ({"default_timezone": "Mars/Olympus"}, "“Mars/Olympus” is not a time zone"),
    ({"smtp_port": 0}, "port must be between 1 and 65535"),
    ({"smtp_port": "70000"}, "port must be between 1 and 65535"),
    ({"smtp_port": "twenty-five"}, "port must be a whole number"),
    ({"password_min_length": 7}, "minimum password length must be between 8 and 128"),
    ({"password_min_length": 129}, "minimum password length must be between 8 and 128"),
    ({"session_idle_minutes": 600, "session_absolute_minutes": 120}, "cannot take longer than the longest sign-in"),
    ({"session_absolute_minutes": 10}, "longest sign-in (minutes) must be between 60"),
    ({"smtp_sender": "the academy"}, "sender must be an email address"),
    ({"smtp_tls": "maybe"}, "Encryption must be off, STARTTLS or SSL/TLS"),
    ({"org_name": "   "}, "must have 1 to 200 characters"),
    ({"backup_folder": "backups"}, "must be a full path"),
    ({"course_creator_roles": ["wizard"]}, "There is no role called “wizard”"),
    ({"colour": "blue"}, "There is no setting called “colour”"),
])
def test_bad_values_are_refused_with_the_reason_and_nothing_is_saved(admin, changes, message):
    before = _current()
    with pytest.raises(Invalid) as refused:
        _update(**changes)
    assert message in refused.value.message
    assert _current() == before
    assert _events() == []


def test_a_backup_folder_that_cannot_be_written_is_refused(admin, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(Invalid, match="cannot be written to"):
        _update(backup_folder=str(blocker / "backups"))
    conf = _update(backup_folder=str(tmp_path / "lms-backups"), backup_every_hours=24, backup_keep=5)
    assert (conf.backup_folder, conf.backup_every_hours, conf.backup_keep) == (str(tmp_path / "lms-backups"), 24, 5)


def test_one_audit_event_with_before_and_after_and_never_the_password(admin):
    old_host = _current().smtp_host
    _update(org_name="Example Academy", smtp_host="smtp.example.org", smtp_port=587, smtp_tls="starttls",
            smtp_user="mailer", smtp_password="hunter2-very-secret", smtp_sender="Academy <academy@example.org>")
    [event] = _events()
    assert event.after["org_name"] == "Example Academy"
    assert event.before["smtp_host"] == old_host and event.after["smtp_host"] == "smtp.example.org"
    assert event.after["smtp_password"] == "changed" and event.before["smtp_password"] == "not set"
    assert "hunter2" not in json.dumps([event.before, event.after])
    with Session(db.get_engine()) as s:
        row = s.exec(select(OrgSetting).where(OrgSetting.key == "smtp_password")).one()
        assert "hunter2" not in json.dumps(row.value)
        assert org_settings.smtp_password(s, auth.default_org(s).id) == "hunter2-very-secret"
    conf = _current()
    assert conf.smtp_password_set and not hasattr(conf, "smtp_password")


def test_an_empty_password_keeps_the_saved_one(admin):
    _update(smtp_user="mailer", smtp_password="first-secret")
    _update(smtp_user="mailer2", smtp_password="")
    with Session(db.get_engine()) as s:
        assert org_settings.smtp_password(s, auth.default_org(s).id) == "first-secret"
    assert "smtp_password" not in _events()[-1].after


def test_saving_the_same_values_records_nothing(admin):
    conf = _current()
    _update(org_name=conf.org_name, smtp_port=conf.smtp_port)
    assert _events() == []


def test_a_longer_minimum_refuses_a_short_password_at_the_next_change(demo, actor_of):
    leo = actor_of("leo@example.com")
    with db.session_scope() as s:
        auth.change_password(s, leo, DEMO_PASSWORD, "Kq7#mv2!Lp-xy")  # 13 characters: fine by default
    _update(password_min_length=16)
    with db.session_scope() as s, pytest.raises(Invalid, match="at least 16 characters"):
        auth.change_password(s, leo, "Kq7#mv2!Lp-xy", "Zr8$nw3!Qt-ab")
    with db.session_scope() as s:
        auth.change_password(s, leo, "Kq7#mv2!Lp-xy", "Zr8$nw3!Qt-abcdef")


def test_a_shorter_idle_lifetime_ends_a_session_at_once(demo):
    with db.session_scope() as s:
        token = auth.login(s, "leo@example.com", DEMO_PASSWORD).token
    with db.session_scope() as s:
        row = s.exec(select(LoginSession)).one()
        row.last_seen_at = utcnow() - timedelta(minutes=30)
        s.add(row)
    with Session(db.get_engine()) as s:
        assert auth.resolve(s, token) is not None
    _update(session_idle_minutes=20)
    with Session(db.get_engine()) as s:
        assert auth.resolve(s, token) is None


def test_a_shorter_absolute_lifetime_ends_old_sessions_and_shortens_new_ones(demo):
    with db.session_scope() as s:
        token = auth.login(s, "leo@example.com", DEMO_PASSWORD).token
        row = s.exec(select(LoginSession)).one()
        row.created_at = utcnow() - timedelta(hours=3)
        s.add(row)
    _update(session_absolute_minutes=120, session_idle_minutes=60)
    with Session(db.get_engine()) as s:
        assert auth.resolve(s, token) is None
    with db.session_scope() as s:
        result = auth.login(s, "leo@example.com", DEMO_PASSWORD)
    assert timedelta(minutes=119) < result.expires_at - utcnow() <= timedelta(minutes=120)


def test_who_may_create_courses_is_chosen_by_role_and_survives_an_upgrade(demo, actor_of):
    assert actor_of("irene@example.com").can("courses.create")
    conf = _update(course_creator_roles=["manager"])
    assert set(conf.course_creator_roles) == {"admin", "manager"}, "admins always keep it"
    assert not actor_of("irene@example.com").can("courses.create")
    assert actor_of("maya@example.com").can("courses.create")
    assert actor_of("admin@example.com").can("courses.create")
    assert {e.target_label for e in _events("role.updated")} == {"instructor", "manager"}
    with db.session_scope() as s:
        ensure_installation(s)  # what `migrate` runs at every start
    assert set(_current().course_creator_roles) == {"admin", "manager"}


def test_registration_goes_through_the_users_service(admin):
    conf = _update(registration_mode="domains", registration_domains="example.com, Example.org")
    assert conf.registration_mode == "domains" and conf.registration_domains == ("example.com", "example.org")
    with Session(db.get_engine()) as s:
        assert users.registration_settings(s, actor_for(s, s.exec(select(User).where(User.email == "admin@example.com")).one()))[0] == "domains"
    assert [e.action for e in _events("settings.registration_changed")] == ["settings.registration_changed"]
    with pytest.raises(Invalid, match="at least one email domain"):
        _update(registration_mode="domains", registration_domains="")


def test_two_factor_roles_are_kept_or_reset_to_the_default_rule(admin):
    assert _update(two_factor_roles=["manager", "admin"]).two_factor_roles == ("admin", "manager")
    assert _update(two_factor_roles=None).two_factor_roles is None


def test_the_logo_is_checked_by_content_and_size(admin):
    with db.session_scope() as s:
        conf = org_settings.store_logo(s, admin, io.BytesIO(PNG))
    first = conf.logo_path
    assert first.startswith(f"logos/{admin.org_id}/") and (settings.PRIVATE_DIR / first).read_bytes() == PNG
    assert org_settings.logo_url(conf).startswith("/files/org/logo?v=")
    with db.session_scope() as s:
        conf = org_settings.store_logo(s, admin, io.BytesIO(SVG))
    assert conf.logo_path.endswith(".svg") and not (settings.PRIVATE_DIR / first).exists(), "the replaced logo is deleted"
    with db.session_scope() as s, pytest.raises(Invalid, match="PNG, JPEG or SVG"):
        org_settings.store_logo(s, admin, io.BytesIO(b"GIF89a" + b"\x00" * 20))
    with db.session_scope() as s, pytest.raises(Invalid, match="at most 1 MB"):
        org_settings.store_logo(s, admin, io.BytesIO(PNG + b"\x00" * (1024 * 1024)))
    assert _current().logo_path == conf.logo_path


# --- the mail server, for real (aiosmtpd) ---------------------------------------------------------

@pytest.fixture
def mail_server(monkeypatch):
    inbox, controller = _start_server(monkeypatch)
    yield inbox, controller.port
    controller.stop()


def test_the_test_email_reaches_the_server_and_its_answer_is_given(admin, mail_server):
    inbox, port = mail_server
    _update(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="off", smtp_sender="Academy <academy@example.org>")
    with db.session_scope() as s:
        answer = org_settings.send_test_email(s, admin, "admin@example.com")
    assert answer == "250 Message accepted for delivery"
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "academy@example.org" and envelope.rcpt_tos == ["admin@example.com"]
    assert inbox.messages[0]["Subject"].startswith("Test email from ")


def test_a_refused_address_gives_the_servers_words(admin, mail_server):
    inbox, port = mail_server
    inbox.refuse.add("nobody@example.com")
    _update(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="off")
    with db.session_scope() as s, pytest.raises(Invalid) as refused:
        org_settings.send_test_email(s, admin, "nobody@example.com")
    assert refused.value.message == "The mail server refused the address nobody@example.com: 550 5.1.1 No such mailbox here"


def test_a_refused_connection_is_said_in_words(admin):
    from tests.unit.test_email_outbox import _free_port

    port = _free_port()
    _update(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="off")
    with db.session_scope() as s, pytest.raises(Invalid) as refused:
        org_settings.send_test_email(s, admin, "admin@example.com")
    assert refused.value.message == (f"Could not connect to the mail server at 127.0.0.1:{port}: the connection was refused. "
                                     "Check the host and the port.")


def test_the_outbox_uses_the_saved_server_without_a_restart(admin, mail_server, monkeypatch):
    inbox, port = mail_server
    monkeypatch.setattr(settings, "SMTP_PORT", 9)  # the environment now points nowhere
    _update(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="Settings Sender <settings@example.org>")
    with db.session_scope() as s:
        queue_email(s, to="leo@example.com", subject="Hello", body_text="Hi Leo.", org_id=auth.default_org(s).id)
    assert Runner().run_until_idle() == 1
    [message] = inbox.messages
    assert message["From"] == "Settings Sender <settings@example.org>"
    assert inbox.envelopes[0].mail_from == "settings@example.org"


def test_the_outbox_signs_in_with_the_sealed_password(admin, monkeypatch):
    from aiosmtpd.smtp import AuthResult

    logins = []

    def check(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-from-settings")

    inbox, controller = _start_server(monkeypatch, authenticator=check, auth_require_tls=False)
    try:
        _update(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_user="mailer", smtp_password="s3cret-from-settings")
        with db.session_scope() as s:
            queue_email(s, to="leo@example.com", subject="Hello", body_text="Hi Leo.", org_id=auth.default_org(s).id)
        assert Runner().run_until_idle() == 1
        assert logins == [(b"mailer", b"s3cret-from-settings")] and len(inbox.envelopes) == 1
    finally:
        controller.stop()


def test_the_organization_name_is_what_pages_show(admin):
    _update(org_name="Example Academy")
    with Session(db.get_engine()) as s:
        assert s.get(Organization, admin.org_id).name == "Example Academy"
