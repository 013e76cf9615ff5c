"""Course announcements in a real browser: Irene posts one with a live preview and emails it to
the course's learners; the email arrives; Leo sees the unread badge on My learning, opens the
announcements and the badge is gone. Both pages on a desktop and on a phone, nothing wider
than the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from lms_app.models import User
from lms_app.services import courses, enrollment
from lms_app.services.permissions import actor_for

from .conftest import DESKTOP, PHONE, body_text, shot, sign_in, wait_until_live

pytestmark = [pytest.mark.e2e]

COURSE = "Cold storage safety"
TITLE = "Freezer drill moved to Thursday"
BODY = "The drill is now on **Thursday at 9:00**.\n\n- Bring gloves\n- Meet at dock 3"


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture(scope="module")
def course_id(lms_server) -> int:
    """A published course taught by Irene, Leo enrolled."""
    with lms_server.db() as s:
        people = {u.email: u for u in s.exec(select(User).where(User.email.in_(["irene@example.com", "leo@example.com"]))).all()}
        irene, leo = actor_for(s, people["irene@example.com"]), actor_for(s, people["leo@example.com"])
        course = courses.create_course(s, irene, COURSE, category="Safety", summary="Work safely in the walk-in freezers.")
        module = courses.add_module(s, irene, course.id, "Basics")
        courses.add_lesson(s, irene, module.id, "Dress for the cold", "text", {"markdown": "Layers, gloves, hat."})
        courses.update_course(s, irene, course.id, self_enrollment=True)
        courses.set_visibility(s, irene, course.id, "published")
        enrollment.self_enroll(s, leo, course.id)
        s.flush()
        return course.id


def test_irene_posts_with_email_and_leo_reads_it(new_context, lms_server, mailbox, course_id):
    staff_url = f"/teach/courses/{course_id}/announcements"
    irene = new_context(DESKTOP).new_page()
    sign_in(irene, "irene@example.com")
    irene.goto(staff_url)
    wait_until_live(irene)
    expect(irene.get_by_text("Nothing posted yet")).to_be_visible()
    irene.locator("#announcement-title").fill(TITLE)
    irene.locator("#announcement-body").fill(BODY)
    expect(irene.locator("#announcement-preview strong")).to_have_text("Thursday at 9:00")
    expect(irene.get_by_text("Also email the 1 enrolled learner")).to_be_visible()
    irene.locator("#announcement-email").click()
    shot(irene, "announcements-staff-draft-desktop")
    irene.locator("#announcement-post").click()
    card = irene.locator(".lms-announcement")
    expect(card).to_have_count(1)
    expect(card.get_by_text(TITLE)).to_be_visible()
    expect(card.get_by_text("Emailed")).to_be_visible()
    expect(irene.locator("#announcement-title")).to_have_value("")
    shot(irene, "announcements-staff-desktop")
    assert _overflow(irene) <= 1

    # The email, through the outbox.
    message = mailbox.wait_for("leo@example.com", TITLE)
    assert str(message["Subject"]) == f"{COURSE}: {TITLE}"
    assert f"{lms_server.base_url}/learn/courses/{course_id}/announcements" in body_text(message)

    # Leo: the unread badge on My learning, the announcement marked new, then read.
    leo = new_context(DESKTOP).new_page()
    sign_in(leo, "leo@example.com")
    unread = leo.locator(".lms-in-progress .lms-unread-announcements")
    expect(unread).to_have_text("1 new announcement")
    expect(leo.locator("#latest-announcements").get_by_text(TITLE)).to_be_visible()
    shot(leo, "announcements-my-learning-desktop")
    unread.click()
    leo.wait_for_url(re.compile(rf"/learn/courses/{course_id}/announcements$"))
    expect(leo.locator(".lms-announcement").get_by_text(TITLE)).to_be_visible()
    expect(leo.locator(".lms-new-badge")).to_have_count(1)
    expect(leo.locator(".lms-announcement li")).to_have_count(2)
    shot(leo, "announcements-learner-desktop")
    assert _overflow(leo) <= 1

    leo.get_by_role("link", name="My learning").first.click()
    expect(leo.locator("#landing-title")).to_be_visible()
    expect(leo.locator("#latest-announcements").get_by_text(TITLE)).to_be_visible()
    expect(leo.locator(".lms-unread-announcements")).to_have_count(0)

    # Both pages on a phone.
    for email, path, name in (("irene@example.com", staff_url, "announcements-staff-phone"),
                              ("leo@example.com", f"/learn/courses/{course_id}/announcements", "announcements-learner-phone")):
        phone = new_context(PHONE).new_page()
        sign_in(phone, email)
        phone.goto(path)
        expect(phone.locator(".lms-announcement").get_by_text(TITLE)).to_be_visible()
        shot(phone, name)
        assert _overflow(phone) <= 1
