"""An assignment in the course player: the instructions and dates, the learner's work and its
status, handing in (text and/or files) and, once released, the grade with its feedback."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import markdown
from lms_app.state.assignment_player import UPLOAD_ID, AssignmentPlayerState, HandedIn, RubricRow
from lms_app.state.player import PlayerState

S = AssignmentPlayerState

# What the file chooser offers (the server checks each file's name and content again).
ACCEPT = {
    "application/pdf": [".pdf"], "image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": [".pptx"],
    "application/vnd.oasis.opendocument.text": [".odt"], "application/vnd.oasis.opendocument.spreadsheet": [".ods"],
    "application/vnd.oasis.opendocument.presentation": [".odp"],
    "text/plain": [".txt", ".md"], "text/csv": [".csv"], "text/markdown": [".md"],
}


def _fact(icon: str, label: str, *value, **props) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=16, color=rx.color("gray", 11), flex_shrink="0", margin_top="2px"),
        rx.text(label, weight="medium", size="2", min_width="72px"),
        rx.flex(*value, align="center", wrap="wrap", min_width="0", style={"column_gap": "8px", "row_gap": "2px"}, **props),
        spacing="2", align="start", width="100%",
    )


def _facts() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(
                S.due_label != "",
                _fact("calendar-clock", "Due",
                      rx.text(S.due_label, size="2", id="assignment-due"),
                      rx.cond((S.due_relative != "") & (S.status == "not_submitted"), rx.badge(S.due_relative, color_scheme=rx.cond(S.due_relative.contains("late"), "amber", "gray"),
                                                             variant="soft", id="assignment-due-relative")),
                      rx.cond(S.extended, rx.badge(rx.icon("calendar-plus", size=12), "Extended for you", color_scheme="blue", variant="soft"))),
                _fact("calendar-clock", "Due", rx.text("No due date", size="2", color_scheme="gray")),
            ),
            rx.cond(S.cut_off_label != "", _fact("calendar-x", "Cut-off", rx.text(S.cut_off_label, size="2", id="assignment-cut-off"),
                                                 rx.text("nothing is accepted after it", size="1", color_scheme="gray"))),
            rx.cond(S.penalty_rule != "", _fact("timer-off", "If late", rx.text(S.penalty_rule, size="2", id="assignment-penalty"))),
            _fact("award", "Points", rx.text(S.points_label, size="2"), rx.cond(S.passing_label != "", rx.text("· ", S.passing_label, size="2", color_scheme="gray"))),
            _fact("inbox", "Hand in", rx.text(S.what, size="2")),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def status_badge() -> rx.Component:
    return rx.hstack(
        rx.match(
            S.status,
            ("graded", rx.badge(rx.icon("circle-check", size=14), "Graded", color_scheme="green", size="2", id="assignment-status")),
            ("submitted", rx.badge(rx.icon("send", size=14), "Submitted", color_scheme="blue", size="2", id="assignment-status")),
            rx.badge("Not handed in", color_scheme="gray", size="2", id="assignment-status"),
        ),
        rx.cond(S.late, rx.badge(rx.icon("clock-alert", size=14), "Late", color_scheme="amber", size="2", id="assignment-late")),
        spacing="2", align="center",
    )


def _file_row(f: HandedIn) -> rx.Component:
    return rx.hstack(
        rx.icon(f.icon, size=16, color=rx.color("accent", 10), flex_shrink="0"),
        rx.el.a(f.name, href=f.url, target="_blank", rel="noopener", class_name="lms-submitted-file",
                style={"color": rx.color("accent", 11), "overflow_wrap": "anywhere", "font_size": "14px"}),
        rx.text(f.size, size="1", color_scheme="gray", white_space="nowrap"),
        spacing="2", align="center", width="100%",
    )


def _handed_in() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading("Your work", size="4"),
                status_badge(),
                justify="between", align="center", wrap="wrap", gap="2", width="100%",
            ),
            rx.cond(
                S.status == "not_submitted",
                rx.text("Nothing handed in yet.", size="2", color_scheme="gray"),
                rx.vstack(
                    rx.text("Handed in ", S.submitted_label, rx.cond(S.number > 1, rx.text.span(" (version ", S.number, ")"), ""),
                            rx.cond(S.due_relative != "", rx.text.span(" · ", S.due_relative), ""), size="2", color_scheme="gray", id="assignment-submitted-at"),
                    rx.cond(S.text != "", rx.box(rx.text(S.text, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
                                                 padding="10px 12px", background=rx.color("gray", 2), border=f"1px solid {rx.color('gray', 4)}",
                                                 border_radius="8px", width="100%", max_height="320px", overflow_y="auto", id="assignment-submitted-text")),
                    rx.cond(S.files.length() > 0, rx.vstack(rx.foreach(S.files, _file_row), spacing="2", width="100%", id="assignment-submitted-files")),
                    spacing="2", width="100%",
                ),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _rubric_row(r: RubricRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r.criterion, weight="medium", size="2")),
        rx.table.cell(rx.vstack(rx.text(r.level, size="2"), rx.cond(r.description != "", rx.text(r.description, size="1", color_scheme="gray")), spacing="0")),
        rx.table.cell(rx.text(r.points, size="2", white_space="nowrap"), text_align="right"),
    )


def _grade() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.text("Grade", size="2", color_scheme="gray"),
                    rx.heading(S.grade_label, size="6", id="assignment-grade"),
                    spacing="0",
                ),
                rx.cond(S.passed_label != "", rx.badge(S.passed_label, color_scheme=rx.cond(S.passed, "green", "red"), size="2")),
                justify="between", align="center", wrap="wrap", gap="2", width="100%",
            ),
            rx.cond(S.penalty_label != "", rx.text(S.penalty_label, size="2", color_scheme="amber")),
            rx.cond(S.rubric.length() > 0, rx.box(rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Criterion"), rx.table.column_header_cell("Level"),
                                             rx.table.column_header_cell("Points", text_align="right"))),
                rx.table.body(rx.foreach(S.rubric, _rubric_row)),
                variant="surface", size="1", width="100%",
            ), overflow_x="auto", width="100%")),
            rx.cond(S.feedback != "", rx.vstack(
                rx.text("Feedback", size="2", weight="medium"),
                rx.box(markdown(S.feedback), width="100%", overflow_wrap="anywhere", id="assignment-feedback"),
                spacing="1", width="100%",
            )),
            spacing="3", width="100%",
        ),
        width="100%",
        border_left=f"4px solid {rx.color('green', 9)}",
    )


def _hand_in_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(rx.cond(S.status == "not_submitted", "Hand in your work", "Hand in again"), size="4"),
            rx.cond(S.status != "not_submitted",
                    rx.text("Until your work is graded you may replace it: the new version replaces the text",
                            rx.cond(S.takes_files, ", and the files if you choose new ones", ""), ".", size="2", color_scheme="gray")),
            rx.cond(S.takes_text, rx.vstack(
                rx.text("Your answer", as_="label", size="2", weight="medium", html_for="assignment-text"),
                rx.text_area(default_value=S.draft_text, on_blur=S.set_draft_text, rows="8", width="100%", id="assignment-text",
                             key="draft-" + S.draft_key.to_string(), placeholder="Write your answer here…", max_length=200_000),
                spacing="1", width="100%",
            )),
            rx.cond(S.takes_files, rx.vstack(
                rx.text("Files", size="2", weight="medium"),
                rx.upload.root(
                    rx.vstack(
                        rx.icon("file-up", size=26, color=rx.color("accent", 10)),
                        rx.text("Drop files here, or click to choose", size="2", weight="medium", align="center"),
                        rx.text(S.files_hint, size="1", color_scheme="gray", align="center"),
                        align="center", spacing="1",
                    ),
                    id=UPLOAD_ID, accept=ACCEPT, multiple=True, max_files=S.max_files,
                    border=f"2px dashed {rx.color('gray', 7)}", border_radius="10px", padding="20px 16px", width="100%", cursor="pointer",
                ),
                rx.cond(
                    rx.selected_files(UPLOAD_ID).length() > 0,
                    rx.vstack(
                        rx.foreach(rx.selected_files(UPLOAD_ID), lambda name: rx.hstack(
                            rx.icon("paperclip", size=14, color=rx.color("gray", 10)), rx.text(name, size="2", overflow_wrap="anywhere"),
                            spacing="2", align="center")),
                        rx.button("Clear the chosen files", variant="ghost", size="1", color_scheme="gray", type="button",
                                  on_click=rx.clear_selected_files(UPLOAD_ID)),
                        spacing="1", width="100%", id="assignment-chosen-files",
                    ),
                    rx.cond(S.files.length() > 0, rx.text("No new files chosen: the files handed in before stay.", size="1", color_scheme="gray")),
                ),
                spacing="2", width="100%",
            )),
            rx.hstack(
                rx.button(rx.icon("send", size=16), rx.cond(S.status == "not_submitted", "Submit", "Resubmit"),
                          on_click=S.submit(rx.upload_files(upload_id=UPLOAD_ID)), id="assignment-submit"),
                justify="end", width="100%",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def assignment_view() -> rx.Component:
    """The assignment lesson open in the player (loads itself for each lesson it shows)."""
    return rx.box(
        rx.cond(
            ~S.loaded | (S.lesson_ref != PlayerState.lesson_id),
            rx.center(rx.spinner(size="3"), padding_y="32px", width="100%"),
            rx.cond(
                S.problem != "",
                rx.callout(S.problem, icon="info", width="100%", id="assignment-problem"),
                rx.vstack(
                    _facts(),
                    rx.box(markdown(S.instructions), width="100%", overflow_wrap="anywhere", id="assignment-instructions",
                           style={"& img": {"max_width": "100%"}, "& pre": {"overflow_x": "auto"}}),
                    rx.cond(S.status == "graded", _grade()),
                    _handed_in(),
                    rx.cond(S.can_submit, _hand_in_form(),
                            rx.cond(S.closed_reason != "", rx.callout(S.closed_reason, icon="lock", color_scheme="gray", width="100%", id="assignment-closed"))),
                    spacing="4", width="100%",
                ),
            ),
        ),
        key=PlayerState.lesson_id,
        on_mount=S.load,
        width="100%",
        id="assignment",
    )
