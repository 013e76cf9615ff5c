"""What the API tests share: a client with someone's sign-in cookie, and the shape of a refusal."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lms_app import db, settings
from lms_app.services import auth
from lms_app.services.seed import DEMO_PASSWORD


def signed_in(client: TestClient, email: str) -> TestClient:
    """The client now carries `email`'s sign-in cookie."""
    with db.session_scope() as s:
        token = auth.login(s, email, DEMO_PASSWORD, ip="198.51.100.7").token
    client.cookies.set(settings.COOKIE_NAME, token)
    return client


def refused(response, status: int, reason: str) -> None:
    """A 4xx with a reason a person can read, never a stack trace."""
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"]
    assert "Traceback" not in response.text
