"""The audit trail page: the person filter looks for who did it, whom it was done to, or
either; the export holds what the filters show and is itself recorded."""

from __future__ import annotations

from sqlmodel import select

from lms_app.models import AuditEvent, User
from lms_app.services import users
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.admin_audit import AdminAuditState
from tests.state.harness import download_of, signed_in_browser, toast_text

ADMIN, LEO = "admin@example.com", "leo@example.com"


def test_the_person_filter_finds_who_acted_or_whom_it_concerned(demo, session, actor_of):
    leo = session.exec(select(User).where(User.email == LEO)).one()
    users.update_user(session, actor_of(ADMIN), leo.id, name="Leo Learner", email=LEO, timezone="UTC", locale="en",
                      hire_date=leo.hire_date, department_id=leo.department_id)
    session.commit()
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/audit")
    signed_in_browser(session, LEO, DEMO_PASSWORD)  # Leo signs in: he did it, to himself
    browser.call(AdminAuditState, "load")
    state = browser.state(AdminAuditState)
    browser.call(AdminAuditState, "set_category", "users")
    browser.call(AdminAuditState, "set_person", "leo@")
    assert [r["sentence"] for r in state.rows] == ["Ada Admin changed the time zone of leo@example.com from Europe/Paris to UTC"]

    browser.call(AdminAuditState, "set_person_as", "actor")
    assert state.rows == [] and state.total == 0, "Leo changed nobody's details"
    browser.call(AdminAuditState, "set_category", "signin")
    assert [r["who"] for r in state.rows] == ["Leo Learner"]
    browser.call(AdminAuditState, "set_person_as", "target")
    assert [r["who"] for r in state.rows] == ["Leo Learner"], "his sign-in concerned him too"
    browser.call(AdminAuditState, "set_person", "admin@")
    assert {r["who"] for r in state.rows} == {"Ada Admin"}

    result = browser.call(AdminAuditState, "set_person_as", "everyone")
    assert toast_text(result) == "Choose whom to look for from the list." and state.person_as == "target"

    csv = download_of(browser.call(AdminAuditState, "export"))
    assert "Ada Admin signed in" in csv and "Leo Learner signed in" not in csv
    exported = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.exported")).one()
    assert exported.after["target_text"] == "admin@" and exported.after["category"] == "signin"
