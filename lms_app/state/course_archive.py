"""My courses' "Import course" dialog: an archive exported from a course editor becomes a new
draft course, taught by the one importing it. The course archive service checks everything."""

from __future__ import annotations

import asyncio

import reflex as rx
from sqlmodel import Session

from lms_app.services import course_archive
from lms_app.services.errors import DomainError
from lms_app.services.permissions import Actor
from lms_app.state.authoring import teaching
from lms_app.state.base import ActorMixin


class CourseImportState(ActorMixin, rx.State):
    import_open: bool = False
    importing: bool = False
    # Why the last archive was refused, shown in the dialog ("" when none was).
    error: str = ""

    @rx.event
    def set_import_open(self, value: bool):
        self.import_open = bool(value)
        self.importing, self.error = False, ""

    @rx.event
    def start_import(self):
        self.importing, self.error = True, ""

    @teaching
    def _import(self, session: Session, actor: Actor, stream):
        try:
            course = course_archive.import_course(session, actor, stream)
        except DomainError as exc:
            self.error = exc.message
            raise  # a toast too, and nothing is kept
        self.import_open, self.error = False, ""
        return [rx.redirect(f"/teach/courses/{course.id}"), rx.toast.success(f"“{course.title}” imported as a draft.")]

    @rx.event
    async def upload_archive(self, uploads: list[rx.UploadFile]):
        """The archive dropped in the dialog, checked whole and built as a new draft."""
        try:
            if not uploads:
                return rx.toast.error("Choose a course archive (.zip) to import.")
            # Unpacking and checking a large archive takes a while: not on the event loop.
            return await asyncio.to_thread(self._import, uploads[0].file)
        finally:
            self.importing = False
