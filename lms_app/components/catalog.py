"""Pieces of the learner's catalog shared by the catalog and My learning: a course card and
the learner's status in a course."""

from __future__ import annotations

import reflex as rx

# A long summary stops after three lines, so the cards of a row keep one height.
CLAMP_3 = {"display": "-webkit-box", "-webkit-line-clamp": "3", "-webkit-box-orient": "vertical", "overflow": "hidden"}
CLAMP_2 = {**CLAMP_3, "-webkit-line-clamp": "2"}


def status_line(status, percent) -> rx.Component:
    """Not enrolled: nothing; enrolled: a progress bar with its percent; completed: a badge."""
    return rx.match(
        status,
        ("enrolled", rx.hstack(
            rx.progress(value=percent, max=100, size="1", width="100%"),
            rx.text(percent, "%", size="1", color_scheme="gray", white_space="nowrap"),
            spacing="2", align="center", width="100%",
        )),
        ("completed", rx.badge(rx.icon("circle-check", size=12), "Completed", color_scheme="green", variant="soft")),
        rx.fragment(),
    )


def meta_item(icon: str, text) -> rx.Component:
    return rx.hstack(rx.icon(icon, size=14), rx.text(text, size="1"), spacing="1", align="center", color=rx.color("gray", 11))


def cover_image(url, **props) -> rx.Component:
    """A course's cover, cropped to 16:9 (decorative: the title says what the course is)."""
    return rx.image(src=url, alt="", width="100%", aspect_ratio="16 / 9", object_fit="cover", loading="lazy",
                    background=rx.color("gray", 3), **props)


def course_card(c) -> rx.Component:
    """One course of the catalog (a CourseCard): the whole card opens the course's page."""
    return rx.link(
        rx.card(
            rx.vstack(
                rx.cond(c.cover_url != "", rx.inset(cover_image(c.cover_url), side="top", pb="current", clip="padding-box")),
                rx.hstack(
                    rx.cond(c.category != "", rx.badge(c.category, variant="soft", max_width="100%", overflow="hidden", text_overflow="ellipsis", white_space="nowrap")),
                    rx.spacer(),
                    rx.cond(c.status == "enrolled", rx.badge("Enrolled", color_scheme="blue", variant="outline")),
                    width="100%",
                    align="center",
                    min_height="22px",
                ),
                rx.heading(c.title, size="4", style=CLAMP_2, word_break="break-word"),
                rx.text(c.summary, size="2", color_scheme="gray", style=CLAMP_3, word_break="break-word"),
                rx.spacer(),
                rx.flex(
                    rx.cond(c.duration != "", meta_item("clock", c.duration)),
                    rx.foreach(c.tags, lambda t: rx.badge(t, variant="surface", color_scheme="gray", size="1")),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
                status_line(c.status, c.percent),
                spacing="2",
                height="100%",
                width="100%",
                align="start",
            ),
            width="100%",
            height="100%",
            class_name="lms-course-card",
            _hover={"box-shadow": f"0 0 0 1px {rx.color('accent', 8)}"},
        ),
        href=c.href,
        underline="none",
        color="inherit",
        display="block",
        height="100%",
        min_width="0",
        aria_label=c.title,
    )


def course_grid(cards) -> rx.Component:
    return rx.grid(
        rx.foreach(cards, course_card),
        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="4",
        width="100%",
    )
