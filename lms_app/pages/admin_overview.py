"""The admin overview."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import stat_card
from lms_app.page_registry import page
from lms_app.state.admin_overview import AdminOverviewState
from lms_app.state.auth import AuthState


@page("/admin", "Overview", permission="admin.view", on_load=AdminOverviewState.load)
def admin_overview() -> rx.Component:
    f = AdminOverviewState.figures
    return rx.vstack(
        rx.box(rx.heading("Overview", size="7", id="landing-title"), rx.text(AuthState.org_name, " at a glance.", color_scheme="gray"), margin_bottom="16px"),
        rx.grid(
            stat_card("Active users", f["active_users"], "users", "can sign in"),
            stat_card("Signed in this week", f["signed_in_7d"], "log-in", "distinct people"),
            stat_card("Awaiting approval", f["pending_approvals"], "user-plus", "self-registrations"),
            stat_card("Failed sign-ins", f["failed_logins_7d"], "shield-alert", "in the last 7 days"),
            columns=rx.breakpoints(initial="2", lg="4"),
            spacing="4",
            width="100%",
        ),
        rx.grid(
            stat_card("Departments", f["departments"], "building-2", ""),
            stat_card("Groups", f["groups"], "users-round", ""),
            stat_card("Deactivated users", f["inactive_users"], "user-x", ""),
            stat_card("Background jobs", f["jobs_waiting"], "timer", rx.cond(f["jobs_dead"] > 0, f"{f['jobs_dead']} failed for good", "waiting to run")),
            columns=rx.breakpoints(initial="2", lg="4"),
            spacing="4",
            width="100%",
        ),
        rx.hstack(
            rx.link(rx.button(rx.icon("user-plus", size=16), "Invite people"), href="/admin/users"),
            rx.link(rx.button(rx.icon("scroll-text", size=16), "Audit trail", variant="soft"), href="/admin/audit"),
            spacing="3",
            margin_top="16px",
        ),
        rx.callout("Enrollments, completions and time spent over time appear here once courses are running.", icon="info", variant="surface", width="100%", margin_top="16px"),
        width="100%",
        spacing="4",
    )
