"""Security headers on every HTTP response the app sends: the pages Reflex compiled, its own
routes (/ping, /_upload) and the LMS's API, all of which pass through the FastAPI app that
wraps Reflex's (`api_transformer`), so one ASGI middleware on it reaches every one of them.

The policy, in one place:

- Pages (and everything else): scripts only from the app's own origin. Reflex's runtime needs
  `'unsafe-eval'` (`rx.call_script` evaluates its code); the inline scripts of each
  prerendered page (the colour mode, React Router's context and module imports, React's
  streaming) are allowed by their SHA-256, read from the compiled pages on disk, never from a response, so
  an HTML response that is not exactly a compiled page gets no inline script at all.
  Styles may be inline (Radix and emotion inject them). The WebSocket goes to the app's own
  host. Media may come from any https address: a video lesson can be a link the course's
  instructor chose, and media cannot run script.
- SCORM content (/scorm/content/...): a package runs its own inline scripts and often
  `eval`, inside the player's iframe on the app's origin, so its scripts may be inline; but,
  like the pages, it reaches no other origin: a package is self-contained by the standard (its
  manifest lists every file in the zip), and a third-party origin would be a way to send the
  learner's data elsewhere. A package that loads from a CDN must be repackaged.
- A route that sends its own Content-Security-Policy (sandboxed downloads, xAPI documents,
  the unsubscribe page) knows its content best: its policy is kept, not replaced, and so is
  any other header a route sets itself.
- Strict-Transport-Security only when the app's public address is https (behind a TLS proxy).
- A 304 answer carries none of them: the browser merges a 304's headers into the cached
  page's, and a policy without the page's script hashes would then block the page.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI

from lms_app import settings

SCORM_CONTENT_PREFIX = "/scorm/content/"

_SHARED = "frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
_PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob: https:; "
    "connect-src 'self'{socket}; " + _SHARED
)
_SCORM_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; "
    "connect-src 'self'; " + _SHARED
)
_ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "SAMEORIGIN",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000"

_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_COMPRESSED = (".gz", ".br", ".zst")


def _reflex_frontend_dir() -> Path:
    """Where Reflex's single-port server serves the compiled pages from."""
    from reflex.utils import prerequisites
    from reflex_base import constants
    from reflex_base.config import get_config

    return prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")


def script_hashes(html: bytes) -> tuple[str, ...]:
    """The CSP sources (`'sha256-...'`) of a page's inline scripts, in order of appearance."""
    found = []
    for attributes, body in _INLINE_SCRIPT.findall(html):
        if re.search(rb"\bsrc\s*=", attributes):
            continue
        source = "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        if source not in found:
            found.append(source)
    return tuple(found)


class CompiledPages:
    """The inline-script hashes of every compiled page, by the SHA-256 of the bytes served for
    it (the page and its precompressed copies). Read again when the build directory changes."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._stamp: tuple[int, int] | None = None
        self._by_digest: dict[bytes, tuple[str, ...]] = {}

    @property
    def directory(self) -> Path:
        if self._directory is None:
            self._directory = _reflex_frontend_dir()
        return self._directory

    def _refresh(self) -> None:
        try:
            info = self.directory.stat()
        except OSError:
            self._stamp, self._by_digest = None, {}
            return
        stamp = (info.st_mtime_ns, info.st_ino)
        if stamp == self._stamp:
            return
        by_digest: dict[bytes, tuple[str, ...]] = {}
        for root, _dirs, names in os.walk(self.directory):
            for name in names:
                if not name.endswith(".html"):
                    continue
                page = Path(root) / name
                html = page.read_bytes()
                hashes = script_hashes(html)
                by_digest[hashlib.sha256(html).digest()] = hashes
                for suffix in _COMPRESSED:
                    compressed = page.with_name(name + suffix)
                    if compressed.is_file():
                        by_digest[hashlib.sha256(compressed.read_bytes()).digest()] = hashes
        self._stamp, self._by_digest = stamp, by_digest

    def hashes_for(self, body: bytes) -> tuple[str, ...]:
        """The hashes for a response body that is exactly a compiled page; none otherwise."""
        self._refresh()
        return self._by_digest.get(hashlib.sha256(body).digest(), ())


def _socket_source() -> str:
    """The app's WebSocket origin, for browsers whose 'self' does not cover ws:/wss:."""
    public = urlsplit(settings.PUBLIC_URL)
    if not public.netloc:
        return ""
    return f" {'wss' if public.scheme == 'https' else 'ws'}://{public.netloc}"


def page_policy(hashes: tuple[str, ...] = ()) -> str:
    return _PAGE_POLICY.format(hashes="".join(" " + h for h in hashes), socket=_socket_source())


def policy_for(path: str, hashes: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy for a response to `path`."""
    return _SCORM_POLICY if path.startswith(SCORM_CONTENT_PREFIX) else page_policy(hashes)


def _with_defaults(headers: list[tuple[bytes, bytes]], extra: dict[str, str]) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    return [*headers, *((name.encode(), value.encode()) for name, value in extra.items() if name.encode() not in present)]


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response; WebSockets pass through untouched."""

    def __init__(self, app, pages: CompiledPages | None = None) -> None:
        self.app = app
        self.pages = pages or CompiledPages()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        held: dict | None = None
        chunks: list[bytes] = []

        def headers_for(start: dict, body: bytes | None) -> dict:
            headers = list(start.get("headers", []))
            extra = dict(_ALWAYS)
            hashes = self.pages.hashes_for(body) if body is not None else ()
            extra["content-security-policy"] = policy_for(path, hashes)
            if settings.PUBLIC_URL.startswith("https://"):
                extra["strict-transport-security"] = HSTS
            return {**start, "headers": _with_defaults(headers, extra)}

        async def send_secured(message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if message.get("status") == 304:
                    await send(message)
                    return
                names = {name.lower(): value for name, value in message.get("headers", [])}
                is_page = names.get(b"content-type", b"").startswith(b"text/html") and b"content-security-policy" not in names
                if is_page and not path.startswith(SCORM_CONTENT_PREFIX):
                    # The policy depends on the page's bytes: wait for them (pages are small).
                    held = message
                    return
                await send(headers_for(message, None))
                return
            if held is not None and message["type"] == "http.response.pathsend":
                # The server sends the file itself (Granian's zero-copy extension): the page's
                # bytes are those on disk.
                start, held = held, None
                await send(headers_for(start, Path(message["path"]).read_bytes()))
                await send(message)
                return
            if held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                await send(headers_for(held, body))
                held = None
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, send_secured)


def install(api: FastAPI) -> None:
    api.add_middleware(SecurityHeadersMiddleware)
