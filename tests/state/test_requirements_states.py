"""The required training pages' states: the list and its form (admin and manager scopes), one
requirement's people with filters, paging, exemptions, retiring and exports."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms_app.models import AuditEvent, Department, RequirementAssignment, User
from lms_app.services import courses, requirements
from lms_app.services.requirements import RequirementSpec
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.requirements import RequirementPeopleState, RequirementsState
from tests.state.harness import download_of, signed_in_browser, toast_text

ADMIN, IRENE, MAYA = "admin@example.com", "irene@example.com", "maya@example.com"
FORM = {"course": "", "department": "", "include_sub": "on", "due_days": "30", "recert_months": "12", "recert_window_days": "30",
        "reminder_days": "14, 3", "overdue_every_days": "7"}


@pytest.fixture
def course(demo, session, actor_of):
    irene = actor_of(IRENE)
    c = courses.create_course(session, irene, "Fire safety")
    m = courses.add_module(session, irene, c.id, "Basics")
    courses.add_lesson(session, irene, m.id, "Exits", "text", {"markdown": "Read me."})
    courses.set_visibility(session, irene, c.id, "published")
    session.commit()
    return c


def dept(session, name: str) -> str:
    return str(session.exec(select(Department.id).where(Department.name == name)).one())


def open_list(session, email: str, path: str):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, path)
    browser.call(RequirementsState, "load")
    return browser, browser.state(RequirementsState)


def test_an_admin_creates_a_requirement_from_the_form(course, session):
    browser, state = open_list(session, ADMIN, "/admin/requirements")
    assert state.cards == [] and state.loaded
    browser.call(RequirementsState, "open_new")
    assert state.form_open and [o.label for o in state.course_options] == ["Fire safety"]
    assert [o.value for o in state.audience_options] == ["user", "group", "department", "role", "everyone"]
    result = browser.call(RequirementsState, "save", FORM | {"course": str(course.id), "department": dept(session, "Sales")})
    assert toast_text(result).startswith("Requirement created: ") and not state.form_open
    card = state.cards[0]
    assert (card.title, card.audience, card.due) == ("Fire safety", "Sales department and below", "30 days after being assigned")
    assert card.recertification == "Every 12 months, opens 30 days before expiry"
    assert int(card.not_started) == int(card.total) > 10 and card.href == f"/admin/requirements/{card.id}"


def test_bad_input_is_a_toast_and_keeps_the_form_open(course, session):
    browser, state = open_list(session, ADMIN, "/admin/requirements")
    browser.call(RequirementsState, "open_new")
    result = browser.call(RequirementsState, "save", FORM | {"course": str(course.id), "department": dept(session, "Sales"), "reminder_days": "soon"})
    assert toast_text(result) == "Reminders are days before the due date, like “14, 3”: “soon” is not a number."
    assert state.form_open and state.cards == []
    browser.call(RequirementsState, "pick_audience", "user")
    result = browser.call(RequirementsState, "save", FORM | {"course": str(course.id)})
    assert toast_text(result) == "Choose the person."


def test_a_manager_works_within_the_team(course, session, actor_of):
    requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(course_id=course.id, audience="everyone"))
    session.commit()
    browser, state = open_list(session, MAYA, "/teams/requirements")
    assert state.cards == [] and state.base == "/teams/requirements"  # the organization's requirement is not hers
    browser.call(RequirementsState, "open_new")
    assert [o.value for o in state.audience_options] == ["user", "group", "department"]
    assert [o.label for o in state.department_options] == ["Sales", "Sales / Retail Stores"]
    assert state.role_options == []
    browser.call(RequirementsState, "pick_audience", "user")
    browser.call(RequirementsState, "search_people", "lena")  # Field Operations: not in her team
    assert state.people_results == []
    browser.call(RequirementsState, "search_people", "leo")
    browser.call(RequirementsState, "pick_person", state.people_results[0].value)
    assert state.form_person_label == "Leo Learner (leo@example.com)"
    browser.call(RequirementsState, "save", FORM | {"course": str(course.id)})
    assert [c.audience for c in state.cards] == ["Leo Learner"] and state.cards[0].href.startswith("/teams/requirements/")
    # Everyone is out of a manager's reach even when the form is tampered with.
    browser.call(RequirementsState, "open_new")
    browser.call(RequirementsState, "pick_audience", "everyone")
    result = browser.call(RequirementsState, "save", FORM | {"course": str(course.id)})
    assert "your own team" in toast_text(result)
    # On the admin's address the manager is refused.
    admin_page = signed_in_browser(session, MAYA, DEMO_PASSWORD, "/admin/requirements")
    assert toast_text(admin_page.call(RequirementsState, "load")) == "You do not have permission to do that."


def open_detail(session, email: str, path: str):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, path)
    browser.call(RequirementPeopleState, "load")
    return browser, browser.state(RequirementPeopleState)


def test_the_people_of_a_requirement(course, session, actor_of, monkeypatch):
    monkeypatch.setattr(requirements, "PAGE_SIZE", 5)
    req = requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(
        course_id=course.id, audience="department", audience_id=int(dept(session, "Sales")), due_mode="fixed", due_on="2031-06-30"))
    session.commit()
    browser, state = open_detail(session, ADMIN, f"/admin/requirements/{req.id}")
    total = len(session.exec(select(RequirementAssignment)).all())
    assert state.found and state.title == "Fire safety" and state.due == "By 30 Jun 2031"
    assert (len(state.people), state.total, state.range_label) == (5, total, f"1–5 of {total}")
    first = state.people[0]
    assert (first.status_label, first.due, first.completed, first.expires) == ("Not started", "30 Jun 2031", "—", "—")
    assert first.due_hint == "Overdue from 1 Jul 2031, 00:00 (your time)"  # Paris, the admin's zone too
    browser.call(RequirementPeopleState, "go_to_page", 2)
    assert state.page == 2 and state.people[0].name != first.name
    browser.call(RequirementPeopleState, "set_search", "leo@")
    assert [p.email for p in state.people] == ["leo@example.com"] and state.page == 1
    # Exempting Leo, with the reason, from the dialog.
    browser.call(RequirementPeopleState, "ask_exempt", state.people[0].assignment_id)
    assert state.exempt_open and state.exempt_name == "Leo Learner"
    result = browser.call(RequirementPeopleState, "exempt", {"reason": "On parental leave"})
    assert toast_text(result) == "Leo Learner is exempted." and not state.exempt_open
    assert (state.people[0].status, state.people[0].reason, state.counts["exempted"]) == ("exempted", "On parental leave", "1")
    browser.call(RequirementPeopleState, "set_search", "")
    browser.call(RequirementPeopleState, "set_status", "exempted")
    assert [p.email for p in state.people] == ["leo@example.com"]
    exported = download_of(browser.call(RequirementPeopleState, "export", "csv"))
    assert "On parental leave" in exported and exported.count("\n") == 2
    browser.call(RequirementPeopleState, "remove_exemption", state.people[0].assignment_id)
    assert state.people == [] and state.counts["exempted"] == "0"
    # Retiring.
    browser.call(RequirementPeopleState, "set_retire_open", True)
    result = browser.call(RequirementPeopleState, "retire")
    assert toast_text(result).startswith(f"Requirement retired: {total} people") and state.retired and not state.retire_open
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "requirement.retired")).one()


def test_editing_from_the_requirement_page(course, session, actor_of):
    req = requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(
        course_id=course.id, audience="user", audience_id=session.exec(select(User.id).where(User.email == "leo@example.com")).one()))
    session.commit()
    browser, detail = open_detail(session, ADMIN, f"/admin/requirements/{req.id}")
    browser.call(RequirementsState, "open_edit", str(req.id))
    form = browser.state(RequirementsState)
    assert form.editing_title == "Fire safety" and form.form_audience == "user" and form.form_person_label == "Leo Learner"
    assert form.form_defaults["due_days"] == "30" and form.form_defaults["reminder_days"] == "14, 3"
    result = browser.call(RequirementsState, "save", FORM | {"due_days": "45", "recert_months": ""})
    assert toast_text(result[-1]) == "Requirement saved. Open assignments follow the new rule."
    browser.call(RequirementPeopleState, "refresh")
    assert detail.due == "45 days after being assigned" and detail.recertification == "Once"


def test_a_requirement_out_of_reach_reads_not_found(course, session, actor_of):
    req = requirements.create_requirement(session, actor_of(ADMIN), RequirementSpec(course_id=course.id, audience="everyone"))
    session.commit()
    _, state = open_detail(session, MAYA, f"/teams/requirements/{req.id}")
    assert not state.found and state.message == "That requirement does not exist."
    _, state = open_detail(session, ADMIN, "/admin/requirements/999999")
    assert not state.found and state.message == "That requirement does not exist."
