"""The Statements resource of the built-in LRS: storing batches (all or nothing), voiding,
attachments and signed statements, and the queries with their paging.

A statement is kept as its JSON (`body`) beside the indexed columns queries use; the agents
and activities it touches beyond its actor and object go to XapiStatementLink rows. A batch
is written with a handful of multi-row INSERTs whatever its size."""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import and_, insert, or_, select, union, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from lms_app.models.base import utcnow
from lms_app.models.xapi import LrsClient, XapiActivity, XapiAttachment, XapiStatement, XapiStatementLink
from lms_app.services import xapi_validation as validation
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied

VOIDED_VERB = validation.VOIDED_VERB
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_ALGORITHMS = {"RS256", "RS384", "RS512"}
_JWS_HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
FORMATS = ("exact", "ids", "canonical")
# Link kinds: activities and agents a statement touches beyond its actor and object, the object
# itself when it is an agent or group (the `agent` filter matches actor or object), and the
# target of a StatementRef object (a query also returns the statements that refer to a match).
LINK_ACTIVITY = "activity"
LINK_AGENT = "agent"
LINK_OBJECT_AGENT = "objagent"
LINK_STATEMENT_REF = "stmtref"  # the statement a StatementRef object points at
QUERY_PARAMS = {"agent", "verb", "activity", "registration", "related_activities", "related_agents", "since", "until",
                "limit", "format", "attachments", "ascending"}
STAMPED = ("stored", "authority", "version", "timestamp")  # what the LRS fills in
Attachments = dict[str, tuple[str, bytes]]  # sha2 -> (content type, content)


def iso(moment: datetime) -> str:
    """A UTC timestamp as xAPI writes it: ISO 8601, milliseconds, Z."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: str, name: str) -> datetime:
    """An xAPI timestamp (the since / until parameters, a stored value) as a UTC datetime; 400 otherwise."""
    return validation.parse_timestamp(value, name)


def _stored_version(version: str) -> str:
    return "2.0.0" if version.startswith("2") else "1.0.0"


def _key_or_empty(agent) -> str:
    """The agent's identifier key, "" for an anonymous group (it has none)."""
    return validation.agent_key(agent) if isinstance(agent, dict) else ""


def _activity_objects(statement: dict) -> list[dict]:
    """Every Activity object in a statement (its object, its context activities, the same in a sub-statement)."""
    found = []
    for part in (statement, statement.get("object") if (statement.get("object") or {}).get("objectType") == "SubStatement" else None):
        if not isinstance(part, dict):
            continue
        target = part.get("object") or {}
        if target.get("objectType", "Activity") == "Activity" and "id" in target:
            found.append(target)
        for group in ((part.get("context") or {}).get("contextActivities") or {}).values():
            found += [a for a in (group if isinstance(group, list) else [group]) if isinstance(a, dict) and "id" in a]
    return found


def _object_activity_id(statement: dict) -> str:
    target = statement.get("object") or {}
    return target["id"] if target.get("objectType", "Activity") == "Activity" and "id" in target else ""


def _links(statement: dict) -> set[tuple[str, str]]:
    """The (kind, value) rows that make the statement findable by related_*, by an agent object
    and by the statement it refers to."""
    target = statement.get("object") or {}
    object_agent = _key_or_empty(target) if target.get("objectType") in ("Agent", "Group") else ""
    links = {(LINK_OBJECT_AGENT, object_agent)} if object_agent else set()
    beyond = {_key_or_empty(statement.get("actor")), object_agent, ""}
    links |= {(LINK_AGENT, key) for key in validation.agent_keys(statement) if key not in beyond}
    object_activity = _object_activity_id(statement)
    links |= {(LINK_ACTIVITY, activity_id) for activity_id in validation.activity_ids(statement) if activity_id != object_activity}
    if target.get("objectType") == "StatementRef" and target.get("id"):
        links.add((LINK_STATEMENT_REF, str(target["id"]).lower()))
    return links


# ---------------------------------------------------------------- storing


def _b64url_json(segment: str):
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _check_signature(statement: dict, signature_part: bytes) -> None:
    """A signed statement (xAPI 2.0.0 Data 4.2.6, 1.0.3 Data 2.6): the JWS must be compact,
    RS256/384/512, and its payload the statement as it was before the signature attachment was
    added. When its header carries an X.509 certificate chain (`x5c`), the RSA signature must
    verify against the first certificate's public key, that certificate must be valid now and
    each further certificate must have issued the one before it; anything else is a 400.

    Without `x5c` the statement is stored with its signature unverified: the specification
    asks the LRS to validate the signature only "if the JWS header includes an X.509
    certificate" (sending one is a "should" for the signer), the LRS then has no key to check
    it with, and whoever reads the statement can still verify it against a key they trust. No chain is required to end at a root this LRS trusts:
    it has no trust store for the tools that write to it."""
    try:
        segments = signature_part.decode("ascii").strip().split(".")
    except UnicodeDecodeError:
        segments = []
    if len(segments) != 3 or not segments[2]:
        raise Invalid("The signature attachment is not a JWS in compact serialization.")
    header, payload = _b64url_json(segments[0]), _b64url_json(segments[1])
    if not isinstance(header, dict) or header.get("alg") not in SIGNATURE_ALGORITHMS:
        raise Invalid("The statement's signature must use RS256, RS384 or RS512.")
    if not isinstance(payload, dict):
        raise Invalid("The payload of the statement's signature is not a statement.")
    unsigned = copy.deepcopy(statement)
    unsigned["attachments"] = [a for a in unsigned.get("attachments") or [] if a.get("usageType") != SIGNATURE_USAGE]
    if not unsigned["attachments"]:
        del unsigned["attachments"]
    if "id" not in payload:
        unsigned.pop("id", None)
    if not validation.same_statement(payload, unsigned):
        raise Invalid("The statement's signature was made over a different statement.")
    if "x5c" in header:
        _verify_with_certificate(header["alg"], header["x5c"], f"{segments[0]}.{segments[1]}".encode("ascii"),
                                 _b64url_bytes(segments[2]))


def _b64url_bytes(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise Invalid("The JWS signature is not base64url.") from None


def _certificates(x5c) -> list[x509.Certificate]:
    """The `x5c` header: a non-empty array of base64 (not base64url) DER certificates, signer first."""
    if not isinstance(x5c, list) or not x5c or not all(isinstance(item, str) for item in x5c):
        raise Invalid("The JWS header's x5c must be an array of base64-encoded certificates.")
    chain = []
    for index, item in enumerate(x5c):
        try:
            chain.append(x509.load_der_x509_certificate(base64.b64decode(item, validate=True)))
        except (binascii.Error, ValueError):
            raise Invalid(f"Certificate {index} of the JWS header's x5c is not a base64-encoded DER X.509 certificate.") from None
    return chain


def _verify_with_certificate(alg: str, x5c, signing_input: bytes, signature: bytes) -> None:
    chain = _certificates(x5c)
    try:
        key = chain[0].public_key()
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, rsa.RSAPublicKey):
        raise Invalid(f"The certificate in the JWS header's x5c must hold an RSA key for {alg}.")
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), _JWS_HASHES[alg]())
    except InvalidSignature:
        raise Invalid("The statement's signature does not verify against the certificate in its JWS header (x5c): "
                      "the statement or its signature was changed, or another key signed it.") from None
    now = utcnow()
    for index, certificate in enumerate(chain):
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise Invalid(f"Certificate {index} of the JWS header's x5c is not valid now "
                          f"(valid from {iso(certificate.not_valid_before_utc)} to {iso(certificate.not_valid_after_utc)}).")
    for index, (certificate, issuer) in enumerate(zip(chain, chain[1:])):
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise Invalid(f"Certificate {index + 1} of the JWS header's x5c did not issue certificate {index}.") from None


def _check_attachments(statements: list[dict], parts: Attachments) -> set[str]:
    """The hashes of the parts the batch uses; 400 when a statement's attachment has no part or a
    signature is wrong."""
    used: set[str] = set()
    for statement in statements:
        for attachment in statement.get("attachments") or []:
            sha2 = attachment.get("sha2", "")
            is_signature = attachment.get("usageType") == SIGNATURE_USAGE
            if sha2 in parts:
                used.add(sha2)
            elif is_signature or not attachment.get("fileUrl"):
                raise Invalid(f"The attachment with SHA-2 {sha2} has no part in the request.")
            if is_signature:
                if attachment.get("contentType") != "application/octet-stream":
                    raise Invalid("A signature attachment's contentType must be application/octet-stream.")
                _check_signature(statement, parts[sha2][1])
    unused = set(parts) - used
    if unused:
        raise Invalid("The request carries attachment parts no statement names: " + ", ".join(sorted(unused)) + ".")
    return used


def _merge_definitions(session: Session, org_id: int, statements: list[dict]) -> None:
    """Keep each activity's canonical definition: the latest values, language maps merged by language."""
    incoming: dict[str, dict] = {}
    for statement in statements:
        for activity in _activity_objects(statement):
            definition = activity.get("definition")
            if isinstance(definition, dict) and definition:
                incoming[activity["id"]] = _merged(incoming.get(activity["id"], {}), definition)
    if not incoming:
        return
    existing = {row.activity_id: row for row in session.scalars(
        select(XapiActivity).where(XapiActivity.org_id == org_id, XapiActivity.activity_id.in_(list(incoming))))}
    new_rows = []
    for activity_id, definition in incoming.items():
        row = existing.get(activity_id)
        if row is None:
            new_rows.append({"org_id": org_id, "activity_id": activity_id, "definition": definition})
        else:
            row.definition = _merged(row.definition or {}, definition)
            session.add(row)
    if new_rows:
        session.execute(insert(XapiActivity), new_rows)


def _merged(old: dict, new: dict) -> dict:
    merged = dict(old)
    for name, value in new.items():
        if name in ("name", "description") and isinstance(value, dict) and isinstance(old.get(name), dict):
            merged[name] = {**old[name], **value}
        else:
            merged[name] = value
    return merged


def store(session: Session, client: LrsClient, statements: list[dict], *, put_id: str | None = None,
          version: str = "2.0.0", attachments: Attachments | None = None) -> list[str]:
    """Store a batch, all or nothing, and return the statement ids in the batch's order.

    Validates every statement, gives ids to those without, stamps stored, authority and version;
    an id already stored with the same content is left as it is, with other content it is a
    Conflict. Voiding statements mark their target voided. Attachment parts (sha2 -> (type,
    content)) must cover every attachment without a fileUrl."""
    if "statements/write" not in (client.scopes or []):
        raise PermissionDenied("These credentials may not store statements.")
    attachments = attachments or {}
    if put_id is not None:
        if len(statements) != 1:
            raise Invalid("PUT stores exactly one statement.")
        given = statements[0].get("id") if isinstance(statements[0], dict) else None
        if given is not None and str(given).lower() != put_id.lower():
            raise Invalid("The statementId parameter and the statement's id differ.")
    statements = validation.validate_batch(statements, version=version)
    if put_id is not None:
        statements[0]["id"] = put_id.lower()
    for statement in statements:  # the validator refused ids given twice
        statement["id"] = str(statement.get("id") or uuid.uuid4()).lower()
    ids_seen = {statement["id"] for statement in statements}
    used_parts = _check_attachments(statements, attachments)  # signatures cover the statement as sent

    already = {row.statement_id: row.body for row in session.execute(
        select(XapiStatement.statement_id, XapiStatement.body)
        .where(XapiStatement.org_id == client.org_id, XapiStatement.statement_id.in_(list(ids_seen))))}
    fresh = []
    for statement in statements:
        if statement["id"] in already:
            if not validation.same_statement(already[statement["id"]], _as_stamped(statement, already[statement["id"]])):
                raise Conflict(f"A different statement with the id {statement['id']} is already stored.")
        else:
            fresh.append(statement)
    now = utcnow()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the column holds what the body says, to the ms
    stored_iso = iso(now)
    for statement in fresh:
        statement["stored"] = stored_iso
        statement["authority"] = copy.deepcopy(client.authority)
        statement.setdefault("version", _stored_version(version))
        statement.setdefault("timestamp", stored_iso)
    if fresh:
        _insert(session, client, fresh, now)
        _void_targets(session, client.org_id, fresh)  # after the insert: a target may come in the same batch
        _store_parts(session, client.org_id, {sha2: attachments[sha2] for sha2 in used_parts})
        _merge_definitions(session, client.org_id, fresh)
    return [statement["id"] for statement in statements]


def _as_stamped(statement: dict, stored: dict) -> dict:
    """The statement with what the LRS stamped on its stored twin where it has none itself
    (an unset timestamp became stored), for comparing the two."""
    return {**{name: stored[name] for name in STAMPED if name in stored}, **statement}


def _voids(statement: dict) -> str:
    target = statement.get("object") or {}
    if (statement.get("verb") or {}).get("id") == VOIDED_VERB and target.get("objectType") == "StatementRef":
        return str(target.get("id", "")).lower()
    return ""


def _void_targets(session: Session, org_id: int, statements: list[dict]) -> None:
    """Mark what the voiding statements target as voided; a voiding statement cannot be voided
    (a target not stored yet is fine: the voiding statement is stored all the same)."""
    targets = {_voids(s) for s in statements} - {""}
    if not targets:
        return
    voiding_in_batch = {s["id"] for s in statements if _voids(s)}
    if targets & voiding_in_batch:
        raise Invalid("A voiding statement cannot be voided.")
    stored_voiding = session.scalars(select(XapiStatement.statement_id).where(
        XapiStatement.org_id == org_id, XapiStatement.statement_id.in_(list(targets)),
        XapiStatement.voids_statement_id != "")).first()
    if stored_voiding:
        raise Invalid("A voiding statement cannot be voided.")
    session.execute(update(XapiStatement).where(XapiStatement.org_id == org_id, XapiStatement.statement_id.in_(list(targets)))
                    .values(voided=True))


def _insert(session: Session, client: LrsClient, statements: list[dict], now: datetime) -> None:
    rows = []
    for statement in statements:
        context = statement.get("context") or {}
        rows.append({
            "org_id": client.org_id, "statement_id": statement["id"], "verb_id": statement["verb"]["id"],
            "actor_key": _key_or_empty(statement.get("actor")),
            "activity_id": _object_activity_id(statement),
            "registration": str(context.get("registration") or "").lower(), "voids_statement_id": _voids(statement),
            "voided": False, "stored": now, "timestamp": parse_time(statement["timestamp"], "timestamp"),
            "client_id": client.id, "body": statement,
        })
    seqs = session.execute(insert(XapiStatement).returning(XapiStatement.seq, sort_by_parameter_order=True), rows).scalars().all()
    link_rows = [{"org_id": client.org_id, "statement_seq": seq, "kind": kind, "value": value}
                 for seq, statement in zip(seqs, statements) for kind, value in sorted(_links(statement))]
    if link_rows:
        session.execute(insert(XapiStatementLink), link_rows)


def _store_parts(session: Session, org_id: int, parts: Attachments) -> None:
    if not parts:
        return
    known = set(session.scalars(select(XapiAttachment.sha2).where(XapiAttachment.org_id == org_id,
                                                                  XapiAttachment.sha2.in_(list(parts)))))
    rows = [{"org_id": org_id, "sha2": sha2, "content_type": content_type[:255], "content": content}
            for sha2, (content_type, content) in parts.items() if sha2 not in known]
    if rows:
        session.execute(insert(XapiAttachment), rows)


def sha2_of(content: bytes, length: int = 256) -> str:
    """The hex SHA-2 digest used to name an attachment part."""
    return {224: hashlib.sha224, 256: hashlib.sha256, 384: hashlib.sha384, 512: hashlib.sha512}[length](content).hexdigest()


# ---------------------------------------------------------------- reading


@dataclass
class StatementQuery:
    """The filters of a statement query, as the `more` token carries them on."""

    agent: str = ""
    verb: str = ""
    activity: str = ""
    registration: str = ""
    related_activities: bool = False
    related_agents: bool = False
    since: str = ""
    until: str = ""
    limit: int = DEFAULT_LIMIT
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    after_seq: int = 0  # the last seq already returned (0: first page)
    through_seq: int = 0  # the newest seq when the first page was read: later pages stay inside it
    languages: list[str] = field(default_factory=list)


@dataclass
class StatementResult:
    statements: list[dict]
    more: str
    attachments: Attachments
    consistent_through: str


def parse_boolean(params: dict[str, str], name: str) -> bool:
    """A true/false query parameter (false when absent); 400 for anything else."""
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise Invalid(f"{name} must be true or false.")
    return value == "true"


def parse_query(params: dict[str, str], languages: list[str] | None = None) -> StatementQuery:
    """Check the query parameters of GET /statements (not statementId / voidedStatementId)."""
    unknown = sorted(set(params) - QUERY_PARAMS)
    if unknown:
        raise Invalid("Unknown statement query parameter(s): " + ", ".join(unknown) + ".")
    query = StatementQuery(languages=list(languages or []))
    if "agent" in params:
        try:
            agent = json.loads(params["agent"])
        except ValueError:
            raise Invalid("The agent parameter must be an Agent or Group as JSON.") from None
        if not isinstance(agent, dict):
            raise Invalid("The agent parameter must be an Agent or Group as JSON.")
        query.agent = validation.agent_key(agent)
        if not query.agent:
            raise Invalid("The agent parameter must identify an Agent or Group (mbox, mbox_sha1sum, openid or account).")
    query.verb = params.get("verb", "")
    query.activity = params.get("activity", "")
    if "registration" in params:
        try:
            query.registration = str(uuid.UUID(params["registration"]))
        except ValueError:
            raise Invalid("The registration parameter must be a UUID.") from None
    query.related_activities = parse_boolean(params, "related_activities")
    query.related_agents = parse_boolean(params, "related_agents")
    for name in ("since", "until"):
        if name in params:
            setattr(query, name, iso(parse_time(params[name], name)))
    try:
        limit = int(params.get("limit", "0"))
    except ValueError:
        raise Invalid("limit must be a whole number.") from None
    if limit < 0:
        raise Invalid("limit cannot be negative.")
    query.limit = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
    query.format = params.get("format", "exact")
    if query.format not in FORMATS:
        raise Invalid("format must be ids, exact or canonical.")
    query.attachments = parse_boolean(params, "attachments")
    query.ascending = parse_boolean(params, "ascending")
    return query


def _token(query: StatementQuery, client: LrsClient) -> str:
    state = {name: value for name, value in vars(query).items() if name != "languages"}
    state["client"] = client.id
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_more(token: str, client: LrsClient, languages: list[str] | None = None) -> StatementQuery:
    """The query a `more` token continues (only for the client it was given to)."""
    state = _b64url_json(token or "")
    if not isinstance(state, dict) or state.pop("client", None) != client.id:
        raise NotFound("That page of statements does not exist.")
    try:
        return StatementQuery(**state, languages=list(languages or []))
    except TypeError:
        raise NotFound("That page of statements does not exist.") from None


def _visible(client: LrsClient):
    """The statements this client may read: its organization's, or only its own with read/mine."""
    scopes = set(client.scopes or [])
    conditions = [XapiStatement.org_id == client.org_id]
    if "statements/read" not in scopes:
        if "statements/read/mine" not in scopes:
            raise PermissionDenied("These credentials may not read statements.")
        conditions.append(XapiStatement.client_id == client.id)
    return conditions


def _link_match(statement, org_id: int, kinds: list[str], value: str):
    return statement.seq.in_(select(XapiStatementLink.statement_seq).where(
        XapiStatementLink.org_id == org_id, XapiStatementLink.kind.in_(kinds), XapiStatementLink.value == value))


def _filters(statement, org_id: int, q: StatementQuery) -> list:
    """The agent, verb, activity and registration conditions on `statement` (the table or an alias)."""
    conditions = []
    if q.agent:
        kinds = [LINK_OBJECT_AGENT, LINK_AGENT] if q.related_agents else [LINK_OBJECT_AGENT]
        conditions.append(or_(statement.actor_key == q.agent, _link_match(statement, org_id, kinds, q.agent)))
    if q.verb:
        conditions.append(statement.verb_id == q.verb)
    if q.activity:
        if q.related_activities:
            conditions.append(or_(statement.activity_id == q.activity, _link_match(statement, org_id, [LINK_ACTIVITY], q.activity)))
        else:
            conditions.append(statement.activity_id == q.activity)
    if q.registration:
        conditions.append(statement.registration == q.registration)
    return conditions


def _matching_seqs(org_id: int, q: StatementQuery) -> list:
    """The selects (to be UNIONed) of the seqs of the statements matching the query's own
    filters: one indexed select per way of matching each selective filter, the agent as actor or
    through a link (object, or any related agent), the activity as object or through a link when
    related."""
    ways = []
    if q.agent:
        kinds = [LINK_OBJECT_AGENT, LINK_AGENT] if q.related_agents else [LINK_OBJECT_AGENT]
        ways.append([(XapiStatement.actor_key, q.agent), (kinds, q.agent)])
    if q.activity:
        ways.append([(XapiStatement.activity_id, q.activity)] + ([([LINK_ACTIVITY], q.activity)] if q.related_activities else []))
    branches = []
    for combination in itertools.product(*ways):
        branch = select(XapiStatement.seq).where(XapiStatement.org_id == org_id)
        for target, value in combination:
            if isinstance(target, list):
                link = aliased(XapiStatementLink)
                branch = branch.join(link, link.statement_seq == XapiStatement.seq).where(
                    link.org_id == org_id, link.kind.in_(target), link.value == value)
            else:
                branch = branch.where(target == value)
        if q.verb:
            branch = branch.where(XapiStatement.verb_id == q.verb)
        if q.registration:
            branch = branch.where(XapiStatement.registration == q.registration)
        branches.append(branch)
    return branches


def query(session: Session, client: LrsClient, statement_query: StatementQuery) -> StatementResult:
    """One page of the statements matching the query, newest first unless ascending, voided ones left out.

    A statement whose object is a StatementRef also matches when its target matches the filters
    (the specification's rule, one level deep); since, until and the page bounds apply to the
    statement itself."""
    q = statement_query
    conditions = _visible(client) + [XapiStatement.voided.is_(False)]
    if not q.through_seq:
        q.through_seq = session.scalar(select(XapiStatement.seq).where(XapiStatement.org_id == client.org_id)
                                       .order_by(XapiStatement.seq.desc()).limit(1)) or 0
    conditions.append(XapiStatement.seq <= q.through_seq)
    if q.after_seq:
        conditions.append(XapiStatement.seq > q.after_seq if q.ascending else XapiStatement.seq < q.after_seq)
    if q.agent or q.activity:
        # Selective filters: the matching statements as a UNION of indexed selects, then those
        # referring to them. (An OR over a column and a link subquery makes PostgreSQL walk the
        # whole table backwards looking for a page of rare matches.)
        branches = _matching_seqs(client.org_id, q)
        matching = union(*branches) if len(branches) > 1 else branches[0]
        target = aliased(XapiStatement)
        referring = (select(XapiStatementLink.statement_seq)
                     .join(target, and_(target.org_id == XapiStatementLink.org_id, target.statement_id == XapiStatementLink.value))
                     .where(XapiStatementLink.org_id == client.org_id, XapiStatementLink.kind == LINK_STATEMENT_REF,
                            target.seq.in_(matching)))
        # One flat UNION: SQLite refuses a compound select nested in another.
        conditions.append(XapiStatement.seq.in_(union(*branches, referring)))
    elif own_filters := _filters(XapiStatement, client.org_id, q):
        target = aliased(XapiStatement)
        referring = XapiStatement.seq.in_(
            select(XapiStatementLink.statement_seq)
            .join(target, and_(target.org_id == XapiStatementLink.org_id, target.statement_id == XapiStatementLink.value))
            .where(XapiStatementLink.org_id == client.org_id, XapiStatementLink.kind == LINK_STATEMENT_REF,
                   *_filters(target, client.org_id, q)))
        conditions.append(or_(and_(*own_filters), referring))
    if q.since:
        conditions.append(XapiStatement.stored > parse_time(q.since, "since"))
    if q.until:
        conditions.append(XapiStatement.stored <= parse_time(q.until, "until"))
    order = XapiStatement.seq.asc() if q.ascending else XapiStatement.seq.desc()
    rows = session.execute(select(XapiStatement.seq, XapiStatement.body).where(*conditions).order_by(order)
                           .limit(q.limit + 1)).all()
    more = ""
    if len(rows) > q.limit:
        rows = rows[:q.limit]
        q.after_seq = rows[-1].seq
        more = _token(q, client)
    bodies = [row.body for row in rows]
    definitions = _canonical_definitions(session, client.org_id, bodies) if q.format == "canonical" else {}
    return StatementResult(statements=[_formatted(body, q, definitions) for body in bodies], more=more,
                           attachments=_parts_of(session, client.org_id, bodies) if q.attachments else {},
                           consistent_through=iso(utcnow()))


def _formatted(body: dict, q: StatementQuery, definitions: dict[str, dict]) -> dict:
    if q.format == "exact":
        return body
    return validation.format_statement(body, q.format, q.languages, definitions)


def _canonical_definitions(session: Session, org_id: int, bodies: list[dict]) -> dict[str, dict]:
    """The LRS's canonical definition of every activity these statements name, in one query."""
    ids = {activity_id for body in bodies for activity_id in validation.activity_ids(body)}
    if not ids:
        return {}
    return dict(session.execute(select(XapiActivity.activity_id, XapiActivity.definition)
                                .where(XapiActivity.org_id == org_id, XapiActivity.activity_id.in_(list(ids)))).all())


def _parts_of(session: Session, org_id: int, bodies: list[dict]) -> Attachments:
    wanted = {a.get("sha2") for body in bodies for a in body.get("attachments") or []} - {None}
    if not wanted:
        return {}
    return {row.sha2: (row.content_type, row.content) for row in session.scalars(
        select(XapiAttachment).where(XapiAttachment.org_id == org_id, XapiAttachment.sha2.in_(list(wanted))))}


def get(session: Session, client: LrsClient, *, statement_id: str | None = None, voided_statement_id: str | None = None,
        fmt: str = "exact", languages: list[str] | None = None, with_attachments: bool = False) -> tuple[dict, Attachments]:
    """One statement by its id (404 when it is voided), or a voided one by voidedStatementId,
    with its attachment parts when asked."""
    if (statement_id is None) == (voided_statement_id is None):
        raise Invalid("Give either statementId or voidedStatementId.")
    wanted_id = (statement_id or voided_statement_id or "").lower()
    try:
        uuid.UUID(wanted_id)
    except ValueError:
        raise Invalid("A statement id is a UUID.") from None
    if fmt not in FORMATS:
        raise Invalid("format must be ids, exact or canonical.")
    row = session.execute(select(XapiStatement.body).where(*_visible(client), XapiStatement.statement_id == wanted_id,
                                                            XapiStatement.voided.is_(voided_statement_id is not None))).first()
    if row is None:
        raise NotFound("No statement has that id.")
    definitions = _canonical_definitions(session, client.org_id, [row.body]) if fmt == "canonical" else {}
    body = row.body if fmt == "exact" else validation.format_statement(row.body, fmt, list(languages or []), definitions)
    return body, (_parts_of(session, client.org_id, [row.body]) if with_attachments else {})
