"""The LRS in a real browser and over HTTP: an admin creates a client on the LRS clients page
and copies its key and secret; a tool sends a statement with them and reads it back; the
LMS's own statements (a lesson Leo completes) are in the same stream; revoking the client
shuts its key out."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User
from lms_app.services import courses, enrollment, lrs_clients, progress
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]

VERSION = {"X-Experience-API-Version": "2.0.0"}


@pytest.mark.scale
def test_admin_creates_a_client_that_sends_and_reads_statements(new_context, lms_server):
    page = new_context(DESKTOP).new_page()
    sign_in(page, "admin@example.com")
    page.goto("/admin/lrs")
    page.locator("#new-lrs-client").click()
    page.locator("#lrs-name").fill("Authoring tool")
    page.get_by_text("Read every statement").click()
    page.locator("#create-lrs-client").click()
    key, secret = page.locator("#lrs-new-key").inner_text(), page.locator("#lrs-new-secret").inner_text()
    assert len(key) == 32 and len(secret) > 30
    shot(page, "lrs-new-client")
    page.locator("#lrs-done").click()
    expect(page.locator("#lrs-clients tbody tr", has_text="Authoring tool")).to_contain_text("Active")

    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        leo = actor_for(s, people["leo@example.com"], "127.0.0.1")
        course = courses.create_course(s, irene, f"Ladders {time.time_ns() % 100000}")
        module = courses.add_module(s, irene, course.id, "Basics")
        lesson = courses.add_lesson(s, irene, module.id, "Three points of contact", "text", {"markdown": "Hold on."})
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_visibility(s, irene, course.id, "published")
        run = enrollment.self_enroll(s, leo, course.id)
        progress.open_lesson(s, leo, run.id, lesson.id)
        progress.mark_viewed(s, leo, run.id, lesson.id)

    auth = {"Authorization": lrs_clients.basic_header(key, secret), **VERSION}
    statement = {"actor": {"mbox": "mailto:tool-user@example.com", "objectType": "Agent"},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
                 "object": {"id": "http://example.com/activities/ladder-video", "objectType": "Activity"}}
    with httpx.Client(base_url=lms_server.base_url, timeout=30) as http:
        sent = http.post("/xapi/statements", json=statement, headers=auth)
        assert sent.status_code == 200, sent.text
        (statement_id,) = sent.json()
        back = http.get("/xapi/statements", params={"statementId": statement_id}, headers=auth)
        assert back.status_code == 200 and back.json()["verb"]["id"].endswith("/experienced")
        assert back.json()["authority"]["name"] == "Authoring tool"
        lesson_id = f"{lms_server.base_url}/courses/{course.id}/lessons/{lesson.id}"
        found = http.get("/xapi/statements", params={"activity": lesson_id}, headers=auth).json()["statements"]
        assert {s["verb"]["id"].rsplit("/", 1)[-1] for s in found} == {"launched", "completed"}
        assert all(s["actor"]["account"]["name"] == str(leo.user_id) for s in found)

    phone = new_context(PHONE).new_page()
    sign_in(phone, "admin@example.com")
    phone.goto("/admin/lrs")
    row = phone.locator("#lrs-clients tbody tr", has_text="Authoring tool")
    expect(row).to_be_visible()
    shot(phone, "lrs-clients-phone")
    row.get_by_role("button", name="Revoke").click()
    phone.locator("#lrs-revoke-confirm").click()
    expect(row).to_contain_text("Revoked")
    with httpx.Client(base_url=lms_server.base_url, timeout=30) as http:
        assert http.get("/xapi/statements", params={"statementId": statement_id}, headers=auth).status_code == 401


@pytest.mark.scale
def test_content_from_another_origin_reaches_the_lrs_from_the_browser(new_context, lms_server):
    """A package served elsewhere calls the LRS with its key: the browser's preflight is answered
    and the answer is readable there (no cookies are sent or allowed)."""
    with lms_server.db() as s:
        admin = actor_for(s, s.exec(select(User).where(User.email == "admin@example.com")).one(), "127.0.0.1")
        made = lrs_clients.create_client(s, admin, f"Course package {time.time_ns() % 100000}", ["statements/write", "statements/read/mine"])
        auth = lrs_clients.basic_header(made.client.key, made.secret)
    page = new_context(DESKTOP).new_page()  # about:blank: an origin of its own, not the LMS's
    answer = page.evaluate(
        """async ([url, auth]) => {
            const headers = {Authorization: auth, 'X-Experience-API-Version': '2.0.0', 'Content-Type': 'application/json'};
            const statement = {actor: {mbox: 'mailto:reader@example.com'}, verb: {id: 'http://adlnet.gov/expapi/verbs/experienced'},
                               object: {id: 'http://example.com/activities/elsewhere'}};
            const sent = await fetch(url, {method: 'POST', headers, body: JSON.stringify(statement)});
            const read = await fetch(url + '?limit=1', {headers});
            return {sent: sent.status, read: read.status, version: read.headers.get('X-Experience-API-Version'),
                    count: (await read.json()).statements.length};
        }""",
        [f"{lms_server.base_url}/xapi/statements", auth],
    )
    assert answer == {"sent": 200, "read": 200, "version": "2.0.0", "count": 1}
