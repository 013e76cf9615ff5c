"""Browser content from another origin (a SCORM or cmi5 package, an xAPI course) calls the LRS
cross-origin with Basic credentials: the preflight is answered and the answers are readable from
any origin, never with credentials, on /xapi/ only. The app is built as Reflex serves it: the
LMS's routes inside Reflex's own CORS middleware (this site's origin only), the LRS's CORS
around the whole."""

from __future__ import annotations

import json
import uuid

import pytest
from fastapi.testclient import TestClient
from reflex.app import App
from starlette.applications import Starlette

from lms_app import db, settings
from lms_app.api import xapi
from lms_app.api.app import build_api
from lms_app.services import lrs_clients

ELSEWHERE = "https://content.example.org"
PREFLIGHT = {"Origin": ELSEWHERE, "Access-Control-Request-Method": "PUT",
             "Access-Control-Request-Headers": "authorization, content-type, x-experience-api-version, if-match"}
STATE = {"activityId": "http://example.com/activities/au-1",
         "agent": json.dumps({"objectType": "Agent", "mbox": "mailto:leo@example.com"}), "stateId": "bookmark"}


def as_served() -> Starlette:
    """The ASGI app without the LRS's CORS, composed as Reflex composes it around its API transformer."""
    api = build_api()
    App._add_cors(api)
    top = Starlette()
    top.mount("", api)
    App._add_cors(top)
    return top


@pytest.fixture
def browser(demo, actor_of):
    """The served app with the LRS's CORS, and the headers of content on another origin holding a client's key."""
    with db.session_scope() as s:
        new = lrs_clients.create_client(s, actor_of("admin@example.com"), "Course package", ["statements/write", "statements/read", "state"])
        auth = lrs_clients.basic_header(new.client.key, new.secret)
    with TestClient(xapi.cors(as_served()), raise_server_exceptions=False) as client:
        yield client, {"Origin": ELSEWHERE, "Authorization": auth, "X-Experience-API-Version": "2.0.0"}


@pytest.mark.parametrize("path", ["/xapi/statements", "/xapi/activities/state", "/xapi/activities/profile", "/xapi/agents/profile",
                                  "/xapi/activities", "/xapi/agents", "/xapi/about"])
def test_the_preflight_of_every_lrs_resource_is_answered_for_any_origin(browser, path):
    client, _ = browser
    response = client.options(path, headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-experience-api-version", "if-match", "if-none-match"} <= allowed
    assert {"GET", "PUT", "POST", "DELETE"} <= {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert "access-control-allow-credentials" not in response.headers


def test_without_the_lrs_cors_reflex_refuses_the_preflight():
    """Why the LRS's CORS has to wrap the whole app: Reflex's own middleware answers every preflight first."""
    with TestClient(as_served()) as client:
        assert client.options("/xapi/statements", headers=PREFLIGHT).status_code == 400


def test_answers_are_readable_cross_origin_with_their_headers_exposed_and_no_credentials(browser):
    client, headers = browser
    statement = {"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:leo@example.com"},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}, "object": {"id": "http://example.com/activities/au-1"}}
    stored = client.post("/xapi/statements", headers={**headers, "Content-Type": "application/json"}, content=json.dumps(statement))
    assert stored.status_code == 200, stored.text
    got = client.get("/xapi/statements", params={"statementId": statement["id"]}, headers=headers)
    assert got.status_code == 200 and got.json()["id"] == statement["id"]
    put = client.put("/xapi/activities/state", params=STATE, headers={**headers, "Content-Type": "application/json"}, content=b'{"page": 3}')
    assert put.status_code == 204
    document = client.get("/xapi/activities/state", params=STATE, headers=headers)
    refused = client.get("/xapi/statements", headers={**headers, "Authorization": "Basic bm86bm8="})
    assert refused.status_code == 401
    for response in (stored, got, put, document, refused):
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
        exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
        assert exposed == {"etag", "last-modified", "x-experience-api-consistent-through", "x-experience-api-version"}
    assert document.headers["etag"] and got.headers["x-experience-api-consistent-through"]


def test_the_rest_of_the_site_keeps_reflex_cors(browser):
    client, _ = browser
    assert client.options("/healthz", headers=PREFLIGHT).status_code == 400
    own = client.options("/healthz", headers={**PREFLIGHT, "Origin": settings.PUBLIC_URL})
    assert own.status_code == 200 and own.headers["access-control-allow-origin"] == settings.PUBLIC_URL
    assert "access-control-allow-origin" not in client.get("/healthz", headers={"Origin": ELSEWHERE}).headers
