"""Changing one's email in a real browser: the profile asks for the new address and the
password, the link arrives at the new address (real SMTP), following it changes the email, the
old address is told, and signing in works with the new address only."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import Role, User, UserRole
from lms_app.services.passwords import hash_password

from .conftest import DEMO_PASSWORD, PHONE, fill_sign_in, link_in, shot, sign_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def olga(lms_server):
    tag = time.time_ns() % 100000
    with lms_server.db() as s:
        user = User(org_id=s.exec(select(User.org_id)).first(), email=f"olga.{tag}@example.com", name="Olga Oldmail",
                    password_hash=hash_password(DEMO_PASSWORD))
        s.add(user)
        s.flush()
        s.add(UserRole(user_id=user.id, role_id=s.exec(select(Role.id).where(Role.name == "learner")).one()))
        return {"old": user.email, "new": f"olga.{tag}@example.net"}


def test_a_new_email_is_used_once_confirmed_from_its_mailbox(new_context, lms_server, mailbox, olga):
    page = new_context(PHONE).new_page()
    sign_in(page, olga["old"])
    page.goto("/profile")
    page.locator("#new_email").fill(olga["new"])
    page.locator("#email_password").fill("not my password")
    page.locator("#request-email-change").click()
    expect(page.get_by_text("Your password is not right", exact=False).first).to_be_visible()
    expect(page.locator("#pending-email")).to_have_count(0)
    page.locator("#new_email").fill(olga["new"])
    page.locator("#email_password").fill(DEMO_PASSWORD)
    page.locator("#request-email-change").click()
    expect(page.locator("#pending-email")).to_contain_text(olga["new"])
    shot(page, "email-change-pending")

    link = link_in(mailbox.wait_for(olga["new"], "Confirm your new email"), lms_server.base_url, "/confirm-email/")
    confirm = new_context(PHONE).new_page()
    confirm.goto(link)
    expect(confirm.get_by_text(f"use {olga['new']} instead of {olga['old']}", exact=False)).to_be_visible()
    shot(confirm, "email-change-confirm")
    confirm.locator("#confirm-email").click()
    expect(confirm.get_by_text(f"Your email is now {olga['new']}", exact=False)).to_be_visible()
    notice = mailbox.wait_for(olga["old"], "was changed")
    assert olga["new"] in notice.get_body(("plain",)).get_content()

    fresh = new_context(PHONE).new_page()
    fill_sign_in(fresh, olga["old"], DEMO_PASSWORD)
    expect(fresh.get_by_text("Wrong email or password", exact=False).first).to_be_visible()
    sign_in(fresh, olga["new"])
    # The link works once.
    confirm.goto(link)
    expect(confirm.get_by_text("expired or was already used", exact=False)).to_be_visible()
