"""The xAPI document resources (State, Activity Profile, Agent Profile) and the Activities and
Agents resources: parameters, methods, status codes, ETag concurrency per version, JSON merge,
since-listing, HEAD, credentials and versions, one organization's documents apart from another's."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from lms_app import db
from lms_app.models import Organization
from lms_app.models.xapi import LrsClient, XapiActivity, XapiDocument, XapiStatement
from lms_app.services import lrs_clients

ADMIN = "admin@example.com"
ACTIVITY = "http://example.com/activities/safety-course"
AGENT = {"objectType": "Agent", "name": "Leo", "mbox": "mailto:leo@example.com"}
REGISTRATION = "6f1c2a52-9d1e-4c7a-8f41-0c3c2b6f7a10"
STATE_URL, ACTIVITY_PROFILE_URL, AGENT_PROFILE_URL = "/xapi/activities/state", "/xapi/activities/profile", "/xapi/agents/profile"

# Each document resource: its address, the parameters naming one document (without its id) and the id's name.
RESOURCES = {
    "state": (STATE_URL, {"activityId": ACTIVITY, "agent": json.dumps(AGENT)}, "stateId"),
    "activity_profile": (ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY}, "profileId"),
    "agent_profile": (AGENT_PROFILE_URL, {"agent": json.dumps(AGENT)}, "profileId"),
}


def _new_client(actor, scopes: list[str]) -> str:
    with db.session_scope() as s:
        new = lrs_clients.create_client(s, actor, "Course tool", scopes)
        return lrs_clients.basic_header(new.client.key, new.secret)


@pytest.fixture
def auth(demo, actor_of):
    """The Authorization header of a client that may keep documents."""
    return _new_client(actor_of(ADMIN), ["state", "statements/write"])


def xapi(client, method, url, params=None, *, auth, version="2.0.0", content=None, headers=None):
    sent = {"X-Experience-API-Version": version, "Authorization": auth, **(headers or {})}
    if version is None:
        sent.pop("X-Experience-API-Version")
    if auth is None:
        sent.pop("Authorization")
    return client.request(method, url, params=params, content=content, headers=sent)


def put_json(client, url, params, value, *, auth, version="2.0.0", headers=None):
    return xapi(client, "PUT", url, params, auth=auth, version=version, content=json.dumps(value),
                headers={"Content-Type": "application/json", **(headers or {})})


def post_json(client, url, params, value, *, auth, version="2.0.0", headers=None):
    return xapi(client, "POST", url, params, auth=auth, version=version, content=json.dumps(value),
                headers={"Content-Type": "application/json", **(headers or {})})


def one(resource: str, document_id: str = "doc-1", **more) -> tuple[str, dict]:
    url, params, id_name = RESOURCES[resource]
    return url, {**params, id_name: document_id, **more}


def quoted_sha1(content: bytes) -> str:
    return '"' + hashlib.sha1(content).hexdigest() + '"'


def refused(response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"], response.json()


# ---- single documents ---------------------------------------------------------------------


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_put_then_get_returns_the_same_bytes_with_etag_and_last_modified(client, auth, resource, version):
    url, params = one(resource)
    content = b"\x00binary \xff state"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    stored = xapi(client, "PUT", url, params, auth=auth, version=version, content=content,
                  headers={"Content-Type": "application/octet-stream", "If-None-Match": "*"})
    assert stored.status_code == 204, stored.text
    assert stored.headers["X-Experience-API-Version"] == version

    got = xapi(client, "GET", url, params, auth=auth, version=version)
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["ETag"] == quoted_sha1(content)
    assert parsedate_to_datetime(got.headers["Last-Modified"]) >= before
    assert got.headers["X-Experience-API-Version"] == version
    assert "sandbox" in got.headers["Content-Security-Policy"] and got.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_head_answers_the_get_headers_without_the_body(client, auth, resource):
    url, params = one(resource)
    assert put_json(client, url, params, {"x": 1}, auth=auth, headers={"If-None-Match": "*"}).status_code == 204
    got = xapi(client, "GET", url, params, auth=auth)
    head = xapi(client, "HEAD", url, params, auth=auth)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert head.headers["Last-Modified"] == got.headers["Last-Modified"]
    listed_head = xapi(client, "HEAD", url, RESOURCES[resource][1], auth=auth)
    assert listed_head.status_code == 200 and listed_head.content == b"" and listed_head.headers["ETag"]
    assert xapi(client, "HEAD", *one(resource, "missing"), auth=auth).status_code == 404


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_missing_document_is_404_and_deleting_it_is_204(client, auth, resource):
    url, params = one(resource, "never-stored")
    assert xapi(client, "GET", url, params, auth=auth).status_code == 404
    assert xapi(client, "DELETE", url, params, auth=auth).status_code == 204


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_delete_removes_the_document(client, auth, resource):
    url, params = one(resource)
    post_json(client, url, params, {"a": 1}, auth=auth)
    assert xapi(client, "DELETE", url, params, auth=auth).status_code == 204
    assert xapi(client, "GET", url, params, auth=auth).status_code == 404


# ---- JSON merge ---------------------------------------------------------------------------


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_post_creates_then_merges_top_level_properties(client, auth, resource):
    url, params = one(resource)
    assert post_json(client, url, params, {"x": "foo", "y": "bar", "nested": {"a": 1}}, auth=auth).status_code == 204
    assert post_json(client, url, params, {"x": "bash", "z": "faz", "nested": {"b": 2}}, auth=auth).status_code == 204
    got = xapi(client, "GET", url, params, auth=auth)
    assert got.json() == {"x": "bash", "y": "bar", "z": "faz", "nested": {"b": 2}}
    assert got.headers["Content-Type"].startswith("application/json")
    assert got.headers["ETag"] == quoted_sha1(got.content)


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_post_refuses_to_merge_what_is_not_two_json_objects(client, auth, resource):
    url, params = one(resource)
    post_json(client, url, params, {"car": "Honda"}, auth=auth)
    refused(xapi(client, "POST", url, params, auth=auth, content=b"abcdefg",
                 headers={"Content-Type": "application/octet-stream"}), 400, "merges JSON objects")
    refused(xapi(client, "POST", url, params, auth=auth, content=b'{"type": "Civic"',
                 headers={"Content-Type": "application/json"}), 400, "not valid JSON")
    refused(post_json(client, url, params, ["not", "an", "object"], auth=auth), 400, "merges JSON objects")
    assert xapi(client, "GET", url, params, auth=auth).json() == {"car": "Honda"}

    binary_url, binary_params = one(resource, "binary")
    xapi(client, "PUT", binary_url, binary_params, auth=auth, content=b"/ asdf /", headers={"Content-Type": "text/plain"})
    refused(post_json(client, binary_url, binary_params, {"a": 1}, auth=auth), 400, "not a JSON object")
    assert xapi(client, "GET", binary_url, binary_params, auth=auth).content == b"/ asdf /"


def test_post_of_invalid_json_is_refused_even_for_a_new_document(client, auth):
    url, params = one("activity_profile", "fresh")
    refused(xapi(client, "POST", url, params, auth=auth, content=b'{"a": 1}[', headers={"Content-Type": "application/json"}),
            400, "not valid JSON")
    assert xapi(client, "GET", url, params, auth=auth).status_code == 404


# ---- concurrency --------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["activity_profile", "agent_profile"])
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_profile_put_over_an_existing_document_without_headers_is_409(client, auth, resource, version):
    url, params = one(resource)
    assert put_json(client, url, params, {"v": 1}, auth=auth, version=version).status_code == 204  # new: no header needed
    refused(put_json(client, url, params, {"v": 2}, auth=auth, version=version), 409, "If-Match")
    assert xapi(client, "GET", url, params, auth=auth, version=version).json() == {"v": 1}


def test_state_put_over_an_existing_document_without_headers_is_409_in_2_0_only(client, auth):
    url, params = one("state")
    assert put_json(client, url, params, {"v": 1}, auth=auth, version="2.0.0").status_code == 204
    refused(put_json(client, url, params, {"v": 2}, auth=auth, version="2.0.0"), 409, "If-Match")
    assert xapi(client, "GET", url, params, auth=auth).json() == {"v": 1}
    # xAPI 1.0.x lets State documents be written without concurrency headers.
    assert put_json(client, url, params, {"v": 3}, auth=auth, version="1.0.3").status_code == 204
    assert xapi(client, "GET", url, params, auth=auth).json() == {"v": 3}


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_if_match_with_a_stale_etag_is_412_and_changes_nothing(client, auth, resource, method):
    url, params = one(resource)
    post_json(client, url, params, {"name": "original"}, auth=auth)
    current = xapi(client, "GET", url, params, auth=auth).headers["ETag"]
    stale = {"If-Match": '"1234"', "Content-Type": "application/json"}
    refused(xapi(client, method, url, params, auth=auth, content=json.dumps({"name": "changed"}), headers=stale),
            412, "If-Match")
    got = xapi(client, "GET", url, params, auth=auth)
    assert got.json() == {"name": "original"} and got.headers["ETag"] == current

    fresh = {"If-Match": current, "Content-Type": "application/json"}
    assert xapi(client, method, url, params, auth=auth, content=json.dumps({"name": "changed"}), headers=fresh).status_code == 204
    after = xapi(client, "GET", url, params, auth=auth)
    assert (after.status_code, after.json() if after.status_code == 200 else None) == (
        (404, None) if method == "DELETE" else (200, {"name": "changed"}))


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_if_none_match_star_creates_only(client, auth, resource):
    url, params = one(resource)
    assert put_json(client, url, params, {"v": 1}, auth=auth, headers={"If-None-Match": "*"}).status_code == 204
    refused(put_json(client, url, params, {"v": 2}, auth=auth, headers={"If-None-Match": "*"}), 412, "already exists")
    refused(post_json(client, url, params, {"w": 2}, auth=auth, headers={"If-None-Match": "*"}), 412, "already exists")
    assert xapi(client, "GET", url, params, auth=auth).json() == {"v": 1}


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_if_match_on_a_missing_document_is_412(client, auth, resource):
    url, params = one(resource, "absent")
    refused(put_json(client, url, params, {"v": 1}, auth=auth, headers={"If-Match": '"' + "0" * 40 + '"'}), 412, "If-Match")
    refused(xapi(client, "DELETE", url, params, auth=auth, headers={"If-Match": "*"}), 412, "If-Match")
    assert xapi(client, "GET", url, params, auth=auth).status_code == 404


def test_if_match_accepts_a_list_weak_tags_and_star(client, auth):
    url, params = one("activity_profile")
    put_json(client, url, params, {"v": 1}, auth=auth, headers={"If-None-Match": "*"})
    etag = xapi(client, "GET", url, params, auth=auth).headers["ETag"]
    assert put_json(client, url, params, {"v": 2}, auth=auth, headers={"If-Match": f'"other", W/{etag}'}).status_code == 204
    assert put_json(client, url, params, {"v": 3}, auth=auth, headers={"If-Match": "*"}).status_code == 204
    assert xapi(client, "GET", url, params, auth=auth).json() == {"v": 3}


# ---- listing ------------------------------------------------------------------------------


def _age(document_id: str, when: datetime) -> None:
    with db.session_scope() as s:
        document = s.exec(select(XapiDocument).where(XapiDocument.document_id == document_id)).one()
        document.updated = when
        s.add(document)


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_listing_without_an_id_returns_the_ids_since_a_time_exclusive(client, auth, resource):
    list_url, list_params, _ = RESOURCES[resource]
    for document_id in ("old", "new"):
        post_json(client, *one(resource, document_id), {"id": document_id}, auth=auth)
    old_time = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    _age("old", old_time)

    everything = xapi(client, "GET", list_url, list_params, auth=auth)
    assert everything.status_code == 200 and sorted(everything.json()) == ["new", "old"]
    assert everything.headers["ETag"] == quoted_sha1(everything.content)
    assert parsedate_to_datetime(everything.headers["Last-Modified"]) > old_time

    at_old = xapi(client, "GET", list_url, {**list_params, "since": old_time.isoformat()}, auth=auth)
    assert at_old.json() == ["new"]  # exclusive
    before_old = (old_time - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sorted(xapi(client, "GET", list_url, {**list_params, "since": before_old}, auth=auth).json()) == ["new", "old"]
    in_future = xapi(client, "GET", list_url, {**list_params, "since": "2999-01-01T00:00:00+00:00"}, auth=auth)
    assert in_future.json() == [] and "Last-Modified" not in in_future.headers
    refused(xapi(client, "GET", list_url, {**list_params, "since": "true"}, auth=auth), 400, "since")


def test_state_listing_and_deleting_follow_the_registration(client, auth):
    base = RESOURCES["state"][1]
    post_json(client, STATE_URL, {**base, "stateId": "bookmark"}, {"page": 1}, auth=auth)
    post_json(client, STATE_URL, {**base, "stateId": "bookmark", "registration": REGISTRATION}, {"page": 7}, auth=auth)
    post_json(client, STATE_URL, {**base, "stateId": "score", "registration": REGISTRATION}, {"score": 3}, auth=auth)

    assert xapi(client, "GET", STATE_URL, {**base, "stateId": "bookmark"}, auth=auth).json() == {"page": 1}
    assert xapi(client, "GET", STATE_URL, {**base, "stateId": "bookmark", "registration": REGISTRATION.upper()},
                auth=auth).json() == {"page": 7}
    assert sorted(xapi(client, "GET", STATE_URL, base, auth=auth).json()) == ["bookmark", "score"]
    assert sorted(xapi(client, "GET", STATE_URL, {**base, "registration": REGISTRATION}, auth=auth).json()) == ["bookmark", "score"]
    other = "0e0e0e0e-1111-4222-8333-444455556666"
    assert xapi(client, "GET", STATE_URL, {**base, "registration": other}, auth=auth).json() == []

    assert xapi(client, "DELETE", STATE_URL, {**base, "registration": REGISTRATION}, auth=auth).status_code == 204
    assert xapi(client, "GET", STATE_URL, base, auth=auth).json() == ["bookmark"]
    assert xapi(client, "DELETE", STATE_URL, base, auth=auth).status_code == 204
    assert xapi(client, "GET", STATE_URL, base, auth=auth).json() == []


def test_state_documents_are_per_agent_and_activity(client, auth):
    base = RESOURCES["state"][1]
    post_json(client, STATE_URL, {**base, "stateId": "s"}, {"who": "leo"}, auth=auth)
    other_agent = {**base, "agent": json.dumps({"account": {"homePage": "http://example.com", "name": "leo"}}), "stateId": "s"}
    other_activity = {**base, "activityId": ACTIVITY + "/2", "stateId": "s"}
    assert xapi(client, "GET", STATE_URL, other_agent, auth=auth).status_code == 404
    assert xapi(client, "GET", STATE_URL, other_activity, auth=auth).status_code == 404
    # The same agent written another way (no name, no objectType) is the same agent.
    same_agent = {**base, "agent": json.dumps({"mbox": AGENT["mbox"]}), "stateId": "s"}
    assert xapi(client, "GET", STATE_URL, same_agent, auth=auth).json() == {"who": "leo"}


def test_profile_delete_without_a_profile_id_is_400(client, auth):
    refused(xapi(client, "DELETE", ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY}, auth=auth), 400, "profileId")
    refused(xapi(client, "DELETE", AGENT_PROFILE_URL, {"agent": json.dumps(AGENT)}, auth=auth), 400, "profileId")


# ---- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize(("resource", "change", "reason"), [
    ("state", {"activityId": None}, "activityId parameter is required"),
    ("state", {"activityId": "not an iri"}, "IRI"),
    ("state", {"agent": None}, "agent parameter is required"),
    ("state", {"agent": "not JSON"}, "Agent object in JSON"),
    ("state", {"agent": "true"}, "Agent object in JSON"),
    ("state", {"agent": json.dumps({"mbox": "mailto:a@example.com", "openid": "http://a.example.com"})}, "exactly one"),
    ("state", {"agent": json.dumps({"name": "Nobody"})}, "exactly one"),
    ("state", {"agent": json.dumps({"objectType": "Group", "mbox": "mailto:g@example.com"})}, "not a Group"),
    ("state", {"agent": json.dumps({"mbox": "leo@example.com"})}, "mailto:"),
    ("state", {"agent": json.dumps({"mbox_sha1sum": "abc"})}, "SHA-1"),
    ("state", {"agent": json.dumps({"account": {"name": "leo"}})}, "homePage and name"),
    ("state", {"registration": "not-a-uuid"}, "UUID"),
    ("state", {"ActivityId": ACTIVITY}, "ActivityId"),
    ("state", {"profileId": "p"}, "profileId"),
    ("activity_profile", {"activityId": None}, "activityId parameter is required"),
    ("activity_profile", {"agent": json.dumps(AGENT)}, "agent"),
    ("agent_profile", {"agent": None}, "agent parameter is required"),
    ("agent_profile", {"activityId": ACTIVITY}, "activityId"),
])
def test_invalid_parameters_are_400_with_the_reason(client, auth, method, resource, change, reason):
    url, params = one(resource)
    for name, value in change.items():
        if value is None:
            params.pop(name)
        else:
            params[name] = value
    content = json.dumps({"a": 1}) if method in ("PUT", "POST") else None
    refused(xapi(client, method, url, params, auth=auth, content=content, headers={"Content-Type": "application/json"}),
            400, reason)


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_writing_without_the_document_id_is_400(client, auth, resource, method):
    url, params, id_name = RESOURCES[resource]
    refused(xapi(client, method, url, params, auth=auth, content=b"{}", headers={"Content-Type": "application/json"}),
            400, id_name)


# ---- credentials and versions -------------------------------------------------------------


def test_credentials_are_required_and_checked(client, auth):
    url, params = one("state")
    missing = xapi(client, "GET", url, params, auth=None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Basic")
    assert missing.headers["X-Experience-API-Version"] == "2.0.0"
    wrong = auth[:-4] + ("AAAA" if not auth.endswith("AAAA") else "BBBB")
    assert xapi(client, "GET", url, params, auth=wrong).status_code == 401


def test_a_client_without_the_state_scope_is_403_for_documents_but_may_read_activities_and_agents(client, demo, actor_of):
    writer = _new_client(actor_of(ADMIN), ["statements/write"])
    refused(xapi(client, "GET", *one("state"), auth=writer), 403, "may not")
    refused(put_json(client, *one("activity_profile"), {"a": 1}, auth=writer), 403, "may not")
    assert xapi(client, "GET", "/xapi/activities", {"activityId": ACTIVITY}, auth=writer).status_code == 200
    assert xapi(client, "GET", "/xapi/agents", {"agent": json.dumps(AGENT)}, auth=writer).status_code == 200


@pytest.mark.parametrize(("version", "status", "answered"), [
    ("1.0", 204, "1.0.3"), ("1.0.0", 204, "1.0.3"), ("1.0.3", 204, "1.0.3"), ("2.0.0", 204, "2.0.0"),
    # An answer to a version the LRS does not speak names its newest.
    ("0.95", 400, "2.0.0"), ("1.1.0", 400, "2.0.0"), (None, 400, "2.0.0"),
])
def test_the_version_header_is_required_and_answered(client, auth, version, status, answered):
    response = xapi(client, "DELETE", *one("state"), auth=auth, version=version)
    assert response.status_code == status, response.text
    assert response.headers["X-Experience-API-Version"] == answered
    if status == 400:
        assert "X-Experience-API-Version" in response.json()["detail"]


def test_documents_belong_to_the_clients_organization(client, auth, demo, actor_of):
    other_auth = _new_client(actor_of(ADMIN), ["state"])
    with db.session_scope() as s:
        elsewhere = Organization(name="Elsewhere")
        s.add(elsewhere)
        s.flush()
        other = s.exec(select(LrsClient).where(LrsClient.key == _key_of(other_auth))).one()
        other.org_id = elsewhere.id
        s.add(other)
    url, params = one("agent_profile")
    put_json(client, url, params, {"mine": True}, auth=auth)
    assert xapi(client, "GET", url, params, auth=other_auth).status_code == 404
    assert xapi(client, "GET", AGENT_PROFILE_URL, RESOURCES["agent_profile"][1], auth=other_auth).json() == []
    assert put_json(client, url, params, {"theirs": True}, auth=other_auth).status_code == 204  # no 409: not the same document
    assert xapi(client, "GET", url, params, auth=auth).json() == {"mine": True}


def _key_of(authorization: str) -> str:
    return base64.b64decode(authorization.split(" ", 1)[1]).decode().split(":", 1)[0]


# ---- alternate request syntax (1.0.x) ------------------------------------------------------


def test_alternate_request_syntax_in_1_0_3(client, auth):
    url, params = one("state")
    form = {**params, "Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json",
            "content": json.dumps({"via": "form"})}
    stored = client.post(url + "?method=PUT", content=urlencode(form), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert stored.status_code == 204, stored.text
    got = client.post(url + "?method=GET", content=urlencode({**params, "Authorization": auth, "X-Experience-API-Version": "1.0.3"}),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert got.status_code == 200 and got.json() == {"via": "form"}
    assert got.headers["Content-Type"] == "application/json"
    untyped = {**params, "stateId": "untyped", "Authorization": auth, "X-Experience-API-Version": "1.0.3", "content": "plain"}
    assert client.post(url + "?method=PUT", content=urlencode(untyped),
                       headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 204
    stored_untyped = xapi(client, "GET", url, {**params, "stateId": "untyped"}, auth=auth, version="1.0.3")
    assert stored_untyped.content == b"plain" and stored_untyped.headers["Content-Type"] == "application/octet-stream"

    refused(client.post(url + "?method=GET&stateId=doc-1", content=urlencode(params),
                        headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3"}), 400, "alternate")
    form_2 = {**params, "Authorization": auth, "X-Experience-API-Version": "2.0.0"}
    refused(client.post(url + "?method=GET", content=urlencode(form_2),
                        headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "1.0.x")


# ---- activities and agents ----------------------------------------------------------------


def test_activities_returns_the_canonical_definition_or_a_bare_activity(client, auth, demo):
    unknown = xapi(client, "GET", "/xapi/activities", {"activityId": ACTIVITY}, auth=auth)
    assert unknown.status_code == 200 and unknown.json() == {"objectType": "Activity", "id": ACTIVITY}
    assert unknown.headers["ETag"] == quoted_sha1(unknown.content)

    definition = {"name": {"en-US": "Store safety"}, "type": "http://adlnet.gov/expapi/activities/course"}
    with db.session_scope() as s:
        org_id = s.exec(select(Organization)).first().id
        s.add(XapiActivity(org_id=org_id, activity_id=ACTIVITY, definition=definition))
    known = xapi(client, "GET", "/xapi/activities", {"activityId": ACTIVITY}, auth=auth)
    assert known.json() == {"objectType": "Activity", "id": ACTIVITY, "definition": definition}
    head = xapi(client, "HEAD", "/xapi/activities", {"activityId": ACTIVITY}, auth=auth)
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"] == known.headers["ETag"]

    refused(xapi(client, "GET", "/xapi/activities", {}, auth=auth), 400, "activityId parameter is required")
    refused(xapi(client, "GET", "/xapi/activities", {"activityId": "no iri"}, auth=auth), 400, "IRI")
    refused(xapi(client, "GET", "/xapi/activities", {"activityId": ACTIVITY, "since": "x"}, auth=auth), 400, "since")


def test_agents_returns_a_person_with_the_names_statements_gave_the_same_identifier(client, auth, demo):
    unknown_agent = {"account": {"homePage": "http://example.com", "name": "u-9"}}
    alone = xapi(client, "GET", "/xapi/agents", {"agent": json.dumps(unknown_agent)}, auth=auth)
    assert alone.status_code == 200
    assert alone.json() == {"objectType": "Person", "account": [unknown_agent["account"]]}

    with db.session_scope() as s:
        org_id = s.exec(select(Organization)).first().id
        for number, name in enumerate(["Leo Martin", "Leo", "Leo Martin"]):
            s.add(XapiStatement(org_id=org_id, statement_id=f"00000000-0000-4000-8000-00000000000{number}",
                                verb_id="http://adlnet.gov/expapi/verbs/attempted", actor_key="mbox:mailto:leo@example.com",
                                body={"actor": {"objectType": "Agent", "name": name, "mbox": "mailto:leo@example.com"}}))
        s.add(XapiStatement(org_id=org_id, statement_id="00000000-0000-4000-8000-000000000009",
                            verb_id="http://adlnet.gov/expapi/verbs/attempted", actor_key="mbox:mailto:irene@example.com",
                            body={"actor": {"name": "Irene", "mbox": "mailto:irene@example.com"}}))
    person = xapi(client, "GET", "/xapi/agents", {"agent": json.dumps({"mbox": "mailto:leo@example.com"})}, auth=auth).json()
    assert person["objectType"] == "Person"
    assert sorted(person["name"]) == ["Leo", "Leo Martin"]
    assert person["mbox"] == ["mailto:leo@example.com"]
    assert set(person) == {"objectType", "name", "mbox"}

    refused(xapi(client, "GET", "/xapi/agents", {}, auth=auth), 400, "agent parameter is required")
    refused(xapi(client, "GET", "/xapi/agents", {"agent": json.dumps({"name": "x"})}, auth=auth), 400, "exactly one")
