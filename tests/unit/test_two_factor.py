"""Two-factor sign-in: enrolment, codes computed here with pyotp from the secret, recovery codes,
remembered devices, throttling of wrong codes, and which accounts must use it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import AuditEvent, LoginSession, Organization, Role, UserRole, utcnow
from lms_app.models.two_factor import TwoFactorEnrolment, TwoFactorRecoveryCode
from lms_app.services import auth, org_settings, two_factor
from lms_app.services.errors import Conflict, Invalid, Throttled
from lms_app.services.seed import DEMO_PASSWORD

ADMIN = "admin@example.com"
LEO = "leo@example.com"
IP = "203.0.113.9"


@pytest.fixture(autouse=True)
def _throttle_defaults(monkeypatch):
    monkeypatch.setattr(settings, "LOGIN_WINDOW_MINUTES", 15)
    monkeypatch.setattr(settings, "LOGIN_SLOW_AFTER", 3)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ACCOUNT_AFTER", 5)
    monkeypatch.setattr(settings, "LOGIN_LOCK_ADDRESS_AFTER", 20)


class Clock:
    """The service's clock, moved forward by whole TOTP steps so each test can use fresh codes."""

    def __init__(self, monkeypatch):
        self.offset = timedelta()
        monkeypatch.setattr(two_factor, "utcnow", lambda: utcnow() + self.offset)

    def now(self):
        return utcnow() + self.offset

    def advance_step(self) -> None:
        self.offset += timedelta(seconds=30)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def _code(secret: str, clock: Clock) -> str:
    return pyotp.TOTP(secret).at(clock.now())


def _enrol(session: Session, actor, clock: Clock) -> tuple[str, list[str]]:
    start = two_factor.start_enrolment(session, actor)
    codes = two_factor.confirm_enrolment(session, actor, _code(start.secret, clock))
    session.commit()
    clock.advance_step()
    return start.secret, codes


def _actions(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_start_gives_a_secret_an_otpauth_uri_with_the_organization_as_issuer_and_an_svg_qr(session, demo, actor_of, clock):
    org = session.exec(select(Organization)).first()
    start = two_factor.start_enrolment(session, actor_of(LEO))
    uri = urlparse(start.otpauth_uri)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [start.secret]
    assert parse_qs(uri.query)["issuer"] == [org.name]
    assert unquote(uri.path) == f"/{org.name}:{LEO}"
    assert start.qr_svg_data_uri.startswith("data:image/svg+xml")
    stored = session.exec(select(TwoFactorEnrolment)).one()
    assert start.secret not in stored.secret_encrypted  # encrypted at rest
    assert stored.enabled_at is None and not two_factor.is_enabled(session, demo[LEO].id)


def test_confirm_needs_a_code_from_the_new_secret_and_gives_ten_single_use_recovery_codes(session, demo, actor_of, clock):
    leo = actor_of(LEO)
    start = two_factor.start_enrolment(session, leo)
    with pytest.raises(Invalid):
        two_factor.confirm_enrolment(session, leo, pyotp.TOTP(pyotp.random_base32()).at(clock.now()))
    assert not two_factor.is_enabled(session, leo.user_id)
    codes = two_factor.confirm_enrolment(session, leo, _code(start.secret, clock))
    session.commit()
    assert two_factor.is_enabled(session, leo.user_id)
    assert len(codes) == 10 and len(set(codes)) == 10
    hashes = [row.code_hash for row in session.exec(select(TwoFactorRecoveryCode)).all()]
    assert len(hashes) == 10 and not any(code in hashes or code.replace("-", "") in hashes for code in codes)
    assert len(_actions(session, "two_factor.enrol")) == 1
    with pytest.raises(Conflict):
        two_factor.start_enrolment(session, leo)


def test_password_step_with_two_factor_on_opens_no_session_until_the_code(session, demo, actor_of, clock):
    secret, _ = _enrol(session, actor_of(LEO), clock)
    sessions_before = len(session.exec(select(LoginSession)).all())
    step = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP)
    session.commit()
    assert step.login is None and step.ticket
    assert len(session.exec(select(LoginSession)).all()) == sessions_before
    done = two_factor.verify_code(session, step.ticket, _code(secret, clock), ip=IP)
    session.commit()
    assert auth.resolve(session, done.login.token).user_id == demo[LEO].id
    assert done.device_token is None


def test_wrong_password_never_gives_a_ticket(session, demo, actor_of, clock):
    _enrol(session, actor_of(LEO), clock)
    with pytest.raises(Invalid, match="Wrong email or password"):
        two_factor.password_step(session, LEO, "not-the-password-1", ip=IP)


def test_a_wrong_code_is_refused_and_audited(session, demo, actor_of, clock):
    secret, _ = _enrol(session, actor_of(LEO), clock)
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    wrong = str((int(_code(secret, clock)) + 1) % 1_000_000).zfill(6)
    with pytest.raises(Invalid, match="not right"):
        two_factor.verify_code(session, ticket, wrong, ip=IP)
    session.commit()
    assert len(_actions(session, "two_factor.failed")) == 1


def test_a_code_works_only_once(session, demo, actor_of, clock):
    secret, _ = _enrol(session, actor_of(LEO), clock)
    code = _code(secret, clock)
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    two_factor.verify_code(session, ticket, code, ip=IP)
    session.commit()
    with pytest.raises(Invalid):
        two_factor.verify_code(session, ticket, code, ip=IP)
    # Nor does the code used to confirm the enrolment work at sign-in.
    clock.offset -= timedelta(seconds=30)
    with pytest.raises(Invalid):
        two_factor.verify_code(session, ticket, _code(secret, clock), ip=IP)


def test_a_recovery_code_works_once(session, demo, actor_of, clock):
    _, codes = _enrol(session, actor_of(LEO), clock)
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    done = two_factor.verify_code(session, ticket, codes[3].upper(), ip=IP)
    session.commit()
    assert done.used_recovery_code and done.login.token
    assert two_factor.recovery_codes_left(session, demo[LEO].id) == 9
    assert len(_actions(session, "two_factor.recovery_code_used")) == 1
    with pytest.raises(Invalid):
        two_factor.verify_code(session, ticket, codes[3], ip=IP)


def test_a_tampered_or_expired_ticket_is_refused(session, demo, actor_of, clock, monkeypatch):
    secret, _ = _enrol(session, actor_of(LEO), clock)
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    body, _, mac = ticket.partition(".")
    with pytest.raises(Invalid, match="took too long"):
        two_factor.verify_code(session, f"{body}.{'0' * len(mac)}", _code(secret, clock), ip=IP)
    monkeypatch.setattr(two_factor, "TICKET_MINUTES", -1)
    expired = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    with pytest.raises(Invalid, match="took too long"):
        two_factor.verify_code(session, expired, _code(secret, clock), ip=IP)


def test_a_remembered_device_skips_the_code_until_it_expires(session, demo, actor_of, clock, monkeypatch):
    secret, _ = _enrol(session, actor_of(LEO), clock)
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    device = two_factor.verify_code(session, ticket, _code(secret, clock), remember_device=True, ip=IP).device_token
    session.commit()
    assert device
    step = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP, device_token=device)
    assert step.ticket is None and step.login.token
    # A forged device cookie is ignored.
    assert two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP, device_token=device + "x").ticket
    monkeypatch.setattr(two_factor, "REMEMBER_DEVICE_DAYS", -1)
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    clock.advance_step()
    expired = two_factor.verify_code(session, ticket, _code(secret, clock), remember_device=True, ip=IP).device_token
    assert two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP, device_token=expired).ticket


def test_a_remembered_device_is_forgotten_when_two_factor_is_turned_off_and_on_again(session, demo, actor_of, clock):
    leo = actor_of(LEO)
    secret, _ = _enrol(session, leo, clock)
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    device = two_factor.verify_code(session, ticket, _code(secret, clock), remember_device=True, ip=IP).device_token
    session.commit()
    clock.advance_step()
    two_factor.disable(session, leo, _code(secret, clock))
    session.commit()
    assert len(_actions(session, "two_factor.disable")) == 1
    clock.advance_step()
    _enrol(session, leo, clock)
    assert two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP, device_token=device).ticket


def test_wrong_codes_are_throttled_like_passwords_and_a_password_does_not_reset_them(session, demo, actor_of, clock):
    secret, _ = _enrol(session, actor_of(LEO), clock)
    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER):
        ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket  # a correct password each time
        session.commit()
        with pytest.raises(Invalid):
            two_factor.verify_code(session, ticket, "000000" if _code(secret, clock) != "000000" else "111111", ip=IP)
        session.commit()
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    with pytest.raises(Throttled, match="locked"):
        two_factor.verify_code(session, ticket, _code(secret, clock), ip=IP)
    # The lock is the account's, from any address.
    with pytest.raises(Throttled):
        two_factor.verify_code(session, ticket, _code(secret, clock), ip="198.51.100.1")


def test_disable_needs_a_current_code_or_a_recovery_code(session, demo, actor_of, clock):
    leo = actor_of(LEO)
    _, codes = _enrol(session, leo, clock)
    with pytest.raises(Invalid):
        two_factor.disable(session, leo, "123456")
    two_factor.disable(session, leo, codes[0])
    session.commit()
    assert not two_factor.is_enabled(session, leo.user_id)
    assert session.exec(select(TwoFactorRecoveryCode)).all() == []
    assert two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).login is not None


def test_regenerating_recovery_codes_replaces_the_old_ones(session, demo, actor_of, clock):
    leo = actor_of(LEO)
    secret, old = _enrol(session, leo, clock)
    with pytest.raises(Invalid):
        two_factor.regenerate_recovery_codes(session, leo, old[0])  # needs the authenticator, not a recovery code
    new = two_factor.regenerate_recovery_codes(session, leo, _code(secret, clock))
    session.commit()
    assert len(new) == 10 and not set(new) & set(old)
    clock.advance_step()
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    with pytest.raises(Invalid):
        two_factor.verify_code(session, ticket, old[0], ip=IP)
    assert two_factor.verify_code(session, ticket, new[0], ip=IP).used_recovery_code


def test_admins_must_enrol_once_any_admin_has(session, demo, actor_of, clock):
    admin, leo = demo[ADMIN], demo[LEO]
    assert not two_factor.required_for(session, admin)
    step = two_factor.password_step(session, ADMIN, DEMO_PASSWORD, ip=IP)
    assert step.login and not step.needs_setup
    # A second admin enrols: now every admin must.
    second = auth.find_user(session, admin.org_id, "irene@example.com")
    admin_role = session.exec(select(Role).where(Role.name == "admin", Role.org_id == admin.org_id)).one()
    session.add(UserRole(user_id=second.id, role_id=admin_role.id))
    session.commit()
    _enrol(session, actor_of("irene@example.com"), clock)
    assert two_factor.required_for(session, admin) and not two_factor.required_for(session, leo)
    assert two_factor.must_enrol(session, actor_of(ADMIN)) and not two_factor.must_enrol(session, actor_of(LEO))
    step = two_factor.password_step(session, ADMIN, DEMO_PASSWORD, ip=IP)
    assert step.login is not None and step.needs_setup
    assert two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).needs_setup is False
    _enrol(session, actor_of(ADMIN), clock)
    assert not two_factor.must_enrol(session, actor_of(ADMIN))
    assert two_factor.password_step(session, ADMIN, DEMO_PASSWORD, ip=IP).ticket


def test_the_roles_chosen_in_settings_must_use_it_and_cannot_turn_it_off(session, demo, actor_of, clock):
    irene, leo, admin = actor_of("irene@example.com"), actor_of(LEO), actor_of(ADMIN)
    org_settings.update(session, admin, two_factor_roles=["instructor"])
    session.commit()
    assert two_factor.must_enrol(session, irene)
    assert not two_factor.must_enrol(session, leo) and not two_factor.must_enrol(session, admin)
    assert two_factor.password_step(session, "irene@example.com", DEMO_PASSWORD, ip=IP).needs_setup
    secret, _ = _enrol(session, irene, clock)
    assert not two_factor.must_enrol(session, irene)
    code = pyotp.TOTP(secret).at(clock.now())
    with pytest.raises(Conflict, match="requires two-factor"):
        two_factor.disable(session, irene, code)
    # Nobody required (an empty choice, not the default rule): she may turn it off.
    org_settings.update(session, admin, two_factor_roles=[])
    session.commit()
    two_factor.disable(session, irene, code)
    assert not two_factor.is_enabled(session, irene.user_id)


def test_a_ticket_from_another_secret_key_is_refused(session, demo, actor_of, clock, monkeypatch):
    secret, _ = _enrol(session, actor_of(LEO), clock)
    ticket = two_factor.password_step(session, LEO, DEMO_PASSWORD, ip=IP).ticket
    monkeypatch.setattr(settings, "SECRET_KEY", settings.SECRET_KEY + "-other")
    with pytest.raises(Invalid, match="took too long"):
        two_factor.verify_code(session, ticket, _code(secret, clock), ip=IP)
