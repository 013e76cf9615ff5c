"""Privacy in a real browser: a learner downloads the archive of their data from their profile;
an admin anonymizes a departed, deactivated person after reading what will happen."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User
from lms_app.services.passwords import hash_password

from .conftest import DEMO_PASSWORD, DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]


def test_a_learner_downloads_their_data_from_the_profile(new_context, tmp_path):
    phone = new_context(PHONE).new_page()
    sign_in(phone, "leo@example.com")
    phone.goto("/profile")
    button = phone.locator("#download-my-data")
    expect(button).to_be_visible()
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    button.scroll_into_view_if_needed()
    shot(phone, "privacy-profile-phone")
    with phone.expect_download() as download:
        button.click()
    saved = tmp_path / "archive.zip"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("personal-data-leo-learner-")
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert json.loads(archive.read("profile.json"))["email"] == "leo@example.com"
        assert "README.txt" in archive.namelist()


@pytest.fixture
def departed(lms_server):
    """A deactivated person of the demo organization, made for this test."""
    email = f"departed.{time.time_ns()}@example.com"
    with lms_server.db() as s:
        admin = s.exec(select(User).where(User.email == "admin@example.com")).one()
        person = User(org_id=admin.org_id, email=email, name="Dana Departed", password_hash=hash_password(DEMO_PASSWORD), is_active=False)
        s.add(person)
        s.flush()
        return {"id": person.id, "email": email}


def test_an_admin_anonymizes_a_departed_person(new_context, departed):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "admin@example.com")
    page.goto(f"/admin/users/{departed['id']}")
    expect(page.get_by_role("heading", name="Dana Departed")).to_be_visible()
    page.locator("#anonymize-open").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This cannot be undone.")
    expect(dialog).to_contain_text("Their certificates still verify")
    shot(page, "privacy-anonymize-dialog-desktop")
    page.locator("#anonymize-email").fill("someone.else@example.com")
    page.locator("#anonymize-confirm").click()
    expect(page.get_by_text(f"Type {departed['email']} exactly to confirm.")).to_be_visible()
    page.locator("#anonymize-email").fill(departed["email"])
    page.locator("#anonymize-confirm").click()
    expect(page.get_by_role("heading", name="Former user #")).to_be_visible()
    expect(page.get_by_text("Anonymized", exact=True)).to_be_visible()
    expect(page.locator("#anonymize-open")).to_have_count(0)
    shot(page, "privacy-anonymized-person-desktop")

    phone = new_context(PHONE).new_page()
    sign_in(phone, "admin@example.com")
    phone.goto(f"/admin/users/{departed['id']}")
    expect(phone.get_by_role("heading", name="Former user #")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(phone, "privacy-anonymized-person-phone")
