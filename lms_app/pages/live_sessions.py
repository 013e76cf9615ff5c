"""A live session's attendance page: the session, who is booked (attended or absent), the
waiting list in order, and the list as CSV."""

from __future__ import annotations

import reflex as rx

from lms_app.components.authoring import back_to_course_editor
from lms_app.components.ui import WIDE_ONLY, page_header, stat_card
from lms_app.page_registry import page
from lms_app.state.live_sessions import AttendeeRow, SessionAttendanceState

S = SessionAttendanceState


def _person(r: AttendeeRow) -> rx.Component:
    return rx.vstack(rx.text(r.name, weight="medium", size="2"), rx.text(r.email, size="1", color_scheme="gray", overflow_wrap="anywhere"),
                     spacing="0", min_width="0")


def _booked_row(r: AttendeeRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_person(r)),
        rx.table.cell(r.signed_up, display=WIDE_ONLY),
        rx.table.cell(rx.cond(
            S.started,
            rx.segmented_control.root(
                rx.segmented_control.item("Attended", value="attended"),
                rx.segmented_control.item("Absent", value="absent"),
                value=r.attendance, on_change=lambda value: S.mark(r.user_id, value), size="1",
                aria_label="Attendance of " + r.name, custom_attrs={"data-person": r.email},
            ),
            rx.text("After the start", size="1", color_scheme="gray"),
        ), text_align="right"),
        custom_attrs={"data-attendance": r.attendance},
        class_name="lms-attendee",
    )


def _waiting_row(r: AttendeeRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.badge(r.position, variant="soft", color_scheme="amber", radius="full"), width="48px"),
        rx.table.cell(_person(r)),
        rx.table.cell(r.signed_up, display=WIDE_ONLY),
        class_name="lms-waiting",
    )


def _details() -> rx.Component:
    def row(icon: str, value) -> rx.Component:
        return rx.hstack(rx.icon(icon, size=16, color=rx.color("gray", 11), flex_shrink="0", margin_top="2px"),
                         rx.text(value, size="2", overflow_wrap="anywhere"), spacing="2", align="start")

    return rx.card(
        rx.vstack(
            row("calendar-clock", S.starts),
            row("timer", S.length),
            rx.cond(S.location != "", row("map-pin", S.location)),
            rx.cond(S.join_url != "", row("video", rx.link(S.join_url, href=S.join_url, is_external=True))),
            spacing="2",
        ),
        width="100%",
    )


def _counts() -> rx.Component:
    return rx.grid(
        stat_card("Booked", S.booked.length(), "users", S.seats),
        stat_card("Waiting list", S.waiting.length(), "hourglass", "In the order they joined"),
        stat_card("Attended", S.attended_count, "clipboard-check", rx.cond(S.started, "Marked by the course's staff", "Recorded once the session starts")),
        columns=rx.breakpoints(initial="1", sm="3"),
        gap="3",
        width="100%",
    )


def _booked() -> rx.Component:
    return rx.vstack(
        rx.heading("Booked", size="4"),
        rx.cond(
            S.booked.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Learner"),
                    rx.table.column_header_cell("Signed up", display=WIDE_ONLY),
                    rx.table.column_header_cell("Attendance", text_align="right"),
                )),
                rx.table.body(rx.foreach(S.booked, _booked_row)),
                variant="surface", width="100%", id="booked-list",
            ), overflow_x="auto", width="100%"),
            rx.text("Nobody has signed up yet. Learners sign up from the session's lesson in the course.", size="2", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


def _waiting() -> rx.Component:
    return rx.vstack(
        rx.heading("Waiting list", size="4"),
        rx.cond(
            S.waiting.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("#"),
                    rx.table.column_header_cell("Learner"),
                    rx.table.column_header_cell("Joined", display=WIDE_ONLY),
                )),
                rx.table.body(rx.foreach(S.waiting, _waiting_row)),
                variant="surface", width="100%", id="waiting-list",
            ), overflow_x="auto", width="100%"),
            rx.text("Nobody is waiting. When the session is full, learners can join a waiting list; a cancelled place goes to the first of them.",
                    size="2", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


@page("/teach/courses/[course_id]/sessions/[lesson_id]", "Live session", permission="courses.teach", on_load=SessionAttendanceState.load)
def session_attendance() -> rx.Component:
    return rx.cond(
        S.found,
        rx.vstack(
            back_to_course_editor(S.course_ref),
            page_header(S.title, S.course_title,
                        rx.button(rx.icon("download", size=16), "Export CSV", variant="soft", on_click=S.export_csv, id="export-list")),
            _details(),
            _counts(),
            _booked(),
            _waiting(),
            spacing="5",
            width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )

