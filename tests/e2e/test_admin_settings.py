"""The Settings page in a real browser: the admin renames the organization (the header follows at
once), sends a test email to the test mail server and reads its answer, and a refused value is
said under its section. The page fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms_app.models import AuditEvent, Organization
from lms_app.services.seed import DEMO_ORG_NAME

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

NEW_NAME = "Northwind Learning Campus"
LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#0a7"/></svg>'


def _rename_back(lms_server) -> None:
    # Other tests find the demo organization's name (and no logo) on every page.
    from sqlmodel import select

    with lms_server.db() as s:
        org = s.exec(select(Organization).order_by(Organization.id)).first()
        org.name, org.logo_path = DEMO_ORG_NAME, None
        s.add(org)


def test_admin_renames_the_organization_and_sends_a_test_email(new_context, lms_server, mailbox):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "admin@example.com")
    try:
        page.goto("/admin/settings")
        expect(page.locator("#org_name")).to_have_value(DEMO_ORG_NAME)
        page.locator("#org_name").fill(NEW_NAME)
        page.locator("#save-organization").click()
        expect(page.locator("#organization-notice")).to_have_text("Organization saved.")
        # The header shows the new name without reloading the page.
        expect(page.get_by_text(NEW_NAME, exact=True).first).to_be_visible()

        # The logo: in the header next to the name, loaded from private storage.
        page.locator("#logo-upload input[type=file]").set_input_files({"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": LOGO})
        expect(page.locator("#organization-notice")).to_have_text("Logo saved.")
        header_logo = page.locator('img[src^="/files/org/logo"]').first
        expect(header_logo).to_be_visible()
        page.wait_for_function("() => [...document.querySelectorAll('img[src^=\"/files/org/logo\"]')].every(i => i.complete && i.naturalWidth > 0)")

        expect(page.locator("#test_to")).to_have_value("admin@example.com")
        page.locator("#send-test-email").click()
        expect(page.locator("#test-email-answer")).to_have_text("Sent. The mail server answered: 250 OK")
        message = mailbox.wait_for("admin@example.com", "Test email from")
        assert message["Subject"] == f"Test email from {NEW_NAME}"

        page.locator("#backup_folder").fill("backups")
        page.locator("#save-backups").click()
        expect(page.locator("#backups-notice")).to_contain_text("must be a full path")
        expect(page.locator("#backup_folder")).to_have_value("backups")
        shot(page, "admin-settings")

        # Another page, after a reload: the name is the saved one.
        page.goto("/admin")
        expect(page.get_by_text(NEW_NAME, exact=True).first).to_be_visible()
        with lms_server.db() as s:
            from sqlmodel import select

            actions = s.exec(select(AuditEvent.action).where(AuditEvent.action.in_(["settings.update", "settings.test_email"]))).all()
        assert "settings.update" in actions and "settings.test_email" in actions
    finally:
        _rename_back(lms_server)


def test_the_settings_page_fits_a_phone(new_context):
    page = new_context(PHONE).new_page()
    sign_in(page, "admin@example.com")
    page.goto("/admin/settings")
    expect(page.locator("#org_name")).to_have_value(DEMO_ORG_NAME)
    expect(page.locator("#save-backups")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(page, "admin-settings-phone")
