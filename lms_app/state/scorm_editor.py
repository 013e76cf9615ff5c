"""The SCORM package editor in the course editor's lesson dialog: the current package, a new
version dropped on it, the number of attempts allowed. Thin over the scorm service, which
checks on every call that the actor is one of the course's instructors."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import profile, scorm, timefmt
from lms_app.services.permissions import Actor
from lms_app.state.authoring import CourseEditorState, _num, teaching
from lms_app.state.base import ActorMixin


@dataclasses.dataclass
class PackageView:
    title: str = ""
    edition: str = ""
    version: str = ""
    file: str = ""
    uploaded: str = ""


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


class ScormEditorState(ActorMixin, rx.State):
    lesson_ref: str = ""
    loaded: bool = False
    has_package: bool = False
    package: PackageView = PackageView()
    items: list[str] = []
    unsupported: list[str] = []
    max_attempts: str = ""
    move_open_attempts: bool = False
    form_key: int = 0

    def _fill(self, session: Session, actor: Actor, lesson_id: int) -> None:
        view = scorm.editor_view(session, actor, lesson_id)
        info = view.package
        self.lesson_ref = str(lesson_id)
        self.has_package = info is not None
        if info is not None:
            self.package = PackageView(info.title or "Untitled package", f"SCORM {info.edition}", f"Version {info.version}",
                                       f"{info.file_name} · {_size(info.size_bytes)}", timefmt.show(info.uploaded_at, profile.get_profile(session, actor).timezone or "UTC"))
        self.items = info.items if info else []
        self.unsupported = info.unsupported if info else []
        self.max_attempts = str(view.max_attempts or "")
        self.form_key += 1
        self.loaded = True

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor, lesson_id: str):
        """The SCORM lesson open in the course editor's lesson dialog."""
        self.loaded = False
        self._fill(session, actor, _num(lesson_id))

    @rx.event
    def set_move_open_attempts(self, value: bool):
        self.move_open_attempts = bool(value)

    @teaching
    def _store(self, session: Session, actor: Actor, stream, file_name: str, editor: CourseEditorState):
        lesson_id = _num(self.lesson_ref)
        package = scorm.import_upload(session, actor, lesson_id, stream, file_name, move_open_attempts=self.move_open_attempts)
        self._fill(session, actor, lesson_id)
        if editor.lesson_id == self.lesson_ref:
            editor._refresh_lesson(session, actor)
        return rx.toast.success(f"“{package.title or file_name}” (SCORM {package.edition}) uploaded as version {package.version}.")

    @rx.event
    async def upload(self, uploads: list[rx.UploadFile]):
        """A package dropped on the lesson: checked before anything is unpacked, then unpacked
        into private storage (off the event loop: a large package takes a while)."""
        if not uploads:
            return rx.toast.error("Choose a .zip file to upload.")
        editor = await self.get_state(CourseEditorState)
        return await asyncio.to_thread(self._store, uploads[0].file, uploads[0].filename or "package.zip", editor)

    @teaching
    def _save(self, session: Session, actor: Actor, form: dict, editor: CourseEditorState):
        lesson_id = _num(self.lesson_ref)
        scorm.save_settings(session, actor, lesson_id, max_attempts=form.get("max_attempts", ""))
        self._fill(session, actor, lesson_id)
        if editor.lesson_id == self.lesson_ref:
            editor._refresh_lesson(session, actor)
        return rx.toast.success("Attempt settings saved.")

    @rx.event
    async def save(self, form: dict):
        """The number of attempts allowed (empty: no limit)."""
        editor = await self.get_state(CourseEditorState)
        return self._save(form, editor)
