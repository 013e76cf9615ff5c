"""The page registry: which declared page a browser path belongs to."""

from __future__ import annotations

import pytest

from lms_app import page_registry
from lms_app.page_registry import PUBLIC, SIGNED_IN, page, spec_for_path


@pytest.fixture
def pages(monkeypatch):
    """A registry of its own, declared in an order that puts dynamic routes first."""
    monkeypatch.setattr(page_registry, "PAGES", {})
    for route, permission in [
        ("/teach/courses/[course_id]/[lesson_id]", "courses.teach"),
        ("/teach/courses/[course_id]", "courses.teach"),
        ("/teach/courses/[course_id]/settings", "courses.teach"),
        ("/teach/courses/new", "courses.create"),
        ("/invite/[token]", PUBLIC),
        ("/profile", SIGNED_IN),
        ("/", SIGNED_IN),
    ]:
        page(route, route, permission=permission)(lambda: None)
    return page_registry.PAGES


def _route(path: str) -> str | None:
    spec = spec_for_path(path)
    return spec.route if spec else None


def test_static_routes_win_over_dynamic_ones(pages):
    assert _route("/teach/courses/new") == "/teach/courses/new"
    assert _route("/teach/courses/new/") == "/teach/courses/new"
    assert _route("/teach/courses/42") == "/teach/courses/[course_id]"
    assert _route("/teach/courses/42/settings") == "/teach/courses/[course_id]/settings"
    assert _route("/teach/courses/42/7") == "/teach/courses/[course_id]/[lesson_id]"


def test_dynamic_segments_match_one_segment_only(pages):
    assert _route("/invite/abc-DEF_123") == "/invite/[token]"
    assert _route("/invite/abc/def") is None
    assert _route("/invite/") is None
    assert _route("/invite") is None


def test_query_strings_and_trailing_slashes_are_ignored(pages):
    assert _route("/profile?tab=sessions") == "/profile"
    assert _route("/profile/") == "/profile"
    assert _route("/teach/courses/42?x=1") == "/teach/courses/[course_id]"
    assert _route("") == "/"
    assert _route("/?next=/learn") == "/"


def test_unknown_paths_have_no_page(pages):
    assert _route("/nowhere") is None
    assert _route("/profile/extra") is None
    assert _route("/teach") is None
    assert _route("/profilex") is None


def test_the_permission_a_page_requires(pages):
    assert spec_for_path("/teach/courses/new").required_permission == "courses.create"
    assert spec_for_path("/invite/x").required_permission is None
    assert spec_for_path("/profile").required_permission is None
    assert spec_for_path("/profile").permission == SIGNED_IN


def test_a_route_cannot_be_declared_twice(pages):
    with pytest.raises(ValueError, match="declared twice"):
        page("/profile", "Again", permission=SIGNED_IN)(lambda: None)


def test_the_app_pages_resolve_to_their_own_routes():
    import lms_app.pages  # noqa: F401  (declares every page of the app)

    routes = page_registry.PAGES
    assert {"/login", "/register", "/forgot", "/reset/[token]", "/invite/[token]", "/", "/profile"} <= set(routes)
    for route, spec in routes.items():
        concrete = "/".join("some-id" if part.startswith("[") else part for part in route.split("/")) or "/"
        assert spec_for_path(concrete) is spec, route
    assert spec_for_path("/reset/a-token").permission == PUBLIC
    assert spec_for_path("/learn").required_permission == "learning.view"
    assert spec_for_path("/admin").required_permission == "admin.view"
