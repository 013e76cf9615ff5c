"""Course announcements on screen: the bell link with its unread count (the player, My
learning) and one announcement as a card (the staff and learner pages)."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import markdown


def learner_href(course_id) -> rx.Var:
    return f"/learn/courses/{course_id}/announcements"


def unread_badge(unread, **props) -> rx.Component:
    """A small red count, shown only when something is unread."""
    return rx.cond(unread > 0, rx.badge(unread, color_scheme="red", variant="solid", radius="full", size="1", **props))


def announcements_link(course_id_var, unread_var, **props) -> rx.Component:
    """A button to the course's announcements, with a bell and the unread count."""
    return rx.link(
        rx.button(
            rx.icon("bell", size=16),
            "Announcements",
            unread_badge(unread_var, aria_label=rx.cond(unread_var == 1, "1 unread announcement", f"{unread_var} unread announcements")),
            variant="soft",
            color_scheme="gray",
            size="2",
            tab_index=-1,
        ),
        href=learner_href(course_id_var),
        underline="none",
        **props,
    )


def announcement_card(row, *actions: rx.Component, **props) -> rx.Component:
    """One announcement (an AnnouncementRow): title, who posted it and when, badges, the text."""
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.hstack(
                        rx.heading(row.title, size="4", word_break="break-word"),
                        rx.cond(row.unread, rx.badge("New", color_scheme="red", variant="soft", class_name="lms-new-badge")),
                        spacing="2", align="center", wrap="wrap",
                    ),
                    rx.hstack(
                        rx.text(row.author, " · ", row.posted, rx.cond(row.edited, " · edited", ""), size="1", color_scheme="gray"),
                        rx.cond(row.emailed, rx.badge(rx.icon("mail", size=12), "Emailed", variant="soft", color_scheme="gray", size="1")),
                        spacing="2", align="center", wrap="wrap",
                    ),
                    spacing="1",
                    min_width="0",
                ),
                rx.hstack(*actions, spacing="1") if actions else rx.fragment(),
                justify="between",
                align="start",
                spacing="3",
                width="100%",
            ),
            rx.box(markdown(row.body), width="100%", min_width="0", overflow_x="auto", class_name="lms-announcement-body"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        **props,
    )


def unread_note(course_id, unread) -> rx.Component:
    """'2 new announcements', linking to them; nothing when all are read (course cards)."""
    return rx.cond(
        unread > 0,
        rx.link(
            rx.hstack(
                rx.icon("bell", size=14),
                rx.text(unread, rx.cond(unread == 1, " new announcement", " new announcements"), size="2", weight="medium"),
                spacing="1", align="center",
            ),
            href=learner_href(course_id),
            color_scheme="red",
            class_name="lms-unread-announcements",
        ),
    )


def _latest_row(a) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.hstack(
                rx.icon("megaphone", size=16, color=rx.color("gray", 10), min_width="16px"),
                rx.vstack(
                    rx.hstack(
                        rx.text(a.title, weight="medium", size="2", word_break="break-word"),
                        rx.cond(a.unread, rx.badge("New", color_scheme="red", variant="soft", size="1")),
                        spacing="2", align="center", wrap="wrap",
                    ),
                    rx.text(a.course_title, " · ", a.posted, size="1", color_scheme="gray", word_break="break-word"),
                    spacing="0", min_width="0",
                ),
                spacing="3", align="center", min_width="0",
            ),
            rx.icon("chevron-right", size=16, color=rx.color("gray", 9), min_width="16px"),
            justify="between", align="center", spacing="3", width="100%", padding_y="10px",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        href=a.href,
        underline="none",
        color="inherit",
        display="block",
        width="100%",
    )


def latest_announcements(rows) -> rx.Component:
    """My learning's "Latest announcements": the newest across the learner's courses (a list of
    LatestAnnouncementView), unread ones marked; nothing when there are none."""
    return rx.cond(
        rows.length() > 0,
        rx.vstack(
            rx.heading("Latest announcements", size="4"),
            rx.vstack(rx.foreach(rows, _latest_row), spacing="0", width="100%"),
            spacing="3", width="100%", margin_top="32px", id="latest-announcements",
        ),
    )
