"""The admin overview's state, run in-process: load, the date range, exports holding the
table's rows, live refreshes, refusals."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from lms_app import db, live
from lms_app.models import AuditEvent, Course, Enrollment, User, utcnow
from lms_app.services import activity
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.admin_overview import AdminOverviewState
from tests.state.harness import download_of, signed_in_browser, toast_text


@pytest.fixture
def overview(demo, session):
    """Five learners enrolled today in one course, three of them done; a learner active
    yesterday; the admin's browser on /admin."""
    people = sorted((u for u in demo.values() if u.email.endswith("@example.com") and u.email != "admin@example.com"), key=lambda u: u.id)
    now = utcnow()
    with db.session_scope() as s:
        course = Course(org_id=people[0].org_id, title="Forklift basics")
        s.add(course)
        s.flush()
        for i, person in enumerate(people[:5]):
            s.add(Enrollment(org_id=course.org_id, course_id=course.id, user_id=person.id, enrolled_at=now - timedelta(minutes=5),
                             status="completed" if i < 3 else "active", completed_at=now - timedelta(minutes=1) if i < 3 else None))
        activity.record(s, org_id=course.org_id, user_id=people[5].id, kind="lesson_opened", at=now - timedelta(days=1))
    browser = signed_in_browser(session, "admin@example.com", DEMO_PASSWORD, "/admin")
    return {"browser": browser, "people": people, "org": people[0].org_id, "course": course.id}


def rows_of(browser, name: str) -> list[list[str]]:
    return getattr(browser.state(AdminOverviewState), f"{name}_rows")


def test_load_shows_the_figures_and_every_table(overview):
    browser = overview["browser"]
    browser.call(AdminOverviewState, "load")
    state = browser.state(AdminOverviewState)
    # The admin signed in today; yesterday's learner counts for the week.
    assert state.figures["active_today"] == 1 and state.figures["active_week"] == 2
    assert state.figures["active_users"] == 24 and state.figures["pending_approvals"] == 0
    assert len(state.active_rows) == 30 and state.active_rows[0][1] == "1"  # today first
    assert state.enrollments_rows[0][1:] == ["5", "3"]
    assert state.courses_rows == [["Forklift basics", "5", "3", "60%"]]
    assert state.time_rows == []  # nobody worked through a lesson: the page says what will appear
    assert state.logins_rows[0][1:] == ["1", "0"]
    assert "Europe/Paris" in state.period_text
    assert len(state.courses_figure.data) == 1 and list(state.courses_figure.data[0].x) == [60.0]


def test_the_date_range_changes_the_buckets_and_a_bad_one_is_refused(overview):
    browser = overview["browser"]
    browser.call(AdminOverviewState, "load")
    browser.call(AdminOverviewState, "set_range", "7")
    assert len(rows_of(browser, "active")) == 7
    browser.call(AdminOverviewState, "set_range", "365")
    state = browser.state(AdminOverviewState)
    assert state.bucket_word == "week" and state.enrollments_rows[0][0].startswith("Week of")
    browser.call(AdminOverviewState, "set_range", "custom")
    today = utcnow().date()
    browser.call(AdminOverviewState, "set_dates", {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()})
    assert len(rows_of(browser, "active")) == 2
    result = browser.call(AdminOverviewState, "set_dates", {"from": today.isoformat(), "to": (today - timedelta(days=3)).isoformat()})
    assert toast_text(result) == "The first day must come before the last day."
    state = browser.state(AdminOverviewState)
    assert state.custom_from == (today - timedelta(days=1)).isoformat()  # the page keeps what it showed
    assert toast_text(browser.call(AdminOverviewState, "set_range", "12")) == "Choose the last 7, 30, 90 or 365 days, or your own range."
    assert browser.state(AdminOverviewState).range_choice == "custom"


def test_exports_hold_the_tables_rows(overview, session):
    browser = overview["browser"]
    browser.call(AdminOverviewState, "load")
    text = download_of(browser.call(AdminOverviewState, "export", "courses", "csv"))
    assert text.splitlines()[0].lstrip("\ufeff") == "Course,Enrolled,Completed,Completion rate (%)"
    assert "Forklift basics,5,3,60.0" in text
    logins = download_of(browser.call(AdminOverviewState, "export", "logins", "csv")).splitlines()
    assert len(logins) == 1 + len(rows_of(browser, "logins"))
    result = browser.call(AdminOverviewState, "export", "enrollments", "xlsx")
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", str(result.args)).group(1)
    sheet = load_workbook(io.BytesIO(base64.b64decode(data))).active
    values = list(sheet.values)
    assert values[0] == ("Day", "Enrollments", "Completions") and values[1][1:] == (5, 3)
    assert toast_text(browser.call(AdminOverviewState, "export", "secrets", "csv")) == "There is no such table."
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "report.exported")).all()


def test_changes_refresh_the_open_page(overview):
    browser = overview["browser"]
    browser.call(AdminOverviewState, "load")
    learner = overview["people"][6]
    with db.session_scope() as s:
        s.add(Enrollment(org_id=overview["org"], course_id=overview["course"], user_id=learner.id))
        activity.record(s, org_id=overview["org"], user_id=learner.id, kind="enrolled", course_id=overview["course"])
    state = browser.state(AdminOverviewState)
    state._on_changes([live.Change(overview["org"], learner.id, overview["course"], "enrolled")])
    assert state.figures["active_today"] == 2
    assert state.enrollments_rows[0][1:] == ["6", "3"]
    assert state.courses_rows == [["Forklift basics", "6", "3", "50%"]]
    # Nothing moved: the page is not redrawn (the same figure objects stay).
    figure = state.courses_figure
    state._on_changes([live.Change(overview["org"], learner.id, overview["course"], "enrolled")])
    assert state.courses_figure is figure


def test_a_refresh_for_someone_no_longer_admin_clears_the_page(overview):
    browser = overview["browser"]
    browser.call(AdminOverviewState, "load")
    with db.session_scope() as s:
        admin = s.exec(select(User).where(User.email == "admin@example.com")).one()
        admin.is_active = False
    state = browser.state(AdminOverviewState)
    state._on_changes([live.Change(overview["org"], overview["people"][0].id, None, "login")])
    assert state.figures == {} and state.enrollments_rows == []


@pytest.mark.parametrize("email", ["maya@example.com", "irene@example.com", "leo@example.com"])
def test_only_admins_load_or_export_the_overview(demo, session, email):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, "/admin")
    assert toast_text(browser.call(AdminOverviewState, "load")) == "You do not have permission to do that."
    assert browser.state(AdminOverviewState).figures == {}
    assert toast_text(browser.call(AdminOverviewState, "export", "logins", "csv")) == "You do not have permission to do that."
