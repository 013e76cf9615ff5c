"""The grading pages: the queue of work waiting for the grader, and one item's grading view
(the work on the left, the rubric or score, feedback and release on the right)."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import WIDE_ONLY, empty_state, markdown, page_header
from lms_app.page_registry import page
from lms_app.state.grading import ALL, NO_RUBRIC, CriterionView, FileItem, GradingState, LevelView, QueueItem

S = GradingState
PHONE_ONLY = ["block", "block", "none"]
STATUS_COLORS = (("to_grade", "amber"), ("to_release", "blue"), ("released", "green"), "gray")


def _status_badge(status, label) -> rx.Component:
    return rx.badge(label, variant="soft", color_scheme=rx.match(status, *STATUS_COLORS), white_space="nowrap")


# --- the queue -------------------------------------------------------------------------------

def _row(r: QueueItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.checkbox(checked=S.selected.contains(r.key), on_change=lambda v: S.toggle(r.key, v),
                                  aria_label="Select " + r.learner, class_name="lms-grading-select")),
        rx.table.cell(rx.vstack(
            rx.link(r.learner, href=r.href, weight="medium", size="2", class_name="lms-grading-open"),
            rx.text(r.item, rx.cond(r.lesson != "", rx.text.span(" · ", r.lesson)), size="1", color_scheme="gray", display=PHONE_ONLY),
            rx.hstack(rx.text(r.submitted, size="1", color_scheme="gray"),
                      rx.cond(r.late != "", rx.badge(r.late, color_scheme="red", variant="soft", size="1")),
                      spacing="1", align="center", wrap="wrap", display=["flex", "flex", "none"]),
            spacing="0", min_width="0",
        )),
        rx.table.cell(r.course, display=WIDE_ONLY),
        rx.table.cell(rx.vstack(rx.text(r.item, size="2"), rx.cond(r.lesson != "", rx.text(r.lesson, size="1", color_scheme="gray")), spacing="0"),
                      display=WIDE_ONLY),
        rx.table.cell(rx.badge(r.kind_label, variant="outline", color_scheme=rx.cond(r.kind == "quiz", "violet", "cyan")), display=WIDE_ONLY),
        rx.table.cell(rx.vstack(
            rx.text(r.submitted, size="2", white_space="nowrap"),
            rx.cond(r.late != "", rx.badge(r.late, color_scheme="red", variant="soft", size="1")),
            spacing="1",
        ), display=WIDE_ONLY),
        rx.table.cell(rx.vstack(_status_badge(r.status, r.status_label),
                                rx.cond(r.score != "", rx.text(r.score, size="1", color_scheme="gray")), spacing="1")),
        class_name="lms-grading-row",
    )


def _filters() -> rx.Component:
    return rx.flex(
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Find a learner", value=S.search,
                 on_change=S.set_search.debounce(300), width=["100%", "100%", "220px"], id="grading-search"),
        rx.select.root(
            rx.select.trigger(width=["100%", "100%", "200px"], id="grading-course"),
            rx.select.content(rx.select.item("All my courses", value=ALL),
                              rx.foreach(S.course_options, lambda o: rx.select.item(o.label, value=o.id))),
            value=S.course_filter, on_change=S.set_course_filter,
        ),
        rx.select.root(
            rx.select.trigger(width=["100%", "100%", "160px"], id="grading-kind"),
            rx.select.content(rx.select.item("All kinds", value=ALL), rx.select.item("Quiz answers", value="quiz"),
                              rx.select.item("Assignments", value="assignment")),
            value=S.kind_filter, on_change=S.set_kind_filter,
        ),
        rx.segmented_control.root(
            rx.segmented_control.item("To grade", value="to_grade"),
            rx.segmented_control.item("To release", value="to_release"),
            rx.segmented_control.item("All", value="waiting"),
            value=S.status_filter, on_change=S.set_status_filter, id="grading-status",
        ),
        gap="8px", wrap="wrap", width="100%", align="center",
    )


def _release_outcome() -> rx.Component:
    return rx.cond(
        (S.released_lines.length() > 0) | (S.skipped_lines.length() > 0),
        rx.callout.root(
            rx.callout.icon(rx.icon("send", size=16)),
            rx.vstack(
                rx.cond(S.released_lines.length() > 0, rx.text("Released: ", rx.foreach(S.released_lines, lambda t: rx.text.span(t, "; ")), size="2")),
                rx.cond(S.skipped_lines.length() > 0, rx.vstack(
                    rx.text("Not released:", size="2", weight="medium"),
                    rx.el.ul(rx.foreach(S.skipped_lines, lambda t: rx.el.li(rx.text(t, size="2"))), style={"margin": "0", "padding_left": "18px"}),
                    spacing="1",
                )),
                spacing="2",
            ),
            color_scheme=rx.cond(S.skipped_lines.length() > 0, "amber", "green"), variant="surface", width="100%", id="release-outcome",
        ),
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text(S.total, rx.cond(S.total == 1, " item", " items"), size="1", color_scheme="gray"),
        rx.spacer(),
        rx.cond(S.pages > 1, rx.hstack(
            rx.icon_button(rx.icon("chevron-left", size=14), size="1", variant="soft", disabled=S.page <= 1,
                           on_click=S.go_to_page(S.page - 1), aria_label="Previous page"),
            rx.text("Page ", S.page, " of ", S.pages, size="1"),
            rx.icon_button(rx.icon("chevron-right", size=14), size="1", variant="soft", disabled=S.page >= S.pages,
                           on_click=S.go_to_page(S.page + 1), aria_label="Next page"),
            spacing="2", align="center",
        )),
        width="100%", align="center",
    )


@page("/teach/grading", "Grading", permission="courses.teach", on_load=GradingState.load_queue)
def grading_queue_page() -> rx.Component:
    return rx.vstack(
        page_header("Grading", "Essays, file uploads and assignments waiting in the courses you teach, oldest first.",
                    rx.button(rx.icon("send", size=14), "Release selected", rx.cond(S.selected.length() > 0, rx.text.span(" (", S.selected.length(), ")")),
                              on_click=S.release_selected, disabled=S.selected.length() == 0, id="release-selected")),
        _filters(),
        _release_outcome(),
        rx.cond(
            S.rows.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(rx.checkbox(checked=S.all_selected, on_change=S.toggle_all, aria_label="Select all", id="grading-select-all"),
                                                width="36px"),
                    rx.table.column_header_cell("Learner"), rx.table.column_header_cell("Course", display=WIDE_ONLY),
                    rx.table.column_header_cell("Item", display=WIDE_ONLY), rx.table.column_header_cell("Kind", display=WIDE_ONLY),
                    rx.table.column_header_cell("Submitted", display=WIDE_ONLY), rx.table.column_header_cell("Status"),
                )),
                rx.table.body(rx.foreach(S.rows, _row)),
                variant="surface", width="100%", id="grading-queue",
            ), overflow_x="auto", width="100%"),
            rx.cond(S.queue_loaded,
                    empty_state("circle-check-big", "Nothing waiting here",
                                "When learners hand in essays, file uploads or assignments in your courses, they appear here, oldest first."),
                    rx.center(rx.spinner(size="3"), padding_y="48px", width="100%")),
        ),
        _pager(),
        spacing="4", width="100%",
    )


# --- the grading view --------------------------------------------------------------------------

def _file(f: FileItem) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(rx.match(f.viewer, ("pdf", "file-text"), ("image", "image"), ("text", "file-code"), "file"), size=16, flex_shrink="0"),
            rx.cond(f.url != "",
                    rx.link(f.name, href=f.url, is_external=True, size="2", weight="medium", min_width="0", overflow_wrap="anywhere"),
                    rx.text(f.name, size="2", weight="medium", min_width="0", overflow_wrap="anywhere")),
            rx.text(f.size, size="1", color_scheme="gray", white_space="nowrap"),
            spacing="2", align="center", width="100%",
        ),
        rx.match(
            f.viewer,
            ("pdf", rx.el.iframe(src=f.url, title=f.name, width="100%", height="640px",
                                 style={"border": f"1px solid {rx.color('gray', 5)}", "border_radius": "8px", "background": "white"})),
            ("image", rx.image(src=f.url, alt=f.name, max_width="100%", border_radius="8px", border=f"1px solid {rx.color('gray', 5)}")),
            ("text", rx.el.pre(f.text, style={"white_space": "pre-wrap", "overflow_wrap": "anywhere", "max_height": "480px", "overflow_y": "auto",
                                              "padding": "12px", "border_radius": "8px", "background": rx.color("gray", 2), "font_size": "13px",
                                              "margin": "0", "width": "100%"})),
            rx.cond(f.url != "", rx.text("This file type cannot be shown in the page: open it to read it.", size="1", color_scheme="gray")),
        ),
        spacing="2", width="100%",
    )


def _work() -> rx.Component:
    return rx.vstack(
        rx.card(rx.vstack(
            rx.hstack(rx.icon(rx.cond(S.kind == "quiz", "message-square-text", "clipboard-pen"), size=16),
                      rx.heading(S.item_title, size="3"), spacing="2", align="center"),
            rx.box(markdown(S.instructions), color=rx.color("gray", 11), font_size="14px", width="100%", class_name="lms-grading-instructions"),
            spacing="2", width="100%",
        ), width="100%", variant="surface"),
        rx.card(rx.vstack(
            rx.hstack(
                rx.heading("Answer", size="3"), rx.spacer(),
                rx.text(S.submitted_label, size="1", color_scheme="gray"),
                rx.cond(S.late_label != "", rx.badge(S.late_label, color_scheme="red", variant="soft")),
                align="center", width="100%", spacing="2", wrap="wrap",
            ),
            rx.cond(S.answer_text != "", rx.box(markdown(S.answer_text), width="100%", id="grading-answer"),
                    rx.cond(S.files.length() == 0, rx.text("Nothing was written.", size="2", color_scheme="gray", font_style="italic"))),
            rx.foreach(S.files, _file),
            spacing="3", width="100%",
        ), width="100%"),
        spacing="4", width="100%", min_width="0",
    )


def _level_card(c: CriterionView, lv: LevelView) -> rx.Component:
    return rx.radio_cards.item(
        rx.vstack(
            rx.hstack(rx.text(lv.label, weight="medium", size="2"), rx.spacer(), rx.badge(lv.points_label, variant="soft", size="1"),
                      width="100%", align="center", spacing="2"),
            rx.cond(lv.description != "", rx.text(lv.description, size="1", color_scheme="gray", align="left")),
            spacing="1", width="100%", align="start",
        ),
        value=lv.index, class_name="lms-level-card", padding="8px 10px",
    )


def _criterion(c: CriterionView) -> rx.Component:
    return rx.vstack(
        rx.text(c.name, weight="bold", size="2"),
        rx.radio_cards.root(
            rx.foreach(c.levels, lambda lv: _level_card(c, lv)),
            value=S.picked[c.index], on_value_change=lambda v: S.pick_level(c.index, v),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"), gap="6px", size="1", width="100%",
            class_name="lms-criterion-levels",
        ),
        spacing="1", width="100%",
    )


def _score() -> rx.Component:
    return rx.vstack(
        rx.cond(
            ~S.rubric_fixed & (S.rubric_options.length() > 0),
            rx.hstack(
                rx.text("Score with", size="2", weight="medium", white_space="nowrap"),
                rx.box(rx.select.root(
                    rx.select.trigger(width="100%", id="grading-rubric"),
                    rx.select.content(rx.select.item("A plain score", value=NO_RUBRIC),
                                      rx.foreach(S.rubric_options, lambda o: rx.select.item(o.label, value=o.id))),
                    value=S.rubric_choice, on_change=S.choose_rubric,
                ), flex="1", min_width="0"),
                align="center", spacing="2", width="100%",
            ),
        ),
        rx.cond(
            S.rubric_choice != NO_RUBRIC,
            rx.vstack(
                rx.hstack(rx.icon("table-properties", size=14), rx.text(S.rubric_title, size="2", weight="medium"), spacing="2", align="center"),
                rx.foreach(S.criteria, _criterion),
                rx.callout(S.rubric_total, icon="calculator", variant="surface", size="1", width="100%", id="rubric-total"),
                spacing="3", width="100%",
            ),
            rx.hstack(
                rx.input(value=S.points_input, on_change=S.set_points, input_mode="decimal", width="110px", size="3",
                         id="grading-points", aria_label="Score"),
                rx.text("/ ", S.max_points, " points", size="3", color_scheme="gray"),
                align="center", spacing="2",
            ),
        ),
        rx.cond(S.penalty > 0, rx.text("Late: ", S.penalty, " points come off when released.", size="1", color=rx.color("red", 11))),
        spacing="3", width="100%",
    )


def _feedback() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Feedback", size="2", weight="medium"), rx.spacer(),
            rx.segmented_control.root(rx.segmented_control.item("Write", value="write"), rx.segmented_control.item("Preview", value="preview"),
                                      value=S.feedback_tab, on_change=S.set_feedback_tab, size="1"),
            width="100%", align="center",
        ),
        rx.cond(
            S.feedback_tab == "write",
            rx.text_area(value=S.feedback, on_change=S.set_feedback, placeholder="What went well, what to improve (Markdown)",
                         rows="6", width="100%", resize="vertical", id="grading-feedback"),
            rx.box(rx.cond(S.feedback != "", markdown(S.feedback), rx.text("Nothing written yet.", size="2", color_scheme="gray")),
                   min_height="120px", padding="8px 12px", border=f"1px solid {rx.color('gray', 5)}", border_radius="8px", width="100%",
                   id="grading-feedback-preview"),
        ),
        spacing="2", width="100%",
    )


def _grade_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Grade", size="4"), rx.spacer(), _status_badge(S.status, S.status_label), width="100%", align="center"),
            rx.cond(S.graded_by != "", rx.text("Graded by ", S.graded_by, size="1", color_scheme="gray")),
            _score(),
            _feedback(),
            rx.cond(S.status == "released",
                    rx.input(value=S.reason, on_change=S.set_reason, placeholder="Why the released grade changes (required)",
                             width="100%", id="grading-reason")),
            rx.cond(S.error != "", rx.callout(S.error, icon="circle-alert", color_scheme="red", variant="surface", size="1", width="100%", id="grading-error")),
            rx.flex(
                rx.button(rx.icon("save", size=14), "Save draft", variant="soft", on_click=S.save_draft, id="save-draft"),
                rx.button("Save and next", rx.icon("arrow-right", size=14), on_click=S.save_and_next, id="save-next"),
                rx.spacer(),
                rx.cond(S.status != "released",
                        rx.button(rx.icon("send", size=14), "Release", color_scheme="green", variant="soft", on_click=S.release_item,
                                  disabled=S.status != "to_release", id="release-item")),
                gap="8px", wrap="wrap", width="100%",
            ),
            rx.text(rx.cond(S.kind == "quiz", "Releasing shows the learner the whole attempt's result, once every answer to grade by hand is graded.",
                            "The learner sees the grade and feedback once released."), size="1", color_scheme="gray"),
            spacing="4", width="100%",
        ),
        width="100%", position=["static", "static", "sticky"], top="76px",
    )


def _learner_nav() -> rx.Component:
    return rx.flex(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Grading queue", size="2"), spacing="1", align="center"),
                href="/teach/grading", color=rx.color("gray", 11)),
        rx.spacer(),
        rx.hstack(
            rx.cond(S.prev_href != "",
                    rx.link(rx.button(rx.icon("chevron-left", size=14), "Previous", variant="soft", color_scheme="gray", size="1"), href=S.prev_href, id="prev-learner"),
                    rx.button(rx.icon("chevron-left", size=14), "Previous", variant="soft", color_scheme="gray", size="1", disabled=True)),
            rx.cond(S.next_href != "",
                    rx.link(rx.button("Next", rx.icon("chevron-right", size=14), variant="soft", color_scheme="gray", size="1"), href=S.next_href, id="next-learner"),
                    rx.button("Next", rx.icon("chevron-right", size=14), variant="soft", color_scheme="gray", size="1", disabled=True)),
            spacing="2",
        ),
        align="center", width="100%", gap="8px",
    )


@page("/teach/grading/[kind]/[item_id]", "Grade", permission="courses.teach", on_load=GradingState.load_item)
def grading_item_page() -> rx.Component:
    return rx.cond(
        S.item_found,
        rx.vstack(
            _learner_nav(),
            rx.flex(
                rx.vstack(
                    rx.heading(S.learner_name, size="6", id="grading-learner"),
                    rx.text(S.learner_email, " · ", S.course_title, " · ", S.lesson_title, size="2", color_scheme="gray"),
                    spacing="1", min_width="0",
                ),
                justify="between", align="end", wrap="wrap", width="100%",
            ),
            rx.grid(
                _work(), _grade_panel(),
                grid_template_columns=["minmax(0, 1fr)", "minmax(0, 1fr)", "minmax(0, 1.2fr) minmax(340px, 1fr)"],
                gap="20px", width="100%", align_items="start",
            ),
            spacing="4", width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )

