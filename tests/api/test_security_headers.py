"""Security headers on real responses: the API, the health check, lesson files, SCORM content
and compiled pages served as Reflex serves them; HSTS only when the public address is https."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route

from lms_app import db, settings
from lms_app.api.security_headers import CompiledPages, SecurityHeadersMiddleware
from lms_app.services import courses, enrollment, files, scorm
from tests import scorm_packages as packages
from tests.api.http import signed_in

IRENE, LEO = "irene@example.com", "leo@example.com"
PDF = b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF\n"


def directives(response) -> dict[str, str]:
    """The response's Content-Security-Policy, by directive."""
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_common(response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "camera=()" in response.headers["permissions-policy"]


def assert_no_other_origin(policy: dict[str, str], *, allowed: tuple[str, ...] = ()) -> None:
    for name, directive in policy.items():
        for source in directive.split()[1:]:
            assert source.startswith("'") or source in ("data:", "blob:") or source in allowed, f"{name} allows {source}"


@pytest.fixture
def world(demo, actor_of, tmp_path):
    """Leo enrolled in a course with a PDF lesson, a text file lesson and a SCORM lesson."""
    irene = actor_of(IRENE)
    with db.session_scope() as s:
        c = courses.create_course(s, irene, "Store safety")
        m = courses.add_module(s, irene, c.id, "Basics")
        pdf = courses.add_lesson(s, irene, m.id, "Handout", "file")
        txt = courses.add_lesson(s, irene, m.id, "Hours", "file")
        sco = courses.add_lesson(s, irene, m.id, "Drill", "scorm")
        files.store_lesson_file(s, irene, pdf.id, io.BytesIO(PDF), "handout.pdf")
        files.store_lesson_file(s, irene, txt.id, io.BytesIO(b"Open 9 to 5.\n"), "hours.txt")
        package = scorm.import_package(s, irene, sco.id, packages.save(packages.scorm12_single_sco(), tmp_path), "drill.zip")
        courses.update_course(s, irene, c.id, self_enrollment=True)
        courses.set_visibility(s, irene, c.id, "published")
        enrollment.self_enroll(s, actor_of(LEO), c.id)
        return {"pdf": pdf.id, "txt": txt.id, "package": package.id}


def test_the_health_check_and_an_api_answer_carry_the_headers(client, monkeypatch):
    monkeypatch.setattr(settings, "PUBLIC_URL", "http://lms.example.org")
    health = client.get("/healthz")
    refused = client.post("/auth/login", json={"email": "nobody@example.com", "password": "wrong"})
    assert health.status_code == 200 and 400 <= refused.status_code < 500
    for response in (health, refused):
        assert_common(response)
        policy = directives(response)
        assert policy["default-src"] == "default-src 'self'"
        assert policy["script-src"] == "script-src 'self' 'unsafe-eval'"
        assert policy["frame-ancestors"] == "frame-ancestors 'self'"
        assert policy["connect-src"] == "connect-src 'self' ws://lms.example.org"
        assert_no_other_origin(policy, allowed=("ws://lms.example.org", "https:"))
        assert "strict-transport-security" not in response.headers


def test_hsts_and_a_secure_websocket_only_under_https(client, monkeypatch):
    monkeypatch.setattr(settings, "PUBLIC_URL", "https://lms.example.org")
    response = client.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert directives(response)["connect-src"] == "connect-src 'self' wss://lms.example.org"


def test_a_lesson_file_may_be_framed_by_the_app_only(client, world):
    signed_in(client, LEO)
    response = client.get(f"/files/lessons/{world['pdf']}")
    assert response.status_code == 200 and response.content == PDF
    assert_common(response)
    policy = directives(response)
    assert policy["frame-ancestors"] == "frame-ancestors 'self'" and "'unsafe-inline'" not in policy["script-src"]


def test_a_route_keeps_its_own_stricter_policy(client, world):
    signed_in(client, LEO)
    response = client.get(f"/files/lessons/{world['txt']}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == "sandbox"
    assert_common(response)


def test_scorm_content_runs_its_own_scripts_but_reaches_no_other_origin(client, world):
    signed_in(client, LEO)
    response = client.get(f"/scorm/content/{world['package']}/sco/index.html")
    assert response.status_code == 200 and b"<script>" in response.content
    assert_common(response)
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"] and "'unsafe-eval'" in policy["script-src"]
    assert policy["connect-src"] == "connect-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'self'"
    assert_no_other_origin(policy)


# --- compiled pages: the inline scripts of exactly those pages, by their hash ---------------------

PAGE = b'<!doctype html><html><head><script src="/assets/app.js"></script></head><body><div id="root"></div><script>window.__ctx = {"ssr": false};</script><script type="module">import("/assets/entry.js");</script></body></html>'


def sha256_source(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


@pytest.fixture
def frontend(tmp_path):
    """Compiled pages served as Reflex's single-port server does (precompressed copies
    included), beside a route that answers HTML of its own."""
    from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles

    build = tmp_path / "client"
    (build / "learn").mkdir(parents=True)
    (build / "learn" / "index.html").write_bytes(PAGE)
    (build / "learn" / "index.html.gz").write_bytes(gzip.compress(PAGE))

    async def echo(request):
        return HTMLResponse(f"<p>{request.query_params.get('q', '')}</p><script>steal()</script>")

    inner = Starlette(routes=[Route("/echo", echo), Mount("/", PrecompressedStaticFiles(directory=build, html=True, encodings=["gzip"]))])
    return TestClient(SecurityHeadersMiddleware(inner, CompiledPages(build)))


def test_a_compiled_page_allows_its_inline_scripts_by_hash(frontend):
    for encoding in ("identity", "gzip"):
        response = frontend.get("/learn/", headers={"Accept-Encoding": encoding})
        assert response.status_code == 200 and response.content == PAGE
        assert response.headers.get("content-encoding", "identity") == encoding
        script_src = directives(response)["script-src"].split()
        assert sha256_source(b'window.__ctx = {"ssr": false};') in script_src
        assert sha256_source(b'import("/assets/entry.js");') in script_src
        assert "'unsafe-inline'" not in script_src and len(script_src) == 5


def test_other_html_gets_no_inline_script(frontend):
    response = frontend.get("/echo", params={"q": "hello"})
    assert response.status_code == 200
    assert directives(response)["script-src"] == "script-src 'self' 'unsafe-eval'"


def test_a_revalidated_page_keeps_the_policy_it_was_cached_with(frontend):
    first = frontend.get("/learn/", headers={"Accept-Encoding": "identity"})
    again = frontend.get("/learn/", headers={"Accept-Encoding": "identity", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    # A 304's headers replace the cached ones: a policy here (without the page's hashes) would block the page.
    assert "content-security-policy" not in again.headers
