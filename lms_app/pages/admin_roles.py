"""Roles and what each one may do: built-in roles read-only, custom roles edited in place."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import form_dialog, form_field, page_header, section
from lms_app.page_registry import page
from lms_app.state.admin_roles import AdminRolesState, Cell, MatrixRow, RoleCard


def _role_card(r: RoleCard) -> rx.Component:
    s = AdminRolesState
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(r.name, size="4", trim="both"),
                rx.cond(r.builtin, rx.badge("built-in", variant="soft", color_scheme="gray"), rx.badge("custom", variant="soft", color_scheme="violet")),
                rx.spacer(),
                rx.menu.root(
                    rx.menu.trigger(rx.icon_button(rx.icon("ellipsis", size=16), variant="ghost", color_scheme="gray", size="1", aria_label="Role actions")),
                    rx.menu.content(
                        rx.menu.item(rx.icon("pencil", size=14), rx.cond(r.builtin, "Edit description", "Rename or describe"), on_click=s.start_edit(r.id)),
                        rx.cond(~r.builtin, rx.fragment(
                            rx.menu.separator(),
                            rx.menu.item(rx.icon("trash-2", size=14), "Delete role", color_scheme="red", on_click=s.delete(r.id)),
                        )),
                    ),
                ),
                align="center",
                width="100%",
                spacing="2",
            ),
            rx.text(rx.cond(r.description != "", r.description, "No description."), size="2", color_scheme="gray"),
            rx.hstack(rx.icon("users", size=14), rx.text(r.members, rx.cond(r.members == "1", " person", " people"), size="2"), spacing="1", align="center", color=rx.color("gray", 11)),
            rx.text(r.permissions.length(), rx.cond(r.permissions.length() == 1, " permission", " permissions"), size="1", color_scheme="gray"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _cell(c: Cell) -> rx.Component:
    return rx.table.cell(
        rx.center(rx.cond(
            c.editable,
            rx.checkbox(checked=c.checked, on_change=lambda v: AdminRolesState.toggle(c.role_id, c.permission, v), size="2"),
            rx.cond(c.checked, rx.icon("check", size=16, color=rx.color("accent", 10)), rx.text("–", color_scheme="gray")),
        )),
    )


def _matrix_row(row: MatrixRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(rx.code(row.permission, size="1", variant="ghost"), rx.text(row.description, size="1", color_scheme="gray"), spacing="0", min_width="200px"),
        ),
        rx.foreach(row.cells, _cell),
        align="center",
    )


def _matrix() -> rx.Component:
    s = AdminRolesState
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("Permission"),
                rx.foreach(s.roles, lambda r: rx.table.column_header_cell(rx.center(rx.text(r.name, size="2", white_space="nowrap")))),
            )),
            rx.table.body(rx.foreach(s.matrix, _matrix_row)),
            variant="surface",
            size="1",
            width="100%",
            id="permission-matrix",
        ),
        overflow_x="auto",
        width="100%",
    )


def _create_dialog() -> rx.Component:
    s = AdminRolesState
    return form_dialog(
        "New role",
        form_field("Name", rx.input(name="name", placeholder="e.g. content reviewer", required=True, width="100%")),
        form_field("Description", rx.input(name="description", placeholder="What the role is for", width="100%")),
        rx.text("Permissions", size="2", weight="medium"),
        rx.scroll_area(
            rx.vstack(
                rx.foreach(s.catalog, lambda p: rx.el.label(
                    rx.hstack(
                        rx.checkbox(name="perm:" + p.name, margin_top="2px"),
                        rx.vstack(rx.code(p.name, size="1", variant="ghost"), rx.text(p.description, size="1", color_scheme="gray"), spacing="0"),
                        spacing="3",
                        align="start",
                    ),
                    style={"cursor": "pointer"},
                )),
                spacing="3",
                padding_right="12px",
            ),
            type="auto",
            scrollbars="vertical",
            max_height="300px",
        ),
        description="Pick what people holding this role may do. You give roles to people from their page.",
        trigger=rx.button(rx.icon("plus", size=16), "New role", id="new-role"),
        submit="Create role", submit_id="create-role", on_submit=s.create,
        open=s.create_open, on_open_change=s.set_create_open, max_width="520px",
    )


def _edit_dialog() -> rx.Component:
    s = AdminRolesState
    return form_dialog(
        rx.cond(s.edit_builtin, "Describe the role", "Rename or describe the role"),
        rx.cond(
            s.edit_builtin,
            rx.text("Built-in roles keep their name and permissions.", size="2", color_scheme="gray"),
            form_field("Name", rx.input(name="name", default_value=s.edit_name, key="name-" + s.edit_id, required=True, width="100%")),
        ),
        form_field("Description", rx.input(name="description", default_value=s.edit_description, key="desc-" + s.edit_id, width="100%")),
        submit="Save", on_submit=s.save_edit,
        open=s.edit_open, on_open_change=s.set_edit_open, max_width="440px",
    )


@page("/admin/roles", "Roles", permission="roles.manage", on_load=AdminRolesState.load)
def admin_roles() -> rx.Component:
    s = AdminRolesState
    return rx.vstack(
        page_header("Roles", "What each role may do. Built-in roles are fixed; create custom roles for anything else.", _create_dialog()),
        rx.grid(
            rx.foreach(s.roles, _role_card),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        section(
            "Permissions",
            rx.text("Tick a box to grant a permission to a custom role; the change applies at once.", size="2", color_scheme="gray"),
            _matrix(),
        ),
        _edit_dialog(),
        width="100%",
        spacing="4",
    )
