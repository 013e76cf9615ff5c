"""The notifications page and the bell's unread count, run in-process as the server runs them."""

from __future__ import annotations

from sqlmodel import Session, select

from lms_app import db
from lms_app.models import Notification
from lms_app.services import notifications
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.notifications import NotificationBellState, NotificationsState
from tests.state.harness import Browser, event_names, redirect_target, signed_in_browser, toast_text

LEO, MAYA = "leo@example.com", "maya@example.com"


def _notify(user, title: str, kind: str = "requirement_due", link: str = "/learn") -> int:
    with db.session_scope() as s:
        return notifications.notify(s, org_id=user.org_id, user_id=user.id, kind=kind, title=title, body="Details here.", link=link).id


def test_signed_out_visitors_go_to_sign_in_and_the_bell_stays_quiet(demo):
    browser = Browser(None, "/notifications")
    assert redirect_target(browser.call(NotificationsState, "load")) == "/login?next=/notifications"
    browser.call(NotificationBellState, "count")
    assert browser.state(NotificationBellState).unread == 0


def test_the_page_lists_newest_first_and_marks_read(demo, session):
    leo, maya = demo[LEO], demo[MAYA]
    first = _notify(leo, "Fire safety assigned", kind="requirement_assigned")
    second = _notify(leo, "Fire safety is due in 3 days")
    theirs = _notify(maya, "Your team's digest", kind="manager_digest", link="/teams")
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/notifications")
    browser.call(NotificationBellState, "count")
    bell = browser.state(NotificationBellState)
    assert (bell.unread, bell.badge, bell.label) == (2, "2", "Notifications, 2 unread")

    browser.call(NotificationsState, "load")
    state = browser.state(NotificationsState)
    assert [i["title"] for i in state.items] == ["Fire safety is due in 3 days", "Fire safety assigned"]
    assert state.items[0]["kind"] == "Required training due soon" and state.items[0]["read"] == "" and state.unread == 2
    assert "Details here." == state.items[0]["body"] and state.items[0]["when"]

    result = browser.call(NotificationsState, "mark_read", str(first))
    assert event_names(result) == ["NotificationBellState.count"]
    assert [i["read"] for i in state.items] == ["", "yes"] and state.unread == 1
    # Someone else's notification, or nonsense, is refused.
    assert toast_text(browser.call(NotificationsState, "mark_read", str(theirs))) == "That notification does not exist."
    assert toast_text(browser.call(NotificationsState, "mark_read", "x")) == "That notification does not exist."

    assert redirect_target(browser.call(NotificationsState, "open_item", str(second))) == "/learn"
    assert state.unread == 0
    with Session(db.get_engine()) as s:
        assert s.get(Notification, theirs).read_at is None


def test_mark_all_read(demo, session):
    leo = demo[LEO]
    for n in range(3):
        _notify(leo, f"Reminder {n}")
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/notifications")
    browser.call(NotificationsState, "load")
    result = browser.call(NotificationsState, "mark_all_read")
    assert toast_text(result) == "3 notifications marked as read."
    assert browser.state(NotificationsState).unread == 0
    with Session(db.get_engine()) as s:
        assert s.exec(select(Notification).where(Notification.read_at.is_(None))).all() == []


def test_email_preferences(demo, session):
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/notifications")
    browser.call(NotificationsState, "load")
    state = browser.state(NotificationsState)
    assert {p["kind"]: p["email"] for p in state.preferences} == {k: "all" for k in notifications.KINDS}
    assert {p["kind"] for p in state.preferences if p["compliance"] == "yes"} == set(notifications.COMPLIANCE_KINDS)

    assert toast_text(browser.call(NotificationsState, "set_email", "requirement_due", "reduced")) == \
        "Saved: only the essential emails for “Required training due soon”."
    assert toast_text(browser.call(NotificationsState, "set_email", "requirement_due", "off")).startswith(
        "Required training notices cannot be turned off")
    assert toast_text(browser.call(NotificationsState, "set_email", "manager_digest", "off")) == \
        "Saved: no email for “Weekly digest of your team's overdue training”."
    assert toast_text(browser.call(NotificationsState, "set_email", "nonsense", "off")).startswith("There is no kind")
    shown = {p["kind"]: p["email"] for p in state.preferences}
    assert shown["requirement_due"] == "reduced" and shown["manager_digest"] == "off"
    with Session(db.get_engine()) as s:
        assert notifications.email_setting(s, demo[LEO].id, "requirement_due") == "reduced"


def test_an_empty_page(demo, session):
    browser = signed_in_browser(session, MAYA, DEMO_PASSWORD, "/notifications")
    browser.call(NotificationsState, "load")
    state = browser.state(NotificationsState)
    assert state.items == [] and state.unread == 0 and len(state.preferences) == len(notifications.KINDS)
