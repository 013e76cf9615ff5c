"""/teach/grading (the queue) and /teach/grading/<kind>/<id> (one item's grading view): one
state, so the queue's filters are also what "previous" and "next" follow in the grading view.
Thin adapters over the grading service, which decides who may grade what."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from lms_app.services import grading, timefmt
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _num, _size_label, _viewer_tz, teaching
from lms_app.state.base import ActorMixin

KIND_LABELS = {grading.QUIZ: "Quiz", grading.ASSIGNMENT: "Assignment"}
STATUS_LABELS = {grading.TO_GRADE: "To grade", grading.TO_RELEASE: "Graded, not released", "released": "Released"}
ALL = "all"  # a select's "no filter" (a select item cannot be "")
NO_RUBRIC = "none"


def _late_label(seconds: int) -> str:
    if not seconds:
        return ""
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min late"
    if seconds < 86400:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''} late"
    days = -(-seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} late"


def _pts(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _href(ref: tuple[str, int] | None) -> str:
    return f"/teach/grading/{ref[0]}/{ref[1]}" if ref else ""


@dataclasses.dataclass
class QueueItem:
    key: str  # "quiz:12"
    href: str
    kind: str
    kind_label: str
    learner: str
    email: str
    course: str
    item: str
    lesson: str  # the quiz an answer belongs to ("" for an assignment: the item is the lesson)
    submitted: str
    late: str
    status: str
    status_label: str
    score: str  # "3 / 4" once graded


@dataclasses.dataclass
class Option:
    id: str
    label: str


@dataclasses.dataclass
class FileItem:
    name: str
    url: str
    size: str
    viewer: str  # pdf | image | text | other
    text: str


@dataclasses.dataclass
class LevelView:
    index: str
    label: str
    points: float
    points_label: str
    description: str


@dataclasses.dataclass
class CriterionView:
    index: int
    name: str
    levels: list[LevelView]


class GradingState(ActorMixin, rx.State):
    # --- the queue ---------------------------------------------------------------------------
    rows: list[QueueItem] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    course_filter: str = ALL
    kind_filter: str = ALL
    status_filter: str = grading.TO_GRADE
    search: str = ""
    course_options: list[Option] = []
    selected: list[str] = []
    released_lines: list[str] = []
    skipped_lines: list[str] = []
    queue_loaded: bool = False

    # --- one item ----------------------------------------------------------------------------
    item_found: bool = False
    kind: str = ""
    item_ref: str = ""
    learner_name: str = ""
    learner_email: str = ""
    course_title: str = ""
    lesson_title: str = ""
    item_title: str = ""
    instructions: str = ""
    answer_text: str = ""
    files: list[FileItem] = []
    submitted_label: str = ""
    late_label: str = ""
    max_points: float = 0.0
    penalty: float = 0.0
    status: str = ""
    status_label: str = ""
    graded_by: str = ""
    points_input: str = ""
    feedback: str = ""
    feedback_tab: str = "write"
    reason: str = ""
    rubric_options: list[Option] = []
    rubric_choice: str = NO_RUBRIC
    rubric_fixed: bool = False
    rubric_title: str = ""
    criteria: list[CriterionView] = []
    picked: list[str] = []  # the level index picked per criterion ("" none)
    prev_href: str = ""
    next_href: str = ""
    error: str = ""
    _rubrics: dict[str, Any] = {}

    # --- the queue -------------------------------------------------------------------------

    def _filters(self) -> grading.QueueFilters:
        return grading.QueueFilters(_num(self.course_filter) or None, self.kind_filter if self.kind_filter != ALL else "",
                                    self.status_filter, self.search, self.page)

    def _list(self, session: Session, actor: Actor) -> None:
        found = grading.queue(session, actor, self._filters())
        tz = _viewer_tz(session, actor)
        self.total, self.page, self.pages = found.total, found.page, found.pages
        self.course_options = [Option(str(cid), title) for cid, title in found.courses]
        self.rows = [QueueItem(f"{r.kind}:{r.item_id}", f"/teach/grading/{r.kind}/{r.item_id}", r.kind, KIND_LABELS[r.kind], r.learner_name,
                               r.learner_email, r.course_title, r.item_title, r.lesson_title if r.kind == grading.QUIZ else "", timefmt.show(r.submitted_at, tz, never=""),
                               _late_label(r.late_seconds), r.status, STATUS_LABELS[r.status],
                               f"{_pts(r.points)} / {_pts(r.max_points)}" if r.points is not None else "") for r in found.rows]
        shown = {r.key for r in self.rows}
        self.selected = [k for k in self.selected if k in shown]
        self.queue_loaded = True

    @rx.event
    @teaching
    def load_queue(self, session: Session, actor: Actor):
        self.released_lines, self.skipped_lines = [], []
        self._list(session, actor)

    @rx.event
    @teaching
    def set_course_filter(self, session: Session, actor: Actor, value: str):
        self.course_filter, self.page = str(value or ALL), 1
        self._list(session, actor)

    @rx.event
    @teaching
    def set_kind_filter(self, session: Session, actor: Actor, value: str):
        self.kind_filter, self.page = value if value in grading.KINDS else ALL, 1
        self._list(session, actor)

    @rx.event
    @teaching
    def set_status_filter(self, session: Session, actor: Actor, value: str | list[str]):
        self.status_filter, self.page = value if value in grading.STATUSES else grading.TO_GRADE, 1
        self.selected = []
        self._list(session, actor)

    @rx.event
    @teaching
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search, self.page = str(value or "")[:100], 1
        self._list(session, actor)

    @rx.event
    @teaching
    def go_to_page(self, session: Session, actor: Actor, page: int):
        self.page = max(1, min(int(page) if isinstance(page, int) else 1, self.pages))
        self._list(session, actor)

    @rx.event
    def toggle(self, key: str, checked: bool):
        key = str(key)
        if checked and key not in self.selected and key in {r.key for r in self.rows}:
            self.selected = [*self.selected, key]
        elif not checked:
            self.selected = [k for k in self.selected if k != key]

    @rx.event
    def toggle_all(self, checked: bool):
        self.selected = [r.key for r in self.rows] if checked else []

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.rows) and len(self.selected) == len(self.rows)

    @staticmethod
    def _refs(keys: list[str]) -> list[tuple[str, int]]:
        out = []
        for key in keys:
            kind, _, item_id = str(key).partition(":")
            if kind in grading.KINDS and _num(item_id):
                out.append((kind, _num(item_id)))
        return out

    @rx.event
    @teaching
    def release_selected(self, session: Session, actor: Actor):
        refs = self._refs(self.selected)
        if not refs:
            return rx.toast.error("Select the grades to release first.")
        result = grading.release(session, actor, refs)
        self.released_lines, self.skipped_lines, self.selected = result.released, result.skipped, []
        self._list(session, actor)
        n = len(result.released)
        message = f"{n} grade{'s' if n != 1 else ''} released" + (f", {len(result.skipped)} skipped." if result.skipped else ".")
        return rx.toast.success(message) if n else rx.toast.error(message)

    # --- one item ------------------------------------------------------------------------------

    def _path_ref(self) -> tuple[str, int]:
        parts = (self.router.url.path or "").strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["teach", "grading"] and parts[2] in grading.KINDS:
            return parts[2], _num(parts[3])
        return "", 0

    def _show(self, session: Session, actor: Actor, kind: str, item_id: int) -> None:
        item = grading.item_view(session, actor, kind, item_id, self._filters())
        tz = _viewer_tz(session, actor)
        self.item_found, self.kind, self.item_ref = True, item.kind, str(item.item_id)
        self.learner_name, self.learner_email, self.course_title = item.learner_name, item.learner_email, item.course_title
        self.lesson_title, self.item_title, self.instructions, self.answer_text = item.lesson_title, item.item_title, item.instructions, item.answer_text
        self.files = [FileItem(f.name, f.url, _size_label(f.size) if f.size else "", f.viewer, f.text) for f in item.files]
        self.submitted_label = timefmt.show(item.submitted_at, tz, never="")
        self.late_label = _late_label(item.late_seconds)
        self.max_points, self.penalty = item.max_points, item.penalty
        self.status, self.status_label = item.status, STATUS_LABELS.get(item.status, item.status)
        self.graded_by = item.graded_by
        self.points_input = _pts(item.points)
        self.feedback, self.feedback_tab, self.reason, self.error = item.feedback, "write", "", ""
        self._rubrics = {str(r.id): {"title": r.title, "criteria": r.criteria} for r in item.rubrics}
        if item.rubric_fixed and item.rubric:
            self._rubrics.setdefault(str(item.rubric.id), {"title": item.rubric.title, "criteria": item.rubric.criteria})
        self.rubric_options = [Option(str(r.id), r.title) for r in item.rubrics]
        self.rubric_fixed = item.rubric_fixed
        self._use_rubric(str(item.rubric.id) if item.rubric else NO_RUBRIC, item.rubric_levels)
        self.prev_href, self.next_href = _href(item.previous), _href(item.next)

    def _use_rubric(self, rubric_id: str, levels: list[int] | None = None) -> None:
        found = self._rubrics.get(rubric_id)
        if found is None:
            self.rubric_choice, self.rubric_title, self.criteria, self.picked = NO_RUBRIC, "", [], []
            return
        self.rubric_choice, self.rubric_title = rubric_id, found["title"]
        self.criteria = [CriterionView(ci, c["name"], [LevelView(str(li), lv["label"], float(lv["points"]), f"{float(lv['points']):g} pt{'' if float(lv['points']) == 1 else 's'}",
                                                                 lv.get("description", "")) for li, lv in enumerate(c["levels"])])
                         for ci, c in enumerate(found["criteria"])]
        levels = list(levels or [])
        self.picked = [str(levels[ci]) if ci < len(levels) and isinstance(levels[ci], int) else "" for ci in range(len(self.criteria))]

    @rx.event
    @teaching
    def load_item(self, session: Session, actor: Actor):
        self.item_found = False
        kind, item_id = self._path_ref()
        self._show(session, actor, kind, item_id)

    @rx.event
    def choose_rubric(self, value: str):
        if self.rubric_fixed:
            return
        self._use_rubric(str(value), None)

    @rx.event
    def pick_level(self, criterion: int, level: str):
        if isinstance(criterion, int) and 0 <= criterion < len(self.picked) and str(level).isdigit() \
                and int(level) < len(self.criteria[criterion].levels):
            picked = list(self.picked)
            picked[criterion] = str(level)
            self.picked = picked

    @rx.var
    def rubric_total(self) -> str:
        """The live total: the levels picked, of the rubric's best, and what that is worth here."""
        if not self.criteria:
            return ""
        got = best = 0.0
        for c, p in zip(self.criteria, self.picked):
            best += max((lv.points for lv in c.levels), default=0.0)
            if p != "" and int(p) < len(c.levels):
                got += c.levels[int(p)].points
        left = sum(1 for p in self.picked if p == "")
        worth = round(got / best * self.max_points, 2) if best else 0.0
        text = f"{got:g} of {best:g} rubric points → {worth:g} / {self.max_points:g}"
        return text + (f" ({left} criteri{'on' if left == 1 else 'a'} to go)" if left else "")

    @rx.event
    def set_points(self, value: str):
        self.points_input = str(value or "")[:20]

    @rx.event
    def set_feedback(self, value: str):
        self.feedback = str(value or "")[:grading.MAX_FEEDBACK]

    @rx.event
    def set_feedback_tab(self, value: str | list[str]):
        self.feedback_tab = "preview" if value == "preview" else "write"

    @rx.event
    def set_reason(self, value: str):
        self.reason = str(value or "")[:grading.MAX_REASON]

    def _save(self, session: Session, actor: Actor) -> bool:
        kind, item_id = self._path_ref()
        if self.rubric_choice != NO_RUBRIC:
            if any(p == "" for p in self.picked):
                raise Invalid("Choose a level for every criterion.")
            args = {"levels": [int(p) for p in self.picked], "rubric_id": _num(self.rubric_choice)}
        else:
            args = {"points": self.points_input}
        grade = grading.grade_answer if kind == grading.QUIZ else grading.grade_submission
        if kind not in grading.KINDS:
            raise Invalid("Open an item to grade first.")
        grade(session, actor, item_id, feedback=self.feedback, reason=self.reason, **args)
        return True

    @teaching
    def _save_then(self, session: Session, actor: Actor, then: str):
        try:
            self._save(session, actor)
        except Invalid as exc:
            self.error = exc.message
            return rx.toast.error(exc.message)
        self.error = ""
        if then == "next":
            if self.next_href:
                return [rx.toast.success("Saved."), rx.redirect(self.next_href)]
            return [rx.toast.success("Saved. That was the last one in the queue."), rx.redirect("/teach/grading")]
        kind, item_id = self._path_ref()
        self._show(session, actor, kind, item_id)
        return rx.toast.success("Draft saved: the learner sees it once released." if self.status != "released" else "Grade saved.")

    @rx.event
    def save_draft(self):
        return self._save_then("stay")

    @rx.event
    def save_and_next(self):
        return self._save_then("next")

    @rx.event
    @teaching
    def release_item(self, session: Session, actor: Actor):
        kind, item_id = self._path_ref()
        result = grading.release(session, actor, [(kind, item_id)])
        self._show(session, actor, kind, item_id)
        if result.released:
            return rx.toast.success("Released: the learner now sees the grade and feedback.")
        return rx.toast.error(f"Not released: {result.skipped[0].split(': ', 2)[-1]}." if result.skipped else "Nothing to release.")
