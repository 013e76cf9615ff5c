"""A quiz lesson in the course player: the intro, the attempt (all questions on one page, the
save indicator, the countdown that assets/quiz.js runs from the server's deadline) and the
result. Layout only: QuizPlayerState holds what shows."""

from __future__ import annotations

import reflex as rx

from lms_app.components.question_view import question_view
from lms_app.components.ui import VISUALLY_HIDDEN, markdown
from lms_app.state.quiz_player import UPLOAD_ID, AttemptRow, Fact, QuizPlayerState, QuizQuestion, ReviewItem

Q = QuizPlayerState
CARD_LINE = f"1px solid {rx.color('gray', 5)}"


class _Question:
    """What question_view needs for one question of the attempt: its shown question, its
    answer, and the handlers bound to its position."""

    def __init__(self, question: QuizQuestion, index):
        position = question.position
        self.shown = question.shown
        self.answer = Q.answers[index]
        self.choose = lambda key: Q.choose(position, key)
        self.toggle_choice = lambda key, ticked: Q.toggle_choice(position, key, ticked)
        self.set_flag = lambda value: Q.set_flag(position, value)
        self.set_answer_text = lambda text: Q.set_answer_text(position, text)
        self.match = lambda i, key: Q.match(position, i, key)
        self.move_item = lambda i, delta: Q.move_item(position, i, delta)
        self.set_blank = lambda i, text: Q.set_blank(position, i, text)
        self.file_control = lambda: _file_control(question, index)


def _file_control(question: QuizQuestion, index) -> rx.Component:
    """A file-upload question: the file kept so far (opened through the private file route)
    and the button that opens the attempt's one file chooser for this question."""
    link = Q.file_links[index]
    return rx.vstack(
        rx.cond(
            link != "",
            rx.hstack(
                rx.icon("file-check", size=16, color=rx.color("green", 10)),
                rx.text("Your file is kept as your answer.", size="2"),
                rx.el.a("Open it", href=link, target="_blank", rel="noopener", class_name="lms-quiz-file-link",
                        style={"font_size": "14px", "color": rx.color("accent", 11)}),
                spacing="2", align="center", wrap="wrap",
            ),
        ),
        rx.hstack(
            rx.button(rx.icon("upload", size=16), rx.cond(link != "", "Replace the file", "Choose a file"), variant="soft",
                      on_click=[Q.pick_file_target(question.position),
                                rx.call_script(f"document.querySelector('#{UPLOAD_ID} input[type=file]').click()")],
                      class_name="lms-quiz-file-button"),
            rx.cond(question.shown.accepted_files != "",
                    rx.text("Accepted: ", question.shown.accepted_files, size="1", color_scheme="gray"),
                    rx.text("PDF, image, Office document or plain text", size="1", color_scheme="gray")),
            spacing="3", align="center", wrap="wrap",
        ),
        spacing="2", width="100%",
    )


# --- the intro ---------------------------------------------------------------------------------

def _fact(fact: Fact) -> rx.Component:
    return rx.hstack(
        rx.icon(fact.icon, size=16, color=rx.color("gray", 10), flex_shrink="0", margin_top="2px"),
        rx.vstack(
            rx.text(fact.label, size="1", color_scheme="gray"),
            rx.text(fact.value, size="2", weight="medium", overflow_wrap="anywhere"),
            spacing="0", min_width="0",
        ),
        spacing="2", align="start", min_width="0",
    )


def _attempt_row(row: AttemptRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.number, weight="medium", white_space="nowrap"),
                                rx.text(row.when, size="1", color_scheme="gray", white_space="nowrap"), spacing="0")),
        rx.table.cell(rx.badge(row.status, color_scheme=row.tone, variant="soft", white_space="nowrap"), vertical_align="middle"),
        rx.table.cell(rx.text(row.score, weight="medium"), align="right", vertical_align="middle"),
        rx.table.cell(rx.button("Review", size="1", variant="soft", on_click=Q.review_attempt(row.attempt_number),
                                class_name="lms-quiz-review"), align="right", vertical_align="middle"),
        class_name="lms-quiz-attempt-row",
    )


def _attempts_table() -> rx.Component:
    return rx.vstack(
        rx.heading("Your attempts", size="3", as_="h3"),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Attempt"), rx.table.column_header_cell("Status"),
                    rx.table.column_header_cell("Score", align="right"),
                    rx.table.column_header_cell(rx.text("Review", style=VISUALLY_HIDDEN)),
                )),
                rx.table.body(rx.foreach(Q.attempt_rows, _attempt_row)),
                size="1", variant="surface", width="100%",
            ),
            width="100%", overflow_x="auto",
        ),
        spacing="2", width="100%",
    )


def _intro() -> rx.Component:
    started = Q.attempt_rows.length() > 0
    return rx.vstack(
        rx.card(
            rx.grid(rx.foreach(Q.facts, _fact), columns=rx.breakpoints(initial="2", sm="3"), gap="16px", width="100%"),
            width="100%", id="quiz-facts",
        ),
        rx.cond(
            Q.grade_label != "",
            rx.hstack(
                rx.text("Your grade", size="2", color_scheme="gray"),
                rx.text(Q.grade_label, size="5", weight="bold", id="quiz-grade"),
                rx.match(Q.grade_passed,
                         ("passed", rx.badge(rx.icon("circle-check", size=14), "Passed", color_scheme="green", size="2")),
                         ("failed", rx.badge(rx.icon("circle-x", size=14), "Not passed yet", color_scheme="red", size="2")),
                         rx.fragment()),
                spacing="3", align="center", wrap="wrap",
            ),
        ),
        rx.cond(
            Q.refusal != "",
            rx.callout(Q.refusal, icon="circle-alert", color_scheme="amber", width="100%", id="quiz-refusal"),
        ),
        rx.hstack(
            rx.button(rx.icon("play", size=16), rx.cond(started, "Start a new attempt", "Start attempt"),
                      size="3", on_click=Q.start, disabled=~Q.can_start, id="quiz-start"),
            rx.cond(Q.can_start, rx.text("Your answers are saved as you go.", size="1", color_scheme="gray")),
            spacing="3", align="center", wrap="wrap",
        ),
        rx.cond(started, _attempts_table()),
        spacing="4", width="100%", id="quiz-intro",
    )


# --- the attempt -------------------------------------------------------------------------------

def _save_indicator() -> rx.Component:
    return rx.match(
        Q.save_status,
        ("saving", rx.hstack(rx.spinner(size="1"), rx.text("Saving…", size="1"), spacing="1", align="center", color=rx.color("gray", 11))),
        ("saved", rx.hstack(rx.icon("check", size=14), rx.text("Saved", size="1"), spacing="1", align="center", color=rx.color("green", 11))),
        ("failed", rx.hstack(rx.icon("circle-alert", size=14), rx.text("Not saved", size="1"), spacing="1", align="center", color=rx.color("red", 11))),
        rx.text("Answers are saved as you go", size="1", color_scheme="gray"),
    )


def _timer() -> rx.Component:
    """The countdown: assets/quiz.js writes the time left into the inner span from the
    server's deadline (corrected for the browser's clock) and clicks #quiz-time-up at zero."""
    return rx.cond(
        Q.deadline_ms > 0,
        rx.hstack(
            rx.icon("timer", size=14),
            rx.el.span(id="quiz-timer-text", style={"font_variant_numeric": "tabular-nums", "font_weight": "600"}),
            spacing="1", align="center", padding="2px 10px", border_radius="999px",
            background=rx.color("gray", 3), color=rx.color("gray", 12),
            id="quiz-timer", title="Time left. The attempt closes at " + Q.deadline_label,
            custom_attrs={"data-deadline": Q.deadline_ms, "data-server-now": Q.server_now_ms, "role": "timer", "aria-live": "off"},
        ),
    )


def _bar() -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.text("Attempt ", Q.attempt_number, weight="bold", size="2", white_space="nowrap"),
            rx.text(Q.answered_count, " of ", Q.questions.length(), " answered", size="1", color_scheme="gray", white_space="nowrap",
                    id="quiz-answered"),
            spacing="2", align="center",
        ),
        rx.hstack(
            rx.box(_save_indicator(), id="quiz-save-status"),
            _timer(),
            rx.button("Submit", size="2", on_click=Q.set_submit_open(True), id="quiz-submit-top"),
            spacing="3", align="center", wrap="wrap", justify="end",
        ),
        justify="between", align="center", gap="8px", wrap="wrap", width="100%",
        position="sticky", top="64px", z_index="5", padding="10px 14px",
        background=rx.color("gray", 2), border=CARD_LINE, border_radius="10px",
        id="quiz-bar",
    )


def _question(question: QuizQuestion, index) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("Question ", question.number, weight="bold", size="2", color=rx.color("accent", 11)),
                rx.cond(Q.answered[index], rx.fragment(),
                        rx.badge("Not answered", variant="outline", color_scheme="gray", size="1")),
                spacing="2", align="center",
            ),
            question_view(_Question(question, index)),
            spacing="3", width="100%",
        ),
        width="100%", class_name="lms-quiz-question",
        custom_attrs={"data-position": question.position, "data-type": question.shown.type},
    )


def _submit_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Submit your answers?"),
            rx.alert_dialog.description(
                rx.cond(
                    Q.unanswered > 0,
                    rx.text(rx.text.strong(Q.unanswered, rx.cond(Q.unanswered == 1, " question is", " questions are"), " not answered. "),
                            "Once submitted, your answers can no longer change."),
                    rx.text("All questions are answered. Once submitted, your answers can no longer change."),
                ),
                id="quiz-submit-summary",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Keep working", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Submit", on_click=Q.submit, id="quiz-submit-confirm")),
                gap="3", justify="end", margin_top="16px", wrap="wrap",
            ),
            max_width="440px",
        ),
        open=Q.submit_open, on_open_change=Q.set_submit_open,
    )


def _attempt() -> rx.Component:
    return rx.vstack(
        _bar(),
        rx.foreach(Q.questions, _question),
        rx.hstack(
            rx.button(rx.icon("send", size=16), "Submit answers", size="3", on_click=Q.set_submit_open(True), id="quiz-submit"),
            _save_indicator(),
            spacing="3", align="center", wrap="wrap",
        ),
        _submit_dialog(),
        # The one file chooser of the attempt (a file-upload question says which it is for):
        # the file goes to the state's handler and private storage, never to public uploads.
        rx.upload.root(rx.box(), id=UPLOAD_ID, max_files=1, multiple=False, on_drop=Q.upload_file(rx.upload_files(upload_id=UPLOAD_ID)),
                       style={"display": "none"}),
        rx.el.button(id="quiz-time-up", on_click=Q.time_up, tab_index=-1, type="button", style={"display": "none"}, aria_hidden="true"),
        spacing="4", width="100%", id="quiz-attempt",
    )


# --- the result --------------------------------------------------------------------------------

_VERDICTS = {
    "right": ("circle-check", "green", "Right"),
    "partial": ("circle-dot", "amber", "Partly right"),
    "wrong": ("circle-x", "red", "Wrong"),
    "waiting": ("hourglass", "amber", "Awaiting grading"),
}


def _verdict(verdict) -> rx.Component:
    return rx.match(
        verdict,
        *[(key, rx.badge(rx.icon(icon, size=12), label, color_scheme=tone, variant="soft")) for key, (icon, tone, label) in _VERDICTS.items()],
        rx.fragment(),
    )


def _review_item(item: ReviewItem) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.hstack(rx.text("Question ", item.number, weight="bold", size="2", color=rx.color("accent", 11)), _verdict(item.verdict),
                          spacing="2", align="center"),
                rx.badge(item.points, variant="soft", color_scheme="gray"),
                justify="between", align="center", gap="8px", width="100%", wrap="wrap",
            ),
            rx.box(markdown(item.text), width="100%", overflow_wrap="anywhere",
                   style={"& > *:first-child": {"margin_top": "0"}, "& > *:last-child": {"margin_bottom": "0"}}),
            rx.vstack(
                rx.text(rx.text.span("Your answer: ", weight="medium"), rx.cond(item.your_answer != "", item.your_answer, "No answer"),
                        size="2", overflow_wrap="anywhere", white_space="pre-wrap", class_name="lms-your-answer"),
                rx.cond(item.correct_answer != "",
                        rx.text(rx.text.span("Correct answer: ", weight="medium"), item.correct_answer, size="2", color=rx.color("green", 11),
                                overflow_wrap="anywhere", class_name="lms-correct-answer")),
                spacing="1", width="100%",
            ),
            rx.cond(item.file_href != "", rx.el.a("Open your file", href=item.file_href, target="_blank", rel="noopener",
                                                  style={"font_size": "14px", "color": rx.color("accent", 11)})),
            rx.cond(
                item.feedback.length() > 0,
                rx.box(rx.foreach(item.feedback, lambda f: rx.box(markdown(f), style={"& p": {"margin": "0"}})),
                       padding="8px 12px", border_left=f"3px solid {rx.color('accent', 7)}", background=rx.color("accent", 2),
                       border_radius="4px", width="100%", class_name="lms-feedback"),
            ),
            spacing="3", width="100%",
        ),
        width="100%", class_name="lms-review-item",
    )


def _summary() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text("Attempt ", Q.attempt_number, size="2", color_scheme="gray"),
            rx.cond(
                Q.result_status == "awaiting_grading",
                rx.vstack(
                    rx.hstack(rx.icon("hourglass", size=20, color=rx.color("amber", 10)),
                              rx.heading("Awaiting grading", size="5", as_="h3", id="quiz-result-status"), spacing="2", align="center"),
                    rx.text("Some answers are graded by a person. Your score shows here once they are graded.", size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.cond(
                    Q.result_percent != "",
                    rx.flex(
                        rx.heading(Q.result_percent, size="8", as_="h3", id="quiz-result-percent"),
                        rx.vstack(
                            rx.text(Q.result_score, size="2", id="quiz-result-score"),
                            rx.match(Q.result_passed,
                                     ("passed", rx.badge(rx.icon("circle-check", size=14), "Passed", color_scheme="green", size="2")),
                                     ("failed", rx.badge(rx.icon("circle-x", size=14), "Not passed", color_scheme="red", size="2")),
                                     rx.fragment()),
                            spacing="1",
                        ),
                        gap="16px", align="center", wrap="wrap",
                    ),
                    rx.hstack(rx.icon("circle-check", size=20, color=rx.color("green", 10)),
                              rx.heading("Submitted", size="5", as_="h3", id="quiz-result-status"), spacing="2", align="center"),
                ),
            ),
            spacing="2", width="100%",
        ),
        width="100%", id="quiz-result-summary",
    )


def _result() -> rx.Component:
    return rx.vstack(
        rx.cond(Q.result_note != "", rx.callout(Q.result_note, icon="timer-off", color_scheme="amber", width="100%", id="quiz-result-note")),
        _summary(),
        rx.foreach(Q.review, _review_item),
        rx.button(rx.icon("arrow-left", size=16), "Back to the quiz", variant="soft", on_click=Q.back_to_intro, id="quiz-back"),
        spacing="4", width="100%", id="quiz-result",
    )


def quiz_view() -> rx.Component:
    """The quiz lesson's body in the player (QuizPlayerState.load is sent by PlayerState.load)."""
    return rx.box(
        rx.match(
            Q.view,
            ("intro", _intro()),
            ("attempt", _attempt()),
            ("result", _result()),
            ("refused", rx.callout(Q.message, icon="lock", color_scheme="amber", width="100%")),
            rx.center(rx.spinner(size="3"), padding="32px", width="100%"),
        ),
        width="100%", id="quiz-player", custom_attrs={"data-view": Q.view},
    )
