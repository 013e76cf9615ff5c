"""Required training end to end, in a real browser: an admin makes a course required of a
department with a due date; a learner of that department finds it first in My learning with
its due date, completes it in the player, downloads the certificate, and the public
verification page says it is valid (on a phone, without signing in)."""

from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta

import pypdf
import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import Role, User, UserRole
from lms_app.services import courses, groups
from lms_app.services.passwords import hash_password
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.services.permissions import actor_for
from lms_app.services.timefmt import day

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def night_shift(lms_server):
    """A department of its own with one new learner, and a published course."""
    tag = time.time_ns() % 100000
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        admin = actor_for(s, people["admin@example.com"], "127.0.0.1")
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        department = groups.create_department(s, admin, f"Night shift {tag}")
        nora = User(org_id=admin.org_id, email=f"nora.{tag}@example.com", name="Nora Nightingale", password_hash=hash_password(DEMO_PASSWORD),
                    timezone="Europe/Paris", department_id=department.id)
        s.add(nora)
        s.flush()
        s.add(UserRole(user_id=nora.id, role_id=s.exec(select(Role.id).where(Role.name == "learner")).one()))
        course = courses.create_course(s, irene, f"Forklift safety {tag}")
        basics = courses.add_module(s, irene, course.id, "Basics")
        courses.add_lesson(s, irene, basics.id, "Before you drive", "text", {"markdown": "Check the forks, the horn and the brakes."})
        courses.set_visibility(s, irene, course.id, "published")
        return {"department": department.name, "course": course.title, "course_id": course.id, "email": nora.email}


def _choose(page, trigger: str, option: str) -> None:
    page.locator(trigger).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_required_course_is_assigned_completed_and_its_certificate_verified(new_context, night_shift):
    due = date.today() + timedelta(days=20)
    admin = new_context(DESKTOP).new_page()
    sign_in(admin, "admin@example.com")
    admin.goto("/admin/requirements")
    admin.locator("#new-requirement").click()
    _choose(admin, "#requirement-course", night_shift["course"])
    _choose(admin, "#requirement-audience", "A department")
    _choose(admin, "#requirement-department", night_shift["department"])
    _choose(admin, "#requirement-due-mode", "On a date")
    admin.locator("#requirement-due-on").fill(due.isoformat())
    admin.locator("#requirement-save").click()
    card = admin.locator("#requirement-list .rt-Card", has_text=night_shift["course"])
    expect(card).to_contain_text(night_shift["department"])
    shot(admin, "required-training-admin")

    # Nora, the department's one member, sees it first in My learning, with its due date.
    nora = new_context(DESKTOP).new_page()
    sign_in(nora, night_shift["email"])
    nora.goto("/learn")
    row = nora.locator("#required-training .lms-required", has_text=night_shift["course"])
    expect(row).to_contain_text(f"Due {day(due)}")
    expect(row).to_contain_text("Not started")
    shot(nora, "required-training-learner")
    row.get_by_role("link").click()
    nora.wait_for_url(re.compile(rf"/learn/courses/{night_shift['course_id']}(/\d+)?$"))
    nora.locator("#lms-lesson-end").scroll_into_view_if_needed()
    expect(nora.locator("#player-outline")).to_contain_text("Course completed")

    nora.goto("/learn")
    expect(nora.locator("#required-training .lms-required", has_text=night_shift["course"])).to_contain_text("Completed on")

    # The certificate: downloaded from My certificates, read back.
    nora.goto("/learn/certificates")
    certificate = nora.locator(".rt-Card", has_text=night_shift["course"])
    expect(certificate.get_by_text("Valid", exact=True)).to_be_visible()
    with nora.expect_download() as download:
        certificate.locator(".certificate-download").click()
    text = pypdf.PdfReader(io.BytesIO(open(download.value.path(), "rb").read())).pages[0].extract_text()
    assert "Nora Nightingale" in text and night_shift["course"] in text

    with_code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", text)
    assert with_code, text
    visitor = new_context(PHONE).new_page()
    visitor.goto(f"/verify/{with_code.group(0)}")
    verification = visitor.locator("#verification")
    expect(verification).to_contain_text("This certificate is valid")
    expect(verification).to_contain_text(night_shift["course"])
    expect(verification).not_to_contain_text("Nora")
    shot(visitor, "required-training-verify-phone")
    visitor.goto("/verify/AAAA-BBBB-CCCC-DDDD")
    expect(visitor.locator("#verification-unknown")).to_contain_text("No certificate has this code")
