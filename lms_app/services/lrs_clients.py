"""Who may use the xAPI Learning Record Store: clients with a key and a secret (HTTP Basic),
their scopes and the authority stamped on what they store. Admins create and revoke them.

The secret is 32 random bytes shown once; only its SHA-256 is kept. A slow password hash is
not needed for a random secret, and it would cost every statement request tens of ms."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from lms_app import settings
from lms_app.models.base import utcnow
from lms_app.models.xapi import LrsClient
from lms_app.services import audit
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require

SCOPES = {
    "statements/write": "Send statements",
    "statements/read/mine": "Read the statements it sent",
    "statements/read": "Read every statement",
    "state": "Keep documents (state, activity and agent profiles)",
}
MAX_NAME = 200


@dataclass(frozen=True)
class NewClient:
    client: LrsClient
    secret: str  # shown once


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_client(session: Session, actor: Actor, name: str, scopes: list[str]) -> NewClient:
    """A new client with a fresh key and secret (the secret is returned once, never again)."""
    require(actor, "lrs.manage")
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"Give the client a name of at most {MAX_NAME} characters.")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise Invalid("Choose what the client may do: " + ", ".join(SCOPES) + ".")
    key = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    authority = {"objectType": "Agent", "name": name, "account": {"homePage": settings.PUBLIC_URL.rstrip("/"), "name": f"lrs-client-{key}"}}
    client = LrsClient(org_id=actor.org_id, name=name, key=key, secret_hash=_secret_hash(secret), scopes=sorted(set(scopes)),
                       authority=authority, created_by_id=actor.user_id)
    session.add(client)
    session.flush()
    audit.record(session, actor, "lrs.client_created", target_type="lrs_client", target_id=client.id, target_label=name,
                 after={"scopes": client.scopes})
    return NewClient(client, secret)


def list_clients(session: Session, actor: Actor) -> list[LrsClient]:
    require(actor, "lrs.manage")
    # The LMS's own client (no secret: services/xapi_emit) is not the admins' to manage.
    query = select(LrsClient).where(LrsClient.org_id == actor.org_id, LrsClient.secret_hash != "")
    return list(session.exec(query.order_by(LrsClient.created_at.desc(), LrsClient.id.desc())))


def revoke_client(session: Session, actor: Actor, client_id: int) -> LrsClient:
    """The client's key stops working at once; what it stored stays."""
    require(actor, "lrs.manage")
    client = session.get(LrsClient, int(client_id)) if client_id else None
    if client is None or client.org_id != actor.org_id or not client.secret_hash:
        raise NotFound("That client does not exist.")
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        session.add(client)
        audit.record(session, actor, "lrs.client_revoked", target_type="lrs_client", target_id=client.id, target_label=client.name)
    return client


def authenticate(session: Session, authorization: str | None) -> LrsClient | None:
    """The client named by an `Authorization: Basic ...` header whose secret matches and which
    is not revoked; None otherwise (the caller answers 401)."""
    if not authorization or not authorization[:6].lower() == "basic ":
        return None
    try:
        key, _, secret = base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client = session.exec(select(LrsClient).where(LrsClient.key == key)).first() if key and len(key) <= 64 else None
    if client is None or client.revoked_at is not None or not client.secret_hash or not hmac.compare_digest(client.secret_hash, _secret_hash(secret)):
        return None
    return client


def basic_header(key: str, secret: str) -> str:
    """The Authorization header value for a client (for tests, benchmarks and the admin page's example)."""
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
