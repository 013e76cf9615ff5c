"""The question bank page: categories, their questions, GIFT files in and out."""

from __future__ import annotations

import reflex as rx

from lms_app.assessments.questions import QUESTION_TYPES, TYPE_LABELS
from lms_app.components.authoring import back_to_course_editor, small_icon_button
from lms_app.components.question_forms import question_editor_dialog
from lms_app.components.ui import WIDE_ONLY, drop_zone, empty_state, form_dialog, form_field, page_header, static_select
from lms_app.page_registry import page
from lms_app.state.question_bank import CategoryItem, QuestionBankState, QuestionItem
from lms_app.state.question_editor import QuestionEditorState

S = QuestionBankState
GIFT_UPLOAD_ID = "gift-upload"


def _category_button(c: CategoryItem) -> rx.Component:
    return rx.button(
        rx.icon(rx.cond(c.own, "user", "folder"), size=14),
        rx.text(c.label, flex="1", text_align="left", overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
        rx.badge(c.count, variant="soft", color_scheme="gray", size="1"),
        variant=rx.cond(S.category == c.id, "soft", "ghost"),
        color_scheme=rx.cond(S.category == c.id, "accent", "gray"),
        on_click=S.pick_category(c.id),
        width="100%", justify="start", class_name="lms-question-category",
    )


def _categories() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Categories", size="3"), rx.spacer(),
                      small_icon_button("folder-plus", "New category", S.set_category_open(True)), align="center", width="100%"),
            rx.vstack(rx.foreach(S.categories, _category_button), spacing="1", width="100%"),
            rx.hstack(rx.icon("user", size=12, flex_shrink="0"), rx.text("Your own bank: usable in every course you teach.", size="1"),
                      spacing="1", align="center", color=rx.color("gray", 11)),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _question_row(q: QuestionItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(q.title, weight="medium", size="2", href="#", on_click=[rx.prevent_default, QuestionEditorState.open_edit(q.id, S.category)],
                              class_name="lms-question-title")),
        rx.table.cell(rx.badge(q.type_label, variant="soft", size="1")),
        rx.table.cell(q.points, display=WIDE_ONLY),
        rx.table.cell(rx.cond(S.chosen.can_change, small_icon_button("trash-2", "Delete question", S.delete_question(q.id))), text_align="right"),
        class_name="lms-question-row",
    )


def _new_question_menu() -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(rx.button(rx.icon("plus", size=14), "New question", rx.icon("chevron-down", size=14), id="new-question")),
        rx.dropdown_menu.content(*[rx.dropdown_menu.item(TYPE_LABELS[t], on_click=QuestionEditorState.open_new(t, S.category),
                                                         class_name=f"lms-new-{t.replace('_', '-')}") for t in QUESTION_TYPES]),
    )


def _questions() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(S.chosen.label, size="4", min_width="0"),
            rx.spacer(),
            rx.hstack(
                rx.cond(S.chosen.can_change, _new_question_menu()),
                rx.cond(S.chosen.can_change, rx.button(rx.icon("upload", size=14), "Import GIFT", variant="soft", on_click=S.set_import_open(True), id="import-gift")),
                rx.button(rx.icon("download", size=14), "Export GIFT", variant="soft", color_scheme="gray", on_click=S.export_gift, id="export-gift"),
                spacing="2", wrap="wrap",
            ),
            align="center", wrap="wrap", spacing="3", width="100%",
        ),
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Find a question by its title", value=S.search,
                 on_change=S.set_search.debounce(300), width="100%", max_width="360px"),
        rx.cond(
            S.rows.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Question"), rx.table.column_header_cell("Type"),
                    rx.table.column_header_cell("Points", display=WIDE_ONLY), rx.table.column_header_cell(""),
                )),
                rx.table.body(rx.foreach(S.rows, _question_row)),
                variant="surface", width="100%", id="questions",
            ), overflow_x="auto", width="100%"),
            empty_state("list-checks", "No questions here yet", "Import a GIFT file (Moodle's question format) to fill this category."),
        ),
        rx.text(S.total, rx.cond(S.total == 1, " question", " questions"), size="1", color_scheme="gray"),
        spacing="3", width="100%", min_width="0",
    )


def _import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Import questions from GIFT"),
            rx.dialog.description(rx.text("Into “", S.chosen.label, "”. $CATEGORY lines become sub-categories. A file with errors imports nothing unless you choose to leave those questions out.",
                                          size="2", color_scheme="gray")),
            rx.vstack(
                drop_zone(GIFT_UPLOAD_ID, "file-text", "Drop a .gift file here, or click to choose one", "Plain text (UTF-8), up to 2 MB",
                          {"text/plain": [".gift", ".txt"]}, S.upload_gift(rx.upload_files(upload_id=GIFT_UPLOAD_ID))),
                rx.cond(
                    S.import_errors.length() > 0,
                    rx.callout.root(
                        rx.callout.icon(rx.icon("circle-alert", size=16)),
                        rx.vstack(
                            rx.text("Nothing was imported. Fix these lines, or import the ", S.import_readable, " readable questions without them:", size="2", weight="medium"),
                            rx.el.ul(rx.foreach(S.import_errors, lambda e: rx.el.li(rx.text(e, size="2"))),
                                     style={"margin": "0", "padding_left": "18px", "max_height": "220px", "overflow_y": "auto"}, id="gift-errors"),
                            rx.cond(S.import_readable > 0, rx.button("Import the readable questions", variant="soft", color_scheme="amber",
                                                                     on_click=S.import_readable_ones, id="import-readable")),
                            spacing="2", width="100%",
                        ),
                        color_scheme="amber", variant="surface", width="100%",
                    ),
                ),
                rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end", width="100%"),
                spacing="3", width="100%", margin_top="12px",
            ),
            max_width="min(640px, calc(100vw - 24px))",
        ),
        open=S.import_open, on_open_change=S.set_import_open,
    )


def _category_dialog() -> rx.Component:
    return form_dialog(
        "New category",
        form_field("Name", rx.input(name="name", required=True, max_length=200, width="100%", id="category-name")),
        form_field("Bank", static_select([("course", "This course's bank"), ("own", "My own bank (all my courses)")], name="bank", default_value="course")),
        submit="Create", submit_id="create-category", on_submit=S.create_category, reset_on_submit=True,
        open=S.category_open, on_open_change=S.set_category_open, max_width="440px",
    )


@page("/teach/courses/[course_id]/questions", "Question bank", permission="courses.teach", on_load=QuestionBankState.load)
def question_bank_page() -> rx.Component:
    return rx.cond(
        S.found,
        rx.vstack(
            back_to_course_editor(S.course_ref),
            page_header("Question bank", S.course_title),
            rx.cond(
                S.categories.length() > 0,
                rx.grid(
                    _categories(), _questions(),
                    grid_template_columns=["minmax(0, 1fr)", "minmax(0, 1fr)", "260px minmax(0, 1fr)"],
                    gap="24px", width="100%", align_items="start",
                ),
                empty_state("folder-plus", "No question categories yet", "Questions live in categories: create the first one.",
                            rx.button(rx.icon("folder-plus", size=14), "New category", on_click=S.set_category_open(True), id="first-category")),
            ),
            _import_dialog(),
            _category_dialog(),
            question_editor_dialog(),
            spacing="4", width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )
