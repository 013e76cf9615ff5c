"""A quiz's staff page (/teach/courses/<course>/quizzes/<lesson>): the attempts across learners
with filters, resetting or reopening one (with a reason), and the overrides per learner or
group. Thin adapter: quiz_staff and overrides check on every call that the actor is on the
course's staff, and write the audit rows."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import reflex as rx
from sqlmodel import Session

from lms_app.assessments.quiz_settings import QuizSettings
from lms_app.services import overrides, quiz_staff, quizzes, timefmt
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_and_lesson_in_path, _num, _viewer_tz, teaching
from lms_app.state.base import ActorMixin
from lms_app.state.quiz_editor import LOCAL_FORMAT

STATUS_LABELS = {quizzes.IN_PROGRESS: "In progress", quizzes.AWAITING_GRADING: "Awaiting grading", quizzes.GRADED: "Graded"}
STATUS_FILTERS = ("all", *STATUS_LABELS)
GRADING_LABELS = {"highest": "highest attempt counts", "last": "last attempt counts", "average": "average of the attempts"}


@dataclasses.dataclass
class AttemptRow:
    id: str
    name: str
    email: str
    number: int
    status: str
    status_label: str
    started: str
    submitted: str
    score: str
    passed: str  # yes | no | ""
    closed_by: str  # "By the deadline" | "By the learner" | ""
    can_reopen: bool


@dataclasses.dataclass
class OverrideView:
    id: str
    who: str
    detail: str  # the learner's email, or "Group"
    is_group: bool
    changes: list[str]
    reason: str


@dataclasses.dataclass
class PersonChoice:
    id: str
    name: str
    email: str


@dataclasses.dataclass
class GroupChoice:
    id: str
    name: str


def _attempt_row(a: quiz_staff.StaffAttempt, tz: str) -> AttemptRow:
    if a.percent is not None:
        score = f"{a.percent:g}%"
    elif a.status == quizzes.AWAITING_GRADING and a.score is not None:
        score = f"{a.score:g} / {a.max_score:g} so far"
    else:
        score = "—"
    closed = {"deadline": "By the deadline", "learner": "By the learner"}.get(a.closed_by or "", "")
    return AttemptRow(str(a.id), a.name, a.email, a.number, a.status, STATUS_LABELS.get(a.status, a.status),
                      timefmt.show(a.started_at, tz), timefmt.show(a.submitted_at, tz, never="—"), score,
                      "" if a.passed is None or a.percent is None else ("yes" if a.passed else "no"), closed, a.status != quizzes.IN_PROGRESS)


def _changes(o: overrides.OverrideRow, tz: str) -> list[str]:
    out = []
    if o.extra_attempts:
        out.append(f"+{o.extra_attempts} attempt{'s' if o.extra_attempts != 1 else ''}")
    if o.extra_minutes:
        out.append(f"+{o.extra_minutes} minute{'s' if o.extra_minutes != 1 else ''}")
    if o.opens_at:
        out.append("Opens " + timefmt.show(o.opens_at, tz))
    if o.due_at:
        out.append("Due " + timefmt.show(o.due_at, tz))
    if o.closes_at:
        out.append("Closes " + timefmt.show(o.closes_at, tz))
    return out


def _local(value: datetime | None, tz: str) -> str:
    return value.astimezone(timefmt.zone(tz)).strftime(LOCAL_FORMAT) if value else ""


def _zoned(text: str, tz: str) -> str | None:
    """A local "YYYY-MM-DDTHH:MM" from the form in the viewer's zone, as an ISO time with its zone."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("Give dates as a date and a time.") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timefmt.zone(tz))).isoformat()


class QuizAttemptsState(ActorMixin, rx.State):
    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    title: str = ""
    rules: list[str] = []  # the quiz's own rules, in words
    tz_label: str = ""
    status_filter: str = "all"
    search: str = ""
    rows: list[AttemptRow] = []
    total: int = 0
    learners: int = 0
    in_progress: int = 0
    awaiting: int = 0
    average: str = "—"
    overrides: list[OverrideView] = []

    # The override dialog.
    override_open: bool = False
    override_id: str = ""  # "": a new one
    target_kind: str = "learner"  # learner | group
    target_id: str = ""
    target_label: str = ""
    person_query: str = ""
    people: list[PersonChoice] = []
    groups: list[GroupChoice] = []
    form_key: int = 0
    form_attempts: str = ""
    form_minutes: str = ""
    form_opens: str = ""
    form_closes: str = ""
    form_reason: str = ""
    delete_open: bool = False
    delete_id: str = ""
    delete_name: str = ""

    # The reset / reopen dialog.
    action_open: bool = False
    action: str = ""  # reset | reopen
    action_attempt: str = ""
    action_label: str = ""

    def _ids(self) -> tuple[int, int]:
        return _course_and_lesson_in_path(self.router.url.path, "quizzes")

    def _lesson_id(self) -> int:
        course_id, lesson_id = self._ids()
        return lesson_id if course_id else 0

    def _fill(self, session: Session, actor: Actor) -> None:
        course_id, lesson_id = self._ids()
        quiz = quiz_staff.staff_quiz(session, actor, lesson_id)
        if quiz.course_id != course_id:
            raise NotFound("That quiz does not exist.")
        tz = _viewer_tz(session, actor)
        self.course_ref, self.course_title, self.title = str(quiz.course_id), quiz.course_title, quiz.title
        self.tz_label = f"{tz.replace('_', ' ')} ({timefmt.utc_offset(tz)})"
        self.rules = self._rules(quiz.content, tz)
        rows, counts = quiz_staff.list_attempts(session, actor, lesson_id, status=self.status_filter, search=self.search)
        self.rows = [_attempt_row(a, tz) for a in rows]
        self.total, self.learners, self.in_progress, self.awaiting = counts.attempts, counts.learners, counts.in_progress, counts.awaiting
        self.average = "—" if counts.average_percent is None else f"{counts.average_percent:g}%"
        self.overrides = [OverrideView(str(o.id), o.who, o.email or "Group", o.group_id is not None, _changes(o, tz), o.reason)
                          for o in overrides.list_overrides(session, actor, lesson_id)]
        self.found = True

    @staticmethod
    def _rules(content: dict, tz: str) -> list[str]:
        try:
            s = QuizSettings.from_content(content)
        except Invalid:
            return ["Not ready: open the quiz in the course editor to finish it."]
        return [
            f"{s.attempts_allowed} attempt{'s' if s.attempts_allowed != 1 else ''}" if s.attempts_allowed else "Unlimited attempts",
            f"{s.time_limit_minutes} minutes" if s.time_limit_minutes else "No time limit",
            GRADING_LABELS[s.grading_method].capitalize(),
            f"Pass at {s.passing_percent:g}%" if s.passing_percent is not None else "Any finished attempt passes",
            *([f"Opens {timefmt.show(s.opens_at, tz)}"] if s.opens_at else []),
            f"Closes {timefmt.show(s.closes_at, tz)}" if s.closes_at else "Never closes",
        ]

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found, self.status_filter, self.search = False, "all", ""
        self.override_open = self.delete_open = self.action_open = False
        self._fill(session, actor)

    @rx.event
    @teaching
    def set_status_filter(self, session: Session, actor: Actor, value: str):
        self.status_filter = value if value in STATUS_FILTERS else "all"
        self._fill(session, actor)

    @rx.event
    @teaching
    def set_search(self, session: Session, actor: Actor, value: str):
        self.search = str(value)[:100]
        self._fill(session, actor)

    # --- overrides --------------------------------------------------------------------------

    def _open_form(self, session: Session, actor: Actor) -> None:
        self.groups = [GroupChoice(str(gid), name) for gid, name in overrides.group_choices(session, actor, self._lesson_id())]
        self.people, self.person_query = [], ""
        self.form_key += 1
        self.override_open = True

    @rx.event
    @teaching
    def new_override(self, session: Session, actor: Actor):
        self.override_id, self.target_kind, self.target_id, self.target_label = "", "learner", "", ""
        self.form_attempts = self.form_minutes = self.form_opens = self.form_closes = self.form_reason = ""
        self._open_form(session, actor)
        self.people = [PersonChoice(str(c.user_id), c.name, c.email) for c in overrides.override_candidates(session, actor, self._lesson_id(), "")]

    @rx.event
    @teaching
    def edit_override(self, session: Session, actor: Actor, override_id: str):
        row = next((o for o in overrides.list_overrides(session, actor, self._lesson_id()) if str(o.id) == str(override_id)), None)
        if row is None:
            raise NotFound("That override does not exist.")
        tz = _viewer_tz(session, actor)
        self.override_id = str(row.id)
        self.target_kind = "group" if row.group_id else "learner"
        self.target_id, self.target_label = str(row.group_id or row.user_id), row.who
        self.form_attempts, self.form_minutes = str(row.extra_attempts or ""), str(row.extra_minutes or "")
        self.form_opens, self.form_closes, self.form_reason = _local(row.opens_at, tz), _local(row.closes_at, tz), row.reason
        self._open_form(session, actor)

    @rx.event
    def set_override_open(self, value: bool):
        self.override_open = bool(value)

    @rx.event
    def pick_target_kind(self, value: str | list[str]):
        if self.override_id:
            return  # an override keeps its learner or group
        self.target_kind = "group" if value == "group" else "learner"
        self.target_id, self.target_label = "", ""

    @rx.event
    @teaching
    def search_people(self, session: Session, actor: Actor, value: str):
        self.person_query = str(value)[:100]
        self.people = [PersonChoice(str(c.user_id), c.name, c.email)
                       for c in overrides.override_candidates(session, actor, self._lesson_id(), self.person_query)]

    @rx.event
    def pick_person(self, user_id: str):
        person = next((p for p in self.people if p.id == str(user_id)), None)
        if person is not None and not self.override_id:
            self.target_kind, self.target_id, self.target_label = "learner", person.id, person.name

    @rx.event
    def pick_group(self, group_id: str):
        group = next((g for g in self.groups if g.id == str(group_id)), None)
        if group is not None and not self.override_id:
            self.target_kind, self.target_id, self.target_label = "group", group.id, group.name

    @rx.event
    @teaching
    def save_override(self, session: Session, actor: Actor, form: dict):
        if not self.target_id:
            raise Invalid("Choose the learner or the group first.")
        tz = _viewer_tz(session, actor)
        who = {"user_id": _num(self.target_id)} if self.target_kind == "learner" else {"group_id": _num(self.target_id)}
        overrides.save_override(
            session, actor, self._lesson_id(), **who,
            extra_attempts=form.get("extra_attempts", ""), extra_minutes=form.get("extra_minutes", ""),
            opens_at=_zoned(form.get("opens_at", ""), tz), closes_at=_zoned(form.get("closes_at", ""), tz), reason=form.get("reason", ""),
        )
        self.override_open = False
        self._fill(session, actor)
        return rx.toast.success(f"Override for {self.target_label} saved.")

    @rx.event
    def ask_delete_override(self, override_id: str):
        row = next((o for o in self.overrides if o.id == str(override_id)), None)
        if row is not None:
            self.delete_id, self.delete_name, self.delete_open = row.id, row.who, True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @rx.event
    @teaching
    def delete_override(self, session: Session, actor: Actor):
        overrides.delete_override(session, actor, _num(self.delete_id))
        self.delete_open = False
        self._fill(session, actor)
        return rx.toast.success(f"Override for {self.delete_name} removed: the quiz's own rules apply again.")

    # --- reset and reopen -------------------------------------------------------------------

    @rx.event
    def ask_action(self, action: str, attempt_id: str):
        row = next((r for r in self.rows if r.id == str(attempt_id)), None)
        if row is None or action not in ("reset", "reopen") or (action == "reopen" and not row.can_reopen):
            return
        self.action, self.action_attempt = action, row.id
        self.action_label = f"attempt {row.number} of {row.name}"
        self.action_open = True

    @rx.event
    def set_action_open(self, value: bool):
        self.action_open = bool(value)

    @rx.event
    @teaching
    def confirm_action(self, session: Session, actor: Actor, form: dict):
        reason = form.get("reason", "")
        if self.action == "reset":
            quiz_staff.reset_attempt(session, actor, _num(self.action_attempt), reason)
            message = f"The {self.action_label} was reset: they may take the quiz again."
        elif self.action == "reopen":
            minutes = form.get("minutes", "")
            quiz_staff.reopen_attempt(session, actor, _num(self.action_attempt), minutes, reason)
            message = f"The {self.action_label} is open again for {str(minutes).strip()} minutes."
        else:
            return None
        self.action_open = False
        self._fill(session, actor)
        return rx.toast.success(message)
