"""The notifications page: one's notices, newest first, and how each kind reaches one by email."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import empty_state, page_header, section
from lms_app.page_registry import SIGNED_IN, page
from lms_app.services.notifications import EMAIL_CHOICES, REDUCED_EXPLAINED, choices_for
from lms_app.state.notifications import NotificationsState as S

_COMPLIANCE_CHOICES = choices_for("requirement_due")
_OTHER_CHOICES = choices_for("manager_digest")


def _item(n: dict) -> rx.Component:
    unread = n["read"] == ""
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.cond(unread, rx.box(width="8px", height="8px", min_width="8px", border_radius="50%", background=rx.color("accent", 9),
                                           title="Unread"), rx.fragment()),
                    rx.text(n["title"], weight=rx.cond(unread, "bold", "regular"), size="3"),
                    align="center",
                    spacing="2",
                ),
                rx.cond(n["body"] != "", rx.text(n["body"], size="2", color_scheme="gray", white_space="pre-line"), rx.fragment()),
                rx.hstack(
                    rx.badge(n["kind"], variant="soft", color_scheme="gray"),
                    rx.text(n["when"], size="1", color_scheme="gray", title=n["ago"]),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="2",
                min_width="0",
                flex="1",
            ),
            rx.hstack(
                rx.cond(n["link"] != "", rx.button("Open", size="2", on_click=S.open_item(n["id"])), rx.fragment()),
                rx.cond(unread, rx.button("Mark as read", size="2", variant="soft", color_scheme="gray", on_click=S.mark_read(n["id"])),
                        rx.fragment()),
                spacing="2",
                flex_shrink="0",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            justify="between",
            gap="3",
            width="100%",
        ),
        width="100%",
        background=rx.cond(unread, rx.color("accent", 2), rx.color("gray", 1)),
        border_left=rx.cond(unread, f"3px solid {rx.color('accent', 9)}", "3px solid transparent"),
        class_name="lms-notification",
    )


def _choice_select(p: dict, choices: tuple[str, ...]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=p["label"], width="100%"),
        rx.select.content(*[rx.select.item(EMAIL_CHOICES[c], value=c) for c in choices]),
        value=p["email"],
        on_change=lambda value: S.set_email(p["kind"], value),
    )


def _preference(p: dict) -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.text(p["label"], size="2", weight="medium"),
            rx.cond(p["compliance"] == "yes", rx.badge("Required training", variant="soft", color_scheme="amber"), rx.fragment()),
            spacing="2",
            align="center",
            wrap="wrap",
            flex="1",
        ),
        rx.box(
            rx.cond(p["compliance"] == "yes", _choice_select(p, _COMPLIANCE_CHOICES), _choice_select(p, _OTHER_CHOICES)),
            width=rx.breakpoints(initial="100%", sm="240px"),
            flex_shrink="0",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="start", sm="center"),
        gap="2",
        width="100%",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


@page("/notifications", "Notifications", permission=SIGNED_IN, on_load=S.load)
def notifications_page() -> rx.Component:
    return rx.vstack(
        page_header(
            "Notifications",
            rx.cond(S.unread > 0, S.unread.to_string() + " unread", "All read"),
            rx.cond(S.unread > 0, rx.button(rx.icon("check-check", size=16), "Mark all as read", variant="soft", on_click=S.mark_all_read,
                                            id="mark-all-read"), rx.fragment()),
        ),
        rx.cond(
            S.items.length() > 0,
            rx.vstack(rx.foreach(S.items, _item), spacing="2", width="100%", id="notification-list"),
            empty_state("bell", "No notifications yet",
                        "Reminders about required training, certificates and reviews of training done elsewhere appear here. "
                        "There is nothing for you to do now."),
        ),
        section(
            "Email",
            rx.text("Every notification appears here. Choose which ones also reach you by email.", size="2", color_scheme="gray"),
            rx.callout(REDUCED_EXPLAINED, icon="info", size="1", width="100%"),
            rx.card(rx.vstack(rx.foreach(S.preferences, _preference), spacing="0", width="100%"), width="100%", id="notification-preferences"),
        ),
        width="100%",
        spacing="2",
    )
