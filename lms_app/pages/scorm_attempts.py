"""A SCORM lesson's attempts for the course's staff: who tried, the result, the score and the
time; one attempt SCO by SCO with its interactions and objectives; CSV export."""

from __future__ import annotations

import reflex as rx

from lms_app.components.authoring import back_to_course_editor
from lms_app.components.ui import WIDE_ONLY, page_header, stat_card
from lms_app.page_registry import page
from lms_app.state.scorm_attempts import AttemptLine, InteractionLine, ObjectiveLine, ScoDetail, ScormAttemptsState

S = ScormAttemptsState
RESULT_COLORS = (("Passed", "green"), ("Failed", "red"), ("Completed", "blue"), "gray")


def _attempt_row(row: AttemptLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.learner, size="2", weight="medium"), rx.text(row.email, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(row.number, display=WIDE_ONLY),
        rx.table.cell(rx.badge(row.result, color_scheme=rx.match(row.result, *RESULT_COLORS), variant="soft")),
        rx.table.cell(row.score),
        rx.table.cell(row.time, display=WIDE_ONLY),
        rx.table.cell(row.updated, display=WIDE_ONLY),
        rx.table.cell(rx.button("Details", size="1", variant="soft", on_click=S.open_attempt(row.id), class_name="scorm-attempt-details")),
        align="center",
    )


def _attempts() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search by name or email", default_value=S.search,
                     on_change=S.set_search.debounce(300), max_width="320px", width="100%", id="scorm-search"),
            rx.button(rx.icon("download", size=16), "Export CSV", variant="soft", on_click=S.export_csv, id="scorm-export"),
            justify="between", gap="3", wrap="wrap", width="100%",
        ),
        rx.cond(
            S.rows.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Learner"),
                    rx.table.column_header_cell("Attempt", display=WIDE_ONLY),
                    rx.table.column_header_cell("Result"),
                    rx.table.column_header_cell("Score"),
                    rx.table.column_header_cell("Time", display=WIDE_ONLY),
                    rx.table.column_header_cell("Last activity", display=WIDE_ONLY),
                    rx.table.column_header_cell(""),
                )),
                rx.table.body(rx.foreach(S.rows, _attempt_row)),
                variant="surface", width="100%", id="scorm-attempts",
            ), overflow_x="auto", width="100%"),
            rx.text(rx.cond(S.search != "", "No attempt matches this search.",
                            "Nobody has opened this package yet. Attempts appear here as learners play it."),
                    size="2", color_scheme="gray", id="scorm-attempts-empty"),
        ),
        spacing="3", width="100%",
    )


def _interaction(i: InteractionLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(i.id, size="1", overflow_wrap="anywhere")),
        rx.table.cell(i.type, display=WIDE_ONLY),
        rx.table.cell(rx.text(i.response, size="1", overflow_wrap="anywhere")),
        rx.table.cell(rx.text(i.correct, size="1", overflow_wrap="anywhere"), display=WIDE_ONLY),
        rx.table.cell(rx.badge(i.result, variant="soft", color_scheme=rx.match(i.result, ("correct", "green"), ("incorrect", "red"), "gray"))),
    )


def _objective(o: ObjectiveLine) -> rx.Component:
    return rx.table.row(rx.table.cell(rx.text(o.id, size="1", overflow_wrap="anywhere")), rx.table.cell(o.status), rx.table.cell(o.score))


def _sco(sco: ScoDetail) -> rx.Component:
    return rx.vstack(
        rx.flex(rx.text(sco.title, weight="medium"), rx.badge(sco.status, variant="soft"),
                rx.text("Score ", sco.score, " · ", sco.time, size="1", color_scheme="gray"), gap="2", align="center", wrap="wrap"),
        rx.cond(sco.interactions.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(rx.table.column_header_cell("Interaction"), rx.table.column_header_cell("Type", display=WIDE_ONLY),
                                         rx.table.column_header_cell("Response"), rx.table.column_header_cell("Correct", display=WIDE_ONLY),
                                         rx.table.column_header_cell("Result"))),
            rx.table.body(rx.foreach(sco.interactions, _interaction)), size="1", variant="surface", width="100%",
        ), overflow_x="auto", width="100%"), rx.text("No interactions recorded.", size="1", color_scheme="gray")),
        rx.cond(sco.objectives.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(rx.table.column_header_cell("Objective"), rx.table.column_header_cell("Status"), rx.table.column_header_cell("Score"))),
            rx.table.body(rx.foreach(sco.objectives, _objective)), size="1", variant="surface", width="100%",
        ), overflow_x="auto", width="100%")),
        spacing="2", width="100%", padding_y="8px", border_top=f"1px solid {rx.color('gray', 4)}",
    )


def _detail_dialog() -> rx.Component:
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(d.learner, " · attempt ", d.number.to_string()),
            rx.dialog.description(d.result, " · score ", d.score, " · ", d.time, size="2", color_scheme="gray"),
            rx.vstack(rx.foreach(S.scos, _sco), spacing="2", width="100%", margin_top="12px"),
            rx.flex(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end", margin_top="12px"),
            max_width="min(860px, calc(100vw - 24px))",
            id="scorm-attempt-dialog",
        ),
        open=S.detail_open, on_open_change=S.set_detail_open,
    )


@page("/teach/courses/[course_id]/scorm/[lesson_id]", "SCORM attempts", permission="courses.teach", on_load=ScormAttemptsState.load)
def scorm_attempts_page() -> rx.Component:
    return rx.cond(
        S.found,
        rx.vstack(
            back_to_course_editor(S.course_ref),
            page_header(S.title, S.course_title),
            rx.grid(
                stat_card("Attempts", S.rows.length(), "list-checks", S.learners.to_string() + rx.cond(S.learners == 1, " learner", " learners")),
                stat_card("Finished", S.completed, "circle-check", "Completed, passed or failed"),
                stat_card("Passed", S.passed, "award", "Mastery reached"),
                columns=rx.breakpoints(initial="1", sm="3"), gap="3", width="100%",
            ),
            _attempts(),
            _detail_dialog(),
            spacing="5",
            width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )
