"""The rubrics page: a course's grading rubrics (criteria × levels with points) and their editor."""

from __future__ import annotations

import reflex as rx

from lms_app.components.authoring import back_to_course_editor, small_icon_button
from lms_app.components.ui import confirm_dialog, empty_state, page_header
from lms_app.page_registry import page
from lms_app.state.rubrics import CriterionEdit, LevelEdit, RubricCard, RubricsState

S = RubricsState


def _card(r: RubricCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("table-properties", size=18, color=rx.color("accent", 10), flex_shrink="0"),
                rx.link(r.title, href="#", on_click=[rx.prevent_default, S.open_edit(r.id)], weight="bold", size="3",
                        class_name="lms-rubric-title", min_width="0"),
                rx.spacer(),
                small_icon_button("pencil", "Edit rubric", S.open_edit(r.id)),
                small_icon_button("trash-2", "Delete rubric", S.ask_delete(r.id, r.title)),
                align="center", width="100%", spacing="2",
            ),
            rx.text(r.summary, size="2", color_scheme="gray"),
            rx.hstack(rx.foreach(r.criteria, lambda c: rx.badge(c, variant="soft", color_scheme="gray")), wrap="wrap", spacing="1"),
            spacing="2", width="100%",
        ),
        width="100%", class_name="lms-rubric-card",
    )


def _level(ci, lv: LevelEdit, li) -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.input(value=lv.label, on_change=lambda v: S.set_level(ci, li, "label", v), placeholder="Level name",
                         size="1", flex="1", min_width="0", class_name="lms-level-label", aria_label="Level name"),
                rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", color_scheme="gray", type="button",
                               on_click=S.remove_level(ci, li), aria_label="Remove level"),
                spacing="1", width="100%", align="center",
            ),
            rx.input(rx.input.slot("pts", side="right"), value=lv.points, on_change=lambda v: S.set_level(ci, li, "points", v),
                     size="1", input_mode="decimal", width="100%", class_name="lms-level-points", aria_label="Points"),
            rx.text_area(value=lv.description, on_change=lambda v: S.set_level(ci, li, "description", v), placeholder="What this level looks like",
                         size="1", rows="2", width="100%", resize="vertical", aria_label="Description"),
            spacing="1", width="100%",
        ),
        padding="8px", border_radius="8px", border=f"1px solid {rx.color('gray', 5)}", background=rx.color("gray", 2),
        min_width="150px", flex="1 1 150px",
    )


def _criterion(c: CriterionEdit, ci) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(ci + 1, variant="solid", radius="full"),
                rx.input(value=c.name, on_change=lambda v: S.set_criterion_name(ci, v), placeholder="Criterion, e.g. Clarity",
                         flex="1", min_width="0", class_name="lms-criterion-name", aria_label="Criterion name"),
                small_icon_button("trash-2", "Remove criterion", S.remove_criterion(ci)),
                align="center", width="100%", spacing="2",
            ),
            rx.flex(
                rx.foreach(c.levels, lambda lv, li: _level(ci, lv, li)),
                rx.button(rx.icon("plus", size=14), "Level", size="1", variant="soft", color_scheme="gray", type="button",
                          on_click=S.add_level(ci), align_self="center", class_name="lms-add-level"),
                gap="8px", wrap="wrap", width="100%",
            ),
            spacing="3", width="100%",
        ),
        width="100%", variant="surface", class_name="lms-criterion",
    )


def _editor() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.rubric_id != "", "Edit rubric", "New rubric")),
            rx.dialog.description("Graders pick one level per criterion; the points picked, as a share of the best levels, give the score.",
                                  size="2", color_scheme="gray"),
            rx.vstack(
                rx.input(value=S.title, on_change=S.set_title, placeholder="Rubric title, e.g. Essay rubric", width="100%", size="3",
                         id="rubric-title", aria_label="Rubric title"),
                rx.foreach(S.criteria, _criterion),
                rx.button(rx.icon("plus", size=14), "Add a criterion", variant="soft", type="button", on_click=S.add_criterion, id="add-criterion"),
                rx.cond(S.error != "", rx.callout(S.error, icon="circle-alert", color_scheme="red", variant="surface", width="100%", id="rubric-error")),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                    rx.button("Save rubric", on_click=S.save, id="save-rubric"),
                    justify="end", spacing="3", width="100%",
                ),
                spacing="3", width="100%", margin_top="12px",
            ),
            max_width="min(860px, calc(100vw - 24px))",
        ),
        open=S.editor_open, on_open_change=S.set_editor_open,
    )


@page("/teach/courses/[course_id]/rubrics", "Rubrics", permission="courses.teach", on_load=RubricsState.load)
def rubrics_page() -> rx.Component:
    return rx.cond(
        S.found,
        rx.vstack(
            back_to_course_editor(S.course_ref),
            page_header("Rubrics", S.course_title,
                        rx.button(rx.icon("plus", size=14), "New rubric", on_click=S.open_new, id="new-rubric")),
            rx.cond(
                S.cards.length() > 0,
                rx.grid(rx.foreach(S.cards, _card), columns=rx.breakpoints(initial="1", md="2"), gap="16px", width="100%"),
                empty_state("table-properties", "No rubrics yet",
                            "A rubric grades essays and assignments by criteria (clarity, evidence, …), each with levels worth points.",
                            rx.button(rx.icon("plus", size=14), "New rubric", on_click=S.open_new, id="first-rubric")),
            ),
            _editor(),
            confirm_dialog(rx.text.span("Delete “", S.delete_title, "”?"),
                           "Grades already given with it keep their points.",
                           rx.button("Delete", color_scheme="red", on_click=S.delete, id="confirm-delete-rubric"),
                           S.delete_open, S.set_delete_open),
            spacing="4", width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )
