"""The course roster page: who takes a course, enrolling (one by one, by group, department or
CSV file) and unenrolling, progress corrections, and the roster as CSV."""

from __future__ import annotations

import reflex as rx

from lms_app.components.authoring import back_to_course_editor
from lms_app.components.imports import csv_drop_zone
from lms_app.components.ui import WIDE_ONLY, empty_state, form_dialog, form_field, page_header
from lms_app.page_registry import page
from lms_app.state.roster import IMPORT_ROWS_SHOWN, CourseLearnersState, ImportRowView, LearnerRow

UPLOAD_ID = "enroll_csv"

def _status_badge(r: LearnerRow) -> rx.Component:
    return rx.badge(r.status_label, variant="soft", color_scheme=rx.match(r.status, ("active", "blue"), ("completed", "green"), "gray"))


def _learner_row(r: LearnerRow) -> rx.Component:
    s = CourseLearnersState
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(r.name, weight="medium", size="2"), rx.text(r.email, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(r.enrolled, display=WIDE_ONLY),
        rx.table.cell(rx.hstack(rx.progress(value=r.percent, width="64px"), rx.text(r.percent, "%", size="1"), spacing="2", align="center")),
        rx.table.cell(r.last_activity, display=WIDE_ONLY),
        rx.table.cell(_status_badge(r), display=WIDE_ONLY),
        rx.table.cell(rx.cond(
            s.can_edit & (r.status != "withdrawn"),
            rx.menu.root(
                rx.menu.trigger(rx.icon_button(rx.icon("ellipsis", size=14), size="1", variant="ghost", color_scheme="gray", aria_label="Actions for " + r.name)),
                rx.menu.content(
                    rx.menu.item(rx.icon("circle-check", size=14), "Mark a lesson done…", on_click=s.ask_progress(r.enrollment_id, "complete")),
                    rx.menu.item(rx.icon("rotate-ccw", size=14), "Reset progress…", on_click=s.ask_progress(r.enrollment_id, "reset")),
                    rx.menu.separator(),
                    rx.menu.item(rx.icon("user-minus", size=14), "Withdraw…", color_scheme="red", on_click=s.ask_unenroll(r.enrollment_id)),
                ),
            ),
        )),
    )


def _unenroll_dialog() -> rx.Component:
    s = CourseLearnersState
    return form_dialog(
        rx.text.span("Withdraw ", s.target_name, "?"),
        form_field("Reason (optional)", rx.input(name="reason", max_length=500, width="100%"), "Kept in the audit trail."),
        description="They lose access to the course. Their progress stays on record.",
        submit="Withdraw", submit_id="unenroll-confirm", on_submit=s.unenroll, reset_on_submit=True,
        open=s.unenroll_open, on_open_change=s.set_unenroll_open, max_width="440px",
    )


def _progress_dialog() -> rx.Component:
    s = CourseLearnersState
    return form_dialog(
        rx.cond(s.progress_action == "complete", rx.text.span("Mark a lesson done for ", s.target_name), rx.text.span("Reset progress of ", s.target_name)),
        form_field("Lesson", rx.select.root(
            rx.select.trigger(width="100%", placeholder=rx.cond(s.progress_action == "complete", "Choose a lesson", "All lessons")),
            rx.select.content(
                rx.cond(s.progress_action == "reset", rx.select.item("All lessons", value="all")),
                rx.foreach(s.lesson_options, lambda o: rx.select.item(o.label, value=o.id)),
            ),
            name="lesson", value=s.progress_lesson, on_change=s.pick_progress_lesson,
        )),
        form_field("Reason", rx.input(name="reason", required=True, max_length=500, width="100%", placeholder="Attended the session in person"), "Required: kept in the audit trail."),
        submit="Save", submit_id="progress-confirm", on_submit=s.save_progress, reset_on_submit=True,
        open=s.progress_open, on_open_change=s.set_progress_open, max_width="480px",
    )


def _enroll_dialog() -> rx.Component:
    s = CourseLearnersState
    return rx.dialog.root(
        rx.button(rx.icon("user-plus", size=16), "Enroll people", on_click=s.open_enroll, id="enroll-open"),
        rx.dialog.content(
            rx.dialog.title("Enroll people"),
            rx.dialog.description("Those already taking the course are left as they are.", size="2", color_scheme="gray"),
            rx.vstack(
                rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Name or email", value=s.enroll_query,
                         on_change=s.search_enrollable.debounce(300), width="100%", id="enroll-search"),
                rx.vstack(rx.foreach(s.enroll_people, lambda p: rx.hstack(
                    rx.vstack(rx.text(p.name, size="2", weight="medium"), rx.text(p.email, size="1", color_scheme="gray"), spacing="0", min_width="0"),
                    rx.spacer(),
                    rx.button("Enroll", size="1", variant="soft", on_click=s.enroll_person(p.id)),
                    align="center", width="100%",
                )), spacing="2", width="100%"),
                rx.separator(size="4"),
                _enroll_unit_form("group", "A whole group", "Members who join later are enrolled too.", s.group_options, s.enroll_group, "Enroll group"),
                _enroll_unit_form("department", "A whole department", "With the departments inside it.", s.department_options, s.enroll_department, "Enroll department"),
                rx.hstack(rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")), justify="end", width="100%"),
                spacing="3",
                width="100%",
            ),
            max_width="520px",
        ),
        open=s.enroll_open,
        on_open_change=s.set_enroll_open,
    )


def _enroll_unit_form(name: str, label: str, hint: str, options, on_submit, button: str) -> rx.Component:
    return rx.form(
        form_field(label, rx.hstack(
            rx.select.root(
                rx.select.trigger(placeholder="Choose…", width="100%"),
                rx.select.content(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.id))),
                name=name, required=True,
            ),
            rx.button(button, type="submit", variant="soft"),
            spacing="2", width="100%",
        ), hint),
        on_submit=on_submit,
        reset_on_submit=True,
        width="100%",
    )


def _import_outcome(r: ImportRowView) -> rx.Component:
    return rx.vstack(
        rx.match(
            r.outcome,
            ("enroll", rx.badge(rx.icon("user-plus", size=12), "Will be enrolled", color_scheme="green", variant="soft")),
            ("already", rx.badge("Already enrolled", color_scheme="gray", variant="soft")),
            rx.badge(rx.icon("triangle-alert", size=12), "Needs fixing", color_scheme="red", variant="soft"),
        ),
        rx.cond(r.problem != "", rx.text(r.problem, size="1", color_scheme="red")),
        spacing="1",
    )


def _import_summary() -> rx.Component:
    s = CourseLearnersState
    problems = (s.import_errors > 0) | (s.import_file_errors.length() > 0)
    return rx.cond(
        problems,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.text(
                    rx.cond(s.import_errors > 0,
                            rx.text.span(rx.text.strong(s.import_errors, " of ", s.import_row_count),
                                         rx.cond(s.import_row_count == 1, " row needs", rx.cond(s.import_errors == 1, " rows needs", " rows need")), " fixing. "),
                            rx.text.span(s.import_file, " cannot be used. ")),
                    "Nobody is enrolled until every row is right: fix the file and upload it again.",
                    size="2",
                ),
                rx.foreach(s.import_file_errors, lambda e: rx.text("• ", e, size="2")),
                spacing="1",
            ),
            color_scheme="red",
            width="100%",
            id="import-problems",
        ),
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-check")),
            rx.callout.text(
                rx.cond(s.import_to_enroll > 0,
                        rx.text.span("Every row of ", s.import_file, " is right: ", rx.text.strong(s.import_to_enroll), rx.cond(s.import_to_enroll == 1, " person", " people"), " will be enrolled."),
                        rx.text.span("Everyone in ", s.import_file, " is already enrolled: there is nothing to do.")),
                rx.cond(s.import_already > 0, rx.text.span(" ", s.import_already, " already enrolled (left as they are).")),
            ),
            color_scheme=rx.cond(s.import_to_enroll > 0, "green", "gray"),
            width="100%",
            id="import-ready",
        ),
    )


def _import_preview() -> rx.Component:
    s = CourseLearnersState
    return rx.vstack(
        _import_summary(),
        rx.cond(s.import_ignored.length() > 0, rx.text("Columns not used: ", s.import_ignored.join(", "), size="1", color_scheme="gray")),
        rx.cond(s.import_rows.length() > 0, rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Line", display=WIDE_ONLY, width="64px"),
                    rx.table.column_header_cell("Person"),
                    rx.table.column_header_cell("Outcome"),
                )),
                rx.table.body(rx.foreach(s.import_rows, lambda r: rx.table.row(
                    rx.table.cell(rx.text(r.line, size="1", color_scheme="gray"), display=WIDE_ONLY),
                    rx.table.cell(rx.vstack(
                        rx.text(rx.cond(r.name != "", r.name, r.email), size="2", weight="medium", word_break="break-word"),
                        rx.cond(r.name != "", rx.text(r.email, size="1", color_scheme="gray", word_break="break-all")),
                        rx.text("Line ", r.line, size="1", color_scheme="gray", display=["block", "block", "none"]),  # the column is hidden on phones
                        spacing="0",
                    )),
                    rx.table.cell(_import_outcome(r)),
                    background=rx.cond(r.outcome == "error", rx.color("red", 2), "transparent"),
                ))),
                variant="surface",
                size="1",
                width="100%",
                id="import-preview",
            ),
            max_height="45vh",
            overflow_y="auto",
            width="100%",
        )),
        rx.cond(s.import_row_count > IMPORT_ROWS_SHOWN,
                rx.text(f"The first {IMPORT_ROWS_SHOWN} rows are shown, those needing a fix first.", size="1", color_scheme="gray")),
        rx.flex(
            rx.button("Choose another file", variant="soft", color_scheme="gray", on_click=s.reset_import, id="import-again"),
            rx.cond(s.can_bulk_enroll, rx.button(
                rx.icon("user-plus", size=16), "Enroll ", s.import_to_enroll, rx.cond(s.import_to_enroll == 1, " person", " people"),
                on_click=s.start_bulk_enroll, loading=s.importing, id="import-commit",
            )),
            justify="end",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _import_dialog() -> rx.Component:
    s = CourseLearnersState
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("file-up", size=16), "Enroll from CSV", variant="soft", id="import-open")),
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("Enroll from a CSV file", margin="0"),
                rx.spacer(),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", color_scheme="gray", aria_label="Close")),
                align="center",
                width="100%",
                margin_bottom="8px",
            ),
            # Reflex's dialog description takes no text props: the span carries them.
            rx.dialog.description(
                rx.text.span("A header line with a column named ", rx.code("email"), ", then one person per line; other columns are ignored. "
                             "Nobody is enrolled unless every line is right.", size="2", color_scheme="gray"),
                margin_bottom="16px",
            ),
            rx.cond(s.import_checked, _import_preview(), csv_drop_zone(UPLOAD_ID, s.handle_import_upload)),
            max_width="720px",
        ),
        open=s.import_open,
        on_open_change=s.set_import_open,
    )


@page("/teach/courses/[course_id]/learners", "Learners", permission="courses.teach", on_load=CourseLearnersState.load)
def course_learners() -> rx.Component:
    s = CourseLearnersState
    return rx.cond(
        s.found,
        rx.vstack(
            back_to_course_editor(s.course_ref),
            page_header(
                "Learners", s.course_title,
                rx.cond(s.rows.length() > 0, rx.button(rx.icon("file-down", size=16), "Download CSV", variant="soft", color_scheme="gray", on_click=s.export_roster, id="roster-export")),
                rx.cond(s.can_edit & (s.visibility == "published"), rx.fragment(_import_dialog(), _enroll_dialog())),
            ),
            rx.cond(
                s.rows.length() > 0,
                rx.vstack(
                    rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Find a learner", value=s.search, on_change=s.set_search, max_width="320px", width="100%"),
                    rx.box(
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("Learner"),
                                rx.table.column_header_cell("Enrolled", display=WIDE_ONLY),
                                rx.table.column_header_cell("Progress"),
                                rx.table.column_header_cell("Last activity", display=WIDE_ONLY),
                                rx.table.column_header_cell("Status", display=WIDE_ONLY),
                                rx.table.column_header_cell(""),
                            )),
                            rx.table.body(rx.foreach(s.visible_rows, _learner_row)),
                            variant="surface",
                            width="100%",
                            id="roster",
                        ),
                        overflow_x="auto",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                empty_state("users", "Nobody is enrolled yet",
                            rx.cond(s.visibility == "published",
                                    "Learners appear here once they enroll from the catalog (turn on self-enrollment in the course editor).",
                                    "Publish the course first: learners can enroll once it is published.")),
            ),
            _unenroll_dialog(),
            _progress_dialog(),
            spacing="4",
            width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )
