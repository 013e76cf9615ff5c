"""A live session's attendance page (/teach/courses/<course>/sessions/<lesson>): who is booked
and who is waiting, attendance per person, the list as CSV. The live-sessions service checks
that the actor is on the course's staff on every call."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.models import utcnow
from lms_app.services import live_sessions, timefmt
from lms_app.services.errors import NotFound
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_and_lesson_in_path, _num, _viewer_tz, teaching
from lms_app.state.base import ActorMixin
from lms_app.state.player import _session_details


@dataclasses.dataclass
class AttendeeRow:
    user_id: str
    name: str
    email: str
    signed_up: str
    position: int  # on the waiting list (0 when booked)
    attendance: str  # attended | absent


def _row(person: live_sessions.Attendee, tz: str) -> AttendeeRow:
    return AttendeeRow(str(person.user_id), person.name, person.email, timefmt.show(person.signed_up_at, tz),
                       person.position or 0, "attended" if person.attended else "absent")


class SessionAttendanceState(ActorMixin, rx.State):
    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    title: str = ""
    starts: str = ""
    length: str = ""
    location: str = ""
    join_url: str = ""
    seats: str = ""
    started: bool = False
    attended_count: int = 0
    booked: list[AttendeeRow] = []
    waiting: list[AttendeeRow] = []

    def _ids(self) -> tuple[int, int]:
        return _course_and_lesson_in_path(self.router.url.path, "sessions")

    def _lesson_id(self) -> int:
        course_id, lesson_id = self._ids()
        return lesson_id if course_id else 0

    def _fill(self, session: Session, actor: Actor) -> None:
        course_id, lesson_id = self._ids()
        found = live_sessions.roster(session, actor, lesson_id)
        info = found.info
        if info.course_id != course_id:
            raise NotFound("That lesson does not exist.")
        tz = _viewer_tz(session, actor)
        self.course_ref, self.course_title, self.title = str(info.course_id), info.course_title, info.title
        self.starts, self.length = _session_details({"starts_at": info.starts_at.isoformat(), "duration_minutes": info.duration_minutes}, tz)
        self.location, self.join_url = info.location, info.join_url
        left = found.seats_left
        self.seats = "No seat limit" if left is None else f"{len(found.booked)} of {info.capacity} booked"
        self.started = utcnow() >= info.starts_at
        self.attended_count = found.attended
        self.booked = [_row(p, tz) for p in found.booked]
        self.waiting = [_row(p, tz) for p in found.waiting]
        self.found = True

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found = False
        self._fill(session, actor)

    @rx.event
    @teaching
    def mark(self, session: Session, actor: Actor, user_id: str, attendance: str):
        """Attended or absent, for one person on the list."""
        attended = attendance == "attended"
        changed = live_sessions.mark_attendance(session, actor, self._lesson_id(), _num(user_id), attended)
        self._fill(session, actor)
        if not changed:
            return None
        name = next((r.name for r in self.booked + self.waiting if r.user_id == str(user_id)), "")
        return rx.toast.success(f"{name} attended: the lesson is done for them." if attended else f"{name} marked absent.")

    @rx.event
    @teaching
    def export_csv(self, session: Session, actor: Actor):
        text, count = live_sessions.export_csv(session, actor, self._lesson_id())
        filename = live_sessions.filename_for(self.title or "live-session").removesuffix(".ics") + "-list.csv"
        return [rx.download(data=text, filename=filename, mime_type="text/csv"),
                rx.toast.success(f"Exported {count} {'person' if count == 1 else 'people'}.")]
