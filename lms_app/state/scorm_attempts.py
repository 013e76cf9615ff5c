"""A SCORM lesson's staff page (/teach/courses/<course>/scorm/<lesson>): every learner's
attempts, one attempt's SCOs with their interactions and objectives, and the CSV export.
Thin adapter: the scorm service checks on every call that the actor is on the course's staff."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import scorm, timefmt
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_and_lesson_in_path, _num, _viewer_tz, teaching
from lms_app.state.base import ActorMixin


@dataclasses.dataclass
class AttemptLine:
    id: str
    learner: str
    email: str
    number: int
    status: str
    result: str
    score: str
    time: str
    updated: str


@dataclasses.dataclass
class InteractionLine:
    id: str
    type: str
    response: str
    correct: str
    result: str
    latency: str


@dataclasses.dataclass
class ObjectiveLine:
    id: str
    status: str
    score: str


@dataclasses.dataclass
class ScoDetail:
    title: str
    status: str
    score: str
    time: str
    interactions: list[InteractionLine]
    objectives: list[ObjectiveLine]


def _line(row: scorm.AttemptRow, tz: str) -> AttemptLine:
    return AttemptLine(str(row.id), row.learner, row.email, row.number, row.status, row.result, row.score or "—", row.time, timefmt.show(row.updated, tz))


def _objective_status(o: dict[str, str]) -> str:
    parts = [o.get(k, "") for k in ("success_status", "completion_status", "status") if o.get(k, "") not in ("", "unknown")]
    return ", ".join(parts) or "—"


class ScormAttemptsState(ActorMixin, rx.State):
    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    title: str = ""
    search: str = ""
    rows: list[AttemptLine] = []
    learners: int = 0
    completed: int = 0
    passed: int = 0
    detail_open: bool = False
    detail: AttemptLine = AttemptLine("", "", "", 0, "", "", "", "", "")
    scos: list[ScoDetail] = []

    def _lesson_id(self) -> int:
        return _course_and_lesson_in_path(self.router.url.path, "scorm")[1]

    def _fill(self, session: Session, actor: Actor) -> None:
        view = scorm.attempt_rows(session, actor, self._lesson_id(), search=self.search)
        tz = _viewer_tz(session, actor)
        self.course_ref, self.course_title, self.title = str(view.lesson.course_id), view.course_title, view.lesson.title
        self.rows = [_line(r, tz) for r in view.rows]
        self.learners = len({r.email for r in view.rows})
        self.completed = sum(1 for r in view.rows if r.result in ("Completed", "Passed", "Failed"))
        self.passed = sum(1 for r in view.rows if r.result == "Passed")
        self.found = True

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found, self.search, self.detail_open = False, "", False
        self._fill(session, actor)

    @rx.event
    @teaching
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search = str(value)[:100]
        self._fill(session, actor)

    @rx.event
    @teaching
    def open_attempt(self, session: Session, actor: Actor, attempt_id: str):
        row, items = scorm.attempt_detail(session, actor, _num(attempt_id))
        self.detail = _line(row, _viewer_tz(session, actor))
        self.scos = [ScoDetail(
            i.title, i.status, i.score or "—", i.time or "—",
            [InteractionLine(x.get("id", ""), x.get("type", ""), x.get("learner_response", ""), x.get("correct_responses", ""),
                             x.get("result", ""), x.get("latency", "")) for x in i.interactions],
            [ObjectiveLine(o.get("id", ""), _objective_status(o), o.get("score_scaled") or o.get("score_raw", "") or "—") for o in i.objectives],
        ) for i in items]
        self.detail_open = True

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)

    @rx.event
    @teaching
    def export_csv(self, session: Session, actor: Actor):
        name, text = scorm.export_attempts_csv(session, actor, self._lesson_id())
        return rx.download(data=text, filename=name, mime_type="text/csv")
