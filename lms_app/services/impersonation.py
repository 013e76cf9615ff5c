"""Sign in as: an admin sees the app as one user sees it, for a short while, and returns.

The admin gets a login session of the user's own, marked with the admin (its
`impersonator_id`): everything done in it is recorded under both names (see `Actor.label`).
The admin's own login session stays open beside it, so returning takes one click. What
only the person may do (password, email, two-factor sign-in, privacy archive, another
"Sign in as") is refused in such a session by `permissions.require_own_session`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from lms_app.models import LoginSession, User, utcnow
from lms_app.services import audit, auth
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, actor_for, require, require_own_session, roles_and_permissions

# How long a "Sign in as" lasts at most (never beyond the admin's own login session).
SESSION_MINUTES = 60
# Someone holding one of these could undo the checks on this very feature (give themselves or
# others roles, manage users and their sessions): they are never signed in as, admins included.
PROTECTED_PERMISSIONS = frozenset({"users.manage", "roles.manage"})


def refusal(session: Session, actor: Actor, user_id: int) -> str:
    """Why `actor` may not sign in as the user, or "" when they may (for the button's hint)."""
    try:
        _check(session, actor, user_id)
    except (Invalid, NotFound, PermissionDenied) as exc:
        return exc.message
    return ""


def _check(session: Session, actor: Actor, user_id: int) -> User:
    require_own_session(actor)
    require(actor, "users.manage")
    user = session.get(User, int(user_id or 0))
    if user is None or user.org_id != actor.org_id:
        raise NotFound("That user does not exist.")
    if user.id == actor.user_id:
        raise Invalid("You are already signed in as yourself.")
    if not user.is_active or user.pending_approval:
        raise Invalid(f"{user.name} cannot sign in (the account is deactivated or awaiting approval), so you cannot sign in as them.")
    roles, permissions = roles_and_permissions(session, user.id)
    if "admin" in roles or permissions & PROTECTED_PERMISSIONS:
        raise PermissionDenied(f"{user.name} manages users or roles: no one may sign in as them.")
    return user


def _login_session(session: Session, token: str | None) -> LoginSession | None:
    return session.exec(select(LoginSession).where(LoginSession.token_hash == auth.token_hash(token))).first() if token else None


def start(session: Session, actor: Actor, user_id: int, *, admin_token: str | None, ip: str = "", user_agent: str = "") -> str:
    """Sign the admin in as a user; gives the new login session's token. `admin_token` is the
    admin's own sign-in token: it must be the session `actor` came from, and it stays valid.

    Needs users.manage, from the admin's own session (not from inside another "Sign in as").
    The user must be in the same organization, active, someone else, and hold neither the admin
    role nor any role granting users.manage or roles.manage. The session lasts SESSION_MINUTES
    at most and never outlives the admin's own. It is not the user's sign-in: their last sign-in
    date and login activity stay as they were. Audited as "impersonation.start".
    """
    user = _check(session, actor, user_id)
    own = _login_session(session, admin_token)
    if own is None or own.user_id != actor.user_id or own.impersonator_id is not None or auth.resolve(session, admin_token) is None:
        raise PermissionDenied("Sign in again with your own account, then try once more.")
    token, digest = auth.new_token()
    now = utcnow()
    expires_at = min(now + timedelta(minutes=SESSION_MINUTES), own.expires_at)
    session.add(LoginSession(
        token_hash=digest, user_id=user.id, created_at=now, last_seen_at=now, expires_at=expires_at,
        user_agent=(user_agent or "")[:500], ip=ip or actor.ip, impersonator_id=actor.user_id,
    ))
    audit.record(session, actor, "impersonation.start", target_type="user", target_id=user.id, target_label=user.email,
                 after={"user": f"{user.name} <{user.email}>", "until": expires_at.isoformat()})
    session.flush()
    return token


def stop(session: Session, token: str | None, *, ip: str = "") -> LoginSession | None:
    """End the "Sign in as" whose token this is (even one that has expired meanwhile) and give
    its login session, or None when the token is not one. Nothing else is signed out: the
    admin's own sessions and the user's own stay as they were. Audited as "impersonation.stop"
    (under the admin's name) when it was still running."""
    row = _login_session(session, token)
    if row is None or row.impersonator_id is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        admin, user = session.get(User, row.impersonator_id), session.get(User, row.user_id)
        if admin is not None and user is not None:
            audit.record(session, actor_for(session, admin, ip or row.ip), "impersonation.stop", target_type="user", target_id=user.id,
                         target_label=user.email, after={"user": f"{user.name} <{user.email}>"})
    session.flush()
    return row
