"""The manager's team dashboard: each figure's definition on a small hand-made dataset (exact
numbers), the filters, the cache brought up to date by one member's change, and who may see what.

The demo team of Maya (maya@example.com): the Sales department (8 people) with its
sub-department Retail Stores (6), and the "Autumn 2026 onboarding" group (10, three of them
from Field Operations): 17 people. Oscar Novak is in Field Operations and in none of her groups.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlmodel import select

from lms_app import db, live
from lms_app.models import Department, Enrollment, Group, LessonProgress, Role, User, UserRole, utcnow
from lms_app.services import activity, analytics_team, courses, dashboard_cache, groups
from lms_app.services.analytics_team import PeopleQuery, TeamFilters
from lms_app.services.errors import Invalid, NotFound, PermissionDenied


def noon(days_ago: int) -> datetime:
    """Noon (UTC) of a day before today: clear of the ranges' midnights."""
    return datetime.combine(utcnow().date() - timedelta(days=days_ago), time(12), tzinfo=timezone.utc)


@pytest.fixture
def world(demo, actor_of):
    """Two courses and the team's work in them:
    Safety: Leo completed (enrolled 20 days ago, done 2 days ago, 600 s), Amara active (10 days, 300 s),
            Ben expired (100 days, 120 s), Diego withdrawn (999 s: does not count), Oscar completed
            (outside the team);
    Service: Leo active (5 days ago, 60 s).
    Quizzes: Leo 80% (3 days ago), Amara 60% (yesterday) and one awaiting a grader, Ben 100%
    (40 days ago), Oscar 10% (yesterday, outside the team).
    Other activity: Leo finished a lesson 2 days ago, signed in today; Amara finished one
    yesterday; Ben signed in 40 days ago; Oscar finished one yesterday."""
    irene = actor_of("irene@example.com")
    with db.session_scope() as s:
        people = {u.email.split("@")[0]: u for u in s.exec(select(User)).all()}
        org = people["leo"].org_id
        ids = {"people": {k: u.id for k, u in people.items()}}
        for key, title in (("safety", "Safety basics"), ("service", "Service essentials")):
            course = courses.create_course(s, irene, title)
            module = courses.add_module(s, irene, course.id, "One")
            lesson = courses.add_lesson(s, irene, module.id, f"{title} lesson", "text", {"markdown": "Read me."})
            ids[key], ids[f"{key}_lesson"] = course.id, lesson.id

        def enroll(who: str, course: str, status: str, enrolled: int, seconds: int, completed: int | None = None) -> None:
            run = Enrollment(org_id=org, course_id=ids[course], user_id=people[who].id, status=status, enrolled_at=noon(enrolled),
                             completed_at=noon(completed) if completed is not None else None)
            s.add(run)
            s.flush()
            s.add(LessonProgress(enrollment_id=run.id, lesson_id=ids[f"{course}_lesson"], status="in_progress", seconds_spent=seconds))

        enroll("leo", "safety", "completed", 20, 600, completed=2)
        enroll("amara", "safety", "active", 10, 300)
        enroll("ben", "safety", "expired", 100, 120)
        enroll("diego", "safety", "withdrawn", 30, 999)
        enroll("oscar", "safety", "completed", 20, 5000, completed=1)
        enroll("leo", "service", "active", 5, 60)

        def event(who: str, kind: str, days_ago: int, course: str | None = "safety", score: float | None = None) -> None:
            activity.record(s, org_id=org, user_id=people[who].id, kind=kind, course_id=ids[course] if course else None,
                            lesson_id=ids[f"{course}_lesson"] if course else None, score=score, at=noon(days_ago))

        event("leo", "quiz_submitted", 3, score=80)
        event("amara", "quiz_submitted", 1, score=60)
        event("amara", "quiz_submitted", 1, score=None)
        event("ben", "quiz_submitted", 40, score=100)
        event("oscar", "quiz_submitted", 1, score=10)
        event("leo", "lesson_completed", 2)
        event("leo", "course_completed", 2)
        event("leo", "login", 0, course=None)
        event("amara", "lesson_completed", 1)
        event("ben", "login", 40, course=None)
        event("oscar", "lesson_completed", 1)
        ids["stores"] = s.exec(select(Department.id).where(Department.name == "Retail Stores")).one()
        ids["sales"] = s.exec(select(Department.id).where(Department.name == "Sales")).one()
        ids["field_ops"] = s.exec(select(Department.id).where(Department.name == "Field Operations")).one()
        ids["onboarding"] = s.exec(select(Group.id).where(Group.name == "Autumn 2026 onboarding")).one()
        ids["store_leads"] = s.exec(select(Group.id).where(Group.name == "Store leads")).one()
    return ids


def board(actor, filters: TeamFilters = TeamFilters(), people: PeopleQuery = PeopleQuery(per_page=None)):
    """The dashboard, with every row of the people table unless `people` asks for a page."""
    with db.session_scope() as s:
        return analytics_team.team_dashboard(s, actor, filters, people)


def person(b, name: str):
    return next(p for p in b.people_page.rows if p.name.startswith(name))


def test_the_figures_of_the_last_30_days(world, actor_of):
    b = board(actor_of("maya@example.com"))
    assert b.people == 17
    assert (b.enrollments, b.completed, b.completion_rate) == (4, 1, 25.0)
    assert b.average_score == 70.0  # Leo 80 and Amara 60; the attempt awaiting a grader, Ben's old one and Oscar's left out
    assert b.seconds == 600 + 300 + 120 + 60  # Diego's withdrawn run and Oscar do not count
    assert b.active_people == 2  # Leo and Amara; Ben's sign-in was 40 days ago
    assert b.completed_in_range == 1


def test_per_course_rows(world, actor_of):
    rows = {c.title: c for c in board(actor_of("maya@example.com")).courses}
    assert list(rows) == ["Safety basics", "Service essentials"]
    safety, service = rows["Safety basics"], rows["Service essentials"]
    assert (safety.people, safety.enrollments, safety.completed, safety.completion_rate, safety.average_score, safety.seconds) == (3, 3, 1, 33.3, 70.0, 1020)
    assert (service.people, service.enrollments, service.completed, service.completion_rate, service.average_score, service.seconds) == (1, 1, 0, 0.0, None, 60)


def test_per_person_rows(world, actor_of):
    b = board(actor_of("maya@example.com"))
    names = {p.name for p in b.people_page.rows}
    assert len(names) == 17 and "Oscar Novak" not in names and "Maya Manager" not in names
    leo, amara, ben, diego = person(b, "Leo"), person(b, "Amara"), person(b, "Ben"), person(b, "Diego")
    assert (leo.courses, leo.enrollments, leo.completed, leo.completion_rate, leo.average_score, leo.seconds) == (2, 2, 1, 50.0, 80.0, 660)
    assert leo.last_activity == noon(0) and leo.department == "Sales"
    assert (amara.courses, amara.completion_rate, amara.average_score, amara.seconds) == (1, 0.0, 60.0, 300)
    assert (ben.courses, ben.completion_rate, ben.average_score, ben.seconds, ben.department) == (1, 0.0, None, 120, "Retail Stores")
    assert ben.last_activity == noon(40)
    assert (diego.courses, diego.completion_rate, diego.seconds, diego.last_activity) == (0, None, 0, None)


def test_the_people_table_is_searched_sorted_and_paged_over_the_whole_team(world, actor_of):
    maya = actor_of("maya@example.com")
    everyone = [p.name for p in board(maya).people_page.rows]
    assert everyone == sorted(everyone, key=str.lower)

    def page(**query):
        return board(maya, people=PeopleQuery(per_page=5, **query)).people_page

    first, last, beyond = page(), page(page=4), page(page=99)
    assert ([p.name for p in first.rows], first.matching, first.page, first.pages) == (everyone[:5], 17, 1, 4)
    assert [p.name for p in last.rows] == everyone[15:] and len(last.rows) == 2
    assert (beyond.page, [p.name for p in beyond.rows]) == (4, everyone[15:])  # past the end: the last page
    # The search looks at the whole team (not the page on screen): department, email, name, any case.
    stores = page(search="  RETAIL ")
    assert (stores.matching, stores.pages, len(stores.rows)) == (6, 2, 5)
    assert "Ben Carter" in {p.name for p in page(search="retail", page=1).rows + page(search="retail", page=2).rows}
    assert [p.name for p in page(search="leo@").rows] == ["Leo Learner"]
    assert (page(search="nobody-at-all").matching, page(search="nobody-at-all").rows) == (0, [])
    # Sorted by a column; ties and people without a value keep the name order, the latter last either way.
    rates = [(p.name, p.completion_rate) for p in page(sort="completion", descending=True).rows]
    no_courses = [n for n in everyone if n not in ("Leo Learner", "Amara Okafor", "Ben Carter")]
    assert rates == [("Leo Learner", 50.0), ("Amara Okafor", 0.0), ("Ben Carter", 0.0), (no_courses[0], None), (no_courses[1], None)]
    assert [p.name for p in page(sort="completion").rows][:3] == ["Amara Okafor", "Ben Carter", "Leo Learner"]
    assert [p.seconds for p in page(sort="time", descending=True).rows][:4] == [660, 300, 120, 0]
    assert [p.name for p in page(sort="last", descending=True).rows][:3] == ["Leo Learner", "Amara Okafor", "Ben Carter"]
    with db.session_scope() as s:  # one page alone, as the table's Next asks for it
        alone = analytics_team.team_people(s, maya, TeamFilters(), PeopleQuery(page=2, per_page=5))
    assert [p.name for p in alone.rows] == everyone[5:10]
    with pytest.raises(Invalid):
        page(sort="password")


def test_activity_per_day_and_per_week(world, actor_of):
    maya = actor_of("maya@example.com")
    week = board(maya, TeamFilters(period="7d"))
    assert not week.weekly and len(week.activity) == 7
    by_day = {p.start: p for p in week.activity}
    today = utcnow().date()
    assert (by_day[today - timedelta(days=1)].lessons_completed, by_day[today - timedelta(days=1)].quizzes_submitted) == (1, 2)
    assert (by_day[today - timedelta(days=2)].lessons_completed, by_day[today - timedelta(days=3)].quizzes_submitted) == (1, 1)
    assert by_day[today].active_people == 1 and by_day[today - timedelta(days=1)].active_people == 1
    assert sum(p.lessons_completed for p in week.activity) == 2 and sum(p.quizzes_submitted for p in week.activity) == 3
    quarter = board(maya, TeamFilters(period="90d"))
    assert quarter.weekly and all(p.start.weekday() == 0 for p in quarter.activity)
    assert sum(p.quizzes_submitted for p in quarter.activity) == 4  # Ben's, 40 days ago, too
    assert sum(p.lessons_completed for p in quarter.activity) == 2


def test_date_ranges(world, actor_of):
    maya = actor_of("maya@example.com")
    everything = board(maya, TeamFilters(period="all"))
    assert (everything.average_score, everything.active_people, everything.completion_rate) == (80.0, 3, 25.0)
    # From 50 days ago to 3 days ago: Leo had not completed Safety yet; his 80% and Ben's 100% fall in it.
    today = utcnow().date()
    past = board(maya, TeamFilters(period="custom", start=today - timedelta(days=50), end=today - timedelta(days=3)))
    assert (past.enrollments, past.completed, past.completion_rate) == (4, 0, 0.0)
    assert (past.average_score, past.active_people) == (90.0, 2)
    # Before Leo enrolled in Service (5 days ago) and Amara in Safety (10 days ago).
    earlier = board(maya, TeamFilters(period="custom", start=today - timedelta(days=60), end=today - timedelta(days=11)))
    assert (earlier.enrollments, earlier.completed) == (2, 0)
    with pytest.raises(Invalid):
        board(maya, TeamFilters(period="custom", start=today, end=today - timedelta(days=1)))
    with pytest.raises(Invalid):
        board(maya, TeamFilters(period="custom", start=today))
    with pytest.raises(Invalid):
        board(maya, TeamFilters(period="forever"))


def test_course_filter(world, actor_of):
    b = board(actor_of("maya@example.com"), TeamFilters(course_id=world["safety"]))
    assert (b.enrollments, b.completed, b.completion_rate, b.seconds, b.average_score) == (3, 1, 33.3, 1020, 70.0)
    assert [c.title for c in b.courses] == ["Safety basics"]
    assert b.active_people == 2  # Leo's sign-in is not in the course, but his quiz is
    assert person(b, "Leo").courses == 1
    assert b.people == 3 and [p.name for p in b.people_page.rows] == ["Amara Okafor", "Ben Carter", "Leo Learner"]  # Diego withdrew


def test_unit_filter(world, actor_of):
    maya = actor_of("maya@example.com")
    stores = board(maya, TeamFilters(unit=f"department:{world['stores']}"))
    assert stores.people == 6 and {p.name for p in stores.people_page.rows} >= {"Ben Carter"}
    assert (stores.enrollments, stores.completed, stores.seconds, stores.active_people) == (1, 0, 120, 0)
    sales = board(maya, TeamFilters(unit=f"department:{world['sales']}"))  # with its sub-department
    assert sales.people == 14 and (sales.enrollments, sales.completed) == (4, 1)
    onboarding = board(maya, TeamFilters(unit=f"group:{world['onboarding']}"))
    assert onboarding.people == 10 and "Chloé Martin" in {p.name for p in onboarding.people_page.rows}
    # Units she does not manage are refused, however they are named.
    for unit in (f"department:{world['field_ops']}", f"group:{world['store_leads']}"):
        with pytest.raises(PermissionDenied):
            board(maya, TeamFilters(unit=unit))
    with pytest.raises(Invalid):
        board(maya, TeamFilters(unit="department:abc"))


def test_a_change_re_reads_only_that_member(world, actor_of, monkeypatch):
    maya = actor_of("maya@example.com")
    before = board(maya)
    reads = []
    original = analytics_team._read_facts
    monkeypatch.setattr(analytics_team, "_read_facts", lambda s, user_ids, *rest: reads.append(list(user_ids)) or original(s, user_ids, *rest))
    with db.session_scope() as s:  # Amara completes Safety (announced on commit, as the player does)
        run = s.exec(select(Enrollment).where(Enrollment.user_id == world["people"]["amara"], Enrollment.course_id == world["safety"])).one()
        run.status, run.completed_at = "completed", utcnow()
        s.add(run)
        activity.record(s, org_id=run.org_id, user_id=run.user_id, kind="course_completed", course_id=run.course_id)
    after = board(maya)
    assert reads == [[world["people"]["amara"]]]
    assert (before.completed, after.completed, after.completion_rate) == (1, 2, 50.0)
    assert person(after, "Amara").completion_rate == 100.0 and after.people == 17
    # Someone outside the team: nothing is re-read.
    dashboard_cache.changed([live.Change(run.org_id, world["people"]["oscar"], world["safety"], "lesson_completed")])
    assert board(maya).completed == 2 and reads == [[world["people"]["amara"]]]


def test_options_list_her_units_and_the_team_s_courses(world, actor_of):
    with db.session_scope() as s:
        options = analytics_team.filter_options(s, actor_of("maya@example.com"))
    assert [label for _, label in options.units] == ["Retail Stores (department)", "Sales (department)", "Autumn 2026 onboarding (group)"]
    assert [title for _, title in options.courses] == ["Safety basics", "Service essentials"]


def test_another_manager_never_sees_maya_s_team(world, actor_of):
    """Isaac, made manager of Field Operations, sees Oscar and the Field Operations people, never
    Maya's Sales people; her units and her people's records are refused to him."""
    admin = actor_of("admin@example.com")
    with db.session_scope() as s:
        manager_role = s.exec(select(Role.id).where(Role.name == "manager")).one()
        s.add(UserRole(user_id=world["people"]["isaac"], role_id=manager_role))
        groups.add_department_manager(s, admin, world["field_ops"], world["people"]["isaac"])
    isaac = actor_of("isaac@example.com")
    b = board(isaac)
    names = {p.name for p in b.people_page.rows}
    assert "Oscar Novak" in names and "Chloé Martin" in names
    assert not names & {"Leo Learner", "Amara Okafor", "Ben Carter"}
    assert (b.enrollments, b.completed, b.seconds) == (1, 1, 5000)  # Oscar's run alone
    for unit in (f"department:{world['sales']}", f"group:{world['onboarding']}"):
        with pytest.raises(PermissionDenied):
            board(isaac, TeamFilters(unit=unit))
    with db.session_scope() as s, pytest.raises(NotFound):
        analytics_team.person_record(s, isaac, world["people"]["leo"])
    # And Maya still does not see Oscar.
    assert "Oscar Novak" not in {p.name for p in board(actor_of("maya@example.com")).people_page.rows}


def test_a_learner_sees_no_dashboard(world, actor_of):
    leo = actor_of("leo@example.com")
    with db.session_scope() as s:
        for call in (lambda: analytics_team.team_dashboard(s, leo), lambda: analytics_team.person_record(s, leo, world["people"]["amara"]),
                     lambda: analytics_team.filter_options(s, leo),
                     lambda: analytics_team.export_table(s, leo, "People", ["Name"], [["Leo"]], "csv")):
            with pytest.raises(PermissionDenied):
                call()


def test_a_member_s_record(world, actor_of):
    maya = actor_of("maya@example.com")
    with db.session_scope() as s:
        record = analytics_team.person_record(s, maya, world["people"]["leo"])
    assert (record.name, record.department) == ("Leo Learner", "Sales")
    assert [(c.title, c.status, c.percent, c.seconds) for c in record.courses] == [("Service essentials", "active", 0, 60), ("Safety basics", "completed", 100, 600)]
    assert record.courses[1].completed_at == noon(2) and record.courses[1].grade is None
    assert [e.text for e in record.events] == [
        "Signed in", "Completed the course Safety basics", "Finished “Safety basics lesson” in Safety basics",
        "Handed in the quiz “Safety basics lesson” in Safety basics: 80%",
    ]
    # Outside her team (Oscar), herself, and no one at all: not found, nothing shown.
    for user_id in (world["people"]["oscar"], world["people"]["maya"], 999_999):
        with db.session_scope() as s, pytest.raises(NotFound):
            analytics_team.person_record(s, maya, user_id)
