"""The xAPI Statements and About resources over HTTP, for LRS clients (HTTP Basic):

- /xapi/statements  PUT (statementId) | POST (one or many) | GET | HEAD
- /xapi/about       GET | HEAD, no authentication

Every statements request carries X-Experience-API-Version (1.0.0-1.0.3 or 2.0.0; otherwise
400) and every answer names the version it speaks. Statements with attachments come and go
as multipart/mixed: the JSON first, then one part per attachment named by X-Experience-API-Hash.
Under 1.0.x the alternate request syntax (a POST with ?method=, headers, parameters and
content as form fields) is accepted; 2.0.0 removed it.

Browser content served from another origin (a SCORM or cmi5 package, an xAPI course) calls the
LRS cross-origin with its Basic credentials in the Authorization header: `cors` answers the
preflight of every /xapi/ resource and opens their answers to any origin, without credentials
(no cookie ever reaches the LRS). It must wrap the whole ASGI app, outside Reflex's own CORS
middleware, which refuses the preflights of every origin but this site's.
"""

from __future__ import annotations

import email.utils
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lms_app import db
from lms_app.api.common import error_response
from lms_app.models.base import utcnow
from lms_app.models.xapi import LrsClient
from lms_app.services import lrs_clients
from lms_app.services import xapi_statements as statements
from lms_app.services.errors import DomainError, Invalid, PermissionDenied

PREFIX = "/xapi"
router = APIRouter(prefix=PREFIX)

VERSION_HEADER = "X-Experience-API-Version"
CONSISTENT_HEADER = "X-Experience-API-Consistent-Through"
HASH_HEADER = "X-Experience-API-Hash"
_ACCEPTED_VERSION = re.compile(r"^(1\.0|1\.0\.[0-3]|2\.0\.0)$")  # "1.0" is read as 1.0.0 (1.0.3 spec)
_HEADER_FIELDS = {"authorization", "x-experience-api-version", "content-type", "content-length", "if-match",
                  "if-none-match", "accept-language"}
_STATEMENT_METHODS = ["GET", "HEAD", "PUT", "POST"]
_SINGLE_PARAMS = {"statementId", "voidedStatementId"}
MAX_BODY = 20 * 1024 * 1024
SUPPORTED_VERSIONS = ["1.0.3", "2.0.0"]
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-Experience-API-Consistent-Through, X-Experience-API-Version",
}
CORS_PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    # Listed by name: a "*" would not cover Authorization.
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, "
                                    "Accept-Language",
    "Access-Control-Max-Age": "600",
}


class PayloadTooLarge(DomainError):
    status_code = 413


class MethodNotAllowed(DomainError):
    status_code = 405


class Unauthorized(Exception):
    """No credentials, or credentials the LRS does not accept (answered 401)."""


@dataclass(frozen=True)
class XapiCall:
    """One request as the resource sees it, after the alternate request syntax is unfolded."""

    method: str
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    content: bytes
    version: str

    @property
    def speaks_2(self) -> bool:
        return self.version == "2.0.0"


def unauthorized() -> JSONResponse:
    """The 401 every resource answers without valid credentials."""
    return JSONResponse({"detail": "Send the client's key and secret with HTTP Basic authentication."},
                        status_code=401, headers={"WWW-Authenticate": 'Basic realm="LRS"'})


def accepts_version(version: str) -> bool:
    """Whether this LRS speaks the version a request names (1.0.0 to 1.0.3, or 2.0.0)."""
    return bool(_ACCEPTED_VERSION.match(version or ""))


def answer_version(requested: str) -> str:
    """The version an answer speaks: 2.0.0, or 1.0.3 to a 1.0.x client."""
    return "1.0.3" if requested.startswith("1.0") else "2.0.0"


def unfold(method: str, query: dict[str, str], headers: dict[str, str], body: bytes, methods: list[str]) -> XapiCall:
    """The method, parameters, headers and content of a request (any /xapi resource), the 1.0.x
    alternate syntax (POST ?method=X with a form of headers, parameters and `content`) included."""
    headers = {name.lower(): value for name, value in headers.items()}
    params = dict(query)
    if method == "POST" and "method" in params:
        if set(params) != {"method"}:
            raise Invalid("With the alternate request syntax (?method=) every other parameter goes in the form.")
        method = params.pop("method").upper()
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise Invalid("The form of an alternate-syntax request must be UTF-8.") from None
        # The request's own Content-Type describes the form; the content's is a form field.
        headers.pop("content-type", None)
        for name in list(form):
            if name.lower() in _HEADER_FIELDS:
                headers[name.lower()] = form.pop(name)
        body = form.pop("content", "").encode("utf-8")
        params = form
        if not headers.get("x-experience-api-version", "").startswith("1.0"):
            raise Invalid("The alternate request syntax (?method=) is only part of xAPI 1.0.x.")
        if method not in methods:
            raise Invalid(f"The method parameter must be one of {', '.join(methods)}.")
    return XapiCall(method, params, headers, body, headers.get("x-experience-api-version", ""))


def _languages(headers: dict[str, str]) -> list[str]:
    """The Accept-Language tags, best first."""
    weighted = []
    for index, item in enumerate(headers.get("accept-language", "").split(",")):
        tag, _, quality = item.strip().partition(";q=")
        if tag:
            try:
                weighted.append((-float(quality or 1), index, tag.strip()))
            except ValueError:
                continue
    return [tag for *_, tag in sorted(weighted)]


# ---------------------------------------------------------------- multipart


def _boundary(content_type: str) -> bytes:
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
    if not match:
        raise Invalid("A multipart/mixed request needs a boundary.")
    return match.group(1).encode()


def parse_multipart(content_type: str, body: bytes) -> tuple[bytes, statements.Attachments]:
    """The statement JSON (first part) and the attachment parts by their X-Experience-API-Hash;
    400 when a part's content does not have the hash it claims."""
    delimiter = b"--" + _boundary(content_type)
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise Invalid("The multipart/mixed request is not complete.")
    parts = []
    for chunk in chunks[1:-1]:
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        chunk = chunk[:-2] if chunk.endswith(b"\r\n") else chunk
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            raise Invalid("A multipart part has no headers.")
        parts.append((BytesHeaderParser().parsebytes(head + b"\r\n\r\n"), content))
    first_headers, statement_json = parts[0]
    if not (first_headers.get("Content-Type") or "").lower().startswith("application/json"):
        raise Invalid("The first part of a multipart/mixed request must be the statements as application/json.")
    attachments: statements.Attachments = {}
    for headers, content in parts[1:]:
        sha2 = (headers.get(HASH_HEADER) or "").strip().lower()
        if not sha2:
            raise Invalid(f"Every attachment part needs the {HASH_HEADER} header.")
        if (headers.get("Content-Transfer-Encoding") or "binary").strip().lower() != "binary":
            raise Invalid("Attachment parts must use Content-Transfer-Encoding: binary.")
        if len(sha2) not in (56, 64, 96, 128) or statements.sha2_of(content, len(sha2) * 4) != sha2:
            raise Invalid(f"The attachment part's content does not have the SHA-2 hash {sha2}.")
        attachments[sha2] = (headers.get("Content-Type") or "application/octet-stream", content)
    return statement_json, attachments


def _multipart_response(document: dict, parts: statements.Attachments, headers: dict[str, str]) -> Response:
    boundary = secrets.token_hex(16)
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
              json.dumps(document, ensure_ascii=False).encode(), b"\r\n"]
    for sha2, (content_type, content) in parts.items():
        chunks += [f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                   f"{HASH_HEADER}: {sha2}\r\n\r\n".encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return Response(b"".join(chunks), status_code=200, headers=headers,
                    media_type=f'multipart/mixed; boundary="{boundary}"')


# ---------------------------------------------------------------- the resource


def _statements_payload(call: XapiCall) -> tuple[list[dict], statements.Attachments]:
    """The statements of a PUT/POST body (a list or one) and the attachment parts."""
    content_type = call.headers.get("content-type", "application/json").lower()
    content, attachments = call.content, {}
    if content_type.startswith("multipart/mixed"):
        content, attachments = parse_multipart(call.headers["content-type"], content)
    elif not content_type.startswith("application/json"):
        raise Invalid("Send statements as application/json, or multipart/mixed with attachments.")
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("The body is not JSON.") from None
    return (data if isinstance(data, list) else [data]), attachments


def _write(call: XapiCall, put_id: str | None) -> Response:
    """Store the body; when two requests race to store the same id, the loser sees the winner's row."""
    batch, attachments = _statements_payload(call)
    for attempt in (1, 2):
        try:
            with db.session_scope() as session:
                client = _client(session, call, "statements/write")
                ids = statements.store(session, client, batch, put_id=put_id, version=call.version, attachments=attachments)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    if put_id is not None:
        return Response(status_code=204)
    return JSONResponse(ids)


def _client(session, call: XapiCall, scope: str | None = None) -> LrsClient:
    client = lrs_clients.authenticate(session, call.headers.get("authorization"))
    if client is None:
        raise Unauthorized
    if scope and scope not in (client.scopes or []):
        raise PermissionDenied("These credentials may not do this.")
    return client


def _read(call: XapiCall) -> Response:
    params = dict(call.params)
    languages = _languages(call.headers)
    with db.session_scope() as session:
        client = _client(session, call)
        if set(params) & _SINGLE_PARAMS:
            extra = set(params) - _SINGLE_PARAMS - {"attachments", "format"}
            if extra or len(set(params) & _SINGLE_PARAMS) > 1:
                raise Invalid("statementId and voidedStatementId only go with format and attachments.")
            with_attachments = statements.parse_boolean(params, "attachments")
            body, parts = statements.get(session, client, statement_id=params.get("statementId"),
                                         voided_statement_id=params.get("voidedStatementId"),
                                         fmt=params.get("format", "exact"), languages=languages,
                                         with_attachments=with_attachments)
            document = body
            headers = {"Last-Modified": email.utils.format_datetime(statements.parse_time(body["stored"], "stored"), usegmt=True)}
        else:
            if "more" in params:
                if set(params) != {"more"}:
                    raise Invalid("A more link is used alone.")
                query = statements.parse_more(params["more"], client, languages)
            else:
                query = statements.parse_query(params, languages)
            result = statements.query(session, client, query)
            more = f"/xapi/statements?more={result.more}" if result.more else ""
            document = {"statements": result.statements, "more": more}
            parts, with_attachments = result.attachments, query.attachments
            headers = {}
        headers[CONSISTENT_HEADER] = statements.iso(utcnow())
    if with_attachments:
        response = _multipart_response(document, parts, headers)
    else:
        response = JSONResponse(document, headers=headers)
    if call.method == "HEAD":
        return Response(status_code=200, headers={**dict(response.headers), "content-length": str(len(response.body))})
    return response


def _statements(call: XapiCall) -> Response:
    if call.method == "PUT":
        unknown = set(call.params) - {"statementId"}
        if unknown or "statementId" not in call.params:
            raise Invalid("PUT /statements takes the statementId parameter and nothing else.")
        try:
            put_id = str(uuid.UUID(call.params["statementId"]))
        except ValueError:
            raise Invalid("statementId must be a UUID.") from None
        return _write(call, put_id)
    if call.method == "POST":
        if call.params:
            raise Invalid("POST /statements takes no parameters.")
        return _write(call, None)
    return _read(call)


def _handle(method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Response:
    """Unfold, authenticate, check the version, run the resource; a domain error becomes its
    status with {"detail": reason}. `headers` have lower-case names."""
    requested = headers.get(VERSION_HEADER.lower(), "")
    try:
        if len(body) > MAX_BODY:
            raise PayloadTooLarge("The request is larger than this LRS accepts.")
        call = unfold(method, query, headers, body, _STATEMENT_METHODS)
        requested = call.version
        with db.session_scope() as session:
            _client(session, call)
        if not accepts_version(requested):
            raise Invalid(f"The {VERSION_HEADER} header must be one of 1.0.0-1.0.3 or 2.0.0.")
        response = _statements(call)
    except Unauthorized:
        response = unauthorized()
    except DomainError as exc:
        response = error_response(exc)
    response.headers[VERSION_HEADER] = answer_version(requested)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@router.api_route("/statements", methods=_STATEMENT_METHODS)
async def statements_resource(request: Request) -> Response:
    body = await request.body()
    headers = {name.lower(): value for name, value in request.headers.items()}
    return await run_in_threadpool(_handle, request.method, dict(request.query_params), headers, body)


@router.api_route("/about", methods=["GET", "HEAD"])
async def about() -> Response:
    """The versions this LRS speaks (no authentication)."""
    return JSONResponse({"version": SUPPORTED_VERSIONS, "extensions": {}}, headers={VERSION_HEADER: "2.0.0"})


def cors(app: ASGIApp) -> ASGIApp:
    """`app` with CORS for the LRS: an OPTIONS request to /xapi/... is answered here (204, the
    methods and request headers the resources take, any origin); every other /xapi/ answer is
    opened to any origin with the headers a client reads (ETag, versions...) exposed, and never
    allows credentials, whatever a middleware inside added. Other paths pass through untouched."""

    async def with_cors(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            await app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            preflight = Response(status_code=204, headers={**CORS_PREFLIGHT_HEADERS, "Allow": CORS_PREFLIGHT_HEADERS["Access-Control-Allow-Methods"]})
            await preflight(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "access-control-allow-credentials" in headers:
                    del headers["access-control-allow-credentials"]
                headers.update(CORS_HEADERS)
            await send(message)

        await app(scope, receive, send_with_cors)

    return with_cors
