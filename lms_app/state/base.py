"""What every state shares: resolving the signed-in actor from the HttpOnly cookie on the
server, and running a handler's body under a permission check with one database session."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from lms_app import db, settings
from lms_app.services import auth, csv_import
from lms_app.services.errors import DomainError, NotSignedIn
from lms_app.services.permissions import Actor


def cookie_token(cookie_header: str) -> str | None:
    """The sign-in token from a Cookie header. Split by hand: SimpleCookie stops at the first
    cookie it cannot parse, and another app on the same host may set one."""
    for part in (cookie_header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name == settings.COOKIE_NAME and value:
            return value.strip('"')
    return None


class ActorMixin(rx.State, mixin=True):
    """Gives a state `_actor(session)`: who the browser behind this event is signed in as."""

    def _actor(self, session: Session) -> Actor | None:
        return auth.resolve(session, cookie_token(self.router.headers.cookie), self.router.session.client_ip)

    def _login_redirect(self):
        path = self.router.url.path or "/"
        return rx.redirect(f"/login?next={path}" if path not in ("/", "/login") else "/login")


class LiveDashboardMixin(ActorMixin, mixin=True):
    """A dashboard that lms_app.live refreshes while it is open. The state implements
    `_refresh(session, actor)` (redraw from the service, whose cache patches itself) and
    `_clear()`; a viewer who signed out or may no longer see it gets an empty dashboard."""

    def _on_changes(self, changes: list) -> None:
        with db.session_scope() as session:
            try:
                actor = self._actor(session)
                if actor is None:
                    raise NotSignedIn("Please sign in to continue.")
                self._refresh(session, actor)  # the service checks the permission
            except DomainError:
                self._clear()

    def _apply(self, session: Session, actor: Actor, **changes: Any) -> None:
        """Set filter fields and redraw; a filter the service refuses leaves the page as it was
        (and the refusal reaches the viewer)."""
        before = {name: getattr(self, name) for name in changes}
        for name, value in changes.items():
            setattr(self, name, value)
        try:
            self._refresh(session, actor)
        except DomainError:
            for name, value in before.items():
                setattr(self, name, value)
            raise


def as_actor(state: ActorMixin, fn: Callable, *args, **kwargs) -> Any:
    """`fn(state, session, actor, *args)` in one database session (committed when it returns) for
    the signed-in browser behind `state`; NotSignedIn for anyone else."""
    with db.session_scope() as session:
        actor = state._actor(session)
        if actor is None:
            raise NotSignedIn("Please sign in to continue.")
        return fn(state, session, actor, *args, **kwargs)


def browser_signature(wrapper: Callable, fn: Callable, injected: int) -> Callable:
    """Give `wrapper` the signature the browser calls: `fn`'s without the `injected` arguments
    after self (Reflex reads it to pass the event's arguments)."""
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    wrapper.__signature__ = signature.replace(parameters=[params[0], *params[1 + injected:]])
    return wrapper


def signed_in(fn: Callable) -> Callable:
    """Run a handler as `fn(self, session, actor, *args)` for a signed-in browser (anyone else
    is sent to the sign-in page). The permission check itself belongs to the service the
    handler calls, once. Domain errors become a toast, and nothing is committed then."""

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        try:
            return as_actor(self, fn, *args, **kwargs)
        except NotSignedIn:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)

    return browser_signature(wrapper, fn, 2)


def public_handler(fn: Callable[..., Any]) -> Callable[..., Any]:
    """For the few handlers anyone may call (public pages): one session, errors as toasts."""

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        try:
            with db.session_scope() as session:
                return fn(self, session, *args, **kwargs)
        except DomainError as exc:
            return rx.toast.error(exc.message)

    return browser_signature(wrapper, fn, 1)


async def read_upload(files: list[rx.UploadFile]) -> str:
    """The text of an uploaded CSV, kept in server memory (never in public upload storage).
    At most one byte past the import limit is read: the service then says the file is too large."""
    data = await files[0].read(csv_import.MAX_IMPORT_BYTES + 1) if files else b""
    return csv_import.decode_upload(data)
