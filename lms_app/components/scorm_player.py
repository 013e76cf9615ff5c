"""The SCORM lesson's body in the course player: the attempt panel (status, score, attempts
left, launch buttons) and the stage where the package runs: an iframe on the app's own origin
(a SCO finds `API` / `API_1484_11` in its parent page), with the package's parts and the LMS's
own Previous / Next / Exit. assets/scorm/player.js drives the stage."""

from __future__ import annotations

import reflex as rx

from lms_app.state.player import PlayerState
from lms_app.state.scorm_player import ScormPlayerState

S = ScormPlayerState
STATUS_COLORS = (("Passed", "green"), ("Completed", "green"), ("Failed", "red"), ("In progress", "amber"), "gray")


def _panel() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(
                rx.badge(S.status_label, color_scheme=rx.match(S.status_label, *STATUS_COLORS), variant="soft", size="2", id="scorm-status"),
                rx.cond(S.score != "", rx.text("Score ", rx.text.strong(S.score), size="2", id="scorm-score")),
                spacing="3", align="center", wrap="wrap",
            ),
            rx.text(
                rx.cond(S.attempt_number > 0, "Attempt " + S.attempt_number.to_string(), "Not started yet"),
                rx.cond(S.attempts_left != "", " · " + S.attempts_left, ""),
                size="1", color_scheme="gray",
            ),
            spacing="1",
        ),
        rx.hstack(
            rx.button(
                rx.icon(rx.cond(S.attempt_status == "completed", "eye", "play"), size=16),
                rx.match(S.attempt_status, ("open", "Continue"), ("completed", "Review"), "Start"),
                variant=rx.cond(S.attempt_status == "completed", "soft", "solid"),
                on_click=rx.call_script("window.lmsScormPlayer.launch(" + S.lesson_ref + ", false)"), id="scorm-launch",
            ),
            rx.cond(S.can_start_new, rx.button(rx.icon("rotate-ccw", size=16), "New attempt", variant="soft",
                                               on_click=rx.call_script("window.lmsScormPlayer.launch(" + S.lesson_ref + ", true)"), id="scorm-new-attempt")),
            spacing="2", wrap="wrap",
        ),
        justify="between", align="center", gap="3", wrap="wrap", width="100%",
        padding="12px 16px", border=f"1px solid {rx.color('gray', 5)}", border_radius="10px", background=rx.color("gray", 2),
    )


def _stage() -> rx.Component:
    # Hidden until a launch; the script shows it, fills the parts list and sets the frame's
    # address (React never sets these attributes, so it leaves them alone).
    return rx.box(
        rx.flex(
            rx.el.nav(id="scorm-outline", aria_label="Parts of the package", class_name="lms-scorm-outline"),
            rx.hstack(
                rx.button(rx.icon("arrow-left", size=14), "Previous", size="1", variant="soft", color_scheme="gray", id="scorm-previous", disabled=True),
                rx.button("Next", rx.icon("arrow-right", size=14), size="1", variant="soft", id="scorm-next", disabled=True),
                rx.button(rx.icon("x", size=14), "Exit", size="1", variant="soft", color_scheme="gray", id="scorm-exit"),
                spacing="2",
            ),
            justify="between", align="center", gap="2", wrap="wrap", width="100%", padding_bottom="8px",
        ),
        rx.text("", id="scorm-message", size="2", color_scheme="red", role="status"),
        rx.el.iframe(id="scorm-frame", title="Course content", class_name="lms-scorm-frame"),
        id="scorm-stage",
        class_name="lms-scorm-stage",
        width="100%",
    )


def scorm_view() -> rx.Component:
    """The SCORM lesson's body (ScormPlayerState.load is sent by PlayerState.load)."""
    return rx.box(
        rx.cond(
            S.loaded,
            rx.cond(
                S.message != "",
                rx.callout(S.message, icon="lock", color_scheme="amber", width="100%"),
                rx.cond(
                    S.has_package,
                    rx.vstack(_panel(), _stage(), spacing="3", width="100%"),
                    rx.callout("This lesson has no package yet. Ask the course's instructor to upload it.", icon="info", width="100%"),
                ),
            ),
            rx.center(rx.spinner(size="3"), padding="32px", width="100%"),
        ),
        # Clicked by assets/scorm/player.js when a SCO reported a result.
        rx.el.button(id="scorm-report", on_click=[S.refresh, PlayerState.refresh_progress], tab_index=-1, type="button",
                     style={"display": "none"}, aria_hidden="true"),
        width="100%",
        id="scorm-player",
    )
