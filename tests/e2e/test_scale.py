"""Scale-out: two backend workers over PostgreSQL and Redis (LMS_E2E_SCALE=1).

Each worker names itself in the X-LMS-Worker header of its HTTP responses, and /_lms/worker
tells a caller which worker answered, whether the caller's cookie is signed in there and how
many of the caller's own page connections (WebSockets) that worker holds.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, sign_in, wait_until_live

pytestmark = [pytest.mark.e2e, pytest.mark.scale]

HEADER = "x-lms-worker"
ATTEMPTS = 60  # fresh connections tried to reach the other worker


@pytest.fixture(autouse=True)
def _two_workers(lms_server):
    if not lms_server.scale:
        pytest.skip("needs the scale-out app (LMS_E2E_SCALE=1: PostgreSQL, Redis, two workers)")


def _fresh(base_url: str, method: str, path: str, cookies: dict | None = None, **kwargs) -> httpx.Response:
    # A new client each time: a new TCP connection, which either worker may accept.
    with httpx.Client(base_url=base_url, cookies=cookies, timeout=15) as client:
        return client.request(method, path, **kwargs)


def _ask_both_workers(base_url: str, cookies: dict | None = None) -> dict[str, dict]:
    """/_lms/worker's answer from each worker (fresh connections until both answered)."""
    answers: dict[str, dict] = {}
    for _ in range(ATTEMPTS):
        reply = _fresh(base_url, "GET", "/_lms/worker", cookies=cookies).json()
        answers[reply["worker"]] = reply
        if len(answers) == 2:
            return answers
    raise AssertionError(f"only worker(s) {set(answers)} answered in {ATTEMPTS} connections")


def _session_cookie(context) -> dict:
    return {c["name"]: c["value"] for c in context.cookies() if c["name"] == "lms_session"}


def _socket_holder(base_url: str, context, timeout: float = 20.0) -> str:
    """The worker holding the one live page connection of this browser context."""
    deadline = time.monotonic() + timeout
    while True:
        answers = _ask_both_workers(base_url, _session_cookie(context))
        counts = {worker: a["my_sockets"] for worker, a in answers.items()}
        holders = [worker for worker, n in counts.items() if n == 1]
        if sum(counts.values()) == 1 and len(holders) == 1:
            return holders[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"expected one page connection on one worker, found {counts}")
        time.sleep(0.3)


def test_both_workers_serve_browsers(new_context, lms_server):
    http_workers: set[str] = set()
    socket_workers: set[str] = set()
    for email, landing, heading in (
        ("admin@example.com", "/admin", "Overview"),
        ("maya@example.com", "/teams", "My teams"),
        ("irene@example.com", "/teach", "My courses"),
        ("leo@example.com", "/learn", "Welcome, Leo"),
        ("amara@example.com", "/learn", "Welcome, Amara"),
        ("kofi@example.com", "/learn", "Welcome, Kofi"),
    ):
        context = new_context()
        page = context.new_page()
        page.on("response", lambda r: http_workers.add(r.headers[HEADER]) if HEADER in r.headers else None)
        sign_in(page, email)
        expect(page.locator("#landing-title")).to_have_text(heading)
        # Click around: the profile through the user menu, then back through the navigation.
        page.locator("#user-menu").click()
        page.get_by_role("menuitem", name="Profile and sessions").click()
        page.wait_for_url(re.compile(r"/profile/?$"))
        expect(page.locator("input[name=name]")).to_be_visible()
        page.goto(landing)
        expect(page.locator("#landing-title")).to_have_text(heading)
        socket_workers.add(_socket_holder(lms_server.base_url, context))
    assert len(http_workers) == 2, f"the browsers' requests reached {len(http_workers)} worker(s): {http_workers}"
    assert socket_workers <= http_workers


def test_sign_in_through_one_worker_is_honoured_by_the_other(lms_server):
    base = lms_server.base_url
    login = _fresh(base, "POST", "/auth/login", json={"email": "isaac@example.com", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    first = login.headers[HEADER]
    cookie = {"lms_session": login.cookies["lms_session"]}

    answers = _ask_both_workers(base, cookie)
    assert first in answers
    assert all(a["signed_in"] for a in answers.values()), f"the session opened on {first} is unknown to a worker: {answers}"

    # And a sign-out through one worker ends the session everywhere.
    logout = _fresh(base, "POST", "/auth/logout", cookies=cookie)
    assert logout.status_code == 200
    after = _ask_both_workers(base, cookie)
    assert not any(a["signed_in"] for a in after.values()), f"the signed-out session still works on: {after}"


def test_page_state_follows_the_browser_to_the_other_worker(new_context, lms_server):
    context = new_context()
    page = context.new_page()
    sign_in(page, "maya@example.com")
    search = page.get_by_placeholder("Search people")
    search.fill("Amara")
    rows = page.locator("#team-people tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("amara@example.com")
    first = _socket_holder(lms_server.base_url, context)

    # Each page load opens a new WebSocket; reload until the other worker holds it.
    holder = first
    for _ in range(ATTEMPTS // 3):
        page.reload()
        wait_until_live(page)
        expect(page.locator("#landing-title")).to_have_text("My teams")
        holder = _socket_holder(lms_server.base_url, context)
        if holder != first:
            break
    assert holder != first, f"every reload reached worker {first}"

    # The login session opened through the first worker is honoured by the second, and the
    # search typed on the first is still there (the page's state lives in Redis).
    expect(search).to_have_value("Amara")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("amara@example.com")
    search.fill("")
    expect(rows).not_to_have_count(1)
