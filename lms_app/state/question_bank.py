"""/teach/courses/<id>/questions: the course's question bank and the instructor's own bank,
GIFT files in and out. Thin adapters over the question bank service, which decides who may."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx
from sqlmodel import Session

from lms_app.services import courses, question_bank
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_in_path, _num, teaching
from lms_app.state.base import ActorMixin, read_upload


@dataclasses.dataclass
class CategoryItem:
    id: str
    label: str
    count: int
    own: bool  # in the viewer's own bank (shared across their courses)
    can_change: bool


@dataclasses.dataclass
class QuestionItem:
    id: str
    title: str
    type_label: str
    points: str


def _points(value: float) -> str:
    return f"{value:g} pt" if value == 1 else f"{value:g} pts"


class QuestionBankState(ActorMixin, rx.State):
    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    categories: list[CategoryItem] = []
    category: str = ""  # the chosen category's id
    rows: list[QuestionItem] = []
    total: int = 0
    search: str = ""
    category_open: bool = False
    import_open: bool = False
    import_errors: list[str] = []
    import_readable: int = 0
    # The GIFT text waiting for "import the readable ones anyway": on the server only.
    _pending_gift: str = ""

    @rx.var
    def chosen(self) -> CategoryItem:
        return next((c for c in self.categories if c.id == self.category), CategoryItem("", "", 0, False, False))

    def _course_id(self) -> int:
        return _course_in_path(self.router.url.path)

    def _fill(self, session: Session, actor: Actor) -> None:
        course = courses.staffed_course(session, actor, self._course_id())
        self.found, self.course_ref, self.course_title = True, str(course.id), course.title
        found = question_bank.categories(session, actor, course.id)
        self.categories = [CategoryItem(str(c.id), c.path, c.questions, c.course_id is None, c.can_change) for c in found]
        if self.category not in {c.id for c in self.categories}:
            self.category = self.categories[0].id if self.categories else ""
        self._list(session, actor)

    def _list(self, session: Session, actor: Actor) -> None:
        if not self.category:
            self.rows, self.total = [], 0
            return
        rows, self.total = question_bank.list_questions(session, actor, _num(self.category), search=self.search)
        self.rows = [QuestionItem(str(r.id), r.title, r.type_label, _points(r.points)) for r in rows]

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found, self.search, self.category_open, self.import_open = False, "", False, False
        self._fill(session, actor)

    @rx.event
    @teaching
    def pick_category(self, session: Session, actor: Actor, category_id: str):
        self.category = category_id
        self._list(session, actor)

    @rx.event
    @teaching
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search = value[:100]
        self._list(session, actor)

    @rx.event
    def set_category_open(self, value: bool):
        self.category_open = bool(value)

    @rx.event
    @teaching
    def create_category(self, session: Session, actor: Actor, form: dict):
        """A new category: in the course's bank, or in the instructor's own bank."""
        own = (form.get("bank") or "course") == "own"
        category = question_bank.create_category(session, actor, form.get("name", ""), course_id=None if own else self._course_id())
        self.category, self.category_open = str(category.id), False
        self._fill(session, actor)
        return rx.toast.success(f"Category “{category.name}” created.")

    @rx.event
    @teaching
    def delete_question(self, session: Session, actor: Actor, question_id: str):
        question_bank.delete_question(session, actor, _num(question_id))
        self._fill(session, actor)
        return rx.toast.success("Question deleted.")

    # --- GIFT ------------------------------------------------------------------------------

    @rx.event
    def set_import_open(self, value: bool):
        self.import_open = bool(value)
        self.import_errors, self.import_readable, self._pending_gift = [], 0, ""

    @teaching
    def _import(self, session: Session, actor: Actor, text: str, skip_errors: bool):
        result = question_bank.import_gift(session, actor, _num(self.category), text, skip_errors=skip_errors)
        if result.imported == 0 and result.errors:
            # Nothing went in: say why, line by line, and offer to take the readable ones.
            self.import_errors, self.import_readable, self._pending_gift = result.errors, result.readable, text
            return None
        self.import_open, self.import_errors, self._pending_gift = False, [], ""
        self._fill(session, actor)
        skipped = f" ({len(result.errors)} with errors left out)" if result.errors else ""
        return rx.toast.success(f"{result.imported} question{'s' if result.imported != 1 else ''} imported{skipped}.")

    @rx.event
    async def upload_gift(self, files: list[rx.UploadFile]):
        """A GIFT file dropped on the import dialog: imported at once when it reads cleanly."""
        return self._import(await read_upload(files), False)

    @rx.event
    def import_readable_ones(self):
        return self._import(self._pending_gift, True)

    @rx.event
    @teaching
    def export_gift(self, session: Session, actor: Actor):
        text = question_bank.export_gift(session, actor, _num(self.category))
        slug = re.sub(r"[^a-z0-9]+", "-", self.chosen.label.lower()).strip("-")[:60] or "questions"
        return rx.download(data=text, filename=f"{slug}.gift", mime_type="text/plain")
