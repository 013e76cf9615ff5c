"""Sign-in, login sessions, throttling, invitations, password resets and self-registration."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import (
    Invitation,
    LoginAttempt,
    LoginSession,
    Organization,
    PasswordReset,
    Role,
    User,
    UserRole,
    utcnow,
)
from lms_app.services import activity, audit, groups, org_settings
from lms_app.services.email import queue_email
from lms_app.services.errors import Invalid, NotFound, PermissionDenied, Throttled
from lms_app.services.passwords import check_policy, hash_password, needs_rehash, verify_password
from lms_app.services.permissions import Actor, actor_for, require, require_own_session, roles_and_permissions

# last_seen_at is written at most this often, so every click is not a database write.
_TOUCH_EVERY = timedelta(minutes=1)
WRONG_CREDENTIALS = "Wrong email or password."
# The longest email and name the user table holds (longer input is refused, never a 500).
_MAX_EMAIL = 320
_MAX_NAME = 200


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def default_org(session: Session) -> Organization:
    org = session.exec(select(Organization).order_by(Organization.id)).first()
    if org is None:
        raise NotFound("The organization has not been set up yet: run `python -m lms_app migrate`.")
    return org


def find_user(session: Session, org_id: int, email: str) -> User | None:
    return session.exec(select(User).where(User.org_id == org_id, User.email == normalize_email(email))).first()


# --- throttling ---------------------------------------------------------------------------

@dataclass
class ThrottleState:
    account_failures: int
    address_failures: int
    locked_until: datetime | None

    @property
    def delay_seconds(self) -> float:
        """Failures past the free ones are slowed down, a little more each time."""
        extra = max(self.account_failures, self.address_failures // 4) - settings.LOGIN_SLOW_AFTER + 1
        return min(3.0, 0.5 * extra) if extra > 0 else 0.0


def throttle_state(session: Session, email: str, ip: str) -> ThrottleState:
    now = utcnow()
    window = timedelta(minutes=settings.LOGIN_WINDOW_MINUTES)
    email = normalize_email(email)[:_MAX_EMAIL]

    def failures(column, value, *, reset_by_success: bool) -> list[datetime]:
        # A lock lasts one window from the failure that set it off, so look back two windows:
        # a lock set off by failures that have since left the window still holds.
        since = now - 2 * window
        last_ok = session.exec(
            select(func.max(LoginAttempt.at)).where(column == value, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since)
        ).one() if reset_by_success else None
        start = max(since, last_ok) if last_ok else since
        return list(session.exec(
            select(LoginAttempt.at).where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= start).order_by(LoginAttempt.at)
        ).all())

    def lock_end(times: list[datetime], limit: int) -> datetime | None:
        # `limit` failures within one window lock for one window after the last of them.
        until = None
        for i in range(limit - 1, len(times)) if limit > 0 else ():
            if times[i] - times[i - limit + 1] <= window:
                until = times[i] + window
        return until

    # An account's own success clears its failures; an address's does not, or one valid
    # account would let a password sprayer sign in every few tries and never be locked.
    acct = failures(LoginAttempt.email, email, reset_by_success=True)
    addr = failures(LoginAttempt.ip, ip, reset_by_success=False) if ip else []
    ends = [u for u in (lock_end(acct, settings.LOGIN_LOCK_ACCOUNT_AFTER), lock_end(addr, settings.LOGIN_LOCK_ADDRESS_AFTER)) if u and u > now]
    recent = now - window
    return ThrottleState(
        sum(1 for t in acct if t >= recent), sum(1 for t in addr if t >= recent), max(ends) if ends else None,
    )


def _locked_message(until: datetime) -> str:
    minutes = max(1, int((until - utcnow()).total_seconds() // 60) + 1)
    return f"Too many failed sign-ins. Sign-in is locked for {minutes} more minute{'s' if minutes != 1 else ''}; try again later or reset your password."


# --- sign-in and login sessions -------------------------------------------------------------

@dataclass
class LoginResult:
    token: str
    actor: Actor
    expires_at: datetime


def login(session: Session, email: str, password: str, *, ip: str = "", user_agent: str = "") -> LoginResult:
    """Check the password and open a login session. Raises Throttled or Invalid.

    The caller commits even on failure (the failed attempt and its audit row must stay).
    """
    user = check_password(session, email, password, ip=ip)
    token = open_session(session, user, ip=ip, user_agent=user_agent)
    actor = actor_for(session, user, ip)
    audit.record(session, actor, "login", target_type="user", target_id=user.id, target_label=user.email)
    return LoginResult(token, actor, session_expiry(session, user))


def check_password(session: Session, email: str, password: str, *, ip: str = "") -> User:
    """The password step of signing in, without opening a login session: the throttle, the
    password, the account's state, the attempt row and, on failure, its audit row. Gives the user;
    raises Throttled or Invalid (the caller commits even then)."""
    email = normalize_email(email)[:_MAX_EMAIL]  # longer matches no one; the attempt row still fits
    org = default_org(session)
    state = throttle_state(session, email, ip)
    if state.locked_until is not None:
        audit.record(session, None, "login.locked", target_type="user", target_label=email, ip=ip, org_id=org.id)
        raise Throttled(_locked_message(state.locked_until))
    user = find_user(session, org.id, email)
    ok = verify_password(user.password_hash if user else None, password)
    usable = ok and user is not None and user.is_active and not user.pending_approval
    session.add(LoginAttempt(email=email, ip=ip, succeeded=usable))
    if not usable:
        reason = "wrong password" if user and not ok else ("unknown email" if user is None else ("awaiting approval" if user.pending_approval else "deactivated"))
        audit.record(session, None, "login.failed", target_type="user", target_id=user.id if user else "", target_label=email, after={"reason": reason}, ip=ip, org_id=org.id)
        if ok and user is not None and user.pending_approval:
            raise Invalid("Your registration is waiting for an administrator's approval.")
        if ok and user is not None and not user.is_active:
            raise Invalid("This account has been deactivated. Contact your administrator.")
        raise Invalid(WRONG_CREDENTIALS)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def session_expiry(session: Session, user: User, opened_at: datetime | None = None) -> datetime:
    """When a login session opened now for `user` ends at the latest (the lifetime set in Settings)."""
    return (opened_at or utcnow()) + timedelta(minutes=_lifetimes(session, user.org_id)[1])


def open_session(session: Session, user: User, *, ip: str = "", user_agent: str = "") -> str:
    token, digest = new_token()
    now = utcnow()
    session.add(LoginSession(
        token_hash=digest, user_id=user.id, created_at=now, last_seen_at=now,
        expires_at=session_expiry(session, user, now),
        user_agent=user_agent[:500], ip=ip,
    ))
    user.last_login_at = now
    session.add(user)
    session.flush()
    activity.record(session, org_id=user.org_id, user_id=user.id, kind="login", at=now)
    return token


def resolve(session: Session, token: str | None, ip: str = "") -> Actor | None:
    """The actor behind a cookie's token, or None when it is unknown, expired or revoked."""
    if not token:
        return None
    login_session = session.exec(select(LoginSession).where(LoginSession.token_hash == token_hash(token))).first()
    if login_session is None or login_session.revoked_at is not None:
        return None
    now = utcnow()
    if login_session.expires_at <= now:
        return None
    user = session.get(User, login_session.user_id)
    if user is None or not user.is_active:
        return None
    # The lifetimes in force now, not those of when the session opened: a shorter one applies at once.
    idle, absolute = _lifetimes(session, user.org_id)
    if login_session.last_seen_at + timedelta(minutes=idle) <= now or login_session.created_at + timedelta(minutes=absolute) <= now:
        return None
    actor = _session_actor(session, login_session, user, ip)
    if actor is not None and now - login_session.last_seen_at > _TOUCH_EVERY:
        login_session.last_seen_at = now
        session.add(login_session)
    return actor


def _session_actor(session: Session, login_session: LoginSession, user: User, ip: str) -> Actor | None:
    """The login session's user, with the admin who signed in as them, if one did ("Sign in as"
    lasts only while that admin is active and may still manage users)."""
    actor = actor_for(session, user, ip)
    if login_session.impersonator_id is None:
        return actor
    admin = session.get(User, login_session.impersonator_id)
    if admin is None or not admin.is_active or "users.manage" not in roles_and_permissions(session, admin.id)[1]:
        return None
    return replace(actor, impersonator_id=admin.id, impersonator_label=f"{admin.name} <{admin.email}>")


def logout(session: Session, token: str | None, ip: str = "") -> None:
    if not token:
        return
    login_session = session.exec(select(LoginSession).where(LoginSession.token_hash == token_hash(token))).first()
    if login_session is None or login_session.revoked_at is not None:
        return
    login_session.revoked_at = utcnow()
    session.add(login_session)
    user = session.get(User, login_session.user_id)
    actor = (_session_actor(session, login_session, user, ip) or actor_for(session, user, ip)) if user else None
    audit.record(session, actor, "logout", target_type="user", target_id=login_session.user_id, target_label=user.email if user else "")


SIGN_IN_HISTORY = 50


def sign_in_history(session: Session, actor: Actor, user_id: int) -> list[LoginAttempt]:
    """The latest sign-in tries made with a person's email address (succeeded or not, with the
    address they came from), newest first: one's own, or anyone's in the organization for
    users.manage."""
    require(actor, None)
    if user_id != actor.user_id:
        require(actor, "users.manage")
        _same_org(session, actor, user_id)
    user = session.get(User, user_id)
    return list(session.exec(select(LoginAttempt).where(LoginAttempt.email == normalize_email(user.email))
                             .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(SIGN_IN_HISTORY)))


def list_sessions(session: Session, actor: Actor, user_id: int) -> list[LoginSession]:
    """Active login sessions of a user: one's own, or anyone's in the organization for users.manage."""
    require(actor, None)
    if user_id != actor.user_id:
        require(actor, "users.manage")
        _same_org(session, actor, user_id)
    now = utcnow()
    idle, absolute = _lifetimes(session, actor.org_id)
    idle_cut = now - timedelta(minutes=idle)
    opened_cut = now - timedelta(minutes=absolute)
    return list(session.exec(
        select(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > now, LoginSession.last_seen_at > idle_cut, LoginSession.created_at > opened_cut,
        ).order_by(LoginSession.last_seen_at.desc())
    ).all())


def revoke_session(session: Session, actor: Actor, login_session_id: int) -> None:
    login_session = session.get(LoginSession, login_session_id)
    if login_session is None:
        raise NotFound("That session no longer exists.")
    if login_session.user_id != actor.user_id:
        require(actor, "users.manage")
        _same_org(session, actor, login_session.user_id)
    if login_session.revoked_at is None:
        login_session.revoked_at = utcnow()
        session.add(login_session)
        audit.record(session, actor, "session.revoked", target_type="user", target_id=login_session.user_id, after={"session": login_session_id})


def revoke_all_sessions(session: Session, user_id: int) -> int:
    result = session.execute(
        update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def _same_org(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.org_id != actor.org_id:
        raise NotFound("That user does not exist.")
    return user


def password_min_length(session: Session, org_id: int) -> int:
    """The shortest password allowed now (Settings, else the environment)."""
    return int(org_settings.stored(session, org_id, "password_min_length")["password_min_length"])


def _lifetimes(session: Session, org_id: int) -> tuple[int, int]:
    """(idle, absolute) lifetime of a login session in minutes, as set now."""
    values = org_settings.stored(session, org_id, "session_idle_minutes", "session_absolute_minutes")
    return int(values["session_idle_minutes"]), int(values["session_absolute_minutes"])


def change_password(session: Session, actor: Actor, current: str, new: str) -> None:
    require_own_session(actor)
    user = session.get(User, actor.user_id)
    if not verify_password(user.password_hash, current):
        raise Invalid("The current password is not right.")
    check_policy(new, user.email, user.name, min_length=password_min_length(session, user.org_id))
    user.password_hash = hash_password(new)
    session.add(user)
    audit.record(session, actor, "password.changed", target_type="user", target_id=user.id, target_label=user.email)


# --- invitations and password resets ------------------------------------------------------

def create_invitation(session: Session, actor: Actor | None, user: User) -> str:
    """A single-use, expiring invitation link, emailed to the user (outbox)."""
    token, digest = new_token()
    now = utcnow()
    session.add(Invitation(
        org_id=user.org_id, user_id=user.id, token_hash=digest, invited_by_id=actor.user_id if actor else None,
        created_at=now, expires_at=now + timedelta(days=settings.INVITATION_DAYS),
    ))
    org = session.get(Organization, user.org_id)
    link = f"{settings.PUBLIC_URL}/invite/{token}"
    queue_email(
        session, to=user.email, org_id=user.org_id,
        subject=f"You are invited to {org.name}",
        body_text=(
            f"Hello {user.name},\n\n{actor.name if actor else 'An administrator'} invited you to {org.name}'s learning portal.\n"
            f"Choose your password here (the link works once, for {settings.INVITATION_DAYS} days):\n\n{link}\n"
        ),
    )
    session.flush()
    return token


def _valid_token(session: Session, model, token: str):
    row = session.exec(select(model).where(model.token_hash == token_hash(token or ""))).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def _use_up(session: Session, model, user_id: int) -> None:
    session.execute(update(model).where(model.user_id == user_id, model.used_at.is_(None)).values(used_at=utcnow()))


def invitation_user(session: Session, token: str) -> User:
    invitation = _valid_token(session, Invitation, token)
    if invitation is None:
        raise Invalid("This invitation link has expired or was already used. Ask your administrator for a new one.")
    return session.get(User, invitation.user_id)


def accept_invitation(session: Session, token: str, password: str, *, ip: str = "", user_agent: str = "") -> LoginResult:
    invitation = _valid_token(session, Invitation, token)
    if invitation is None:
        raise Invalid("This invitation link has expired or was already used. Ask your administrator for a new one.")
    user = session.get(User, invitation.user_id)
    if not user.is_active:
        raise Invalid("This account has been deactivated. Contact your administrator.")
    check_policy(password, user.email, user.name, min_length=password_min_length(session, user.org_id))
    user.password_hash = hash_password(password)
    _use_up(session, Invitation, user.id)  # an older invitation must not set the password again
    actor = actor_for(session, user, ip)
    audit.record(session, actor, "invitation.accepted", target_type="user", target_id=user.id, target_label=user.email)
    token_ = open_session(session, user, ip=ip, user_agent=user_agent)
    audit.record(session, actor, "login", target_type="user", target_id=user.id, target_label=user.email)
    return LoginResult(token_, actor, session_expiry(session, user))


def request_password_reset(session: Session, email: str, *, ip: str = "") -> None:
    """Email a reset link if the account exists; say nothing either way (no account probing)."""
    org = default_org(session)
    user = find_user(session, org.id, email)
    audit.record(session, None, "password.reset_requested", target_type="user", target_id=user.id if user else "", target_label=normalize_email(email)[:_MAX_EMAIL], ip=ip, org_id=org.id)
    if user is None or not user.is_active:
        return
    token, digest = new_token()
    now = utcnow()
    session.add(PasswordReset(user_id=user.id, token_hash=digest, created_at=now, expires_at=now + timedelta(minutes=settings.PASSWORD_RESET_MINUTES)))
    queue_email(
        session, to=user.email, org_id=org.id, subject=f"Reset your password for {org.name}",
        body_text=(
            f"Hello {user.name},\n\nSomeone asked to reset the password of this account. If it was you, choose a new one here "
            f"(the link works once, for {settings.PASSWORD_RESET_MINUTES} minutes):\n\n{settings.PUBLIC_URL}/reset/{token}\n\n"
            "If it was not you, ignore this email: your password stays as it is.\n"
        ),
    )


def reset_password(session: Session, token: str, password: str, *, ip: str = "") -> User:
    reset = _valid_token(session, PasswordReset, token)
    if reset is None:
        raise Invalid("This reset link has expired or was already used. Ask for a new one.")
    user = session.get(User, reset.user_id)
    check_policy(password, user.email, user.name, min_length=password_min_length(session, user.org_id))
    user.password_hash = hash_password(password)
    _use_up(session, PasswordReset, user.id)  # every link sent before is spent too
    session.add(user)
    revoke_all_sessions(session, user.id)
    # Proof of the mailbox counts as a sign-in for the account's throttle: the lock message
    # sends people here, so the new password must work at once. The address keeps its count.
    session.add(LoginAttempt(email=user.email, ip="", succeeded=True))
    audit.record(session, None, "password.reset", target_type="user", target_id=user.id, target_label=user.email, ip=ip, org_id=user.org_id)
    return user


# --- self-registration -------------------------------------------------------------------

def register(session: Session, email: str, name: str, password: str, *, ip: str = "") -> User:
    """Self-registration, as the organization allows it: closed, open to domains, or approval."""
    org = default_org(session)
    email = normalize_email(email)
    name = (name or "").strip()
    if org.registration_mode == "closed":
        raise PermissionDenied("Self-registration is closed. Ask your administrator for an invitation.")
    if "@" not in email or "." not in email.split("@")[-1]:
        raise Invalid("Enter a valid email address.")
    if len(email) > _MAX_EMAIL:
        raise Invalid(f"That email address is too long (at most {_MAX_EMAIL} characters).")
    if not name:
        raise Invalid("Enter your name.")
    if len(name) > _MAX_NAME:
        raise Invalid(f"Your name must have at most {_MAX_NAME} characters.")
    domain = email.split("@")[-1]
    allowed = [d.strip().lower().lstrip("@") for d in org.registration_domains.split(",") if d.strip()]
    if org.registration_mode == "domains" and domain not in allowed:
        raise PermissionDenied(f"Self-registration is open to addresses at {', '.join(allowed) or 'no domain yet'} only.")
    if find_user(session, org.id, email) is not None:
        raise Invalid("An account with this email already exists. Sign in or reset your password.")
    check_policy(password, email, name, min_length=password_min_length(session, org.id))
    user = User(org_id=org.id, email=email, name=name, password_hash=hash_password(password),
                timezone=org.default_timezone, pending_approval=org.registration_mode == "approval")
    session.add(user)
    session.flush()
    learner = session.exec(select(Role).where(Role.org_id == org.id, Role.name == "learner")).first()
    if learner is not None:
        session.add(UserRole(user_id=user.id, role_id=learner.id))
    groups.requirements_follow(session, [user.id])  # "everyone" and role requirements reach newcomers
    audit.record(session, None, "user.registered", target_type="user", target_id=user.id, target_label=email,
                 after={"pending_approval": user.pending_approval}, ip=ip, org_id=org.id)
    return user
