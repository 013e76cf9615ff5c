"""The compliance report: who is compliant, overdue, due soon or expiring, per requirement and
per department, with the people behind the figures."""

from __future__ import annotations

import reflex as rx

from lms_app.components.charts import data_table, export_buttons, key_figure
from lms_app.components.ui import empty_state, filter_select, page_header
from lms_app.page_registry import page
from lms_app.services import compliance_report
from lms_app.state.compliance_report import STATUS_OPTIONS, ComplianceReportState as S

STATUS_COLORS = {"completed": "green", "exempted": "gray", "in_progress": "blue", "not_started": "amber", "overdue": "red"}


def _filters() -> rx.Component:
    return rx.grid(
        filter_select(S.requirement_options, S.requirement, S.set_requirement, "Requirement", "report-requirement"),
        filter_select(S.department_options, S.department, S.set_department, "Department", "report-department"),
        filter_select(STATUS_OPTIONS, S.status, S.set_status, "Status", "report-status"),
        columns=rx.breakpoints(initial="1", sm="3"),
        spacing="3",
        width="100%",
    )


def _figures() -> rx.Component:
    f = S.figures
    return rx.grid(
        rx.box(key_figure("Compliant", f["rate"], f["compliant"]), id="figure-compliant"),
        rx.box(key_figure("Overdue", f["overdue"], "past their due date", tone="red"), id="figure-overdue"),
        rx.box(key_figure("Due soon", f["due_soon"], f"due in the next {compliance_report.DUE_SOON_DAYS} days", tone="amber"), id="figure-due-soon"),
        rx.box(key_figure("Expiring", f["expiring"], f"certificates lapsing within {compliance_report.EXPIRING_DAYS} days"), id="figure-expiring"),
        columns=rx.breakpoints(initial="2", md="4"),
        spacing="3",
        width="100%",
    )


def _counts_card(title: str, first: str, rows, table: str, id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading(title, size="3"),
                rx.spacer(),
                export_buttons(S.export(table, "csv"), S.export(table, "xlsx"), title, on_pdf=S.export(table, "pdf")),
                width="100%", gap="8px", wrap="wrap", align="center",
            ),
            data_table([first, *compliance_report.COUNT_COLUMNS], rows),
            spacing="3", width="100%",
        ),
        width="100%", id=id,
    )


def _status_badge(p: dict) -> rx.Component:
    return rx.badge(p["status"], color_scheme=rx.match(p["status_key"], *STATUS_COLORS.items(), "gray"), variant="soft")


def _person(p: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(p["name"], size="2", weight="medium"), rx.text(p["email"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.text(p["department"], size="2"), display=["none", "none", "table-cell"]),
        rx.table.cell(rx.text(p["requirement"], size="2")),
        rx.table.cell(_status_badge(p)),
        rx.table.cell(rx.text(p["due"], size="2", white_space="nowrap")),
        rx.table.cell(rx.text(p["completed"], size="2", white_space="nowrap"), display=["none", "none", "table-cell"]),
        rx.table.cell(rx.text(p["expires"], size="2", white_space="nowrap"), display=["none", "none", "none", "table-cell"]),
    )


def _people() -> rx.Component:
    wide = ["none", "none", "table-cell"]
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading("People", size="3"),
                rx.spacer(),
                export_buttons(S.export("people", "csv"), S.export("people", "xlsx"), "People", on_pdf=S.export("people", "pdf")),
                width="100%", gap="8px", wrap="wrap", align="center",
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell("Person"),
                        rx.table.column_header_cell("Department", display=wide),
                        rx.table.column_header_cell("Requirement"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell("Due"),
                        rx.table.column_header_cell("Completed", display=wide),
                        rx.table.column_header_cell("Expires", display=["none", "none", "none", "table-cell"]),
                    )),
                    rx.table.body(rx.foreach(S.people, _person)),
                    size="1", variant="surface", width="100%",
                ),
                overflow_x="auto", width="100%", id="report-people",
            ),
            rx.hstack(
                rx.text(S.people_range, size="2", color_scheme="gray"),
                rx.spacer(),
                rx.button(rx.icon("chevron-left", size=16), "Previous", variant="soft", size="2", disabled=S.people_page <= 1, on_click=S.turn_page(-1)),
                rx.button("Next", rx.icon("chevron-right", size=16), variant="soft", size="2", disabled=S.people_page >= S.people_pages, on_click=S.turn_page(1)),
                align="center", spacing="2", width="100%", wrap="wrap",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


@page("/admin/compliance", "Compliance", permission="compliance.manage", on_load=S.load)
def compliance() -> rx.Component:
    return rx.vstack(
        page_header("Compliance", "Who has done the training they must do, per requirement and per department."),
        rx.cond(
            S.loaded & (S.requirement_options.length() <= 1),
            empty_state("shield-check", "No required training yet",
                        "Make a course or a learning path required for people, groups or departments; their status shows here.",
                        rx.link(rx.button("Set required training"), href="/admin/requirements")),
            rx.vstack(
                _filters(),
                _figures(),
                _counts_card("By requirement", "Requirement", S.requirement_rows, "requirements", "report-by-requirement"),
                _counts_card("By department", "Department", S.department_rows, "departments", "report-by-department"),
                _people(),
                spacing="4", width="100%",
            ),
        ),
        spacing="4", width="100%",
    )
