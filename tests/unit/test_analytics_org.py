"""The organization overview's figures on a small hand-made organization, exact numbers.

The organization lives in Paris (summer time starts on 30 March 2031 at 01:00 UTC); "now" is
Wednesday 2 April 2031, 12:00 in Paris (10:00 UTC)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event, update
from sqlmodel import select

from lms_app import db
from lms_app.models import (ActivityEvent, AuditEvent, Course, Department, Enrollment, Job, Lesson, LessonProgress, Module, Organization,
                            OutgoingEmail, User)
from lms_app.models.jobs import JOB_DEAD
from lms_app.services import activity, analytics_org, audit, dashboard_cache, timefmt
from lms_app.services.analytics_org import MIN_ENROLLMENTS_TO_RANK, OrgFilters
from lms_app.services.errors import Invalid, PermissionDenied

NOW = datetime(2031, 4, 2, 10, 0, tzinfo=timezone.utc)
PEOPLE = ("ann", "bob", "cid", "dee", "eve", "fay")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.fixture
def world(demo, actor_of):
    with db.session_scope() as s:
        org = s.exec(select(Organization)).one()
        org.default_timezone = "Europe/Paris"
        research, support = Department(org_id=org.id, name="Research"), Department(org_id=org.id, name="Support")
        s.add_all([research, support])
        s.flush()
        depts = {"ann": research.id, "bob": research.id, "dee": support.id, "fay": support.id}
        people = {}
        for name in PEOPLE:
            user = User(org_id=org.id, email=f"{name}@lab.example", name=name.title(), department_id=depts.get(name))
            s.add(user)
            s.flush()
            people[name] = user.id

        def event(name, kind, at):
            s.add(ActivityEvent(org_id=org.id, user_id=people[name], kind=kind, at=utc(at)))

        event("ann", "login", "2031-04-02T08:00")
        event("ann", "login", "2031-04-02T09:00")
        event("ann", "lesson_opened", "2031-03-20T10:00")
        event("bob", "lesson_opened", "2031-04-01T22:30")  # 2 April, 00:30 in Paris (summer time)
        event("cid", "login", "2031-03-28T23:30")  # 29 March, 00:30 in Paris (winter time)
        event("dee", "quiz_submitted", "2031-03-05T10:00")  # 28 days ago
        event("eve", "login", "2031-03-03T10:00")  # 30 days ago: outside the month
        for at in ("2031-04-02T07:00", "2031-03-29T12:00"):
            audit.record(s, None, "login.failed", target_type="user", target_label="someone@lab.example", org_id=org.id)
            s.flush()
            s.exec(update(AuditEvent).where(AuditEvent.id == s.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first())
                   .values(at=utc(at)))

        courses = {}
        for title in ("Forklift basics", "Fire safety", "Data privacy", "Tiny course"):
            course = Course(org_id=org.id, title=title)
            s.add(course)
            s.flush()
            courses[title] = course.id
        module = Module(org_id=org.id, course_id=courses["Forklift basics"], title="Basics")
        s.add(module)
        s.flush()
        lesson = Lesson(org_id=org.id, course_id=module.course_id, module_id=module.id, title="Driving", kind="text")
        s.add(lesson)
        s.flush()

        runs = {}

        def enroll(title, names, enrolled_at, completions):
            for i, name in enumerate(names):
                done = completions[i] if i < len(completions) else None
                run = Enrollment(org_id=org.id, course_id=courses[title], user_id=people[name], status="completed" if done else "active",
                                 enrolled_at=utc(enrolled_at), completed_at=utc(done) if done else None)
                s.add(run)
                s.flush()
                runs[(title, name)] = run.id

        # Forklift: 6 enrolled on 30 March, 5 completed (4 on 1 April in Paris, 1 on 2 April).
        enroll("Forklift basics", PEOPLE, "2031-03-30T09:00", ["2031-04-01T21:30"] * 4 + ["2031-04-01T22:30"])
        # Fire safety: 5 enrolled on 10 March, 1 completed on 29 March.
        enroll("Fire safety", PEOPLE[:5], "2031-03-10T09:00", ["2031-03-29T12:00"])
        # Data privacy: 5 enrolled on 31 March, 3 completed today.
        enroll("Data privacy", PEOPLE[1:], "2031-03-31T10:00", ["2031-04-02T08:00"] * 3)
        # Tiny course: 2 enrolled today, both completed: too few to be ranked.
        enroll("Tiny course", PEOPLE[:2], "2031-04-02T08:00", ["2031-04-02T09:00"] * 2)

        def spent(title, name, seconds, last_seen, lesson_id=lesson.id):
            s.add(LessonProgress(enrollment_id=runs[(title, name)], lesson_id=lesson_id, seconds_spent=seconds, last_seen_at=utc(last_seen)))

        spent("Forklift basics", "ann", 3900, "2031-04-01T10:00")
        spent("Forklift basics", "bob", 1800, "2031-03-31T10:00")
        spent("Forklift basics", "cid", 600, "2031-04-02T08:00")
        spent("Forklift basics", "dee", 7200, "2031-02-01T10:00")  # last worked on before the range
        spent("Forklift basics", "fay", 45, "2031-04-02T08:00")
        ids = {"org": org.id, "people": people, "courses": courses}
    return {**ids, "admin": actor_of("admin@example.com")}


def dashboard(world, session, filters=OrgFilters()):
    return analytics_org.org_dashboard(session, world["admin"], filters, now=NOW)


def test_active_people_today_this_week_and_this_month(world, session):
    d = dashboard(world, session)
    # Today: Ann and Bob (Bob at 00:30 in Paris); the week adds Cid; the month adds Dee; Eve is 30 days ago.
    assert (d.active.today, d.active.week, d.active.month) == (2, 3, 4)


def test_daily_series_cut_at_midnight_in_the_organizations_zone(world, session):
    d = dashboard(world, session, OrgFilters(days=7))
    assert (d.period.start, d.period.end, d.period.bucket_days) == (date(2031, 3, 27), date(2031, 4, 2), 1)
    assert d.trends.daily_active == [(date(2031, 3, 27), 0), (date(2031, 3, 28), 0), (date(2031, 3, 29), 1), (date(2031, 3, 30), 0),
                                     (date(2031, 3, 31), 0), (date(2031, 4, 1), 0), (date(2031, 4, 2), 2)]
    assert d.trends.logins == [(date(2031, 3, 27), 0, 0), (date(2031, 3, 28), 0, 0), (date(2031, 3, 29), 1, 1), (date(2031, 3, 30), 0, 0),
                               (date(2031, 3, 31), 0, 0), (date(2031, 4, 1), 0, 0), (date(2031, 4, 2), 2, 1)]


def test_enrollments_and_completions_per_day(world, session):
    d = dashboard(world, session)
    assert d.period.start == date(2031, 3, 4) and len(d.trends.enrollments) == 30
    busy = [row for row in d.trends.enrollments if row[1] or row[2]]
    assert busy == [(date(2031, 3, 10), 5, 0), (date(2031, 3, 29), 0, 1), (date(2031, 3, 30), 6, 0), (date(2031, 3, 31), 5, 0),
                    (date(2031, 4, 1), 0, 4), (date(2031, 4, 2), 2, 6)]


def test_a_long_range_counts_per_week_from_monday(world, session):
    d = dashboard(world, session, OrgFilters(days=365))
    assert d.period.bucket_days == 7
    assert d.trends.enrollments[0][0] == date(2030, 4, 1)  # the Monday of the range's first day, 2 April 2030
    busy = [row for row in d.trends.enrollments if row[1] or row[2]]
    assert busy == [(date(2031, 3, 10), 5, 0), (date(2031, 3, 24), 6, 1), (date(2031, 3, 31), 7, 10)]
    assert [row for row in d.trends.logins if row[1] or row[2]] == [
        (date(2031, 3, 3), 1, 0), (date(2031, 3, 24), 1, 1), (date(2031, 3, 31), 2, 1)]
    # Daily active people stay daily.
    assert len(d.trends.daily_active) == 365


def test_most_and_least_completed_courses_need_the_minimum_enrollments(world, session):
    assert MIN_ENROLLMENTS_TO_RANK == 5
    d = dashboard(world, session)
    rows = [(c.title, c.enrolled, c.completed, round(c.rate * 100)) for c in d.most_completed]
    assert rows == [("Forklift basics", 6, 5, 83), ("Data privacy", 5, 3, 60), ("Fire safety", 5, 1, 20)]
    assert d.least_completed == [] and d.unranked_courses == 1  # Tiny course: 2 enrollments
    # Over the last 7 days, Fire safety's enrollments (10 March) fall out of the range.
    week = dashboard(world, session, OrgFilters(days=7))
    assert [c.title for c in week.most_completed] == ["Forklift basics", "Data privacy"]


def test_least_completed_never_repeats_the_most_completed(world, session):
    d = dashboard(world, session)
    courses = {i: analytics_org.CourseCompletion(i, f"Course {i:02d}", 10, i) for i in range(1, 9)}
    d = analytics_org.OrgDashboard(d.period, d.active, d.accounts, analytics_org.replace(d.trends, courses=courses), d.required)
    assert [c.completed for c in d.most_completed] == [8, 7, 6, 5, 4]
    assert [c.completed for c in d.least_completed] == [1, 2, 3]


def test_time_spent_by_department_with_people_without_one(world, session):
    d = dashboard(world, session)
    # Dee's 2 hours were last worked on in February: outside the last 30 days.
    assert d.trends.time_by_department == [("Research", 5700), ("No department", 600), ("Support", 45)]
    assert [timefmt.time_spent(s) for _, s in d.trends.time_by_department] == ["1 h 35 min", "10 min", "45 s"]


def test_a_custom_range(world, session):
    d = dashboard(world, session, OrgFilters(start=date(2031, 3, 29), end=date(2031, 3, 29)))
    assert d.trends.logins == [(date(2031, 3, 29), 1, 1)]
    assert d.trends.daily_active == [(date(2031, 3, 29), 1)]
    assert d.trends.enrollments == [(date(2031, 3, 29), 0, 1)]
    assert d.trends.time_by_department == []
    # A range ending after today stops today.
    assert dashboard(world, session, OrgFilters(start=date(2031, 4, 1), end=date(2031, 5, 1))).period.end == date(2031, 4, 2)


@pytest.mark.parametrize("filters,message", [
    (OrgFilters(start=date(2031, 3, 30), end=date(2031, 3, 1)), "The first day must come before the last day."),
    (OrgFilters(start=date(2031, 3, 30)), "Choose both the first and the last day of the range."),
    (OrgFilters(start=date(2031, 5, 1), end=date(2031, 5, 2)), "The range must start today or earlier."),
    (OrgFilters(start=date(2028, 1, 1), end=date(2031, 1, 1)), "Choose a range of at most 731 days."),
    (OrgFilters(days=12), "Choose the last 7, 30, 90 or 365 days, or your own range."),
])
def test_bad_ranges_are_refused_with_a_reason(world, session, filters, message):
    with pytest.raises(Invalid) as refused:
        dashboard(world, session, filters)
    assert refused.value.message == message


def test_the_standing_figures(world, session):
    d = dashboard(world, session)
    assert d.accounts.failed_logins_7d == 2 and d.accounts.departments == 5
    assert d.accounts.active_users == 24 + len(PEOPLE)


def test_every_standing_figure_counts_what_it_names(world, session):
    with db.session_scope() as s:
        org = world["org"]
        s.add_all([User(org_id=org, email="gone@lab.example", name="Gone", is_active=False),
                   User(org_id=org, email="new@lab.example", name="New", pending_approval=True),
                   Job(kind="report"), Job(kind="report"), Job(kind="report", status=JOB_DEAD),
                   OutgoingEmail(org_id=org, to_address="ann@lab.example", subject="Hello", body_text="Hi"),
                   OutgoingEmail(org_id=org, to_address="bob@lab.example", subject="Hello", body_text="Hi", status="sent")])
    a = dashboard(world, session).accounts
    assert (a.active_users, a.inactive_users, a.pending_approvals) == (24 + len(PEOPLE), 1, 1)
    assert (a.jobs_waiting, a.jobs_dead, a.emails_waiting) == (2, 1, 1)


def test_a_warm_open_reads_only_the_standing_figures(world, session, engine):
    dashboard(world, session)
    statements = []

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        again = dashboard(world, session)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert again.active.today == 2
    # The organization's zone, then every standing figure in one statement.
    assert 1 <= len(statements) <= 2


def test_days_around_the_autumn_change_of_time(world, session):
    """On 27 October 2030 Paris goes back from UTC+2 to UTC+1 at 01:00 UTC: that day lasts
    25 hours, and each moment falls on its own day in Paris."""
    with db.session_scope() as s:
        for name, at in (("ann", "2030-10-26T21:30"), ("bob", "2030-10-26T22:30"), ("cid", "2030-10-27T22:30"), ("dee", "2030-10-27T23:30")):
            s.add(ActivityEvent(org_id=world["org"], user_id=world["people"][name], kind="login", at=utc(at)))
    d = dashboard(world, session, OrgFilters(start=date(2030, 10, 26), end=date(2030, 10, 28)))
    # 26 Oct 23:30 (Ann); 27 Oct 00:30 (Bob) and 23:30 (Cid, now UTC+1); 28 Oct 00:30 (Dee).
    assert d.trends.daily_active == [(date(2030, 10, 26), 1), (date(2030, 10, 27), 2), (date(2030, 10, 28), 1)]
    assert d.trends.logins == [(date(2030, 10, 26), 1, 0), (date(2030, 10, 27), 2, 0), (date(2030, 10, 28), 1, 0)]


@pytest.mark.parametrize("email", ["maya@example.com", "irene@example.com", "leo@example.com"])
def test_only_admins_see_the_overview(world, session, actor_of, email):
    with pytest.raises(PermissionDenied):
        analytics_org.org_dashboard(session, actor_of(email), now=NOW)


def test_a_change_patches_today_without_computing_the_range_again(world, session, monkeypatch):
    dashboard(world, session, OrgFilters(days=7))
    with db.session_scope() as s:
        activity.record(s, org_id=world["org"], user_id=world["people"]["fay"], kind="login", at=utc("2031-04-02T09:30"))
        s.add(Enrollment(org_id=world["org"], course_id=world["courses"]["Tiny course"], user_id=world["people"]["cid"],
                         enrolled_at=utc("2031-04-02T09:30")))
        activity.record(s, org_id=world["org"], user_id=world["people"]["cid"], kind="enrolled", course_id=world["courses"]["Tiny course"],
                        at=utc("2031-04-02T09:30"))
    monkeypatch.setattr(analytics_org, "_trends", lambda *a: pytest.fail("computed again instead of patched"))
    patched = dashboard(world, session, OrgFilters(days=7))
    assert (patched.active.today, patched.active.week, patched.active.month) == (4, 4, 5)
    assert patched.trends.daily_active[-1] == (date(2031, 4, 2), 4)
    assert patched.trends.logins[-1] == (date(2031, 4, 2), 3, 1)
    assert patched.trends.enrollments[-1] == (date(2031, 4, 2), 3, 6)
    assert patched.trends.courses[world["courses"]["Tiny course"]].enrolled == 3
    # The same as computing from scratch; and seeing the same changes twice changes nothing.
    monkeypatch.undo()
    dashboard_cache.clear()
    fresh = dashboard(world, session, OrgFilters(days=7))
    assert fresh.trends == patched.trends and fresh.active == patched.active
