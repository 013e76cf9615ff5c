"""The user's own profile: details, password, active sessions."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import form_field, language_select, page_header, section, session_table, status_badge, time_zone_select
from lms_app.page_registry import SIGNED_IN, page
from lms_app.services.two_factor import SETUP_PAGE
from lms_app.state.auth import AuthState
from lms_app.state.profile import ProfileState


@page("/profile", "Profile", permission=SIGNED_IN, on_load=ProfileState.load)
def profile_page() -> rx.Component:
    return rx.vstack(
        page_header("Profile", ProfileState.email),
        rx.card(
            rx.form(
                rx.vstack(
                    form_field("Name", rx.input(name="name", default_value=ProfileState.name, key=ProfileState.name, width="100%", required=True)),
                    rx.grid(
                        form_field("Time zone", time_zone_select(name="timezone", value=ProfileState.timezone, on_change=ProfileState.pick_timezone, id="profile-timezone"), rx.text("Dates and due dates are shown in this zone, now ", rx.text.span(ProfileState.zone_offset, id="profile-zone-offset", white_space="nowrap"), ".", size="1", color_scheme="gray")),
                        form_field("Language", language_select(name="locale", value=ProfileState.locale, on_change=ProfileState.pick_locale, id="profile-locale")),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="4",
                        width="100%",
                    ),
                    rx.button("Save profile", type="submit", id="save-profile"),
                    spacing="4",
                    align="start",
                ),
                on_submit=ProfileState.save,
            ),
            width="100%",
        ),
        section(
            "Email",
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.text("You sign in with ", rx.text.strong(ProfileState.email), ". To use another address, we send a link to it; "
                                "the change happens when you follow the link, and your old address is told.", size="2"),
                        rx.cond(
                            ProfileState.pending_email != "",
                            rx.callout(rx.text("Waiting for you to follow the link sent to ", rx.text.strong(ProfileState.pending_email), "."),
                                       icon="mail", color_scheme="blue", size="1", width="100%", id="pending-email"),
                            rx.fragment(),
                        ),
                        rx.grid(
                            form_field("New email", rx.input(id="new_email", name="new_email", type="email", auto_complete="email", required=True, width="100%")),
                            form_field("Current password", rx.input(id="email_password", name="email_password", type="password", auto_complete="current-password", required=True, width="100%")),
                            columns=rx.breakpoints(initial="1", sm="2"),
                            spacing="4",
                            width="100%",
                        ),
                        rx.button("Send the confirmation link", type="submit", variant="soft", id="request-email-change"),
                        spacing="4",
                        align="start",
                    ),
                    on_submit=ProfileState.request_email_change,
                    reset_on_submit=False,
                ),
                width="100%",
            ),
        ),
        section(
            "Password",
            rx.card(
                rx.form(
                    rx.vstack(
                        form_field("Current password", rx.input(id="current_password", name="current_password", type="password", auto_complete="current-password", width="100%")),
                        rx.grid(
                            form_field("New password", rx.input(id="new_password", name="new_password", type="password", auto_complete="new-password", width="100%"), AuthState.password_rules),
                            form_field("New password again", rx.input(id="new_password2", name="new_password2", type="password", auto_complete="new-password", width="100%")),
                            columns=rx.breakpoints(initial="1", sm="2"),
                            spacing="4",
                            width="100%",
                        ),
                        rx.button("Change password", type="submit", variant="soft"),
                        spacing="4",
                        align="start",
                    ),
                    on_submit=ProfileState.change_password,
                ),
                width="100%",
            ),
        ),
        section(
            "Two-factor sign-in",
            rx.card(
                rx.flex(
                    rx.hstack(
                        status_badge(ProfileState.two_factor_on, on="On", off="Off"),
                        rx.text("A code from an app on your phone at each sign-in, so a stolen password alone is not enough.", size="2", color_scheme="gray"),
                        spacing="3",
                        align="center",
                    ),
                    rx.link(rx.button(rx.icon("shield-check", size=16), rx.cond(ProfileState.two_factor_on, "Manage", "Set up"), variant="soft"),
                            href=SETUP_PAGE, id="manage-two-factor", flex_shrink="0"),
                    direction=rx.breakpoints(initial="column", sm="row"),
                    spacing="4",
                    align=rx.breakpoints(initial="start", sm="center"),
                    justify="between",
                ),
                width="100%",
            ),
        ),
        section(
            "Where you are signed in",
            rx.text("Sign out any session you do not recognize.", color_scheme="gray", size="2"),
            session_table(ProfileState.sessions, ProfileState.revoke),
        ),
        # --- privacy ---
        section(
            "Your data",
            rx.card(
                rx.flex(
                    rx.text("Download everything this site holds about you: your profile, courses and progress, quiz answers, "
                            "work you handed in, grades, certificates, sign-in history and more, as one ZIP of JSON files with a "
                            "README that explains them.", size="2", color_scheme="gray"),
                    rx.button(rx.icon("download", size=16), "Download my data", variant="soft",
                              on_click=rx.download(url="/privacy/export"), id="download-my-data", flex_shrink="0"),
                    direction=rx.breakpoints(initial="column", sm="row"),
                    spacing="4",
                    align=rx.breakpoints(initial="start", sm="center"),
                    justify="between",
                ),
                width="100%",
            ),
        ),
        width="100%",
        spacing="2",
    )
