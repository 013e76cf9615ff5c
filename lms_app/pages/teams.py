"""A manager's My teams."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import WIDE_ONLY, empty_state, section
from lms_app.page_registry import page
from lms_app.state.teams import TeamsState


def _member_row(m: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(m["name"], weight="medium"), rx.text(m["email"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(m["department"], display=WIDE_ONLY),
        rx.table.cell(rx.tooltip(rx.text(m["last_login"]), content=m["last_login_full"]), display=WIDE_ONLY),
        rx.table.cell(rx.cond(m["status"] == "Active", rx.badge("Active", color_scheme="green", variant="soft"), rx.badge("Deactivated", color_scheme="gray", variant="soft"))),
    )


@page("/teams", "My teams", permission="teams.view", on_load=TeamsState.load)
def my_teams() -> rx.Component:
    return rx.vstack(
        rx.box(rx.heading("My teams", size="7", id="landing-title"), rx.text("The groups and departments you manage, and the people in them.", color_scheme="gray"), margin_bottom="16px"),
        rx.cond(
            TeamsState.units.length() > 0,
            rx.grid(
                rx.foreach(TeamsState.units, lambda u: rx.card(rx.vstack(rx.badge(u["kind"], variant="soft"), rx.heading(u["name"], size="4"), rx.text(u["members"], " members", color_scheme="gray", size="2"), spacing="2"))),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                spacing="4",
                width="100%",
            ),
            empty_state("users", "You do not manage a team yet", "When an administrator makes you the manager of a group or a department, its people appear here."),
        ),
        section(
            "People",
            rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Search people", value=TeamsState.search, on_change=TeamsState.set_search, max_width="320px", width="100%"),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(rx.table.column_header_cell("Person"), rx.table.column_header_cell("Department", display=WIDE_ONLY), rx.table.column_header_cell("Last sign-in", display=WIDE_ONLY), rx.table.column_header_cell("Status"))),
                    rx.table.body(rx.foreach(TeamsState.visible_members, _member_row)),
                    variant="surface",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.callout("Completion, scores, time spent and overdue training per person appear here once courses are running.", icon="info", variant="surface", width="100%"),
        ),
        width="100%",
        spacing="4",
    )
