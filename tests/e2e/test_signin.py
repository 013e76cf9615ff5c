"""Signing in, out and back in, in a real browser: each role's landing page, the guard on admin
pages, wrong passwords and the lock, the HttpOnly cookie, invitations and password resets."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, DESKTOP, PHONE, fill_sign_in, link_in, shot, sign_in, wait_until_live

# The sign-in form's message (the page also holds the two-factor code form, with its own).
SIGN_IN_MESSAGE = "form[data-lms-post='/auth/login'] [data-lms-message]"

pytestmark = [pytest.mark.e2e, pytest.mark.scale]

ROLES = [
    # (role, email, landing path, heading)
    ("admin", "admin@example.com", "/admin", "Overview"),
    ("manager", "maya@example.com", "/teams", "My teams"),
    ("instructor", "irene@example.com", "/teach", "My courses"),
    ("learner", "leo@example.com", "/learn", "Welcome, Leo"),
]
NEW_PASSWORD = "tidal-ferns-and-copper-kettles"


LOGIN_URL = re.compile(r"/login/?(\?.*)?$")


@pytest.mark.parametrize(("role", "email", "landing", "heading"), ROLES, ids=[r[0] for r in ROLES])
def test_each_role_lands_on_its_own_page(new_context, role, email, landing, heading):
    for size_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_context(viewport).new_page()
        sign_in(page, email)
        assert re.search(rf"{landing}/?$", page.url), f"{role} on {size_name} landed on {page.url}"
        expect(page.locator("#landing-title")).to_have_text(heading)
        expect(page.locator("#user-menu")).to_be_visible()
        expect(page.locator("#access-denied")).to_have_count(0)
        page.wait_for_load_state("networkidle")
        shot(page, f"landing-{role}-{size_name}")


@pytest.mark.parametrize("path", ["/admin", "/admin/users"])
def test_learner_sees_access_denied_on_admin_pages(page, path):
    sign_in(page, "leo@example.com")
    page.goto(path)
    expect(page.locator("#access-denied")).to_be_visible()
    expect(page.locator("#access-denied")).to_contain_text("You do not have access to this page")
    page.wait_for_load_state("networkidle")
    content = page.locator("body").inner_text()
    # Nothing of the admin pages: no figures, no other people's accounts, no admin navigation.
    for admin_only in ("Active users", "Failed sign-ins", "Awaiting approval", "admin@example.com", "maya@example.com", "Ada Admin", "Audit trail"):
        assert admin_only not in content, f"{admin_only!r} shown to a learner on {path}"
    expect(page.locator("#landing-title")).to_have_count(0)
    shot(page, f"access-denied{path.replace('/', '-')}")


def test_wrong_password_says_so_on_the_form(page):
    fill_sign_in(page, "ben@example.com", "not-the-password")
    message = page.locator(SIGN_IN_MESSAGE)
    expect(message).to_have_text("Wrong email or password.")
    expect(message).to_be_visible()
    assert LOGIN_URL.search(page.url)
    # The form stays usable: the right password now signs in.
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("#sign-in").click()
    expect(page.locator("#landing-title")).to_have_text("Welcome, Ben")


def test_repeated_wrong_passwords_lock_the_account(page):
    message = page.locator(SIGN_IN_MESSAGE)
    fill_sign_in(page, "sven@example.com", "wrong-guess-0")
    expect(message).to_have_text("Wrong email or password.")
    for attempt in range(1, 5):
        page.locator("input[name=password]").fill(f"wrong-guess-{attempt}")
        page.locator("#sign-in").click()
        # Each answer replaces the last; the button is disabled while one is on its way.
        expect(page.locator("#sign-in")).to_be_enabled(timeout=15_000)
    expect(message).to_have_text("Wrong email or password.")
    # Locked now: even the right password is refused, with the lock explained.
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("#sign-in").click()
    expect(message).to_contain_text("Too many failed sign-ins", timeout=15_000)
    expect(message).to_contain_text("locked")
    shot(page, "sign-in-locked")
    assert LOGIN_URL.search(page.url)


def test_sign_out_ends_the_session_for_good(new_context):
    context = new_context()
    page = context.new_page()
    sign_in(page, "leo@example.com")
    old_cookies = [c for c in context.cookies() if c["name"] == "lms_session"]
    assert len(old_cookies) == 1

    page.locator("#user-menu").click()
    page.locator("#sign-out").click()
    page.wait_for_url(LOGIN_URL)
    assert not [c for c in context.cookies() if c["name"] == "lms_session"], "the cookie is still in the browser after sign-out"

    page.goto("/learn")
    page.wait_for_url(re.compile(r"/login/?\?next=/learn/?$"))
    expect(page.locator("#landing-title")).to_have_count(0)

    # Someone who copied the cookie before the sign-out gets nowhere with it.
    replay = new_context()
    replay.add_cookies(old_cookies)
    stolen = replay.new_page()
    stolen.goto("/learn")
    stolen.wait_for_url(re.compile(r"/login/?\?next=/learn/?$"))
    wait_until_live(stolen)
    expect(stolen.locator("#landing-title")).to_have_count(0)


def test_session_cookie_is_invisible_to_page_scripts(new_context):
    context = new_context()
    page = context.new_page()
    sign_in(page, "leo@example.com")
    cookie = next(c for c in context.cookies() if c["name"] == "lms_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert len(cookie["value"]) >= 32
    script_view = page.evaluate("document.cookie")
    assert "lms_session" not in script_view
    assert cookie["value"] not in script_view
    # Nor does the server hand it to the page some other way (state, storage).
    storage = page.evaluate("JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})")
    assert cookie["value"] not in storage
    assert cookie["value"] not in page.content()


def _invite_through_admin_ui(new_context, email: str, name: str) -> None:
    """An administrator invites a new learner from the Users page."""
    page = new_context().new_page()
    sign_in(page, "admin@example.com")
    page.goto("/admin/users")
    wait_until_live(page)
    page.locator("#invite-open").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[name=email]").fill(email)
    dialog.locator("input[name=name]").fill(name)
    dialog.locator("#invite-send").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text(email).first).to_be_visible()


def test_invited_user_sets_a_password_from_the_email(lms_server, mailbox, new_context):
    email, name = "nora.quinn@example.com", "Nora Quinn"
    _invite_through_admin_ui(new_context, email, name)

    message = mailbox.wait_for(email, "invited")
    link = link_in(message, lms_server.base_url, "/invite/")
    page = new_context(PHONE).new_page()
    page.goto(link)
    expect(page.get_by_text(email)).to_be_visible()
    shot(page, "invitation-form-phone")
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.locator("#accept-invitation").click()
    page.wait_for_url(re.compile(r"/learn/?$"))
    expect(page.locator("#landing-title")).to_have_text("Welcome, Nora")

    # The link worked once; the password works from now on.
    other = new_context().new_page()
    other.goto(link)
    expect(other.get_by_text("expired or was already used")).to_be_visible()
    expect(other.locator("#accept-invitation")).to_have_count(0)
    sign_in(other, email, NEW_PASSWORD)
    expect(other.locator("#landing-title")).to_have_text("Welcome, Nora")


def test_password_reset_link_works_once(lms_server, mailbox, new_context):
    email = "hana@example.com"
    page = new_context().new_page()
    page.goto("/forgot")
    wait_until_live(page)
    page.locator("input[name=email]").fill(email)
    page.locator("#send-reset").click()
    expect(page.locator("[data-lms-message]")).to_contain_text("we have sent it a link")

    link = link_in(mailbox.wait_for(email, "reset"), lms_server.base_url, "/reset/")
    page.goto(link)
    wait_until_live(page)
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.locator("#save-password").click()
    page.wait_for_url(re.compile(r"/login/?\?reset=1$"))
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    # The old password no longer works, the new one does.
    fill_sign_in(page, email, DEMO_PASSWORD)
    expect(page.locator(SIGN_IN_MESSAGE)).to_have_text("Wrong email or password.")
    sign_in(page, email, NEW_PASSWORD)
    expect(page.locator("#landing-title")).to_have_text("Welcome, Hana")

    # Second use of the same link: refused.
    again = new_context().new_page()
    again.goto(link)
    wait_until_live(again)
    again.locator("input[name=password]").fill("another-long-passphrase-42")
    again.locator("input[name=password2]").fill("another-long-passphrase-42")
    again.locator("#save-password").click()
    expect(again.locator("[data-lms-message]")).to_contain_text("expired or was already used")
    sign_in(again, email, NEW_PASSWORD)
