"""Course announcements: the staff page (/teach/courses/<id>/announcements: post, edit, delete)
and the learner page (/learn/courses/<id>/announcements: read, unread marked). Thin adapters
over lms_app.services.announcements, which checks the actor's role on the course every time;
the course is always the one in the URL, never an id sent by the browser."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import announcements, timefmt
from lms_app.services.errors import NotFound, PermissionDenied
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_in_path, _num, _viewer_tz, teaching
from lms_app.state.base import ActorMixin, signed_in


@dataclasses.dataclass
class AnnouncementRow:
    id: str
    title: str
    body: str
    author: str
    posted: str  # in the viewer's time zone
    edited: bool
    emailed: bool
    unread: bool
    can_change: bool


def _rows(items: list[announcements.AnnouncementView], tz: str) -> list[AnnouncementRow]:
    return [AnnouncementRow(str(a.id), a.title, a.body, a.author_name, timefmt.show(a.posted_at, tz), a.edited_at is not None,
                            a.emailed, a.unread, a.can_change) for a in items]


def _learners_label(count: int) -> str:
    return f"{count} enrolled learner{'s' if count != 1 else ''}"


# --- staff ----------------------------------------------------------------------------------

class CourseAnnouncementsState(ActorMixin, rx.State):
    """/teach/courses/<id>/announcements."""

    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    rows: list[AnnouncementRow] = []
    recipients: int = 0

    # The form at the top (kept in the state so a refused post loses nothing typed).
    draft_title: str = ""
    draft_body: str = ""
    also_email: bool = False

    # The announcement an edit or delete dialog is about.
    target_id: str = ""
    target_title: str = ""
    edit_open: bool = False
    edit_title: str = ""
    edit_body: str = ""
    delete_open: bool = False

    @rx.var
    def email_label(self) -> str:
        return f"Also email the {_learners_label(self.recipients)}"

    def _course_id(self) -> int:
        return _course_in_path(self.router.url.path)

    def _fill(self, session: Session, actor: Actor) -> None:
        # Counting the recipients checks first that the actor is on the course's staff.
        self.recipients = announcements.email_recipient_count(session, actor, self._course_id())
        listing = announcements.list_for_course(session, actor, self._course_id())
        self.found, self.course_ref, self.course_title = True, str(listing.course_id), listing.course_title
        self.rows = _rows(listing.announcements, _viewer_tz(session, actor))

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found, self.edit_open, self.delete_open = False, False, False
        self.draft_title, self.draft_body, self.also_email = "", "", False
        self._fill(session, actor)

    @rx.event
    def set_draft_title(self, value: str):
        self.draft_title = str(value)[: announcements.MAX_TITLE + 1]

    @rx.event
    def set_draft_body(self, value: str):
        # The live preview; nothing is saved until "Post".
        self.draft_body = str(value)[: announcements.MAX_BODY + 1]

    @rx.event
    def set_also_email(self, value: bool):
        self.also_email = bool(value)

    @rx.event
    @teaching
    def post(self, session: Session, actor: Actor, form: dict):
        form = form or {}
        self.draft_title = str(form.get("title", self.draft_title))[: announcements.MAX_TITLE + 1]
        self.draft_body = str(form.get("body", self.draft_body))[: announcements.MAX_BODY + 1]
        posted = announcements.post(session, actor, self._course_id(), self.draft_title, self.draft_body, email=self.also_email)
        self.draft_title, self.draft_body, self.also_email = "", "", False
        self._fill(session, actor)
        if posted.emailed_to:
            return rx.toast.success(f"Announcement posted and emailed to {_learners_label(posted.emailed_to)}.")
        return rx.toast.success("Announcement posted.")

    def _pick(self, announcement_id: str) -> AnnouncementRow | None:
        row = next((r for r in self.rows if r.id == str(announcement_id)), None)
        if row is not None:
            self.target_id, self.target_title = row.id, row.title
        return row

    @rx.event
    def ask_edit(self, announcement_id: str):
        row = self._pick(announcement_id)
        if row is not None:
            self.edit_title, self.edit_body, self.edit_open = row.title, row.body, True

    @rx.event
    def set_edit_open(self, value: bool):
        self.edit_open = bool(value)

    @rx.event
    def set_edit_body(self, value: str):
        self.edit_body = str(value)[: announcements.MAX_BODY + 1]

    @rx.event
    @teaching
    def save_edit(self, session: Session, actor: Actor, form: dict):
        form = form or {}
        self.edit_title = str(form.get("title", self.edit_title))[: announcements.MAX_TITLE + 1]
        self.edit_body = str(form.get("body", self.edit_body))[: announcements.MAX_BODY + 1]
        announcements.edit(session, actor, _num(self.target_id), self.edit_title, self.edit_body)
        self.edit_open = False
        self._fill(session, actor)
        return rx.toast.success("Announcement updated.")

    @rx.event
    def ask_delete(self, announcement_id: str):
        if self._pick(announcement_id) is not None:
            self.delete_open = True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @rx.event
    @teaching
    def delete(self, session: Session, actor: Actor):
        announcements.delete(session, actor, _num(self.target_id))
        self.delete_open = False
        self._fill(session, actor)
        return rx.toast.success(f"“{self.target_title}” was deleted.")


# --- learners -------------------------------------------------------------------------------

class LearnerAnnouncementsState(ActorMixin, rx.State):
    """/learn/courses/<id>/announcements: opening it marks the course's announcements read."""

    # What the page shows: loading | ok | not_enrolled | missing
    view: str = "loading"
    message: str = ""
    course_id: str = ""
    course_title: str = ""
    rows: list[AnnouncementRow] = []
    unread: int = 0  # how many were new when the page opened

    def _course_id(self) -> int:
        # /learn/courses/<course>/announcements
        parts = (self.router.url.path or "").strip("/").split("/")
        return _num(parts[2]) if len(parts) > 2 else 0

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        course_id = self._course_id()
        self.view, self.message, self.rows, self.unread = "loading", "", [], 0
        self.course_id = str(course_id) if course_id else ""
        try:
            listing = announcements.list_for_course(session, actor, course_id)
        except PermissionDenied as exc:
            self.view, self.message = "not_enrolled", exc.message
            return None
        except NotFound as exc:
            self.view, self.message = "missing", exc.message
            return None
        # Marked seen after reading, so the ones new until now keep their "New" badge on screen.
        announcements.mark_seen(session, actor, listing.course_id)
        self.course_title = listing.course_title
        self.rows = _rows(listing.announcements, _viewer_tz(session, actor))
        self.unread = listing.unread
        self.view = "ok"
        return None
