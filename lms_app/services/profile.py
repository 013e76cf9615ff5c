"""A user's own profile: name, time zone, language."""

from __future__ import annotations


from sqlmodel import Session

from lms_app.locales import LANGUAGES, is_time_zone
from lms_app.models import User
from lms_app.services import audit, groups
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor, require

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
