"""/unsubscribe: GET only asks (mail scanners open links), POST applies; forged tokens get a 400
with the reason; compliance notices are reduced, never silenced."""

from __future__ import annotations

from sqlmodel import Session, select

from lms_app import db
from lms_app.models import AuditEvent, User
from lms_app.services import notifications

LEO, MAYA = "leo@example.com", "maya@example.com"


def _user(email: str) -> User:
    with Session(db.get_engine()) as s:
        return s.exec(select(User).where(User.email == email)).one()


def _setting(user_id: int, kind: str) -> str:
    with Session(db.get_engine()) as s:
        return notifications.email_setting(s, user_id, kind)


def test_get_asks_and_changes_nothing_post_applies(client):
    leo = _user(LEO)
    token = notifications.unsubscribe_token(leo.id, "manager_digest")
    page = client.get("/unsubscribe", params={"token": token})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Change your email settings?" in page.text and "Weekly digest of your team&#x27;s overdue training" in page.text
    assert f'name="token" value="{token}"' in page.text and 'method="post"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert _setting(leo.id, "manager_digest") == "all"

    done = client.post("/unsubscribe", data={"token": token})
    assert done.status_code == 200 and "Your email settings are changed" in done.text
    assert "You will no longer get emails about" in done.text
    assert _setting(leo.id, "manager_digest") == "off"
    again = client.get("/unsubscribe", params={"token": token})
    assert again.status_code == 200 and "Nothing to change" in again.text and "<form" not in again.text


def test_a_compliance_notice_is_reduced_not_silenced(client):
    leo = _user(LEO)
    token = notifications.unsubscribe_token(leo.id, "requirement_overdue")
    assert "only the essential emails" in client.get("/unsubscribe", params={"token": token}).text
    done = client.post("/unsubscribe", data={"token": token})
    assert done.status_code == 200 and "can be reduced, not turned off" in done.text
    assert _setting(leo.id, "requirement_overdue") == "reduced"


def test_a_mail_programs_one_click_post_works(client):
    leo = _user(LEO)
    token = notifications.unsubscribe_token(leo.id, "external_training_reviewed")
    response = client.post(f"/unsubscribe?token={token}", content="List-Unsubscribe=One-Click",
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert _setting(leo.id, "external_training_reviewed") == "off"
    with Session(db.get_engine()) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "notification.preference_changed")).one()
    assert event.target_id == str(leo.id) and event.after["via"] == "unsubscribe link"


def test_forged_or_broken_tokens_are_refused_with_a_reason(client):
    leo, maya = _user(LEO), _user(MAYA)
    good = notifications.unsubscribe_token(leo.id, "manager_digest")
    signature = good.rsplit(".", 1)[1]
    forged = [f"{maya.id}.manager_digest.{signature}", f"{leo.id}.external_training_reviewed.{signature}", good[:-2] + "00"]
    for token in forged:
        for response in (client.get("/unsubscribe", params={"token": token}), client.post("/unsubscribe", data={"token": token})):
            assert response.status_code == 400, response.text
            assert "This unsubscribe link is not valid" in response.text and "Traceback" not in response.text
    for response in (client.get("/unsubscribe"), client.post("/unsubscribe"), client.get("/unsubscribe", params={"token": "1.2"})):
        assert response.status_code == 400 and "incomplete" in response.text
    gone = notifications.unsubscribe_token(999999, "manager_digest")
    response = client.post("/unsubscribe", data={"token": gone})
    assert response.status_code == 400 and "no longer exists" in response.text
    assert _setting(leo.id, "manager_digest") == "all" and _setting(maya.id, "manager_digest") == "all"
