"""Notifications: an in-app row for every notice, and its email copy through the outbox when
the person's preference for that kind allows it.

Compliance notices can be reduced to the essential ones but never silenced: the organization
must be able to show that people were told about training they are required to do.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from lms_app import settings
from lms_app.db import is_postgres
from lms_app.models import Notification, NotificationPreference, OutgoingEmail, User, utcnow
from lms_app.services import audit
from lms_app.services.csv_export import in_batches
from lms_app.services.email import queue_emails
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor

# kind -> what the person reads in their settings.
KINDS: dict[str, str] = {
    "requirement_assigned": "Required training assigned to you",
    "requirement_due": "Required training due soon",
    "requirement_overdue": "Required training overdue",
    "certificate_expiring": "Certificate about to expire",
    "recertification_required": "Recertification required",
    "external_training_reviewed": "Training done elsewhere reviewed",
    "manager_digest": "Weekly digest of your team's overdue training",
}
# Compliance notices: their email can be reduced, not turned off.
COMPLIANCE_KINDS = frozenset({"requirement_assigned", "requirement_due", "requirement_overdue",
                              "certificate_expiring", "recertification_required"})
# Kinds whose every notice is essential (still emailed under "reduced"). For due and overdue
# reminders the caller says which one is essential (the last reminder, the first overdue notice).
ALWAYS_ESSENTIAL = frozenset({"requirement_assigned", "recertification_required"})

EMAIL_CHOICES: dict[str, str] = {"all": "Every email", "reduced": "Only the essential emails", "off": "No email"}
REDUCED_EXPLAINED = ("Required training notices cannot be turned off: your organization must be able to show that you "
                     "were told. “Only the essential emails” keeps the assignment, the last reminder before the due "
                     "date, the first overdue notice and recertification notices.")

MAX_LISTED = 100
_CHUNK = 500
PREFERENCES_PATH = "/notifications"
UNSUBSCRIBE_PATH = "/unsubscribe"


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


@dataclass(frozen=True)
class PreferenceView:
    kind: str
    label: str
    email: str
    choices: tuple[str, ...]
    compliance: bool


@dataclass(frozen=True)
class Unsubscribed:
    kind: str
    kind_label: str
    email: str
    changed: bool
    message: str


def choices_for(kind: str) -> tuple[str, ...]:
    return ("all", "reduced") if kind in COMPLIANCE_KINDS else ("all", "off")


def _unsubscribed_setting(kind: str) -> str:
    return "reduced" if kind in COMPLIANCE_KINDS else "off"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise Invalid(f"There is no kind of notification called “{kind}”.")


# --- sending --------------------------------------------------------------------------------

def email_setting(session: Session, user_id: int, kind: str) -> str:
    """How this kind reaches the person by email: all | reduced | off (default all)."""
    stored = session.exec(select(NotificationPreference.email).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind)).first()
    return _effective(kind, stored)


def _effective(kind: str, stored: str | None) -> str:
    if stored not in EMAIL_CHOICES:
        return "all"
    # A compliance notice is never silenced, whatever a stored row says.
    return "reduced" if stored == "off" and kind in COMPLIANCE_KINDS else stored


def wants_email(setting: str, essential: bool) -> bool:
    return setting == "all" or (setting == "reduced" and essential)


@dataclass(frozen=True)
class Notice:
    """One notification to add (see notify)."""

    org_id: int
    user_id: int
    kind: str
    title: str
    body: str = ""
    link: str = ""
    dedupe_key: str | None = None
    # Still emailed under "reduced"? None: as the kind says (ALWAYS_ESSENTIAL).
    essential: bool | None = None


def notify(session: Session, *, org_id: int, user_id: int, kind: str, title: str, body: str = "", link: str = "",
           dedupe_key: str | None = None, essential: bool | None = None) -> Notification | None:
    """Add an in-app notification and, when the person's preference allows, queue its email
    in the caller's transaction. Returns None when `dedupe_key` was already used (also by a
    concurrent transaction: the insert is `ON CONFLICT (dedupe_key) DO NOTHING`).

    `link` is a path on this site. `essential` says whether the notice is still emailed
    under "reduced" (default: only for kinds that are always essential)."""
    created = notify_many(session, [Notice(org_id, user_id, kind, title, body, link, dedupe_key, essential)])
    return session.get(Notification, created[0]) if created else None


def notify_many(session: Session, notices: Sequence[Notice]) -> list[int]:
    """notify() for many notices in a handful of statements, whatever their number (a
    requirement for everyone, a day's reminders). Returns the ids of the notifications made;
    a dedupe key already used makes none."""
    for notice in notices:
        _check_kind(notice.kind)
        if notice.link and (not notice.link.startswith("/") or notice.link.startswith("//")):
            raise Invalid("A notification links to a page of this site.")
    now = utcnow()

    def row(n: Notice) -> dict:
        return Notification(org_id=n.org_id, user_id=n.user_id, kind=n.kind, title=n.title[:300], body=n.body[:4000], link=n.link,
                            dedupe_key=n.dedupe_key, created_at=now).model_dump(exclude={"id"})

    created: list[tuple[int, Notice]] = []
    upsert = (postgresql if is_postgres(session) else sqlite).insert
    for chunk in in_batches([n for n in notices if n.dedupe_key is not None], _CHUNK):
        by_key = {n.dedupe_key: n for n in chunk}
        made = session.execute(upsert(Notification).values([row(n) for n in by_key.values()])
                               .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Notification.id, Notification.dedupe_key)).all()
        created.extend((notification_id, by_key[key]) for notification_id, key in made)
    for chunk in in_batches([n for n in notices if n.dedupe_key is None], _CHUNK):
        ids = session.execute(insert(Notification).returning(Notification.id, sort_by_parameter_order=True), [row(n) for n in chunk]).scalars().all()
        created.extend(zip(ids, chunk))
    _email_many(session, created)
    return [notification_id for notification_id, _ in created]


def _email_many(session: Session, created: list[tuple[int, Notice]]) -> None:
    """Queue the email of each new notification its person wants by email."""
    user_ids = sorted({n.user_id for _, n in created})
    people: dict[int, User] = {}
    stored: dict[tuple[int, str], str] = {}
    for batch in in_batches(user_ids, _CHUNK):
        people.update((u.id, u) for u in session.exec(select(User).where(User.id.in_(batch))).all())
        stored.update(((p.user_id, p.kind), p.email) for p in session.exec(select(NotificationPreference).where(NotificationPreference.user_id.in_(batch))).all())
    emailed, emails = [], []
    for notification_id, n in created:
        user = people.get(n.user_id)
        essential = n.kind in ALWAYS_ESSENTIAL if n.essential is None else n.essential
        if user is not None and user.is_active and wants_email(_effective(n.kind, stored.get((n.user_id, n.kind))), essential):
            emails.append(_email(user, n))
            emailed.append(notification_id)
    queue_emails(session, emails)
    for batch in in_batches(emailed, _CHUNK):
        session.execute(update(Notification).where(Notification.id.in_(batch)).values(emailed=True))


def _email(user: User, notice: Notice) -> OutgoingEmail:
    esc = html.escape
    kind = notice.kind
    unsubscribe = unsubscribe_url(user.id, kind)
    preferences = settings.PUBLIC_URL + PREFERENCES_PATH
    stop = "Get only the essential emails of this kind" if kind in COMPLIANCE_KINDS else "Stop these emails"
    open_url = settings.PUBLIC_URL + notice.link if notice.link else ""
    title, body = notice.title[:300], notice.body[:4000]
    text = (f"Hello {user.name},\n\n{title}\n"
            + (f"\n{body}\n" if body else "")
            + (f"\nOpen it: {open_url}\n" if open_url else "")
            + f"\n--\nYou get this email for “{KINDS[kind]}”.\n{stop}: {unsubscribe}\nAll your notification settings: {preferences}\n")
    body_html = (f"<p>Hello {esc(user.name)},</p><p><strong>{esc(title)}</strong></p>"
                 + "".join(f"<p>{esc(line)}</p>" for line in body.split("\n") if line.strip())
                 + (f"<p><a href=\"{esc(open_url)}\">Open it</a></p>" if open_url else "")
                 + f"<hr><p style=\"color:#666;font-size:12px\">You get this email for “{esc(KINDS[kind])}”. "
                   f"<a href=\"{esc(unsubscribe)}\">{esc(stop)}</a> · <a href=\"{esc(preferences)}\">All your notification settings</a></p>")
    return OutgoingEmail(org_id=notice.org_id, to_address=user.email, subject=title, body_text=text, body_html=body_html,
                         list_unsubscribe=unsubscribe)


# --- unsubscribing by a link in the email (no sign-in: the token is the proof) ---------------

def _signature(user_id: int, kind: str) -> str:
    message = f"unsubscribe|{user_id}|{kind}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A token that lets whoever holds the email change this one setting, and nothing else."""
    return f"{user_id}.{kind}.{_signature(user_id, kind)}"


def unsubscribe_url(user_id: int, kind: str) -> str:
    return f"{settings.PUBLIC_URL}{UNSUBSCRIBE_PATH}?token={unsubscribe_token(user_id, kind)}"


def read_unsubscribe_token(token: str | None) -> tuple[int, str]:
    """(user id, kind) of a genuine token; Invalid with the reason otherwise."""
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        raise Invalid("This unsubscribe link is incomplete. Copy the whole link from the email, or change your "
                      "settings on the Notifications page.")
    user_id, kind, signature = int(parts[0]), parts[1], parts[2]
    if kind not in KINDS or not hmac.compare_digest(signature, _signature(user_id, kind)):
        raise Invalid("This unsubscribe link is not valid. Change your settings on the Notifications page instead.")
    return user_id, kind


def unsubscribe_preview(session: Session, token: str | None) -> Unsubscribed:
    """What following the link would change (shown before the person confirms)."""
    user, kind = _token_user(session, token)
    current, target = email_setting(session, user.id, kind), _unsubscribed_setting(kind)
    return Unsubscribed(kind, KINDS[kind], current, current != target, _unsubscribe_message(kind, target))


def unsubscribe(session: Session, token: str | None, *, ip: str = "") -> Unsubscribed:
    """Apply the link: "off", or "reduced" for compliance notices (which cannot be silenced)."""
    user, kind = _token_user(session, token)
    target = _unsubscribed_setting(kind)
    changed = _store_preference(session, user, kind, target, actor=None, ip=ip)
    return Unsubscribed(kind, KINDS[kind], target, changed, _unsubscribe_message(kind, target))


def _token_user(session: Session, token: str | None) -> tuple[User, str]:
    user_id, kind = read_unsubscribe_token(token)
    user = session.get(User, user_id)
    if user is None:
        raise Invalid("This unsubscribe link belongs to an account that no longer exists.")
    return user, kind


def _unsubscribe_message(kind: str, target: str) -> str:
    label = KINDS[kind]
    if target == "reduced":
        return (f"You will get only the essential emails about “{label}”: required training notices can be reduced, "
                "not turned off.")
    return f"You will no longer get emails about “{label}”."


# --- the person's own notifications and settings (every signed-in person, for themselves) ---

def unread_count(session: Session, actor: Actor) -> int:
    return session.exec(select(func.count(Notification.id)).where(Notification.user_id == actor.user_id,
                                                                  Notification.read_at.is_(None))).one()


def list_for(session: Session, actor: Actor, *, limit: int = MAX_LISTED) -> list[NotificationView]:
    """The person's notifications, newest first."""
    rows = session.exec(select(Notification).where(Notification.user_id == actor.user_id)
                        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
    return [NotificationView(n.id, n.kind, KINDS.get(n.kind, ""), n.title, n.body, n.link, n.created_at, n.read_at is not None)
            for n in rows]


def mark_read(session: Session, actor: Actor, notification_id: int) -> str:
    """Marks one of the person's notifications read; returns its link ('' for none)."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != actor.user_id:
        raise NotFound("That notification does not exist.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
    return notification.link


def mark_all_read(session: Session, actor: Actor) -> int:
    """Marks every unread notification of the person read; returns how many."""
    result = session.execute(update(Notification).where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
                             .values(read_at=utcnow()))
    return result.rowcount or 0


def preferences(session: Session, actor: Actor) -> list[PreferenceView]:
    stored = dict(session.exec(select(NotificationPreference.kind, NotificationPreference.email)
                               .where(NotificationPreference.user_id == actor.user_id)).all())
    return [PreferenceView(kind, label, _effective(kind, stored.get(kind)), choices_for(kind), kind in COMPLIANCE_KINDS)
            for kind, label in KINDS.items()]


def set_preference(session: Session, actor: Actor, kind: str, email: str) -> bool:
    """Choose how a kind reaches the person by email. Returns whether anything changed."""
    _check_kind(kind)
    if email not in EMAIL_CHOICES:
        raise Invalid("Choose every email, only the essential ones, or no email.")
    if email not in choices_for(kind):
        raise Invalid("Required training notices cannot be turned off: choose “Only the essential emails” to get fewer."
                      if kind in COMPLIANCE_KINDS else "Choose every email or no email for this kind of notification.")
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("That person does not exist.")
    return _store_preference(session, user, kind, email, actor=actor)


def _store_preference(session: Session, user: User, kind: str, email: str, *, actor: Actor | None, ip: str = "") -> bool:
    row = session.exec(select(NotificationPreference).where(NotificationPreference.user_id == user.id,
                                                            NotificationPreference.kind == kind)).first()
    before = _effective(kind, row.email if row else None)
    if before == email:
        return False
    if row is None:
        row = NotificationPreference(user_id=user.id, kind=kind, email=email)
    else:
        row.email = email
    session.add(row)
    # Which compliance notices a person chose to receive belongs to the record of having told them.
    audit.record(session, actor, "notification.preference_changed", org_id=user.org_id,
                 actor_label=None if actor else f"{user.name} <{user.email}>", ip=None if actor else ip,
                 target_type="user", target_id=user.id, target_label=user.name,
                 before={"notification": KINDS[kind], "email": EMAIL_CHOICES[before]},
                 after={"notification": KINDS[kind], "email": EMAIL_CHOICES[email], **({} if actor else {"via": "unsubscribe link"})})
    return True
