"""Two-factor sign-in with TOTP: enrolment, recovery codes, the code step of sign-in, and
remembered devices.

Wrong codes are throttled by the sign-in throttle: each is a failed LoginAttempt under the key
"2fa:<email>" (so a correct password does not clear them) and the client's address (so they count
with failed passwords from there).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from sqlmodel import Session, select

from lms_app.models import LoginAttempt, Organization, Role, User, UserRole, utcnow
from lms_app.models.two_factor import TwoFactorEnrolment, TwoFactorRecoveryCode
from lms_app.services import audit, auth, org_settings, sealed
from lms_app.services.errors import Conflict, Invalid, NotFound, Throttled
from lms_app.services.permissions import Actor, actor_for, require_own_session

RECOVERY_CODE_COUNT = 10
TICKET_MINUTES = 5
REMEMBER_DEVICE_DAYS = int(os.environ.get("LMS_TWO_FACTOR_REMEMBER_DAYS", "30"))
REMEMBER_COOKIE_NAME = "lms_2fa_device"
WRONG_CODE = "That code is not right. Enter the current code from your authenticator app, or a recovery code."
_TICKET_EXPIRED = "The sign-in took too long. Enter your email and password again."
_ADMIN_ROLE = "admin"
# Where someone who must enrol is sent, from sign-in and from every other page.
SETUP_PAGE = "/profile/two-factor"


# Purposes keep the key derivation the secrets already stored were sealed with.
_SEAL = "two-factor secret encryption"


def _purpose(name: str) -> str:
    return f"two-factor {name}"


# --- enrolment state -----------------------------------------------------------------------

def _enrolment(session: Session, user_id: int) -> TwoFactorEnrolment | None:
    return session.exec(select(TwoFactorEnrolment).where(TwoFactorEnrolment.user_id == user_id)).first()


def is_enabled(session: Session, user_id: int) -> bool:
    """Whether the user has confirmed a TOTP enrolment."""
    enrolment = _enrolment(session, user_id)
    return enrolment is not None and enrolment.enabled_at is not None


def _has_role(session: Session, user_id: int, role_names: tuple[str, ...] | list[str]) -> bool:
    if not role_names:
        return False
    now = utcnow()
    row = session.exec(
        select(UserRole.id).join(Role, Role.id == UserRole.role_id)
        .where(UserRole.user_id == user_id, Role.name.in_(role_names))
        .where((UserRole.expires_at.is_(None)) | (UserRole.expires_at > now))
    ).first()
    return row is not None


def required_for(session: Session, user: User) -> bool:
    """Whether `user` must sign in with a code: holders of the roles chosen in Settings, or, until
    an admin chooses, admins once any admin of the organization has enrolled."""
    chosen = org_settings.stored(session, user.org_id, "two_factor_roles")["two_factor_roles"]
    if chosen is not None:
        return _has_role(session, user.id, chosen)
    if not _has_role(session, user.id, (_ADMIN_ROLE,)):
        return False
    enrolled_admin = session.exec(
        select(TwoFactorEnrolment.id)
        .join(UserRole, UserRole.user_id == TwoFactorEnrolment.user_id)
        .join(Role, Role.id == UserRole.role_id)
        .join(User, User.id == TwoFactorEnrolment.user_id)
        .where(Role.name == _ADMIN_ROLE, User.org_id == user.org_id, TwoFactorEnrolment.enabled_at.is_not(None))
    ).first()
    return enrolled_admin is not None


def required_for_actor(session: Session, actor: Actor) -> bool:
    user = session.get(User, actor.user_id)
    return user is not None and required_for(session, user)


def must_enrol(session: Session, actor: Actor) -> bool:
    """Whether the signed-in actor must enrol before doing anything else (pages send them to enrolment).
    Never an admin signed in as them: enrolment is the person's own."""
    return actor.impersonator_id is None and required_for_actor(session, actor) and not is_enabled(session, actor.user_id)


def recovery_codes_left(session: Session, user_id: int) -> int:
    return len(session.exec(select(TwoFactorRecoveryCode.id).where(
        TwoFactorRecoveryCode.user_id == user_id, TwoFactorRecoveryCode.used_at.is_(None))).all())


# --- enrolment -----------------------------------------------------------------------------

@dataclass
class EnrolmentStart:
    secret: str
    otpauth_uri: str
    qr_svg_data_uri: str


def start_enrolment(session: Session, actor: Actor) -> EnrolmentStart:
    """A new secret for the actor, with the otpauth URI and its QR code to scan. Replaces an
    unconfirmed one; refused while two-factor sign-in is on."""
    require_own_session(actor)
    enrolment = _enrolment(session, actor.user_id)
    if enrolment is not None and enrolment.enabled_at is not None:
        raise Conflict("Two-factor sign-in is already on. Turn it off first to enrol a new authenticator.")
    secret = pyotp.random_base32()
    if enrolment is None:
        enrolment = TwoFactorEnrolment(user_id=actor.user_id, secret_encrypted=sealed.seal(_SEAL, secret))
    else:
        enrolment.secret_encrypted = sealed.seal(_SEAL, secret)
        enrolment.created_at = utcnow()
        enrolment.last_used_step = 0
    session.add(enrolment)
    session.flush()
    org = session.get(Organization, actor.org_id)
    uri = pyotp.TOTP(secret).provisioning_uri(name=actor.email, issuer_name=org.name if org else "LMS")
    return EnrolmentStart(secret, uri, segno.make(uri, error="m").svg_data_uri(scale=4))


def confirm_enrolment(session: Session, actor: Actor, code: str) -> list[str]:
    """Turn two-factor sign-in on with a code from the new secret; returns the recovery codes
    (shown once: only their hashes are kept)."""
    require_own_session(actor)
    enrolment = _enrolment(session, actor.user_id)
    if enrolment is None:
        raise NotFound("Start the enrolment first: scan the QR code, then enter the code it shows.")
    if enrolment.enabled_at is not None:
        raise Conflict("Two-factor sign-in is already on.")
    if not _accept_totp(session, enrolment, code):
        raise Invalid("That code is not right. Enter the code your authenticator app shows now.")
    enrolment.enabled_at = utcnow()
    session.add(enrolment)
    codes = _new_recovery_codes(session, actor.user_id)
    audit.record(session, actor, "two_factor.enrol", target_type="user", target_id=actor.user_id, target_label=actor.email)
    return codes


def disable(session: Session, actor: Actor, code: str) -> None:
    """Turn two-factor sign-in off; needs a current code or an unused recovery code. Refused
    while the user's role requires it."""
    require_own_session(actor)
    enrolment = _require_enabled(session, actor.user_id)
    if required_for_actor(session, actor):
        raise Conflict("Your role requires two-factor sign-in, so it cannot be turned off. An administrator can change that in Settings.")
    if not (_accept_totp(session, enrolment, code) or _accept_recovery_code(session, actor.user_id, code)):
        raise Invalid(WRONG_CODE)
    for row in session.exec(select(TwoFactorRecoveryCode).where(TwoFactorRecoveryCode.user_id == actor.user_id)).all():
        session.delete(row)
    session.delete(enrolment)
    audit.record(session, actor, "two_factor.disable", target_type="user", target_id=actor.user_id, target_label=actor.email)


def regenerate_recovery_codes(session: Session, actor: Actor, code: str) -> list[str]:
    """Ten new recovery codes in place of the old ones; needs a current code."""
    require_own_session(actor)
    enrolment = _require_enabled(session, actor.user_id)
    if not _accept_totp(session, enrolment, code):
        raise Invalid("That code is not right. Enter the code your authenticator app shows now.")
    codes = _new_recovery_codes(session, actor.user_id)
    audit.record(session, actor, "two_factor.recovery_codes_regenerated", target_type="user", target_id=actor.user_id, target_label=actor.email)
    return codes


def _require_enabled(session: Session, user_id: int) -> TwoFactorEnrolment:
    enrolment = _enrolment(session, user_id)
    if enrolment is None or enrolment.enabled_at is None:
        raise Conflict("Two-factor sign-in is not on for this account.")
    return enrolment


# --- codes ---------------------------------------------------------------------------------

def _accept_totp(session: Session, enrolment: TwoFactorEnrolment, code: str) -> bool:
    """Whether `code` is the TOTP of the current time-step (or one either side, for clock drift)
    and newer than the last one accepted; remembers its step so it works only once."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isdigit()):
        return False
    secret = sealed.unseal(_SEAL, enrolment.secret_encrypted)
    if secret is None:  # sealed under another secret key: only a recovery code can help
        return False
    totp = pyotp.TOTP(secret)
    current_step = totp.timecode(utcnow())
    for step in (current_step - 1, current_step, current_step + 1):
        if step > enrolment.last_used_step and hmac.compare_digest(totp.generate_otp(step), code):
            enrolment.last_used_step = step
            session.add(enrolment)
            return True
    return False


def _recovery_hash(code: str) -> str:
    normalized = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hmac.new(sealed.derived_key(_purpose("recovery code")), normalized.encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(session: Session, user_id: int) -> list[str]:
    for row in session.exec(select(TwoFactorRecoveryCode).where(TwoFactorRecoveryCode.user_id == user_id)).all():
        session.delete(row)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(TwoFactorRecoveryCode(user_id=user_id, code_hash=_recovery_hash(raw)))
    session.flush()
    return codes


def _accept_recovery_code(session: Session, user_id: int, code: str) -> bool:
    row = session.exec(select(TwoFactorRecoveryCode).where(
        TwoFactorRecoveryCode.user_id == user_id, TwoFactorRecoveryCode.code_hash == _recovery_hash(code),
        TwoFactorRecoveryCode.used_at.is_(None))).first()
    if row is None:
        return False
    row.used_at = utcnow()
    session.add(row)
    return True


# --- sign-in -------------------------------------------------------------------------------

@dataclass
class PasswordStep:
    """What the password step gives: a login (maybe marked for enrolment), or a ticket for the code step."""

    login: auth.LoginResult | None = None
    ticket: str | None = None
    needs_setup: bool = False


def _throttle_key(email: str) -> str:
    return f"2fa:{auth.normalize_email(email)}"


def _enrolment_mark(enrolment: TwoFactorEnrolment) -> str:
    """Names this enrolment in tickets and device cookies: a new enrolment (a new secret) voids them
    even when the database reuses the row's id."""
    return hashlib.sha256(enrolment.secret_encrypted.encode()).hexdigest()[:32]


def _remembered(user: User, enrolment: TwoFactorEnrolment, device_token: str | None) -> bool:
    payload = sealed.unsign(_purpose("remembered device"), device_token)
    return payload is not None and payload.get("user") == user.id and payload.get("enrolment") == _enrolment_mark(enrolment)


def password_step(session: Session, email: str, password: str, *, ip: str = "", user_agent: str = "",
                  device_token: str | None = None) -> PasswordStep:
    """The password step of sign-in. For an account with two-factor sign-in on (and no remembered
    device), a correct password opens no login session: it gives a short-lived ticket for `verify_code`.
    Raises Throttled or Invalid; the caller commits even on failure, as for `auth.login`."""
    org = auth.default_org(session)
    user = auth.find_user(session, org.id, email)
    enrolment = _enrolment(session, user.id) if user is not None else None
    if user is None or enrolment is None or enrolment.enabled_at is None or _remembered(user, enrolment, device_token):
        result = auth.login(session, email, password, ip=ip, user_agent=user_agent)
        return PasswordStep(login=result, needs_setup=must_enrol(session, result.actor))
    auth.check_password(session, email, password, ip=ip)
    ticket = sealed.sign(_purpose("sign-in ticket"), {"user": user.id, "enrolment": _enrolment_mark(enrolment), "exp": time.time() + TICKET_MINUTES * 60})
    return PasswordStep(ticket=ticket)


@dataclass
class CodeStep:
    login: auth.LoginResult
    device_token: str | None
    used_recovery_code: bool


def code_throttle_delay(session: Session, ticket: str, ip: str) -> float:
    """Seconds to wait before checking a code for this ticket (the sign-in slow-down)."""
    payload = sealed.unsign(_purpose("sign-in ticket"), ticket)
    user = session.get(User, payload["user"]) if payload else None
    return auth.throttle_state(session, _throttle_key(user.email), ip).delay_seconds if user else 0.0


def verify_code(session: Session, ticket: str, code: str, *, remember_device: bool = False,
                ip: str = "", user_agent: str = "") -> CodeStep:
    """The code step: a TOTP code (once per time-step) or an unused recovery code for the ticket's
    user opens the login session. Wrong codes are throttled like passwords. The caller commits even
    on failure (the failed attempt and its audit row must stay)."""
    payload = sealed.unsign(_purpose("sign-in ticket"), ticket)
    user = session.get(User, payload["user"]) if payload else None
    enrolment = _enrolment(session, user.id) if user else None
    if user is None or enrolment is None or _enrolment_mark(enrolment) != payload.get("enrolment") or enrolment.enabled_at is None or not user.is_active:
        raise Invalid(_TICKET_EXPIRED)
    key = _throttle_key(user.email)
    state = auth.throttle_state(session, key, ip)
    if state.locked_until is not None:
        audit.record(session, None, "two_factor.locked", target_type="user", target_id=user.id, target_label=user.email, ip=ip, org_id=user.org_id)
        raise Throttled(auth._locked_message(state.locked_until))
    used_recovery = False
    if not _accept_totp(session, enrolment, code):
        used_recovery = _accept_recovery_code(session, user.id, code)
        if not used_recovery:
            session.add(LoginAttempt(email=key, ip=ip, succeeded=False))
            audit.record(session, None, "two_factor.failed", target_type="user", target_id=user.id, target_label=user.email, ip=ip, org_id=user.org_id)
            raise Invalid(WRONG_CODE)
    session.add(LoginAttempt(email=key, ip=ip, succeeded=True))
    token = auth.open_session(session, user, ip=ip, user_agent=user_agent)
    actor = actor_for(session, user, ip)
    if used_recovery:
        audit.record(session, actor, "two_factor.recovery_code_used", target_type="user", target_id=user.id, target_label=user.email,
                     after={"left": recovery_codes_left(session, user.id)})
    audit.record(session, actor, "login", target_type="user", target_id=user.id, target_label=user.email, after={"two_factor": True})
    device_token = None
    if remember_device:
        device_token = sealed.sign(_purpose("remembered device"), {"user": user.id, "enrolment": _enrolment_mark(enrolment),
                                                   "exp": time.time() + REMEMBER_DEVICE_DAYS * 86400})
    result = auth.LoginResult(token, actor, auth.session_expiry(session, user))
    return CodeStep(result, device_token, used_recovery)
