"""The assignment editor inside the course editor's lesson dialog: the settings form and the
learners given an extension."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import form_dialog, form_field, markdown
from lms_app.state.assignment_editor import NO_RUBRIC, AssignmentEditorState, ExtensionRow
from lms_app.state.authoring import CourseEditorState

S = AssignmentEditorState
SUBMISSION_TYPES = [("both", "Text and files"), ("text", "Text only"), ("file", "Files only")]


def _number(name: str, value, *, placeholder: str = "", min_: str = "0", step: str = "1", id: str | None = None) -> rx.Component:
    return rx.input(name=name, default_value=value, type="number", min=min_, step=step, placeholder=placeholder, width="100%",
                    read_only=~S.can_edit, id=id or f"assignment-{name.replace('_', '-')}")


def _settings_form() -> rx.Component:
    ro = ~S.can_edit
    zone = rx.text.span(" (", S.tz, ")")
    return rx.form(
        rx.vstack(
            rx.grid(
                rx.vstack(
                    rx.text("Instructions (Markdown)", as_="label", size="2", weight="medium", html_for="assignment-instructions-input"),
                    rx.text_area(name="instructions", default_value=S.instructions, rows="10", width="100%", read_only=ro,
                                 id="assignment-instructions-input", placeholder="What to hand in, how it is graded…",
                                 on_change=S.set_instructions_preview.debounce(400),
                                 style={"font_family": "var(--code-font-family, monospace)", "font_size": "13px"}),
                    spacing="1", width="100%", min_width="0",
                ),
                rx.vstack(
                    rx.text("Preview", size="2", weight="medium"),
                    rx.box(
                        rx.cond(S.instructions != "", markdown(S.instructions), rx.text("The preview appears as you write.", size="2", color_scheme="gray")),
                        border=f"1px solid {rx.color('gray', 5)}", border_radius="8px", padding="12px", width="100%",
                        min_height="120px", max_height="260px", overflow_y="auto",
                    ),
                    spacing="1", width="100%", min_width="0",
                ),
                columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
            ),
            rx.grid(
                form_field("Learners hand in", rx.select.root(
                    rx.select.trigger(width="100%", id="assignment-submission-type"),
                    rx.select.content(*[rx.select.item(label, value=value) for value, label in SUBMISSION_TYPES]),
                    name="submission_type", value=S.submission_type, on_change=S.pick_submission_type, disabled=ro,
                )),
                form_field("Points", _number("max_points", S.max_points, min_="0.01", step="any"), "The grade item's points in the gradebook."),
                form_field("Passing score (%)", _number("passing_percent", S.passing_percent, placeholder="Any grade passes", step="any"),
                           "A released grade at or above it completes the lesson."),
                columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%",
            ),
            rx.cond(S.submission_type != "text", rx.grid(
                form_field("Files at most", _number("max_files", S.max_files, min_="1")),
                form_field("Largest file (MB)", _number("max_file_mb", S.max_file_mb, min_="1")),
                form_field("File types", rx.input(name="accepted_types", default_value=S.accepted_types, placeholder="Any: PDF, images, Office, text",
                                                  width="100%", read_only=ro, id="assignment-accepted-types"),
                           "File endings, e.g. .pdf, .docx. Empty: any of PDF, images, Office documents, text."),
                columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%",
            )),
            rx.grid(
                form_field(rx.text.span("Due", zone), rx.input(name="due_at", type="datetime-local", default_value=S.due_at, width="100%", read_only=ro, id="assignment-due-at"),
                           "Work handed in after it is late."),
                form_field(rx.text.span("Cut-off", zone), rx.input(name="cut_off_at", type="datetime-local", default_value=S.cut_off_at, width="100%", read_only=ro, id="assignment-cut-off-at"),
                           "Nothing is accepted after it. Empty: late work is always accepted."),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            rx.grid(
                form_field("Late penalty per day (%)", _number("late_penalty_percent", S.penalty_percent, placeholder="No penalty", step="any"),
                           "Of the points, for each started day after the due date."),
                form_field("Largest late penalty (%)", _number("late_penalty_max_percent", S.penalty_max_percent, placeholder="No maximum", step="any")),
                rx.cond(S.rubrics.length() > 0, form_field("Rubric", rx.select.root(
                    rx.select.trigger(width="100%", id="assignment-rubric"),
                    rx.select.content(rx.select.item("No rubric: a plain score", value=NO_RUBRIC),
                                      rx.foreach(S.rubrics, lambda r: rx.select.item(r.label, value=r.value))),
                    name="rubric", value=S.rubric, on_change=S.pick_rubric, disabled=ro,
                ), "Graders pick a level per criterion.")),
                columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%",
            ),
            rx.cond(S.can_edit, rx.hstack(rx.button(rx.icon("save", size=14), "Save assignment", type="submit", id="save-assignment"), justify="end", width="100%")),
            spacing="4", width="100%",
        ),
        on_submit=S.save,
        key="assignment-" + S.form_key.to_string(),
        width="100%",
    )


def _extension_row(e: ExtensionRow) -> rx.Component:
    # Rows that wrap rather than a table: on a phone the remove button stays in sight.
    return rx.flex(
        rx.vstack(rx.text(e.name, size="2", weight="medium"), rx.text(e.email, size="1", color_scheme="gray", overflow_wrap="anywhere"),
                  spacing="0", min_width="0", flex="1 1 160px"),
        rx.vstack(rx.text("Due ", e.due, size="2"), rx.text("Cut-off ", e.cut_off, size="1", color_scheme="gray"), spacing="0", flex="1 1 180px"),
        rx.text(e.reason, size="2", color_scheme="gray", overflow_wrap="anywhere", flex="1 1 140px"),
        rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="soft", color_scheme="red", aria_label="Remove the extension",
                       on_click=S.remove_extension(e.id), type="button"),
        align="center", wrap="wrap", width="100%", padding="8px 10px", class_name="lms-extension",
        style={"column_gap": "12px", "row_gap": "4px", "border_bottom": f"1px solid {rx.color('gray', 4)}", "&:last-child": {"border_bottom": "none"}},
    )


def _extension_dialog() -> rx.Component:
    zone = rx.text.span(" (", S.tz, ")")
    return form_dialog(
        "Give an extension",
        form_field("Learner", rx.select.root(
            rx.select.trigger(width="100%", placeholder="Choose a learner", id="extension-learner"),
            rx.select.content(rx.foreach(S.learners, lambda o: rx.select.item(o.label, value=o.value))),
            name="user", value=S.ext_user, on_change=S.pick_ext_user,
        )),
        form_field(rx.text.span("New due date", zone), rx.input(name="due_at", type="datetime-local", width="100%", id="extension-due-at")),
        form_field(rx.text.span("New cut-off", zone), rx.input(name="closes_at", type="datetime-local", width="100%", id="extension-closes-at"),
                   "Empty: the assignment's cut-off, moved to the new due date if it is earlier."),
        form_field("Reason", rx.input(name="reason", max_length=500, width="100%", required=True, id="extension-reason", placeholder="Sick leave, 3 days"),
                   "Kept in the audit trail."),
        submit="Save extension", submit_id="save-extension", on_submit=S.grant_extension,
        open=S.ext_open, on_open_change=S.set_ext_open, description="Other dates at this assignment for one learner.",
    )


def _extensions() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.text("Extensions", size="3", weight="medium"),
                rx.text("Other dates for one learner; the others keep the assignment's.", size="1", color_scheme="gray"),
                spacing="0",
            ),
            rx.button(rx.icon("calendar-plus", size=14), "Give an extension", size="2", variant="soft", type="button",
                      on_click=S.set_ext_open(True), id="add-extension", disabled=S.learners.length() == 0),
            justify="between", align="center", wrap="wrap", gap="2", width="100%",
        ),
        rx.cond(
            S.extensions.length() > 0,
            rx.box(rx.foreach(S.extensions, _extension_row), width="100%", id="extension-list",
                   border=f"1px solid {rx.color('gray', 5)}", border_radius="8px", overflow="hidden"),
            rx.text(rx.cond(S.learners.length() > 0, "No extensions yet.", "No learners are enrolled yet."), size="2", color_scheme="gray"),
        ),
        _extension_dialog(),
        spacing="2", width="100%",
    )


def assignment_editor() -> rx.Component:
    """The assignment lesson open in the course editor (loads itself for each lesson)."""
    return rx.box(
        rx.cond(
            S.loaded & (S.lesson_ref == CourseEditorState.lesson_id),
            rx.vstack(_settings_form(), rx.separator(size="4"), _extensions(), spacing="4", width="100%"),
            rx.center(rx.spinner(size="2"), padding_y="24px", width="100%"),
        ),
        key=CourseEditorState.lesson_id,
        on_mount=S.load(CourseEditorState.lesson_id),
        width="100%",
        id="assignment-editor",
    )
