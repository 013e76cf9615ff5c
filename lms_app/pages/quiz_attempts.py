"""A quiz's staff page: its rules, the attempts across learners (filter, reset, reopen) and the
overrides per learner or group."""

from __future__ import annotations

import reflex as rx

from lms_app.components.authoring import back_to_course_editor, small_icon_button
from lms_app.components.ui import WIDE_ONLY, confirm_dialog, form_field, page_header, stat_card
from lms_app.page_registry import page
from lms_app.state.quiz_attempts import AttemptRow, GroupChoice, OverrideView, PersonChoice, QuizAttemptsState

S = QuizAttemptsState
STATUS_COLORS = ("in_progress", "blue"), ("awaiting_grading", "amber"), ("graded", "green")


def _status(r: AttemptRow) -> rx.Component:
    return rx.badge(r.status_label, color_scheme=rx.match(r.status, *STATUS_COLORS, "gray"), variant="soft", white_space="nowrap")


def _attempt_row(r: AttemptRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(r.name, weight="medium", size="2"), rx.text(r.email, size="1", color_scheme="gray", overflow_wrap="anywhere"),
                                spacing="0", min_width="0")),
        rx.table.cell(r.number, display=WIDE_ONLY),
        rx.table.cell(rx.vstack(_status(r), rx.cond(r.closed_by != "", rx.text(r.closed_by, size="1", color_scheme="gray")), spacing="1")),
        rx.table.cell(r.started, display=WIDE_ONLY, white_space="nowrap"),
        rx.table.cell(r.submitted, display=WIDE_ONLY, white_space="nowrap"),
        rx.table.cell(rx.hstack(
            rx.text(r.score, size="2", white_space="nowrap"),
            rx.match(r.passed, ("yes", rx.badge("Passed", color_scheme="green", size="1")), ("no", rx.badge("Not passed", color_scheme="red", size="1")), rx.fragment()),
            spacing="2", align="center", wrap="wrap",
        )),
        rx.table.cell(rx.hstack(
            rx.cond(r.can_reopen, rx.button(rx.icon("rotate-ccw", size=13), "Reopen", size="1", variant="soft", on_click=S.ask_action("reopen", r.id),
                                            class_name="lms-reopen")),
            rx.button(rx.icon("eraser", size=13), "Reset", size="1", variant="soft", color_scheme="red", on_click=S.ask_action("reset", r.id),
                      class_name="lms-reset"),
            spacing="2", justify="end", wrap="wrap",
        ), text_align="right"),
        class_name="lms-attempt",
        custom_attrs={"data-status": r.status},
    )


def _filters() -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(id="attempt-status"),
            rx.select.content(
                rx.select.item("All statuses", value="all"),
                rx.select.item("In progress", value="in_progress"),
                rx.select.item("Awaiting grading", value="awaiting_grading"),
                rx.select.item("Graded", value="graded"),
            ),
            value=S.status_filter, on_change=S.set_status_filter,
        ),
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Find a learner", value=S.search,
                 on_change=S.set_search.debounce(300), width="100%", max_width="300px", id="attempt-search"),
        spacing="2", wrap="wrap", width="100%",
    )


def _attempts() -> rx.Component:
    return rx.vstack(
        rx.heading("Attempts", size="4"),
        _filters(),
        rx.cond(
            S.rows.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Learner"),
                    rx.table.column_header_cell("#", display=WIDE_ONLY),
                    rx.table.column_header_cell("Status"),
                    rx.table.column_header_cell("Started", display=WIDE_ONLY),
                    rx.table.column_header_cell("Submitted", display=WIDE_ONLY),
                    rx.table.column_header_cell("Score"),
                    rx.table.column_header_cell(""),
                )),
                rx.table.body(rx.foreach(S.rows, _attempt_row)),
                variant="surface", width="100%", id="attempts",
            ), overflow_x="auto", width="100%"),
            rx.text(rx.cond((S.status_filter != "all") | (S.search != ""), "No attempt matches these filters.",
                            "Nobody has started this quiz yet. Attempts appear here as learners take it."),
                    size="2", color_scheme="gray", id="attempts-empty"),
        ),
        spacing="3", width="100%",
    )


def _override_row(o: OverrideView) -> rx.Component:
    return rx.flex(
        rx.center(rx.icon(rx.cond(o.is_group, "users", "user"), size=15), width="30px", height="30px", border_radius="8px",
                  background=rx.color("accent", 3), color=rx.color("accent", 11), flex_shrink="0"),
        rx.vstack(
            rx.flex(rx.text(o.who, size="2", weight="medium"), rx.text(o.detail, size="1", color_scheme="gray", overflow_wrap="anywhere"),
                    align="baseline", wrap="wrap", style={"gap": "6px"}),
            rx.flex(rx.foreach(o.changes, lambda c: rx.badge(c, variant="soft", color_scheme="violet", size="1")), wrap="wrap", style={"gap": "4px"}),
            rx.cond(o.reason != "", rx.text(o.reason, size="1", color_scheme="gray", font_style="italic")),
            spacing="1", min_width="0", flex="1",
        ),
        rx.hstack(
            small_icon_button("pencil", "Change override", S.edit_override(o.id)),
            small_icon_button("trash-2", "Remove override", S.ask_delete_override(o.id)),
            spacing="1", flex_shrink="0",
        ),
        spacing="3", align="start", width="100%", padding_y="8px", border_top=f"1px solid {rx.color('gray', 4)}",
        class_name="lms-override",
    )


def _overrides() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.box(rx.heading("Overrides", size="4"),
                   rx.text("Extra attempts, extra time or other dates for one learner or a group. A learner's own override wins over their groups'.",
                           size="1", color_scheme="gray")),
            rx.button(rx.icon("plus", size=14), "Add override", variant="soft", on_click=S.new_override, id="add-override"),
            justify="between", align="end", wrap="wrap", spacing="3", width="100%",
        ),
        rx.cond(
            S.overrides.length() > 0,
            rx.vstack(rx.foreach(S.overrides, _override_row), spacing="0", width="100%", id="overrides"),
            rx.text("No overrides: everyone follows the quiz's own rules.", size="2", color_scheme="gray", id="overrides"),
        ),
        spacing="3", width="100%",
    )


def _person(p: PersonChoice) -> rx.Component:
    picked = (S.target_kind == "learner") & (S.target_id == p.id)
    return rx.button(
        rx.vstack(rx.text(p.name, size="2"), rx.text(p.email, size="1", color_scheme="gray"), spacing="0", align="start"),
        rx.spacer(), rx.cond(picked, rx.icon("check", size=14)),
        type="button", variant=rx.cond(picked, "soft", "ghost"), color_scheme=rx.cond(picked, "accent", "gray"),
        on_click=S.pick_person(p.id), width="100%", height="auto", padding_y="6px", justify="start", class_name="lms-person",
    )


def _group_item(g: GroupChoice) -> rx.Component:
    return rx.select.item(g.name, value=g.id)


def _target() -> rx.Component:
    new_target = rx.vstack(
        rx.segmented_control.root(
            rx.segmented_control.item("A learner", value="learner"),
            rx.segmented_control.item("A group", value="group"),
            value=S.target_kind, on_change=S.pick_target_kind, id="override-kind",
        ),
        rx.cond(
            S.target_kind == "learner",
            rx.vstack(
                rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Name or email of an enrolled learner", value=S.person_query,
                         on_change=S.search_people.debounce(300), width="100%", class_name="lms-person-search"),
                rx.vstack(rx.foreach(S.people, _person), spacing="1", width="100%", max_height="180px", overflow_y="auto"),
                spacing="2", width="100%",
            ),
            rx.select.root(
                rx.select.trigger(placeholder="Choose a group", width="100%", id="override-group"),
                rx.select.content(rx.foreach(S.groups, _group_item)),
                value=S.target_id, on_change=S.pick_group,
            ),
        ),
        spacing="2", width="100%",
    )
    return rx.cond(
        S.override_id == "",
        form_field("For", new_target),
        form_field("For", rx.text(S.target_label, size="3", weight="medium")),
    )


def _override_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.override_id == "", "Add override", "Change override")),
            rx.dialog.description("Empty fields keep the quiz's own rule. Times are in your time zone: " + S.tz_label + ".", size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    _target(),
                    rx.grid(
                        form_field("Extra attempts", rx.input(name="extra_attempts", default_value=S.form_attempts, type="number", min="1", max="100", width="100%", id="override-attempts")),
                        form_field("Extra minutes", rx.input(name="extra_minutes", default_value=S.form_minutes, type="number", min="1", width="100%", id="override-minutes")),
                        form_field("Opens", rx.input(name="opens_at", default_value=S.form_opens, type="datetime-local", width="100%", id="override-opens")),
                        form_field("Closes", rx.input(name="closes_at", default_value=S.form_closes, type="datetime-local", width="100%", id="override-closes")),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                    ),
                    form_field("Reason", rx.text_area(name="reason", default_value=S.form_reason, rows="2", max_length=500, width="100%", id="override-reason"),
                               "Kept in the audit trail."),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Save override", type="submit", id="save-override"),
                        justify="end", spacing="3", width="100%",
                    ),
                    spacing="3", width="100%", margin_top="8px",
                ),
                on_submit=S.save_override, key="override-" + S.form_key.to_string(), width="100%",
            ),
            max_width="min(520px, calc(100vw - 24px))",
            id="override-dialog",
        ),
        open=S.override_open, on_open_change=S.set_override_open,
    )


def _action_dialog() -> rx.Component:
    reopen = S.action == "reopen"
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(reopen, "Reopen ", "Reset "), S.action_label, "?"),
            rx.dialog.description(
                rx.cond(reopen,
                        "The attempt goes back to in progress with the answers given so far; it counts again once submitted.",
                        "The attempt and its answers are deleted, so the learner may take the quiz again. The quiz grade follows. This cannot be undone."),
                size="2", color_scheme="gray",
            ),
            rx.form(
                rx.vstack(
                    rx.cond(reopen, form_field("Minutes the learner gets", rx.input(name="minutes", type="number", min="1", default_value="30", width="140px", id="reopen-minutes"))),
                    form_field("Reason", rx.text_area(name="reason", rows="2", max_length=500, required=True, width="100%", id="action-reason"),
                               "Required: kept in the audit trail."),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button(rx.cond(reopen, "Reopen attempt", "Reset attempt"), type="submit", color_scheme=rx.cond(reopen, "accent", "red"), id="confirm-action"),
                        justify="end", spacing="3", width="100%",
                    ),
                    spacing="3", width="100%", margin_top="8px",
                ),
                on_submit=S.confirm_action, reset_on_submit=True, width="100%",
            ),
            max_width="min(480px, calc(100vw - 24px))",
            id="action-dialog",
        ),
        open=S.action_open, on_open_change=S.set_action_open,
    )


def _counts() -> rx.Component:
    return rx.grid(
        stat_card("Attempts", S.total, "list-checks", S.learners.to_string() + rx.cond(S.learners == 1, " learner", " learners")),
        stat_card("In progress", S.in_progress, "timer", "Closed at their deadline"),
        stat_card("Awaiting grading", S.awaiting, "pen-line", "Essays or files to grade"),
        stat_card("Average score", S.average, "percent", "Of the graded attempts"),
        columns=rx.breakpoints(initial="2", md="4"), gap="3", width="100%",
    )


@page("/teach/courses/[course_id]/quizzes/[lesson_id]", "Quiz attempts", permission="courses.teach", on_load=QuizAttemptsState.load)
def quiz_attempts_page() -> rx.Component:
    return rx.cond(
        S.found,
        rx.vstack(
            back_to_course_editor(S.course_ref),
            page_header(S.title, S.course_title),
            rx.flex(rx.foreach(S.rules, lambda r: rx.badge(r, variant="outline", color_scheme="gray")), wrap="wrap", style={"gap": "6px"},
                    margin_top="-12px", id="quiz-rules"),
            _counts(),
            _attempts(),
            _overrides(),
            _override_dialog(),
            _action_dialog(),
            confirm_dialog(
                rx.text.span("Remove the override for ", S.delete_name, "?"),
                "The quiz's own rules apply to them again from their next attempt.",
                rx.button("Remove", color_scheme="red", on_click=S.delete_override, id="delete-override-confirm"),
                open=S.delete_open, on_open_change=S.set_delete_open,
            ),
            spacing="5",
            width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )
