"""/teach/courses/<id>/rubrics: a course's grading rubrics and their editor. The rubric being
edited is kept on the server as typed (nothing typed is lost to a refusal); the rubrics
service checks it whole when saved and decides who may."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from lms_app.services import courses, rubrics
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_in_path, _num, teaching
from lms_app.state.base import ActorMixin

MAX_FIELD = 1000


@dataclasses.dataclass
class LevelEdit:
    label: str = ""
    points: str = ""
    description: str = ""


@dataclasses.dataclass
class CriterionEdit:
    name: str = ""
    levels: list[LevelEdit] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class RubricCard:
    id: str
    title: str
    summary: str  # "3 criteria · 12 points"
    criteria: list[str]  # "Clarity (0–4)"


def _points_text(value: Any) -> str:
    return f"{float(value):g}"


def _new_criterion() -> dict:
    return {"name": "", "levels": [{"label": "Missing", "points": "0", "description": ""},
                                   {"label": "Partly there", "points": "1", "description": ""},
                                   {"label": "Fully there", "points": "2", "description": ""}]}


class RubricsState(ActorMixin, rx.State):
    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    cards: list[RubricCard] = []
    # The editor
    editor_open: bool = False
    rubric_id: str = ""  # "" while new
    title: str = ""
    criteria: list[CriterionEdit] = []
    error: str = ""
    delete_id: str = ""
    delete_title: str = ""
    delete_open: bool = False
    _draft: dict = {}

    def _fill(self, session: Session, actor: Actor) -> None:
        course_id = _course_in_path(self.router.url.path)
        found = rubrics.list_rubrics(session, actor, course_id)
        course = courses.staffed_course(session, actor, course_id)
        self.found, self.course_ref, self.course_title = True, str(course.id), course.title
        self.cards = [RubricCard(str(r.id), r.title,
                                 f"{len(r.criteria)} criteri{'on' if len(r.criteria) == 1 else 'a'} · {rubrics.rubric_max(r.criteria):g} points",
                                 [f"{c['name']} ({len(c['levels'])} levels)" for c in r.criteria]) for r in found]

    def _sync(self) -> None:
        d = self._draft
        self.title = d.get("title", "")
        self.criteria = [CriterionEdit(c["name"], [LevelEdit(lv["label"], lv["points"], lv["description"]) for lv in c["levels"]])
                         for c in d.get("criteria", [])]
        self.error = ""

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found, self.editor_open, self.delete_open = False, False, False
        self._fill(session, actor)

    # --- the editor (the draft is the caller's own, on the server) --------------------------

    @rx.event
    @teaching
    def open_new(self, session: Session, actor: Actor):
        rubrics.list_rubrics(session, actor, _course_in_path(self.router.url.path))
        self._draft = {"title": "", "criteria": [_new_criterion()]}
        self.rubric_id, self.editor_open = "", True
        self._sync()

    @rx.event
    @teaching
    def open_edit(self, session: Session, actor: Actor, rubric_id: str):
        r = rubrics.get_rubric(session, actor, _num(rubric_id))
        self._draft = {"title": r.title, "criteria": [
            {"name": c["name"], "levels": [{"label": lv["label"], "points": _points_text(lv["points"]), "description": lv.get("description", "")}
                                           for lv in c["levels"]]} for c in r.criteria]}
        self.rubric_id, self.editor_open = str(r.id), True
        self._sync()

    @rx.event
    def set_editor_open(self, value: bool):
        self.editor_open = bool(value)

    @rx.event
    def set_title(self, value: str):
        if self._draft:
            self._draft["title"] = str(value or "")[:MAX_FIELD]
            self._sync()

    def _criterion(self, ci: Any) -> dict | None:
        rows = self._draft.get("criteria") if self._draft else None
        return rows[ci] if rows is not None and isinstance(ci, int) and 0 <= ci < len(rows) else None

    @rx.event
    def set_criterion_name(self, ci: int, value: str):
        c = self._criterion(ci)
        if c is not None:
            c["name"] = str(value or "")[:MAX_FIELD]
            self._sync()

    @rx.event
    def set_level(self, ci: int, li: int, field: str, value: str):
        c = self._criterion(ci)
        if c is None or field not in ("label", "points", "description") or not isinstance(li, int) or not 0 <= li < len(c["levels"]):
            return
        c["levels"][li][field] = str(value if value is not None else "")[:MAX_FIELD]
        self._sync()

    @rx.event
    def add_criterion(self):
        if self._draft and len(self._draft["criteria"]) < rubrics.MAX_CRITERIA:
            self._draft["criteria"].append(_new_criterion())
            self._sync()

    @rx.event
    def remove_criterion(self, ci: int):
        if self._criterion(ci) is not None:
            self._draft["criteria"].pop(ci)
            self._sync()

    @rx.event
    def add_level(self, ci: int):
        c = self._criterion(ci)
        if c is not None and len(c["levels"]) < rubrics.MAX_LEVELS:
            last = c["levels"][-1]["points"] if c["levels"] else "0"
            try:
                nxt = _points_text(float(str(last).replace(",", ".")) + 1)
            except ValueError:
                nxt = ""
            c["levels"].append({"label": "", "points": nxt, "description": ""})
            self._sync()

    @rx.event
    def remove_level(self, ci: int, li: int):
        c = self._criterion(ci)
        if c is not None and isinstance(li, int) and 0 <= li < len(c["levels"]):
            c["levels"].pop(li)
            self._sync()

    @rx.event
    @teaching
    def save(self, session: Session, actor: Actor):
        if not self._draft:
            return rx.toast.error("Open a rubric first.")
        draft = copy.deepcopy(self._draft)
        try:
            saved = rubrics.save_rubric(session, actor, _course_in_path(self.router.url.path), draft["title"], draft["criteria"],
                                        rubric_id=_num(self.rubric_id) or None)
        except Invalid as exc:
            # Said next to the form; everything typed stays as it was.
            self.error = exc.message
            return rx.toast.error(exc.message)
        new = not self.rubric_id
        self.editor_open, self.rubric_id, self.error = False, str(saved.id), ""
        self._fill(session, actor)
        return rx.toast.success(f"Rubric “{saved.title}” {'created' if new else 'saved'}.")

    # --- deleting ----------------------------------------------------------------------------

    @rx.event
    def ask_delete(self, rubric_id: str, title: str):
        self.delete_id, self.delete_title, self.delete_open = str(rubric_id), str(title)[:200], True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @rx.event
    @teaching
    def delete(self, session: Session, actor: Actor):
        rubrics.delete_rubric(session, actor, _num(self.delete_id))
        self.delete_open = False
        self._fill(session, actor)
        return rx.toast.success("Rubric deleted.")
