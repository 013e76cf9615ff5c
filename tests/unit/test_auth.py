"""Sign-in, throttling, login sessions, invitations, password resets and self-registration."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import (
    AuditEvent,
    Invitation,
    LoginAttempt,
    LoginSession,
    Organization,
    OutgoingEmail,
    PasswordReset,
    User,
    utcnow,
)
from lms_app.services import audit, auth
from lms_app.services.errors import DomainError, Invalid, NotFound, NotSignedIn, PermissionDenied, Throttled
from lms_app.services.passwords import hash_password
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.services.permissions import require
from lms_app.state.base import cookie_token, signed_in

NEW_PASSWORD = "Otter-lantern-cobble-91"
LEO = "leo@example.com"
WINDOW = settings.LOGIN_WINDOW_MINUTES


@pytest.fixture(autouse=True)
def _throttle_defaults(monkeypatch):
    """The shipped thresholds, pinned so the tests read as the numbers they check."""
    monkeypatch.setattr(settings, "LOGIN_WINDOW_MINUTES", 15)
    monkeypatch.setattr(settings, "LOGIN_SLOW_AFTER", 3)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ACCOUNT_AFTER", 5)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 20)


def _fail(session: Session, email: str = LEO, *, ip: str = "10.0.0.1", password: str = "not-the-password-1") -> DomainError:
    with pytest.raises(DomainError) as exc:
        auth.login(session, email, password, ip=ip)
    session.commit()  # as the route does: the failed attempt and its audit row stay
    return exc.value


def _login(session: Session, email: str = LEO, *, ip: str = "10.0.0.1", password: str = DEMO_PASSWORD) -> auth.LoginResult:
    result = auth.login(session, email, password, ip=ip)
    session.commit()
    return result


def _age_attempts(session: Session, minutes: float) -> None:
    """Let time pass for the throttle: every recorded attempt moves `minutes` into the past."""
    for attempt in session.exec(select(LoginAttempt)).all():
        attempt.at = attempt.at - timedelta(minutes=minutes)
        session.add(attempt)
    session.commit()


def _actions(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def _user(session: Session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def _set(session: Session, row, **values) -> None:
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)
    session.commit()


def _org(session: Session) -> Organization:
    return auth.default_org(session)


# --- sign-in -------------------------------------------------------------------------------

def test_right_password_signs_in_and_is_audited(demo, session):
    result = _login(session, ip="10.0.0.9")
    assert result.actor.email == LEO and result.actor.can("learning.view")
    assert auth.resolve(session, result.token).user_id == demo[LEO].id
    assert _user(session, LEO).last_login_at is not None
    logins = _actions(session, "login")
    assert [(e.target_label, e.ip, e.actor_id) for e in logins] == [(LEO, "10.0.0.9", demo[LEO].id)]
    assert session.exec(select(LoginAttempt)).one().succeeded


def test_email_case_and_spaces_do_not_matter(demo, session):
    assert _login(session, "  Leo@Example.COM ").actor.email == LEO


def test_wrong_password_and_unknown_email_get_the_same_answer(demo, session):
    wrong = _fail(session, LEO)
    unknown = _fail(session, "nobody@example.com")
    assert isinstance(wrong, Invalid) and isinstance(unknown, Invalid)
    assert wrong.message == unknown.message == "Wrong email or password."
    reasons = [(e.target_label, e.after["reason"]) for e in _actions(session, "login.failed")]
    assert reasons == [(LEO, "wrong password"), ("nobody@example.com", "unknown email")]
    assert session.exec(select(LoginSession)).all() == []


def test_invited_user_without_password_cannot_sign_in(demo, session):
    org = _org(session)
    session.add(User(org_id=org.id, email="new@example.com", name="New Person"))
    session.commit()
    assert _fail(session, "new@example.com", password="").message == "Wrong email or password."
    assert _fail(session, "new@example.com", password="not-a-real-password-just-timing").message == "Wrong email or password."


def test_deactivated_account_is_refused(demo, session):
    _set(session, _user(session, LEO), is_active=False)
    assert "deactivated" in _fail(session, password=DEMO_PASSWORD).message
    # Without the right password nothing tells the account apart from an unknown one.
    assert _fail(session).message == "Wrong email or password."
    assert [e.after["reason"] for e in _actions(session, "login.failed")] == ["deactivated", "wrong password"]
    assert session.exec(select(LoginSession)).all() == []


def test_account_awaiting_approval_is_refused(demo, session):
    _set(session, _user(session, LEO), pending_approval=True)
    assert "waiting for an administrator's approval" in _fail(session, password=DEMO_PASSWORD).message
    assert _actions(session, "login.failed")[0].after["reason"] == "awaiting approval"


# --- throttling ----------------------------------------------------------------------------

def test_failures_are_slowed_down_more_and_more(demo, session):
    delays = []
    for _ in range(4):
        delays.append(auth.throttle_state(session, LEO, "10.0.0.1").delay_seconds)
        _fail(session)
    delays.append(auth.throttle_state(session, LEO, "10.0.0.1").delay_seconds)
    # Free until LOGIN_SLOW_AFTER failures, then half a second more with each one.
    assert delays == [0.0, 0.0, 0.0, 0.5, 1.0]


def test_slow_down_is_capped_at_three_seconds(demo, session, monkeypatch):
    monkeypatch.setattr(settings, "LOGIN_LOCK_ACCOUNT_AFTER", 100)
    session.add_all(LoginAttempt(email=LEO, ip="10.0.0.1", succeeded=False) for _ in range(30))
    session.commit()
    assert auth.throttle_state(session, LEO, "10.0.0.1").delay_seconds == 3.0


def test_account_locks_after_repeated_failures_even_for_the_right_password(demo, session):
    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER):
        assert isinstance(_fail(session), Invalid)
    # From another address too: the lock is on the account.
    locked = _fail(session, ip="10.9.9.9", password=DEMO_PASSWORD)
    assert isinstance(locked, Throttled) and locked.status_code == 429
    assert "locked for 15 more minutes" in locked.message
    assert session.exec(select(LoginSession)).all() == []
    assert [e.target_label for e in _actions(session, "login.locked")] == [LEO]
    # Other accounts are not affected.
    assert _login(session, "maya@example.com", ip="10.0.0.1").actor.email == "maya@example.com"


def test_the_lock_message_counts_down_the_minutes_left(demo, session):
    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER):
        _fail(session)
    _age_attempts(session, 10)
    assert "locked for 5 more minutes" in _fail(session, password=DEMO_PASSWORD).message
    _age_attempts(session, 4.5)
    assert "locked for 1 more minute;" in _fail(session, password=DEMO_PASSWORD).message


def test_lock_expires_after_the_window(demo, session):
    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER):
        _fail(session)
    assert isinstance(_fail(session, password=DEMO_PASSWORD), Throttled)
    _age_attempts(session, WINDOW + 1)
    assert auth.throttle_state(session, LEO, "10.0.0.1").locked_until is None
    assert _login(session).actor.email == LEO


def test_lock_lasts_a_full_window_after_the_failure_that_set_it_off(demo, session):
    # Four mistakes spread over a quarter of an hour, then a fifth: the account locks and
    # says for how long; that must hold even when the first mistakes leave the window.
    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER - 1):
        _fail(session)
    _age_attempts(session, WINDOW - 1)
    _fail(session)
    assert "locked for 15 more minutes" in _fail(session, password=DEMO_PASSWORD).message
    _age_attempts(session, 2)
    locked = _fail(session, password=DEMO_PASSWORD)
    assert isinstance(locked, Throttled) and "locked for 13 more minutes" in locked.message
    _age_attempts(session, 13.5)
    assert _login(session).actor.email == LEO


def test_address_locks_after_failures_across_accounts(demo, session, monkeypatch):
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 6)
    for email in ("leo@example.com", "maya@example.com", "irene@example.com"):
        _fail(session, email, ip="10.6.6.6")
        _fail(session, email, ip="10.6.6.6")
    # No account reached its own limit, but this address did: everyone behind it waits.
    locked = _fail(session, "isaac@example.com", ip="10.6.6.6", password=DEMO_PASSWORD)
    assert isinstance(locked, Throttled) and "locked for 15 more minutes" in locked.message
    assert _login(session, "isaac@example.com", ip="10.7.7.7").actor.email == "isaac@example.com"
    _age_attempts(session, WINDOW + 1)
    assert _login(session, "leo@example.com", ip="10.6.6.6").actor.email == LEO


def test_a_valid_account_does_not_let_an_address_spray_passwords_forever(demo, session, monkeypatch):
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 6)
    for round_ in range(3):
        for email in ("maya@example.com", "irene@example.com"):
            _fail(session, email, ip="10.8.8.8")
        if round_ < 2:
            # The sprayer's own account signs in between rounds: the address's count stays.
            assert _login(session, "isaac@example.com", ip="10.8.8.8").actor.email == "isaac@example.com"
    locked = _fail(session, "isaac@example.com", ip="10.8.8.8", password=DEMO_PASSWORD)
    assert isinstance(locked, Throttled)


def test_address_failures_slow_down_every_account_from_that_address(demo, session):
    session.add_all(LoginAttempt(email=f"probe{i}@example.com", ip="10.6.6.6", succeeded=False) for i in range(16))
    session.commit()
    assert auth.throttle_state(session, "admin@example.com", "10.6.6.6").delay_seconds == 1.0
    assert auth.throttle_state(session, "admin@example.com", "10.7.7.7").delay_seconds == 0.0


def test_a_success_resets_the_count(demo, session):
    limit = settings.LOGIN_LOCK_ACCOUNT_AFTER
    for _ in range(limit - 1):
        _fail(session)
    assert auth.throttle_state(session, LEO, "10.0.0.1").delay_seconds > 0
    _login(session)
    assert auth.throttle_state(session, LEO, "10.0.0.1").delay_seconds == 0.0
    for _ in range(limit - 1):
        _fail(session)
    assert _login(session).actor.email == LEO


def test_every_failure_is_audited_and_the_chain_verifies(demo, session):
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        _fail(session, ip=ip)
    _fail(session, "ghost@example.com", ip="10.0.0.4")
    failed = _actions(session, "login.failed")
    assert [(e.target_label, e.ip) for e in failed] == [
        (LEO, "10.0.0.1"), (LEO, "10.0.0.2"), (LEO, "10.0.0.3"), ("ghost@example.com", "10.0.0.4")]
    assert all(e.actor_id is None and e.org_id == _org(session).id for e in failed)
    assert len(session.exec(select(LoginAttempt).where(LoginAttempt.succeeded.is_(False))).all()) == 4
    result = audit.verify(session)
    assert result.ok, result.message


# --- login sessions ------------------------------------------------------------------------

def test_the_database_stores_only_a_hash_of_the_cookie_token(demo, session):
    token = _login(session).token
    assert len(token) >= 40
    row = session.exec(select(LoginSession)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    raw_rows = session.execute(text("SELECT * FROM loginsession")).all()
    assert token not in repr(raw_rows)
    # A second sign-in gets a different token.
    assert _login(session).token != token


def test_unknown_or_missing_tokens_resolve_to_nobody(demo, session):
    token = _login(session).token
    assert auth.resolve(session, None) is None
    assert auth.resolve(session, "") is None
    assert auth.resolve(session, token + "x") is None
    # The stored hash itself is not a key to the session.
    assert auth.resolve(session, session.exec(select(LoginSession)).one().token_hash) is None


def test_idle_session_expires(demo, session):
    token = _login(session).token
    row = session.exec(select(LoginSession)).one()
    _set(session, row, last_seen_at=utcnow() - timedelta(minutes=settings.SESSION_IDLE_MINUTES - 5))
    assert auth.resolve(session, token) is not None
    _set(session, row, last_seen_at=utcnow() - timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1))
    assert auth.resolve(session, token) is None


def test_use_keeps_a_session_from_going_idle(demo, session):
    token = _login(session).token
    row = session.exec(select(LoginSession)).one()
    _set(session, row, last_seen_at=utcnow() - timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1))
    assert auth.resolve(session, token) is not None
    session.commit()
    session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_absolute_expiry_ends_even_an_active_session(demo, session):
    token = _login(session).token
    row = session.exec(select(LoginSession)).one()
    assert row.expires_at - row.created_at == timedelta(minutes=settings.SESSION_ABSOLUTE_MINUTES)
    _set(session, row, expires_at=utcnow() - timedelta(seconds=1), last_seen_at=utcnow())
    assert auth.resolve(session, token) is None


def test_logout_revokes_the_session(demo, session):
    token = _login(session).token
    other = _login(session).token
    auth.logout(session, token, "10.0.0.5")
    session.commit()
    assert auth.resolve(session, token) is None
    assert auth.resolve(session, other) is not None  # only that browser is signed out
    assert [(e.actor_id, e.ip) for e in _actions(session, "logout")] == [(demo[LEO].id, "10.0.0.5")]
    auth.logout(session, token)  # twice, or without a token: nothing happens
    auth.logout(session, None)
    session.commit()
    assert len(_actions(session, "logout")) == 1


def test_a_deactivated_user_is_signed_out_everywhere(demo, session):
    token = _login(session).token
    _set(session, _user(session, LEO), is_active=False)
    assert auth.resolve(session, token) is None


def test_resolve_reflects_role_changes_at_once(demo, session):
    token = _login(session, "maya@example.com").token
    assert auth.resolve(session, token).can("teams.view")
    session.execute(text("DELETE FROM userrole WHERE user_id = :u AND role_id IN (SELECT id FROM role WHERE name = 'manager')"),
                    {"u": demo["maya@example.com"].id})
    session.commit()
    assert not auth.resolve(session, token).can("teams.view")


def test_list_sessions_own_and_others(demo, session):
    leo_a = _login(session).token
    _login(session)
    revoked = _login(session).token
    auth.logout(session, revoked)
    admin_token = _login(session, "admin@example.com").token
    session.commit()
    leo = auth.resolve(session, leo_a)
    admin = auth.resolve(session, admin_token)
    assert len(auth.list_sessions(session, leo, leo.user_id)) == 2
    assert len(auth.list_sessions(session, admin, leo.user_id)) == 2
    with pytest.raises(PermissionDenied):
        auth.list_sessions(session, leo, admin.user_id)
    with pytest.raises(NotSignedIn):
        auth.list_sessions(session, None, leo.user_id)


def test_list_sessions_leaves_out_expired_ones(demo, session):
    token = _login(session).token
    _login(session)
    rows = session.exec(select(LoginSession).order_by(LoginSession.id)).all()
    _set(session, rows[1], last_seen_at=utcnow() - timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1))
    leo = auth.resolve(session, token)
    assert [s.id for s in auth.list_sessions(session, leo, leo.user_id)] == [rows[0].id]


def test_sessions_of_another_organization_stay_hidden(demo, session):
    other_org = Organization(name="Elsewhere Ltd")
    session.add(other_org)
    session.flush()
    stranger = User(org_id=other_org.id, email="stranger@elsewhere.example", name="Stranger", password_hash=hash_password(DEMO_PASSWORD))
    session.add(stranger)
    session.commit()
    stranger_session = LoginSession(token_hash="f" * 64, user_id=stranger.id, expires_at=utcnow() + timedelta(days=1))
    session.add(stranger_session)
    session.commit()
    admin = auth.resolve(session, _login(session, "admin@example.com").token)
    with pytest.raises(NotFound):
        auth.list_sessions(session, admin, stranger.id)
    with pytest.raises(NotFound):
        auth.revoke_session(session, admin, stranger_session.id)


def test_owner_and_admin_may_revoke_a_session_but_not_another_learner(demo, session):
    leo_token = _login(session).token
    leo_second = _login(session).token
    admin_token = _login(session, "admin@example.com").token
    amara_token = _login(session, "amara@example.com").token
    leo = auth.resolve(session, leo_token)
    admin = auth.resolve(session, admin_token)
    amara = auth.resolve(session, amara_token)
    ids = {s.token_hash: s.id for s in session.exec(select(LoginSession)).all()}
    first, second = ids[auth.token_hash(leo_token)], ids[auth.token_hash(leo_second)]

    with pytest.raises(PermissionDenied):
        auth.revoke_session(session, amara, first)
    session.rollback()
    assert auth.resolve(session, leo_token) is not None

    auth.revoke_session(session, leo, second)
    session.commit()
    assert auth.resolve(session, leo_second) is None

    auth.revoke_session(session, admin, first)
    session.commit()
    assert auth.resolve(session, leo_token) is None
    revoked = _actions(session, "session.revoked")
    assert [(e.actor_id, e.target_id) for e in revoked] == [(leo.user_id, str(leo.user_id)), (admin.user_id, str(leo.user_id))]

    with pytest.raises(NotFound):
        auth.revoke_session(session, admin, 999_999)


# --- invitations ---------------------------------------------------------------------------

def _invite(session: Session, admin_actor, email: str = "nina@example.com") -> tuple[User, str]:
    user = User(org_id=_org(session).id, email=email, name="Nina Newcomer")
    session.add(user)
    session.flush()
    token = auth.create_invitation(session, admin_actor, user)
    session.commit()
    return user, token


def test_invitation_is_emailed_with_a_single_use_link(demo, session, actor_of):
    user, token = _invite(session, actor_of("admin@example.com"))
    mail = session.exec(select(OutgoingEmail)).one()
    assert mail.to_address == "nina@example.com" and mail.status == "queued"
    assert f"{settings.PUBLIC_URL}/invite/{token}" in mail.body_text
    assert "Ada Admin invited you" in mail.body_text
    invitation = session.exec(select(Invitation)).one()
    assert invitation.token_hash == auth.token_hash(token) and token not in repr(invitation.model_dump())
    assert invitation.expires_at - invitation.created_at == timedelta(days=settings.INVITATION_DAYS)
    assert auth.invitation_user(session, token).id == user.id

    # The password policy applies, and a refused password does not use the link up.
    with pytest.raises(Invalid, match="at least"):
        auth.accept_invitation(session, token, "short")
    session.rollback()
    with pytest.raises(Invalid, match="email"):
        auth.accept_invitation(session, token, "nina-newcomer-2026")
    session.rollback()

    result = auth.accept_invitation(session, token, NEW_PASSWORD, ip="10.1.1.1")
    session.commit()
    assert auth.resolve(session, result.token).user_id == user.id
    assert [e.target_id for e in _actions(session, "invitation.accepted")] == [str(user.id)]
    assert _login(session, "nina@example.com", password=NEW_PASSWORD).actor.email == "nina@example.com"

    with pytest.raises(Invalid, match="expired or was already used"):
        auth.accept_invitation(session, token, "Another-fine-password-7")
    with pytest.raises(Invalid, match="expired or was already used"):
        auth.invitation_user(session, token)


def test_accepting_one_invitation_spends_the_older_ones(demo, session, actor_of):
    admin = actor_of("admin@example.com")
    user, first = _invite(session, admin)
    second = auth.create_invitation(session, admin, user)
    session.commit()
    assert len(session.exec(select(OutgoingEmail)).all()) == 2
    auth.accept_invitation(session, second, NEW_PASSWORD)
    session.commit()
    # Whoever holds the first email must not be able to choose the password again.
    with pytest.raises(Invalid, match="expired or was already used"):
        auth.accept_invitation(session, first, "Hijacked-password-2026")


def test_expired_invitation_is_refused(demo, session, actor_of):
    _, token = _invite(session, actor_of("admin@example.com"))
    _set(session, session.exec(select(Invitation)).one(), expires_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(Invalid, match="expired or was already used"):
        auth.accept_invitation(session, token, NEW_PASSWORD)
    with pytest.raises(Invalid):
        auth.accept_invitation(session, "made-up-token", NEW_PASSWORD)


def test_invitation_of_a_deactivated_user_is_refused(demo, session, actor_of):
    user, token = _invite(session, actor_of("admin@example.com"))
    _set(session, user, is_active=False)
    with pytest.raises(Invalid, match="deactivated"):
        auth.accept_invitation(session, token, NEW_PASSWORD)


# --- password resets -----------------------------------------------------------------------

def _request_reset(session: Session, email: str) -> str | None:
    """Ask for a reset; the link's token as the email carries it (None when no email went)."""
    before = len(session.exec(select(OutgoingEmail)).all())
    auth.request_password_reset(session, email, ip="10.2.2.2")
    session.commit()
    mails = session.exec(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
    if len(mails) == before:
        return None
    assert len(mails) == before + 1
    link = next(line for line in mails[-1].body_text.splitlines() if "/reset/" in line)
    assert link.startswith(f"{settings.PUBLIC_URL}/reset/")
    return link.rsplit("/", 1)[1]


def test_reset_for_an_unknown_email_sends_nothing_and_tells_nothing(demo, session):
    assert auth.request_password_reset(session, "nobody@example.com") is None
    session.commit()
    assert session.exec(select(OutgoingEmail)).all() == []
    assert session.exec(select(PasswordReset)).all() == []
    assert [e.target_label for e in _actions(session, "password.reset_requested")] == ["nobody@example.com"]


def test_reset_for_a_deactivated_account_sends_nothing(demo, session):
    _set(session, _user(session, LEO), is_active=False)
    assert _request_reset(session, LEO) is None


def test_reset_link_changes_the_password_once(demo, session):
    token = _request_reset(session, " LEO@example.com ")
    mail = session.exec(select(OutgoingEmail)).one()
    assert mail.to_address == LEO
    assert session.exec(select(PasswordReset)).one().token_hash == auth.token_hash(token)

    with pytest.raises(Invalid, match="too common"):
        auth.reset_password(session, token, "password123456")
    session.rollback()
    user = auth.reset_password(session, token, NEW_PASSWORD, ip="10.2.2.2")
    session.commit()
    assert user.email == LEO
    assert [(e.target_label, e.ip) for e in _actions(session, "password.reset")] == [(LEO, "10.2.2.2")]
    assert _fail(session, password=DEMO_PASSWORD).message == "Wrong email or password."
    assert _login(session, password=NEW_PASSWORD).actor.email == LEO
    with pytest.raises(Invalid, match="expired or was already used"):
        auth.reset_password(session, token, "Another-fine-password-7")


def test_a_reset_spends_every_link_sent_before(demo, session):
    first = _request_reset(session, LEO)
    second = _request_reset(session, LEO)
    assert first != second
    auth.reset_password(session, second, NEW_PASSWORD)
    session.commit()
    with pytest.raises(Invalid, match="expired or was already used"):
        auth.reset_password(session, first, "Hijacked-password-2026")
    session.rollback()
    assert _login(session, password=NEW_PASSWORD).actor.email == LEO


def test_expired_reset_link_is_refused(demo, session):
    token = _request_reset(session, LEO)
    row = session.exec(select(PasswordReset)).one()
    assert row.expires_at - row.created_at == timedelta(minutes=settings.PASSWORD_RESET_MINUTES)
    _set(session, row, expires_at=utcnow() - timedelta(seconds=1))
    with pytest.raises(Invalid, match="expired"):
        auth.reset_password(session, token, NEW_PASSWORD)


def test_reset_signs_out_every_existing_session(demo, session):
    tokens = [_login(session).token, _login(session).token]
    maya = _login(session, "maya@example.com").token
    auth.reset_password(session, _request_reset(session, LEO), NEW_PASSWORD)
    session.commit()
    assert [auth.resolve(session, t) for t in tokens] == [None, None]
    assert auth.resolve(session, maya) is not None


def test_reset_lifts_the_lock_its_message_points_to(demo, session):
    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER):
        _fail(session)
    locked = _fail(session, password=DEMO_PASSWORD)
    assert "reset your password" in locked.message
    auth.reset_password(session, _request_reset(session, LEO), NEW_PASSWORD, ip="10.2.2.2")
    session.commit()
    assert _login(session, password=NEW_PASSWORD).actor.email == LEO


def test_reset_does_not_lift_the_lock_of_an_address(demo, session, monkeypatch):
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 4)
    for email in ("maya@example.com", "irene@example.com", "isaac@example.com", "amara@example.com"):
        _fail(session, email, ip="10.6.6.6")
    auth.reset_password(session, _request_reset(session, LEO), NEW_PASSWORD, ip="10.6.6.6")
    session.commit()
    assert isinstance(_fail(session, "maya@example.com", ip="10.6.6.6", password=DEMO_PASSWORD), Throttled)


# --- self-registration ---------------------------------------------------------------------

def _registration(session: Session, mode: str, domains: str = "") -> None:
    _set(session, _org(session), registration_mode=mode, registration_domains=domains)


def test_registration_closed_is_refused(demo, session):
    _registration(session, "closed")
    with pytest.raises(PermissionDenied, match="closed"):
        auth.register(session, "newbie@example.com", "New Bie", NEW_PASSWORD)
    session.rollback()
    assert auth.find_user(session, _org(session).id, "newbie@example.com") is None


def test_registration_open_to_some_domains(demo, session):
    _registration(session, "domains", "example.com, @harbor.example")
    with pytest.raises(PermissionDenied) as exc:
        auth.register(session, "someone@gmail.example", "Some One", NEW_PASSWORD)
    assert "example.com, harbor.example" in exc.value.message
    session.rollback()
    with pytest.raises(PermissionDenied):
        auth.register(session, "someone@evil-example.com", "Some One", NEW_PASSWORD)
    session.rollback()
    user = auth.register(session, "Newbie@Harbor.Example", "New Bie", NEW_PASSWORD, ip="10.3.3.3")
    session.commit()
    assert user.email == "newbie@harbor.example" and not user.pending_approval
    actor = _login(session, "newbie@harbor.example", password=NEW_PASSWORD).actor
    assert actor.roles == {"learner"}
    assert [(e.target_label, e.ip) for e in _actions(session, "user.registered")] == [("newbie@harbor.example", "10.3.3.3")]


def test_registration_awaiting_approval_cannot_sign_in_until_approved(demo, session):
    _registration(session, "approval")
    user = auth.register(session, "waiting@anywhere.example", "Wai Ting", NEW_PASSWORD)
    session.commit()
    assert user.pending_approval
    assert "approval" in _fail(session, "waiting@anywhere.example", password=NEW_PASSWORD).message
    _set(session, _user(session, "waiting@anywhere.example"), pending_approval=False)
    assert _login(session, "waiting@anywhere.example", password=NEW_PASSWORD).actor.can("learning.view")


def test_registration_refuses_an_existing_email(demo, session):
    _registration(session, "approval")
    with pytest.raises(Invalid, match="already exists"):
        auth.register(session, "LEO@example.com", "Leo Again", NEW_PASSWORD)


@pytest.mark.parametrize("email, name, password, reason", [
    ("not-an-email", "Some One", NEW_PASSWORD, "valid email"),
    ("someone@localhost", "Some One", NEW_PASSWORD, "valid email"),
    ("someone@example.com", "   ", NEW_PASSWORD, "your name"),
    ("someone@example.com", "Some One", "short", "at least"),
    ("someone@example.com", "Some One", "password123456", "too common"),
    ("someone@example.com", "Some One", "Someone-secret-77", "email"),
    ("x" * 320 + "@example.com", "Some One", NEW_PASSWORD, "email address is too long"),
    ("someone@example.com", "N" * 201, NEW_PASSWORD, "at most 200"),
])
def test_registration_explains_what_is_wrong(demo, session, email, name, password, reason):
    _registration(session, "approval")
    with pytest.raises(Invalid) as exc:
        auth.register(session, email, name, password)
    assert reason in exc.value.message
    session.rollback()
    assert len(session.exec(select(User)).all()) == len(demo)


# --- the cookie and the state decorator ---------------------------------------------------------

def test_cookie_token_reads_the_login_cookie():
    assert cookie_token(f"{settings.COOKIE_NAME}=abc-DEF_123") == "abc-DEF_123"
    assert cookie_token(f"theme=dark; {settings.COOKIE_NAME}=abc; lang=fr") == "abc"
    assert cookie_token("theme=dark") is None
    assert cookie_token("") is None
    assert cookie_token(None) is None


def test_cookie_token_survives_other_apps_cookies():
    assert cookie_token(f'prefs={{"a":1}}; {settings.COOKIE_NAME}=abc') == "abc"


class _Page:
    """The two things @signed_in needs from a state, with the token a browser would send."""

    def __init__(self, token: str | None):
        self.token = token

    def _actor(self, session):
        return auth.resolve(session, self.token)

    def _login_redirect(self):
        return "redirect-to-login"

    @signed_in
    def rename(self, session, actor, user_id: int, name: str):
        require(actor, "users.manage")  # as the service a handler calls would
        user = session.get(User, user_id)
        user.name = name
        session.add(user)
        if name == "!":
            raise Invalid("Names need letters.")
        return "renamed"


def test_signed_in_handlers_need_a_live_session_and_keep_nothing_of_a_failure(demo, session):
    leo_id = demo[LEO].id
    assert _Page(None).rename(leo_id, "Signed Out") == "redirect-to-login"
    assert _Page("forged-token").rename(leo_id, "Forged") == "redirect-to-login"
    revoked = _login(session, "admin@example.com").token
    auth.logout(session, revoked)
    session.commit()
    assert _Page(revoked).rename(leo_id, "Revoked") == "redirect-to-login"

    denied = _Page(_login(session).token).rename(leo_id, "Learner")
    assert "You do not have permission to do that." in str(denied)

    admin = _Page(_login(session, "admin@example.com").token)
    failed = admin.rename(leo_id, "!")
    assert "Names need letters." in str(failed)
    session.expire_all()
    assert _user(session, LEO).name == "Leo Learner"  # nothing of a failed handler is kept

    assert admin.rename(leo_id, "Leo Renamed") == "renamed"
    session.expire_all()
    assert _user(session, LEO).name == "Leo Renamed"


def test_signed_in_hides_the_injected_arguments_from_the_event_signature():
    import inspect

    assert list(inspect.signature(_Page.rename).parameters) == ["self", "user_id", "name"]
