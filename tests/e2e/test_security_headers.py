"""Security headers in a real browser: every page a learner, an instructor and an admin open is
served with the Content-Security-Policy, the browser reports no violation of it (on the
prerendered pages, after a reload, in the SCORM player's frame, in a PDF shown in the page, in
the admin's charts), and the pages still work: clicks go through the WebSocket and come back."""

from __future__ import annotations

import io
import re
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app import settings
from lms_app.models import User
from lms_app.services import courses, files, scorm
from lms_app.services.permissions import actor_for
from tests import scorm_packages as packages
from tests.state.course_world import add_quiz, build_course

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.scale]

PDF = (b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


class Watched:
    """What the browser said about a page: CSP violations and script errors from the console
    (every frame's), and each document it loaded with its policy."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.documents: list[tuple[str, int, str | None]] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(message.text)

    def _response(self, response) -> None:
        # A PDF shown in a frame reaches Playwright as the browser's own viewer document, with
        # the viewer's policy: the file route's headers are checked in the API tests.
        html = response.headers.get("content-type", "").startswith("text/html")
        if response.request.resource_type == "document" and response.url.startswith(self.base_url) and (html or response.status == 304):
            self.documents.append((response.url, response.status, response.headers.get("content-security-policy")))

    def assert_clean(self) -> None:
        assert not self.violations, "\n".join(self.violations)
        assert not self.errors, "\n".join(self.errors)
        assert self.documents
        for url, status, policy in self.documents:
            if status == 304:
                continue
            assert policy, f"{url} came without a Content-Security-Policy"
            assert "frame-ancestors 'self'" in policy, (url, policy)
            script_src = re.search(r"script-src([^;]*)", policy)
            assert script_src, (url, policy)
            assert "'unsafe-inline'" not in script_src.group(1) or "/scorm/content/" in url, (url, policy)
            assert not re.search(r"https?://(?!127\.0\.0\.1)", policy), (url, policy)


@pytest.fixture
def world(lms_server, tmp_path, monkeypatch) -> dict:
    """Leo's course: text lessons, a PDF, a quiz and a SCORM package."""
    monkeypatch.setattr(settings, "PRIVATE_DIR", lms_server.data_dir / "private")  # stored where the app reads
    with lms_server.db() as s:
        people = {u.email: actor_for(s, u) for u in s.exec(select(User).where(User.email.in_(["irene@example.com", "leo@example.com"]))).all()}
        irene = people["irene@example.com"]
        ids = build_course(s, irene, people["leo@example.com"])
        quiz = add_quiz(s, irene, ids["course"], ids["module"], required=False)
        handout = courses.add_lesson(s, irene, ids["module"], "Handout", "file", required=False)
        files.store_lesson_file(s, irene, handout.id, io.BytesIO(PDF), "handout.pdf")
        sco = courses.add_lesson(s, irene, ids["module"], "Drill", "scorm", required=False)
        scorm.import_package(s, irene, sco.id, packages.save(packages.scorm12_single_sco(), tmp_path), "drill.zip")
        return {**ids, "quiz": quiz["quiz"], "handout": handout.id, "sco": sco.id}


def test_learner_pages_keep_the_policy_and_work(new_context, lms_server, world):
    page = new_context(DESKTOP).new_page()
    watched = Watched(page, lms_server.base_url)
    sign_in(page, "leo@example.com")
    course = f"/learn/courses/{world['course']}"

    page.goto(f"{course}/{world['lesson']}")
    expect(page.locator("#player-outline")).to_be_visible()
    expect(page.get_by_text("Backs are precious.")).to_be_visible()
    page.reload()  # the browser revalidates its cached copy: the page's policy must survive that
    expect(page.get_by_text("Backs are precious.")).to_be_visible()

    page.goto(f"{course}/{world['quiz']}")
    page.locator("#quiz-start").click()  # a round trip through the WebSocket
    expect(page.locator(".lms-quiz-question")).to_have_count(2)

    page.goto(f"{course}/{world['handout']}")
    expect(page.locator("#lesson-pdf")).to_be_visible()
    expect(page.frame_locator("#lesson-pdf").locator("embed, body").first).to_be_attached()
    page.wait_for_timeout(1000)  # the PDF viewer starts inside the frame
    shot(page, "security-headers-pdf")

    page.goto(f"{course}/{world['sco']}")
    page.locator("#scorm-launch").click()
    sco = page.frame_locator("#scorm-frame")
    expect(sco.locator("#status")).to_have_text("Started")  # its inline script ran and found the API
    sco.locator("#next").click()
    expect(sco.locator("#page")).to_have_text("Page 2 of 2")
    shot(page, "security-headers-scorm")
    watched.assert_clean()
    assert any("/scorm/content/" in url for url, _, _ in watched.documents)

    phone = new_context(PHONE).new_page()
    on_phone = Watched(phone, lms_server.base_url)
    sign_in(phone, "leo@example.com")
    phone.goto(f"{course}/{world['lesson']}")
    expect(phone.get_by_text("Backs are precious.")).to_be_visible()
    on_phone.assert_clean()


def test_instructor_and_admin_pages_keep_the_policy_and_work(new_context, lms_server, world):
    teacher = new_context(DESKTOP).new_page()
    watched = Watched(teacher, lms_server.base_url)
    sign_in(teacher, "irene@example.com")
    teacher.goto(f"/teach/courses/{world['course']}/gradebook")
    expect(teacher.get_by_text("Leo Learner").first).to_be_visible()
    teacher.goto(f"/teach/courses/{world['course']}")
    teacher.locator(".lms-lesson-title", has_text="Posture").click()  # opens the lesson's editor through the WebSocket
    expect(teacher.get_by_text("Bend your knees.").first).to_be_visible()
    watched.assert_clean()

    admin = new_context(DESKTOP).new_page()
    watched = Watched(admin, lms_server.base_url)
    sign_in(admin, "admin@example.com")
    admin.goto("/admin")
    admin.locator("#overview-range").click()
    admin.get_by_role("option", name="Last 90 days").click()
    expect(admin.locator(".js-plotly-plot").first).to_be_visible()  # the charts draw under the policy
    admin.goto("/admin/users")
    table = admin.locator("#people-table")
    expect(table).to_contain_text("Leo Learner")
    admin.locator("#people-search").fill("irene")
    expect(table).not_to_contain_text("Leo Learner")
    expect(table).to_contain_text("Irene Instructor")
    shot(admin, "security-headers-admin-users")
    time.sleep(0.5)  # a late violation report still reaches the console
    watched.assert_clean()
