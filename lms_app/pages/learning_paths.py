"""Learning paths: the list (/teach/paths), one path's editor (/teach/paths/<id>), and the
learner's own paths (/learn/paths)."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import WIDE_ONLY, confirm_dialog, empty_state, form_dialog, form_field, page_header, section
from lms_app.page_registry import page
from lms_app.state.learning_paths import LearningPathsState, MyCourseRow, MyPathCard, MyPathsState, PathCard, PathCourseRow, PathEditorState, PathPersonRow

COURSE_STATUS_COLORS = {"completed": "green", "in_progress": "blue", "not_started": "gray", "unavailable": "orange"}


# --- the list ------------------------------------------------------------------------------------

def _path_card(p: PathCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(rx.heading(p.title, size="4"), href=p.href, underline="hover"),
            rx.cond(p.description != "", rx.text(p.description, size="2", color_scheme="gray", trim="both")),
            rx.hstack(rx.icon("list-ordered", size=14), rx.text(p.rule, size="2"), spacing="1", align="center", color=rx.color("gray", 11)),
            rx.hstack(
                rx.badge(rx.icon("users", size=12), p.active, " on it", variant="soft"),
                rx.badge(rx.icon("award", size=12), p.completed, " completed", variant="soft", color_scheme="green"),
                spacing="2", wrap="wrap",
            ),
            rx.link(rx.button("Open", variant="soft", size="2"), href=p.href),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def _create_dialog() -> rx.Component:
    s = LearningPathsState
    return form_dialog(
        "New learning path",
        form_field("Title", rx.input(name="title", required=True, max_length=200, width="100%", placeholder="New hire onboarding", id="path-title")),
        form_field("Description", rx.text_area(name="description", max_length=5000, width="100%", rows="3")),
        description="An ordered set of courses with its own completion rule and certificate. You add the courses next.",
        trigger=rx.button(rx.icon("plus", size=16), "New path", id="new-path"),
        submit="Create path", submit_id="create-path", on_submit=s.create, reset_on_submit=True,
        open=s.create_open, on_open_change=s.set_create_open,
    )


@page("/teach/paths", "Learning paths", permission="paths.manage", on_load=LearningPathsState.load)
def learning_paths_page() -> rx.Component:
    s = LearningPathsState
    return rx.vstack(
        page_header("Learning paths", "Ordered sets of courses, completed together and certified as one.", _create_dialog()),
        rx.cond(
            s.paths.length() > 0,
            rx.grid(rx.foreach(s.paths, _path_card), columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%"),
            empty_state("route", "No learning paths yet", "Create one, put published courses in it in the order they are taken, then assign it to people, groups or departments."),
        ),
        width="100%", spacing="4",
    )


# --- one path ------------------------------------------------------------------------------------

def _details_form() -> rx.Component:
    s = PathEditorState
    return rx.card(rx.form(
        rx.vstack(
            form_field("Title", rx.input(name="title", default_value=s.title, key="title-" + s.form_key.to_string(), required=True, max_length=200, width="100%")),
            form_field("Description", rx.text_area(name="description", default_value=s.description, key="desc-" + s.form_key.to_string(), max_length=5000, rows="3", width="100%")),
            rx.grid(
                form_field("Completed when", rx.select.root(
                    rx.select.trigger(width="100%", id="path-rule"),
                    rx.select.content(rx.select.item("Every course is completed", value="all"), rx.select.item("A number of courses are completed", value="count")),
                    name="rule", value=s.rule, on_change=s.pick_rule,
                )),
                rx.cond(s.rule == "count", form_field("How many courses", rx.input(
                    name="required_count", type="number", min=1, default_value=s.required_count, key="count-" + s.form_key.to_string(), width="100%", id="path-count"))),
                form_field("Certificate valid for (months)", rx.input(
                    name="certificate_months", type="number", min=1, max=120, default_value=s.certificate_months, key="months-" + s.form_key.to_string(),
                    placeholder="Never expires", width="100%", id="path-months"), "Empty: the certificate never expires."),
                columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%",
            ),
            rx.hstack(rx.button("Save", type="submit", id="path-save"), justify="end", width="100%"),
            spacing="3", width="100%",
        ),
        on_submit=s.save,
    ), width="100%")


def _course_row(c: PathCourseRow, index) -> rx.Component:
    s = PathEditorState
    return rx.hstack(
        rx.badge(index + 1, variant="soft", radius="full"),
        rx.text(c.title, size="2", weight="medium", flex="1", min_width="0"),
        rx.cond(~c.published, rx.badge("No longer published", color_scheme="orange", variant="soft")),
        rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="ghost", disabled=c.first, on_click=s.move_course(c.id, "up"), aria_label="Move " + c.title + " up"),
        rx.icon_button(rx.icon("arrow-down", size=14), size="1", variant="ghost", disabled=c.last, on_click=s.move_course(c.id, "down"), aria_label="Move " + c.title + " down"),
        rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="red", on_click=s.remove_course(c.id), aria_label="Take " + c.title + " out"),
        align="center", spacing="2", width="100%", padding_y="6px", border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _select_and_button(select: rx.Component, button: rx.Component) -> rx.Component:
    """A select taking the room its button leaves (the button never shrinks out of view)."""
    return rx.flex(rx.box(select, flex="1", min_width="0"), rx.box(button, flex_shrink="0"), gap="8px", align="center", width="100%")


def _courses_card() -> rx.Component:
    s = PathEditorState
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("Courses", size="4"), rx.text(s.rule_text, size="2", color_scheme="gray"), justify="between", align="center", width="100%", wrap="wrap"),
        rx.cond(
            s.courses.length() > 0,
            rx.vstack(rx.foreach(s.courses, _course_row), spacing="0", width="100%", id="path-courses"),
            rx.text("No course yet: add the first one below. Learners take them in this order.", size="2", color_scheme="gray"),
        ),
        rx.cond(
            s.addable.length() > 0,
            rx.form(_select_and_button(
                rx.select.root(
                    rx.select.trigger(placeholder="Choose a published course…", width="100%", id="path-add-course"),
                    rx.select.content(rx.foreach(s.addable, lambda o: rx.select.item(o.label, value=o.id))),
                    name="course", required=True,
                ),
                rx.button(rx.icon("plus", size=14), "Add", type="submit", variant="soft", id="path-add"),
            ), on_submit=s.add_course, reset_on_submit=True, width="100%"),
            rx.text("Every published course is in the path already.", size="1", color_scheme="gray"),
        ),
        spacing="3", width="100%",
    ), width="100%")


def _assign_unit(name: str, label: str, options, on_submit, button: str) -> rx.Component:
    return rx.form(
        form_field(label, _select_and_button(
            rx.select.root(
                rx.select.trigger(placeholder="Choose…", width="100%"),
                rx.select.content(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.id))),
                name=name, required=True,
            ),
            rx.button(button, type="submit", variant="soft"),
        )),
        on_submit=on_submit, reset_on_submit=True, width="100%",
    )


def _assign_card() -> rx.Component:
    s = PathEditorState
    return rx.card(rx.vstack(
        rx.heading("Assign", size="4"),
        rx.text("People are enrolled in each course of the path. Those on it already are left as they are.", size="2", color_scheme="gray"),
        rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Find a person by name or email", on_change=s.search_people.debounce(300),
                 width="100%", id="path-person-search"),
        rx.vstack(rx.foreach(s.person_results, lambda p: rx.hstack(
            rx.vstack(rx.text(p.name, size="2", weight="medium"), rx.text(p.email, size="1", color_scheme="gray"), spacing="0", min_width="0"),
            rx.spacer(),
            rx.button("Assign", size="1", variant="soft", on_click=s.assign_person(p.id)),
            align="center", width="100%",
        )), spacing="2", width="100%"),
        _assign_unit("group", "A whole group", s.group_options, s.assign_group, "Assign group"),
        _assign_unit("department", "A whole department (with those inside it)", s.department_options, s.assign_department, "Assign department"),
        spacing="3", width="100%",
    ), width="100%")


def _person_row(r: PathPersonRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(r.name, weight="medium"), rx.text(r.email, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.badge(r.status_label, color_scheme=rx.match(r.status, ("completed", "green"), ("active", "blue"), "gray"), variant="soft")),
        rx.table.cell(rx.vstack(rx.text(r.progress, size="2"), rx.progress(value=r.percent, width="90px"), spacing="1")),
        rx.table.cell(r.enrolled, display=WIDE_ONLY),
        rx.table.cell(r.completed),
    )


def _people_card() -> rx.Component:
    s = PathEditorState
    return section(
        "People on the path",
        rx.cond(
            s.people.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Person"), rx.table.column_header_cell("Status"), rx.table.column_header_cell("Courses completed"),
                    rx.table.column_header_cell("Assigned", display=WIDE_ONLY), rx.table.column_header_cell("Completed on"),
                )),
                rx.table.body(rx.foreach(s.people, _person_row)),
                variant="surface", width="100%", id="path-people",
            ), overflow_x="auto", width="100%"),
            empty_state("users", "Nobody is on this path yet", "Assign it above to people, a group or a department."),
        ),
    )


@page("/teach/paths/[path_id]", "Learning path", permission="paths.manage", on_load=PathEditorState.load)
def path_editor_page() -> rx.Component:
    s = PathEditorState
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Learning paths", size="2"), spacing="1", align="center"), href="/teach/paths"),
        page_header(
            "Learning path", s.title,
            confirm_dialog(
                "Delete this learning path?",
                "Only a path nobody has been assigned can be deleted: a path people took stays as a record of their training.",
                rx.button("Delete", color_scheme="red", on_click=s.delete, id="path-delete-confirm"),
                open=s.delete_open, on_open_change=s.set_delete_open,
                trigger=rx.button(rx.icon("trash-2", size=14), "Delete", variant="soft", color_scheme="red"),
            ),
        ),
        _details_form(),
        rx.grid(_courses_card(), _assign_card(), columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%"),
        _people_card(),
        width="100%", spacing="4",
    )


# --- the learner's paths -------------------------------------------------------------------------

def _my_course(c: MyCourseRow, index) -> rx.Component:
    return rx.hstack(
        rx.cond(c.status == "completed", rx.icon("circle-check", size=18, color=rx.color("green", 10)),
                rx.center(rx.text(index + 1, size="1"), width="18px", height="18px", border_radius="50%", border=f"1px solid {rx.color('gray', 8)}")),
        rx.cond(c.href != "", rx.link(c.title, href=c.href, size="2"), rx.text(c.title, size="2")),
        rx.spacer(),
        rx.badge(c.status_label, color_scheme=rx.match(c.status, *[(k, v) for k, v in COURSE_STATUS_COLORS.items()], "gray"), variant="soft"),
        align="center", spacing="2", width="100%",
    )


def _my_path(p: MyPathCard) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading(p.title, size="4"),
            rx.cond(p.status == "completed", rx.badge(rx.icon("award", size=12), "Completed ", p.completed, color_scheme="green", variant="soft")),
            justify="between", align="center", width="100%", wrap="wrap",
        ),
        rx.cond(p.description != "", rx.text(p.description, size="2", color_scheme="gray")),
        rx.hstack(rx.text(p.progress, " courses done · ", p.rule, size="2", color_scheme="gray"), spacing="2"),
        rx.progress(value=p.percent, width="100%"),
        rx.vstack(rx.foreach(p.courses, _my_course), spacing="2", width="100%"),
        rx.cond(p.next_href != "", rx.hstack(
            rx.link(rx.button(rx.icon("play", size=14), "Continue: ", p.next_title), href=p.next_href),
            justify="end", width="100%",
        )),
        spacing="3", width="100%",
    ), width="100%")


@page("/learn/paths", "My learning paths", permission="learning.view", on_load=MyPathsState.load)
def my_paths_page() -> rx.Component:
    s = MyPathsState
    return rx.vstack(
        page_header("My learning paths", "Courses to take in order; the path's certificate comes when they are done."),
        rx.cond(
            s.paths.length() > 0,
            rx.vstack(rx.foreach(s.paths, _my_path), spacing="4", width="100%", id="my-paths"),
            rx.cond(s.loaded, empty_state("route", "No learning path yet", "When a path is assigned to you, its courses show here in order.",
                                          rx.link(rx.button("Browse the catalog", variant="soft"), href="/catalog"))),
        ),
        width="100%", spacing="4",
    )
