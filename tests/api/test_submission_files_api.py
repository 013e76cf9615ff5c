"""GET /files/submissions/{submission_id}/{index}: a handed-in file, for the learner who
handed it in and the course's staff; shown inline (PDF), never sniffed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lms_app import settings as app_settings
from lms_app.api.app import build_api
from lms_app.services import assignments, auth
from lms_app.services.seed import DEMO_PASSWORD
from tests.unit import test_assignments as base
from tests.unit.test_assignments import AMARA, IRENE, LEO, MAYA, PDF, pdf

world = base.world  # the course with an assignment, Leo and Amara enrolled


def test_the_submission_file_route(world, session, actor_of):
    leo = actor_of(LEO)
    view = assignments.submit(session, leo, world["lesson"], "", [pdf("report.pdf")])
    session.commit()
    url = view.files[0].url
    client = TestClient(build_api())
    assert client.get(url).status_code == 401
    for email, status in ((LEO, 200), (IRENE, 200), (AMARA, 403), (MAYA, 403)):
        client.cookies.clear()
        client.cookies.set(app_settings.COOKIE_NAME, auth.login(session, email, DEMO_PASSWORD, ip="198.51.100.1").token)
        session.commit()
        response = client.get(url)
        assert response.status_code == status, email
        if status == 200:
            assert response.content == PDF and response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["content-disposition"].startswith("inline") and "report.pdf" in response.headers["content-disposition"]
    client.cookies.clear()
    client.cookies.set(app_settings.COOKIE_NAME, auth.login(session, LEO, DEMO_PASSWORD, ip="198.51.100.1").token)
    session.commit()
    assert client.get(f"/files/submissions/{view.submission_id}/7").status_code == 404
    assert client.get(f"/files/submissions/{view.submission_id}/x").status_code == 404
    assert client.get("/files/submissions/999999/0").status_code == 404
