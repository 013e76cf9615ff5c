"""My teams, live, in a real browser: Maya (manager of Sales) watches a course's completion on
her dashboard while Leo (a learner in Sales) finishes its one lesson in another browser; the
figure moves without a reload. The course's table exports to CSV with the rows on screen; the
people table leads to Leo's record and is searched and sorted on the server; a phone shows the
page without sideways scrolling. With
the scale-out app, the same with Maya's and Leo's page connections on different workers."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User
from lms_app.services import courses, enrollment
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in
from .test_scale import ATTEMPTS, _socket_holder

pytestmark = [pytest.mark.e2e]

LIVE_TIMEOUT = 20_000
# Longer than a screen: the lesson is read once its end is scrolled into view, not on arrival.
LONG_TEXT = "\n\n".join(f"Paragraph {i}: keep the exits clear and the aisles tidy." for i in range(1, 41))


@pytest.fixture
def course(lms_server):
    """A published one-lesson course, Leo enrolled, not started."""
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        leo = actor_for(s, people["leo@example.com"], "127.0.0.1")
        c = courses.create_course(s, irene, f"Team check {time.time_ns() % 1_000_000}", summary="One short lesson.")
        module = courses.add_module(s, irene, c.id, "Only module")
        lesson = courses.add_lesson(s, irene, module.id, "Clear exits", "text", {"markdown": "## Keep the exits clear\n\n" + LONG_TEXT})
        courses.update_course(s, irene, c.id, self_enrollment=True)
        courses.set_visibility(s, irene, c.id, "published")
        enrollment.self_enroll(s, leo, c.id)
        s.flush()
        return {"id": c.id, "title": c.title, "lesson": lesson.id, "leo": people["leo@example.com"].id}


def _open_dashboard_on(page, title: str) -> None:
    """Maya's dashboard, filtered on the course, showing nobody has completed it yet."""
    expect(page.locator("#landing-title")).to_have_text("My teams")
    page.locator("#team-course").click()
    page.get_by_role("option", name=title).click()
    expect(page.locator("#figure-completion")).to_contain_text("0%")
    expect(page.locator("#figure-completion")).to_contain_text("0 of 1 enrollment completed")
    page.evaluate("window.__marker = 'still here'")


def _open_the_lesson(page, course: dict) -> None:
    page.goto(f"/learn/courses/{course['id']}/{course['lesson']}")
    expect(page.locator("#lesson-title")).to_have_text("Clear exits")


def _finish_the_lesson(page) -> None:
    page.locator("#lms-lesson-end").scroll_into_view_if_needed()
    expect(page.locator("#lesson-done")).to_be_visible()


def _assert_moved_live(page) -> None:
    expect(page.locator("#figure-completion")).to_contain_text("100%", timeout=LIVE_TIMEOUT)
    expect(page.locator("#figure-completion")).to_contain_text("1 of 1 enrollment completed")
    assert page.evaluate("window.__marker") == "still here", "the dashboard reloaded instead of updating"


def _course_table_rows(page) -> list[list[str]]:
    table = page.locator("#chart-team-courses").locator("xpath=..").locator("table tbody tr")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in table.all()]


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_a_learner_s_lesson_moves_the_manager_s_dashboard_live(new_context, course):
    manager = new_context(DESKTOP).new_page()
    sign_in(manager, "maya@example.com")
    _open_dashboard_on(manager, course["title"])

    learner = new_context(DESKTOP).new_page()
    sign_in(learner, "leo@example.com")
    _open_the_lesson(learner, course)
    _finish_the_lesson(learner)

    _assert_moved_live(manager)
    rows = _course_table_rows(manager)
    assert rows[0][:4] == [course["title"], "1", "1", "100%"]
    expect(manager.locator("#team-people")).to_contain_text("Leo Learner")
    shot(manager, "teams-live-desktop")


    # The course's table as CSV: the rows on screen.
    with manager.expect_download() as download:
        manager.get_by_role("button", name="Export Completion by course as CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    exported = list(csv.reader(io.StringIO(text)))
    assert exported[0] == ["Course", "People", "Completed", "Completion rate", "Average score", "Time spent"]
    assert exported[1:] == rows

    # The people table leads to Leo's record: the course, completed, and what he just did.
    manager.locator("#team-people").get_by_role("link", name="Leo Learner").click()
    manager.wait_for_url(re.compile(rf"/teams/people/{course['leo']}/?$"))
    expect(manager.locator("#person-name")).to_have_text("Leo Learner")
    expect(manager.locator("#person-courses")).to_contain_text(course["title"])
    expect(manager.locator("#person-events")).to_contain_text(f"Completed the course {course['title']}")
    shot(manager, "teams-person-desktop")

    # Back on the dashboard, the people table is searched on the server over the whole team and
    # sorted by a header.
    manager.go_back()
    manager.locator("#team-course").click()
    manager.get_by_role("option", name="All courses").click()
    expect(manager.locator("#team-people-range")).to_have_text(re.compile(r"^1–\d+ of (\d+)$"))
    search = manager.get_by_placeholder("Search people")
    search.fill("leo@")
    expect(manager.locator("#team-people tbody tr")).to_have_count(1)
    expect(manager.locator("#team-people-range")).to_have_text("1–1 of 1")
    search.fill("")
    expect(manager.locator("#team-people tbody tr")).not_to_have_count(1)
    sort = manager.get_by_role("button", name="Sort by completion")
    header = manager.locator("#team-people th").filter(has=sort)
    sort.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    sort.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    rates = [-1 if t.strip() == "—" else int(t.strip().rstrip("%")) for t in manager.locator("#team-people tbody tr td:nth-child(5)").all_inner_texts()]
    assert rates == sorted(rates, reverse=True) and rates[0] >= 0, rates
    shot(manager, "teams-people-desktop")


def test_the_dashboard_on_a_phone_and_a_record_outside_the_team(new_context, lms_server, course):
    page = new_context(PHONE).new_page()
    sign_in(page, "maya@example.com")
    expect(page.locator("#figure-people")).to_contain_text(re.compile(r"\d"))
    expect(page.locator("#team-people")).to_contain_text("Leo Learner")
    for chart in ("#chart-team-courses", "#chart-team-activity"):  # drawn, not blank
        expect(page.locator(f"{chart} .main-svg").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "teams-phone")
    assert _overflow(page) <= 1, f"/teams is {_overflow(page)} px wider than a phone"
    with lms_server.db() as s:
        oscar = s.exec(select(User).where(User.email == "oscar@example.com")).one()
    page.goto(f"/teams/people/{oscar.id}")
    expect(page.locator("#person-missing")).to_have_text("This person is not in your team.")
    expect(page.locator("#person-name")).to_have_count(0)
    page.goto(f"/teams/people/{course['leo']}")
    expect(page.locator("#person-name")).to_have_text("Leo Learner")
    page.wait_for_load_state("networkidle")
    shot(page, "teams-person-phone")
    assert _overflow(page) <= 1


@pytest.mark.scale
def test_live_across_workers(new_context, lms_server, course):
    if not lms_server.scale:
        pytest.skip("needs the scale-out app (LMS_E2E_SCALE=1: PostgreSQL, Redis, two workers)")
    manager_context = new_context(DESKTOP)
    manager = manager_context.new_page()
    sign_in(manager, "maya@example.com")
    _open_dashboard_on(manager, course["title"])
    manager_worker = _socket_holder(lms_server.base_url, manager_context)

    # A fresh browser for Leo until his lesson's page connection sits on the other worker.
    for _ in range(ATTEMPTS // 3):
        learner_context = new_context(DESKTOP)
        learner = learner_context.new_page()
        sign_in(learner, "leo@example.com")
        _open_the_lesson(learner, course)
        if _socket_holder(lms_server.base_url, learner_context) != manager_worker:
            break
        learner_context.close()
    else:
        raise AssertionError(f"every learner connection reached worker {manager_worker}")

    _finish_the_lesson(learner)
    assert _socket_holder(lms_server.base_url, learner_context) != manager_worker
    _assert_moved_live(manager)
