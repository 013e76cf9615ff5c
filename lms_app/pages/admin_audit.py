"""The audit trail: who did what and when, filtered, paged, checked and exported."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import empty_state, page_header
from lms_app.page_registry import page
from lms_app.state.admin_audit import CATEGORY_OPTIONS, PERSON_AS_OPTIONS, AdminAuditState as S

_TABLE_FROM = ["none", "none", "none", "block"]  # the table from laptop widths; cards below
_WIDE = ["none", "none", "none", "none", "table-cell"]  # the IP column on wide screens only


def _verify_callout() -> rx.Component:
    return rx.match(
        S.verify_status,
        ("ok", rx.callout(S.verify_message, icon="shield-check", color_scheme="green", variant="surface", width="100%", id="verify-result")),
        ("broken", rx.callout(S.verify_message, icon="shield-alert", color_scheme="red", variant="surface", width="100%", id="verify-result")),
        rx.fragment(),
    )


def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, as_="label", size="1", weight="medium", color_scheme="gray"), control, spacing="1", width="100%")


def _filters() -> rx.Component:
    wide = rx.breakpoints(initial="span 2", md="span 1")
    return rx.card(
        rx.grid(
            rx.box(_labelled("Category", rx.select.root(
                rx.select.trigger(width="100%", id="audit-category"),
                rx.select.content(*[rx.select.item(label, value=key) for key, label in CATEGORY_OPTIONS]),
                value=S.category,
                on_change=S.set_category,
            )), grid_column=wide),
            rx.box(_labelled("Person", rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                placeholder="Name or email",
                value=S.person,
                on_change=S.set_person,
                width="100%",
                id="audit-person",
            )), grid_column=wide),
            # --- audit coverage: the person as the one who acted, the target, or either ---
            rx.box(_labelled("Who", rx.select.root(
                rx.select.trigger(width="100%", id="audit-person-as"),
                rx.select.content(*[rx.select.item(label, value=key) for key, label in PERSON_AS_OPTIONS]),
                value=S.person_as,
                on_change=S.set_person_as,
            )), grid_column=wide),
            _labelled("From", rx.input(type="date", value=S.date_from, on_change=S.set_date_from, width="100%", id="audit-from")),
            _labelled("To", rx.input(type="date", value=S.date_to, on_change=S.set_date_to, width="100%", id="audit-to")),
            columns=rx.breakpoints(initial="2", md="5"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _what(r: dict) -> rx.Component:
    return rx.vstack(
        rx.text(r["sentence"], size="2", weight="medium"),
        rx.badge(r["category"], variant="soft", color_scheme="gray", size="1"),
        spacing="1",
        align="start",
    )


def _impersonator(r: dict) -> rx.Component:
    """The admin who was signed in as the person who acted ("Sign in as"), when one was."""
    return rx.cond(r["impersonator"] != "", rx.badge(rx.icon("venetian-mask", size=12), "Impersonated by ", r["impersonator"],
                                                      color_scheme="amber", variant="soft", size="1", white_space="normal"))


def _table_row(r: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r["when"], size="2", white_space="nowrap")),
        rx.table.cell(rx.cond(
            r["who_email"] != "",
            rx.vstack(rx.text(r["who"], size="2"), rx.text(r["who_email"], size="1", color_scheme="gray"), _impersonator(r), spacing="0"),
            rx.text(r["who"], size="2", color_scheme="gray"),
        )),
        rx.table.cell(_what(r)),
        rx.table.cell(rx.text(r["target"], size="2")),
        rx.table.cell(rx.text(r["ip"], size="2", color_scheme="gray", white_space="nowrap"), display=_WIDE),
        rx.table.cell(rx.icon_button(rx.icon("chevron-right", size=16), variant="ghost", aria_label="Show details", on_click=S.show_event(r["seq"]).stop_propagation)),
        on_click=S.show_event(r["seq"]),
        cursor="pointer",
        _hover={"background": rx.color("gray", 2)},
    )


def _table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("When", width="150px"),
                rx.table.column_header_cell("Who"),
                rx.table.column_header_cell("What"),
                rx.table.column_header_cell("Target"),
                rx.table.column_header_cell("IP address", display=_WIDE, white_space="nowrap"),
                rx.table.column_header_cell("", width="44px"),
            )),
            rx.table.body(rx.foreach(S.rows, _table_row)),
            variant="surface",
            width="100%",
        ),
        display=_TABLE_FROM,
        width="100%",
        id="audit-table",
    )


def _card_row(r: dict) -> rx.Component:
    """On a phone: one tappable card per event."""
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(r["sentence"], size="2", weight="medium"),
                rx.hstack(
                    rx.badge(r["category"], variant="soft", color_scheme="gray", size="1"),
                    _impersonator(r),
                    rx.text(r["when"], size="1", color_scheme="gray"),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="1",
                align="start",
                min_width="0",
                flex="1",
            ),
            rx.icon("chevron-right", size=16, color=rx.color("gray", 9), flex_shrink="0"),
            align="center",
            spacing="2",
            width="100%",
        ),
        on_click=S.show_event(r["seq"]),
        cursor="pointer",
        width="100%",
        size="1",
    )


def _cards() -> rx.Component:
    return rx.vstack(rx.foreach(S.rows, _card_row), spacing="2", width="100%", display=["flex", "flex", "flex", "none"])


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text(S.range_text, size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=16), "Newer", variant="soft", size="2", disabled=S.page <= 1, on_click=S.previous_page),
        rx.button("Older", rx.icon("chevron-right", size=16), variant="soft", size="2", disabled=S.page >= S.pages, on_click=S.next_page),
        align="center",
        spacing="2",
        width="100%",
        wrap="wrap",
    )


def _detail_line(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="110px"), rx.data_list.value(value))


def _change_row(c: dict) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(c["field"], weight="medium")),
        rx.table.cell(rx.text(c["before"], color_scheme="gray")),
        rx.table.cell(rx.text(c["after"])),
    )


def _change_pair(c: dict) -> rx.Component:
    """On a phone: the field's name, then before and after side by side."""
    return rx.vstack(
        rx.text(c["field"], size="1", weight="medium", color_scheme="gray"),
        rx.grid(
            rx.text(c["before"], size="2", color_scheme="gray", overflow_wrap="anywhere"),
            rx.icon("arrow-right", size=14, color=rx.color("gray", 9), margin_top="3px"),
            rx.text(c["after"], size="2", overflow_wrap="anywhere"),
            columns="1fr auto 1fr",
            spacing="2",
            width="100%",
        ),
        spacing="1",
        width="100%",
        padding_y="2",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _changes() -> rx.Component:
    return rx.fragment(
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Field"), rx.table.column_header_cell("Before"), rx.table.column_header_cell("After"),
                )),
                rx.table.body(rx.foreach(S.detail_changes, _change_row)),
                variant="surface",
                size="1",
                width="100%",
            ),
            display=["none", "block"],
            overflow_x="auto",
            width="100%",
            id="audit-changes",
        ),
        rx.vstack(rx.foreach(S.detail_changes, _change_pair), spacing="0", width="100%", display=["flex", "none"]),
    )


def _details() -> rx.Component:
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(d["sentence"], size="4"),
            rx.dialog.description(rx.text("Event #", d["seq"], " · ", d["when"]), size="2", color_scheme="gray", margin_bottom="16px"),
            rx.data_list.root(
                _detail_line("Who", rx.cond(d["who_email"] != "", rx.text(d["who"], " · ", d["who_email"]), rx.text(d["who"]))),
                rx.cond(d["impersonator"] != "", _detail_line("Impersonated by", rx.text(d["impersonator"], " · ", d["impersonator_email"]))),
                _detail_line("Category", rx.badge(d["category"], variant="soft", color_scheme="gray")),
                _detail_line("Target", d["target"]),
                _detail_line("IP address", d["ip"]),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                size="2",
            ),
            rx.heading("What changed", size="3", margin_top="24px", margin_bottom="8px"),
            rx.cond(
                S.detail_changes.length() > 0,
                _changes(),
                rx.text("This event records no field changes.", size="2", color_scheme="gray"),
            ),
            rx.flex(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end", margin_top="24px"),
            max_width="620px",
            id="audit-details",
        ),
        open=S.details_open,
        on_open_change=S.set_details_open,
    )


def _results() -> rx.Component:
    return rx.cond(
        S.total > 0,
        rx.vstack(_table(), _cards(), _pager(), spacing="3", width="100%"),
        rx.cond(
            S.filtered,
            empty_state("search-x", "No events match these filters", "Try another category, person or dates, or clear the filters to see everything.",
                        rx.button("Clear filters", variant="soft", on_click=S.clear_filters)),
            empty_state("scroll-text", "Nothing recorded yet", "Sign-ins, changes to people, roles and groups, and exports appear here as they happen."),
        ),
    )


@page("/admin/audit", "Audit trail", permission="audit.view", on_load=S.load)
def admin_audit() -> rx.Component:
    return rx.vstack(
        page_header(
            "Audit trail",
            "Every sign-in, change and export, in order and tamper-evident.",
            rx.button(rx.icon("shield-check", size=16), "Verify integrity", variant="soft", on_click=S.verify, id="audit-verify"),
            rx.button(rx.icon("download", size=16), "Export CSV", on_click=S.export, id="audit-export"),
        ),
        _verify_callout(),
        _filters(),
        rx.cond(S.filtered & (S.total > 0), rx.button(rx.icon("x", size=14), "Clear filters", variant="ghost", size="1", on_click=S.clear_filters), rx.fragment()),
        rx.cond(S.loaded, _results(), rx.center(rx.spinner(size="3"), padding_y="64px", width="100%")),
        _details(),
        width="100%",
        spacing="4",
    )
