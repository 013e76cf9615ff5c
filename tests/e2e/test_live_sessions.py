"""A live session in a real browser: Leo takes the only seat, Amara (on a phone) joins the
waiting list, the calendar file downloads; once the session has started Irene marks Leo as
attended on the attendance page, and Leo's player shows the lesson done."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User, utcnow
from lms_app.services import courses, enrollment
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, shot, sign_in

pytestmark = [pytest.mark.e2e]


def _content(starts) -> dict:
    return {"starts_at": starts.isoformat(), "duration_minutes": 90, "location": "Store 12, back room",
            "join_url": "https://meet.example.com/lifting-clinic", "capacity": 1}


@pytest.fixture
def course(lms_server):
    """A published course with a text lesson and a live session with one seat in a month; Leo
    and Amara enrolled."""
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User)).all()}
        irene = actor_for(s, people["irene@example.com"], "127.0.0.1")
        c = courses.create_course(s, irene, f"Lifting clinic {time.time_ns()}", summary="Practise with a coach.")
        m = courses.add_module(s, irene, c.id, "Practice")
        courses.add_lesson(s, irene, m.id, "Before you come", "text", {"markdown": "Wear safety shoes."}, required=False)
        live = courses.add_lesson(s, irene, m.id, "Coached lifting session", "live_session", _content(utcnow() + timedelta(days=30)))
        courses.update_course(s, irene, c.id, self_enrollment=True)
        courses.set_visibility(s, irene, c.id, "published")
        for email in ("leo@example.com", "amara@example.com"):
            enrollment.self_enroll(s, actor_for(s, people[email], "127.0.0.1"), c.id)
        s.flush()
        return {"id": c.id, "live": live.id, "irene": irene}


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_sign_up_waiting_list_attendance(new_context, lms_server, course):
    lesson_path = f"/learn/courses/{course['id']}/{course['live']}"

    # Leo takes the only seat.
    leo = new_context(DESKTOP).new_page()
    sign_in(leo, "leo@example.com")
    leo.goto(lesson_path)
    card = leo.locator("#live-session")
    expect(card).to_contain_text("Store 12, back room")
    expect(card).to_contain_text("Europe/Paris")
    expect(leo.locator("#seat-count")).to_have_text("1 of 1 seat left")
    expect(leo.locator("#attendance-note")).to_have_text("Attendance is recorded by the instructor.")
    leo.locator("#sign-up").click()
    expect(leo.locator("#seat-status")).to_have_text("Your place is booked")
    expect(leo.locator("#seat-count")).to_have_text("Full (1 seat)")
    expect(leo.locator("#cancel-seat")).to_be_visible()
    href = leo.locator("#add-to-calendar").get_attribute("href")
    assert href == f"/calendar/lessons/{course['live']}.ics"
    ics = leo.request.get(href)
    assert ics.status == 200 and ics.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:" in ics.text() and "Coached lifting session" in ics.text()
    shot(leo, "live-session-desktop-booked")
    assert _overflow(leo) <= 1

    # Amara, on a phone, finds it full and joins the waiting list.
    amara = new_context(PHONE).new_page()
    sign_in(amara, "amara@example.com")
    amara.goto(lesson_path)
    expect(amara.locator("#sign-up")).to_have_text("Join the waiting list")
    amara.locator("#sign-up").click()
    expect(amara.locator("#seat-status")).to_have_text("Waiting list: you are number 1")
    expect(amara.locator("#cancel-seat")).to_have_text("Leave the waiting list")
    shot(amara, "live-session-phone-waiting")
    assert _overflow(amara) <= 1

    # The session starts; Irene marks Leo as attended.
    with lms_server.db() as s:
        courses.update_lesson(s, course["irene"], course["live"], content=_content(utcnow() - timedelta(minutes=5)))
    irene = new_context(DESKTOP).new_page()
    sign_in(irene, "irene@example.com")
    irene.goto(f"/teach/courses/{course['id']}/sessions/{course['live']}")
    booked = irene.locator("#booked-list")
    expect(booked).to_contain_text("Leo Learner")
    expect(irene.locator("#waiting-list")).to_contain_text("Amara Okafor")
    row = booked.locator(".lms-attendee", has_text="Leo Learner")
    expect(row).to_have_attribute("data-attendance", "absent")
    row.get_by_role("radio", name="Attended").click()
    expect(row).to_have_attribute("data-attendance", "attended")
    expect(irene.get_by_text("Leo Learner attended: the lesson is done for them.")).to_be_visible()
    shot(irene, "live-session-attendance-desktop")
    assert _overflow(irene) <= 1

    phone = new_context(PHONE).new_page()
    sign_in(phone, "irene@example.com")
    phone.goto(f"/teach/courses/{course['id']}/sessions/{course['live']}")
    expect(phone.locator("#booked-list")).to_contain_text("Leo Learner")
    shot(phone, "live-session-attendance-phone")
    assert _overflow(phone) <= 1

    # Leo's player shows the lesson done; sign-up has closed.
    leo.reload()
    expect(leo.locator("#lesson-done")).to_be_visible()
    expect(leo.locator("#seat-status")).to_have_text("Your place is booked")
    expect(leo.locator("#cancel-seat")).to_have_count(0)
    shot(leo, "live-session-desktop-done")
