"""The question editor dialog of the bank page: the fields every question has, a form per
question type, and a preview of the question as a learner sees it."""

from __future__ import annotations

import reflex as rx

from lms_app.components.question_view import question_view
from lms_app.components.ui import form_field, markdown, static_select
from lms_app.state.question_editor import PARTIAL_CREDIT_LABELS, QuestionEditorState

E = QuestionEditorState


def _input(value, on_change, placeholder: str = "", class_name: str = "", **props) -> rx.Component:
    return rx.input(value=value, on_change=on_change, placeholder=placeholder, class_name=class_name, **props)


def _percent(value, on_change, class_name: str) -> rx.Component:
    return rx.input(rx.input.slot("%", side="right"), value=value, on_change=on_change, class_name=class_name,
                    width="92px", flex_shrink="0", input_mode="decimal", aria_label="Share of the points")


def _remove(list_name: str, i) -> rx.Component:
    return rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray", on_click=E.remove_row(list_name, i),
                          aria_label="Remove", type="button", flex_shrink="0")


def _add(list_name: str, label: str, id: str | None = None) -> rx.Component:
    return rx.button(rx.icon("plus", size=14), label, size="1", variant="soft", type="button", on_click=E.add_row(list_name), id=id)


def _row_box(*children) -> rx.Component:
    return rx.vstack(*children, spacing="2", width="100%", padding="10px", border=f"1px solid {rx.color('gray', 5)}", border_radius="8px")


def _switch(label: str, checked, field: str) -> rx.Component:
    return rx.text(rx.flex(rx.switch(checked=checked, on_change=lambda v: E.set_field(field, v)), label, spacing="2", align="center"),
                   as_="label", size="2")


def _section(title: str, hint: str, *children) -> rx.Component:
    return rx.vstack(
        rx.box(rx.text(title, size="2", weight="bold"), rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment()),
        *children, spacing="2", width="100%",
    )


# --- the forms per type --------------------------------------------------------------------

def _choices_form(multiple: bool) -> rx.Component:
    hint = ("The right choices' shares add up to 100%; a wrong one may take points off (e.g. -50%)." if multiple
            else "The right choice is worth 100%; a partly right one less.")
    return _section(
        "Choices", hint,
        rx.foreach(E.choices, lambda c, i: _row_box(
            rx.hstack(
                _input(c.text, lambda v: E.set_row("choices", i, "text", v), "Choice " + (i + 1).to_string(), "lms-choice-text", flex="1", min_width="0"),
                _percent(c.fraction, lambda v: E.set_row("choices", i, "fraction", v), "lms-choice-fraction"),
                _remove("choices", i), spacing="2", align="center", width="100%",
            ),
            _input(c.feedback, lambda v: E.set_row("choices", i, "feedback", v), "Feedback when chosen (optional)", "lms-choice-feedback",
                   width="100%", size="1"),
        )),
        rx.hstack(_add("choices", "Add a choice", "add-choice"), rx.spacer(), _switch("Shuffle the choices", E.shuffle_choices, "shuffle_choices"),
                  width="100%", align="center", wrap="wrap"),
        form_field("Partial credit", static_select(list(PARTIAL_CREDIT_LABELS.items()), id="partial-credit", value=E.partial_credit,
                                                   on_change=lambda v: E.set_field("partial_credit", v))) if multiple else rx.fragment(),
    )


def _true_false_form() -> rx.Component:
    return _section(
        "The right answer", "",
        rx.segmented_control.root(
            rx.segmented_control.item("True", value="true"), rx.segmented_control.item("False", value="false"),
            value=E.correct, on_change=lambda v: E.set_field("correct", v),
        ),
        form_field("Feedback to who answers “true”", _input(E.feedback_true, lambda v: E.set_field("feedback_true", v), width="100%")),
        form_field("Feedback to who answers “false”", _input(E.feedback_false, lambda v: E.set_field("feedback_false", v), width="100%")),
    )


def _short_answer_form() -> rx.Component:
    return _section(
        "Accepted answers", "A star (*) matches anything, e.g. “*Paris*”. Spaces are ignored at the ends.",
        rx.foreach(E.answers, lambda a, i: _row_box(
            rx.hstack(
                _input(a.text, lambda v: E.set_row("answers", i, "text", v), "Accepted answer", "lms-answer-text", flex="1", min_width="0"),
                _percent(a.fraction, lambda v: E.set_row("answers", i, "fraction", v), "lms-answer-fraction"),
                _remove("answers", i), spacing="2", align="center", width="100%",
            ),
            _input(a.feedback, lambda v: E.set_row("answers", i, "feedback", v), "Feedback for this answer (optional)", width="100%", size="1"),
        )),
        rx.hstack(_add("answers", "Add an answer"), rx.spacer(), _switch("Case sensitive", E.case_sensitive, "case_sensitive"),
                  width="100%", align="center", wrap="wrap"),
    )


def _numeric_form() -> rx.Component:
    return rx.vstack(
        _section(
            "Accepted numbers", "Right when within the tolerance (±) of the number.",
            rx.foreach(E.numeric_answers, lambda a, i: _row_box(
                rx.flex(
                    _input(a.value, lambda v: E.set_row("numeric_answers", i, "value", v), "Number", "lms-numeric-value", flex="1", min_width="80px"),
                    rx.input(rx.input.slot("±"), value=a.tolerance, on_change=lambda v: E.set_row("numeric_answers", i, "tolerance", v),
                             width="110px", aria_label="Tolerance"),
                    _percent(a.fraction, lambda v: E.set_row("numeric_answers", i, "fraction", v), "lms-numeric-fraction"),
                    _remove("numeric_answers", i), gap="8px", align="center", wrap="wrap", width="100%",
                ),
                _input(a.feedback, lambda v: E.set_row("numeric_answers", i, "feedback", v), "Feedback for this answer (optional)", width="100%", size="1"),
            )),
            _add("numeric_answers", "Add a number"),
        ),
        _section(
            "Units", "Optional. A unit's number is multiplied by its multiplier (e.g. cm 1, m 100).",
            rx.foreach(E.units, lambda u, i: rx.hstack(
                _input(u.name, lambda v: E.set_row("units", i, "name", v), "Unit", flex="1", min_width="0"),
                rx.input(rx.input.slot("×"), value=u.multiplier, on_change=lambda v: E.set_row("units", i, "multiplier", v), width="120px",
                         aria_label="Multiplier"),
                _remove("units", i), spacing="2", align="center", width="100%",
            )),
            rx.hstack(_add("units", "Add a unit"), rx.spacer(), _switch("A unit is required", E.unit_required, "unit_required"),
                      width="100%", align="center", wrap="wrap"),
        ),
        spacing="4", width="100%",
    )


def _matching_form() -> rx.Component:
    return _section(
        "Pairs", "Learners pick each prompt's answer from all the answers.",
        rx.foreach(E.pairs, lambda p, i: rx.flex(
            _input(p.prompt, lambda v: E.set_row("pairs", i, "prompt", v), "Prompt", "lms-pair-prompt", flex="1", min_width="140px"),
            rx.icon("arrow-right", size=14, color=rx.color("gray", 9), flex_shrink="0"),
            _input(p.answer, lambda v: E.set_row("pairs", i, "answer", v), "Answer", "lms-pair-answer", flex="1", min_width="140px"),
            _remove("pairs", i), gap="8px", align="center", wrap="wrap", width="100%",
        )),
        _add("pairs", "Add a pair"),
    )


def _ordering_form() -> rx.Component:
    last = E.items.length() - 1
    return _section(
        "Items, in their right order", "Learners see them shuffled.",
        rx.foreach(E.items, lambda item, i: rx.hstack(
            rx.badge(i + 1, variant="soft"),
            _input(item, lambda v: E.set_row("items", i, "text", v), "Item", "lms-order-text", flex="1", min_width="0"),
            rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="ghost", color_scheme="gray", disabled=i == 0,
                           on_click=E.move_row("items", i, -1), aria_label="Move up", type="button"),
            rx.icon_button(rx.icon("arrow-down", size=14), size="1", variant="ghost", color_scheme="gray", disabled=i == last,
                           on_click=E.move_row("items", i, 1), aria_label="Move down", type="button"),
            _remove("items", i), spacing="2", align="center", width="100%",
        )),
        _add("items", "Add an item"),
    )


def _fill_blanks_form() -> rx.Component:
    return _section(
        "Blanks", "Put [[1]], [[2]], … in the text where each blank goes. Separate accepted answers with |, e.g. “Paris | paris city”.",
        rx.foreach(E.blanks, lambda b, i: rx.hstack(
            rx.badge("[[", i + 1, "]]", variant="soft", flex_shrink="0"),
            _input(b, lambda v: E.set_row("blanks", i, "answers", v), "Accepted answers", "lms-blank-answers", flex="1", min_width="0"),
            _remove("blanks", i), spacing="2", align="center", width="100%",
        )),
        rx.hstack(_add("blanks", "Add a blank"), rx.spacer(), _switch("Case sensitive", E.case_sensitive, "case_sensitive"),
                  width="100%", align="center", wrap="wrap"),
    )


def _type_form() -> rx.Component:
    return rx.match(
        E.kind,
        ("single", _choices_form(False)),
        ("multiple", _choices_form(True)),
        ("true_false", _true_false_form()),
        ("short_answer", _short_answer_form()),
        ("numeric", _numeric_form()),
        ("matching", _matching_form()),
        ("ordering", _ordering_form()),
        ("fill_blanks", _fill_blanks_form()),
        ("essay", form_field("Answer template (optional)", rx.text_area(value=E.answer_template, on_change=lambda v: E.set_field("answer_template", v),
                                                                         rows="4", width="100%"), "Learners start from this text.")),
        ("file_upload", form_field("Accepted file types", _input(E.accepted_files, lambda v: E.set_field("accepted_files", v), ".pdf, .docx", width="100%"),
                                   "Leave empty to accept any document.")),
        rx.fragment(),
    )


def _common_fields() -> rx.Component:
    return rx.vstack(
        form_field("Title", _input(E.title, lambda v: E.set_field("title", v), "A short name for the bank", id="question-title", width="100%",
                                   max_length=200), "Learners don't see it."),
        rx.grid(
            form_field("Question text", rx.text_area(value=E.text, on_change=lambda v: E.set_field("text", v), rows="6", width="100%",
                                                     id="question-text", placeholder="What learners read. Markdown works: **bold**, lists, links.")),
            rx.vstack(
                rx.text("How it reads", size="2", weight="medium"),
                rx.box(rx.cond(E.text != "", markdown(E.text), rx.text("The text shows here as you type.", size="2", color_scheme="gray")),
                       width="100%", min_height="134px", max_height="220px", overflow_y="auto", padding="8px 12px",
                       border=f"1px dashed {rx.color('gray', 6)}", border_radius="8px", class_name="lms-question-text-preview"),
                spacing="1", width="100%", min_width="0",
            ),
            columns=rx.breakpoints(initial="1", sm="2"), gap="12px", width="100%",
        ),
        rx.grid(
            form_field("Points", _input(E.points, lambda v: E.set_field("points", v), id="question-points", width="100%", input_mode="decimal")),
            form_field("Tags", _input(E.tags, lambda v: E.set_field("tags", v), "e.g. geography, europe", id="question-tags", width="100%"),
                       "Separated by commas."),
            columns="1fr 3fr", gap="12px", width="100%",
        ),
        form_field("General feedback (optional)", rx.text_area(value=E.general_feedback, on_change=lambda v: E.set_field("general_feedback", v),
                                                               rows="2", width="100%"), "Shown after answering, whatever the answer."),
        spacing="3", width="100%",
    )


def _preview() -> rx.Component:
    return rx.vstack(
        rx.cond(E.preview_problem != "", rx.callout(E.preview_problem, icon="triangle-alert", color_scheme="amber", size="1", width="100%")),
        rx.card(question_view(E), width="100%"),
        rx.hstack(rx.button(rx.icon("circle-check", size=14), "Check answer", on_click=E.check_answer, id="check-answer", type="button"),
                  rx.text("Nothing is recorded: this is how a learner sees the question.", size="1", color_scheme="gray"),
                  align="center", spacing="3", wrap="wrap"),
        rx.cond(
            E.checked,
            rx.callout.root(
                rx.vstack(
                    rx.hstack(rx.text(E.result_label, weight="bold", size="2"), rx.cond(E.result_score != "", rx.text(E.result_score, size="2")),
                              spacing="2", align="center", wrap="wrap"),
                    rx.foreach(E.result_feedback, lambda f: rx.box(markdown(f), width="100%", style={"& p": {"margin": "0"}})),
                    spacing="1", width="100%",
                ),
                color_scheme=E.result_tone, variant="surface", width="100%", id="check-result",
            ),
        ),
        spacing="3", width="100%", padding_top="12px",
    )


def question_editor_dialog() -> rx.Component:
    return rx.fragment(_question_editor_dialog(), _regrade_dialog())


def _regrade_dialog() -> rx.Component:
    """After saving a question that submitted attempts used: re-score them with it (grading)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Regrade attempts?"),
            rx.alert_dialog.description(
                "This question was answered in ", E.regrade_count, rx.cond(E.regrade_count == 1, " submitted attempt", " submitted attempts"),
                ". Attempts keep the question as it was given unless you regrade them: regrading scores every answer again with the "
                "question as saved now (answers graded by hand keep their grade).", size="2",
            ),
            rx.cond(E.regrade_summary != "", rx.callout(E.regrade_summary, icon="circle-check", color_scheme="green", variant="surface",
                                                        size="1", width="100%", margin_top="12px", id="regrade-summary")),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(rx.cond(E.regrade_summary != "", "Close", "Not now"), variant="soft", color_scheme="gray")),
                rx.cond(E.regrade_summary == "", rx.button(rx.icon("refresh-cw", size=14), "Regrade attempts", on_click=E.regrade, id="regrade-attempts")),
                justify="end", spacing="3", margin_top="16px",
            ),
            max_width="480px",
        ),
        open=E.regrade_open, on_open_change=E.set_regrade_open,
    )


def _question_editor_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(rx.cond(E.question_id != "", "Edit question", "New question"), margin="0"),
                rx.badge(E.kind_label, variant="soft", size="2"),
                align="center", spacing="3", wrap="wrap",
            ),
            rx.tabs.root(
                rx.tabs.list(rx.tabs.trigger("Edit", value="edit", id="editor-tab-edit"), rx.tabs.trigger("Preview", value="preview", id="editor-tab-preview")),
                rx.tabs.content(rx.vstack(_common_fields(), rx.separator(size="4"), _type_form(), spacing="4", width="100%", padding_top="12px"),
                                value="edit"),
                rx.tabs.content(_preview(), value="preview"),
                value=E.tab, on_change=E.set_tab, width="100%", margin_top="12px",
            ),
            rx.cond(E.error != "", rx.callout(E.error, icon="circle-alert", color_scheme="red", size="1", width="100%", margin_top="12px",
                                              id="question-error")),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                rx.button("Save question", on_click=E.save, id="save-question", type="button"),
                justify="end", spacing="3", width="100%", margin_top="16px",
            ),
            max_width="min(820px, calc(100vw - 24px))", width="100%", padding=rx.breakpoints(initial="16px", sm="24px"),
            class_name="lms-question-editor",
        ),
        open=E.editor_open, on_open_change=E.set_editor_open,
    )
