"""The course roster (/teach/courses/<id>/learners): who takes the course, enrolling people,
groups, departments and CSV files of emails, the roster's export, and staff corrections to a
learner's progress."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import reflex as rx
from sqlmodel import Session

from lms_app.services import courses, enrollment, progress, timefmt
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.authoring import STATUS_LABELS, _course_in_path, _num, _viewer_tz, teaching
from lms_app.state.base import ActorMixin, read_upload

# Rows of a checked file sent to the browser (the ones needing a fix first): the whole file
# stays on the server.
IMPORT_ROWS_SHOWN = 300

@dataclasses.dataclass
class LearnerRow:
    enrollment_id: str
    name: str
    email: str
    status: str
    status_label: str
    enrolled: str
    percent: int
    last_activity: str


@dataclasses.dataclass
class LessonOption:
    id: str
    label: str


@dataclasses.dataclass
class PersonChoice:
    id: str
    name: str
    email: str


@dataclasses.dataclass
class ImportRowView:
    line: str
    email: str
    name: str
    outcome: str  # enroll | already | error
    problem: str


def _counts_message(counts: enrollment.EnrollCounts) -> str:
    parts = [f"{counts.enrolled} enrolled"]
    if counts.already:
        parts.append(f"{counts.already} already were")
    if counts.skipped:
        parts.append(f"{counts.skipped} left out (deactivated or awaiting approval)")
    return "; ".join(parts) + "."


class CourseLearnersState(ActorMixin, rx.State):
    """/teach/courses/<id>/learners: who takes the course, and staff corrections."""

    found: bool = False
    course_ref: str = ""
    can_edit: bool = False
    course_title: str = ""
    visibility: str = "draft"
    rows: list[LearnerRow] = []
    lesson_options: list[LessonOption] = []
    search: str = ""

    # The learner an action is about (dialogs).
    target_id: str = ""
    target_name: str = ""
    unenroll_open: bool = False
    progress_open: bool = False
    progress_action: str = "complete"  # complete | reset
    progress_lesson: str = ""

    # The "Enroll" dialog.
    enroll_open: bool = False
    enroll_query: str = ""
    enroll_people: list[PersonChoice] = []
    group_options: list[LessonOption] = []
    department_options: list[LessonOption] = []

    # The "Enroll from a CSV file" dialog: the file stays in server memory; enrolling checks
    # the same text again.
    _import_csv: str = ""
    import_open: bool = False
    import_checked: bool = False
    import_file: str = ""
    import_rows: list[ImportRowView] = []
    import_file_errors: list[str] = []
    import_ignored: list[str] = []
    import_row_count: int = 0
    import_to_enroll: int = 0
    import_already: int = 0
    import_errors: int = 0
    importing: bool = False

    @rx.var
    def can_bulk_enroll(self) -> bool:
        return self.import_checked and self.import_errors == 0 and not self.import_file_errors and self.import_to_enroll > 0

    @rx.var
    def visible_rows(self) -> list[LearnerRow]:
        q = self.search.strip().lower()
        return [r for r in self.rows if q in r.name.lower() or q in r.email.lower()] if q else self.rows

    def _course_id(self) -> int:
        return _course_in_path(self.router.url.path)

    def _fill(self, session: Session, actor: Actor) -> None:
        o = courses.get_outline(session, actor, self._course_id())
        tz = _viewer_tz(session, actor)
        self.found, self.can_edit, self.course_title, self.visibility = True, o.can_edit, o.title, o.visibility
        self.course_ref = str(o.id)
        self.rows = [
            LearnerRow(str(r.enrollment_id), r.name, r.email, r.status, STATUS_LABELS.get(r.status, r.status),
                       timefmt.show(r.enrolled_at, tz), r.percent, timefmt.ago(r.last_activity_at))
            for r in enrollment.roster(session, actor, o.id)
        ]
        self.lesson_options = [LessonOption(str(le.id), f"{m.title} · {le.title}") for m in o.modules for le in m.lessons]

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found, self.unenroll_open, self.progress_open, self.search = False, False, False, ""
        self._fill(session, actor)

    @rx.event
    def set_search(self, value: str):
        self.search = str(value)[:100]

    def _pick(self, enrollment_id: str) -> bool:
        row = next((r for r in self.rows if r.enrollment_id == enrollment_id), None)
        if row is None:
            return False
        self.target_id, self.target_name = row.enrollment_id, row.name
        return True

    @rx.event
    def ask_unenroll(self, enrollment_id: str):
        if self._pick(enrollment_id):
            self.unenroll_open = True

    @rx.event
    def set_unenroll_open(self, value: bool):
        self.unenroll_open = bool(value)

    @rx.event
    @teaching
    def unenroll(self, session: Session, actor: Actor, form: dict):
        enrollment.unenroll(session, actor, _num(self.target_id), form.get("reason", ""))
        self.unenroll_open = False
        self._fill(session, actor)
        return rx.toast.success(f"{self.target_name} was withdrawn from the course. Their progress stays on record.")

    @rx.event
    @teaching
    def open_enroll(self, session: Session, actor: Actor):
        options = enrollment.enroll_options(session, actor, self._course_id())
        self.group_options = [LessonOption(str(i), name) for i, name in options.groups]
        self.department_options = [LessonOption(str(i), path) for i, path in options.departments]
        self.enroll_query, self.enroll_people, self.enroll_open = "", [], True

    @rx.event
    def set_enroll_open(self, value: bool):
        self.enroll_open = bool(value)

    @rx.event
    @teaching
    def search_enrollable(self, session: Session, actor: Actor, value: str):
        self.enroll_query = str(value)[:100]
        options = enrollment.enroll_options(session, actor, self._course_id(), self.enroll_query)
        self.enroll_people = [PersonChoice(str(i), name, email) for i, name, email in options.people]

    @rx.event
    @teaching
    def enroll_person(self, session: Session, actor: Actor, user_id: str):
        counts = enrollment.enroll_users(session, actor, self._course_id(), [_num(user_id)])
        self.enroll_people = [p for p in self.enroll_people if p.id != user_id]
        self._fill(session, actor)
        return rx.toast.success(_counts_message(counts))

    @rx.event
    @teaching
    def enroll_group(self, session: Session, actor: Actor, form: dict):
        counts = enrollment.enroll_group(session, actor, self._course_id(), _num(form.get("group")))
        self._fill(session, actor)
        return rx.toast.success(_counts_message(counts) + " New members of the group will be enrolled too.")

    @rx.event
    @teaching
    def enroll_department(self, session: Session, actor: Actor, form: dict):
        counts = enrollment.enroll_department(session, actor, self._course_id(), _num(form.get("department")))
        self._fill(session, actor)
        return rx.toast.success(_counts_message(counts))

    @rx.event
    def ask_progress(self, enrollment_id: str, action: str):
        if self._pick(enrollment_id):
            self.progress_action = "reset" if action == "reset" else "complete"
            self.progress_lesson = ""
            self.progress_open = True

    @rx.event
    def set_progress_open(self, value: bool):
        self.progress_open = bool(value)

    @rx.event
    def pick_progress_lesson(self, value: str):
        self.progress_lesson = value

    @rx.event
    @teaching
    def save_progress(self, session: Session, actor: Actor, form: dict):
        lesson = form.get("lesson") or self.progress_lesson
        reason = form.get("reason", "")
        if self.progress_action == "complete":
            if not lesson or lesson == "all":
                raise Invalid("Choose the lesson to mark as done.")
            progress.mark_complete_for(session, actor, _num(self.target_id), _num(lesson), reason)
            message = f"Lesson marked done for {self.target_name}."
        else:
            count = progress.reset_progress_for(session, actor, _num(self.target_id), None if lesson in ("", "all") else _num(lesson), reason)
            message = f"Progress reset for {self.target_name} ({count} lesson{'s' if count != 1 else ''})."
        self.progress_open = False
        self._fill(session, actor)
        return rx.toast.success(message)

    @rx.event
    @teaching
    def export_roster(self, session: Session, actor: Actor):
        text, count = enrollment.export_roster_csv(session, actor, self._course_id())
        slug = re.sub(r"[^a-z0-9]+", "-", self.course_title.lower()).strip("-")[:60] or "course"
        return [rx.download(data=text, filename=f"learners-{slug}-{date.today().isoformat()}.csv", mime_type="text/csv"),
                rx.toast.success(f"Exported {count} learner{'s' if count != 1 else ''}.")]

    # --- enrolling a CSV file of emails ---

    @rx.event
    def set_import_open(self, value: bool):
        self.import_open = bool(value)
        self._clear_import()

    @rx.event
    def reset_import(self):
        """Back to choosing a file."""
        self._clear_import()

    def _clear_import(self) -> None:
        self._import_csv, self.import_file, self.import_rows, self.import_file_errors, self.import_ignored = "", "", [], [], []
        self.import_row_count = self.import_to_enroll = self.import_already = self.import_errors = 0
        self.import_checked = self.importing = False

    def _show_preview(self, session: Session, actor: Actor, text: str, name: str) -> None:
        preview = enrollment.preview_bulk_enrollment(session, actor, self._course_id(), text)
        self._import_csv, self.import_file, self.import_checked = text, name, True
        first = sorted(preview.rows, key=lambda r: (r.outcome != "error", r.line))[:IMPORT_ROWS_SHOWN]
        self.import_rows = [ImportRowView(str(r.line), r.email or "—", r.name, r.outcome, r.problem) for r in first]
        self.import_file_errors, self.import_ignored = preview.file_errors, preview.ignored_columns
        self.import_row_count = len(preview.rows)
        self.import_to_enroll, self.import_already, self.import_errors = preview.count("enroll"), preview.count("already"), preview.count("error")

    @teaching
    def _check_import(self, session: Session, actor: Actor, text: str, name: str):
        self._show_preview(session, actor, text, name)

    @rx.event
    async def handle_import_upload(self, files: list[rx.UploadFile]):
        text = await read_upload(files)
        return self._check_import(text, (files[0].filename if files else "") or "the file")

    @rx.event
    def start_bulk_enroll(self):
        """Show the button busy first (a big file takes a while), then enroll."""
        self.importing = True
        return CourseLearnersState.bulk_enroll

    @rx.event
    @teaching
    def bulk_enroll(self, session: Session, actor: Actor):
        self.importing = False
        try:
            counts = enrollment.bulk_enroll(session, actor, self._course_id(), self._import_csv)
        except Invalid:
            # Something changed since the preview (someone deactivated, a file swapped): show why.
            self._show_preview(session, actor, self._import_csv, self.import_file)
            raise
        self.import_open = False
        self._clear_import()
        self._fill(session, actor)
        return rx.toast.success(_counts_message(counts))
