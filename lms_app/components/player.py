"""Pieces of the course player: the outline, the progress bar, each kind's lesson view, the
lesson's footer (completion, previous and next) and the hidden triggers assets/player.js
uses to report to the server."""

from __future__ import annotations

import reflex as rx

from lms_app.components.assignment_player import assignment_view
from lms_app.components.quiz_player import quiz_view
from lms_app.components.scorm_player import scorm_view
from lms_app.components.ui import VISUALLY_HIDDEN, markdown
from lms_app.state.player import STATE_LABELS, OutlineLesson, OutlineModule, PlayerState

S = PlayerState

FOCUS = {"outline": f"2px solid {rx.color('accent', 8)}", "outline_offset": "2px", "border_radius": "6px"}

_ICONS = {"locked": ("lock", "gray"), "available": ("circle", "gray"), "in_progress": ("circle-dot", "amber"), "done": ("circle-check", "green")}


def _state_icon(state) -> rx.Component:
    return rx.match(
        state,
        *[(key, rx.icon(icon, size=16, color=rx.color(color, 10), flex_shrink="0")) for key, (icon, color) in _ICONS.items()],
        rx.icon("circle", size=16, color=rx.color("gray", 9), flex_shrink="0"),
    )


def _outline_lesson(lesson: OutlineLesson) -> rx.Component:
    state = S.lesson_states[lesson.id].to(str)
    reason = S.lock_reasons[lesson.id].to(str)
    return rx.link(
        rx.hstack(
            rx.box(_state_icon(state), padding_top="2px"),
            rx.vstack(
                rx.text(lesson.title, size="2", weight=rx.cond(lesson.id == S.lesson_id, "bold", "regular"), color=rx.cond(state == "locked", rx.color("gray", 10), rx.color("gray", 12))),
                rx.cond(reason, rx.text(reason, size="1", color=rx.color("gray", 10), class_name="lms-lock-reason", overflow_wrap="anywhere")),
                rx.text(rx.match(state, *STATE_LABELS.items(), ""), size="1", style=VISUALLY_HIDDEN),
                spacing="0",
                min_width="0",
            ),
            spacing="2",
            align="start",
        ),
        href=lesson.href,
        underline="none",
        display="block",
        width="100%",
        padding_x="10px",
        padding_y="6px",
        border_radius="6px",
        background=rx.cond(lesson.id == S.lesson_id, rx.color("accent", 4), "transparent"),
        border_left=rx.cond(lesson.id == S.lesson_id, f"3px solid {rx.color('accent', 9)}", "3px solid transparent"),
        _hover={"background": rx.color("gray", 3)},
        _focus_visible=FOCUS,
        custom_attrs={"data-lesson-state": state, "aria-current": rx.cond(lesson.id == S.lesson_id, "page", "false")},
        class_name="lms-outline-lesson",
    )


def _outline_module(module: OutlineModule) -> rx.Component:
    return rx.vstack(
        rx.text(module.title, size="1", weight="bold", color=rx.color("gray", 11), text_transform="uppercase", letter_spacing="0.04em", padding_x="10px"),
        rx.vstack(rx.foreach(module.lessons, _outline_lesson), spacing="1", width="100%"),
        spacing="1",
        width="100%",
    )


def outline() -> rx.Component:
    return rx.vstack(rx.foreach(S.outline, _outline_module), spacing="4", width="100%", role="navigation", aria_label="Course outline")


def progress_bar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Course progress", size="2", weight="medium"),
            rx.spacer(),
            rx.text(S.percent, "%", size="2", weight="bold", id="course-percent"),
            width="100%",
            align="center",
        ),
        rx.progress(value=S.percent, max=100, aria_label="Course progress"),
        rx.text(S.done_count, " of ", S.total_count, " lessons done", rx.cond(S.course_completed, " · Course completed", ""), size="1", color_scheme="gray"),
        spacing="2",
        width="100%",
    )


# --- the lesson by kind ----------------------------------------------------------------------

def _text_lesson() -> rx.Component:
    return rx.box(markdown(S.markdown), width="100%", overflow_wrap="anywhere",
                  style={"& img": {"max_width": "100%"}, "& pre": {"overflow_x": "auto"}})


def _link_lesson() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("link", size=18), rx.text("A page to read elsewhere", weight="medium"), spacing="2", align="center"),
            rx.text(S.url, size="2", color_scheme="gray", overflow_wrap="anywhere"),
            rx.el.a(
                rx.button(rx.icon("external-link", size=16), "Open", tab_index=-1),
                href=S.url, target="_blank", rel="noopener noreferrer", id="open-link",
                on_click=S.reached_end, _focus_visible=FOCUS,
            ),
            rx.text("Opening it counts as viewed.", size="1", color_scheme="gray"),
            spacing="3",
        ),
        width="100%",
    )


def _video_lesson() -> rx.Component:
    return rx.cond(
        S.url != "",
        rx.vstack(
            rx.el.video(
                src=S.url, controls=True, preload="metadata", id="lms-video", plays_inline=True,
                custom_attrs={"data-position": S.position}, width="100%",
                style={"max_height": "70vh", "background": "black", "border_radius": "8px"},
            ),
            rx.hstack(
                rx.text("Watched ", S.watched_percent, "%", size="1", color_scheme="gray", id="watched-share"),
                rx.spacer(),
                rx.el.a("Video not playing? Open it in a new tab", href=S.url, target="_blank", rel="noopener noreferrer", on_click=S.reached_end, _focus_visible=FOCUS,
                     style={"font_size": "12px", "color": rx.color("accent", 11)}),
                width="100%",
                wrap="wrap",
            ),
            spacing="2",
            width="100%",
        ),
        rx.callout("This lesson has no video yet. Ask the course's instructor.", icon="info", width="100%"),
    )


def _file_lesson() -> rx.Component:
    return rx.cond(
        S.url != "",
        rx.vstack(
            rx.card(
                rx.flex(
                    rx.hstack(rx.icon("file-down", size=18), rx.text(S.file_name, weight="medium", overflow_wrap="anywhere", id="lesson-file-name"), spacing="2", align="center"),
                    rx.hstack(
                        rx.cond(S.file_is_pdf, rx.el.a(
                            rx.button(rx.icon("external-link", size=16), "Open", variant="soft", tab_index=-1),
                            href=S.url, target="_blank", rel="noopener", on_click=S.reached_end, _focus_visible=FOCUS, id="open-file",
                        )),
                        rx.el.a(
                            rx.button(rx.icon("download", size=16), "Download", tab_index=-1),
                            # A new target keeps the app's router from taking the link as a page of its own.
                            href=S.url, download=S.file_name, target="_blank", rel="noopener", on_click=S.reached_end, _focus_visible=FOCUS, id="download-file",
                        ),
                        spacing="2",
                    ),
                    justify="between", align="center", gap="3", wrap="wrap", width="100%",
                ),
                width="100%",
            ),
            rx.cond(
                S.file_is_pdf,
                rx.el.iframe(src=S.url, title=S.file_name, id="lesson-pdf", width="100%",
                             style={"height": "75vh", "border": f"1px solid {rx.color('gray', 5)}", "border_radius": "8px"}),
            ),
            rx.text("Opening or downloading the file counts as viewed.", size="1", color_scheme="gray"),
            spacing="3",
            width="100%",
        ),
        rx.callout("This lesson has no file yet. Ask the course's instructor.", icon="info", width="100%"),
    )


def _seat_actions() -> rx.Component:
    """Where the learner stands (booked, waiting, neither) and what they can do about it."""
    seat = S.seat
    cancel = rx.button(rx.icon("x", size=16), rx.cond(seat.status == "waiting", "Leave the waiting list", "Cancel my place"),
                       variant="soft", color_scheme="gray", on_click=S.cancel_seat, id="cancel-seat")
    return rx.match(
        seat.status,
        ("booked", rx.flex(
            rx.badge(rx.icon("circle-check", size=14), "Your place is booked", color_scheme="green", size="2", id="seat-status"),
            rx.cond(seat.signup_open, cancel),
            spacing="3", align="center", wrap="wrap",
        )),
        ("waiting", rx.flex(
            rx.badge(rx.icon("hourglass", size=14), "Waiting list: you are number ", seat.position, color_scheme="amber", size="2", id="seat-status"),
            rx.cond(seat.signup_open, cancel),
            rx.text("You get an email if a place opens up.", size="1", color_scheme="gray", width="100%"),
            spacing="3", align="center", wrap="wrap",
        )),
        rx.cond(
            seat.signup_open,
            rx.button(rx.cond(seat.full, rx.icon("list-plus", size=16), rx.icon("calendar-plus", size=16)),
                      rx.cond(seat.full, "Join the waiting list", "Sign up"), on_click=S.sign_up, id="sign-up"),
            rx.text("Sign-up has closed: the session has started.", size="2", color_scheme="gray", id="seat-status"),
        ),
    )


def _live_session() -> rx.Component:
    def row(icon: str, label: str, value, **props) -> rx.Component:
        return rx.hstack(
            rx.icon(icon, size=16, color=rx.color("gray", 11), flex_shrink="0", margin_top="2px"),
            rx.text(label, weight="medium", size="2", min_width="64px"),
            rx.text(value, size="2", overflow_wrap="anywhere", **props),
            spacing="2", align="start", width="100%",
        )

    return rx.card(
        rx.vstack(
            row("calendar-clock", "When", S.session_starts, id="session-starts"),
            row("timer", "Length", S.session_length),
            rx.cond(S.session_location != "", row("map-pin", "Where", S.session_location)),
            rx.cond(S.seat.seats != "", row("users", "Seats", S.seat.seats, id="seat-count")),
            rx.separator(size="4"),
            rx.cond(S.seat.calendar_href != "", _seat_actions()),
            rx.flex(
                rx.cond(S.url != "", rx.el.a(rx.button(rx.icon("video", size=16), "Join the session", variant="soft", tab_index=-1),
                                             href=S.url, target="_blank", rel="noopener noreferrer", _focus_visible=FOCUS)),
                rx.cond(S.seat.calendar_href != "", rx.el.a(
                    rx.button(rx.icon("calendar-arrow-down", size=16), "Add to calendar", variant="soft", color_scheme="gray", tab_index=-1),
                    # A new target keeps the app's router from taking the file as a page of its own.
                    href=S.seat.calendar_href, download="", target="_blank", rel="noopener", _focus_visible=FOCUS, id="add-to-calendar",
                )),
                spacing="3", wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="live-session",
    )


def lesson_body() -> rx.Component:
    return rx.match(
        S.lesson_kind,
        ("text", _text_lesson()),
        ("link", _link_lesson()),
        ("video", _video_lesson()),
        ("file", _file_lesson()),
        ("live_session", _live_session()),
        ("assignment", assignment_view()),
        ("quiz", quiz_view()),
        ("scorm", scorm_view()),
        rx.callout("This kind of lesson cannot be shown here yet.", icon="info", width="100%"),
    )


def locked_notice() -> rx.Component:
    return rx.callout(
        rx.text(rx.text.strong("This lesson is not open yet. "), S.locked_reason, "."),
        icon="lock",
        color_scheme="amber",
        width="100%",
        id="locked-reason",
    )


def completion_row() -> rx.Component:
    return rx.cond(
        S.lesson_done,
        rx.hstack(rx.icon("circle-check", size=18, color=rx.color("green", 10)), rx.text("Done", weight="medium", color=rx.color("green", 11)), spacing="2", align="center", id="lesson-done"),
        rx.match(
            S.completion,
            ("attended", rx.hstack(rx.icon("clipboard-check", size=16, color=rx.color("gray", 10)),
                                   rx.text("Attendance is recorded by the instructor.", size="2", color_scheme="gray"),
                                   spacing="2", align="center", id="attendance-note")),
            ("passed", rx.fragment()),
            rx.hstack(
                rx.button(rx.icon("check", size=16), "Mark as done", variant="soft", on_click=S.mark_done, id="mark-done"),
                rx.cond(S.lesson_kind == "text", rx.text("Reading to the end marks it done.", size="1", color_scheme="gray")),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
        ),
    )


def step_links() -> rx.Component:
    previous = rx.cond(
        S.previous.href != "",
        rx.link(rx.button(rx.icon("arrow-left", size=16), "Previous", variant="soft", color_scheme="gray", tab_index=-1), href=S.previous.href, id="previous-lesson", aria_label="Previous: " + S.previous.title),
        rx.box(),
    )
    following = rx.cond(
        S.next.href != "",
        rx.cond(
            S.next.reason != "",
            rx.vstack(
                rx.button("Next", rx.icon("lock", size=16), disabled=True, id="next-lesson-locked"),
                rx.text("“", S.next.title, "”: ", S.next.reason, size="1", color_scheme="gray", align="right"),
                spacing="1",
                align="end",
            ),
            rx.link(rx.button("Next", rx.icon("arrow-right", size=16), tab_index=-1), href=S.next.href, id="next-lesson", aria_label="Next: " + S.next.title),
        ),
        rx.box(),
    )
    return rx.flex(previous, following, justify="between", align="start", gap="3", width="100%", wrap="wrap",
                   padding_top="16px", border_top=f"1px solid {rx.color('gray', 4)}")


def reporters() -> rx.Component:
    """Hidden buttons assets/player.js clicks: Reflex 0.10 has no public way for page scripts
    to send an event, and a click runs the component's own handler. The reports themselves
    are taken from the script (rx.call_script's callback carries them to the state)."""
    hidden = {"display": "none"}
    return rx.box(
        rx.el.button(id="lms-report-end", on_click=S.reached_end, tab_index=-1, type="button"),
        rx.el.button(id="lms-report-heartbeat", on_click=rx.call_script("window.lmsPlayer.take('heartbeat')", callback=S.heartbeat), tab_index=-1, type="button"),
        rx.el.button(id="lms-report-watch", on_click=rx.call_script("window.lmsPlayer.take('watch')", callback=S.report_watch), tab_index=-1, type="button"),
        style=hidden,
        aria_hidden="true",
    )
