"""The SCORM lesson in the course player: the learner's latest attempt (status, score, attempts
left) and the buttons that launch it. The package itself runs in the page: the run-time
(assets/scorm/runtime.js) and its controller (assets/scorm/player.js) talk to /scorm/*, and
click the hidden "report" button when a SCO has finished so this state shows the result."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from lms_app.models import Lesson
from lms_app.services import progress, scorm
from lms_app.services.errors import DomainError, NotFound
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in


def _num(value) -> int:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) < 18 else 0


class ScormPlayerState(ActorMixin, rx.State):
    loaded: bool = False
    lesson_ref: str = ""
    has_package: bool = False
    attempt_number: int = 0
    attempt_status: str = ""  # "", open, completed, superseded
    status_label: str = ""
    score: str = ""
    can_start_new: bool = False
    attempts_left: str = ""
    message: str = ""

    def _lesson_id(self) -> int:
        parts = (self.router.url.path or "").strip("/").split("/")
        return _num(parts[3] if len(parts) > 3 else "")

    def _fill(self, session: Session, actor: Actor) -> None:
        lesson = session.get(Lesson, self._lesson_id()) if self._lesson_id() else None
        if lesson is None or lesson.org_id != actor.org_id or lesson.kind != "scorm":
            raise NotFound("That lesson does not exist.")
        enrollment = progress.check_lesson_open(session, actor, lesson)
        summary = scorm.learner_summary(session, actor, lesson, enrollment)
        self.lesson_ref = str(lesson.id)
        self.has_package, self.attempt_number, self.attempt_status = summary.has_package, summary.attempt_number, summary.attempt_status
        self.status_label, self.score, self.can_start_new, self.attempts_left = (summary.status_label, summary.score_percent,
                                                                               summary.can_start_new, summary.attempts_left)
        self.loaded = True

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        """The SCORM lesson opened in the player (sent by PlayerState.load)."""
        self.loaded, self.message = False, ""
        try:
            self._fill(session, actor)
        except DomainError as exc:
            self.message, self.loaded = exc.message, True
            raise

    @rx.event
    @signed_in
    def refresh(self, session: Session, actor: Actor):
        """A SCO finished or committed a result: show the attempt as it now is (the player's
        report button also refreshes the course's progress)."""
        self._fill(session, actor)
