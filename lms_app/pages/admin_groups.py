"""Groups (cohorts) and the department tree, with their members and managers."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import WIDE_ONLY, confirm_dialog, empty_state, form_dialog, form_field, page_header
from lms_app.page_registry import page
from lms_app.state.admin_groups import AdminGroupsState, DepartmentRow, GroupCard, PersonView


def _person(p: PersonView, *actions) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(p.name, size="2", weight="medium"), rx.text(p.email, size="1", color_scheme="gray"), spacing="0", min_width="0"),
        rx.hstack(*actions, spacing="2"),
        justify="between",
        align="center",
        spacing="3",
        width="100%",
    )


def _manager_names(names) -> rx.Component:
    return rx.cond(
        names.length() > 0,
        rx.flex(rx.foreach(names, lambda n: rx.badge(rx.icon("user-round-cog", size=12), n, variant="soft", color_scheme="gray")), spacing="1", wrap="wrap"),
        rx.text("No manager", size="1", color_scheme="gray"),
    )


def _confirm_delete(title, text, on_confirm, trigger: rx.Component) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Delete", color_scheme="red", on_click=on_confirm)),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="440px",
        ),
    )


def _people_finder(add_buttons) -> rx.Component:
    s = AdminGroupsState
    return rx.vstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Find people by name or email",
            on_change=s.search_people.debounce(250),
            width="100%",
            key=s.group_id + s.dept_id,
        ),
        rx.cond(
            s.people_results.length() > 0,
            rx.vstack(rx.foreach(s.people_results, lambda p: _person(p, *add_buttons(p))), spacing="2", width="100%"),
            rx.cond(s.people_query.length() >= 2, rx.text("Nobody found.", size="1", color_scheme="gray")),
        ),
        spacing="2",
        width="100%",
    )


# --- groups -----------------------------------------------------------------------------------

def _group_card(g: GroupCard) -> rx.Component:
    s = AdminGroupsState
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(g.name, size="4", trim="both"),
                rx.spacer(),
                _confirm_delete(
                    "Delete “" + g.name + "”?",
                    "Its " + g.members + " members keep their accounts; only the group goes.",
                    s.delete_group(g.id),
                    rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="gray", size="1", aria_label="Delete group " + g.name),
                ),
                align="center",
                width="100%",
            ),
            rx.text(rx.cond(g.description != "", g.description, "No description."), size="2", color_scheme="gray"),
            rx.hstack(rx.icon("users", size=14), rx.text(g.members, rx.cond(g.members == "1", " member", " members"), size="2"), spacing="1", align="center", color=rx.color("gray", 11)),
            _manager_names(g.managers),
            rx.button("Manage", variant="soft", size="2", on_click=s.open_group(g.id), margin_top="4px"),
            spacing="2",
            width="100%",
            height="100%",
        ),
        width="100%",
    )


def _create_group_dialog() -> rx.Component:
    s = AdminGroupsState
    return form_dialog(
        "New group",
        form_field("Name", rx.input(name="name", required=True, width="100%")),
        form_field("Description", rx.input(name="description", width="100%")),
        description="A cohort or any set of people: a class, new hires, a project team.",
        trigger=rx.button(rx.icon("plus", size=16), "New group", id="new-group"),
        submit="Create group", on_submit=s.create_group, reset_on_submit=True,
        open=s.create_group_open, on_open_change=s.set_create_group_open, max_width="440px",
    )


def _group_dialog() -> rx.Component:
    s = AdminGroupsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(s.group_name),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger(rx.text("Members (", s.members_total, ")"), value="members"),
                    rx.tabs.trigger("Managers", value="managers"),
                    rx.tabs.trigger("Details", value="details"),
                ),
                rx.tabs.content(
                    rx.vstack(
                        rx.input(rx.input.slot(rx.icon("filter", size=14)), placeholder="Filter members", on_change=s.set_member_search.debounce(250), size="1", width="100%", key="filter-" + s.group_id),
                        rx.cond(
                            s.members.length() > 0,
                            rx.vstack(rx.foreach(s.members, lambda p: _person(
                                p, rx.button("Remove", size="1", variant="ghost", color_scheme="red", on_click=s.remove_member(p.id)),
                            )), spacing="2", width="100%"),
                            rx.text("No members yet. Find people below to add them.", size="2", color_scheme="gray"),
                        ),
                        rx.cond(s.member_pages > 1, rx.hstack(
                            rx.icon_button(rx.icon("chevron-left", size=14), size="1", variant="soft", disabled=s.member_page <= 1, on_click=s.go_to_member_page(s.member_page - 1), aria_label="Previous members"),
                            rx.text(s.member_page, " / ", s.member_pages, size="1"),
                            rx.icon_button(rx.icon("chevron-right", size=14), size="1", variant="soft", disabled=s.member_page >= s.member_pages, on_click=s.go_to_member_page(s.member_page + 1), aria_label="Next members"),
                            spacing="2", align="center",
                        )),
                        rx.separator(size="4"),
                        rx.text("Add people", size="2", weight="medium"),
                        _people_finder(lambda p: [rx.button("Add", size="1", variant="soft", on_click=s.add_member(p.id))]),
                        spacing="3",
                        padding_top="12px",
                    ),
                    value="members",
                ),
                rx.tabs.content(
                    rx.vstack(
                        rx.text("Managers follow this group's progress on their team dashboard.", size="2", color_scheme="gray"),
                        rx.cond(
                            s.group_managers.length() > 0,
                            rx.vstack(rx.foreach(s.group_managers, lambda p: _person(
                                p, rx.button("Remove", size="1", variant="ghost", color_scheme="red", on_click=s.remove_group_manager(p.id)),
                            )), spacing="2", width="100%"),
                            rx.text("No manager yet.", size="2", color_scheme="gray"),
                        ),
                        rx.separator(size="4"),
                        _people_finder(lambda p: [rx.button("Make manager", size="1", variant="soft", on_click=s.add_group_manager(p.id))]),
                        spacing="3",
                        padding_top="12px",
                    ),
                    value="managers",
                ),
                rx.tabs.content(
                    rx.form(
                        rx.vstack(
                            form_field("Name", rx.input(name="name", default_value=s.group_name, key="gname-" + s.group_id, required=True, width="100%")),
                            form_field("Description", rx.input(name="description", default_value=s.group_description, key="gdesc-" + s.group_id, width="100%")),
                            rx.button("Save", type="submit"),
                            spacing="3",
                            padding_top="12px",
                        ),
                        on_submit=s.save_group,
                        reset_on_submit=False,
                    ),
                    value="details",
                ),
                default_value="members",
            ),
            rx.hstack(rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")), justify="end", margin_top="16px"),
            max_width="560px",
        ),
        open=s.group_open,
        on_open_change=s.set_group_open,
    )


def _groups_tab() -> rx.Component:
    s = AdminGroupsState
    return rx.cond(
        s.groups.length() > 0,
        rx.grid(rx.foreach(s.groups, _group_card), columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%"),
        empty_state("users-round", "No groups yet", "Groups gather people across departments: a cohort of new hires, a class, a project team."),
    )


# --- departments ------------------------------------------------------------------------------

def _department_row(d: DepartmentRow) -> rx.Component:
    s = AdminGroupsState
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.cond(d.depth > 0, rx.icon("corner-down-right", size=14, color=rx.color("gray", 9)), rx.icon("building-2", size=16, color=rx.color("accent", 10))),
                rx.text(d.name, weight=rx.cond(d.depth == 0, "bold", "medium"), size="2"),
                spacing="2",
                align="center",
                padding_left=d.indent,
            ),
        ),
        rx.table.cell(d.members, text_align="right"),
        rx.table.cell(_manager_names(d.managers), display=WIDE_ONLY),
        rx.table.cell(
            rx.menu.root(
                rx.menu.trigger(rx.icon_button(rx.icon("ellipsis", size=16), variant="ghost", color_scheme="gray", size="1", aria_label="Actions for " + d.name)),
                rx.menu.content(
                    rx.menu.item(rx.icon("plus", size=14), "Add a sub-department", on_click=s.new_department(d.id)),
                    rx.menu.item(rx.icon("pencil", size=14), "Rename or move", on_click=s.edit_department(d.id)),
                    rx.menu.item(rx.icon("user-round-cog", size=14), "Managers", on_click=s.open_dept_managers(d.id)),
                    rx.cond(d.children == 0, rx.fragment(
                        rx.menu.separator(),
                        rx.menu.item(rx.icon("trash-2", size=14), "Delete", color_scheme="red", on_click=s.ask_delete_department(d.id)),
                    )),
                ),
            ),
            text_align="right",
        ),
        align="center",
    )


def _department_form() -> rx.Component:
    s = AdminGroupsState
    return form_dialog(
        rx.cond(s.dept_form_id != "", "Rename or move the department", "New department"),
        form_field("Name", rx.input(name="name", default_value=s.dept_form_name, key="dname-" + s.dept_form_id, required=True, width="100%")),
        form_field("Inside", rx.select.root(
            rx.select.trigger(width="100%"),
            rx.select.content(rx.foreach(s.parent_options, lambda o: rx.select.item(o.label, value=o.value))),
            name="parent", value=s.dept_form_parent, on_change=s.pick_dept_parent,
        ), "A department cannot sit inside itself or its own sub-departments."),
        submit="Save", on_submit=s.save_department,
        open=s.dept_form_open, on_open_change=s.set_dept_form_open, max_width="460px",
    )


def _department_managers() -> rx.Component:
    s = AdminGroupsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Managers of ", s.dept_name),
            rx.dialog.description("Managers see this department and its sub-departments on their team dashboard.", size="2", color_scheme="gray"),
            rx.vstack(
                rx.cond(
                    s.dept_managers.length() > 0,
                    rx.vstack(rx.foreach(s.dept_managers, lambda p: _person(
                        p, rx.button("Remove", size="1", variant="ghost", color_scheme="red", on_click=s.remove_department_manager(p.id)),
                    )), spacing="2", width="100%"),
                    rx.text("No manager yet.", size="2", color_scheme="gray"),
                ),
                rx.separator(size="4"),
                _people_finder(lambda p: [rx.button("Make manager", size="1", variant="soft", on_click=s.add_department_manager(p.id))]),
                spacing="3",
                margin_top="12px",
            ),
            rx.hstack(rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")), justify="end", margin_top="16px"),
            max_width="520px",
        ),
        open=s.dept_managers_open,
        on_open_change=s.set_dept_managers_open,
    )


def _delete_department_dialog() -> rx.Component:
    s = AdminGroupsState
    return confirm_dialog(
        rx.text.span("Delete “", s.delete_dept_name, "”?"),
        rx.cond(s.delete_dept_members == "0", "Nobody is in it.", rx.text.span(s.delete_dept_members, " people in it keep their accounts and are left without a department.")),
        rx.button("Delete", color_scheme="red", on_click=s.delete_department(s.delete_dept_id), id="delete-department-confirm"),
        open=s.delete_dept_open,
        on_open_change=s.set_delete_dept_open,
    )


def _departments_tab() -> rx.Component:
    s = AdminGroupsState
    return rx.vstack(
        rx.cond(
            s.departments.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell("Department"),
                        rx.table.column_header_cell("People", text_align="right"),
                        rx.table.column_header_cell("Managers", display=WIDE_ONLY),
                        rx.table.column_header_cell(""),
                    )),
                    rx.table.body(rx.foreach(s.departments, _department_row)),
                    variant="surface",
                    width="100%",
                    id="department-tree",
                ),
                overflow_x="auto",
                width="100%",
            ),
            empty_state("building-2", "No departments yet", "Departments mirror your organization chart; each person belongs to at most one."),
        ),
        rx.text("People counts are the people directly in each department. Only a department without sub-departments can be deleted; its people are then left without one.", size="1", color_scheme="gray"),
        spacing="3",
        width="100%",
    )


@page("/admin/groups", "Groups & departments", permission="groups.manage", on_load=AdminGroupsState.load)
def admin_groups() -> rx.Component:
    s = AdminGroupsState
    return rx.vstack(
        page_header(
            "Groups & departments",
            "Who belongs where, and who manages them.",
            rx.cond(s.tab == "groups", _create_group_dialog(), rx.button(rx.icon("plus", size=16), "New department", on_click=s.new_department(""), id="new-department")),
        ),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger(rx.hstack(rx.icon("users-round", size=14), rx.text("Groups"), spacing="2", align="center"), value="groups"),
                rx.tabs.trigger(rx.hstack(rx.icon("network", size=14), rx.text("Departments"), spacing="2", align="center"), value="departments"),
            ),
            rx.tabs.content(rx.box(_groups_tab(), padding_top="16px"), value="groups"),
            rx.tabs.content(rx.box(_departments_tab(), padding_top="16px"), value="departments"),
            value=s.tab,
            on_change=s.set_tab,
            width="100%",
        ),
        _group_dialog(),
        _department_form(),
        _department_managers(),
        _delete_department_dialog(),
        width="100%",
        spacing="4",
    )
