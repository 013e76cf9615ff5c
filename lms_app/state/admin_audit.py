"""The audit trail page: filters, one page of events, an event's details, the chain check and
the CSV export. Every handler goes through services/audit_log.py, which checks audit.view."""

from __future__ import annotations

from datetime import datetime, timezone

import reflex as rx
from sqlmodel import Session

from lms_app.services import audit_log
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in

# (key, label) for the category select.
CATEGORY_OPTIONS: list[tuple[str, str]] = [(key, label) for key, (label, _patterns) in audit_log.CATEGORIES.items()]
PAGE_SIZE = 25
# --- audit coverage: whom the person filter looks for ---
PERSON_AS_OPTIONS: list[tuple[str, str]] = [("any", "Did it or was its target"), ("actor", "Did it"), ("target", "Was its target")]


def _person_filters(person: str, person_as: str) -> dict[str, str]:
    """The person typed, as the service's filter on the actor, the target or either."""
    key = {"actor": "actor_text", "target": "target_text"}.get(person_as, "person")
    return {key: person}


def _row(r: audit_log.AuditRow) -> dict[str, str]:
    return {"seq": str(r.seq), "when": r.when, "who": r.who, "who_email": r.who_email, "sentence": r.sentence,
            "category": r.category, "target": r.target, "ip": r.ip,
            "impersonator": audit_log.actor_name(r.impersonator), "impersonator_email": audit_log.actor_email(r.impersonator)}


class AdminAuditState(ActorMixin, rx.State):
    category: str = "all"
    person: str = ""
    person_as: str = "any"  # --- audit coverage ---
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    loaded: bool = False

    details_open: bool = False
    detail: dict[str, str] = {}
    detail_changes: list[dict[str, str]] = []

    # "" (not checked yet) | ok | broken
    verify_status: str = ""
    verify_message: str = ""

    @rx.var
    def filtered(self) -> bool:
        return self.category != "all" or self.person != "" or self.date_from != "" or self.date_to != ""

    @rx.var
    def range_text(self) -> str:
        if self.total == 0:
            return ""
        first = (self.page - 1) * PAGE_SIZE + 1
        last = min(self.total, self.page * PAGE_SIZE)
        noun = "event" if self.total == 1 else "events"
        return f"{first}–{last} of {self.total} {noun}"

    def _search(self, session: Session, actor: Actor, **changes) -> None:
        """Run the search with some filters changed; keep the new values only if it worked."""
        wanted = {"category": self.category, "person": self.person, "person_as": self.person_as, "date_from": self.date_from,
                  "date_to": self.date_to, "page": self.page, **changes}
        result = audit_log.search_events(session, actor, category=wanted["category"], **_person_filters(wanted["person"], wanted["person_as"]),
                                         date_from=wanted["date_from"], date_to=wanted["date_to"],
                                         page=wanted["page"], page_size=PAGE_SIZE)
        self.category, self.person, self.person_as = wanted["category"], wanted["person"], wanted["person_as"]
        self.date_from, self.date_to = wanted["date_from"], wanted["date_to"]
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.rows = [_row(r) for r in result.rows]
        self.loaded = True

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.details_open, self.verify_status, self.verify_message = False, "", ""
        self._search(session, actor, category="all", person="", person_as="any", date_from="", date_to="", page=1)

    @rx.event
    @signed_in
    def set_category(self, session: Session, actor: Actor, value: str):
        self._search(session, actor, category=str(value), page=1)

    @rx.event
    @signed_in
    def set_person(self, session: Session, actor: Actor, value: str):
        self._search(session, actor, person=str(value)[:200], page=1)

    # --- audit coverage ---
    @rx.event
    @signed_in
    def set_person_as(self, session: Session, actor: Actor, value: str):
        if value not in dict(PERSON_AS_OPTIONS):
            raise Invalid("Choose whom to look for from the list.")
        self._search(session, actor, person_as=value, page=1)

    @rx.event
    @signed_in
    def set_date_from(self, session: Session, actor: Actor, value: str):
        self._search(session, actor, date_from=str(value), page=1)

    @rx.event
    @signed_in
    def set_date_to(self, session: Session, actor: Actor, value: str):
        self._search(session, actor, date_to=str(value), page=1)

    @rx.event
    @signed_in
    def clear_filters(self, session: Session, actor: Actor):
        self._search(session, actor, category="all", person="", person_as="any", date_from="", date_to="", page=1)

    @rx.event
    @signed_in
    def next_page(self, session: Session, actor: Actor):
        self._search(session, actor, page=self.page + 1)

    @rx.event
    @signed_in
    def previous_page(self, session: Session, actor: Actor):
        self._search(session, actor, page=max(1, self.page - 1))

    @rx.event
    @signed_in
    def show_event(self, session: Session, actor: Actor, seq: str):
        try:
            number = int(seq)
        except (TypeError, ValueError):
            raise Invalid("That event does not exist.") from None
        event = audit_log.get_event(session, actor, number)
        self.detail = {**_row(event), "action": event.action}
        self.detail_changes = [{"field": c.field, "before": c.before, "after": c.after} for c in event.changes]
        self.details_open = True

    @rx.event
    def set_details_open(self, value: bool):
        self.details_open = bool(value)

    @rx.event
    @signed_in
    def verify(self, session: Session, actor: Actor):
        result = audit_log.verify_chain(session, actor)
        self.verify_status = "ok" if result.ok else "broken"
        if result.ok:
            self.verify_message = f"The audit trail is intact: {result.checked} {'event' if result.checked == 1 else 'events'} checked, none edited, deleted or moved."
        else:
            self.verify_message = f"The audit trail has been tampered with. First broken link: {result.message}."

    @rx.event
    @signed_in
    def export(self, session: Session, actor: Actor):
        data = audit_log.export_events(session, actor, category=self.category, **_person_filters(self.person, self.person_as),
                                       date_from=self.date_from, date_to=self.date_to)
        filename = f"audit-trail-{datetime.now(timezone.utc):%Y-%m-%d}.csv"
        self._search(session, actor)  # the export is an event too
        return [rx.download(data=data, filename=filename, mime_type="text/csv"), rx.toast.success("The CSV file is downloading.")]

    @rx.event
    def dismiss_verification(self):
        self.verify_status, self.verify_message = "", ""
