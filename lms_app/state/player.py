"""The learner's course player: where to resume, the outline with each lesson's state, the
open lesson, and the reports the browser sends while the lesson is on screen (time spent,
video seconds played, the end of a text reached).

The enrollment and the lesson are never taken from the browser: each handler resolves the
learner's current run of the course in the URL, and the progress service checks the
enrollment, the lesson and its locks again on every call.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import reflex as rx
from sqlmodel import Session

from lms_app.lessons import registry
from lms_app.services import announcements, courses, live_sessions, profile, progress, timefmt
from lms_app.services.errors import DomainError, Invalid, NotFound
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in
from lms_app.state.quiz_player import QuizPlayerState
from lms_app.state.scorm_player import ScormPlayerState

STATE_LABELS = {"locked": "Locked", "available": "Not started", "in_progress": "In progress", "done": "Done"}


@dataclasses.dataclass
class OutlineLesson:
    """What does not change while the learner works through the course (their progress is
    in PlayerState.lesson_states, a much smaller var re-sent as lessons get done)."""

    id: str
    title: str
    href: str


@dataclasses.dataclass
class OutlineModule:
    id: str
    title: str
    lessons: list[OutlineLesson]


@dataclasses.dataclass
class StepLink:
    """The previous or next lesson: where it leads, or why it cannot be opened yet."""

    title: str = ""
    href: str = ""
    reason: str = ""


def _num(value) -> int:
    """An id from the URL, or 0 (which no row has) so the service answers 'not found'."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else 0


def _lesson_href(course_id: int, lesson_id: int) -> str:
    return f"/learn/courses/{course_id}/{lesson_id}"


def _file_href(lesson_id: int) -> str:
    return f"/files/lessons/{lesson_id}"


def _session_details(content: dict, tz: str) -> tuple[str, str]:
    """When a live session starts (in the learner's zone, named) and how long it runs."""
    try:
        starts = datetime.fromisoformat(str(content.get("starts_at") or ""))
    except ValueError:
        return "", ""
    if starts.tzinfo is None:
        return "", ""
    minutes = int(content.get("duration_minutes") or 60)
    length = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    local = starts.astimezone(timefmt.zone(tz))
    return f"{local:%a} {timefmt.show(starts, tz)} ({tz or 'UTC'}, {timefmt.utc_offset(tz, starts)})", length


@dataclasses.dataclass
class SessionSeat:
    """The learner's place at a live session, and how full the session is."""

    status: str = "none"  # booked | waiting | none
    position: int = 0  # on the waiting list
    seats: str = ""  # "3 of 10 seats left", "Full", "No seat limit"
    full: bool = False
    signup_open: bool = True
    calendar_href: str = ""


def _seat(status: live_sessions.SignupStatus, lesson_id: int) -> SessionSeat:
    if status.capacity is None:
        seats = "No seat limit"
    elif status.seats_left:
        seats = f"{status.seats_left} of {status.capacity} seat{'s' if status.capacity != 1 else ''} left"
    else:
        seats = f"Full ({status.capacity} seat{'s' if status.capacity != 1 else ''})"
    return SessionSeat(status.status, status.position or 0, seats, status.seats_left == 0, status.signup_open,
                       f"/calendar/lessons/{lesson_id}.ics")


class PlayerState(ActorMixin, rx.State):
    # What the page shows: loading | ok | not_enrolled | missing | empty
    view: str = "loading"
    message: str = ""
    course_id: str = ""
    course_title: str = ""
    catalog_href: str = ""
    outline: list[OutlineModule] = []
    lesson_states: dict[str, str] = {}  # lesson id -> locked | available | in_progress | done
    lock_reasons: dict[str, str] = {}  # lesson id -> why it is locked
    percent: int = 0
    done_count: int = 0
    total_count: int = 0
    course_completed: bool = False
    unread_announcements: int = 0

    # The lesson in the URL.
    lesson_id: str = ""
    lesson_title: str = ""
    module_title: str = ""
    lesson_kind: str = ""
    kind_label: str = ""
    kind_icon: str = "file-text"
    lesson_state: str = ""
    locked_reason: str = ""
    completion: str = ""
    markdown: str = ""
    url: str = ""
    video_source: str = ""
    position: float = 0.0
    watched_percent: int = 0
    file_name: str = ""
    file_is_pdf: bool = False
    session_starts: str = ""
    session_length: str = ""
    session_location: str = ""
    seat: SessionSeat = SessionSeat()
    previous: StepLink = StepLink()
    next: StepLink = StepLink()

    @rx.var
    def lesson_done(self) -> bool:
        return self.lesson_state == "done"

    @rx.var
    def lesson_locked(self) -> bool:
        return self.lesson_state == "locked"

    def _route_ids(self) -> tuple[int, int]:
        # /learn/courses/<course>[/<lesson>]
        parts = (self.router.url.path or "").strip("/").split("/")
        return _num(parts[2] if len(parts) > 2 else ""), _num(parts[3] if len(parts) > 3 else "")

    def _clear_lesson(self) -> None:
        self.lesson_id = self.lesson_title = self.module_title = self.lesson_kind = self.kind_label = ""
        self.lesson_state = self.locked_reason = self.completion = self.markdown = self.url = ""
        self.video_source = self.file_name = self.session_starts = self.session_length = self.session_location = ""
        self.kind_icon, self.position, self.watched_percent = "file-text", 0.0, 0
        self.file_is_pdf = False
        self.seat = SessionSeat()
        self.previous, self.next = StepLink(), StepLink()

    def _not_enrolled(self, course_id: int, message: str) -> None:
        self._clear_lesson()
        # A course id that is not even a number names no course: nothing to enroll in.
        self.view, self.message = ("not_enrolled", message) if course_id else ("missing", "That course does not exist.")
        self.course_title, self.outline, self.lesson_states, self.lock_reasons, self.percent = "", [], {}, {}, 0
        self.course_id = str(course_id) if course_id else ""
        self.catalog_href = f"/catalog/{course_id}" if course_id else "/catalog"

    def _run(self, session: Session, actor: Actor, course_id: int):
        """The learner's current run of the course (NotFound when not enrolled)."""
        if not course_id:
            raise NotFound("That course does not exist.")
        return progress.current_enrollment(session, actor, course_id)

    def _refresh_outline(self, session: Session, actor: Actor, enrollment_id: int, course_id: int) -> list[progress.LessonState]:
        states = progress.lesson_states(session, actor, enrollment_id)
        current = _num(self.lesson_id)
        modules: dict[int, OutlineModule] = {}
        for s in states:
            module = modules.setdefault(s.module_id, OutlineModule(str(s.module_id), s.module_title, []))
            module.lessons.append(OutlineLesson(str(s.lesson_id), s.title, _lesson_href(course_id, s.lesson_id)))
        # A var is re-sent whole whenever it is assigned: assign only what changed, so moving
        # to the next lesson of a 200-lesson course does not send the outline again.
        outline = list(modules.values())
        lesson_states = {str(s.lesson_id): s.state for s in states}
        lock_reasons = {str(s.lesson_id): s.reason for s in states if s.reason}
        if outline != self.outline:
            self.outline = outline
        if lesson_states != self.lesson_states:
            self.lesson_states = lesson_states
        if lock_reasons != self.lock_reasons:
            self.lock_reasons = lock_reasons
        figures = progress.course_progress(session, actor, enrollment_id)
        self.percent, self.done_count, self.total_count = figures.percent, figures.done, figures.total
        self.course_completed = figures.status == "completed"
        index = next((i for i, s in enumerate(states) if s.lesson_id == current), None)
        self.previous, self.next = StepLink(), StepLink()
        if index is not None:
            if index > 0:
                before = states[index - 1]
                self.previous = StepLink(before.title, _lesson_href(course_id, before.lesson_id), before.reason if before.state == "locked" else "")
            if index + 1 < len(states):
                after = states[index + 1]
                self.next = StepLink(after.title, _lesson_href(course_id, after.lesson_id), after.reason if after.state == "locked" else "")
            self.lesson_state = states[index].state
            self.locked_reason = states[index].reason
        return states

    # --- /learn/courses/[course_id] ------------------------------------------------------------

    @rx.event
    @signed_in
    def resume(self, session: Session, actor: Actor):
        """Send the learner to the lesson to resume, or the first one open."""
        course_id, _ = self._route_ids()
        self._clear_lesson()
        self.view, self.message, self.outline = "loading", "", []
        try:
            run = self._run(session, actor, course_id)
        except NotFound as exc:
            self._not_enrolled(course_id, exc.message)
            return None
        target = progress.resume_target(session, actor, run.id)
        if target is None:
            states = progress.lesson_states(session, actor, run.id)
            if not states:
                self.course_id, self.course_title = str(course_id), courses.get_course(session, actor, course_id).title
                self.view, self.message = "empty", "This course has no lessons yet."
                return None
            # Nothing open (all done, or all still locked): the first lesson says which.
            lesson_id = next((s.lesson_id for s in states if s.state != "locked"), states[0].lesson_id)
        else:
            lesson_id = target[0]
        return rx.redirect(_lesson_href(course_id, lesson_id), replace=True)

    # --- /learn/courses/[course_id]/[lesson_id] ----------------------------------------------------

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        course_id, lesson_id = self._route_ids()
        self._clear_lesson()
        self.view, self.message = "loading", ""
        try:
            run = self._run(session, actor, course_id)
        except NotFound as exc:
            self._not_enrolled(course_id, exc.message)
            return None
        self.course_id = str(course_id)
        self.course_title = courses.get_course(session, actor, course_id).title
        self.catalog_href = f"/catalog/{course_id}"
        self.unread_announcements = announcements.unread_counts(session, actor, course_ids=[course_id]).get(course_id, 0)
        self.lesson_id = str(lesson_id)
        states = self._refresh_outline(session, actor, run.id, course_id)
        state = next((s for s in states if s.lesson_id == lesson_id), None)
        if state is None:
            self.lesson_id = ""
            self.view, self.message = "missing", "That lesson does not exist."
            return None
        self.view = "ok"
        self.lesson_title, self.module_title, self.lesson_kind = state.title, state.module_title, state.kind
        kind = registry.get(state.kind)
        self.kind_label, self.kind_icon, self.completion = kind.label, kind.icon, kind.completion
        if state.state == "locked":
            return None
        try:
            opened = progress.open_lesson(session, actor, run.id, lesson_id)
        except DomainError as exc:
            # The access ended, or the lesson closed since the outline was read.
            self.lesson_state, self.locked_reason = "locked", exc.message
            return None
        self._show(session, actor, opened)
        # Opening changes this lesson's state at most (not started -> in progress): no need to
        # work out the whole outline again.
        key = str(lesson_id)
        if opened.status in ("in_progress", "done") and self.lesson_states.get(key) != opened.status:
            self.lesson_states = {**self.lesson_states, key: opened.status}
            self.lesson_state = opened.status
        if opened.kind == "quiz":
            return QuizPlayerState.load  # the quiz's own state shows its intro or the open attempt
        if opened.kind == "scorm":
            return ScormPlayerState.load
        return None

    def _show(self, session: Session, actor: Actor, opened: progress.OpenedLesson) -> None:
        content = opened.content
        self.position = float(opened.position or 0.0)
        if opened.kind == "text":
            self.markdown = str(content.get("markdown") or "")
        elif opened.kind == "link":
            self.url = str(content.get("url") or "")
        elif opened.kind == "video":
            self.video_source = str(content.get("source") or "")
            if self.video_source == "link":
                self.url = str(content.get("url") or "")
            elif content.get("file_path"):
                # Served with the same access checks, and byte ranges so seeking works.
                self.url = _file_href(opened.lesson_id)
        elif opened.kind == "file":
            self.file_name = str(content.get("file_name") or "")
            self.url = _file_href(opened.lesson_id) if content.get("file_path") else ""
            self.file_is_pdf = str(content.get("file_path") or "").lower().endswith(".pdf")
        elif opened.kind == "live_session":
            tz = profile.get_profile(session, actor).timezone
            self.session_starts, self.session_length = _session_details(content, tz)
            self.session_location = str(content.get("location") or "")
            self.url = str(content.get("join_url") or "")
            try:
                self.seat = _seat(live_sessions.my_status(session, actor, opened.lesson_id), opened.lesson_id)
            except Invalid:
                self.seat = SessionSeat()  # no date yet: nothing to sign up for

    def _after_change(self, session: Session, actor: Actor, run_id: int, course_id: int, was_done: bool):
        self._refresh_outline(session, actor, run_id, course_id)
        if self.lesson_state == "done" and not was_done:
            if self.course_completed:
                return rx.toast.success(f"You completed “{self.course_title}”.")
            return rx.toast.success(f"“{self.lesson_title}” is done.")
        return None

    # --- what the lesson reports -----------------------------------------------------------------

    def _report_completion(self, session: Session, actor: Actor, record):
        """Record the learner's step through `record(session, actor, run_id, lesson_id)`, then
        show what changed (lesson done, course progress, course completed)."""
        course_id, lesson_id = self._route_ids()
        run = self._run(session, actor, course_id)
        was_done = self.lesson_state == "done"
        record(session, actor, run.id, lesson_id)
        return self._after_change(session, actor, run.id, course_id, was_done)

    @rx.event
    @signed_in
    def refresh_progress(self, session: Session, actor: Actor):
        """The lesson's own state recorded a result (a quiz submitted): show the outline and the
        course's progress as they now are."""
        course_id, _ = self._route_ids()
        run = self._run(session, actor, course_id)
        return self._after_change(session, actor, run.id, course_id, self.lesson_state == "done")

    @rx.event
    @signed_in
    def reached_end(self, session: Session, actor: Actor):
        """The end of the lesson came into view (text read to the bottom, a link opened)."""
        return self._report_completion(session, actor, progress.mark_viewed)

    @rx.event
    @signed_in
    def mark_done(self, session: Session, actor: Actor):
        """"Mark as done": accepted only when the lesson's rule is met (the service says why not)."""
        return self._report_completion(session, actor, progress.complete_lesson)

    @rx.event
    @signed_in
    def heartbeat(self, session: Session, actor: Actor, report: dict):
        """Seconds the lesson was visible since the last report (the browser counts only while
        the page is visible; the service caps each report)."""
        course_id, lesson_id = self._route_ids()
        if not isinstance(report, dict) or str(report.get("lesson")) != str(lesson_id):
            return None  # a report from a lesson the tab has since left
        run = self._run(session, actor, course_id)
        progress.record_heartbeat(session, actor, run.id, lesson_id, report.get("seconds", 0), position=report.get("position"))
        return None

    @rx.event
    @signed_in
    def report_watch(self, session: Session, actor: Actor, report: dict):
        """The ranges of the video played since the last report, its length and the position."""
        course_id, lesson_id = self._route_ids()
        if not isinstance(report, dict) or str(report.get("lesson")) != str(lesson_id):
            return None
        run = self._run(session, actor, course_id)
        was_done = self.lesson_state == "done"
        result = progress.record_video_watch(session, actor, run.id, lesson_id, report.get("ranges") or [],
                                             duration=report.get("duration"), position=report.get("position"))
        self.watched_percent = int(result.share * 100)
        if result.done and not was_done:
            return self._after_change(session, actor, run.id, course_id, was_done)
        return None

    # --- live sessions -----------------------------------------------------------------------------

    @rx.event
    @signed_in
    def sign_up(self, session: Session, actor: Actor):
        """Take a seat at the live session in the URL, or a place on its waiting list."""
        _, lesson_id = self._route_ids()
        status = live_sessions.sign_up(session, actor, lesson_id)
        self.seat = _seat(status, lesson_id)
        if status.status == "waiting":
            return rx.toast.info(f"The session is full: you are number {status.position} on the waiting list.")
        return rx.toast.success("Your place is booked.")

    @rx.event
    @signed_in
    def cancel_seat(self, session: Session, actor: Actor):
        """Give up one's seat (the next person waiting gets it) or one's place on the waiting list."""
        _, lesson_id = self._route_ids()
        was = self.seat.status
        self.seat = _seat(live_sessions.cancel(session, actor, lesson_id), lesson_id)
        return rx.toast.success("You left the waiting list." if was == "waiting" else "Your place is cancelled.")
