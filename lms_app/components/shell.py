"""The app shell: role-aware navigation (sidebar on desktop, drawer on phones), the top bar
with the user menu and light/dark switch, and the access-denied and loading views."""

from __future__ import annotations

import functools
import operator

import reflex as rx

from lms_app.page_registry import PageSpec
from lms_app.state.auth import AuthState
from lms_app.state.notifications import NotificationBellState

# The sidebar by audience: (heading, [(label, icon, path, permission)]). An entry shows only to
# users holding its permission; a heading, to users who see one of its entries.
NAVIGATION_SECTIONS: list[tuple[str, list[tuple[str, str, str, str]]]] = [
    ("Learning", [
        ("My learning", "book-open", "/learn", "learning.view"),
        ("Catalog", "library", "/catalog", "learning.view"),
        ("My learning paths", "route", "/learn/paths", "learning.view"),
        ("My certificates", "medal", "/learn/certificates", "learning.view"),
        ("Training elsewhere", "award", "/learn/external", "learning.view"),
    ]),
    ("Teaching", [
        ("My courses", "presentation", "/teach", "courses.teach"),
        ("Grading", "clipboard-check", "/teach/grading", "courses.teach"),
        ("Learning paths", "list-ordered", "/teach/paths", "paths.manage"),
    ]),
    ("Teams", [
        ("My teams", "users", "/teams", "teams.view"),
        ("Team required training", "calendar-clock", "/teams/requirements", "teams.view"),
        ("Training to review", "file-check", "/teams/external-training", "teams.view"),
    ]),
    ("Administration", [
        ("Overview", "layout-dashboard", "/admin", "admin.view"),
        ("Users", "user-cog", "/admin/users", "users.view"),
        ("Roles", "shield-check", "/admin/roles", "roles.manage"),
        ("Groups & departments", "network", "/admin/groups", "groups.manage"),
        ("Required training", "calendar-check", "/admin/requirements", "compliance.manage"),
        ("Compliance", "badge-check", "/admin/compliance", "compliance.manage"),
        ("Certificates", "stamp", "/admin/certificates", "certificates.manage"),
        ("LRS clients", "radio-tower", "/admin/lrs", "lrs.manage"),
        ("Settings", "settings", "/admin/settings", "settings.manage"),
        ("Audit trail", "scroll-text", "/admin/audit", "audit.view"),
    ]),
]
NAVIGATION: list[tuple[str, str, str, str]] = [entry for _, entries in NAVIGATION_SECTIONS for entry in entries]


def _nav_link(label: str, icon: str, path: str, permission: str) -> rx.Component:
    current = rx.State.router.url.path
    # An entry is current on its page and the pages below it, except those a longer entry claims
    # (/teach/grading is Grading's, not My courses').
    active = (current == path) | current.startswith(path + "/")
    for longer in (p for _, _, p, _ in NAVIGATION if p.startswith(path + "/")):
        active = active & ~((current == longer) | current.startswith(longer + "/"))
    return rx.cond(
        AuthState.permissions.contains(permission),
        rx.link(
            rx.hstack(rx.icon(icon, size=18), rx.text(label, size="2", weight="medium"), spacing="3", align="center"),
            href=path,
            underline="none",
            padding_x="12px",
            padding_y="8px",
            border_radius="8px",
            width="100%",
            color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
            background=rx.cond(active, rx.color("accent", 3), "transparent"),
            _hover={"background": rx.color("gray", 3)},
        ),
    )


def _nav_section(heading: str, entries: list[tuple[str, str, str, str]]) -> rx.Component:
    sees_one = functools.reduce(operator.or_, [AuthState.permissions.contains(permission) for *_, permission in entries])
    return rx.cond(sees_one, rx.vstack(
        rx.text(heading, size="1", weight="medium", color_scheme="gray", padding_x="12px", padding_top="8px"),
        *[_nav_link(*entry) for entry in entries],
        spacing="1", width="100%",
    ))


def _nav() -> rx.Component:
    return rx.vstack(*[_nav_section(heading, entries) for heading, entries in NAVIGATION_SECTIONS], spacing="2", width="100%")


def _brand(one_line: bool = False) -> rx.Component:
    # In the phone's top bar a long name is cut with an ellipsis rather than wrapping out of it.
    name_props = {"white_space": "nowrap", "overflow": "hidden", "text_overflow": "ellipsis", "min_width": "0"} if one_line else {}
    return rx.hstack(
        rx.cond(
            AuthState.org_logo != "",
            rx.image(src=AuthState.org_logo, alt="", height="34px", max_width="96px", object_fit="contain"),
            rx.center(rx.icon("graduation-cap", size=20), width="34px", height="34px", border_radius="9px", background=rx.color("accent", 9), color="white"),
        ),
        rx.text(AuthState.org_name, weight="bold", size="3", trim="both", **name_props),
        spacing="2",
        align="center",
        min_width="0",
    )


def _user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=AuthState.user_initials, size="2", radius="full"),
                rx.text(AuthState.user_name, size="2", display=["none", "none", "inline"]),
                rx.icon("chevron-down", size=14),
                variant="ghost",
                aria_label="Account menu",
                id="user-menu",
            )
        ),
        rx.menu.content(
            rx.box(rx.text(AuthState.user_email, size="1", color_scheme="gray"), padding_x="8px", padding_y="4px"),
            rx.menu.item(rx.icon("user", size=14), "Profile and sessions", on_click=rx.redirect("/profile")),
            rx.menu.separator(),
            # Signed in as someone: leaving means going back to one's own account (which signing
            # out would leave open in this browser).
            rx.cond(
                AuthState.impersonating,
                rx.menu.item(rx.icon("undo-2", size=14), "Return to my account", on_click=rx.call_script("lmsStopImpersonation()")),
                rx.menu.item(rx.icon("log-out", size=14), "Sign out", color_scheme="red", on_click=rx.call_script("lmsLogout()"), id="sign-out"),
            ),
        ),
    )


def _mobile_nav() -> rx.Component:
    return rx.drawer.root(
        rx.drawer.trigger(rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Open navigation", display=["flex", "flex", "none"])),
        rx.drawer.overlay(z_index="50"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(_brand(), rx.drawer.close(rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close navigation")), justify="between", width="100%"),
                    _nav(),
                    spacing="5",
                    padding="16px",
                    width="100%",
                ),
                top="0", left="0", height="100%", width="17em", background=rx.color("gray", 1), z_index="51",
            )
        ),
        direction="left",
    )


def _bell() -> rx.Component:
    """The unread count, counted once when the page opens (the shell mounts with each page)."""
    return rx.link(
        rx.box(
            rx.icon("bell", size=20),
            rx.cond(
                NotificationBellState.unread > 0,
                rx.badge(NotificationBellState.badge, color_scheme="red", variant="solid", radius="full", size="1",
                         position="absolute", top="-6px", right="-10px", id="unread-count"),
                rx.fragment(),
            ),
            position="relative",
            display="flex",
        ),
        href="/notifications",
        aria_label=NotificationBellState.label,
        title=NotificationBellState.label,
        color=rx.color("gray", 11),
        padding="8px",
        margin_right="4px",
        on_mount=NotificationBellState.count,
        id="notification-bell",
    )


def _top_bar(title: str) -> rx.Component:
    return rx.hstack(
        rx.hstack(_mobile_nav(), rx.box(_brand(one_line=True), display=["flex", "flex", "none"], min_width="0"), spacing="2", align="center", min_width="0"),
        rx.spacer(),
        rx.color_mode.button(variant="ghost", aria_label="Switch light or dark mode"),
        rx.cond(AuthState.signed_in, _bell(), rx.fragment()),
        rx.cond(AuthState.signed_in, _user_menu(), rx.fragment()),
        align="center",
        padding_x="24px",
        height="60px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
    )


def _impersonation_banner() -> rx.Component:
    """While an admin is signed in as someone: at the top of every page, with the one click back."""
    return rx.cond(
        AuthState.impersonating,
        rx.flex(
            rx.hstack(
                rx.icon("venetian-mask", size=20, flex_shrink="0"),
                rx.text(
                    rx.text.strong("You are signed in as ", AuthState.user_name, ". "),
                    "Everything you do is recorded under your name too.",
                    size="2",
                ),
                spacing="2",
                align="center",
            ),
            rx.button(
                rx.icon("undo-2", size=16), "Return to my account",
                on_click=rx.call_script("lmsStopImpersonation()"),
                color_scheme="amber", variant="surface", size="2", flex_shrink="0", id="return-to-my-account",
            ),
            justify="between",
            align="center",
            gap="12px",
            wrap="wrap",
            padding_x=["16px", "24px"],
            padding_y="10px",
            background=rx.color("amber", 9),
            color="black",
            width="100%",
            role="status",
            id="impersonation-banner",
        ),
    )


def _sidebar() -> rx.Component:
    # The column runs the page's full height (its background and border with it); the
    # navigation inside stays in view while the page scrolls.
    return rx.box(
        rx.vstack(
            rx.box(_brand(), padding_x="12px", padding_y="16px"),
            _nav(),
            position="sticky",
            top="0",
            padding="12px",
            spacing="2",
        ),
        width="248px",
        min_width="248px",
        border_right=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 2),
        display=["none", "none", "block"],
    )


def _denied() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("shield-x", size=40, color=rx.color("red", 9)),
            rx.heading("You do not have access to this page", size="5"),
            rx.text("Your roles do not include it. If you need it, ask an administrator.", color_scheme="gray"),
            rx.link(rx.button("Go to my start page"), href="/"),
            align="center",
            spacing="3",
        ),
        padding_y="64px",
        id="access-denied",
    )


def _loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding_y="64px")


def shell(spec: PageSpec):
    """Wrap a page in the app shell (or in the plain sign-in frame for bare pages)."""

    def render() -> rx.Component:
        if spec.bare:
            return rx.box(
                rx.box(rx.color_mode.button(variant="ghost", aria_label="Switch light or dark mode"), position="absolute", top="12px", right="12px"),
                spec.render(),
                min_height="100vh",
                background=rx.color("gray", 2),
            )
        return rx.hstack(
            _sidebar(),
            rx.vstack(
                _impersonation_banner(),
                _top_bar(spec.title),
                rx.box(
                    rx.match(AuthState.page_status, ("ok", spec.render()), ("denied", _denied()), _loading()),
                    padding=["16px", "24px", "32px"],
                    width="100%",
                    max_width="1200px",
                ),
                spacing="0",
                width="100%",
                min_width="0",
            ),
            spacing="0",
            width="100%",
            min_height="100vh",
            align="stretch",
        )

    return render
