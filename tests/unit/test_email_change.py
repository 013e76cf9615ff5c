"""Changing one's email: asked with the password, confirmed from the new mailbox, the old
address told; links are single-use and expire; nobody takes an address already in use."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from lms_app.models import AuditEvent, EmailChange, OutgoingEmail, User
from lms_app.services import auth, profile
from lms_app.services.errors import Conflict, Invalid
from lms_app.services.seed import DEMO_PASSWORD

LEO = "leo@example.com"
NEW = "leo.new@example.org"


def _link_token(session, to: str) -> str:
    mail = session.exec(select(OutgoingEmail).where(OutgoingEmail.to_address == to).order_by(OutgoingEmail.id.desc())).first()
    assert mail is not None, f"no email to {to}"
    return re.search(r"/confirm-email/(\S+)", mail.body_text).group(1)


def test_the_email_changes_only_when_the_link_to_the_new_address_is_followed(session, demo, actor_of):
    leo = actor_of(LEO)
    assert profile.request_email_change(session, leo, "  Leo.New@Example.org ", DEMO_PASSWORD) == NEW
    session.commit()
    assert session.get(User, leo.user_id).email == LEO  # nothing changed yet
    assert profile.pending_email_change(session, leo) == NEW
    token = _link_token(session, NEW)
    assert profile.email_change_for(session, token) == (LEO, NEW)

    profile.confirm_email_change(session, token, ip="198.51.100.4")
    session.commit()
    assert session.get(User, leo.user_id).email == NEW
    notice = session.exec(select(OutgoingEmail).where(OutgoingEmail.to_address == LEO)).all()[-1]
    assert NEW in notice.body_text and "contact your administrator" in notice.body_text
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.email_changed")).one()
    assert event.before == {"email": LEO} and event.after == {"email": NEW} and event.actor_id == leo.user_id
    # The new address signs in; the old one no longer does.
    assert auth.login(session, NEW, DEMO_PASSWORD).actor.user_id == leo.user_id
    with pytest.raises(Invalid):
        auth.login(session, LEO, DEMO_PASSWORD)
    # The link is spent.
    with pytest.raises(Invalid, match="expired or was already used"):
        profile.confirm_email_change(session, token)


def test_the_request_needs_the_password_and_a_free_valid_new_address(session, demo, actor_of):
    leo = actor_of(LEO)
    with pytest.raises(Invalid, match="password is not right"):
        profile.request_email_change(session, leo, NEW, "wrong password")
    with pytest.raises(Invalid, match="not a valid email"):
        profile.request_email_change(session, leo, "leo at example", DEMO_PASSWORD)
    with pytest.raises(Invalid, match="already your email"):
        profile.request_email_change(session, leo, LEO.upper(), DEMO_PASSWORD)
    with pytest.raises(Conflict, match="already uses"):
        profile.request_email_change(session, leo, "admin@example.com", DEMO_PASSWORD)
    assert session.exec(select(EmailChange)).all() == []


def test_only_the_newest_link_works_and_links_expire(session, demo, actor_of):
    leo = actor_of(LEO)
    profile.request_email_change(session, leo, "first@example.org", DEMO_PASSWORD)
    first = _link_token(session, "first@example.org")
    profile.request_email_change(session, leo, NEW, DEMO_PASSWORD)
    second = _link_token(session, NEW)
    session.commit()
    with pytest.raises(Invalid):
        profile.confirm_email_change(session, first)
    row = session.exec(select(EmailChange).where(EmailChange.new_email == NEW)).one()
    row.expires_at = row.created_at - timedelta(seconds=1)
    session.add(row)
    session.commit()
    with pytest.raises(Invalid, match="expired"):
        profile.confirm_email_change(session, second)
    assert session.get(User, leo.user_id).email == LEO


def test_an_address_taken_meanwhile_is_not_given_twice(session, demo, actor_of):
    leo = actor_of(LEO)
    profile.request_email_change(session, leo, NEW, DEMO_PASSWORD)
    token = _link_token(session, NEW)
    priya = session.exec(select(User).where(User.email == "priya@example.com")).one()
    priya.email = NEW
    session.add(priya)
    session.commit()
    with pytest.raises(Conflict, match="took that email"):
        profile.confirm_email_change(session, token)
    assert session.get(User, leo.user_id).email == LEO
