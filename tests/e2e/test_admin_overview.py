"""The admin's organization overview in a real browser: the admin opens /admin, picks the last
90 days, every chart with data is drawn with its table, the sign-ins table downloads as CSV
with its rows; desktop and phone screenshots."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import Enrollment, LessonProgress, User, utcnow
from lms_app.services import courses, enrollment
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, fill_sign_in, shot, sign_in

pytestmark = [pytest.mark.e2e]
CHARTS = ("overview-active", "overview-enrollments", "overview-courses", "overview-time", "overview-logins")



@pytest.fixture
def learning(lms_server) -> dict:
    """A course eight learners enrolled in, five finished, each with time on its lesson."""
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"])
        title = f"Forklift basics {time.time_ns() % 100000}"
        course = courses.create_course(s, irene, title)
        module = courses.add_module(s, irene, course.id, "Basics")
        lesson = courses.add_lesson(s, irene, module.id, "Driving", "text", {"markdown": "Hello"})
        courses.set_visibility(s, irene, course.id, "published")
        learners = sorted(e for e in people if e.endswith("@example.com") and e not in (
            "irene@example.com", "isaac@example.com", "maya@example.com", "admin@example.com"))[:8]
        enrollment.enroll_users(s, irene, course.id, [people[e].id for e in learners])
        runs = s.exec(select(Enrollment).where(Enrollment.course_id == course.id).order_by(Enrollment.id)).all()
        now = utcnow()
        for i, run in enumerate(runs):
            if i < 5:
                run.status, run.completed_at = "completed", now - timedelta(minutes=i)
            s.add(LessonProgress(enrollment_id=run.id, lesson_id=lesson.id, status="done" if i < 5 else "in_progress",
                                 seconds_spent=900 * (i + 1), last_seen_at=now))
        return {"title": title}


def test_admin_reads_the_organization_overview(new_context, learning, tmp_path):
    page = new_context(DESKTOP).new_page()
    # A refused sign-in first: it shows among the failed sign-ins.
    fill_sign_in(page, "admin@example.com", "not the password")
    expect(page.get_by_text("Wrong email or password", exact=False).first).to_be_visible()
    sign_in(page, "admin@example.com")
    page.goto("/admin")
    expect(page.locator("#landing-title")).to_have_text("Overview")
    page.locator("#overview-range").click()
    page.get_by_role("option", name="Last 90 days").click()
    expect(page.locator("#overview-period")).to_contain_text("days from midnight")
    for chart in CHARTS:
        expect(page.locator(f"#chart-{chart} .js-plotly-plot")).to_be_visible()
    courses_card = page.locator(".rt-Card", has=page.locator("#chart-overview-courses"))
    expect(courses_card).to_contain_text(learning["title"])
    expect(page.locator(".rt-Card", has=page.locator("#chart-overview-time"))).to_contain_text(" min")
    shot(page, "admin-overview-desktop")

    # The charts follow the colour mode: Plotly's dark template once the page turns dark.
    tick = "#chart-overview-logins .xtick text"
    light = page.locator(tick).first.evaluate("e => getComputedStyle(e).fill")
    page.get_by_role("button", name="Switch light or dark mode").first.click()
    page.wait_for_function("([sel, before]) => getComputedStyle(document.querySelector(sel)).fill !== before", arg=[tick, light])
    dark = page.locator(tick).first.evaluate("e => getComputedStyle(e).fill")
    assert (light, dark) == ("rgb(42, 63, 95)", "rgb(242, 245, 250)")
    shot(page, "admin-overview-dark")
    page.get_by_role("button", name="Switch light or dark mode").first.click()

    with page.expect_download() as download:
        page.get_by_role("button", name="Export Sign-ins as CSV").click()
    path = tmp_path / "sign-ins.csv"
    download.value.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Day,Sign-ins,Failed sign-ins"
    assert len(lines) == 1 + 90  # one row per day of the range, as in the table
    assert sum(int(line.split(",")[2]) for line in lines[1:]) >= 1
    with page.expect_download() as download:
        page.get_by_role("button", name="Export Most and least completed courses as CSV").click()
    download.value.save_as(tmp_path / "courses.csv")
    assert f"{learning['title']},8,5,62.5" in (tmp_path / "courses.csv").read_text(encoding="utf-8-sig")

    # A range before anything happened: each card says what will appear, no empty chart.
    page.locator("#overview-range").click()
    page.get_by_role("option", name="Custom range").click()
    page.locator("#overview-from").fill("2020-01-01")
    page.locator("#overview-to").fill("2020-01-31")
    page.locator("#overview-dates-apply").click()
    expect(page.locator("#overview-period")).to_contain_text("1 Jan 2020 – 31 Jan 2020")
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    expect(page.get_by_text("Successful and failed sign-ins appear here once people sign in during this range.")).to_be_visible()
    shot(page, "admin-overview-empty")

    phone = new_context(PHONE).new_page()
    sign_in(phone, "admin@example.com")
    phone.goto("/admin")
    for chart in CHARTS:
        phone.locator(f"#chart-{chart}").scroll_into_view_if_needed()
        expect(phone.locator(f"#chart-{chart} .js-plotly-plot")).to_be_visible(timeout=60_000)
    shot(phone, "admin-overview-phone")
    # Tables scroll inside their cards: the phone never scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
