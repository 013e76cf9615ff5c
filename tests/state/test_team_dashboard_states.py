"""The My teams page's state: load, filters, exports, the live refresh, and the team member's
record, on the hand-made dataset of tests/unit/test_analytics_team.py."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from reflex.istate.data import RouterData
from sqlmodel import select

from lms_app import db, live, settings
from lms_app.models import Enrollment, utcnow
from lms_app.services import activity, analytics_team
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.teams import TeamPersonState, TeamsState
from tests.state.harness import download_of, signed_in_browser, toast_text
from tests.unit.test_analytics_team import world  # noqa: F401  (the fixture)


def open_teams(session, email: str = "maya@example.com", tab: str = ""):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, "/teams")
    if tab:  # a real tab has a client token: the live refresh is keyed on it
        browser.root.router = RouterData.from_router_data({"headers": {"cookie": f"{settings.COOKIE_NAME}={browser.token}"},
                                                            "pathname": "/teams", "asPath": "/teams", "token": tab})
    browser.call(TeamsState, "load")
    return browser, browser.state(TeamsState)


def member(state, name: str) -> dict:
    return next(m for m in state.members if m["name"] == name)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_load_shows_the_team_s_figures(world, session):  # noqa: F811
    browser, state = open_teams(session)
    # Maya's own sign-in (just now) is not her team's activity.
    assert state.key_figures["people"] == "17" and state.key_figures["completion"] == "25%"
    assert state.key_figures["completion_hint"] == "1 of 4 enrollments completed"
    assert (state.key_figures["score"], state.key_figures["time"], state.key_figures["active"]) == ("70%", "18 min", "2")
    assert state.course_rows == [["Safety basics", "3", "1", "33%", "70%", "17 min"], ["Service essentials", "1", "0", "0%", "—", "1 min"]]
    assert state.has_enrollments and state.has_activity and len(state.activity_rows) == 30
    leo = member(state, "Leo Learner")
    assert (leo["courses"], leo["completed"], leo["completion"], leo["score"], leo["time"], leo["department"]) == ("2", "1", "50%", "80%", "11 min", "Sales")
    assert leo["href"] == f"/teams/people/{world['people']['leo']}"
    assert "Oscar Novak" not in {m["name"] for m in state.members}
    assert [o["label"] for o in state.unit_options] == ["Whole team", "Retail Stores (department)", "Sales (department)", "Autumn 2026 onboarding (group)"]
    assert [o["label"] for o in state.course_options] == ["All courses", "Safety basics", "Service essentials"]
    # The first page of the people table: 17 people, in name order.
    assert (len(state.members), state.people_range, state.people_pages) == (17, "1–17 of 17", 1)
    assert [m["name"] for m in state.members] == sorted((m["name"] for m in state.members), key=str.lower)


def test_the_people_table_is_paged_searched_and_sorted_on_the_server(world, session, monkeypatch):  # noqa: F811
    monkeypatch.setattr(analytics_team, "PEOPLE_PER_PAGE", 5)
    browser, state = open_teams(session)
    assert (len(state.members), state.people_range, state.people_pages) == (5, "1–5 of 17", 4)
    first_page = [m["name"] for m in state.members]
    browser.call(TeamsState, "go_to_people_page", 4)
    assert (state.people_page, state.people_range, len(state.members)) == (4, "16–17 of 17", 2)
    browser.call(TeamsState, "go_to_people_page", 99)  # past the end: the last page
    assert state.people_page == 4
    browser.call(TeamsState, "go_to_people_page", 1)
    assert [m["name"] for m in state.members] == first_page
    # The search runs over the whole team, from its first page; the key figures stay the team's.
    browser.call(TeamsState, "go_to_people_page", 2)
    browser.call(TeamsState, "set_search", "retail")
    assert (state.people_page, state.people_range, len(state.members)) == (1, "1–5 of 6", 5)
    assert state.key_figures["people"] == "17"
    browser.call(TeamsState, "set_search", "ben")
    assert [m["name"] for m in state.members] == ["Ben Carter"] and state.people_range == "1–1 of 1"
    browser.call(TeamsState, "set_search", "nobody-at-all")
    assert (state.members, state.people_range) == ([], "Nobody matches")
    browser.call(TeamsState, "set_search", "")
    # A header sorts by its column; clicked again, the other way round.
    browser.call(TeamsState, "sort_people", "time")
    assert (state.people_sort, state.people_descending) == ("time", False)
    assert "Leo Learner" not in {m["name"] for m in state.members}  # the most time: on the last page
    browser.call(TeamsState, "sort_people", "time")
    assert (state.people_sort, state.people_descending) == ("time", True)
    assert [(m["name"], m["time"]) for m in state.members][:3] == [("Leo Learner", "11 min"), ("Amara Okafor", "5 min"), ("Ben Carter", "2 min")]
    assert toast_text(browser.call(TeamsState, "sort_people", "password")) == "The people table cannot be sorted that way."
    # A filter shows its people from the first page, in the order chosen.
    browser.call(TeamsState, "go_to_people_page", 2)
    browser.call(TeamsState, "set_unit", f"department:{world['stores']}")
    assert (state.people_page, state.people_range, state.members[0]["name"]) == (1, "1–5 of 6", "Ben Carter")


def test_filters(world, session):  # noqa: F811
    browser, state = open_teams(session)
    browser.call(TeamsState, "set_course", str(world["safety"]))
    assert [r[0] for r in state.course_rows] == ["Safety basics"] and state.key_figures["completion"] == "33%"
    browser.call(TeamsState, "set_unit", f"department:{world['stores']}")
    assert state.key_figures["people"] == "1" and state.key_figures["completion"] == "0%"  # Ben, the one taking Safety there
    # A unit she does not manage: refused, and the page keeps showing what it showed.
    result = browser.call(TeamsState, "set_unit", f"department:{world['field_ops']}")
    assert toast_text(result) == "You do not manage that department."
    assert state.unit == f"department:{world['stores']}" and state.key_figures["people"] == "1"
    browser.call(TeamsState, "set_unit", "all")
    browser.call(TeamsState, "set_course", "all")
    browser.call(TeamsState, "set_period", "all")
    assert state.key_figures["score"] == "80%" and state.key_figures["active"] == "3"
    browser.call(TeamsState, "set_period", "7d")
    assert len(state.activity_rows) == 7 and state.key_figures["active"] == "2"
    # Custom dates: chosen, then shown; a reversed range is refused with a sentence.
    browser.call(TeamsState, "set_period", "custom")
    assert state.custom_period
    today = utcnow().date()
    result = browser.call(TeamsState, "set_dates", {"start": today.isoformat(), "end": "2020-01-01"})
    assert toast_text(result) == "The first day must come before the last day."
    result = browser.call(TeamsState, "set_dates", {"start": "soon", "end": "later"})
    assert toast_text(result) == "Dates look like 2026-11-27."
    result = browser.call(TeamsState, "set_dates", {"start": "2020-01-01", "end": today.isoformat()})
    assert toast_text(result) == "Choose a range of at most three years."
    browser.call(TeamsState, "set_dates", {"start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat()})
    assert state.key_figures["score"] == "80%" and state.activity_rows[0][0].startswith("Week of")
    assert state.period_label[0].isdigit() and state.key_figures["active_hint"].endswith(state.period_label)  # month names kept


def test_exports_hold_the_tables_rows(world, session, monkeypatch):  # noqa: F811
    monkeypatch.setattr(analytics_team, "PEOPLE_PER_PAGE", 5)
    browser, state = open_teams(session)
    courses = csv_rows(download_of(browser.call(TeamsState, "export", "courses", "csv")))
    assert courses == [["Course", "People", "Completed", "Completion rate", "Average score", "Time spent"], *state.course_rows]
    activity_file = csv_rows(download_of(browser.call(TeamsState, "export", "activity", "csv")))
    assert activity_file[1:] == state.activity_rows
    everyone = csv_rows(download_of(browser.call(TeamsState, "export", "people", "csv")))
    # The people file: every page, not only the five rows on screen.
    assert len(everyone) == 1 + 17 and [row[0] for row in everyone[1:6]] == [m["name"] for m in state.members]
    browser.call(TeamsState, "set_search", "leo")
    people = csv_rows(download_of(browser.call(TeamsState, "export", "people", "csv")))
    assert [row[:8] for row in people[1:]] == [["Leo Learner", "leo@example.com", "Sales", "2", "1", "50%", "80%", "11 min"]]
    assert toast_text(browser.call(TeamsState, "export", "secrets", "csv")) == "There is no such table."


def test_a_learner_gets_nothing(world, session):  # noqa: F811
    browser = signed_in_browser(session, "leo@example.com", DEMO_PASSWORD, "/teams")
    assert toast_text(browser.call(TeamsState, "load")) == "You do not have permission to do that."
    assert toast_text(browser.call(TeamsState, "export", "people", "csv")) == "You do not have permission to do that."
    state = browser.state(TeamsState)
    assert state.members == [] and state.key_figures == {}


def test_a_team_member_s_change_reaches_the_open_dashboard(world, session):  # noqa: F811
    browser, state = open_teams(session, tab="maya-tab")
    watch = live.watching("maya-tab", TeamsState)
    assert watch is not None and watch.route_prefix == "/teams" and world["people"]["amara"] in watch.user_ids
    assert world["people"]["oscar"] not in watch.user_ids
    with db.session_scope() as s:  # Amara completes Safety
        run = s.exec(select(Enrollment).where(Enrollment.user_id == world["people"]["amara"], Enrollment.course_id == world["safety"])).one()
        run.status, run.completed_at = "completed", utcnow()
        s.add(run)
        activity.record(s, org_id=run.org_id, user_id=run.user_id, kind="course_completed", course_id=run.course_id)
    state._on_changes([live.Change(run.org_id, run.user_id, run.course_id, "course_completed")])
    assert state.key_figures["completion"] == "50%"
    assert member(state, "Amara Okafor")["completion"] == "100%"
    assert state.course_rows[0][:4] == ["Safety basics", "3", "2", "67%"]


def test_the_live_refresh_clears_a_dashboard_whose_viewer_lost_the_permission(world, session):  # noqa: F811
    from lms_app.models import Role, User, UserRole

    browser, state = open_teams(session)
    with db.session_scope() as s:
        maya = s.exec(select(User).where(User.email == "maya@example.com")).one()
        manager = s.exec(select(Role).where(Role.name == "manager")).one()
        for grant in s.exec(select(UserRole).where(UserRole.user_id == maya.id, UserRole.role_id == manager.id)).all():
            s.delete(grant)
    state._on_changes([live.Change(maya.org_id, world["people"]["leo"], None, "login")])
    assert state.members == [] and state.key_figures == {} and not state.loaded


def test_the_record_of_a_team_member_and_of_someone_else(world, session):  # noqa: F811
    browser = signed_in_browser(session, "maya@example.com", DEMO_PASSWORD, f"/teams/people/{world['people']['leo']}")
    browser.call(TeamPersonState, "load")
    record = browser.state(TeamPersonState)
    assert record.found and (record.name, record.department) == ("Leo Learner", "Sales")
    assert [(c["title"], c["status"], c["progress"], c["grade"], c["time"]) for c in record.courses] == [
        ("Service essentials", "In progress", "0%", "—", "1 min"), ("Safety basics", "Completed", "100%", "—", "10 min")]
    assert record.events[0]["text"] == "Signed in" and len(record.events) == 4
    for path in (f"/teams/people/{world['people']['oscar']}", "/teams/people/not-a-number"):
        browser.goto(path)
        browser.call(TeamPersonState, "load")
        record = browser.state(TeamPersonState)
        assert not record.found and record.message == "This person is not in your team."
        assert record.name == "" and record.courses == [] and record.events == []
