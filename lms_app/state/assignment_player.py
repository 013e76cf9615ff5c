"""The learner's side of an assignment in the course player: the instructions and dates (in the
learner's zone), what they handed in, handing in (text and/or files) and, once released, the
grade with its feedback.

The lesson is taken from the URL (/learn/courses/<course>/<lesson>), never from the browser's
word; the assignments service checks the enrollment, the lesson's locks and the dates on
every call."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime

import reflex as rx
from sqlmodel import Session

from lms_app.models import utcnow
from lms_app.services import assignments, profile, timefmt
from lms_app.services.errors import DomainError
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in

STATUS_LABELS = {"not_submitted": "Not handed in", "submitted": "Submitted", "graded": "Graded"}


@dataclasses.dataclass
class HandedIn:
    name: str
    size: str
    url: str
    icon: str


@dataclasses.dataclass
class RubricRow:
    criterion: str
    level: str
    points: str
    description: str


def _num(value) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else 0


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _points(value: float) -> str:
    return f"{value:g}"


def _span(seconds: float) -> str:
    """'3 days', '5 hours', '12 minutes' (rounded down, at least 1 minute)."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "1 minute"


def relative_due(due: datetime | None, now: datetime, *, handed_in_late: int | None = None) -> str:
    """'due in 3 days', '2 days late', 'handed in on time', 'handed in 5 hours late' ('' without a due date)."""
    if due is None:
        return ""
    if handed_in_late is not None:
        return f"handed in {_span(handed_in_late)} late" if handed_in_late > 0 else "handed in on time"
    seconds = (due - now).total_seconds()
    return f"due in {_span(seconds)}" if seconds > 0 else f"{_span(-seconds)} late"


def _file_icon(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {"pdf": "file-text", "png": "image", "jpg": "image", "jpeg": "image", "webp": "image",
            "xlsx": "file-spreadsheet", "ods": "file-spreadsheet", "csv": "file-spreadsheet"}.get(ext, "file")


class AssignmentPlayerState(ActorMixin, rx.State):
    loaded: bool = False
    problem: str = ""  # why the assignment cannot be shown
    lesson_ref: str = ""
    instructions: str = ""
    what: str = ""  # "Text and files: up to 3 files of 10 MB"
    files_hint: str = ""  # under the file drop zone
    takes_text: bool = True
    takes_files: bool = True
    max_files: int = 1
    points_label: str = ""
    due_label: str = ""
    due_relative: str = ""
    cut_off_label: str = ""
    penalty_rule: str = ""
    passing_label: str = ""
    extended: bool = False
    status: str = "not_submitted"
    status_label: str = "Not handed in"
    late: bool = False
    can_submit: bool = False
    closed_reason: str = ""
    number: int = 0
    submitted_label: str = ""
    text: str = ""
    files: list[HandedIn] = []
    draft_text: str = ""
    draft_key: int = 0
    # Once released:
    grade_label: str = ""
    penalty_label: str = ""
    passed_label: str = ""
    passed: bool = False
    feedback: str = ""
    rubric: list[RubricRow] = []

    def _lesson_in_path(self) -> int:
        parts = (self.router.url.path or "").strip("/").split("/")
        return _num(parts[3]) if len(parts) > 3 and parts[:2] == ["learn", "courses"] else 0

    def _show(self, view: assignments.MySubmission, tz: str, now: datetime) -> None:
        s = view.settings
        self.loaded, self.problem, self.lesson_ref = True, "", str(view.lesson_id)
        self.instructions, self.what = s.instructions, assignments.describe(s)
        self.takes_text, self.takes_files, self.max_files = s.takes_text, s.takes_files, s.max_files
        kinds = assignments.type_names(s.accepted_types) if s.accepted_types else "PDF, images, Office documents or text"
        self.files_hint = f"Up to {s.max_files} file{'s' if s.max_files != 1 else ''} of {s.max_file_mb} MB each · {kinds}"
        self.points_label = f"{_points(s.max_points)} point{'s' if s.max_points != 1 else ''}"
        zone = f" ({tz or 'UTC'})"
        self.due_label = timefmt.show(view.due_at, tz) + zone if view.due_at else ""
        self.cut_off_label = timefmt.show(view.cut_off_at, tz) + zone if view.cut_off_at else ""
        handed = view.late_seconds if view.status != "not_submitted" else None
        self.due_relative = "" if view.status == "graded" else relative_due(view.due_at, now, handed_in_late=handed)
        self.penalty_rule = s.penalty_rule()
        self.passing_label = f"{s.passing_percent:g}% to pass" if s.passing_percent is not None else ""
        self.extended = view.extended
        self.status, self.late = view.status, view.late
        self.status_label = STATUS_LABELS.get(view.status, view.status)
        self.can_submit, self.closed_reason, self.number = view.can_submit, view.closed_reason, view.number
        self.submitted_label = timefmt.show(view.submitted_at, tz) if view.submitted_at else ""
        self.text = view.text
        files = [HandedIn(f.name, size_label(f.size), f.url, _file_icon(f.name)) for f in view.files]
        if files != self.files:
            self.files = files
        self.grade_label = self.penalty_label = self.passed_label = self.feedback = ""
        self.passed, self.rubric = False, []
        if view.final_points is not None:
            self.grade_label = f"{_points(view.final_points)} / {_points(view.max_points or 0)} ({view.percent:g}%)"
            if view.penalty:
                self.penalty_label = f"{_points(view.points)} points, minus {_points(view.penalty)} for handing in late"
            if s.passing_percent is not None:
                self.passed, self.passed_label = bool(view.passed), "Passed" if view.passed else "Not passed"
            self.feedback = view.feedback
            self.rubric = [RubricRow(r.criterion, r.level, f"{_points(r.points)} / {_points(r.max_points)}", r.description) for r in view.rubric]

    def _refresh(self, session: Session, actor: Actor) -> None:
        now = utcnow()
        view = assignments.my_submission(session, actor, self._lesson_in_path(), now=now)
        self._show(view, profile.get_profile(session, actor).timezone, now)

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        """The assignment of the lesson in the URL, as its learner sees it now."""
        try:
            self._refresh(session, actor)
        except DomainError as exc:
            self.loaded, self.problem, self.lesson_ref = True, exc.message, str(self._lesson_in_path())
            return None
        self.draft_text, self.draft_key = self.text, self.draft_key + 1
        return None

    @rx.event
    def set_draft_text(self, value: str):
        """The learner's own answer as they type it (kept for handing in)."""
        self.draft_text = str(value or "")[: assignments.MAX_TEXT + 1]

    @signed_in
    def _submit(self, session: Session, actor: Actor, uploads: list):
        again = self.status != "not_submitted"
        view = assignments.submit(session, actor, self._lesson_in_path(), self.draft_text, uploads)
        self._show(view, profile.get_profile(session, actor).timezone, utcnow())
        self.draft_text = view.text
        note = " It was late." if view.late else ""
        return rx.toast.success(("Handed in again." if again else "Handed in.") + note)

    @rx.event
    async def submit(self, uploads: list[rx.UploadFile]):
        """Hand in the answer typed and the files chosen (checked and kept privately by the
        assignments service); no files chosen keeps those handed in before."""
        pairs = [(u.file, u.filename or "") for u in uploads or []]
        number = self.number
        # Copying files takes a while: not on the event loop, which serves everyone.
        result = await asyncio.to_thread(self._submit, pairs)
        if self.number != number:  # handed in: the chosen files are now in the list above
            return [result, rx.clear_selected_files(UPLOAD_ID)]
        return result


UPLOAD_ID = "assignment-upload"
