"""One question as a learner sees it and answers it, for every question type.

Fed by a state that has `shown` (lms_app.assessments.shown.ShownQuestion), `answer`
(ShownAnswer) and the handlers `choose(key)`, `toggle_choice(key, ticked)`, `set_flag(value)`,
`set_answer_text(text)`, `match(index, key)`, `move_item(index, delta)` and
`set_blank(index, text)`: the question editor's preview and the quiz player (which adds
`file_control()`, its file-upload control).
"""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import markdown


def _choice_label(control: rx.Component, text) -> rx.Component:
    return rx.el.label(
        rx.hstack(control, rx.box(markdown(text), class_name="lms-question-option-text", flex="1", min_width="0",
                         style={"& p": {"margin": "0"}, "& > *:first-child": {"margin_top": "0"}, "& > *:last-child": {"margin_bottom": "0"}}),
                  spacing="3", align="start", width="100%"),
        class_name="lms-question-option",
        style={"display": "block", "width": "100%", "cursor": "pointer", "padding": "10px 12px",
               "border": f"1px solid {rx.color('gray', 6)}", "border_radius": "8px"},
    )


def _single(S) -> rx.Component:
    return rx.radio_group.root(
        rx.vstack(
            rx.foreach(S.shown.options, lambda o: _choice_label(rx.radio_group.item(value=o.key, margin_top="3px"), o.text)),
            spacing="2", width="100%",
        ),
        value=S.answer.choice, on_change=S.choose, width="100%",
    )


def _multiple(S) -> rx.Component:
    return rx.vstack(
        rx.text("Choose all that apply.", size="1", color_scheme="gray"),
        rx.foreach(S.shown.options, lambda o: _choice_label(
            rx.checkbox(checked=S.answer.choices.contains(o.key), on_change=lambda v: S.toggle_choice(o.key, v), margin_top="3px"), o.text)),
        spacing="2", width="100%",
    )


def _true_false(S) -> rx.Component:
    return rx.radio_group.root(
        rx.hstack(
            _choice_label(rx.radio_group.item(value="true", margin_top="3px"), "True"),
            _choice_label(rx.radio_group.item(value="false", margin_top="3px"), "False"),
            spacing="2", width="100%",
        ),
        value=S.answer.flag, on_change=S.set_flag, width="100%",
    )


def _typed(S, placeholder: str) -> rx.Component:
    return rx.input(value=S.answer.text, on_change=S.set_answer_text, placeholder=placeholder, width="100%", max_width="420px",
                    class_name="lms-answer-input")


def _matching(S) -> rx.Component:
    return rx.vstack(
        rx.foreach(S.shown.prompts, lambda prompt, i: rx.flex(
            rx.box(markdown(prompt), flex="1", min_width="0"),
            rx.select.root(
                rx.select.trigger(placeholder="Choose…", width="100%"),
                rx.select.content(rx.foreach(S.shown.options, lambda o: rx.select.item(o.text, value=o.key))),
                value=S.answer.matches[i], on_change=lambda v: S.match(i, v),
            ),
            direction=rx.breakpoints(initial="column", sm="row"), gap="8px", align=rx.breakpoints(initial="stretch", sm="center"),
            width="100%", padding="8px 0", border_bottom=f"1px solid {rx.color('gray', 4)}",
        )),
        spacing="1", width="100%",
    )


def _ordering(S) -> rx.Component:
    last = S.answer.order.length() - 1
    return rx.vstack(
        rx.text("Put these in order with the arrows.", size="1", color_scheme="gray"),
        rx.foreach(S.answer.order, lambda item, i: rx.hstack(
            rx.badge(i + 1, variant="soft", size="2"),
            rx.text(item.text, flex="1", min_width="0", size="2"),
            rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="soft", color_scheme="gray", disabled=i == 0,
                           on_click=S.move_item(i, -1), aria_label="Move up"),
            rx.icon_button(rx.icon("arrow-down", size=14), size="1", variant="soft", color_scheme="gray", disabled=i == last,
                           on_click=S.move_item(i, 1), aria_label="Move down"),
            align="center", spacing="2", width="100%", padding="8px 12px", border=f"1px solid {rx.color('gray', 6)}", border_radius="8px",
            class_name="lms-order-item",
        )),
        spacing="2", width="100%",
    )


def _fill_blanks(S) -> rx.Component:
    return rx.vstack(
        rx.foreach(S.shown.blanks, lambda label, i: rx.hstack(
            rx.text(label, weight="bold", size="2", min_width="32px"),
            rx.input(value=S.answer.blanks[i], on_change=lambda v: S.set_blank(i, v), width="100%", max_width="320px", class_name="lms-blank-input"),
            align="center", spacing="2", width="100%",
        )),
        spacing="2", width="100%",
    )


def _file_upload(S) -> rx.Component:
    # The quiz player brings its own control (the file goes to private storage); the preview
    # only says where it goes.
    if hasattr(S, "file_control"):
        return S.file_control()
    return rx.callout.root(
        rx.callout.icon(rx.icon("upload", size=16)),
        rx.callout.text("Learners upload a file here.",
                        rx.cond(S.shown.accepted_files != "", rx.text.span(" Accepted: ", S.shown.accepted_files), rx.fragment())),
        color_scheme="gray", variant="surface", width="100%",
    )


def question_view(S) -> rx.Component:
    """The question's text and the controls to answer it, for state `S` (see module doc)."""
    kind = S.shown.type
    return rx.vstack(
        rx.flex(
            rx.box(markdown(S.shown.text), flex="1", min_width="0", class_name="lms-question-text",
                   style={"& > *:first-child": {"margin_top": "0"}, "& > *:last-child": {"margin_bottom": "0"}}),
            rx.badge(S.shown.points_label, variant="soft", color_scheme="gray", flex_shrink="0"),
            gap="12px", align="start", width="100%",
        ),
        rx.match(
            kind,
            ("single", _single(S)),
            ("multiple", _multiple(S)),
            ("true_false", _true_false(S)),
            ("short_answer", _typed(S, "Your answer")),
            ("numeric", _typed(S, "A number, e.g. 12.5")),
            ("matching", _matching(S)),
            ("ordering", _ordering(S)),
            ("fill_blanks", _fill_blanks(S)),
            ("essay", rx.text_area(value=S.answer.text, on_change=S.set_answer_text, rows="8", width="100%", placeholder="Write your answer")),
            ("file_upload", _file_upload(S)),
            rx.fragment(),
        ),
        spacing="3", width="100%", class_name="lms-question-view",
    )
