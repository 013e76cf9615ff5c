"""GET /calendar/lessons/{id}.ics: the sign-in cookie, the same checks as the player, and an
iCalendar file a calendar app accepts."""

from __future__ import annotations

import pytest

from lms_app import db
from lms_app.services import courses, enrollment
from tests.api.http import refused, signed_in

IRENE, LEO, AMARA = "irene@example.com", "leo@example.com", "amara@example.com"


@pytest.fixture
def world(demo, actor_of):
    irene = actor_of(IRENE)
    with db.session_scope() as s:
        c = courses.create_course(s, irene, "Store safety")
        m = courses.add_module(s, irene, c.id, "Basics")
        intro = courses.add_lesson(s, irene, m.id, "Intro", "text", {"markdown": "Hi"})
        live = courses.add_lesson(s, irene, m.id, "Fire drill, live", "live_session",
                                  {"starts_at": "2031-03-03T14:00+01:00", "duration_minutes": 45, "join_url": "https://meet.example.com/drill"})
        courses.update_course(s, irene, c.id, self_enrollment=True)
        courses.set_visibility(s, irene, c.id, "published")
        enrollment.self_enroll(s, actor_of(LEO), c.id)
        return {"intro": intro.id, "live": live.id}


def test_anonymous_gets_401(client, world):
    refused(client.get(f"/calendar/lessons/{world['live']}.ics"), 401, "sign in")


def test_not_enrolled_gets_403_and_missing_404(client, world):
    signed_in(client, AMARA)
    refused(client.get(f"/calendar/lessons/{world['live']}.ics"), 403, "You are not enrolled in this course.")
    refused(client.get("/calendar/lessons/999999.ics"), 404, "does not exist")
    refused(client.get("/calendar/lessons/abc.ics"), 404, "does not exist")


def test_a_lesson_that_is_no_session_gets_404(client, world):
    signed_in(client, LEO)
    refused(client.get(f"/calendar/lessons/{world['intro']}.ics"), 404, "not a live session")


@pytest.mark.parametrize("email", [LEO, IRENE])
def test_the_learner_and_the_staff_get_the_file(client, world, email):
    signed_in(client, email)
    response = client.get(f"/calendar/lessons/{world['live']}.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="fire-drill-live.ics"'
    body = response.content.decode("utf-8")
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20310303T130000Z\r\n" in body and "DTEND:20310303T134500Z\r\n" in body
    assert "SUMMARY:Store safety: Fire drill\\, live\r\n" in body
    assert "URL:https://meet.example.com/drill\r\n" in body
