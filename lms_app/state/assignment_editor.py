"""The assignment editor in the course editor's lesson dialog: instructions, what is handed in,
points, dates (in the instructor's time zone), the late penalty, the passing score, a rubric;
and the learners given an extension. Thin over the assignments service, which checks the
course role on every call (instructors change the settings; the course's staff grant
extensions)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import reflex as rx
from sqlmodel import Session

from lms_app.assessments.assignment_settings import DEFAULT_FILE_MB, MAX_INSTRUCTIONS
from lms_app.services import assignments, profile, timefmt
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.authoring import CourseEditorState, teaching
from lms_app.state.base import ActorMixin

NO_RUBRIC = "none"  # a select item cannot be ""


@dataclasses.dataclass
class Option:
    value: str
    label: str


@dataclasses.dataclass
class ExtensionRow:
    id: str
    name: str
    email: str
    due: str
    cut_off: str
    reason: str


def _num(value) -> int:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) < 18 else 0


def to_local_input(value, tz: str) -> str:
    """A stored time (ISO, UTC) as a datetime-local input's value in the viewer's zone."""
    if not value:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    return moment.astimezone(timefmt.zone(tz)).strftime("%Y-%m-%dT%H:%M")


def from_local_input(value, tz: str, what: str) -> datetime | None:
    """A datetime-local input's value, read in the viewer's zone (None when empty)."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{what} is not a date and time.") from None
    return moment.replace(tzinfo=timefmt.zone(tz)) if moment.tzinfo is None else moment


def _blank(value) -> str | None:
    text = str(value if value is not None else "").strip()
    return text or None


class AssignmentEditorState(ActorMixin, rx.State):
    lesson_ref: str = ""
    loaded: bool = False
    can_edit: bool = False
    tz: str = "UTC"
    form_key: int = 0
    instructions: str = ""
    submission_type: str = "both"
    max_files: str = "5"
    max_file_mb: str = str(DEFAULT_FILE_MB)
    accepted_types: str = ""
    max_points: str = "100"
    due_at: str = ""
    cut_off_at: str = ""
    penalty_percent: str = ""
    penalty_max_percent: str = ""
    passing_percent: str = ""
    rubric: str = NO_RUBRIC
    rubrics: list[Option] = []
    extensions: list[ExtensionRow] = []
    learners: list[Option] = []
    ext_open: bool = False
    ext_user: str = ""

    def _fill(self, session: Session, actor: Actor, lesson_id: int) -> None:
        view = assignments.editor_view(session, actor, lesson_id)
        tz = profile.get_profile(session, actor).timezone or "UTC"
        c = view.content
        self.lesson_ref, self.can_edit, self.tz = str(lesson_id), view.can_edit, tz
        self.instructions = str(c.get("instructions") or "")
        self.submission_type = str(c.get("submission_type") or "both")
        self.max_files = str(c.get("max_files") or 5)
        self.max_file_mb = str(c.get("max_file_mb") or DEFAULT_FILE_MB)
        self.accepted_types = ", ".join(c.get("accepted_types") or [])
        points = c.get("max_points")
        self.max_points = f"{float(points):g}" if isinstance(points, (int, float)) else "100"
        self.due_at, self.cut_off_at = to_local_input(c.get("due_at"), tz), to_local_input(c.get("cut_off_at"), tz)
        self.penalty_percent = _pct(c.get("late_penalty_percent"))
        self.penalty_max_percent = _pct(c.get("late_penalty_max_percent"))
        self.passing_percent = _pct(c.get("passing_percent"))
        self.rubric = str(c.get("rubric_id") or NO_RUBRIC)
        self.rubrics = [Option(str(r.id), r.title) for r in view.rubrics]
        self._fill_extensions(session, actor, lesson_id)
        self.form_key += 1
        self.loaded = True

    def _fill_extensions(self, session: Session, actor: Actor, lesson_id: int) -> None:
        tz = self.tz
        self.extensions = [ExtensionRow(str(e.override_id), e.name, e.email, timefmt.show(e.due_at, tz, never="—"),
                                        timefmt.show(e.closes_at, tz, never="—"), e.reason)
                           for e in assignments.list_extensions(session, actor, lesson_id)]
        self.learners = [Option(str(le.user_id), f"{le.name} ({le.email})") for le in assignments.extension_candidates(session, actor, lesson_id)]

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor, lesson_id: str):
        """The assignment open in the course editor's lesson dialog."""
        self.loaded, self.ext_open = False, False
        self._fill(session, actor, _num(lesson_id))

    @rx.event
    def set_instructions_preview(self, value: str):
        """The Markdown preview as the instructions are typed (saved with the form)."""
        self.instructions = str(value or "")[: MAX_INSTRUCTIONS + 1]

    @rx.event
    def pick_submission_type(self, value: str):
        self.submission_type = value if value in ("text", "file", "both") else "both"

    @rx.event
    def pick_rubric(self, value: str):
        self.rubric = str(value or NO_RUBRIC)

    @teaching
    def _save(self, session: Session, actor: Actor, form: dict, editor: CourseEditorState):
        tz = self.tz
        kind = form.get("submission_type") or self.submission_type
        content = {
            "instructions": form.get("instructions", ""),
            "submission_type": kind,
            "max_files": (form.get("max_files") or "").strip() or 5,
            "max_file_mb": (form.get("max_file_mb") or "").strip() or DEFAULT_FILE_MB,
            "accepted_types": form.get("accepted_types") or "",
            "max_points": (form.get("max_points") or "").strip() or 100,
            "due_at": from_local_input(form.get("due_at"), tz, "The due date"),
            "cut_off_at": from_local_input(form.get("cut_off_at"), tz, "The cut-off date"),
            "late_penalty_percent": _blank(form.get("late_penalty_percent")),
            "late_penalty_max_percent": _blank(form.get("late_penalty_max_percent")),
            "passing_percent": _blank(form.get("passing_percent")),
            "rubric_id": None if (form.get("rubric") or self.rubric) in ("", NO_RUBRIC) else _num(form.get("rubric") or self.rubric) or -1,
        }
        if content["passing_percent"] is not None:
            try:
                content["passing_percent"] = float(content["passing_percent"].replace(",", "."))
            except ValueError:
                raise Invalid("The passing score (%) must be a number.") from None
        lesson_id = _num(self.lesson_ref)
        assignments.save_settings(session, actor, lesson_id, content)
        self._fill(session, actor, lesson_id)
        if editor is not None and editor.lesson_id == self.lesson_ref:
            editor._refresh_lesson(session, actor)
        return rx.toast.success("Assignment saved.")

    @rx.event
    async def save(self, form: dict):
        """Save the settings form (the course's instructors)."""
        editor = await self.get_state(CourseEditorState)
        return self._save(form, editor)

    # --- extensions ----------------------------------------------------------------------------

    @rx.event
    def set_ext_open(self, value: bool):
        self.ext_open = bool(value)
        if value:
            self.ext_user = ""

    @rx.event
    def pick_ext_user(self, value: str):
        self.ext_user = str(value or "")

    @rx.event
    @teaching
    def grant_extension(self, session: Session, actor: Actor, form: dict):
        """Give the chosen learner other dates at this assignment, with a reason (the course's staff)."""
        user_id = _num(form.get("user") or self.ext_user)
        if not user_id:
            raise Invalid("Choose the learner.")
        due = from_local_input(form.get("due_at"), self.tz, "The new due date")
        closes = from_local_input(form.get("closes_at"), self.tz, "The new cut-off")
        lesson_id = _num(self.lesson_ref)
        assignments.grant_extension(session, actor, lesson_id, user_id, due, closes, form.get("reason", ""))
        self._fill_extensions(session, actor, lesson_id)
        self.ext_open = False
        name = next((o.label for o in self.learners if o.value == str(user_id)), "The learner")
        return rx.toast.success(f"Extension saved for {name.split(' (')[0]}.")

    @rx.event
    @teaching
    def remove_extension(self, session: Session, actor: Actor, override_id: str):
        """Take a learner's extension away (the course's staff)."""
        assignments.remove_extension(session, actor, _num(override_id))
        self._fill_extensions(session, actor, _num(self.lesson_ref))
        return rx.toast.success("Extension removed: the assignment's own dates apply again.")


def _pct(value) -> str:
    return f"{float(value):g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
