"""The xAPI document resources (State, Activity Profile, Agent Profile) and the two read-only
resources beside them (Activities: an activity's canonical definition; Agents: the Person
object of an agent), for one organization.

Documents are stored as bytes with their content type; the ETag is the SHA-1 of the bytes.
Concurrency follows the specification's rules: If-Match / If-None-Match preconditions on
PUT, POST and DELETE (412 when they fail), and a PUT over an existing document without either
header is refused with 409 (for the State resource only from xAPI 2.0.0 on: 1.0.x lets State
documents be overwritten freely)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lms_app.models.base import utcnow
from lms_app.models.xapi import XapiActivity, XapiDocument, XapiStatement
from lms_app.services.errors import Conflict, DomainError, Invalid, NotFound

STATE, ACTIVITY_PROFILE, AGENT_PROFILE = "state", "activity_profile", "agent_profile"
MAX_ID_LENGTH = 2048
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
PERSON_STATEMENTS_READ = 200  # the newest statements of an agent read for its names

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


class PreconditionFailed(DomainError):
    """An If-Match or If-None-Match header did not hold: nothing was changed."""

    status_code = 412


class DocumentTooLarge(DomainError):
    """The document is larger than the LRS keeps."""

    status_code = 413


@dataclass(frozen=True)
class Agent:
    """A validated `agent` parameter: the object as sent and its identifier key."""

    body: dict[str, Any]
    key: str


@dataclass(frozen=True)
class Address:
    """Where one document lives. Absent parts are ""."""

    kind: str
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""
    document_id: str = ""

    def digest(self) -> str:
        """The SHA-256 of the parts: the short unique key the table indexes."""
        parts = "\x1f".join((self.kind, self.activity_id, self.agent_key, self.registration, self.document_id))
        return hashlib.sha256(parts.encode()).hexdigest()

    def context(self) -> str:
        """The SHA-256 of kind, activity and agent: the indexed key of a context's documents."""
        return context_of(self.kind, self.activity_id, self.agent_key)


def context_of(kind: str, activity_id: str, agent_key: str) -> str:
    return hashlib.sha256("\x1f".join((kind, activity_id, agent_key)).encode()).hexdigest()


@dataclass(frozen=True)
class Preconditions:
    """The If-Match / If-None-Match request headers, as sent (None when absent)."""

    if_match: str | None = None
    if_none_match: str | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None


@dataclass(frozen=True)
class DocumentIds:
    """The ids of a multiple-document GET and when the newest of them changed."""

    ids: list[str]
    last_modified: datetime | None


# ---- parameters ---------------------------------------------------------------------------


def parse_activity_id(raw: str | None) -> str:
    """The `activityId` parameter: a required IRI."""
    if raw is None or raw == "":
        raise Invalid("The activityId parameter is required.")
    if len(raw) > MAX_ID_LENGTH or not _IRI.match(raw):
        raise Invalid("The activityId parameter must be an IRI, such as http://example.com/activities/quiz-1.")
    return raw


def parse_document_id(raw: str | None, name: str) -> str:
    """A `stateId` / `profileId` parameter: a non-empty string."""
    if raw is None or raw == "":
        raise Invalid(f"The {name} parameter is required.")
    if len(raw) > MAX_ID_LENGTH:
        raise Invalid(f"The {name} parameter is longer than {MAX_ID_LENGTH} characters.")
    return raw


def parse_registration(raw: str | None) -> str:
    """The optional `registration` parameter: a UUID, kept in lower case ("" when absent)."""
    if raw is None:
        return ""
    if not _UUID.match(raw):
        raise Invalid("The registration parameter must be a UUID.")
    return raw.lower()


def parse_since(raw: str | None) -> datetime | None:
    """The optional `since` parameter: an ISO 8601 timestamp (UTC when it has no offset)."""
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid("The since parameter must be an ISO 8601 timestamp, such as 2026-01-31T12:00:00Z.") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_agent(raw: str | None) -> Agent:
    """The `agent` parameter: the JSON of an Agent with exactly one inverse functional identifier."""
    if raw is None or raw == "":
        raise Invalid("The agent parameter is required.")
    try:
        agent = json.loads(raw)
    except ValueError:
        raise Invalid("The agent parameter must be an Agent object in JSON.") from None
    if not isinstance(agent, dict):
        raise Invalid("The agent parameter must be an Agent object in JSON.")
    if agent.get("objectType", "Agent") != "Agent":
        raise Invalid('The agent parameter must be an Agent (objectType "Agent"), not a Group or a Person.')
    if "name" in agent and not isinstance(agent["name"], str):
        raise Invalid("The agent's name must be a string.")
    unknown = sorted(set(agent) - {"objectType", "name", *_IFIS})
    if unknown:
        raise Invalid("The agent has properties an Agent does not have: " + ", ".join(unknown) + ".")
    present = [ifi for ifi in _IFIS if ifi in agent]
    if len(present) != 1:
        raise Invalid("The agent must have exactly one of mbox, mbox_sha1sum, openid or account.")
    return Agent(agent, _agent_key(present[0], agent[present[0]]))


def _agent_key(ifi: str, value: Any) -> str:
    if ifi == "mbox":
        if not isinstance(value, str) or not value.startswith("mailto:") or len(value) <= len("mailto:"):
            raise Invalid('The agent\'s mbox must be a "mailto:" IRI.')
        return f"mbox:{value}"
    if ifi == "mbox_sha1sum":
        if not isinstance(value, str) or not _SHA1.match(value):
            raise Invalid("The agent's mbox_sha1sum must be the 40-character hexadecimal SHA-1 of a mailto IRI.")
        return f"mbox_sha1sum:{value}"
    if ifi == "openid":
        if not isinstance(value, str) or not _IRI.match(value):
            raise Invalid("The agent's openid must be an IRI.")
        return f"openid:{value}"
    if not isinstance(value, dict) or set(value) != {"homePage", "name"}:
        raise Invalid("The agent's account must have exactly homePage and name.")
    if not isinstance(value["homePage"], str) or not _IRI.match(value["homePage"]):
        raise Invalid("The agent's account homePage must be an IRI.")
    if not isinstance(value["name"], str) or not value["name"]:
        raise Invalid("The agent's account name must be a non-empty string.")
    return f"account:{value['homePage']}|{value['name']}"


# ---- documents ----------------------------------------------------------------------------


def etag_of(content: bytes) -> str:
    """The ETag value (unquoted): the lowercase hexadecimal SHA-1 of the content."""
    return hashlib.sha1(content).hexdigest()


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names application/json (parameters such as charset ignored)."""
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


def find_document(session: Session, org_id: int, address: Address, *, for_update: bool = False) -> XapiDocument | None:
    """The document at `address`, or None."""
    query = select(XapiDocument).where(XapiDocument.org_id == org_id, XapiDocument.address == address.digest())
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def get_document(session: Session, org_id: int, address: Address) -> XapiDocument:
    """The document at `address`; NotFound when there is none."""
    document = find_document(session, org_id, address)
    if document is None:
        raise NotFound("There is no such document.")
    return document


def put_document(session: Session, org_id: int, address: Address, content: bytes, content_type: str | None,
                 preconditions: Preconditions, *, headers_required_to_overwrite: bool) -> XapiDocument:
    """Store `content` at `address`, replacing what is there. Without If-Match or If-None-Match,
    an existing document is only replaced when `headers_required_to_overwrite` is False."""
    _check_size(content)
    content_type = content_type or "application/octet-stream"
    if is_json(content_type):
        _parse_json(content, "The document is not valid JSON although its Content-Type is application/json.")
    existing = find_document(session, org_id, address, for_update=True)
    _check_preconditions(existing, preconditions)
    if existing is not None and not preconditions.given and headers_required_to_overwrite:
        raise Conflict("The document already exists. Fetch it to see its current state, then send the PUT again with "
                       "an If-Match header carrying its current ETag (or If-None-Match: * to create only).")
    return _save(session, org_id, address, existing, content, content_type)


def post_document(session: Session, org_id: int, address: Address, content: bytes, content_type: str | None,
                  preconditions: Preconditions) -> XapiDocument:
    """Store `content` at `address`, or merge it into the document there: both must then be JSON
    objects, and the posted object's top-level properties replace the stored ones."""
    _check_size(content)
    content_type = content_type or "application/octet-stream"
    posted = None
    if is_json(content_type):
        posted = _parse_json(content, "The document is not valid JSON although its Content-Type is application/json.")
    existing = find_document(session, org_id, address, for_update=True)
    _check_preconditions(existing, preconditions)
    if existing is None:
        return _save(session, org_id, address, None, content, content_type)
    if not isinstance(posted, dict):
        raise Invalid("A POST to an existing document merges JSON objects: send an application/json object.")
    stored = _parse_json(existing.content, "") if is_json(existing.content_type) else None
    if not isinstance(stored, dict):
        raise Invalid("The stored document is not a JSON object, so it cannot be merged: replace it with PUT.")
    merged = {**stored, **posted}
    return _save(session, org_id, address, existing, json.dumps(merged, ensure_ascii=False).encode(), "application/json")


def delete_document(session: Session, org_id: int, address: Address, preconditions: Preconditions) -> None:
    """Delete the document at `address` (nothing to do when there is none, unless a precondition says otherwise)."""
    existing = find_document(session, org_id, address, for_update=True)
    _check_preconditions(existing, preconditions)
    if existing is not None:
        session.delete(existing)
        session.flush()


def list_document_ids(session: Session, org_id: int, kind: str, *, activity_id: str = "", agent_key: str = "",
                      registration: str | None = None, since: datetime | None = None) -> DocumentIds:
    """The ids of the documents of one kind in one context, changed after `since` (exclusive).
    For the State resource `registration` None means every registration (the parameter was absent)."""
    query = select(XapiDocument.document_id, XapiDocument.updated).where(
        XapiDocument.org_id == org_id, XapiDocument.context == context_of(kind, activity_id, agent_key),
        XapiDocument.kind == kind, XapiDocument.activity_id == activity_id, XapiDocument.agent_key == agent_key)
    if registration is not None:
        query = query.where(XapiDocument.registration == registration)
    if since is not None:
        query = query.where(XapiDocument.updated > since)
    rows = session.exec(query).all()
    ids = sorted({document_id for document_id, _ in rows})
    return DocumentIds(ids, max((updated for _, updated in rows), default=None))


def delete_states(session: Session, org_id: int, activity_id: str, agent_key: str, registration: str | None) -> int:
    """Delete every State document of an activity and agent (of one registration when given); how many went."""
    query = select(XapiDocument).where(XapiDocument.org_id == org_id, XapiDocument.context == context_of(STATE, activity_id, agent_key),
                                       XapiDocument.kind == STATE, XapiDocument.activity_id == activity_id, XapiDocument.agent_key == agent_key)
    if registration is not None:
        query = query.where(XapiDocument.registration == registration)
    documents = session.exec(query).all()
    for document in documents:
        session.delete(document)
    session.flush()
    return len(documents)


def _check_size(content: bytes) -> None:
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(f"The document is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.")


def _parse_json(content: bytes, reason: str) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        if reason:
            raise Invalid(reason) from None
        return None


def _etag_list(header: str) -> list[str]:
    """The entity tags of an If-Match / If-None-Match header, unquoted, weak prefix dropped."""
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        if tag:
            tags.append(tag)
    return tags


def _check_preconditions(existing: XapiDocument | None, preconditions: Preconditions) -> None:
    if preconditions.if_match is not None:
        tags = _etag_list(preconditions.if_match)
        matches = existing is not None and ("*" in tags or existing.etag in [t.lower() for t in tags])
        if not matches:
            raise PreconditionFailed("If-Match does not hold: the document has changed since you fetched it "
                                     "(or does not exist). Fetch it again and use its current ETag.")
    if preconditions.if_none_match is not None and existing is not None:
        tags = _etag_list(preconditions.if_none_match)
        if "*" in tags or existing.etag in [t.lower() for t in tags]:
            raise PreconditionFailed("If-None-Match does not hold: the document already exists.")


def _save(session: Session, org_id: int, address: Address, existing: XapiDocument | None, content: bytes,
          content_type: str) -> XapiDocument:
    document = existing or XapiDocument(org_id=org_id, address=address.digest(), context=address.context(), kind=address.kind,
                                        activity_id=address.activity_id, agent_key=address.agent_key,
                                        registration=address.registration, document_id=address.document_id,
                                        content=b"", etag="")
    document.content = content
    document.content_type = content_type[:255]
    document.etag = etag_of(content)
    document.updated = utcnow()
    session.add(document)
    try:
        session.flush()
    except IntegrityError:
        # Another request created the same document between our read and this write.
        raise Conflict("The document was created by another request at the same time. Fetch it and try again.") from None
    return document


# ---- activities and agents ----------------------------------------------------------------


def activity_object(session: Session, org_id: int, activity_id: str) -> dict[str, Any]:
    """The Activity object of `activity_id` with its canonical definition when the LRS has one."""
    activity = session.exec(select(XapiActivity).where(XapiActivity.org_id == org_id,
                                                        XapiActivity.activity_id == activity_id)).first()
    found: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if activity is not None and activity.definition:
        found["definition"] = activity.definition
    return found


def person_object(session: Session, org_id: int, agent: Agent) -> dict[str, Any]:
    """The Person object of an agent: its identifier and the names it has been given, in the
    request and in the newest statements whose actor carries the same identifier."""
    ifi = next(name for name in _IFIS if name in agent.body)
    names: list[str] = []
    if isinstance(agent.body.get("name"), str):
        names.append(agent.body["name"])
    bodies = session.exec(select(XapiStatement.body).where(XapiStatement.org_id == org_id,
                                                            XapiStatement.actor_key == agent.key)
                          .order_by(col(XapiStatement.seq).desc()).limit(PERSON_STATEMENTS_READ)).all()
    for body in bodies:
        actor = (body or {}).get("actor") or {}
        name = actor.get("name")
        if actor.get("objectType", "Agent") == "Agent" and isinstance(name, str) and name not in names:
            names.append(name)
    person: dict[str, Any] = {"objectType": "Person"}
    if names:
        person["name"] = names
    person[ifi] = [agent.body[ifi]]
    return person
