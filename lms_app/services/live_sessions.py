"""Live sessions (lessons of the kind "live_session"): seats, the waiting list, the calendar
file and attendance.

Seats: the lesson's content may give a `capacity` (no capacity: no limit). A learner signing
up gets a seat while there is one, else joins the waiting list, which is served in the order
people joined it; signing up again after cancelling joins at the back. A cancelled seat goes
to the first person waiting, in the same transaction, and they are told by email. Raising the
capacity promotes waiting people the same way; lowering it never takes a seat from anyone
already booked (the extra seats are simply not given again until enough people cancel).
Sign-up, cancelling and promotion close once the session has started.

Concurrency: every change to a session's sign-ups first locks the lesson's row (SELECT ... FOR
UPDATE on PostgreSQL), so two learners cannot take the last seat at once and a cancelled seat
is given once. SQLite lets one writer at a time anyway.

Who may do what: a learner signs up, cancels and reads their own place only for a session
lesson open to them (enrolled, access not ended, not locked: the player's own checks); the
course's staff (and holders of "courses.manage") read the list, export it and mark attendance.
Attendance is the lesson's progress: "attended" marks it done for the learner (which may
complete the course), "absent" undoes that; both go through the progress service, which
keeps them in the audit trail. The calendar file is for anyone who may open the lesson.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

from sqlalchemy import func
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import Course, Enrollment, Lesson, LessonProgress, LiveSessionSignup, User, utcnow
from lms_app.services import audit, courses, progress, timefmt
from lms_app.services.csv_export import csv_text
from lms_app.services.email import queue_email
from lms_app.services.errors import Conflict, Invalid, NotFound
from lms_app.services.permissions import Actor, require

KIND = "live_session"
ATTENDED_REASON = "Attended the live session"
ABSENT_REASON = "Marked absent from the live session"
SIGNUP_CLOSED = "Sign-up has closed: the session has started."


@dataclass
class SessionInfo:
    """When and where a session happens, as the lesson's content says."""

    lesson_id: int
    course_id: int
    course_title: str
    title: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    duration_minutes: int
    location: str
    join_url: str
    capacity: int | None  # None: no limit


@dataclass
class SignupStatus:
    """One learner's place at a session, and how full it is."""

    status: str  # booked | waiting | none
    position: int | None  # place on the waiting list (1 = next), when waiting
    capacity: int | None
    booked: int
    waiting: int
    seats_left: int | None  # None: no limit
    signup_open: bool  # False once the session has started


@dataclass
class Attendee:
    user_id: int
    name: str
    email: str
    status: str  # booked | waiting
    position: int | None  # on the waiting list
    signed_up_at: datetime
    attended: bool
    enrollment_id: int | None  # their current run of the course (None: no longer enrolled)


@dataclass
class SessionRoster:
    info: SessionInfo
    booked: list[Attendee] = field(default_factory=list)
    waiting: list[Attendee] = field(default_factory=list)

    @property
    def attended(self) -> int:
        return sum(1 for person in self.booked + self.waiting if person.attended)

    @property
    def seats_left(self) -> int | None:
        return None if self.info.capacity is None else max(0, self.info.capacity - len(self.booked))


@dataclass
class CalendarFile:
    text: str
    filename: str


# --- the session --------------------------------------------------------------------------------

def _session_lesson(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    require(actor, None)
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id:
        raise NotFound("That lesson does not exist.")
    if lesson.kind != KIND:
        raise NotFound("That lesson is not a live session.")
    return lesson


def _locked(session: Session, lesson: Lesson) -> Lesson:
    """The lesson again, its row locked until the transaction ends (and its content re-read:
    the capacity may have changed while waiting for the lock)."""
    return session.exec(select(Lesson).where(Lesson.id == lesson.id).with_for_update()
                        .execution_options(populate_existing=True)).one()


def session_info(session: Session, lesson: Lesson) -> SessionInfo:
    """When, where and how many seats, from the lesson's content. Invalid while the lesson has
    no date yet (being written)."""
    content = lesson.content or {}
    try:
        starts = datetime.fromisoformat(str(content.get("starts_at") or ""))
    except ValueError:
        starts = None
    if starts is None or starts.tzinfo is None:
        raise Invalid("This session has no date yet. Ask the course's instructor.")
    starts = starts.astimezone(timezone.utc)
    minutes = int(content.get("duration_minutes") or 60)
    course = session.get(Course, lesson.course_id)
    capacity = content.get("capacity")
    return SessionInfo(lesson.id, lesson.course_id, course.title if course else "", lesson.title, starts,
                       starts + timedelta(minutes=minutes), minutes, str(content.get("location") or ""),
                       str(content.get("join_url") or ""), int(capacity) if capacity else None)


def _signups(session: Session, lesson_id: int) -> list[LiveSessionSignup]:
    """Booked and waiting sign-ups, in the order people joined."""
    return list(session.exec(select(LiveSessionSignup).where(
        LiveSessionSignup.lesson_id == lesson_id, LiveSessionSignup.status.in_(("booked", "waiting")),
    ).order_by(LiveSessionSignup.signed_up_at, LiveSessionSignup.id)).all())


def _own_signup(session: Session, actor: Actor, lesson_id: int) -> LiveSessionSignup | None:
    return session.exec(select(LiveSessionSignup).where(
        LiveSessionSignup.lesson_id == lesson_id, LiveSessionSignup.user_id == actor.user_id)).first()


def _status(session: Session, info: SessionInfo, user_id: int, now: datetime) -> SignupStatus:
    rows = _signups(session, info.lesson_id)
    booked = [r for r in rows if r.status == "booked"]
    waiting = [r for r in rows if r.status == "waiting"]
    mine = next((r for r in rows if r.user_id == user_id), None)
    position = next((i for i, r in enumerate(waiting, 1) if r.user_id == user_id), None)
    seats_left = None if info.capacity is None else max(0, info.capacity - len(booked))
    return SignupStatus(mine.status if mine else "none", position, info.capacity, len(booked), len(waiting),
                        seats_left, now < info.starts_at)


def _has_seat_free(session: Session, info: SessionInfo) -> bool:
    if info.capacity is None:
        return True
    booked = session.exec(select(func.count(LiveSessionSignup.id)).where(
        LiveSessionSignup.lesson_id == info.lesson_id, LiveSessionSignup.status == "booked")).one()
    return booked < info.capacity


def _promote(session: Session, info: SessionInfo, now: datetime) -> list[LiveSessionSignup]:
    """Give free seats to the people waiting longest, and tell them by email. The caller holds
    the lesson's lock."""
    promoted = []
    if now >= info.starts_at:
        return promoted
    for row in [r for r in _signups(session, info.lesson_id) if r.status == "waiting"]:
        if not _has_seat_free(session, info):
            break
        row.status, row.updated_at = "booked", now
        session.add(row)
        session.flush()
        promoted.append(row)
        _tell_promoted(session, info, row)
    return promoted


def _tell_promoted(session: Session, info: SessionInfo, row: LiveSessionSignup) -> None:
    learner = session.get(User, row.user_id)
    if learner is None:
        return
    when = timefmt.show(info.starts_at, learner.timezone)
    where = "\n".join(x for x in (info.location and f"Where: {info.location}", info.join_url and f"Link to join: {info.join_url}") if x)
    queue_email(
        session, to=learner.email, org_id=learner.org_id, subject=f"You have a place at “{info.title}”",
        body_text=(f"Hello {learner.name},\n\nA place opened up at “{info.title}” ({info.course_title}) and it is yours: "
                   f"you were first on the waiting list.\n\nWhen: {when} ({learner.timezone})\n{where}\n\n"
                   f"The session: {settings.PUBLIC_URL}/learn/courses/{info.course_id}/{info.lesson_id}\n"
                   "If you cannot come, cancel your place there so the next person gets it.\n"),
    )


# --- the learner -------------------------------------------------------------------------------

def my_status(session: Session, actor: Actor, lesson_id: int, *, now: datetime | None = None) -> SignupStatus:
    """The actor's place at the session (booked, waiting with position, or none) and the seats
    left; for someone who may open the lesson."""
    now = now or utcnow()
    lesson = _session_lesson(session, actor, lesson_id)
    progress.check_lesson_readable(session, actor, lesson, now=now)
    return _status(session, session_info(session, lesson), actor.user_id, now)


def sign_up(session: Session, actor: Actor, lesson_id: int, *, now: datetime | None = None) -> SignupStatus:
    """Take a seat, or a place on the waiting list when the session is full. Only for a learner
    the lesson is open to, before the session starts. Signing up again while booked or waiting
    changes nothing; after cancelling, it joins the back of the queue."""
    now = now or utcnow()
    lesson = _session_lesson(session, actor, lesson_id)
    progress.check_lesson_open(session, actor, lesson, now=now)
    if now >= session_info(session, lesson).starts_at:
        raise Invalid(SIGNUP_CLOSED)
    lesson = _locked(session, lesson)
    info = session_info(session, lesson)
    row = _own_signup(session, actor, lesson.id)
    if row is None or row.status == "cancelled":
        row = row or LiveSessionSignup(org_id=lesson.org_id, lesson_id=lesson.id, user_id=actor.user_id)
        row.status = "booked" if _has_seat_free(session, info) else "waiting"
        row.signed_up_at = row.updated_at = now
        session.add(row)
        session.flush()
    return _status(session, info, actor.user_id, now)


def cancel(session: Session, actor: Actor, lesson_id: int, *, now: datetime | None = None) -> SignupStatus:
    """Give up one's seat (it goes to the first person waiting, who is told by email) or one's
    place on the waiting list. Not once the session has started."""
    now = now or utcnow()
    lesson = _session_lesson(session, actor, lesson_id)
    row = _own_signup(session, actor, lesson.id)
    if row is None or row.status == "cancelled":
        raise NotFound("You are not signed up for this session.")
    if now >= session_info(session, lesson).starts_at:
        raise Invalid("The session has started: it is too late to cancel.")
    lesson = _locked(session, lesson)
    info = session_info(session, lesson)
    session.refresh(row)
    was_booked = row.status == "booked"
    row.status, row.updated_at = "cancelled", now
    session.add(row)
    session.flush()
    if was_booked:
        _promote(session, info, now)
    return _status(session, info, actor.user_id, now)


def release_places(session: Session, user_id: int, course_id: int, *, now: datetime | None = None) -> int:
    """A learner's run ended (withdrawn, expired): their places at the course's sessions still
    to come are given up, the seats going to the people waiting. Returns how many."""
    now = now or utcnow()
    rows = session.exec(select(LiveSessionSignup).join(Lesson, Lesson.id == LiveSessionSignup.lesson_id).where(
        Lesson.course_id == course_id, LiveSessionSignup.user_id == user_id,
        LiveSessionSignup.status.in_(("booked", "waiting")))).all()
    released = 0
    for row in rows:
        lesson = _locked(session, session.get(Lesson, row.lesson_id))
        info = session_info(session, lesson)
        if now >= info.starts_at:
            continue  # a past session's list is the record of who was there
        was_booked = row.status == "booked"
        row.status, row.updated_at = "cancelled", now
        session.add(row)
        session.flush()
        released += 1
        if was_booked:
            _promote(session, info, now)
    return released


def capacity_changed(session: Session, lesson: Lesson, *, now: datetime | None = None) -> int:
    """After the course's instructor changed a session's content (the caller checked they may):
    seats that became free go to the people waiting. Returns how many were promoted. A lower
    capacity takes no seat from anyone booked."""
    if lesson.kind != KIND or not lesson.content:
        return 0
    lesson = _locked(session, lesson)
    return len(_promote(session, session_info(session, lesson), now or utcnow()))


# --- the course's staff --------------------------------------------------------------------------

def _staffed_lesson(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    lesson = _session_lesson(session, actor, lesson_id)
    courses.staffed_course(session, actor, lesson.course_id)
    return lesson


def _current_runs(session: Session, course_id: int, user_ids: list[int]) -> dict[int, Enrollment]:
    """Each learner's run of the course to record attendance in: the active one, else the latest
    completed one (as the player picks it)."""
    runs: dict[int, Enrollment] = {}
    if not user_ids:
        return runs
    rows = session.exec(select(Enrollment).where(
        Enrollment.course_id == course_id, Enrollment.user_id.in_(user_ids), Enrollment.status.in_(("active", "completed")),
    ).order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())).all()
    for run in rows:
        current = runs.get(run.user_id)
        if current is None or (run.status == "active" and current.status != "active"):
            runs[run.user_id] = run
    return runs


def roster(session: Session, actor: Actor, lesson_id: int) -> SessionRoster:
    """Who is booked and who is waiting (in order), with names and attendance; for the
    course's staff."""
    lesson = _staffed_lesson(session, actor, lesson_id)
    info = session_info(session, lesson)
    rows = _signups(session, lesson.id)
    people = {u.id: u for u in session.exec(select(User).where(User.id.in_([r.user_id for r in rows] or [0]))).all()}
    runs = _current_runs(session, lesson.course_id, list(people))
    done = set(session.exec(select(LessonProgress.enrollment_id).where(
        LessonProgress.lesson_id == lesson.id, LessonProgress.status == "done",
        LessonProgress.enrollment_id.in_([r.id for r in runs.values()] or [0]))).all())
    out = SessionRoster(info)
    for row in rows:
        person, run = people.get(row.user_id), runs.get(row.user_id)
        waiting = row.status == "waiting"
        attendee = Attendee(row.user_id, person.name if person else "", person.email if person else "", row.status,
                            len(out.waiting) + 1 if waiting else None, row.signed_up_at,
                            run is not None and run.id in done, run.id if run else None)
        (out.waiting if waiting else out.booked).append(attendee)
    return out


def mark_attendance(session: Session, actor: Actor, lesson_id: int, user_id: int, attended: bool, *,
                    now: datetime | None = None) -> bool:
    """Record whether someone on the session's list came, once it has started: attended marks
    the lesson done for them (which may complete the course), absent undoes that. Both are kept
    in the audit trail by the progress service. Returns whether anything changed."""
    now = now or utcnow()
    lesson = _staffed_lesson(session, actor, lesson_id)
    info = session_info(session, lesson)
    listed = session.exec(select(LiveSessionSignup).where(
        LiveSessionSignup.lesson_id == lesson.id, LiveSessionSignup.user_id == int(user_id or 0),
        LiveSessionSignup.status.in_(("booked", "waiting")))).first()
    if listed is None:
        raise NotFound("That person is not signed up for this session.")
    if now < info.starts_at:
        raise Invalid("Attendance can be recorded once the session has started.")
    run = _current_runs(session, lesson.course_id, [listed.user_id]).get(listed.user_id)
    if run is None:
        raise Conflict("This person is no longer enrolled in the course.")
    row = session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == run.id, LessonProgress.lesson_id == lesson.id)).first()
    is_done = row is not None and row.status == "done"
    if attended and not is_done:
        progress.mark_complete_for(session, actor, run.id, lesson.id, ATTENDED_REASON, now=now)
        return True
    if not attended and is_done:
        progress.reset_progress_for(session, actor, run.id, lesson.id, ABSENT_REASON)
        return True
    return False


def export_csv(session: Session, actor: Actor, lesson_id: int) -> tuple[str, int]:
    """The session's list as CSV (booked first, then the waiting list in order), audited."""
    found = roster(session, actor, lesson_id)
    rows = [[p.name, p.email, "Booked" if p.status == "booked" else "Waiting", p.position or "",
             p.signed_up_at.astimezone(timezone.utc).isoformat(timespec="seconds"), "yes" if p.attended else "no"]
            for p in found.booked + found.waiting]
    text, count = csv_text(["name", "email", "status", "waiting_position", "signed_up_at", "attended"], rows)
    audit.record(session, actor, "live_session.exported", target_type="lesson", target_id=found.info.lesson_id,
                 target_label=f"{found.info.title} in {found.info.course_title}", after={"count": count})
    return text, count


# --- the calendar file (RFC 5545) ----------------------------------------------------------------

def _ics_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(ch for ch in value if ch == "\t" or unicodedata.category(ch) != "Cc")


def _ics_uri(value: str) -> str:
    # URI values are not escaped, but nothing may break the line.
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc" and not ch.isspace())


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and a space, never
    inside a UTF-8 character."""
    out, current, size = [], "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation line starts with the space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _ics_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def filename_for(title: str) -> str:
    """A download name anyone's system accepts: ASCII letters, digits and dashes, then .ics."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-").lower()[:60].strip("-")
    return f"{slug or 'live-session'}.ics"


def calendar_file(session: Session, actor: Actor, lesson_id: int, *, now: datetime | None = None) -> CalendarFile:
    """The session as an iCalendar event (one VEVENT, times in UTC) with a safe file name, for
    someone who may open the lesson. The UID stays the same for the lesson, so importing the
    file again after a change updates the event rather than adding a second one."""
    now = now or utcnow()
    lesson = _session_lesson(session, actor, lesson_id)
    progress.check_lesson_readable(session, actor, lesson, now=now)
    info = session_info(session, lesson)
    host = urlparse(settings.PUBLIC_URL).hostname or "localhost"
    page = f"{settings.PUBLIC_URL}/learn/courses/{info.course_id}/{info.lesson_id}"
    description = f"{info.course_title}\n" + (f"Join: {info.join_url}\n" if info.join_url else "") + f"Course page: {page}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//lms_app//Live sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:live-session-{lesson.org_id}-{lesson.id}@{host}",
        f"DTSTAMP:{_ics_time(now)}",
        f"LAST-MODIFIED:{_ics_time(lesson.updated_at)}",
        f"DTSTART:{_ics_time(info.starts_at)}",
        f"DTEND:{_ics_time(info.ends_at)}",
        f"SUMMARY:{_ics_text(f'{info.course_title}: {info.title}')}",
    ]
    if info.location or info.join_url:
        lines.append(f"LOCATION:{_ics_text(info.location or info.join_url)}")
    lines.append(f"URL:{_ics_uri(info.join_url or page)}")
    lines += [f"DESCRIPTION:{_ics_text(description)}", "END:VEVENT", "END:VCALENDAR"]
    return CalendarFile("".join(_fold(line) + "\r\n" for line in lines), filename_for(info.title))


def ics_for(session: Session, actor: Actor, lesson_id: int, *, now: datetime | None = None) -> str:
    """The session's calendar file (text/calendar), for someone who may open the lesson."""
    return calendar_file(session, actor, lesson_id, now=now).text
