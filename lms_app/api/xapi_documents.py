"""The xAPI document resources over HTTP, for LRS clients (HTTP Basic):

- /xapi/activities/state    PUT | POST | GET | HEAD | DELETE  activityId, agent, registration, stateId (since)
- /xapi/activities/profile  PUT | POST | GET | HEAD | DELETE  activityId, profileId (since)
- /xapi/agents/profile      PUT | POST | GET | HEAD | DELETE  agent, profileId (since)
- /xapi/activities          GET | HEAD  activityId -> the Activity object
- /xapi/agents              GET | HEAD  agent -> the Person object

Every request carries X-Experience-API-Version (1.0.x or 2.0.0) and every answer names the
version it speaks. Under 1.0.x the alternate request syntax (a POST with ?method=, the
headers, parameters and content as form fields) is accepted too.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from lms_app import db
from lms_app.api.common import error_response
from lms_app.api.xapi import VERSION_HEADER, MethodNotAllowed, Unauthorized, XapiCall, accepts_version, answer_version, unauthorized, unfold
from lms_app.models.xapi import LrsClient, XapiDocument
from lms_app.services import lrs_clients
from lms_app.services import xapi_documents as documents
from lms_app.services.errors import DomainError, Invalid, PermissionDenied

router = APIRouter(prefix="/xapi")

# Documents come back with the content type their writer chose: a browser must never run one
# as a page of this site.
_SAFE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "default-src 'none'; sandbox"}
_DOCUMENT_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


def _preconditions(call: XapiCall) -> documents.Preconditions:
    return documents.Preconditions(call.headers.get("if-match"), call.headers.get("if-none-match"))


def _handle(request: Request, body: bytes, allowed_scope: Callable[[list[str]], bool],
            work: Callable[[Session, LrsClient, XapiCall], Response]) -> Response:
    """Authenticate the client, check the version header and its scope, then run `work` in one
    transaction; a domain error becomes its status with {"detail": reason}."""
    version = request.headers.get(VERSION_HEADER, "")
    try:
        call = unfold(request.method, dict(request.query_params), dict(request.headers), body, _DOCUMENT_METHODS)
        version = call.version
        with db.session_scope() as session:
            client = lrs_clients.authenticate(session, call.headers.get("authorization"))
            if client is None:
                raise Unauthorized
            if not version:
                raise Invalid(f"The {VERSION_HEADER} header is required (1.0.3 or 2.0.0).")
            if not accepts_version(version):
                raise Invalid(f"The {VERSION_HEADER} header {version!r} is not a version this LRS speaks (1.0.x or 2.0.0).")
            if not allowed_scope(list(client.scopes or [])):
                raise PermissionDenied("These credentials may not use this resource.")
            response = work(session, client, call)
    except Unauthorized:
        response = unauthorized()
    except DomainError as exc:
        response = error_response(exc)
    response.headers[VERSION_HEADER] = answer_version(version)
    for name, value in _SAFE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _documents_scope(scopes: list[str]) -> bool:
    return "state" in scopes


def _read_scope(scopes: list[str]) -> bool:
    return "state" in scopes or any(scope.startswith("statements/") for scope in scopes)


def _only(call: XapiCall, allowed: set[str], resource: str) -> None:
    """400 for a parameter the resource does not know (the specification requires it, case included)."""
    unknown = sorted(set(call.params) - allowed)
    if unknown:
        raise Invalid(f"{resource} does not take the parameter(s) {', '.join(unknown)} with {call.method}.")


def _http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


def _document_response(call: XapiCall, document: XapiDocument) -> Response:
    headers = {"ETag": f'"{document.etag}"', "Last-Modified": _http_date(document.updated),
               "Content-Type": document.content_type}
    if call.method == "HEAD":
        return Response(status_code=200, headers={**headers, "Content-Length": str(len(document.content))})
    return Response(content=document.content, status_code=200, headers=headers)


def _json_response(call: XapiCall, value, last_modified: datetime | None = None) -> Response:
    content = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"ETag": f'"{hashlib.sha1(content).hexdigest()}"', "Content-Type": "application/json"}
    if last_modified is not None:
        headers["Last-Modified"] = _http_date(last_modified)
    if call.method == "HEAD":
        return Response(status_code=200, headers={**headers, "Content-Length": str(len(content))})
    return Response(content=content, status_code=200, headers=headers)


def _no_content() -> Response:
    return Response(status_code=204)


def _document_resource(session: Session, client: LrsClient, call: XapiCall, *, kind: str, id_name: str,
                       context: Callable[[XapiCall], documents.Address], resource: str,
                       headers_required_to_overwrite: bool) -> Response:
    """The shared behaviour of the three document resources. `context` reads and validates the
    resource's own parameters into an address without the document id."""
    allowed = set(_context_params(kind)) | {id_name}
    if call.method in ("GET", "HEAD"):
        allowed.add("since")  # only the listing uses it; a single GET may carry it and ignores it
    _only(call, allowed, resource)
    address = context(call)
    if call.method in ("PUT", "POST") or (id_name in call.params):
        address = documents.Address(address.kind, address.activity_id, address.agent_key, address.registration,
                                    documents.parse_document_id(call.params.get(id_name), id_name))
    content_type = call.headers.get("content-type")
    if call.method == "PUT":
        documents.put_document(session, client.org_id, address, call.content, content_type, _preconditions(call),
                               headers_required_to_overwrite=headers_required_to_overwrite)
        return _no_content()
    if call.method == "POST":
        documents.post_document(session, client.org_id, address, call.content, content_type, _preconditions(call))
        return _no_content()
    if call.method == "DELETE":
        if address.document_id:
            documents.delete_document(session, client.org_id, address, _preconditions(call))
        elif kind == documents.STATE:
            documents.delete_states(session, client.org_id, address.activity_id, address.agent_key,
                                    _registration_filter(call))
        else:
            raise Invalid(f"The {id_name} parameter is required.")
        return _no_content()
    if address.document_id:
        return _document_response(call, documents.get_document(session, client.org_id, address))
    found = documents.list_document_ids(session, client.org_id, kind, activity_id=address.activity_id,
                                        agent_key=address.agent_key,
                                        registration=_registration_filter(call) if kind == documents.STATE else "",
                                        since=documents.parse_since(call.params.get("since")))
    return _json_response(call, found.ids, found.last_modified)


def _context_params(kind: str) -> tuple[str, ...]:
    return {documents.STATE: ("activityId", "agent", "registration"),
            documents.ACTIVITY_PROFILE: ("activityId",),
            documents.AGENT_PROFILE: ("agent",)}[kind]


def _registration_filter(call: XapiCall) -> str | None:
    """For listing and deleting states: one registration's when the parameter is there, else all."""
    return documents.parse_registration(call.params["registration"]) if "registration" in call.params else None


def _state_context(call: XapiCall) -> documents.Address:
    activity_id = documents.parse_activity_id(call.params.get("activityId"))
    agent = documents.parse_agent(call.params.get("agent"))
    registration = documents.parse_registration(call.params.get("registration"))
    return documents.Address(documents.STATE, activity_id=activity_id, agent_key=agent.key, registration=registration)


def _activity_profile_context(call: XapiCall) -> documents.Address:
    return documents.Address(documents.ACTIVITY_PROFILE, activity_id=documents.parse_activity_id(call.params.get("activityId")))


def _agent_profile_context(call: XapiCall) -> documents.Address:
    return documents.Address(documents.AGENT_PROFILE, agent_key=documents.parse_agent(call.params.get("agent")).key)


@router.api_route("/activities/state", methods=_DOCUMENT_METHODS)
async def state(request: Request) -> Response:
    body = await request.body()
    return await run_in_threadpool(_handle, request, body, _documents_scope, lambda session, client, call: _document_resource(
        session, client, call, kind=documents.STATE, id_name="stateId", context=_state_context, resource="The State resource",
        headers_required_to_overwrite=call.speaks_2))


@router.api_route("/activities/profile", methods=_DOCUMENT_METHODS)
async def activity_profile(request: Request) -> Response:
    body = await request.body()
    return await run_in_threadpool(_handle, request, body, _documents_scope, lambda session, client, call: _document_resource(
        session, client, call, kind=documents.ACTIVITY_PROFILE, id_name="profileId", context=_activity_profile_context,
        resource="The Activity Profile resource", headers_required_to_overwrite=True))


@router.api_route("/agents/profile", methods=_DOCUMENT_METHODS)
async def agent_profile(request: Request) -> Response:
    body = await request.body()
    return await run_in_threadpool(_handle, request, body, _documents_scope, lambda session, client, call: _document_resource(
        session, client, call, kind=documents.AGENT_PROFILE, id_name="profileId", context=_agent_profile_context,
        resource="The Agent Profile resource", headers_required_to_overwrite=True))


def _activities(session: Session, client: LrsClient, call: XapiCall) -> Response:
    _read_only(call, "The Activities resource")
    _only(call, {"activityId"}, "The Activities resource")
    activity_id = documents.parse_activity_id(call.params.get("activityId"))
    return _json_response(call, documents.activity_object(session, client.org_id, activity_id))


def _agents(session: Session, client: LrsClient, call: XapiCall) -> Response:
    _read_only(call, "The Agents resource")
    _only(call, {"agent"}, "The Agents resource")
    agent = documents.parse_agent(call.params.get("agent"))
    return _json_response(call, documents.person_object(session, client.org_id, agent))


def _read_only(call: XapiCall, resource: str) -> None:
    if call.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(f"{resource} only answers GET and HEAD.")


@router.api_route("/activities", methods=["GET", "HEAD", "POST"])
async def activities(request: Request) -> Response:
    body = await request.body()
    return await run_in_threadpool(_handle, request, body, _read_scope, _activities)


@router.api_route("/agents", methods=["GET", "HEAD", "POST"])
async def agents(request: Request) -> Response:
    body = await request.body()
    return await run_in_threadpool(_handle, request, body, _read_scope, _agents)
