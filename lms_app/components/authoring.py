"""Pieces of the instructor's pages: lesson-kind icons, visibility badges, small icon buttons."""

from __future__ import annotations

import reflex as rx

from lms_app.lessons import registry


def kind_icon(kind: rx.Var, size: int = 16) -> rx.Component:
    """The registry's icon of a lesson kind (compiled in: icons are chosen at build time)."""
    return rx.match(kind, *[(k.key, rx.icon(k.icon, size=size)) for k in registry.kinds()], rx.icon("file", size=size))


def kind_options() -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in registry.kinds()]


def visibility_badge(visibility: rx.Var, label: rx.Var, **props) -> rx.Component:
    return rx.badge(
        label,
        color_scheme=rx.match(visibility, ("published", "green"), ("archived", "gray"), "amber"),
        variant="soft",
        **props,
    )


def small_icon_button(icon: str, label, on_click=None, **props) -> rx.Component:
    if on_click is not None:
        props["on_click"] = on_click
    return rx.icon_button(rx.icon(icon, size=14), size="1", variant="ghost", color_scheme="gray", aria_label=label, title=label, **props)


def back_to_course_editor(course_ref) -> rx.Component:
    """The link above a course's staff pages, back to its editor."""
    return rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Course editor", size="2"), spacing="1", align="center"),
                   href="/teach/courses/" + course_ref, color=rx.color("gray", 11))
