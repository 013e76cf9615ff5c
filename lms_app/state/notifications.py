"""The notifications page (one's own notices, read/unread, email settings per kind) and the
unread count on the bell in the top bar."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app import db
from lms_app.services import notifications, profile, timefmt
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in


class NotificationBellState(ActorMixin, rx.State):
    """The top bar's unread count: counted once when a page is opened (no polling)."""

    unread: int = 0

    @rx.event
    def count(self):
        # Silent for anyone signed out: the page guard already handles sign-in.
        with db.session_scope() as session:
            actor = self._actor(session)
            self.unread = notifications.unread_count(session, actor) if actor else 0

    @rx.var
    def label(self) -> str:
        if self.unread == 0:
            return "Notifications"
        return f"Notifications, {self.unread} unread"

    @rx.var
    def badge(self) -> str:
        return "99+" if self.unread > 99 else str(self.unread)


class NotificationsState(ActorMixin, rx.State):
    items: list[dict[str, str]] = []
    unread: int = 0
    preferences: list[dict[str, str]] = []

    def _show(self, session: Session, actor: Actor) -> None:
        tz = profile.get_profile(session, actor).timezone
        self.items = [
            {"id": str(n.id), "title": n.title, "body": n.body, "link": n.link, "kind": n.kind_label,
             "when": timefmt.show(n.created_at, tz), "ago": timefmt.ago(n.created_at), "read": "yes" if n.read else ""}
            for n in notifications.list_for(session, actor)
        ]
        self.unread = notifications.unread_count(session, actor)
        self.preferences = [
            {"kind": p.kind, "label": p.label, "email": p.email, "compliance": "yes" if p.compliance else ""}
            for p in notifications.preferences(session, actor)
        ]

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self._show(session, actor)

    @rx.event
    @signed_in
    def mark_read(self, session: Session, actor: Actor, notification_id: str):
        if not str(notification_id).isdigit():
            return rx.toast.error("That notification does not exist.")
        notifications.mark_read(session, actor, int(notification_id))
        self._show(session, actor)
        return NotificationBellState.count

    @rx.event
    @signed_in
    def open_item(self, session: Session, actor: Actor, notification_id: str):
        """Opening a notification marks it read and goes to what it is about."""
        if not str(notification_id).isdigit():
            return rx.toast.error("That notification does not exist.")
        link = notifications.mark_read(session, actor, int(notification_id))
        self._show(session, actor)
        return rx.redirect(link) if link else NotificationBellState.count

    @rx.event
    @signed_in
    def mark_all_read(self, session: Session, actor: Actor):
        marked = notifications.mark_all_read(session, actor)
        self._show(session, actor)
        return [rx.toast.success(f"{marked} notification{'s' if marked != 1 else ''} marked as read."), NotificationBellState.count]

    @rx.event
    @signed_in
    def set_email(self, session: Session, actor: Actor, kind: str, email: str):
        changed = notifications.set_preference(session, actor, kind, email)
        self._show(session, actor)
        if changed:
            return rx.toast.success(f"Saved: {notifications.EMAIL_CHOICES[email].lower()} for “{notifications.KINDS[kind]}”.")
        return None
