"""Two-factor sign-in for one's own account: set up with an authenticator app, recovery codes, turn off."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import page_header, section, status_badge
from lms_app.page_registry import SIGNED_IN, page
from lms_app.services.two_factor import SETUP_PAGE
from lms_app.state.two_factor import TwoFactorState


def _code_form(button: str, on_submit, id_prefix: str, *, hint: str, **button_props) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Code", as_="label", html_for=f"{id_prefix}-code", size="2", weight="medium"),
            rx.flex(
                rx.input(name="code", id=f"{id_prefix}-code", auto_complete="one-time-code", input_mode="numeric",
                         placeholder="123456", required=True, width="200px"),
                rx.button(button, type="submit", id=f"{id_prefix}-submit", variant="soft", **button_props),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            rx.text(hint, size="1", color_scheme="gray"),
            spacing="1",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
    )


def _recovery_codes() -> rx.Component:
    return rx.cond(
        TwoFactorState.new_recovery_codes.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text("Your recovery codes", weight="bold"),
                rx.text("If you lose your phone, each of these codes signs you in once in place of a code from the app. "
                        "Keep them somewhere safe, away from your phone: they are shown only now.", size="2"),
                rx.grid(
                    rx.foreach(TwoFactorState.new_recovery_codes, lambda code: rx.code(code, size="3", variant="ghost")),
                    columns=rx.breakpoints(initial="2", sm="5"),
                    spacing="3",
                    id="recovery-codes",
                ),
                rx.button(rx.icon("download", size=16), "Download as a text file", variant="soft", size="2",
                          on_click=rx.download(data=TwoFactorState.new_recovery_codes.join("\n"), filename="lms-recovery-codes.txt")),
                spacing="3",
            ),
            color_scheme="amber",
            width="100%",
        ),
        rx.fragment(),
    )


def _set_up() -> rx.Component:
    return rx.cond(
        TwoFactorState.qr_code != "",
        rx.card(
            rx.vstack(
                rx.text("1. Scan this code with your authenticator app", weight="bold"),
                rx.text("Any TOTP app works: Google Authenticator, Microsoft Authenticator, 1Password, Aegis, FreeOTP…", size="2", color_scheme="gray"),
                rx.image(src=TwoFactorState.qr_code, alt="QR code for your authenticator app", width="200px", height="200px", id="two-factor-qr",
                         background="white", border_radius="8px"),
                rx.text("Cannot scan? Enter this key in the app instead:", size="2", color_scheme="gray"),
                rx.code(TwoFactorState.manual_key, id="two-factor-key", size="3", word_break="break-all"),
                rx.text("2. Enter the six-digit code the app shows", weight="bold", margin_top="8px"),
                rx.form(
                    rx.flex(
                        rx.input(name="code", id="two-factor-code", auto_complete="one-time-code", input_mode="numeric", placeholder="123456",
                                 required=True, max_width="200px"),
                        rx.button("Turn on two-factor sign-in", type="submit", id="two-factor-confirm"),
                        rx.button("Cancel", type="button", variant="ghost", color_scheme="gray", on_click=TwoFactorState.cancel),
                        spacing="3",
                        align="center",
                        wrap="wrap",
                    ),
                    on_submit=TwoFactorState.confirm,
                    reset_on_submit=False,
                ),
                spacing="3",
                align="start",
            ),
            width="100%",
        ),
        rx.card(
            rx.flex(
                rx.text("With two-factor sign-in, signing in needs your password and a code from an app on your phone, "
                        "so a stolen password alone is not enough.", size="2"),
                rx.button(rx.icon("shield-check", size=16), "Set up two-factor sign-in", on_click=TwoFactorState.start, id="two-factor-start", flex_shrink="0"),
                direction=rx.breakpoints(initial="column", sm="row"),
                spacing="4",
                align=rx.breakpoints(initial="start", sm="center"),
                justify="between",
            ),
            width="100%",
        ),
    )


def _manage() -> rx.Component:
    return rx.vstack(
        rx.card(
            rx.hstack(
                rx.icon("shield-check", color=rx.color("green", 11)),
                rx.text("Signing in asks for a code from your authenticator app after your password.", size="2"),
                rx.spacer(),
                rx.text(TwoFactorState.recovery_codes_left, " recovery codes left", size="2", color_scheme="gray", id="recovery-codes-left", white_space="nowrap"),
                spacing="3",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            width="100%",
        ),
        section(
            "New recovery codes",
            rx.text("Make ten new codes when you have used some or fear someone has seen them; the old ones stop working.", size="2", color_scheme="gray"),
            _code_form("Make new codes", TwoFactorState.regenerate, "regenerate", hint="The code your authenticator app shows now."),
        ),
        section(
            "Turn off",
            rx.cond(
                TwoFactorState.required,
                rx.text("Your role requires two-factor sign-in, so it cannot be turned off. An administrator can change that in Settings.",
                        size="2", color_scheme="gray"),
                _code_form("Turn off two-factor sign-in", TwoFactorState.disable, "disable", color_scheme="red",
                           hint="A code from your app, or one of your recovery codes."),
            ),
        ),
        width="100%",
        spacing="2",
    )


@page(SETUP_PAGE, "Two-factor sign-in", permission=SIGNED_IN, on_load=TwoFactorState.load)
def two_factor_page() -> rx.Component:
    return rx.vstack(
        page_header("Two-factor sign-in", "A code from your phone at each sign-in", status_badge(TwoFactorState.enabled, on="On", off="Off")),
        rx.cond(
            TwoFactorState.required & ~TwoFactorState.enabled,
            rx.callout("Your role requires two-factor sign-in. Set it up now to go on using the site.", icon="shield-alert",
                       color_scheme="amber", width="100%", id="two-factor-required"),
            rx.fragment(),
        ),
        _recovery_codes(),
        rx.cond(TwoFactorState.enabled, _manage(), _set_up()),
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Back to your profile"), spacing="1", align="center"), href="/profile", size="2", margin_top="24px"),
        width="100%",
        spacing="4",
    )
