"""Small building blocks every page uses, so pages look and behave alike."""

from __future__ import annotations

import reflex as rx


def page_header(title: str, subtitle: str | rx.Var = "", *actions) -> rx.Component:
    return rx.flex(
        rx.box(
            rx.heading(title, size="7", weight="bold"),
            rx.cond(subtitle != "", rx.text(subtitle, color_scheme="gray", size="3"), rx.fragment()) if isinstance(subtitle, rx.Var) else (rx.text(subtitle, color_scheme="gray", size="3") if subtitle else rx.fragment()),
        ),
        rx.hstack(*actions, spacing="2", wrap="wrap"),
        justify="between",
        align="end",
        wrap="wrap",
        gap="3",
        width="100%",
        margin_bottom="24px",
    )


def empty_state(icon: str, title: str, text: str, *actions) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.center(rx.icon(icon, size=28), width="56px", height="56px", border_radius="50%", background=rx.color("accent", 3), color=rx.color("accent", 11)),
            rx.heading(title, size="4"),
            rx.text(text, color_scheme="gray", align="center", max_width="460px"),
            rx.hstack(*actions, spacing="2"),
            align="center",
            spacing="3",
            padding_y="32px",
        ),
        width="100%",
        class_name="lms-empty",
    )


def stat_card(label: str, value, icon: str, hint: str | rx.Var = "") -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.center(rx.icon(icon, size=20), width="40px", height="40px", border_radius="10px", background=rx.color("accent", 3), color=rx.color("accent", 11)),
            rx.vstack(
                rx.text(label, size="2", color_scheme="gray"),
                rx.heading(value, size="6"),
                rx.text(hint, size="1", color_scheme="gray") if hint is not None else rx.fragment(),
                spacing="0",
            ),
            spacing="3",
            align="center",
        ),
        width="100%",
    )


def section(title: str, *children, **props) -> rx.Component:
    return rx.vstack(rx.heading(title, size="4"), *children, spacing="3", width="100%", margin_top="32px", **props)


def form_field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", size="2", weight="medium"),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def status_badge(active: rx.Var, on: str = "Active", off: str = "Inactive") -> rx.Component:
    return rx.cond(active, rx.badge(on, color_scheme="green", variant="soft"), rx.badge(off, color_scheme="gray", variant="soft"))
