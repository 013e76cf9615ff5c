"""The built-in xAPI Learning Record Store: the clients allowed in (key and secret), the
statements with their query fields as indexed columns beside the stored JSON, the activities
and agents each statement touches (for related_activities / related_agents queries),
attachments, and the documents of the State, Activity Profile and Agent Profile resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms_app.models.base import fk, timestamp


class LrsClient(SQLModel, table=True):
    """A tool allowed to use the LRS with HTTP Basic (key, secret). `scopes`: statements/write,
    statements/read/mine, statements/read, state (documents). `authority` is the agent stamped
    on the statements it stores."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id")
    name: str = Field(max_length=200)
    key: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=200)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    authority: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by_id: int | None = fk("app_user.id", nullable=True, ondelete="SET NULL", index=False)
    created_at: datetime = timestamp()
    last_used_at: datetime | None = timestamp(nullable=True, default=False)
    revoked_at: datetime | None = timestamp(nullable=True, default=False)


class XapiStatement(SQLModel, table=True):
    """One stored statement. `body` is the statement as stored (id, stored, authority, version
    filled in); the columns beside it are what queries filter and sort on. `seq` orders
    statements by their arrival (stored), ties included."""

    __table_args__ = (
        UniqueConstraint("org_id", "statement_id"),
        Index("ix_xapistatement_org_seq", "org_id", "seq"),
        Index("ix_xapistatement_org_verb_seq", "org_id", "verb_id", "seq"),
        Index("ix_xapistatement_org_actor_seq", "org_id", "actor_key", "seq"),
        Index("ix_xapistatement_org_activity_seq", "org_id", "activity_id", "seq"),
        Index("ix_xapistatement_org_registration_seq", "org_id", "registration", "seq"),
        Index("ix_xapistatement_org_target", "org_id", "voids_statement_id"),
    )
    seq: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    statement_id: str = Field(max_length=36)
    verb_id: str = Field(max_length=2048)
    actor_key: str = Field(max_length=2048)  # the actor's inverse functional identifier, "mbox:mailto:a@b"
    activity_id: str = Field(default="", max_length=2048)  # the object when it is an activity
    registration: str = Field(default="", max_length=36)
    voids_statement_id: str = Field(default="", max_length=36)  # set on a voiding statement
    voided: bool = False
    stored: datetime = timestamp()
    timestamp: datetime = timestamp()
    client_id: int | None = fk("lrsclient.id", nullable=True, ondelete="SET NULL", index=False)
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class XapiStatementLink(SQLModel, table=True):
    """An activity or agent a statement touches beyond its actor and object (context
    activities, instructor, team, sub-statement, authority): what related_activities and
    related_agents search."""

    __table_args__ = (
        Index("ix_xapistatementlink_activity", "org_id", "kind", "value", "statement_seq"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    statement_seq: int = fk("xapistatement.seq")
    kind: str = Field(max_length=8)  # activity | agent
    value: str = Field(max_length=2048)


class XapiAttachment(SQLModel, table=True):
    """An attachment's raw content, stored once per organization and SHA-2 hash."""

    __table_args__ = (UniqueConstraint("org_id", "sha2"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    sha2: str = Field(max_length=128)
    content_type: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class XapiActivity(SQLModel, table=True):
    """The canonical definition of an activity, as the Activities resource returns it."""

    __table_args__ = (UniqueConstraint("org_id", "activity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    activity_id: str = Field(max_length=2048)
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class XapiDocument(SQLModel, table=True):
    """A document of the State (kind "state": activity, agent, registration, stateId), Activity
    Profile ("activity_profile": activity, profileId) or Agent Profile ("agent_profile": agent,
    profileId) resource. Absent parts are "". `address` is the SHA-256 of kind, activity,
    agent, registration and id: one short unique key (long IRIs would not fit an index entry);
    `context` the SHA-256 of kind, activity and agent, for listing and deleting a context's
    documents through an index."""

    __table_args__ = (UniqueConstraint("org_id", "address"), Index("ix_xapidocument_context", "org_id", "context", "registration", "updated"))
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organization.id", index=False)
    address: str = Field(max_length=64)
    context: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    activity_id: str = Field(default="", max_length=2048)
    agent_key: str = Field(default="", max_length=2048)
    registration: str = Field(default="", max_length=36)
    document_id: str = Field(max_length=2048)
    content_type: str = Field(default="application/octet-stream", max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    etag: str = Field(max_length=64)
    updated: datetime = timestamp()
