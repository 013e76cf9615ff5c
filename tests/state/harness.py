"""Run Reflex state handlers in-process, as the server would for a browser with a cookie."""

from __future__ import annotations

import base64
import json
import os
import re

os.environ.setdefault("LMS_JOBS", "off")

import reflex as rx  # noqa: E402
from reflex.istate.data import RouterData  # noqa: E402

import lms_app.lms_app  # noqa: E402,F401  (declares every page and state)
from lms_app import settings  # noqa: E402
from lms_app.services import auth  # noqa: E402


class Browser:
    """One browser tab: a root state whose router carries the sign-in cookie (or none)."""

    def __init__(self, token: str | None = None, path: str = "/", ip: str = "203.0.113.7"):
        self.root = rx.State(_reflex_internal_init=True)
        self.token = token
        self.goto(path, ip)

    def goto(self, path: str, ip: str = "203.0.113.7") -> None:
        headers = {"cookie": f"{settings.COOKIE_NAME}={self.token}"} if self.token else {}
        pathname = path.split("?")[0]
        self.root.router = RouterData.from_router_data({"headers": headers, "pathname": pathname, "asPath": path, "ip": ip})

    def state(self, cls):
        return self.root.get_substate(cls.get_full_name().split(".")[1:])

    def call(self, cls, handler: str, *args, **kwargs):
        """Call a handler as the browser would; returns what it returned (events, toasts)."""
        return getattr(cls, handler).fn(self.state(cls), *args, **kwargs)


def signed_in_browser(session, email: str, password: str, path: str = "/") -> Browser:
    token = auth.login(session, email, password, ip="203.0.113.7").token
    session.commit()
    return Browser(token, path)


def event_names(result) -> list[str]:
    """Names of the events a handler returned (redirects, toasts, other handlers)."""
    items = result if isinstance(result, list) else ([result] if result is not None else [])
    names = []
    for item in items:
        handler = getattr(item, "handler", item)
        fn = getattr(handler, "fn", None)
        names.append(getattr(fn, "__qualname__", repr(item)))
    return names


def redirect_target(result) -> str | None:
    for item in result if isinstance(result, list) else [result]:
        args = {k._js_expr: v for k, v in getattr(item, "args", ())}
        if "path" in args and "external" in args:
            return json.loads(args["path"]._js_expr)
    return None


def toast_text(result) -> str | None:
    """The message of an error or success toast a handler returned."""
    for item in result if isinstance(result, list) else [result]:
        for key, value in getattr(item, "args", ()):
            match = _TOAST.search(value._js_expr) if key._js_expr == "function" else None
            if match:
                return json.loads(match.group(1))
    return None


_TOAST = re.compile(r"""__toast'\]\?\.\["(?:error|success|info|warning)"\]\(("(?:[^"\\]|\\.)*")""")


def download_of(result) -> str:
    """The text of the file an rx.download event hands the browser."""
    for item in result if isinstance(result, list) else [result]:
        for _, value in getattr(item, "args", ()):
            match = re.search(r"data:[a-z/+.-]+;base64,([A-Za-z0-9+/=]+)", value._js_expr)
            if match:
                return base64.b64decode(match.group(1)).decode("utf-8")
    return ""
