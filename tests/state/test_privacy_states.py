"""Anonymizing from the admin's person page, as the server runs it for a browser."""

from __future__ import annotations

from sqlmodel import select

from lms_app.models import User
from lms_app.services import users
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.admin_users import AdminUserState
from tests.state.harness import signed_in_browser, toast_text

ADMIN, LEO = "admin@example.com", "leo@example.com"


def test_an_admin_anonymizes_a_deactivated_person_after_typing_their_address(demo, session, actor_of):
    leo = session.exec(select(User).where(User.email == LEO)).one()
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, f"/admin/users/{leo.id}")
    browser.call(AdminUserState, "load")
    state = browser.state(AdminUserState)
    assert not state.anonymized

    # Still active: told what to do first, nothing changes.
    result = browser.call(AdminUserState, "anonymize", {"confirm_email": LEO})
    assert toast_text(result) == "Deactivate Leo Learner first: only a departed, deactivated person can be anonymized."

    users.deactivate_user(session, actor_of(ADMIN), leo.id)
    session.commit()
    browser.call(AdminUserState, "load")
    browser.call(AdminUserState, "set_anonymize_open", True)
    result = browser.call(AdminUserState, "anonymize", {"confirm_email": "leo@example.org"})
    assert toast_text(result) == f"Type {LEO} exactly to confirm." and state.anonymize_open, "the dialog stays open to fix it"

    result = browser.call(AdminUserState, "anonymize", {"confirm_email": LEO})
    assert toast_text(result) == "The account is anonymized: it now reads Former user #1."
    assert (state.name, state.anonymized, state.anonymize_open) == ("Former user #1", True, False)
    assert state.email.endswith("@anonymized.invalid")
