"""The one way to declare a page: route, title, permission and loaders in one place.

Every page goes through `@page(...)`; the app registers them all, wraps each in the app shell
and puts the permission guard (AuthState.enter_page) in its on_load. The authorization-matrix
test lists every route from here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PUBLIC = "public"  # a page anyone may open (sign-in, registration, invitation links)
SIGNED_IN = "signed-in"  # a page for any signed-in user, whatever their roles


@dataclass
class PageSpec:
    route: str
    title: str
    permission: str
    render: Callable[[], Any]
    on_load: list[Any] = field(default_factory=list)
    bare: bool = False  # no navigation chrome (sign-in pages)
    pattern: re.Pattern = field(init=False)

    def __post_init__(self) -> None:
        parts = [re.escape(p) if not p.startswith("[") else "[^/]+" for p in self.route.strip("/").split("/")]
        self.pattern = re.compile("^/" + "/".join(parts) + "/?$" if self.route != "/" else "^/?$")

    @property
    def required_permission(self) -> str | None:
        return None if self.permission in (PUBLIC, SIGNED_IN) else self.permission


PAGES: dict[str, PageSpec] = {}


def page(route: str, title: str, *, permission: str, on_load: Any = None, bare: bool = False):
    """Declare a page. `permission` is a named permission, SIGNED_IN or PUBLIC (no default:
    a page cannot forget its guard)."""
    loads = on_load if isinstance(on_load, list) else ([on_load] if on_load is not None else [])

    def decorator(render: Callable[[], Any]) -> Callable[[], Any]:
        if route in PAGES:
            raise ValueError(f"page {route} declared twice")
        PAGES[route] = PageSpec(route, title, permission, render, loads, bare)
        return render

    return decorator


def spec_for_path(path: str) -> PageSpec | None:
    """The page a browser path belongs to (static routes win over dynamic ones)."""
    path = path.split("?")[0] or "/"
    if path in PAGES:
        return PAGES[path]
    for spec in sorted(PAGES.values(), key=lambda s: s.route.count("[")):
        if spec.pattern.match(path):
            return spec
    return None
