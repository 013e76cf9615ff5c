"""Sign-in, self-registration, invitation and password-reset pages (public, no chrome).

The forms post with fetch to /auth/* (assets/lms.js): the password never passes through
Reflex state, and the HttpOnly cookie is set by that route alone."""

from __future__ import annotations

import reflex as rx

from lms_app.page_registry import PUBLIC, page
from lms_app.state.auth import AuthState
from lms_app.state.signin import SignInPagesState


def _card(title: str, subtitle, *children) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.center(rx.icon("graduation-cap", size=22), width="40px", height="40px", border_radius="10px", background=rx.color("accent", 9), color="white"),
                    rx.text(AuthState.org_name, weight="bold", size="4"),
                    spacing="3",
                    align="center",
                ),
                rx.heading(title, size="6", margin_top="12px"),
                rx.text(subtitle, color_scheme="gray", size="2"),
                *children,
                spacing="3",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="420px",
        ),
        min_height="100vh",
        padding="16px",
    )


def _message() -> rx.Component:
    # Filled in by lms.js with the server's answer.
    return rx.box(data_lms_message="", role="alert", class_name="lms-form-message", style={"display": "none"})


def _input(name: str, label: str, type_: str = "text", autocomplete: str = "", hint: str | rx.Var = "", **props) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
        rx.input(id=name, name=name, type=type_, auto_complete=autocomplete, required=True, size="3", width="100%", **props),
        rx.text(hint, size="1", color_scheme="gray") if isinstance(hint, rx.Var) or hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _form(action: str, *children, token_from_path: bool = False) -> rx.Component:
    attrs = {"data-lms-post": action}
    if token_from_path:
        attrs["data-lms-token-from-path"] = ""
    return rx.el.form(*children, custom_attrs=attrs, style={"width": "100%", "display": "flex", "flexDirection": "column", "gap": "14px"})


def _submit(label: str, id_: str) -> rx.Component:
    return rx.button(label, type="submit", size="3", width="100%", id=id_)


@page("/login", "Sign in", permission=PUBLIC, on_load=[AuthState.leave_if_signed_in, SignInPagesState.load_login], bare=True)
def login_page() -> rx.Component:
    return _card(
        "Sign in",
        "Welcome back. Sign in to continue your learning.",
        rx.cond(SignInPagesState.notice != "", rx.callout(SignInPagesState.notice, icon="circle-check", color_scheme="green", width="100%")),
        _form(
            "/auth/login",
            _input("email", "Email", "email", "username", placeholder="you@example.com"),
            _input("password", "Password", "password", "current-password"),
            _message(),
            _submit("Sign in", "sign-in"),
        ),
        # Shown by lms.js when the account has two-factor sign-in: the code from the app, or a recovery code.
        rx.el.form(
            rx.el.input(type="hidden", name="ticket"),
            _input("code", "Code from your authenticator app", "text", "one-time-code", hint="Or one of your recovery codes.",
                   input_mode="numeric"),
            rx.el.label(rx.hstack(rx.checkbox(name="remember_device", id="remember-device"),
                                  rx.text("Remember this device for 30 days", size="2"), spacing="2", align="center")),
            _message(),
            _submit("Verify", "verify-code"),
            custom_attrs={"data-lms-post": "/auth/2fa/verify", "data-lms-two-factor": ""},
            style={"width": "100%", "display": "none", "flexDirection": "column", "gap": "14px"},
        ),
        rx.hstack(
            rx.link("Forgot your password?", href="/forgot", size="2"),
            rx.cond(SignInPagesState.registration_open, rx.link("Create an account", href="/register", size="2")),
            justify="between",
            width="100%",
        ),
    )


@page("/register", "Create an account", permission=PUBLIC, on_load=SignInPagesState.load_register, bare=True)
def register_page() -> rx.Component:
    return _card(
        "Create an account",
        SignInPagesState.registration_note,
        rx.cond(
            SignInPagesState.registration_open,
            _form(
                "/auth/register",
                _input("name", "Full name", "text", "name"),
                _input("email", "Work email", "email", "email"),
                _input("password", "Password", "password", "new-password", hint=AuthState.password_rules),
                _input("password2", "Password again", "password", "new-password"),
                _message(),
                _submit("Create account", "register"),
            ),
        ),
        rx.link("Back to sign in", href="/login", size="2"),
    )


@page("/forgot", "Reset your password", permission=PUBLIC, bare=True)
def forgot_page() -> rx.Component:
    return _card(
        "Forgot your password?",
        "Enter the email of your account and we will send you a link to choose a new password.",
        _form("/auth/reset/request", _input("email", "Email", "email", "username"), _message(), _submit("Send the link", "send-reset")),
        rx.link("Back to sign in", href="/login", size="2"),
    )


@page("/reset/[token]", "Choose a new password", permission=PUBLIC, bare=True)
def reset_page() -> rx.Component:
    return _card(
        "Choose a new password",
        "Choose the password you will sign in with from now on.",
        _form(
            "/auth/reset/confirm",
            _input("password", "New password", "password", "new-password", hint=AuthState.password_rules),
            _input("password2", "New password again", "password", "new-password"),
            _message(),
            _submit("Save the new password", "save-password"),
            token_from_path=True,
        ),
    )


@page("/invite/[token]", "Accept your invitation", permission=PUBLIC, on_load=SignInPagesState.load_invitation, bare=True)
def invitation_page() -> rx.Component:
    return _card(
        "Welcome aboard",
        SignInPagesState.invitation_note,
        rx.cond(
            SignInPagesState.invitation_valid,
            _form(
                "/auth/invite/accept",
                rx.text(rx.text.strong(SignInPagesState.invitee_email), size="2"),
                _input("password", "Choose a password", "password", "new-password", hint=AuthState.password_rules),
                _input("password2", "Password again", "password", "new-password"),
                _message(),
                _submit("Set password and sign in", "accept-invitation"),
                token_from_path=True,
            ),
            rx.link(rx.button("Go to sign in", variant="soft", width="100%"), href="/login", width="100%"),
        ),
    )


@page("/confirm-email/[token]", "Confirm your new email", permission=PUBLIC, on_load=SignInPagesState.load_email_change, bare=True)
def confirm_email_page() -> rx.Component:
    return _card(
        "Confirm your new email",
        SignInPagesState.email_change_note,
        rx.match(
            SignInPagesState.email_change,
            ("pending", rx.button("Use the new address", size="3", width="100%", id="confirm-email", on_click=SignInPagesState.confirm_email_change)),
            ("done", rx.link(rx.button("Go to sign in", size="3", width="100%"), href="/login", width="100%")),
            ("invalid", rx.link(rx.button("Go to your profile", variant="soft", size="3", width="100%"), href="/profile", width="100%")),
            rx.fragment(),
        ),
    )
