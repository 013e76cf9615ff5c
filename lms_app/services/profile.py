"""A user's own profile: name, time zone, language, and changing one's email address."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from lms_app import settings
from lms_app.locales import LANGUAGES, is_time_zone
from lms_app.models import EmailChange, Organization, User, utcnow
from lms_app.services import audit, auth, groups, users
from lms_app.services.email import queue_email
from lms_app.services.errors import Conflict, Invalid
from lms_app.services.passwords import verify_password
from lms_app.services.permissions import Actor, actor_for, require, require_own_session

EMAIL_CHANGE_HOURS = 24
_LINK_SPENT = "This link has expired or was already used. Ask for the change again from your profile."


def get_profile(session: Session, actor: Actor) -> User:
    require(actor, None)
    return session.get(User, actor.user_id)


def update_profile(session: Session, actor: Actor, *, name: str, timezone: str, locale: str) -> User:
    require(actor, None)
    user = session.get(User, actor.user_id)
    name = (name or "").strip()
    if not name:
        raise Invalid("Your name cannot be empty.")
    if len(name) > 200:
        raise Invalid("Your name must have at most 200 characters.")
    if not is_time_zone(timezone):
        raise Invalid("Choose a time zone from the list.")
    if locale not in LANGUAGES:
        raise Invalid("Choose a language from the list.")
    before = {"name": user.name, "timezone": user.timezone, "locale": user.locale}
    user.name, user.timezone, user.locale = name, timezone, locale
    session.add(user)
    after = {"name": name, "timezone": timezone, "locale": locale}
    if after != before:
        audit.record(session, actor, "user.updated", target_type="user", target_id=user.id, target_label=user.email, before=before, after=after)
    if timezone != before["timezone"]:  # open due dates end at midnight in the new zone
        groups.requirements_follow(session, [user.id])
    return user


# --- changing one's email -----------------------------------------------------------------

def pending_email_change(session: Session, actor: Actor) -> str | None:
    """The new address waiting for confirmation, if any."""
    require(actor, None)
    row = session.exec(select(EmailChange).where(EmailChange.user_id == actor.user_id, EmailChange.used_at.is_(None),
                                                 EmailChange.expires_at > utcnow()).order_by(EmailChange.id.desc())).first()
    return row.new_email if row else None


def request_email_change(session: Session, actor: Actor, new_email: str, password: str) -> str:
    """Ask to change one's email: needs the password; a link is sent to the new address and the
    email changes only when it is followed (so a typo cannot lock anyone out). A newer request
    replaces an older one. Gives the new address."""
    require_own_session(actor)
    user = session.get(User, actor.user_id)
    if not verify_password(user.password_hash, password or ""):
        raise Invalid("Your password is not right: enter your current password to change your email.")
    email = users.clean_email(new_email)
    if email == user.email:
        raise Invalid("That is already your email address.")
    if users.email_taken(session, user.org_id, email):
        raise Conflict("Another account already uses that email address.")
    now = utcnow()
    for row in session.exec(select(EmailChange).where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))).all():
        row.used_at = now  # only the newest link works
        session.add(row)
    token, digest = auth.new_token()
    session.add(EmailChange(user_id=user.id, new_email=email, token_hash=digest, created_at=now,
                            expires_at=now + timedelta(hours=EMAIL_CHANGE_HOURS)))
    org = session.get(Organization, user.org_id)
    queue_email(
        session, to=email, org_id=user.org_id, subject=f"Confirm your new email for {org.name}",
        body_text=(
            f"Hello {user.name},\n\nYou asked to use this address for your account at {org.name}'s learning portal "
            f"instead of {user.email}. Confirm it here (the link works once, for {EMAIL_CHANGE_HOURS} hours):\n\n"
            f"{settings.PUBLIC_URL}/confirm-email/{token}\n\nIf it was not you, ignore this email: nothing changes.\n"
        ),
    )
    audit.record(session, actor, "email_change.requested", target_type="user", target_id=user.id, target_label=user.email,
                 after={"new_email": email})
    return email


def _pending(session: Session, token: str) -> tuple[EmailChange, User]:
    row = session.exec(select(EmailChange).where(EmailChange.token_hash == auth.token_hash(token or ""))).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise Invalid(_LINK_SPENT)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Invalid(_LINK_SPENT)
    return row, user


def email_change_for(session: Session, token: str) -> tuple[str, str]:
    """(current address, new address) of a pending change, for the confirmation page."""
    row, user = _pending(session, token)
    return user.email, row.new_email


def confirm_email_change(session: Session, token: str, *, ip: str = "") -> User:
    """Follow the link sent to the new address: the account's email changes, and the old address
    is told (so a takeover does not go unnoticed)."""
    row, user = _pending(session, token)
    if users.email_taken(session, user.org_id, row.new_email, exclude_id=user.id):
        raise Conflict("Another account took that email address in the meantime. Ask for the change again with another address.")
    old = user.email
    user.email = row.new_email
    row.used_at = utcnow()
    session.add_all([user, row])
    org = session.get(Organization, user.org_id)
    queue_email(
        session, to=old, org_id=user.org_id, subject=f"Your email for {org.name} was changed",
        body_text=(
            f"Hello {user.name},\n\nThe email address of your account at {org.name}'s learning portal is now {user.email}; "
            f"this address ({old}) no longer signs in.\n\nIf you did not ask for this, contact your administrator at once.\n"
        ),
    )
    audit.record(session, actor_for(session, user, ip), "user.email_changed", target_type="user", target_id=user.id, target_label=user.email,
                 before={"email": old}, after={"email": user.email})
    return user
