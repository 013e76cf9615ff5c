"""Every signed-in page as its user sees it, on a desktop and on a phone: its heading shows, and
nothing is wider than the screen (a phone never scrolls sideways). The profile's selects are
compiled into the page and save what was picked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

PAGES = [
    # (who, path, text that shows once the page's data arrived)
    ("admin@example.com", "/admin", "Active users"),
    ("admin@example.com", "/admin/users", "leo@example.com"),
    ("admin@example.com", "/admin/users/import", "Download a template"),
    ("admin@example.com", "/admin/roles", "instructor"),
    ("admin@example.com", "/admin/groups", "Store leads"),
    ("admin@example.com", "/admin/audit", "signed in"),
    ("maya@example.com", "/teams", "Autumn 2026 onboarding"),
    ("leo@example.com", "/learn", "Where I belong"),
    ("leo@example.com", "/profile", "Where you are signed in"),
]


def _overflow(page) -> int:
    """How many pixels the page is wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize(("size_name", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_pages_fit_the_screen(new_context, size_name, viewport):
    contexts: dict[str, object] = {}
    for email, path, marker in PAGES:
        if email not in contexts:
            contexts[email] = new_context(viewport).new_page()
            sign_in(contexts[email], email)
        page = contexts[email]
        page.goto(path)
        # Some pages hold a table for wide screens and cards for phones: the visible one.
        expect(page.get_by_text(marker, exact=False).locator("visible=true").first).to_be_visible()
        expect(page.locator("#access-denied")).to_have_count(0)
        page.wait_for_load_state("networkidle")
        name = path.strip("/").replace("/", "-") or "home"
        shot(page, f"page-{name}-{size_name}")
        assert _overflow(page) <= 1, f"{path} is {_overflow(page)} px wider than a {size_name} screen"


def test_profile_time_zone_and_language_are_saved(new_context, lms_server):
    page = new_context(PHONE).new_page()
    sign_in(page, "leo@example.com")
    page.goto("/profile")
    zone = page.locator("#profile-timezone")
    expect(zone).to_have_value("Europe/Paris")
    zone.select_option("America/New_York")
    expect(page.locator("#profile-zone-offset")).to_have_text(re.compile(r"^UTC-0[45]:00$"))
    page.locator("#profile-locale").click()
    page.get_by_role("option", name="Deutsch", exact=True).click()
    expect(page.locator("#profile-locale")).to_have_text("Deutsch")
    page.locator("#save-profile").click()
    expect(page.get_by_text("Profile saved")).to_be_visible()
    with lms_server.engine.connect() as conn:
        saved = conn.execute(text("select timezone, locale from app_user where email = 'leo@example.com'")).one()
    assert tuple(saved) == ("America/New_York", "de")
    page.reload()
    expect(page.locator("#profile-timezone")).to_have_value("America/New_York")
    expect(page.locator("#profile-locale")).to_have_text("Deutsch")
    shot(page, "profile-saved-phone")
