"""The LRS clients page: who may send and read xAPI statements, with the endpoint to give them."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import WIDE_ONLY, confirm_dialog, form_field, page_header, status_badge
from lms_app.page_registry import page
from lms_app.state.admin_lrs import AdminLrsState, ClientRow, ScopeChoice

S = AdminLrsState


def _scope_box(choice: ScopeChoice) -> rx.Component:
    return rx.text(rx.el.label(rx.hstack(rx.checkbox(name="scope_" + choice.value, default_checked=choice.value == "statements/write"),
                                         rx.text(choice.label, size="2"), spacing="2", align="center")))


def _secret_line(label: str, value, id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.code(value, id=id, size="2", style={"overflow_wrap": "anywhere"}),
        spacing="1", width="100%",
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), "New client", id="new-lrs-client")),
        rx.dialog.content(
            rx.dialog.title("New LRS client"),
            rx.cond(
                S.new_secret != "",
                rx.vstack(
                    rx.callout("Copy the secret now: it is shown only once.", icon="key-round", color_scheme="amber", size="1", width="100%"),
                    _secret_line("Endpoint", S.endpoint, "lrs-endpoint"),
                    _secret_line("Key (user name)", S.new_key, "lrs-new-key"),
                    _secret_line("Secret (password)", S.new_secret, "lrs-new-secret"),
                    rx.flex(rx.dialog.close(rx.button("Done", id="lrs-done")), justify="end", width="100%"),
                    spacing="3", width="100%",
                ),
                rx.form(
                    rx.vstack(
                        form_field("Name", rx.input(name="name", placeholder="Authoring tool, reporting…", required=True, width="100%", id="lrs-name"),
                                   "Shown on the statements it stores (their authority)."),
                        rx.text("It may", size="2", weight="medium"),
                        rx.foreach(S.scope_choices, _scope_box),
                        rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                                  rx.button("Create client", type="submit", id="create-lrs-client"), justify="end", spacing="3", width="100%"),
                        spacing="3", width="100%",
                    ),
                    on_submit=S.create, width="100%",
                ),
            ),
            max_width="min(480px, calc(100vw - 24px))",
        ),
        open=S.create_open, on_open_change=S.set_create_open,
    )


def _row(c: ClientRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(c.name, weight="medium", size="2"),
                                rx.code(c.key, size="1", variant="ghost", style={"word_break": "break-all"}), spacing="1")),
        rx.table.cell(rx.flex(rx.foreach(c.scopes, lambda s: rx.badge(s, variant="soft", size="1")), wrap="wrap", gap="1"), display=WIDE_ONLY),
        rx.table.cell(c.created, display=WIDE_ONLY),
        rx.table.cell(c.last_used, display=WIDE_ONLY),
        rx.table.cell(status_badge(c.active, "Active", "Revoked")),
        rx.table.cell(rx.cond(c.active, rx.button("Revoke", size="1", variant="soft", color_scheme="red", on_click=S.ask_revoke(c.id)))),
        align="center",
    )


@page("/admin/lrs", "LRS clients", permission="lrs.manage", on_load=AdminLrsState.load)
def admin_lrs() -> rx.Component:
    return rx.vstack(
        page_header("LRS clients", "Tools that send or read xAPI statements at this site's Learning Record Store, each with its own key.",
                    _create_dialog()),
        rx.text("Endpoint: ", rx.code(S.endpoint), size="2", color_scheme="gray"),
        rx.cond(
            S.clients.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Client"), rx.table.column_header_cell("May", display=WIDE_ONLY),
                    rx.table.column_header_cell("Created", display=WIDE_ONLY), rx.table.column_header_cell("Last used", display=WIDE_ONLY),
                    rx.table.column_header_cell("Status"), rx.table.column_header_cell(""),
                )),
                rx.table.body(rx.foreach(S.clients, _row)),
                variant="surface", width="100%", id="lrs-clients",
            ), overflow_x="auto", width="100%"),
            rx.text("No client yet. Create one for each tool that sends statements here.", size="2", color_scheme="gray", id="lrs-empty"),
        ),
        confirm_dialog(
            rx.text.span("Revoke “", S.revoke_name, "”?"),
            "Its key stops working at once. The statements it stored stay.",
            rx.button("Revoke", color_scheme="red", on_click=S.revoke, id="lrs-revoke-confirm"),
            open=S.revoke_open, on_open_change=S.set_revoke_open,
        ),
        spacing="4", width="100%",
    )
