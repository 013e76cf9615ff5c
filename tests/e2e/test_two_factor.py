"""Two-factor sign-in in a real browser: Priya turns it on (through the enrolment API, with a
code from the secret, as an authenticator app computes it), signs out, and signing in again
asks for a code after the password; a wrong code is refused with the reason, the right one
signs her in. (The enrolment page itself is still to come.)"""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, DESKTOP, fill_sign_in, shot, sign_in

pytestmark = [pytest.mark.e2e]

PRIYA = "priya@example.com"


def test_a_code_is_asked_after_the_password_once_two_factor_is_on(new_context):
    page = new_context(DESKTOP).new_page()
    sign_in(page, PRIYA)
    started = page.request.post("/auth/2fa/enrol/start")
    assert started.status == 200, started.text()
    secret = started.json()["secret"]
    totp = pyotp.TOTP(secret)
    confirmed = page.request.post("/auth/2fa/enrol/confirm", data={"code": totp.now()})
    assert confirmed.status == 200 and len(confirmed.json()["recovery_codes"]) == 10
    page.request.post("/auth/logout")
    page.context.clear_cookies()

    fill_sign_in(page, PRIYA, DEMO_PASSWORD)
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
