"""Two-factor sign-in in a real browser: an admin sets it up on the two-factor page (the code
computed here from the key the page shows, as an authenticator app does), keeps the recovery
codes, signs out, and signing in again asks for a code after the password; a wrong one is
refused with the reason. Once an admin has enrolled, the other admins are sent to set it up."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect
from sqlmodel import delete

from lms_app.models.two_factor import TwoFactorEnrolment, TwoFactorRecoveryCode
from lms_app.services import users

from .conftest import DEMO_PASSWORD, DESKTOP, PHONE, fill_sign_in, shot, sign_in

pytestmark = [pytest.mark.e2e]

TESS = "tess@example.com"


@pytest.fixture
def second_admin(lms_server):
    """An admin of her own, so the demo admin's sign-in stays as other tests expect it; her
    enrolment is removed afterwards (while it exists, every admin must enrol)."""
    with lms_server.db() as session:
        tess = users.create_admin(session, TESS, "Tess Admin", DEMO_PASSWORD)
        user_id = tess.id
    yield TESS
    with lms_server.db() as session:
        session.exec(delete(TwoFactorRecoveryCode).where(TwoFactorRecoveryCode.user_id == user_id))
        session.exec(delete(TwoFactorEnrolment).where(TwoFactorEnrolment.user_id == user_id))


def test_an_admin_sets_up_two_factor_sign_in_then_signs_in_with_a_code(new_context, second_admin):
    page = new_context(DESKTOP).new_page()
    sign_in(page, second_admin)
    page.goto("/profile")
    page.locator("#manage-two-factor").click()
    page.wait_for_url(lambda url: "/profile/two-factor" in url)
    page.locator("#two-factor-start").click()
    expect(page.locator("#two-factor-qr")).to_be_visible()
    key = page.locator("#two-factor-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(key)
    shot(page, "two-factor-setup")
    page.locator("#two-factor-code").fill("000000" if totp.now() != "000000" else "111111")
    page.locator("#two-factor-confirm").click()
    expect(page.get_by_text("That code is not right", exact=False).first).to_be_visible()
    page.locator("#two-factor-code").fill(totp.now())
    page.locator("#two-factor-confirm").click()
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    recovery = [codes.nth(i).inner_text() for i in range(10)]
    assert len(set(recovery)) == 10
    expect(page.locator("#recovery-codes-left")).to_contain_text("10")
    shot(page, "two-factor-on")

    page.request.post("/auth/logout")
    page.context.clear_cookies()
    fill_sign_in(page, second_admin, DEMO_PASSWORD)
    expect(page.locator("#verify-code")).to_be_visible()
    expect(page.locator("#sign-in")).to_be_hidden()
    wrong = next(code for code in ("000000", "111111") if code not in (totp.now(), totp.at(time.time() + 30), totp.at(time.time() - 30)))
    page.locator("input[name=code]").fill(wrong)
    page.locator("#verify-code").click()
    expect(page.get_by_text("That code is not right", exact=False)).to_be_visible()
    shot(page, "two-factor-code")
    # The next step's code: the server accepts one step either side, and never a code twice.
    page.locator("input[name=code]").fill(totp.at(time.time() + 30))
    page.locator("#verify-code").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator("#landing-title")).to_be_visible()

    # Now that an admin has enrolled, another admin is sent to set it up, whatever page he opens.
    other = new_context(PHONE).new_page()
    fill_sign_in(other, "admin@example.com", DEMO_PASSWORD)
    other.wait_for_url(lambda url: "/profile/two-factor" in url)
    expect(other.locator("#two-factor-required")).to_be_visible()
    other.goto("/admin/users")
    other.wait_for_url(lambda url: "/profile/two-factor" in url)
    expect(other.locator("#two-factor-start")).to_be_visible()
    shot(other, "two-factor-required-phone")
