"""The xAPI Statements and About resources over HTTP: versions, authentication and scopes,
storing (PUT / POST, conflicts, voiding, attachments, signatures), queries and paging."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import threading
import time
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from sqlmodel import Session, func, select

from lms_app import db
from lms_app.models.identity import Organization
from lms_app.models.xapi import XapiActivity, XapiAttachment, XapiStatement
from lms_app.services import lrs_clients

V2 = {"X-Experience-API-Version": "2.0.0"}
V1 = {"X-Experience-API-Version": "1.0.3"}
ADMIN = "admin@example.com"
ACTIVITY = "http://example.com/activities/course-1"
VERB = "http://adlnet.gov/expapi/verbs/completed"


def statement(email: str = "learner@example.com", *, verb: str = VERB, activity: str = ACTIVITY, **extra) -> dict:
    return {"actor": {"objectType": "Agent", "mbox": f"mailto:{email}"}, "verb": {"id": verb, "display": {"en-US": "did"}},
            "object": {"objectType": "Activity", "id": activity}, **extra}


def make_client(actor, scopes=("statements/write", "statements/read")) -> dict:
    with db.session_scope() as s:
        new = lrs_clients.create_client(s, actor, "Tool", list(scopes))
        return {"Authorization": lrs_clients.basic_header(new.client.key, new.secret)}


@pytest.fixture
def lrs(client, actor_of):
    """The API client and the headers of a client that may write and read everything, speaking 2.0.0."""
    return client, {**make_client(actor_of(ADMIN)), **V2}


def post(client, headers, body, **kwargs):
    return client.post("/xapi/statements", headers=headers, content=json.dumps(body), **kwargs)


def stored_count() -> int:
    with Session(db.get_engine()) as s:
        return s.exec(select(func.count()).select_from(XapiStatement)).one()


# ---------------------------------------------------------------- about, versions, auth


def test_about_needs_no_credentials_and_names_the_versions(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.json() == {"version": ["1.0.3", "2.0.0"], "extensions": {}}


def test_the_version_header_is_required_and_checked(lrs):
    client, headers = lrs
    auth = {"Authorization": headers["Authorization"]}
    missing = client.get("/xapi/statements", headers=auth)
    assert missing.status_code == 400 and "X-Experience-API-Version" in missing.json()["detail"]
    assert client.get("/xapi/statements", headers={**auth, "X-Experience-API-Version": "0.95"}).status_code == 400
    assert client.get("/xapi/statements", headers={**auth, "X-Experience-API-Version": "1.0.4"}).status_code == 400
    old = client.get("/xapi/statements", headers={**auth, **V1})
    assert old.status_code == 200 and old.headers["X-Experience-API-Version"] == "1.0.3"
    new = client.get("/xapi/statements", headers=headers)
    assert new.status_code == 200 and new.headers["X-Experience-API-Version"] == "2.0.0"


def test_without_valid_credentials_the_answer_is_401_with_a_basic_challenge(client):
    response = client.get("/xapi/statements", headers={**V2, "Authorization": lrs_clients.basic_header("nobody", "wrong")})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/xapi/statements", headers=V2).status_code == 401


def test_scopes_limit_what_a_client_may_do(client, actor_of):
    admin = actor_of(ADMIN)
    reader = {**make_client(admin, ["statements/read"]), **V2}
    writer = {**make_client(admin, ["statements/write"]), **V2}
    assert post(client, reader, statement()).status_code == 403
    assert post(client, writer, statement()).status_code == 200
    assert client.get("/xapi/statements", headers=writer).status_code == 403
    assert len(client.get("/xapi/statements", headers=reader).json()["statements"]) == 1


def test_read_mine_sees_only_the_clients_own_statements(client, actor_of):
    admin = actor_of(ADMIN)
    own = {**make_client(admin, ["statements/write", "statements/read/mine"]), **V2}
    other = {**make_client(admin, ["statements/write"]), **V2}
    mine = post(client, own, statement("a@example.com")).json()
    theirs = post(client, other, statement("b@example.com")).json()
    assert [s["id"] for s in client.get("/xapi/statements", headers=own).json()["statements"]] == mine
    assert client.get("/xapi/statements", params={"statementId": theirs[0]}, headers=own).status_code == 404


# ---------------------------------------------------------------- storing


def test_post_stores_one_or_many_and_returns_their_ids(lrs):
    client, headers = lrs
    given = str(uuid.uuid4())
    response = post(client, headers, [statement(id=given), statement("other@example.com")])
    assert response.status_code == 200
    ids = response.json()
    assert ids[0] == given and len(ids) == 2 and uuid.UUID(ids[1])
    single = post(client, headers, statement())
    assert single.status_code == 200 and len(single.json()) == 1
    assert stored_count() == 3


def test_put_stores_under_the_given_id_and_the_lrs_fills_stored_authority_version(lrs):
    client, headers = lrs
    statement_id = str(uuid.uuid4())
    response = client.put("/xapi/statements", params={"statementId": statement_id}, headers=headers,
                          content=json.dumps(statement()))
    assert response.status_code == 204
    got = client.get("/xapi/statements", params={"statementId": statement_id}, headers=headers)
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == statement_id
    assert body["stored"].endswith("Z") and body["version"] == "2.0.0"
    assert body["authority"]["account"]["name"].startswith("lrs-client-")
    assert "X-Experience-API-Consistent-Through" in got.headers
    assert got.headers["Last-Modified"].endswith("GMT")


def test_put_needs_a_uuid_statement_id_matching_the_body(lrs):
    client, headers = lrs
    assert client.put("/xapi/statements", headers=headers, content=json.dumps(statement())).status_code == 400
    assert client.put("/xapi/statements", params={"statementId": "nope"}, headers=headers,
                      content=json.dumps(statement())).status_code == 400
    mismatch = client.put("/xapi/statements", params={"statementId": str(uuid.uuid4())}, headers=headers,
                          content=json.dumps(statement(id=str(uuid.uuid4()))))
    assert mismatch.status_code == 400


def test_a_1_0_x_statement_is_stamped_version_1_0_0(client, actor_of):
    headers = {**make_client(actor_of(ADMIN)), **V1}
    statement_id = post(client, headers, statement()).json()[0]
    assert client.get("/xapi/statements", params={"statementId": statement_id}, headers=headers).json()["version"] == "1.0.0"


def test_the_same_id_again_is_a_no_op_with_the_same_content_and_409_with_other_content(lrs):
    client, headers = lrs
    statement_id = str(uuid.uuid4())
    first = statement(id=statement_id)
    assert post(client, headers, first).status_code == 200
    again = client.put("/xapi/statements", params={"statementId": statement_id}, headers=headers, content=json.dumps(first))
    assert again.status_code == 204
    assert post(client, headers, first).json() == [statement_id]
    other = post(client, headers, statement("someone-else@example.com", id=statement_id))
    assert other.status_code == 409 and "detail" in other.json()
    assert stored_count() == 1


def test_a_rejected_batch_stores_nothing(lrs):
    client, headers = lrs
    taken = str(uuid.uuid4())
    post(client, headers, statement(id=taken))
    response = post(client, headers, [statement("a@example.com"), statement("b@example.com", id=taken)])
    assert response.status_code == 409
    invalid = post(client, headers, [statement("c@example.com"), {"verb": {"id": VERB}}])
    assert invalid.status_code == 400
    duplicate = str(uuid.uuid4())
    twice = post(client, headers, [statement(id=duplicate), statement(id=duplicate)])
    assert twice.status_code == 400
    assert stored_count() == 1


def test_the_same_id_sent_twice_at_once_is_stored_once(lrs):
    client, headers = lrs
    body = json.dumps(statement(id=str(uuid.uuid4())))
    results = []

    def send():
        results.append(client.post("/xapi/statements", headers=headers, content=body).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 4
    assert stored_count() == 1


def test_a_batch_of_a_hundred_is_stored_in_one_request(lrs):
    client, headers = lrs
    response = post(client, headers, [statement(f"p{i}@example.com") for i in range(100)])
    assert response.status_code == 200 and len(set(response.json())) == 100
    assert stored_count() == 100


def test_activity_definitions_are_merged_by_language(lrs):
    client, headers = lrs
    first = statement()
    first["object"]["definition"] = {"name": {"en-US": "Course"}, "type": "http://adlnet.gov/expapi/activities/course"}
    second = statement()
    second["object"]["definition"] = {"name": {"fr-FR": "Cours"}}
    post(client, headers, first)
    post(client, headers, second)
    with Session(db.get_engine()) as s:
        definition = s.exec(select(XapiActivity.definition).where(XapiActivity.activity_id == ACTIVITY)).one()
    assert definition["name"] == {"en-US": "Course", "fr-FR": "Cours"}
    assert definition["type"] == "http://adlnet.gov/expapi/activities/course"


# ---------------------------------------------------------------- voiding


def voiding(target_id: str) -> dict:
    return statement("admin@example.com", verb="http://adlnet.gov/expapi/verbs/voided",
                     object={"objectType": "StatementRef", "id": target_id})


def test_voiding_hides_the_target_from_queries_but_keeps_it_reachable_as_voided(lrs):
    client, headers = lrs
    target = post(client, headers, statement()).json()[0]
    voider = post(client, headers, voiding(target)).json()[0]
    listed = [s["id"] for s in client.get("/xapi/statements", headers=headers).json()["statements"]]
    assert listed == [voider]
    assert client.get("/xapi/statements", params={"statementId": target}, headers=headers).status_code == 404
    voided = client.get("/xapi/statements", params={"voidedStatementId": target}, headers=headers)
    assert voided.status_code == 200 and voided.json()["id"] == target
    assert client.get("/xapi/statements", params={"voidedStatementId": voider}, headers=headers).status_code == 404


def test_a_voiding_statement_cannot_be_voided_but_an_unknown_target_can(lrs):
    client, headers = lrs
    target = post(client, headers, statement()).json()[0]
    voider = post(client, headers, voiding(target)).json()[0]
    assert post(client, headers, voiding(voider)).status_code == 400
    assert post(client, headers, voiding(str(uuid.uuid4()))).status_code == 200


def test_a_filter_also_returns_the_statements_that_refer_to_a_match(lrs):
    client, headers = lrs
    target = post(client, headers, statement("a@example.com")).json()[0]
    other = post(client, headers, statement("b@example.com")).json()[0]
    referring = post(client, headers, statement("c@example.com", verb="http://example.com/verbs/liked",
                                                object={"objectType": "StatementRef", "id": target})).json()[0]
    voider = post(client, headers, voiding(target)).json()[0]
    found = client.get("/xapi/statements", params={"agent": json.dumps({"mbox": "mailto:a@example.com"})}, headers=headers)
    assert sorted(s["id"] for s in found.json()["statements"]) == sorted([referring, voider])
    by_verb = client.get("/xapi/statements", params={"verb": "http://example.com/verbs/liked"}, headers=headers)
    assert [s["id"] for s in by_verb.json()["statements"]] == [referring]
    assert other not in [s["id"] for s in found.json()["statements"]]


def test_a_target_voided_in_its_own_batch_is_voided(lrs):
    client, headers = lrs
    target_id = str(uuid.uuid4())
    voider = post(client, headers, [statement(id=target_id), voiding(target_id)]).json()[1]
    assert [s["id"] for s in client.get("/xapi/statements", headers=headers).json()["statements"]] == [voider]


# ---------------------------------------------------------------- queries


def test_filters_by_agent_verb_activity_registration(lrs):
    client, headers = lrs
    registration = str(uuid.uuid4())
    a = post(client, headers, statement("a@example.com", context={"registration": registration},
                                        timestamp="2024-05-01T12:00:00.123456789+02:00")).json()[0]
    b = post(client, headers, statement("b@example.com", verb="http://adlnet.gov/expapi/verbs/attempted")).json()[0]
    c = post(client, headers, statement("c@example.com", activity="http://example.com/other",
                                        context={"contextActivities": {"parent": [{"id": ACTIVITY}]},
                                                 "instructor": {"mbox": "mailto:a@example.com"}})).json()[0]

    def ids(**params):
        response = client.get("/xapi/statements", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return sorted(s["id"] for s in response.json()["statements"])

    assert ids(agent=json.dumps({"mbox": "mailto:a@example.com"})) == [a]
    assert ids(agent=json.dumps({"mbox": "mailto:a@example.com"}), related_agents="true") == sorted([a, c])
    assert ids(verb="http://adlnet.gov/expapi/verbs/attempted") == [b]
    assert ids(activity=ACTIVITY) == sorted([a, b])
    assert ids(activity=ACTIVITY, related_activities="true") == sorted([a, b, c])
    assert ids(registration=registration) == [a]
    assert client.get("/xapi/statements", params={"agent": "not json"}, headers=headers).status_code == 400
    assert client.get("/xapi/statements", params={"unknown": "1"}, headers=headers).status_code == 400


def test_an_agent_object_is_found_by_the_agent_filter(lrs):
    client, headers = lrs
    about_b = post(client, headers, statement("a@example.com", object={"objectType": "Agent", "mbox": "mailto:b@example.com"})).json()
    found = client.get("/xapi/statements", params={"agent": json.dumps({"mbox": "mailto:b@example.com"})}, headers=headers)
    assert [s["id"] for s in found.json()["statements"]] == about_b


def test_since_until_and_order(lrs):
    client, headers = lrs
    first = post(client, headers, statement()).json()[0]
    time.sleep(0.01)  # stored is kept to the millisecond
    second = post(client, headers, statement()).json()[0]
    newest_first = client.get("/xapi/statements", headers=headers).json()["statements"]
    assert [s["id"] for s in newest_first] == [second, first]
    oldest_first = client.get("/xapi/statements", params={"ascending": "true"}, headers=headers).json()["statements"]
    assert [s["id"] for s in oldest_first] == [first, second]
    first_stored = newest_first[1]["stored"]
    after = client.get("/xapi/statements", params={"since": first_stored}, headers=headers).json()["statements"]
    assert first not in [s["id"] for s in after]
    until = client.get("/xapi/statements", params={"until": first_stored}, headers=headers).json()["statements"]
    assert [s["id"] for s in until] == [first]
    assert client.get("/xapi/statements", params={"since": "yesterday"}, headers=headers).status_code == 400


@pytest.mark.parametrize("ascending", ["false", "true"])
def test_more_walks_every_page_exactly_once(lrs, ascending):
    client, headers = lrs
    ids = post(client, headers, [statement(f"p{i}@example.com") for i in range(25)]).json()
    seen = []
    response = client.get("/xapi/statements", params={"limit": "10", "ascending": ascending}, headers=headers)
    pages = 0
    while True:
        page = response.json()
        pages += 1
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        post(client, headers, statement("late@example.com"))  # arrives while paging: not in this walk
        response = client.get(page["more"], headers=headers)
        assert response.status_code == 200
    assert pages == 3
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_a_more_link_is_only_good_for_its_client(client, actor_of):
    admin = actor_of(ADMIN)
    first = {**make_client(admin), **V2}
    second = {**make_client(admin), **V2}
    post(client, first, [statement() for _ in range(3)])
    more = client.get("/xapi/statements", params={"limit": "1"}, headers=first).json()["more"]
    assert more.startswith("/xapi/statements?more=")
    assert client.get(more, headers=second).status_code == 404


def test_format_ids_leaves_only_identifiers(lrs):
    client, headers = lrs
    body = statement()
    body["object"]["definition"] = {"name": {"en-US": "Course"}}
    statement_id = post(client, headers, body).json()[0]
    got = client.get("/xapi/statements", params={"statementId": statement_id, "format": "ids"}, headers=headers).json()
    assert "display" not in got["verb"] and "definition" not in got["object"]
    assert client.get("/xapi/statements", params={"format": "short"}, headers=headers).status_code == 400


def test_format_canonical_keeps_the_language_the_client_prefers(lrs):
    client, headers = lrs
    body = statement()
    body["verb"]["display"] = {"en-US": "completed", "fr-FR": "a terminé"}
    statement_id = post(client, headers, body).json()[0]
    got = client.get("/xapi/statements", params={"statementId": statement_id, "format": "canonical"},
                     headers={**headers, "Accept-Language": "fr-FR, en;q=0.5"}).json()
    assert got["verb"]["display"] == {"fr-FR": "a terminé"}
    exact = client.get("/xapi/statements", params={"statementId": statement_id}, headers=headers).json()
    assert exact["verb"]["display"] == body["verb"]["display"]


def test_format_canonical_gives_the_lrs_canonical_activity_definition(lrs):
    client, headers = lrs
    first = statement()
    first["object"]["definition"] = {"name": {"en-US": "Ladder safety"}}
    first_id = post(client, headers, first).json()[0]
    later = statement()
    later["object"] = {"id": first["object"]["id"], "objectType": "Activity",
                       "definition": {"name": {"fr-FR": "Sécurité des échelles"}, "type": "http://adlnet.gov/expapi/activities/course"}}
    post(client, headers, later)
    got = client.get("/xapi/statements", params={"statementId": first_id, "format": "canonical"},
                     headers={**headers, "Accept-Language": "fr-FR"}).json()
    assert got["object"]["definition"] == {"name": {"fr-FR": "Sécurité des échelles"}, "type": "http://adlnet.gov/expapi/activities/course"}
    listed = client.get("/xapi/statements", params={"activity": first["object"]["id"], "format": "canonical"},
                        headers={**headers, "Accept-Language": "en-US"}).json()["statements"]
    assert [s["object"]["definition"]["name"] for s in listed] == [{"en-US": "Ladder safety"}] * 2


def test_an_invalid_statement_is_refused_with_the_property_named(lrs):
    client, headers = lrs
    response = post(client, headers, statement(verb="not an iri"))
    assert response.status_code == 400 and "verb" in response.json()["detail"]
    assert post(client, headers, "not a statement").status_code == 400
    assert client.post("/xapi/statements", headers=headers, content=b"{not json").status_code == 400


def test_related_agents_finds_2_0_context_agents(lrs):
    client, headers = lrs
    body = statement("a@example.com", context={"contextAgents": [{"objectType": "contextAgent",
                                                                 "agent": {"mbox": "mailto:coach@example.com"}}]})
    statement_id = post(client, headers, body).json()[0]
    coach = json.dumps({"mbox": "mailto:coach@example.com"})
    assert client.get("/xapi/statements", params={"agent": coach}, headers=headers).json()["statements"] == []
    related = client.get("/xapi/statements", params={"agent": coach, "related_agents": "true"}, headers=headers)
    assert [s["id"] for s in related.json()["statements"]] == [statement_id]


def test_statement_id_lookups_take_no_other_filters(lrs):
    client, headers = lrs
    statement_id = post(client, headers, statement()).json()[0]
    combined = client.get("/xapi/statements", params={"statementId": statement_id, "verb": VERB}, headers=headers)
    assert combined.status_code == 400
    both = client.get("/xapi/statements", params={"statementId": statement_id, "voidedStatementId": statement_id}, headers=headers)
    assert both.status_code == 400
    assert client.get("/xapi/statements", params={"statementId": str(uuid.uuid4())}, headers=headers).status_code == 404


def test_head_answers_like_get_without_a_body(lrs):
    client, headers = lrs
    post(client, headers, statement())
    head = client.head("/xapi/statements", headers=headers)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(client.get("/xapi/statements", headers=headers).content)


def test_another_organizations_client_never_sees_these_statements(lrs, actor_of):
    client, headers = lrs
    statement_id = post(client, headers, statement()).json()[0]
    with db.session_scope() as s:
        other_org = Organization(name="Other")
        s.add(other_org)
        s.flush()
        admin = actor_of(ADMIN)
        new = lrs_clients.create_client(s, dataclasses.replace(admin, org_id=other_org.id), "Other tool",
                                        ["statements/read", "statements/write"])
        other = {"Authorization": lrs_clients.basic_header(new.client.key, new.secret), **V2}
    assert client.get("/xapi/statements", headers=other).json()["statements"] == []
    assert client.get("/xapi/statements", params={"statementId": statement_id}, headers=other).status_code == 404
    # The same id is free in the other organization.
    assert client.put("/xapi/statements", params={"statementId": statement_id}, headers=other,
                      content=json.dumps(statement("x@example.com"))).status_code == 204


# ---------------------------------------------------------------- attachments and signatures


def multipart(statements_json, parts: list[tuple[str, bytes, str]], boundary: str = "xapi-boundary") -> tuple[bytes, str]:
    """A multipart/mixed body: the JSON, then (content type, content, claimed sha2) parts."""
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements_json).encode(), b"\r\n"]
    for content_type, content, sha2 in parts:
        chunks += [f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                   f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def with_attachment(content: bytes) -> dict:
    return statement(attachments=[{"usageType": "http://example.com/usage/report", "display": {"en-US": "file"},
                                   "contentType": "text/plain", "length": len(content),
                                   "sha2": hashlib.sha256(content).hexdigest()}])


def test_attachments_go_in_as_multipart_and_come_back_with_attachments_true(lrs):
    client, headers = lrs
    content = b"the report \x00\xff binary"
    sha2 = hashlib.sha256(content).hexdigest()
    body, content_type = multipart(with_attachment(content), [("text/plain", content, sha2)])
    stored = client.post("/xapi/statements", headers={**headers, "Content-Type": content_type}, content=body)
    assert stored.status_code == 200, stored.text
    with Session(db.get_engine()) as s:
        assert s.exec(select(XapiAttachment.content).where(XapiAttachment.sha2 == sha2)).one() == content
    got = client.get("/xapi/statements", params={"statementId": stored.json()[0], "attachments": "true"}, headers=headers)
    assert got.status_code == 200 and got.headers["content-type"].startswith("multipart/mixed")
    assert content in got.content and f"X-Experience-API-Hash: {sha2}".encode() in got.content
    plain = client.get("/xapi/statements", params={"statementId": stored.json()[0]}, headers=headers)
    assert plain.headers["content-type"].startswith("application/json")


def test_an_attachment_part_with_a_wrong_hash_or_missing_is_refused(lrs):
    client, headers = lrs
    content = b"the report"
    body, content_type = multipart(with_attachment(content), [("text/plain", b"something else", hashlib.sha256(content).hexdigest())])
    assert client.post("/xapi/statements", headers={**headers, "Content-Type": content_type}, content=body).status_code == 400
    missing = post(client, headers, with_attachment(content))
    assert missing.status_code == 400
    by_url = with_attachment(content)
    by_url["attachments"][0]["fileUrl"] = "http://example.com/report.txt"
    assert post(client, headers, by_url).status_code == 200
    assert stored_count() == 1


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def signed(body: dict, payload: dict | None = None, alg: str = "RS256") -> tuple[bytes, str]:
    """A statement with a JWS signature attachment whose header has no certificate (x5c), so the
    LRS has no key to check the signature bytes with."""
    jws = ".".join([b64url(json.dumps({"alg": alg}).encode()), b64url(json.dumps(payload or body).encode()),
                    b64url(b"signature-bytes")]).encode()
    return with_signature(body, jws)


def with_signature(body: dict, jws: bytes) -> tuple[bytes, str]:
    """The multipart request of `body` with `jws` as its signature attachment."""
    sha2 = hashlib.sha256(jws).hexdigest()
    with_signature = {**body, "attachments": [{"usageType": "http://adlnet.gov/expapi/attachments/signature",
                                               "display": {"en-US": "Signature"}, "contentType": "application/octet-stream",
                                               "length": len(jws), "sha2": sha2}]}
    return multipart(with_signature, [("application/octet-stream", jws, sha2)])


def test_a_signed_statement_is_stored_and_a_wrong_signature_refused(lrs):
    client, headers = lrs
    body = statement(id=str(uuid.uuid4()))
    good, content_type = signed(body)
    assert client.post("/xapi/statements", headers={**headers, "Content-Type": content_type}, content=good).status_code == 200
    other_payload, content_type = signed(statement(id=str(uuid.uuid4())), payload=statement("intruder@example.com"))
    assert client.post("/xapi/statements", headers={**headers, "Content-Type": content_type}, content=other_payload).status_code == 400
    weak, content_type = signed(statement(id=str(uuid.uuid4())), alg="HS256")
    assert client.post("/xapi/statements", headers={**headers, "Content-Type": content_type}, content=weak).status_code == 400
    assert stored_count() == 1


@dataclasses.dataclass
class Signer:
    """An RSA key and its self-signed certificate (or one issued by `issuer`), made for the test."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def make(cls, name: str = "Signing tool", *, days: tuple[int, int] = (-1, 30), issuer: "Signer | None" = None) -> "Signer":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.datetime.now(datetime.timezone.utc)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        certificate = (x509.CertificateBuilder().subject_name(subject)
                       .issuer_name(issuer.certificate.subject if issuer else subject)
                       .public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now + datetime.timedelta(days=days[0])).not_valid_after(now + datetime.timedelta(days=days[1]))
                       .sign(issuer.key if issuer else key, hashes.SHA256()))
        return cls(key, certificate)

    def x5c(self) -> str:
        return base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode()

    def jws(self, payload: dict, alg: str = "RS256", chain: list[str] | None = None) -> bytes:
        digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}[alg]
        signing_input = f"{b64url(json.dumps({'alg': alg, 'x5c': chain or [self.x5c()]}).encode())}.{b64url(json.dumps(payload).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), digest)
        return f"{signing_input}.{b64url(signature)}".encode()


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.make()


def send_signed(lrs, body: dict, jws: bytes):
    client, headers = lrs
    content, content_type = with_signature(body, jws)
    return client.post("/xapi/statements", headers={**headers, "Content-Type": content_type}, content=content)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_statement_signed_with_the_certificates_key_is_stored_with_its_signature(lrs, signer, alg):
    client, headers = lrs
    body = statement(id=str(uuid.uuid4()))
    stored = send_signed(lrs, body, signer.jws(body, alg))
    assert stored.status_code == 200, stored.text
    got = client.get("/xapi/statements", params={"statementId": body["id"], "attachments": "true"}, headers=headers)
    assert signer.jws(body, alg) in got.content


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_tampered_statement_or_signature_is_refused_with_the_reason(lrs, signer, alg):
    body = statement(id=str(uuid.uuid4()))
    header, payload, signature = signer.jws(body, alg).decode().split(".")
    # The payload changed after signing (and the statement with it, so both still agree).
    changed = {**body, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}}
    forged = send_signed(lrs, changed, f"{header}.{b64url(json.dumps(changed).encode())}.{signature}".encode())
    assert forged.status_code == 400 and "does not verify" in forged.json()["detail"]
    # One bit of the signature flipped.
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[-1] ^= 1
    flipped = send_signed(lrs, body, f"{header}.{payload}.{b64url(bytes(raw))}".encode())
    assert flipped.status_code == 400 and "does not verify" in flipped.json()["detail"]
    assert stored_count() == 0


def test_a_signature_by_another_key_than_the_certificates_is_refused(lrs, signer):
    body = statement(id=str(uuid.uuid4()))
    impostor = Signer.make("Impostor")
    response = send_signed(lrs, body, impostor.jws(body, chain=[signer.x5c()]))
    assert response.status_code == 400 and "does not verify" in response.json()["detail"]
    assert stored_count() == 0


def test_an_expired_certificate_or_a_chain_that_does_not_link_is_refused(lrs, signer):
    expired = Signer.make("Expired", days=(-60, -1))
    body = statement(id=str(uuid.uuid4()))
    response = send_signed(lrs, body, expired.jws(body))
    assert response.status_code == 400 and "not valid now" in response.json()["detail"]

    authority = Signer.make("Issuing authority")
    issued = Signer.make("Issued tool", issuer=authority)
    linked = statement(id=str(uuid.uuid4()))
    assert send_signed(lrs, linked, issued.jws(linked, chain=[issued.x5c(), authority.x5c()])).status_code == 200
    unlinked = statement(id=str(uuid.uuid4()))
    response = send_signed(lrs, unlinked, issued.jws(unlinked, chain=[issued.x5c(), signer.x5c()]))
    assert response.status_code == 400 and "did not issue" in response.json()["detail"]
    assert stored_count() == 1


def test_an_x5c_that_is_not_an_rsa_certificate_is_refused(lrs, signer):
    body = statement(id=str(uuid.uuid4()))
    ec_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EC tool")])
    now = datetime.datetime.now(datetime.timezone.utc)
    ec_certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ec_key.public_key())
                      .serial_number(1).not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
                      .sign(ec_key, hashes.SHA256()))
    ec_x5c = base64.b64encode(ec_certificate.public_bytes(serialization.Encoding.DER)).decode()
    for chain in (["not base64!"], [base64.b64encode(b"not a certificate").decode()], [ec_x5c]):
        response = send_signed(lrs, body, signer.jws(body, chain=chain))
        assert response.status_code == 400 and "x5c" in response.json()["detail"]
    assert stored_count() == 0


# ---------------------------------------------------------------- alternate request syntax


def test_the_alternate_request_syntax_works_in_1_0_3_and_is_refused_in_2_0_0(lrs):
    client, headers = lrs
    statement_id = str(uuid.uuid4())
    form = {"Authorization": headers["Authorization"], "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json", "statementId": statement_id, "content": json.dumps(statement())}
    put = client.post("/xapi/statements", params={"method": "PUT"}, data=form)
    assert put.status_code == 204, put.text
    got = client.post("/xapi/statements", params={"method": "GET"},
                      data={"Authorization": headers["Authorization"], "X-Experience-API-Version": "1.0.3", "statementId": statement_id})
    assert got.status_code == 200 and got.json()["id"] == statement_id
    refused = client.post("/xapi/statements", params={"method": "GET"},
                          data={"Authorization": headers["Authorization"], "X-Experience-API-Version": "2.0.0"})
    assert refused.status_code == 400


def test_a_request_over_the_size_limit_is_413(lrs, monkeypatch):
    from lms_app.api import xapi

    client, headers = lrs
    monkeypatch.setattr(xapi, "MAX_BODY", 1000)
    response = post(client, headers, [statement(f"p{i}@example.com") for i in range(20)])
    assert response.status_code == 413 and "detail" in response.json()
    assert stored_count() == 0
