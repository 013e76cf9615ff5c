"""Who is signed in, as the pages need to know it (name, permissions for the navigation),
and the guard every page runs on load."""

from __future__ import annotations

import reflex as rx

from lms_app import db
from lms_app.page_registry import PUBLIC, spec_for_path
from lms_app.services import auth, org_settings, passwords, two_factor
from lms_app.services.errors import PermissionDenied
from lms_app.services.permissions import landing_page, require
from lms_app.state.base import ActorMixin


class AuthState(ActorMixin, rx.State):
    signed_in: bool = False
    user_name: str = ""
    user_email: str = ""
    org_name: str = ""
    org_logo: str = ""
    permissions: list[str] = []
    # "Sign in as": an admin is using this user's account (the shell shows a banner).
    impersonating: bool = False
    # Shown under every new-password field: the policy in force now (Settings can change it).
    password_rules: str = ""
    # loading | ok | denied: the shell shows the page only when it is "ok".
    page_status: str = "loading"

    @rx.var
    def user_initials(self) -> str:
        parts = [p for p in self.user_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def _fill(self, actor, org_name: str) -> None:
        self.signed_in = actor is not None
        self.user_name = actor.name if actor else ""
        self.user_email = actor.email if actor else ""
        self.permissions = sorted(actor.permissions) if actor else []
        self.impersonating = actor is not None and actor.impersonator_id is not None
        self.org_name = org_name

    @rx.event
    def enter_page(self):
        """The guard of every page: resolve the actor, check the page's permission, then run
        the page's own loaders (each checks again for itself)."""
        spec = spec_for_path(self.router.url.path or "/")
        with db.session_scope() as session:
            actor = self._actor(session)
            org = auth.default_org(session)
            self._fill(actor, org.name)
            self.password_rules = passwords.policy_text(auth.password_min_length(session, org.id))
            # The logo is served to signed-in people only.
            self.org_logo = org_settings.logo_url(org) if actor is not None else ""
            must_enrol = actor is not None and spec is not None and spec.permission != PUBLIC and two_factor.must_enrol(session, actor)
        if spec is None:
            self.page_status = "ok"
            return None
        if spec.permission == PUBLIC:
            self.page_status = "ok"
            return spec.on_load
        if actor is None:
            self.page_status = "loading"
            return self._login_redirect()
        if must_enrol and spec.route != two_factor.SETUP_PAGE:
            self.page_status = "loading"
            return rx.redirect(two_factor.SETUP_PAGE)
        try:
            require(actor, spec.required_permission)
        except PermissionDenied:
            self.page_status = "denied"
            return None
        self.page_status = "ok"
        if spec.route == "/":
            return rx.redirect(landing_page(actor))
        return spec.on_load

    @rx.event
    def leave_if_signed_in(self):
        """Sign-in pages send someone already signed in to their landing page."""
        with db.session_scope() as session:
            actor = self._actor(session)
            if actor is not None:
                return rx.redirect(landing_page(actor))
        return None
