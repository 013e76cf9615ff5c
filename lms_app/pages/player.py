"""The course player: outline with each lesson's state, the lesson, progress."""

from __future__ import annotations

import reflex as rx

from lms_app.components.announcements import announcements_link
from lms_app.components.player import FOCUS, S, completion_row, lesson_body, locked_notice, outline, progress_bar, reporters, step_links
from lms_app.components.ui import empty_state
from lms_app.page_registry import page
from lms_app.state.player import PlayerState


def _loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding_y="64px")


def _not_enrolled() -> rx.Component:
    return empty_state(
        "book-lock", "You are not enrolled in this course", S.message + " Enroll from the course's page to start learning.",
        rx.link(rx.button("See the course", id="catalog-link", tab_index=-1), href=S.catalog_href),
        rx.link(rx.button("My learning", variant="soft", tab_index=-1), href="/learn"),
    )


def _missing() -> rx.Component:
    return empty_state(
        "circle-help", S.message, "Pick a lesson from the course's outline, or go back to your courses.",
        rx.cond(S.course_id != "", rx.link(rx.button("Back to the course", tab_index=-1), href="/learn/courses/" + S.course_id)),
        rx.link(rx.button("My learning", variant="soft", tab_index=-1), href="/learn"),
    )


def _empty() -> rx.Component:
    return empty_state("book-open", S.message, "Come back once the course's instructors have added lessons.",
                       rx.link(rx.button("My learning", variant="soft", tab_index=-1), href="/learn"))


def _title_bar() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("My learning", size="2"), spacing="1", align="center"), href="/learn", color_scheme="gray"),
        rx.flex(
            rx.heading(S.course_title, size="6", id="course-title", min_width="0"),
            rx.hstack(
                rx.link(rx.button(rx.icon("award", size=16), "Grades", variant="soft", color_scheme="gray", size="2", tab_index=-1),
                        href="/learn/courses/" + S.course_id + "/grades", underline="none", id="course-grades"),
                announcements_link(S.course_id, S.unread_announcements, id="course-announcements"),
                spacing="2",
            ),
            justify="between", align="center", spacing="3", wrap="wrap", width="100%",
        ),
        spacing="1",
        width="100%",
        margin_bottom="16px",
    )


def _phone_outline() -> rx.Component:
    # A native disclosure: keyboard and screen readers get it for free; closed by default so
    # the lesson comes first on a small screen.
    return rx.el.details(
        rx.el.summary(
            rx.hstack(rx.icon("list", size=16), rx.text("Course outline", weight="medium", size="2"), rx.spacer(),
                      rx.text(S.percent, "%", size="2", color_scheme="gray"), align="center", width="100%"),
            style={"padding": "12px 16px", "cursor": "pointer", "list_style": "none", "&::-webkit-details-marker": {"display": "none"}},
            _focus_visible=FOCUS,
        ),
        rx.vstack(progress_bar(), rx.separator(size="4"), outline(), spacing="4", padding="4px 12px 16px"),
        border=f"1px solid {rx.color('gray', 4)}",
        border_radius="12px",
        background=rx.color("gray", 2),
        margin_bottom="16px",
        display=["block", "block", "block", "none"],
        id="phone-outline",
    )


def _sidebar() -> rx.Component:
    return rx.box(
        rx.vstack(progress_bar(), rx.separator(size="4"), outline(), spacing="4", width="100%"),
        display=["none", "none", "none", "block"],
        position="sticky",
        top="76px",
        max_height="calc(100vh - 92px)",
        overflow_y="auto",
        padding="16px",
        border=f"1px solid {rx.color('gray', 4)}",
        border_radius="12px",
        background=rx.color("gray", 2),
        id="player-outline",
    )


def _lesson() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.hstack(
                rx.badge(rx.icon(S.kind_icon, size=12), S.kind_label, variant="soft"),
                rx.text(S.module_title, size="2", color_scheme="gray"),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.heading(S.lesson_title, size="7", id="lesson-title", as_="h2"),
            spacing="2",
            width="100%",
        ),
        rx.cond(S.lesson_locked, locked_notice(), lesson_body()),
        # The end of the lesson: when it scrolls into view, the text counts as read.
        rx.box(id="lms-lesson-end", height="1px", width="100%"),
        rx.cond(S.lesson_locked, rx.fragment(), completion_row()),
        step_links(),
        reporters(),
        spacing="5",
        width="100%",
        min_width="0",
        id="lms-player",
        custom_attrs={"data-lesson": S.lesson_id, "data-kind": S.lesson_kind, "data-state": S.lesson_state},
    )


def _player() -> rx.Component:
    return rx.box(
        _title_bar(),
        _phone_outline(),
        rx.grid(
            _sidebar(),
            rx.cond(S.view == "ok", _lesson(), _missing()),
            columns=rx.breakpoints(initial="minmax(0, 1fr)", md="280px minmax(0, 1fr)"),
            gap="32px",
            width="100%",
            align_items="start",
        ),
        width="100%",
    )


@page("/learn/courses/[course_id]", "Course", permission="learning.view", on_load=PlayerState.resume)
def course_entry() -> rx.Component:
    return rx.match(S.view, ("not_enrolled", _not_enrolled()), ("empty", _empty()), ("missing", _missing()), _loading())


@page("/learn/courses/[course_id]/[lesson_id]", "Lesson", permission="learning.view", on_load=PlayerState.load)
def lesson_player() -> rx.Component:
    return rx.match(S.view, ("ok", _player()), ("missing", rx.cond(S.outline.length() > 0, _player(), _missing())),
                    ("not_enrolled", _not_enrolled()), ("empty", _empty()), _loading())
