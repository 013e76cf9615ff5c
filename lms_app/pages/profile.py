"""The user's own profile: details, password, active sessions."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import form_field, language_select, page_header, section, session_table, time_zone_select
from lms_app.page_registry import SIGNED_IN, page
from lms_app.state.profile import ProfileState
from lms_app.state.signin import PASSWORD_RULES


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
            "Password",
            rx.card(
                rx.form(
                    rx.vstack(
                        form_field("Current password", rx.input(id="current_password", name="current_password", type="password", auto_complete="current-password", width="100%")),
                        rx.grid(
                            form_field("New password", rx.input(id="new_password", name="new_password", type="password", auto_complete="new-password", width="100%"), PASSWORD_RULES),
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
