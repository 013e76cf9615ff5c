"""Compliance reminders: the schedule across days (in the learner's zone), certificates about to
expire, the managers' weekly digest, and no duplicates or losses across runs and crashes."""

from __future__ import annotations

import secrets
import socket
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.api.app import build_api
from lms_app.jobs.runner import Runner
from lms_app.models import (Certificate, Course, Job, Notification, NotificationPreference, OutgoingEmail, Requirement,
                            RequirementAssignment, User, utcnow)
from lms_app.services import jobs, notifications, reminders, teams
from lms_app.services.due_dates import end_of_day

LEO, MAYA = "leo@example.com", "maya@example.com"
PARIS = "Europe/Paris"
DUE = date(2026, 12, 15)


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def requirement(org_id: int, title: str = "Fire safety", **settings_) -> Requirement:
    with db.session_scope() as s:
        course = Course(org_id=org_id, title=title)
        s.add(course)
        s.flush()
        req = Requirement(org_id=org_id, course_id=course.id, audience="everyone", **settings_)
        s.add(req)
        s.flush()
        return req


def assign(req: Requirement, user: User, *, due_on: date = DUE, assigned_on: date = date(2026, 11, 1), cycle: int = 1,
           **fields) -> RequirementAssignment:
    with db.session_scope() as s:
        tz = s.get(User, user.id).timezone
        row = RequirementAssignment(org_id=req.org_id, requirement_id=req.id, user_id=user.id, cycle=cycle,
                                    assigned_at=_at(assigned_on), due_on=due_on, due_at=end_of_day(due_on, tz), **fields)
        s.add(row)
        s.flush()
        return row


def certificate(user: User, *, expires_at: datetime | None, title: str = "Forklift licence", **fields) -> Certificate:
    with db.session_scope() as s:
        fields.setdefault("issued_at", _at(date(2025, 12, 1)))
        cert = Certificate(org_id=user.org_id, user_id=user.id, code=secrets.token_hex(8), title=title, learner_name=user.name,
                           expires_at=expires_at, **fields)
        s.add(cert)
        s.flush()
        return cert


def run(now: datetime, **kwargs) -> reminders.RunResult:
    with db.session_scope() as s:
        return reminders.run(s, now=now, **kwargs)


def sent(user_id: int | None = None) -> list[Notification]:
    with Session(db.get_engine()) as s:
        query = select(Notification).order_by(Notification.id)
        if user_id is not None:
            query = query.where(Notification.user_id == user_id)
        return list(s.exec(query).all())


def emails() -> list[OutgoingEmail]:
    with Session(db.get_engine()) as s:
        return list(s.exec(select(OutgoingEmail).order_by(OutgoingEmail.id)).all())


def set_timezone(user: User, tz: str) -> None:
    with db.session_scope() as s:
        row = s.get(User, user.id)
        row.timezone = tz
        s.add(row)


def test_the_schedule_day_by_day_twice_a_day(demo):
    leo = demo[LEO]
    req = requirement(leo.org_id, reminder_days=[14, 3], overdue_every_days=7)
    assign(req, leo)
    days: dict[date, list[str]] = {}
    day = date(2026, 11, 25)
    while day <= date(2027, 1, 10):
        for hour in (6, 18):  # twice a day: the second run sends nothing new
            before = len(sent())
            run(_at(day, hour))
            days.setdefault(day, []).extend(n.kind for n in sent()[before:])
        day += timedelta(days=1)
    got = {d: kinds for d, kinds in days.items() if kinds}
    # Leo's manager gets a digest in each week with overdue training (first run of the week).
    assert got == {
        date(2026, 12, 1): ["requirement_due"],  # 14 days before
        date(2026, 12, 12): ["requirement_due"],  # 3 days before
        date(2026, 12, 16): ["requirement_overdue", "manager_digest"],  # the due day ended (Paris midnight = 23:00 UTC)
        date(2026, 12, 21): ["manager_digest"],  # Monday
        date(2026, 12, 23): ["requirement_overdue"],  # every 7 days after
        date(2026, 12, 28): ["manager_digest"],
        date(2026, 12, 30): ["requirement_overdue"],
        date(2027, 1, 4): ["manager_digest"],
        date(2027, 1, 6): ["requirement_overdue"],
    }
    titles = [n.title for n in sent(leo.id)]
    assert titles[:3] == ["“Fire safety” is due in 14 days", "“Fire safety” is due in 3 days", "“Fire safety” is overdue"]
    bodies = [n.body for n in sent(leo.id)]
    assert bodies[0] == "Complete “Fire safety” by the end of 15 Dec 2026."
    assert bodies[3] == "“Fire safety” was due on 15 Dec 2026 (8 days ago). Please complete it as soon as you can."
    assert [e.to_address for e in emails()].count(LEO) == 6 and [e.to_address for e in emails()].count(MAYA) == 4


def test_reminder_days_follow_the_learners_zone(demo):
    leo, maya = demo[LEO], demo[MAYA]
    set_timezone(maya, "UTC")
    req = requirement(leo.org_id, reminder_days=[14])
    assign(req, leo)  # Paris
    assign(req, maya)  # UTC
    # 23:30 UTC on 30 Nov is already 1 Dec in Paris: 14 days before the due date there only.
    run(datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc))
    assert [(n.user_id, n.kind) for n in sent()] == [(leo.id, "requirement_due")]
    run(datetime(2026, 12, 1, 0, 30, tzinfo=timezone.utc))
    assert [(n.user_id, n.kind) for n in sent()][1:] == [(maya.id, "requirement_due")]
    # Overdue from the end of the due day in each zone.
    run(datetime(2026, 12, 15, 23, 30, tzinfo=timezone.utc))
    assert [n.user_id for n in sent() if n.kind == "requirement_overdue"] == [leo.id]
    run(datetime(2026, 12, 16, 0, 0, tzinfo=timezone.utc))
    assert [n.user_id for n in sent() if n.kind == "requirement_overdue"] == [leo.id, maya.id]


def test_a_late_assignment_skips_the_reminders_already_passed_and_a_late_run_sends_one(demo):
    leo, maya = demo[LEO], demo[MAYA]
    req = requirement(leo.org_id, reminder_days=[14, 3])
    assign(req, leo, assigned_on=date(2026, 12, 10))  # 5 days before: told at assignment
    assign(req, maya)  # assigned long ago, but no run happened until 4 days before
    run(_at(date(2026, 12, 11)))
    assert [(n.user_id, n.title) for n in sent()] == [(maya.id, "“Fire safety” is due in 4 days")]
    run(_at(date(2026, 12, 12)))
    assert [(n.user_id, n.title) for n in sent()][1:] == [(leo.id, "“Fire safety” is due in 3 days"),
                                                          (maya.id, "“Fire safety” is due in 3 days")]


def test_done_exempted_removed_retired_and_inactive_get_nothing(demo):
    people = [u for email, u in demo.items() if email not in (LEO,)][:5]
    req = requirement(demo[LEO].org_id)
    now = _at(date(2026, 12, 20))
    assign(req, people[0], completed_at=now - timedelta(days=30), satisfied_by="course")
    assign(req, people[1], exempt_at=now - timedelta(days=30), exempt_reason="Certified elsewhere")
    assign(req, people[2], removed_at=now - timedelta(days=30))
    with db.session_scope() as s:
        inactive = s.get(User, people[3].id)
        inactive.is_active = False
        s.add(inactive)
    assign(req, people[3])
    retired = requirement(demo[LEO].org_id, "Old policy", retired_at=now - timedelta(days=60))
    assign(retired, people[4])
    assign(req, demo[LEO])
    assert run(now).sent == 1
    assert [(n.user_id, n.kind) for n in sent()] == [(demo[LEO].id, "requirement_overdue")]


def test_a_new_due_date_or_a_new_cycle_starts_new_reminders(demo):
    leo = demo[LEO]
    req = requirement(leo.org_id, reminder_days=[3])
    row = assign(req, leo)
    run(_at(date(2026, 12, 12)))
    run(_at(date(2026, 12, 16)))
    assert [n.kind for n in sent(leo.id)] == ["requirement_due", "requirement_overdue"]
    with db.session_scope() as s:  # an extension
        extended = s.get(RequirementAssignment, row.id)
        extended.due_on, extended.due_at = date(2026, 12, 31), end_of_day(date(2026, 12, 31), PARIS)
        s.add(extended)
    run(_at(date(2026, 12, 28)))
    assert sent(leo.id)[-1].body == "Complete “Fire safety” by the end of 31 Dec 2026."
    with db.session_scope() as s:  # done; a recertification cycle with the same due date later
        done = s.get(RequirementAssignment, row.id)
        done.completed_at = _at(date(2026, 12, 29))
        s.add(done)
    assign(req, leo, cycle=2, due_on=date(2026, 12, 31))
    run(_at(date(2026, 12, 29)))
    assert [n.kind for n in sent(leo.id)] == ["requirement_due", "requirement_overdue", "requirement_due", "requirement_due"]


def test_overdue_every_zero_days_sends_one_overdue_notice(demo):
    leo = demo[LEO]
    assign(requirement(leo.org_id, reminder_days=[], overdue_every_days=0), leo)
    for offset in range(1, 40, 3):
        run(_at(DUE + timedelta(days=offset)))
    assert [n.kind for n in sent(leo.id)] == ["requirement_overdue"]


def test_reduced_emails_keep_only_the_last_reminder_and_the_first_overdue_notice(demo):
    leo = demo[LEO]
    with db.session_scope() as s:
        s.add(NotificationPreference(user_id=leo.id, kind="requirement_due", email="reduced"))
        s.add(NotificationPreference(user_id=leo.id, kind="requirement_overdue", email="reduced"))
    assign(requirement(leo.org_id, reminder_days=[14, 7, 1], overdue_every_days=2), leo)
    for offset in range(-15, 8):
        run(_at(DUE + timedelta(days=offset)))
    notices = sent(leo.id)
    assert [n.kind for n in notices].count("requirement_due") == 3
    assert [n.kind for n in notices].count("requirement_overdue") == 4
    assert [e.subject for e in emails() if e.to_address == LEO] == ["“Fire safety” is due tomorrow", "“Fire safety” is overdue"]
    assert [n.emailed for n in notices] == [False, False, True, True, False, False, False]


def test_certificates_about_to_expire(demo):
    leo, maya = demo[LEO], demo[MAYA]
    now = _at(date(2026, 12, 1))
    soon = certificate(leo, expires_at=end_of_day(date(2026, 12, 20), PARIS))
    certificate(leo, expires_at=end_of_day(date(2027, 1, 20), PARIS), title="Later")  # 50 days away
    certificate(leo, expires_at=None, title="Forever")
    certificate(leo, expires_at=now - timedelta(days=1), title="Expired")
    certificate(leo, expires_at=now + timedelta(days=5), title="Revoked", revoked_at=now - timedelta(days=2), revoked_reason="Error")
    old = certificate(maya, expires_at=now + timedelta(days=6), title="Replaced")
    certificate(maya, expires_at=now + timedelta(days=400), title="Replaced", replaces_id=old.id)
    with db.session_scope() as s:  # Maya already recertified in this course: a newer certificate
        course = Course(org_id=maya.org_id, title="Ladders")
        s.add(course)
        s.flush()
        course_id = course.id
    certificate(maya, expires_at=now + timedelta(days=7), title="Ladders", course_id=course_id)
    certificate(maya, expires_at=now + timedelta(days=700), title="Ladders", course_id=course_id, issued_at=now - timedelta(days=1))
    run(now)
    run(now + timedelta(days=3))
    [notice] = sent()
    assert (notice.user_id, notice.kind, notice.dedupe_key) == (leo.id, "certificate_expiring", f"certificate_expiring:{soon.id}")
    assert notice.title == "Your certificate “Forklift licence” expires soon"
    assert notice.link == "/learn/certificates"
    # Expires at midnight at the end of 20 Dec in Paris: the last valid day is 20 Dec, not 21.
    assert notice.body.startswith("It is valid until the end of 20 Dec 2026.")
    run(_at(date(2026, 12, 25)))  # the 50-day one is now within 30 days
    assert [n.body.split(".")[0] for n in sent()][1:] == ["It is valid until the end of 20 Jan 2027"]


def test_the_weekly_digest_lists_the_managers_overdue_people(demo):
    leo, maya = demo[LEO], demo[MAYA]
    team = teams.team_member_ids(Session(db.get_engine()), maya.id)
    outsider = next(u for email, u in demo.items() if u.id not in team and u.id != maya.id and email != "admin@example.com")
    in_team = sorted((u for u in demo.values() if u.id in team and u.id != leo.id), key=lambda u: u.id)[0]
    fire, ladders = requirement(leo.org_id, "Fire safety"), requirement(leo.org_id, "Ladder safety")
    assign(fire, leo, due_on=date(2026, 12, 10))
    assign(ladders, leo, due_on=date(2026, 12, 12))
    assign(fire, in_team, due_on=date(2026, 12, 11))
    assign(fire, outsider, due_on=date(2026, 12, 9))
    assign(ladders, in_team, due_on=date(2027, 2, 1))  # not overdue yet
    monday = _at(date(2026, 12, 14), 7)
    run(monday)
    [digest] = [n for n in sent() if n.kind == "manager_digest"]
    assert digest.user_id == maya.id and digest.link == "/teams"
    assert digest.dedupe_key == f"manager_digest:{maya.id}:2026-W51"
    assert digest.title == "3 overdue required trainings in your team (2 people)"
    assert digest.body.split("\n") == [
        "• Leo Learner: “Fire safety”, due 10 Dec 2026 (4 days overdue)",
        f"• {in_team.name}: “Fire safety”, due 11 Dec 2026 (3 days overdue)",
        "• Leo Learner: “Ladder safety”, due 12 Dec 2026 (2 days overdue)",
    ]
    assert outsider.name not in digest.body
    for later in (monday + timedelta(hours=5), _at(date(2026, 12, 20), 20)):  # same week (Sunday evening in Paris)
        run(later)
    assert len([n for n in sent() if n.kind == "manager_digest"]) == 1
    run(_at(date(2026, 12, 21), 7))  # next week
    assert [n.dedupe_key for n in sent() if n.kind == "manager_digest"][1] == f"manager_digest:{maya.id}:2026-W52"


def test_a_crash_loses_nothing_and_a_rerun_repeats_nothing(demo):
    leo, maya = demo[LEO], demo[MAYA]
    req = requirement(leo.org_id)
    assign(req, leo)
    assign(req, maya)
    now = _at(date(2026, 12, 20))
    with Session(db.get_engine()) as s:  # the worker dies before its transaction commits
        assert reminders.run(s, now=now).sent == 3  # two overdue notices and Maya's digest of Leo
        s.rollback()
    assert sent() == [] and emails() == []
    assert run(now).sent == 3
    assert run(now).sent == 0 and run(now + timedelta(hours=1)).sent == 0
    assert len(sent()) == 3 and len(emails()) == 3


def test_a_full_batch_continues_in_a_follow_up_job(demo, monkeypatch):
    people = list(demo.values())[:7]
    req = requirement(people[0].org_id, reminder_days=[])
    now = utcnow()
    for user in people:
        assign(req, user, due_on=(now - timedelta(days=3)).date(), assigned_on=(now - timedelta(days=30)).date())
    monkeypatch.setattr(reminders, "BATCH", 3)
    with db.session_scope() as s:
        jobs.enqueue(s, reminders.JOB_KIND)
    ran = Runner().run_until_idle()
    assert len([n for n in sent() if n.kind == "requirement_overdue"]) == 7
    with Session(db.get_engine()) as s:
        runs = s.exec(select(Job).where(Job.kind == reminders.JOB_KIND)).all()
    assert len(runs) >= 3 and all(j.status == "done" for j in runs), "7 notices in batches of 3 and more"
    assert ran >= len(runs)


def test_the_reminder_job_is_recurring():
    from lms_app.jobs import get_handler, handlers

    assert handlers.RECURRING[reminders.JOB_KIND] == 900
    assert get_handler(reminders.JOB_KIND) is not None


# --- a real SMTP server receives the reminder, and its unsubscribe link works ---------------------

class _Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(settings, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "SMTP_PORT", port)
    monkeypatch.setattr(settings, "SMTP_TLS", "off")
    monkeypatch.setattr(settings, "SMTP_USER", "")
    monkeypatch.setattr(settings, "SMTP_SENDER", "Example Academy <academy@example.org>")
    yield inbox
    controller.stop()


def test_a_reminder_email_arrives_over_smtp_and_its_unsubscribe_link_works(demo, smtp):
    leo = demo[LEO]
    assign(requirement(leo.org_id), leo, due_on=(utcnow() + timedelta(days=3)).date(), assigned_on=(utcnow() - timedelta(days=20)).date())
    with db.session_scope() as s:
        jobs.enqueue(s, reminders.JOB_KIND)
    Runner().run_until_idle()
    [envelope] = smtp.envelopes
    message = message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
    assert message["To"] == LEO and message["Subject"].startswith("“Fire safety” is due in ")
    text = message.get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/unsubscribe?token=" in word)
    assert link.startswith(settings.PUBLIC_URL)
    target = urlsplit(link)
    with TestClient(build_api()) as client:
        page = client.get(f"{target.path}?{target.query}")
        assert page.status_code == 200 and "Change your email settings?" in page.text
        with Session(db.get_engine()) as s:
            assert notifications.email_setting(s, leo.id, "requirement_due") == "all", "opening the link changes nothing"
        token = target.query.removeprefix("token=")
        done = client.post(notifications.UNSUBSCRIBE_PATH, data={"token": token})
    assert done.status_code == 200 and "only the essential emails" in done.text
    with Session(db.get_engine()) as s:
        assert notifications.email_setting(s, leo.id, "requirement_due") == "reduced"
    with Session(db.get_engine()) as s:
        assert s.exec(select(OutgoingEmail)).one().status == "sent"
