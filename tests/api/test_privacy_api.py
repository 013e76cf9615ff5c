"""GET /privacy/export (one's own archive) and /privacy/export/{user_id} (anyone's, for those
who manage users): the sign-in cookie, refusals with a reason, the ZIP as an attachment."""

from __future__ import annotations

import io
import json
import zipfile

from sqlmodel import Session, select

from lms_app import db
from lms_app.models import AuditEvent, User
from tests.api.http import refused, signed_in

LEO, MAYA, ADMIN = "leo@example.com", "maya@example.com", "admin@example.com"


def user_id(email: str) -> int:
    with Session(db.get_engine()) as s:
        return s.exec(select(User.id).where(User.email == email)).one()


def exports() -> list[tuple[int | None, str]]:
    with Session(db.get_engine()) as s:
        return [(e.actor_id, e.target_label) for e in s.exec(select(AuditEvent).where(AuditEvent.action == "privacy.exported"))]


def test_a_learner_downloads_their_own_archive(client):
    response = signed_in(client, LEO).get("/privacy/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="personal-data-leo-learner-') and disposition.endswith('.zip"')
    assert "no-store" in response.headers["cache-control"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("profile.json"))["email"] == LEO
        assert "manifest.json" in archive.namelist()
    assert exports() == [(user_id(LEO), LEO)], "the download is in the audit trail, committed"


def test_signed_out_and_other_people_are_refused_with_a_reason(client):
    refused(client.get("/privacy/export"), 401, "sign in")
    signed_in(client, MAYA)
    refused(client.get(f"/privacy/export/{user_id(LEO)}"), 403, "your own data")
    assert exports() == []


def test_a_user_manager_downloads_anyones_archive(client):
    signed_in(client, ADMIN)
    response = client.get(f"/privacy/export/{user_id(LEO)}")
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("profile.json"))["email"] == LEO
    assert exports() == [(user_id(ADMIN), LEO)]
    refused(client.get("/privacy/export/999999"), 404, "does not exist")
    refused(client.get("/privacy/export/abc"), 404, "does not exist")
