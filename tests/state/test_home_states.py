"""Landing pages and the page guard, run in-process as the server runs them."""

from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.auth import AuthState
from lms_app.state.catalog import MyLearningState
from lms_app.state.admin_overview import AdminOverviewState
from lms_app.state.teams import TeamsState
from lms_app.state.profile import ProfileState
from tests.state.harness import Browser, redirect_target, signed_in_browser, toast_text


def test_guard_sends_anonymous_visitors_to_sign_in(demo):
    browser = Browser(None, "/admin")
    result = browser.call(AuthState, "enter_page")
    assert redirect_target(result) == "/login?next=/admin"


def test_guard_denies_a_learner_on_an_admin_page_and_runs_no_loader(demo, session):
    browser = signed_in_browser(session, "leo@example.com", DEMO_PASSWORD, "/admin")
    assert browser.call(AuthState, "enter_page") is None
    assert browser.state(AuthState).page_status == "denied"
    assert browser.state(AdminOverviewState).figures == {}


def test_home_redirects_each_role_to_its_landing_page(demo, session):
    for email, landing in [("admin@example.com", "/admin"), ("maya@example.com", "/teams"), ("irene@example.com", "/teach"), ("leo@example.com", "/learn")]:
        browser = signed_in_browser(session, email, DEMO_PASSWORD, "/")
        assert redirect_target(browser.call(AuthState, "enter_page")) == landing, email


def test_learner_home_shows_their_department_and_groups(demo, session):
    browser = signed_in_browser(session, "leo@example.com", DEMO_PASSWORD, "/learn")
    browser.call(MyLearningState, "load")
    state = browser.state(MyLearningState)
    assert (state.first_name, state.department, state.groups) == ("Leo", "Sales", ["Autumn 2026 onboarding"])


def test_manager_sees_only_their_team(demo, session):
    browser = signed_in_browser(session, "maya@example.com", DEMO_PASSWORD, "/teams")
    browser.call(TeamsState, "load")
    state = browser.state(TeamsState)
    names = {m["name"] for m in state.members}
    assert {u["name"] for u in state.units} == {"Sales", "Retail Stores", "Autumn 2026 onboarding"}
    assert "Leo Learner" in names and "Maya Manager" not in names
    # Field Operations people who are in none of Maya's groups stay hidden.
    assert "Oscar Novak" not in names and "Rosa Alvarez" not in names
    browser.call(TeamsState, "set_search", "leo")
    assert [m["name"] for m in browser.state(TeamsState).members] == ["Leo Learner"]


def test_learner_cannot_load_team_dashboard(demo, session):
    browser = signed_in_browser(session, "leo@example.com", DEMO_PASSWORD, "/teams")
    result = browser.call(TeamsState, "load")
    assert toast_text(result) == "You do not have permission to do that."
    assert browser.state(TeamsState).members == []


def test_admin_overview_counts_the_demo_organization(demo, session):
    browser = signed_in_browser(session, "admin@example.com", DEMO_PASSWORD, "/admin")
    browser.call(AdminOverviewState, "load")
    figures = browser.state(AdminOverviewState).figures
    assert figures["active_users"] == 24 and figures["departments"] == 3 and figures["groups"] == 2
    assert figures["active_week"] == 1  # the admin, signed in just now


def test_profile_saves_name_and_timezone_and_refuses_bad_ones(demo, session):
    browser = signed_in_browser(session, "leo@example.com", DEMO_PASSWORD, "/profile")
    browser.call(ProfileState, "load")
    assert browser.state(ProfileState).sessions[0]["current"] == "yes"
    browser.call(ProfileState, "save", {"name": "Leo L. Learner", "timezone": "America/Chicago", "locale": "fr"})
    browser.call(ProfileState, "load")
    state = browser.state(ProfileState)
    assert (state.name, state.timezone, state.locale) == ("Leo L. Learner", "America/Chicago", "fr")
    result = browser.call(ProfileState, "save", {"name": "  ", "timezone": "Mars/Olympus", "locale": "fr"})
    assert toast_text(result) == "Your name cannot be empty."
    browser.call(ProfileState, "load")
    assert browser.state(ProfileState).name == "Leo L. Learner"
