"""Notifications: the in-app row, its email through the outbox as the person's preference
allows, dedupe keys (also between concurrent transactions), unsubscribe tokens."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.jobs.handlers import build_message
from lms_app.models import AuditEvent, Job, Notification, NotificationPreference, OutgoingEmail, User
from lms_app.services import audit_log, notifications
from lms_app.services.errors import Invalid, NotFound

LEO, MAYA = "leo@example.com", "maya@example.com"


def _notify(user: User, kind: str = "requirement_due", key: str | None = None, **kwargs):
    with db.session_scope() as s:
        return notifications.notify(s, org_id=user.org_id, user_id=user.id, kind=kind, title=kwargs.pop("title", "Fire safety is due in 3 days"),
                                    body=kwargs.pop("body", "Complete it by 15 Dec 2026."), link=kwargs.pop("link", "/learn"),
                                    dedupe_key=key, **kwargs)


def _emails() -> list[OutgoingEmail]:
    with Session(db.get_engine()) as s:
        return list(s.exec(select(OutgoingEmail).order_by(OutgoingEmail.id)).all())


def _rows(user_id: int) -> list[Notification]:
    with Session(db.get_engine()) as s:
        return list(s.exec(select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)).all())


def _prefer(user: User, kind: str, email: str) -> None:
    with db.session_scope() as s:
        s.add(NotificationPreference(user_id=user.id, kind=kind, email=email))


def test_notify_adds_the_row_and_queues_its_email_with_an_unsubscribe_link(demo):
    leo = demo[LEO]
    created = _notify(leo, key="due:1")
    assert created is not None and created.emailed
    [row] = _rows(leo.id)
    assert (row.kind, row.title, row.link, row.read_at) == ("requirement_due", "Fire safety is due in 3 days", "/learn", None)
    [email] = _emails()
    assert email.to_address == LEO and email.subject == "Fire safety is due in 3 days" and email.org_id == leo.org_id
    assert "Complete it by 15 Dec 2026." in email.body_text
    assert f"{settings.PUBLIC_URL}/learn" in email.body_text
    assert notifications.unsubscribe_url(leo.id, "requirement_due") in email.body_text
    assert notifications.unsubscribe_url(leo.id, "requirement_due").replace("&", "&amp;") in email.body_html
    with Session(db.get_engine()) as s:
        assert s.exec(select(Job).where(Job.kind == "email.send", Job.dedupe_key == f"email:{email.id}")).one()
    # Mail programs' own unsubscribe button (RFC 8058) posts to the same link.
    message = build_message(email)
    assert message["List-Unsubscribe"] == f"<{notifications.unsubscribe_url(leo.id, 'requirement_due')}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_same_dedupe_key_never_notifies_twice(demo):
    leo = demo[LEO]
    assert _notify(leo, key="due:7:3") is not None
    assert _notify(leo, key="due:7:3", title="Another title") is None
    assert len(_rows(leo.id)) == 1 and len(_emails()) == 1
    # Without a key every call is a new notification.
    _notify(leo, kind="external_training_reviewed")
    _notify(leo, kind="external_training_reviewed")
    assert len(_rows(leo.id)) == 3


def test_concurrent_transactions_with_one_dedupe_key_make_one_notification(demo):
    leo = demo[LEO]
    first = Session(db.get_engine())
    assert notifications.notify(first, org_id=leo.org_id, user_id=leo.id, kind="requirement_overdue", title="Overdue",
                                dedupe_key="overdue:1:0") is not None
    results = []

    def second():
        with db.session_scope() as s:
            results.append(notifications.notify(s, org_id=leo.org_id, user_id=leo.id, kind="requirement_overdue",
                                                title="Overdue", dedupe_key="overdue:1:0"))

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive(), "the second transaction waits for the first one's key"
    first.commit()
    first.close()
    thread.join(30)
    assert results == [None]
    assert len(_rows(leo.id)) == 1 and len(_emails()) == 1


def test_an_off_preference_keeps_the_in_app_notice_and_sends_no_email(demo):
    leo = demo[LEO]
    _prefer(leo, "external_training_reviewed", "off")
    created = _notify(leo, kind="external_training_reviewed", title="Your first-aid course was approved")
    assert created is not None and not created.emailed
    assert len(_rows(leo.id)) == 1 and _emails() == []


def test_reduced_compliance_emails_only_the_essential_notices(demo):
    leo = demo[LEO]
    _prefer(leo, "requirement_due", "reduced")
    _prefer(leo, "requirement_assigned", "reduced")
    _notify(leo, key="due:14", title="Due in 14 days", essential=False)
    _notify(leo, key="due:3", title="Due in 3 days", essential=True)
    _notify(leo, kind="requirement_assigned", title="Fire safety assigned to you")  # always essential
    assert [e.subject for e in _emails()] == ["Due in 3 days", "Fire safety assigned to you"]
    assert len(_rows(leo.id)) == 3


def test_a_compliance_notice_is_never_silenced_even_by_a_stored_off(demo):
    leo = demo[LEO]
    _prefer(leo, "requirement_overdue", "off")
    with Session(db.get_engine()) as s:
        assert notifications.email_setting(s, leo.id, "requirement_overdue") == "reduced"
    _notify(leo, kind="requirement_overdue", key="o:0", title="Overdue", essential=True)
    _notify(leo, kind="requirement_overdue", key="o:1", title="Still overdue", essential=False)
    assert [e.subject for e in _emails()] == ["Overdue"]


def test_an_inactive_account_gets_no_email(demo):
    with db.session_scope() as s:
        leo = s.get(User, demo[LEO].id)
        leo.is_active = False
        s.add(leo)
    assert _notify(demo[LEO], kind="requirement_assigned") is not None
    assert _emails() == []


def test_a_link_must_stay_on_this_site(demo):
    for link in ("https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)"):
        with pytest.raises(Invalid):
            _notify(demo[LEO], link=link)
    with pytest.raises(Invalid):
        _notify(demo[LEO], kind="no_such_kind")


def test_set_preference_rules_and_audit(demo, actor_of):
    leo = actor_of(LEO)
    with db.session_scope() as s:
        with pytest.raises(Invalid, match="cannot be turned off"):
            notifications.set_preference(s, leo, "certificate_expiring", "off")
        with pytest.raises(Invalid):
            notifications.set_preference(s, leo, "manager_digest", "reduced")
        with pytest.raises(Invalid):
            notifications.set_preference(s, leo, "manager_digest", "sometimes")
        assert notifications.set_preference(s, leo, "certificate_expiring", "reduced") is True
        assert notifications.set_preference(s, leo, "certificate_expiring", "reduced") is False
        assert notifications.set_preference(s, leo, "manager_digest", "off") is True
    with Session(db.get_engine()) as s:
        shown = {p.kind: p for p in notifications.preferences(s, leo)}
        assert set(shown) == set(notifications.KINDS)
        assert shown["certificate_expiring"].email == "reduced" and shown["certificate_expiring"].choices == ("all", "reduced")
        assert shown["manager_digest"].email == "off" and shown["manager_digest"].choices == ("all", "off")
        assert shown["requirement_due"].email == "all" and shown["requirement_due"].compliance
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "notification.preference_changed").order_by(AuditEvent.seq)).all()
    assert len(events) == 2 and events[0].actor_id == leo.user_id
    assert audit_log.sentence(events[0]) == "Leo Learner chose “Only the essential emails” for emails about “Certificate about to expire”"


def test_unsubscribe_tokens_are_signed_per_person_and_kind(demo, monkeypatch):
    leo, maya = demo[LEO], demo[MAYA]
    token = notifications.unsubscribe_token(leo.id, "manager_digest")
    assert notifications.read_unsubscribe_token(token) == (leo.id, "manager_digest")
    signature = token.rsplit(".", 1)[1]
    forged = [f"{maya.id}.manager_digest.{signature}", f"{leo.id}.requirement_due.{signature}", token[:-1] + ("0" if token[-1] != "0" else "1"),
              "", "abc", f"{leo.id}.manager_digest", f"x.manager_digest.{signature}", f"{leo.id}.nothing.{signature}"]
    for bad in forged:
        with pytest.raises(Invalid):
            notifications.read_unsubscribe_token(bad)
    monkeypatch.setattr(settings, "SECRET_KEY", "another installation's key")
    with pytest.raises(Invalid, match="not valid"):
        notifications.read_unsubscribe_token(token)


def test_unsubscribing_turns_off_or_reduces_and_is_recorded(demo):
    leo = demo[LEO]
    with db.session_scope() as s:
        preview = notifications.unsubscribe_preview(s, notifications.unsubscribe_token(leo.id, "manager_digest"))
        assert preview.changed and preview.email == "all"
        done = notifications.unsubscribe(s, notifications.unsubscribe_token(leo.id, "manager_digest"), ip="203.0.113.9")
        assert (done.email, done.changed) == ("off", True)
        reduced = notifications.unsubscribe(s, notifications.unsubscribe_token(leo.id, "requirement_overdue"))
        assert (reduced.email, reduced.changed) == ("reduced", True) and "not turned off" in reduced.message
        again = notifications.unsubscribe(s, notifications.unsubscribe_token(leo.id, "manager_digest"))
        assert again.changed is False
    with Session(db.get_engine()) as s:
        assert notifications.email_setting(s, leo.id, "manager_digest") == "off"
        assert notifications.email_setting(s, leo.id, "requirement_overdue") == "reduced"
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "notification.preference_changed").order_by(AuditEvent.seq)).first()
    assert event.actor_id is None and event.ip == "203.0.113.9" and event.org_id == leo.org_id
    assert audit_log.sentence(event) == "Leo Learner chose “No email” for emails about “Weekly digest of your team's overdue training” with the unsubscribe link of an email"


def test_the_list_is_newest_first_and_read_marks_are_ones_own(demo, actor_of):
    leo, maya = demo[LEO], demo[MAYA]
    first = _notify(leo, kind="requirement_assigned", title="First")
    _notify(leo, kind="requirement_assigned", title="Second")
    theirs = _notify(maya, kind="manager_digest", title="Maya's digest")
    leo_actor = actor_of(LEO)
    with db.session_scope() as s:
        assert [n.title for n in notifications.list_for(s, leo_actor)] == ["Second", "First"]
        assert notifications.unread_count(s, leo_actor) == 2
        assert notifications.mark_read(s, leo_actor, first.id) == "/learn"
        with pytest.raises(NotFound):
            notifications.mark_read(s, leo_actor, theirs.id)
    with db.session_scope() as s:
        assert notifications.unread_count(s, leo_actor) == 1
        assert [n.read for n in notifications.list_for(s, leo_actor)] == [False, True]
        assert notifications.mark_all_read(s, leo_actor) == 1
    with Session(db.get_engine()) as s:
        assert notifications.unread_count(s, leo_actor) == 0
        assert notifications.unread_count(s, actor_of(MAYA)) == 1
