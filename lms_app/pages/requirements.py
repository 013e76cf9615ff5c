"""Required training: the requirements with their people's status, the form that sets one, and
one requirement's people. Admins see the organization's (/admin/requirements); managers their
team's (/teams/requirements), with the same components."""

from __future__ import annotations

import reflex as rx

from lms_app.components.charts import export_buttons
from lms_app.components.ui import WIDE_ONLY, confirm_dialog, empty_state, form_dialog, form_field, page_header
from lms_app.page_registry import page
from lms_app.services.requirements import DUE_MODES, STATUS_LABELS
from lms_app.state.requirements import ALL, PersonLine, RequirementCard, RequirementPeopleState, RequirementsState

STATUS_COLORS = {"completed": "green", "in_progress": "blue", "not_started": "gray", "overdue": "red", "exempted": "amber"}
STATUS_ORDER = ("completed", "in_progress", "not_started", "overdue", "exempted")
PHONE_ONLY = ["block", "block", "none"]


def _select(options, name: str, default, placeholder: str, id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, width="100%", id=id),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value))),
        name=name, default_value=default, key=RequirementsState.form_defaults["key"] + name,
    )


def _input(name: str, **props) -> rx.Component:
    return rx.input(name=name, default_value=RequirementsState.form_defaults[name], key=RequirementsState.form_defaults["key"] + name,
                    width="100%", **props)


def _status_badge(status, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"), variant="soft", white_space="nowrap")


# --- the form ---------------------------------------------------------------------------------

def _person_picker() -> rx.Component:
    s = RequirementsState
    return rx.vstack(
        rx.cond(s.form_person_label != "", rx.badge(rx.icon("user", size=12), s.form_person_label, size="2", variant="soft")),
        rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Find a person by name or email", value=s.people_query,
                 on_change=s.search_people.debounce(250), width="100%"),
        rx.cond(
            s.people_results.length() > 0,
            rx.vstack(rx.foreach(s.people_results, lambda p: rx.button(p.label, variant="ghost", size="1", type="button",
                                                                       on_click=s.pick_person(p.value))),
                      spacing="1", align="start", width="100%"),
            rx.cond(s.people_query.length() >= 2, rx.text("Nobody found.", size="1", color_scheme="gray")),
        ),
        spacing="2", width="100%",
    )


def _audience_fields() -> rx.Component:
    s = RequirementsState
    return rx.match(
        s.form_audience,
        ("user", _person_picker()),
        ("group", rx.cond(s.group_options.length() > 0, _select(s.group_options, "group", s.form_defaults["group"], "Choose a group", "requirement-group"),
                          rx.text("No group yet: create one under Groups & departments.", size="1", color_scheme="gray"))),
        ("department", rx.vstack(
            rx.cond(s.department_options.length() > 0,
                    _select(s.department_options, "department", s.form_defaults["department"], "Choose a department", "requirement-department"),
                    rx.text("No department yet: create one under Groups & departments.", size="1", color_scheme="gray")),
            rx.text(rx.hstack(rx.checkbox(name="include_sub", default_checked=s.form_defaults["include_sub"] == "yes",
                                          key=s.form_defaults["key"] + "sub"),
                              "Include the departments below it", spacing="2", align="center"), as_="label", size="2"),
            spacing="2", width="100%",
        )),
        ("role", _select(s.role_options, "role", s.form_defaults["role"], "Choose a role", "requirement-role")),
        rx.text("Everyone active in the organization, including people who join later.", size="1", color_scheme="gray"),
    )


def requirement_form() -> rx.Component:
    """The "New requirement" / edit dialog (RequirementsState), on the list and the detail pages."""
    s = RequirementsState
    training = rx.cond(
        s.editing_id != "",
        form_field("Training", rx.text(s.editing_title, size="2", weight="medium"), "Retire this requirement and create another to require other training."),
        rx.vstack(
            form_field("Training", rx.radio_group.root(
                rx.hstack(rx.radio_group.item("Course", value="course"), rx.radio_group.item("Learning path", value="path"), spacing="4"),
                value=s.form_kind, on_change=s.pick_kind)),
            rx.cond(s.form_kind == "course",
                    rx.cond(s.course_options.length() > 0, _select(s.course_options, "course", s.form_defaults["course"], "Choose a course", "requirement-course"),
                            rx.text("No published course yet.", size="1", color_scheme="gray")),
                    rx.cond(s.path_options.length() > 0, _select(s.path_options, "path", s.form_defaults["path"], "Choose a learning path", "requirement-path"),
                            rx.text("No learning path with courses yet.", size="1", color_scheme="gray"))),
            spacing="2", width="100%",
        ),
    )
    return form_dialog(
        rx.cond(s.editing_id != "", "Edit requirement", "New requirement"),
        training,
        form_field("Who must complete it", rx.vstack(
            rx.select.root(
                rx.select.trigger(width="100%", id="requirement-audience"),
                rx.select.content(rx.foreach(s.audience_options, lambda o: rx.select.item(o.label, value=o.value))),
                value=s.form_audience, on_change=s.pick_audience,
            ),
            _audience_fields(),
            spacing="2", width="100%",
        )),
        form_field("Due", rx.vstack(
            rx.select.root(
                rx.select.trigger(width="100%", id="requirement-due-mode"),
                rx.select.content(*[rx.select.item(label, value=value) for value, label in DUE_MODES.items()]),
                value=s.form_due_mode, on_change=s.pick_due_mode,
            ),
            rx.cond(s.form_due_mode == "fixed", _input("due_on", type="date", id="requirement-due-on"),
                    rx.hstack(_input("due_days", type="number", min=1, id="requirement-due-days"), rx.text("days", size="2"), align="center", spacing="2", width="100%")),
            spacing="2", width="100%",
        ), "A due date is the end of that day in each learner's time zone. Without a hire date, the day of assignment counts."),
        rx.grid(
            form_field("Valid for (months)", _input("recert_months", type="number", min=1, placeholder="Once is enough"), "Empty: no recertification."),
            form_field("Recertify from (days before expiry)", _input("recert_window_days", type="number", min=0)),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
        ),
        rx.grid(
            form_field("Reminders (days before due)", _input("reminder_days", placeholder="14, 3")),
            form_field("When overdue, remind every (days)", _input("overdue_every_days", type="number", min=0), "0: remind once."),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
        ),
        submit="Save", submit_id="requirement-save", on_submit=s.save,
        open=s.form_open, on_open_change=s.set_form_open, max_width="600px",
    )


# --- the list -----------------------------------------------------------------------------------

def _count(label: str, value, status: str) -> rx.Component:
    return rx.vstack(
        rx.text(value, size="4", weight="bold", color=rx.color(STATUS_COLORS[status], 11)),
        rx.text(label, size="1", color_scheme="gray", white_space="nowrap"),
        spacing="0", align="center", min_width="64px",
    )


def _card(c: RequirementCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.link(rx.heading(c.title, size="4"), href=c.href, underline="hover"),
                    rx.hstack(rx.badge(c.kind, variant="soft"), rx.text(c.audience, size="2", color_scheme="gray"), spacing="2", align="center", wrap="wrap"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.link(rx.button("People", rx.icon("chevron-right", size=14), variant="soft", size="2"), href=c.href),
                width="100%", gap="8px", align="start", wrap="wrap",
            ),
            rx.hstack(
                rx.hstack(rx.icon("calendar", size=14), rx.text(c.due, size="2"), spacing="1", align="center"),
                rx.hstack(rx.icon("refresh-cw", size=14), rx.text(c.recertification, size="2"), spacing="1", align="center"),
                spacing="4", wrap="wrap", color=rx.color("gray", 11),
            ),
            rx.flex(
                _count("Completed", c.completed, "completed"), _count("In progress", c.in_progress, "in_progress"),
                _count("Not started", c.not_started, "not_started"), _count("Overdue", c.overdue, "overdue"),
                _count("Exempted", c.exempted, "exempted"),
                gap="12px", wrap="wrap", width="100%",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _list_page(subtitle: str) -> rx.Component:
    s = RequirementsState
    return rx.vstack(
        page_header("Required training", subtitle,
                    rx.button(rx.icon("plus", size=16), "New requirement", on_click=s.open_new, id="new-requirement")),
        rx.text(rx.hstack(rx.switch(checked=s.show_retired, on_change=s.set_show_retired, id="show-retired"), "Show retired requirements",
                          spacing="2", align="center"), as_="label", size="2"),
        rx.cond(
            s.cards.length() > 0,
            rx.vstack(rx.foreach(s.cards, _card), spacing="3", width="100%", id="requirement-list"),
            rx.cond(s.loaded, rx.cond(
                s.show_retired,
                empty_state("archive", "No retired requirement", "Requirements you retire stay here with their history."),
                empty_state("calendar-check", "No required training yet",
                            "Make a course or a learning path required for a person, a group, a department or everyone, with a due date. "
                            "People who join later are assigned too.",
                            rx.button(rx.icon("plus", size=16), "New requirement", on_click=s.open_new)),
            )),
        ),
        requirement_form(),
        spacing="4", width="100%",
    )


@page("/admin/requirements", "Required training", permission="compliance.manage", on_load=RequirementsState.load)
def admin_requirements() -> rx.Component:
    return _list_page("Courses and learning paths people must complete, and where everyone stands.")


@page("/teams/requirements", "Team required training", permission="teams.view", on_load=RequirementsState.load)
def team_requirements() -> rx.Component:
    return _list_page("Training the people you manage must complete, and where they stand.")


# --- one requirement ----------------------------------------------------------------------------

def _fact(icon: str, label: str, value) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=16, color=rx.color("gray", 10)),
        rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2"), spacing="0"),
        spacing="2", align="start",
    )


def _person_row(p: PersonLine) -> rx.Component:
    s = RequirementPeopleState
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(p.name, size="2", weight="medium"), rx.text(p.email, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.text(p.department, size="2"), display=WIDE_ONLY),
        rx.table.cell(rx.vstack(
            _status_badge(p.status, p.status_label),
            rx.cond(p.reason != "", rx.text(p.reason, size="1", color_scheme="gray")),
            rx.text("Due ", p.due, size="1", color_scheme="gray", display=PHONE_ONLY),  # the due column needs room a phone lacks
            spacing="1",
        )),
        rx.table.cell(rx.tooltip(rx.text(p.due, size="2", white_space="nowrap"), content=p.due_hint), display=WIDE_ONLY),
        rx.table.cell(rx.text(p.completed, size="2", white_space="nowrap"), display=WIDE_ONLY),
        rx.table.cell(rx.text(p.expires, size="2", white_space="nowrap"), display=WIDE_ONLY),
        rx.table.cell(
            rx.cond(s.retired, rx.fragment(), rx.cond(
                p.status == "exempted",
                rx.button("Remove exemption", size="1", variant="ghost", color_scheme="gray", on_click=s.remove_exemption(p.assignment_id)),
                rx.button("Exempt", size="1", variant="soft", color_scheme="amber", on_click=s.ask_exempt(p.assignment_id)),
            )),
            text_align="right",
        ),
        align="center",
    )


def _exempt_dialog() -> rx.Component:
    s = RequirementPeopleState
    return form_dialog(
        rx.text.span("Exempt ", s.exempt_name),
        form_field("Reason", rx.text_area(name="reason", required=True, max_length=500, width="100%", rows="3", id="exempt-reason"),
                   "Kept on record with your name, in the audit trail."),
        description="They no longer need to complete this requirement. You can remove the exemption later.",
        submit="Exempt", submit_id="exempt-confirm", on_submit=s.exempt, reset_on_submit=True,
        open=s.exempt_open, on_open_change=s.set_exempt_open, max_width="460px",
    )


def _retire_dialog() -> rx.Component:
    s = RequirementPeopleState
    return confirm_dialog(
        "Retire this requirement?",
        "Nobody will be assigned it any more and reminders stop. Everyone's history (completions, exemptions) is kept.",
        rx.button("Retire", color_scheme="red", on_click=s.retire, id="retire-confirm"),
        open=s.retire_open, on_open_change=s.set_retire_open,
    )


def _people_table() -> rx.Component:
    s = RequirementPeopleState
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.select.root(
                    rx.select.trigger(width="180px", id="people-status"),
                    rx.select.content(rx.select.item("Every status", value=ALL),
                                      *[rx.select.item(STATUS_LABELS[k], value=k) for k in STATUS_ORDER]),
                    value=s.status, on_change=s.set_status,
                ),
                rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Search name or email", on_change=s.set_search.debounce(300),
                         width="240px", max_width="100%", id="people-search"),
                rx.spacer(),
                export_buttons(s.export("csv"), s.export("xlsx"), "people"),
                gap="8px", wrap="wrap", align="center", width="100%",
            ),
            rx.cond(
                s.people.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("Person"), rx.table.column_header_cell("Department", display=WIDE_ONLY),
                            rx.table.column_header_cell("Status"), rx.table.column_header_cell("Due", display=WIDE_ONLY),
                            rx.table.column_header_cell("Completed", display=WIDE_ONLY), rx.table.column_header_cell("Valid until", display=WIDE_ONLY),
                            rx.table.column_header_cell(""),
                        )),
                        rx.table.body(rx.foreach(s.people, _person_row)),
                        size="1", variant="surface", width="100%",
                    ),
                    overflow_x="auto", width="100%", id="requirement-people",
                ),
                rx.callout(rx.cond(s.retired, "This requirement is retired: nobody is assigned it now.",
                                   "Nobody matches. Change the status or the search, or check who the requirement is for."),
                           icon="users", variant="surface", color_scheme="gray", width="100%"),
            ),
            rx.hstack(
                rx.text(s.range_label, size="2", color_scheme="gray"),
                rx.spacer(),
                rx.button(rx.icon("chevron-left", size=16), "Previous", variant="soft", size="2", disabled=s.page <= 1, on_click=s.go_to_page(s.page - 1)),
                rx.button("Next", rx.icon("chevron-right", size=16), variant="soft", size="2", disabled=s.page >= s.pages, on_click=s.go_to_page(s.page + 1)),
                align="center", spacing="2", width="100%", wrap="wrap",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _detail_page() -> rx.Component:
    s = RequirementPeopleState
    counts = rx.grid(
        *[rx.card(rx.vstack(rx.text(STATUS_LABELS[k], size="1", color_scheme="gray"),
                            rx.heading(s.counts[k], size="6", color=rx.color(STATUS_COLORS[k], 11)), spacing="1"),
                  width="100%", on_click=s.set_status(k), cursor="pointer")
          for k in STATUS_ORDER],
        columns=rx.breakpoints(initial="2", sm="3", md="5"), spacing="3", width="100%",
    )
    content = rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Required training", size="2"), spacing="1", align="center"), href=s.base),
        rx.flex(
            rx.vstack(
                rx.heading(s.title, size="7"),
                rx.hstack(rx.badge(s.kind, variant="soft"), rx.cond(s.retired, rx.badge("Retired", color_scheme="gray")), spacing="2"),
                spacing="2",
            ),
            rx.spacer(),
            rx.cond(s.retired, rx.fragment(), rx.hstack(
                rx.button(rx.icon("pencil", size=14), "Edit", variant="soft", on_click=RequirementsState.open_edit(s.current_id), id="edit-requirement"),
                rx.button(rx.icon("archive", size=14), "Retire", variant="soft", color_scheme="red", on_click=s.set_retire_open(True), id="retire-requirement"),
                spacing="2",
            )),
            width="100%", gap="12px", wrap="wrap", align="start",
        ),
        rx.grid(
            _fact("users", "Who", s.audience), _fact("calendar", "Due", s.due),
            _fact("refresh-cw", "Recertification", s.recertification), _fact("bell", "Reminders", s.reminders),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"), spacing="4", width="100%",
        ),
        counts,
        _people_table(),
        _exempt_dialog(),
        _retire_dialog(),
        requirement_form(),
        spacing="4", width="100%",
    )
    return rx.cond(
        s.found,
        content,
        rx.cond(s.message != "", empty_state("search-x", "Requirement not found", s.message,
                                             rx.link(rx.button("Back to required training"), href=s.base)),
                rx.center(rx.spinner(size="3"), padding="48px", width="100%")),
    )


@page("/admin/requirements/[requirement_id]", "Required training", permission="compliance.manage", on_load=RequirementPeopleState.load)
def admin_requirement() -> rx.Component:
    return _detail_page()


@page("/teams/requirements/[requirement_id]", "Team required training", permission="teams.view", on_load=RequirementPeopleState.load)
def team_requirement() -> rx.Component:
    return _detail_page()
