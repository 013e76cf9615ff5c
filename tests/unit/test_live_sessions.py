"""Live sessions: seats and the waiting list (order, promotion on cancelling and on more seats,
signing up again), sign-up closing at the start, who may sign up, attendance completing the
lesson and the course (and absence undoing it), the staff list and its export, and the
calendar file read back line by line."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.lessons import registry
from lms_app.models import AuditEvent, Lesson, LessonProgress, LiveSessionSignup, OutgoingEmail, User
from lms_app.services import courses, enrollment, live_sessions, progress
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied

IRENE, ISAAC, MAYA = "irene@example.com", "isaac@example.com", "maya@example.com"
LEO, AMARA, BEN, CHLOE = "leo@example.com", "amara@example.com", "ben@example.com", "chloe@example.com"
LEARNERS = (LEO, AMARA, BEN, CHLOE)
# 14:00 in Paris (winter time) is 13:00 UTC.
STARTS = datetime(2031, 3, 3, 13, 0, tzinfo=timezone.utc)
BEFORE = STARTS - timedelta(days=2)
DURING = STARTS + timedelta(minutes=10)
SESSION = {"starts_at": "2031-03-03T14:00+01:00", "duration_minutes": 90, "location": "Store 12, back room", "capacity": 2}


@pytest.fixture
def world(demo, session, actor_of):
    """A published course: "Welcome" (text) then "Walk-through" (live session, 2 seats), both
    required; the four learners enrolled."""
    irene = actor_of(IRENE)
    c = courses.create_course(session, irene, "Store safety")
    m = courses.add_module(session, irene, c.id, "Basics")
    welcome = courses.add_lesson(session, irene, m.id, "Welcome", "text", {"markdown": "Hi"})
    live = courses.add_lesson(session, irene, m.id, "Walk-through", "live_session", SESSION)
    courses.update_course(session, irene, c.id, self_enrollment=True)
    courses.set_visibility(session, irene, c.id, "published")
    runs = {email: enrollment.self_enroll(session, actor_of(email), c.id).id for email in LEARNERS}
    session.commit()
    return {"course": c.id, "welcome": welcome.id, "live": live.id, "runs": runs}


def sign_up(session, actor_of, email, world, now=BEFORE):
    return live_sessions.sign_up(session, actor_of(email), world["live"], now=now)


def statuses(session, world, actor_of) -> dict[str, tuple[str, int | None]]:
    found = live_sessions.roster(session, actor_of(IRENE), world["live"])
    return {p.email: (p.status, p.position) for p in found.booked + found.waiting}


def set_capacity(session, world, actor_of, capacity) -> None:
    courses.update_lesson(session, actor_of(IRENE), world["live"], content={**SESSION, "capacity": capacity})


def emails_to(session, email) -> list[OutgoingEmail]:
    return list(session.exec(select(OutgoingEmail).where(OutgoingEmail.to_address == email)).all())


# --- the content ---------------------------------------------------------------------------------

def test_capacity_is_optional_and_checked():
    base = {"starts_at": "2031-03-03T14:00+01:00", "location": "Room 1"}
    assert "capacity" not in registry.validate_content("live_session", {**base, "capacity": ""})
    assert registry.validate_content("live_session", {**base, "capacity": "12"})["capacity"] == 12
    for bad in ("0", "-3", "many", "2.5", "1000000"):
        with pytest.raises(Invalid, match="The number of seats must be a whole number from 1 to 100000, or empty for no limit."):
            registry.validate_content("live_session", {**base, "capacity": bad})


# --- seats and the waiting list ------------------------------------------------------------------

def test_seats_then_a_waiting_list_in_the_order_people_joined(world, session, actor_of):
    first = sign_up(session, actor_of, LEO, world)
    assert (first.status, first.seats_left, first.capacity) == ("booked", 1, 2)
    sign_up(session, actor_of, AMARA, world, BEFORE + timedelta(minutes=1))
    ben = sign_up(session, actor_of, BEN, world, BEFORE + timedelta(minutes=2))
    chloe = sign_up(session, actor_of, CHLOE, world, BEFORE + timedelta(minutes=3))
    assert (ben.status, ben.position, ben.seats_left) == ("waiting", 1, 0)
    assert (chloe.status, chloe.position, chloe.waiting) == ("waiting", 2, 2)
    # Signing up twice changes nothing.
    assert sign_up(session, actor_of, BEN, world, BEFORE + timedelta(minutes=4)).position == 1
    assert statuses(session, world, actor_of) == {LEO: ("booked", None), AMARA: ("booked", None), BEN: ("waiting", 1), CHLOE: ("waiting", 2)}
    assert live_sessions.my_status(session, actor_of(CHLOE), world["live"], now=BEFORE).position == 2
    assert live_sessions.my_status(session, actor_of(IRENE), world["live"], now=BEFORE).status == "none"


def test_a_cancelled_seat_goes_to_the_first_waiting_who_is_told(world, session, actor_of):
    for i, email in enumerate(LEARNERS):
        sign_up(session, actor_of, email, world, BEFORE + timedelta(minutes=i))
    after = live_sessions.cancel(session, actor_of(AMARA), world["live"], now=BEFORE + timedelta(hours=1))
    assert after.status == "none" and after.seats_left == 0
    assert statuses(session, world, actor_of) == {LEO: ("booked", None), BEN: ("booked", None), CHLOE: ("waiting", 1)}
    [mail] = emails_to(session, BEN)
    assert mail.subject == "You have a place at “Walk-through”"
    assert "3 Mar 2031, 14:00" in mail.body_text and "Store 12, back room" in mail.body_text
    assert f"{settings.PUBLIC_URL}/learn/courses/{world['course']}/{world['live']}" in mail.body_text
    # Leaving the waiting list frees no seat: nobody else is promoted or emailed.
    live_sessions.cancel(session, actor_of(CHLOE), world["live"], now=BEFORE + timedelta(hours=2))
    assert statuses(session, world, actor_of) == {LEO: ("booked", None), BEN: ("booked", None)}
    assert emails_to(session, CHLOE) == []
    with pytest.raises(NotFound, match="You are not signed up for this session."):
        live_sessions.cancel(session, actor_of(CHLOE), world["live"], now=BEFORE + timedelta(hours=2))


def test_a_withdrawn_learner_gives_up_their_seat(world, session, actor_of):
    for i, email in enumerate((LEO, AMARA, BEN)):
        sign_up(session, actor_of, email, world, BEFORE + timedelta(minutes=i))
    enrollment.unenroll(session, actor_of(IRENE), world["runs"][AMARA], "Left the team", now=BEFORE + timedelta(hours=1))
    assert statuses(session, world, actor_of) == {LEO: ("booked", None), BEN: ("booked", None)}
    assert [m.subject for m in emails_to(session, BEN)] == ["You have a place at “Walk-through”"]


def test_signing_up_again_after_cancelling_joins_the_back(world, session, actor_of):
    for i, email in enumerate(LEARNERS):
        sign_up(session, actor_of, email, world, BEFORE + timedelta(minutes=i))
    live_sessions.cancel(session, actor_of(LEO), world["live"], now=BEFORE + timedelta(hours=1))  # Ben gets the seat
    again = sign_up(session, actor_of, LEO, world, BEFORE + timedelta(hours=2))
    assert (again.status, again.position) == ("waiting", 2)
    assert statuses(session, world, actor_of) == {AMARA: ("booked", None), BEN: ("booked", None), CHLOE: ("waiting", 1), LEO: ("waiting", 2)}
    assert len(session.exec(select(LiveSessionSignup).where(LiveSessionSignup.lesson_id == world["live"])).all()) == 4


def test_more_seats_promote_waiting_people_and_fewer_bump_nobody(world, session, actor_of):
    for i, email in enumerate(LEARNERS):
        sign_up(session, actor_of, email, world, BEFORE + timedelta(minutes=i))
    set_capacity(session, world, actor_of, 3)
    assert statuses(session, world, actor_of) == {LEO: ("booked", None), AMARA: ("booked", None), BEN: ("booked", None), CHLOE: ("waiting", 1)}
    assert [m.subject for m in emails_to(session, BEN)] == ["You have a place at “Walk-through”"]
    # Fewer seats than people booked: everyone keeps their seat; nobody gets the freed one.
    set_capacity(session, world, actor_of, 1)
    assert statuses(session, world, actor_of)[LEO] == ("booked", None) and statuses(session, world, actor_of)[BEN] == ("booked", None)
    live_sessions.cancel(session, actor_of(AMARA), world["live"], now=BEFORE + timedelta(hours=1))
    assert statuses(session, world, actor_of) == {LEO: ("booked", None), BEN: ("booked", None), CHLOE: ("waiting", 1)}
    # No limit: everyone waiting gets a seat.
    set_capacity(session, world, actor_of, "")
    assert statuses(session, world, actor_of)[CHLOE] == ("booked", None)
    assert live_sessions.my_status(session, actor_of(CHLOE), world["live"], now=BEFORE).seats_left is None


def test_sign_up_and_cancelling_close_when_the_session_starts(world, session, actor_of):
    sign_up(session, actor_of, LEO, world)
    with pytest.raises(Invalid, match="Sign-up has closed: the session has started."):
        sign_up(session, actor_of, AMARA, world, DURING)
    with pytest.raises(Invalid, match="too late to cancel"):
        live_sessions.cancel(session, actor_of(LEO), world["live"], now=DURING)
    assert live_sessions.my_status(session, actor_of(LEO), world["live"], now=DURING).signup_open is False


def test_only_learners_the_lesson_is_open_to_may_sign_up(world, session, actor_of):
    with pytest.raises(NotFound, match="You are not enrolled in this course."):
        sign_up(session, actor_of, MAYA, world)
    with pytest.raises(NotFound, match="You are not enrolled in this course."):
        sign_up(session, actor_of, IRENE, world)
    # Locked behind "Welcome": the reason the player shows.
    courses.set_lesson_prerequisites(session, actor_of(IRENE), world["live"], [world["welcome"]])
    with pytest.raises(PermissionDenied, match="Finish “Welcome” first"):
        sign_up(session, actor_of, LEO, world)
    with pytest.raises(NotFound, match="not a live session"):
        live_sessions.sign_up(session, actor_of(LEO), world["welcome"], now=BEFORE)
    enrollment.unenroll(session, actor_of(IRENE), world["runs"][AMARA], "Left")
    with pytest.raises(NotFound, match="You are not enrolled in this course."):
        sign_up(session, actor_of, AMARA, world)
    assert session.exec(select(LiveSessionSignup)).all() == []


# --- attendance ----------------------------------------------------------------------------------

def _done(session, world, email) -> bool:
    row = session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == world["runs"][email],
                                                    LessonProgress.lesson_id == world["live"])).first()
    return row is not None and row.status == "done"


def test_attendance_completes_the_lesson_and_the_course(world, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    sign_up(session, actor_of, LEO, world)
    with pytest.raises(Invalid, match="once the session has started"):
        live_sessions.mark_attendance(session, irene, world["live"], _uid(session, LEO), True, now=BEFORE)
    progress.mark_viewed(session, leo, world["runs"][LEO], world["welcome"])
    assert live_sessions.mark_attendance(session, irene, world["live"], _uid(session, LEO), True, now=DURING)
    row = session.exec(select(LessonProgress).where(LessonProgress.lesson_id == world["live"])).one()
    assert (row.status, row.reason) == ("done", "Attended the live session")
    figures = progress.course_progress(session, leo, world["runs"][LEO])
    assert (figures.status, figures.percent) == ("completed", 100)
    assert [e.after["reason"] for e in _events(session, "progress.marked_complete")] == ["Attended the live session"]
    assert _events(session, "enrollment.completed")
    # Marking again changes nothing; "absent" cannot undo a completed course (it stays on record).
    assert not live_sessions.mark_attendance(session, irene, world["live"], _uid(session, LEO), True, now=DURING)
    with pytest.raises(Conflict, match="completed one stays on record"):
        live_sessions.mark_attendance(session, irene, world["live"], _uid(session, LEO), False, now=DURING)
    assert live_sessions.roster(session, irene, world["live"]).attended == 1


def test_absent_undoes_attended(world, session, actor_of):
    irene = actor_of(IRENE)
    sign_up(session, actor_of, AMARA, world)
    live_sessions.mark_attendance(session, irene, world["live"], _uid(session, AMARA), True, now=DURING)
    assert _done(session, world, AMARA)
    assert progress.course_progress(session, actor_of(AMARA), world["runs"][AMARA]).percent == 50
    assert live_sessions.mark_attendance(session, irene, world["live"], _uid(session, AMARA), False, now=DURING)
    assert not _done(session, world, AMARA)
    assert progress.course_progress(session, actor_of(AMARA), world["runs"][AMARA]).percent == 0
    assert [e.after["reason"] for e in _events(session, "progress.reset")] == ["Marked absent from the live session"]
    # Absent again, or someone not on the list.
    assert not live_sessions.mark_attendance(session, irene, world["live"], _uid(session, AMARA), False, now=DURING)
    with pytest.raises(NotFound, match="not signed up for this session"):
        live_sessions.mark_attendance(session, irene, world["live"], _uid(session, BEN), True, now=DURING)


def test_the_list_is_for_the_course_staff_only(world, session, actor_of):
    for i, email in enumerate((LEO, AMARA, BEN)):
        sign_up(session, actor_of, email, world, BEFORE + timedelta(minutes=i))
    found = live_sessions.roster(session, actor_of(IRENE), world["live"])
    assert [(p.name, p.status) for p in found.booked] == [("Leo Learner", "booked"), ("Amara Okafor", "booked")]
    assert [(p.name, p.position) for p in found.waiting] == [("Ben Carter", 1)]
    assert found.info.capacity == 2 and found.seats_left == 0
    assert found.info.starts_at == STARTS and found.info.ends_at == STARTS + timedelta(minutes=90)
    for email in (LEO, ISAAC, MAYA):
        with pytest.raises(PermissionDenied):
            live_sessions.roster(session, actor_of(email), world["live"])
        with pytest.raises(PermissionDenied):
            live_sessions.mark_attendance(session, actor_of(email), world["live"], _uid(session, LEO), True, now=DURING)
    assert live_sessions.roster(session, actor_of("admin@example.com"), world["live"]).booked


def test_the_list_exports_as_csv_and_the_export_is_audited(world, session, actor_of):
    sign_up(session, actor_of, LEO, world)
    sign_up(session, actor_of, AMARA, world, BEFORE + timedelta(minutes=1))
    sign_up(session, actor_of, BEN, world, BEFORE + timedelta(minutes=2))
    text, count = live_sessions.export_csv(session, actor_of(IRENE), world["live"])
    lines = text.strip().splitlines()
    assert count == 3 and lines[0] == "name,email,status,waiting_position,signed_up_at,attended"
    assert lines[3].startswith("Ben Carter,ben@example.com,Waiting,1,")
    assert [e.after for e in _events(session, "live_session.exported")] == [{"count": 3}]
    with pytest.raises(PermissionDenied):
        live_sessions.export_csv(session, actor_of(LEO), world["live"])


def _uid(session, email) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def _events(session, action) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


# --- the calendar file ---------------------------------------------------------------------------

def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append("\n" if value[i + 1] in "nN" else value[i + 1])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse_ics(text: str) -> tuple[list[str], dict[str, str]]:
    """The raw lines (as sent) and the VEVENT's properties (unfolded, unescaped)."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    raw = text.split("\r\n")[:-1]
    unfolded = text.replace("\r\n ", "").split("\r\n")[:-1]
    props = {}
    for line in unfolded[unfolded.index("BEGIN:VEVENT") + 1:unfolded.index("END:VEVENT")]:
        name, _, value = line.partition(":")
        props[name] = value
    return raw, props


def test_the_calendar_file_reads_back(world, session, actor_of):
    irene = actor_of(IRENE)
    courses.update_course(session, irene, world["course"], title="Sécurité, incendie; sorties \\ exits")
    long_place = "Entrepôt n°12, quai de déchargement; porte B — " + "très loin " * 8
    courses.update_lesson(session, irene, world["live"], content={**SESSION, "location": long_place, "join_url": "https://meet.example.com/room?a=1,b=2"})
    text = live_sessions.ics_for(session, actor_of(LEO), world["live"], now=BEFORE)
    raw, props = parse_ics(text)
    assert raw[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and raw[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in raw)
    assert all(len(line.encode("utf-8")) <= 75 for line in raw)
    assert any(line.startswith(" ") for line in raw)  # the long lines were folded
    text.encode("utf-8").decode("utf-8")  # folding never splits a character
    host = settings.PUBLIC_URL.split("//")[1].split(":")[0].split("/")[0]
    lesson = session.get(Lesson, world["live"])
    assert props["UID"] == f"live-session-{lesson.org_id}-{world['live']}@{host}"
    assert (props["DTSTART"], props["DTEND"]) == ("20310303T130000Z", "20310303T143000Z")
    assert props["DTSTAMP"] == BEFORE.strftime("%Y%m%dT%H%M%SZ")
    assert props["SUMMARY"] == "Sécurité\\, incendie\\; sorties \\\\ exits: Walk-through"
    assert _unescape(props["SUMMARY"]) == "Sécurité, incendie; sorties \\ exits: Walk-through"
    assert _unescape(props["LOCATION"]) == long_place.strip()
    assert props["URL"] == "https://meet.example.com/room?a=1,b=2"
    assert _unescape(props["DESCRIPTION"]).splitlines()[1] == "Join: https://meet.example.com/room?a=1,b=2"
    assert "\\n" in props["DESCRIPTION"]
    # The same event for everyone, every time: a calendar updates it rather than adding another.
    again = live_sessions.ics_for(session, irene, world["live"], now=BEFORE + timedelta(days=1))
    assert parse_ics(again)[1]["UID"] == props["UID"]
    assert live_sessions.calendar_file(session, irene, world["live"]).filename == "walk-through.ics"
    assert live_sessions.filename_for("Réunion: \"Q&A\"/../x") == "reunion-q-a-x.ics"


def test_the_calendar_file_only_for_those_who_may_open_the_lesson(world, session, actor_of):
    with pytest.raises(PermissionDenied, match="You are not enrolled in this course."):
        live_sessions.ics_for(session, actor_of(MAYA), world["live"])
    courses.set_lesson_prerequisites(session, actor_of(IRENE), world["live"], [world["welcome"]])
    with pytest.raises(PermissionDenied, match="Finish “Welcome” first"):
        live_sessions.ics_for(session, actor_of(LEO), world["live"])
    with pytest.raises(NotFound):
        live_sessions.ics_for(session, actor_of(LEO), world["welcome"])
    assert live_sessions.ics_for(session, actor_of(IRENE), world["live"]).startswith("BEGIN:VCALENDAR\r\n")


# --- two learners at once (PostgreSQL: the lesson's row is locked) -----------------------------------

def test_two_learners_cannot_take_the_last_seat_at_once(world, session, actor_of, engine):
    if not db.is_postgres(engine):
        pytest.skip("row locks: PostgreSQL only (SQLite has one writer at a time)")
    set_capacity(session, world, actor_of, 1)
    session.commit()
    leo, amara = actor_of(LEO), actor_of(AMARA)
    first = Session(engine, expire_on_commit=False)
    assert live_sessions.sign_up(first, leo, world["live"], now=BEFORE).status == "booked"  # holds the lock
    result = {}

    def second():
        with Session(engine, expire_on_commit=False) as s:
            result["amara"] = live_sessions.sign_up(s, amara, world["live"], now=BEFORE).status
            s.commit()

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "the second sign-up did not wait for the first"
    first.commit()
    first.close()
    thread.join(10)
    assert result == {"amara": "waiting"}
    with Session(engine) as s:
        assert sorted(r.status for r in s.exec(select(LiveSessionSignup)).all()) == ["booked", "waiting"]
