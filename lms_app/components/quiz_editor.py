"""The quiz settings editor shown in the course editor's lesson dialog for a quiz lesson: the
questions in order (fixed ones from the banks, random draws), then timing, attempts, grading,
availability and review. Layout only: QuizEditorState holds the draft and saves it."""

from __future__ import annotations

import reflex as rx

from lms_app.components.authoring import small_icon_button
from lms_app.components.ui import form_field, static_select
from lms_app.state.authoring import CourseEditorState
from lms_app.state.quiz_editor import ALL, BankItem, CategoryChoice, QuizEditorState, QuizItemView

S = QuizEditorState
GRADING = [("highest", "Highest attempt"), ("last", "Last attempt"), ("average", "Average of the attempts")]
REVIEW = [("never", "Never"), ("after_attempt", "After each attempt"), ("after_close", "After the quiz closes")]


def _item_row(item: QuizItemView) -> rx.Component:
    ro = ~S.can_edit
    draw = rx.flex(
        rx.text("Draw", size="2"),
        rx.input(value=item.count, type="number", min="1", max="200", width="72px", size="1", read_only=ro,
                 on_change=lambda v: S.set_item_count(item.index, v), aria_label="Questions drawn",
                 class_name="lms-draw-count"),
        rx.text("of ", item.available, " from", size="2", color_scheme="gray"),
        rx.text(item.category, size="2", weight="medium", overflow_wrap="anywhere"),
        align="center", wrap="wrap", style={"gap": "6px"},
    )
    question = rx.vstack(
        rx.text(item.label, size="2", weight="medium", overflow_wrap="anywhere"),
        rx.flex(
            rx.badge(item.type_label, variant="soft", size="1"),
            rx.text(item.category, size="1", color_scheme="gray", overflow_wrap="anywhere"),
            align="center", wrap="wrap", style={"gap": "6px"},
        ),
        spacing="1", min_width="0",
    )
    return rx.flex(
        rx.center(rx.icon(rx.cond(item.kind == "draw", "shuffle", "circle-help"), size=15), width="28px", height="28px", border_radius="8px",
                  background=rx.color(rx.cond(item.kind == "draw", "violet", "accent"), 3),
                  color=rx.color(rx.cond(item.kind == "draw", "violet", "accent"), 11), flex_shrink="0"),
        rx.vstack(
            rx.cond(item.kind == "draw", draw, question),
            rx.cond(item.problem != "", rx.hstack(rx.icon("circle-alert", size=12, flex_shrink="0"), rx.text(item.problem, size="1"),
                                                  spacing="1", align="center", color=rx.color("amber", 11))),
            spacing="1", min_width="0", flex="1",
        ),
        rx.text(item.points, size="1", color_scheme="gray", white_space="nowrap", flex_shrink="0"),
        rx.cond(
            S.can_edit,
            rx.hstack(
                small_icon_button("arrow-up", "Move up", S.move_item(item.index, "up"), disabled=item.first),
                small_icon_button("arrow-down", "Move down", S.move_item(item.index, "down"), disabled=item.last),
                small_icon_button("x", "Remove from the quiz", S.remove_item(item.index)),
                spacing="1", flex_shrink="0",
            ),
        ),
        spacing="3", align="center", width="100%", padding_y="8px",
        border_top=f"1px solid {rx.color('gray', 4)}",
        class_name="lms-quiz-item",
        custom_attrs={"data-kind": item.kind},
    )


def _bank_row(q: BankItem) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(q.title, size="2", weight="medium", overflow_wrap="anywhere"),
            rx.flex(rx.badge(q.type_label, variant="soft", size="1"), rx.text(q.points, size="1", color_scheme="gray"),
                    rx.text(q.category, size="1", color_scheme="gray", overflow_wrap="anywhere"),
                    align="center", wrap="wrap", style={"gap": "6px"}),
            spacing="1", min_width="0", flex="1",
        ),
        rx.cond(
            q.in_quiz,
            rx.badge(rx.icon("check", size=12), "In the quiz", variant="soft", color_scheme="green", flex_shrink="0"),
            rx.button(rx.icon("plus", size=14), "Add", size="1", variant="soft", on_click=S.add_question(q.id), flex_shrink="0",
                      class_name="lms-bank-add"),
        ),
        spacing="2", align="center", width="100%", padding_y="6px",
        border_top=f"1px solid {rx.color('gray', 4)}",
        class_name="lms-bank-row",
    )


def _category_item(c: CategoryChoice) -> rx.Component:
    return rx.select.item(c.label + " (" + c.count.to_string() + ")", value=c.id)


def _picker() -> rx.Component:
    bank = rx.vstack(
        rx.text("Pick questions", size="2", weight="medium"),
        rx.flex(
            rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Find by title", value=S.bank_search,
                     on_change=S.search_bank.debounce(300), flex="1", min_width="140px", id="bank-search"),
            rx.select.root(
                rx.select.trigger(placeholder="Category", id="bank-category", max_width="100%"),
                rx.select.content(rx.select.item("All categories", value=ALL), rx.foreach(S.categories, _category_item)),
                value=S.bank_category, on_change=S.pick_bank_category,
            ),
            spacing="2", wrap="wrap", width="100%",
        ),
        rx.cond(
            S.bank_rows.length() > 0,
            rx.vstack(rx.foreach(S.bank_rows, _bank_row), spacing="0", width="100%", max_height="260px", overflow_y="auto", id="bank-rows"),
            rx.text(rx.cond(S.categories.length() > 0, "No question matches.", "The banks are empty: add questions on the Question bank page."),
                    size="2", color_scheme="gray"),
        ),
        rx.cond(S.bank_total > S.bank_rows.length(),
                rx.text("Showing ", S.bank_rows.length(), " of ", S.bank_total, ": narrow the search.", size="1", color_scheme="gray")),
        spacing="2", width="100%", min_width="0",
    )
    draw = rx.vstack(
        rx.text("Random draw", size="2", weight="medium"),
        rx.text("Each attempt gets different questions from the category, never one already in the attempt.", size="1", color_scheme="gray"),
        form_field("From the category", rx.select.root(
            rx.select.trigger(placeholder="Choose a category", width="100%", id="draw-category"),
            rx.select.content(rx.foreach(S.categories, _category_item)),
            value=S.draw_category, on_change=lambda v: S.set_field("draw_category", v),
        )),
        rx.flex(
            form_field("Questions", rx.input(value=S.draw_count, type="number", min="1", max="200", width="100%",
                                             on_change=lambda v: S.set_field("draw_count", v), id="draw-count")),
            rx.button(rx.icon("shuffle", size=14), "Add draw", variant="soft", on_click=S.add_draw, id="add-draw",
                      disabled=S.categories.length() == 0),
            spacing="2", align="end", width="100%",
        ),
        spacing="2", width="100%", min_width="0",
    )
    return rx.grid(bank, draw, columns=rx.breakpoints(initial="1", md="3fr 2fr"), spacing="5", width="100%",
                   padding="12px", border_radius="8px", background=rx.color("gray", 2), id="quiz-picker")


def _questions() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.text("Questions", size="3", weight="bold"),
            rx.text(S.question_count, rx.cond(S.question_count == 1, " question", " questions"), " per attempt · ", S.points_label,
                    size="2", color_scheme="gray", id="quiz-summary"),
            justify="between", align="center", wrap="wrap", spacing="2", width="100%",
        ),
        rx.cond(
            S.items.length() > 0,
            rx.vstack(rx.foreach(S.items, _item_row), spacing="0", width="100%", id="quiz-items"),
            rx.text("No questions yet: pick some from the banks below, or add a random draw.", size="2", color_scheme="gray", id="quiz-items"),
        ),
        rx.cond(S.can_edit, _picker()),
        spacing="3", width="100%",
    )


def _switch(label: str, field: str, value, hint: str) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(label, size="2", weight="medium"), rx.text(hint, size="1", color_scheme="gray"), spacing="0", min_width="0"),
        rx.switch(checked=value, on_change=lambda v: S.set_field(field, v), disabled=~S.can_edit, id=f"quiz-{field.replace('_', '-')}"),
        justify="between", align="center", spacing="3", width="100%",
    )


def _select(options, field: str, value, id: str) -> rx.Component:
    return static_select(options, id=id, value=value, on_change=lambda v: S.set_field(field, v), disabled=~S.can_edit)


def _text(field: str, value, id: str, **props) -> rx.Component:
    return rx.input(value=value, on_change=lambda v: S.set_field(field, v), read_only=~S.can_edit, width="100%", id=id, **props)


def _settings() -> rx.Component:
    two = rx.breakpoints(initial="1", sm="2")
    return rx.vstack(
        rx.text("Taking the quiz", size="3", weight="bold"),
        rx.grid(
            _switch("Shuffle questions", "shuffle_questions", S.shuffle_questions, "Each attempt in its own order."),
            _switch("Shuffle answers", "shuffle_choices", S.shuffle_choices, "Choices, pairs and items in their own order."),
            form_field("Time limit (minutes)", _text("time_limit", S.time_limit, "quiz-time-limit", type="number", min="1", placeholder="No limit"),
                       "Enforced on the server: the attempt closes when time is up."),
            form_field("Attempts allowed", _text("attempts", S.attempts, "quiz-attempts", type="number", min="1", placeholder="Unlimited"),
                       "Empty: as many as the learner likes."),
            form_field("Grade from", _select(GRADING, "grading_method", S.grading_method, "quiz-grading")),
            form_field("Passing score (%)", _text("passing", S.passing, "quiz-passing", type="number", min="0", max="100", placeholder="Any finished attempt passes"),
                       "Passing completes the lesson."),
            columns=two, spacing="4", width="100%",
        ),
        rx.text("Availability", size="3", weight="bold", margin_top="8px"),
        rx.grid(
            form_field("Opens", _text("opens_at", S.opens_at, "quiz-opens", type="datetime-local"), "Empty: open at once."),
            form_field("Closes", _text("closes_at", S.closes_at, "quiz-closes", type="datetime-local"),
                       "Empty: never closes. Attempts still open then are closed and graded."),
            columns=two, spacing="4", width="100%",
        ),
        rx.hstack(rx.icon("globe", size=12, flex_shrink="0"), rx.text("Times in your time zone: ", S.tz_label, size="1"),
                  spacing="1", align="center", color=rx.color("gray", 11)),
        rx.text("Learners may see", size="3", weight="bold", margin_top="8px"),
        rx.grid(
            form_field("Their score", _select(REVIEW, "review_score", S.review_score, "review-score")),
            form_field("The correct answers", _select(REVIEW, "review_correct", S.review_correct, "review-correct")),
            form_field("The feedback", _select(REVIEW, "review_feedback", S.review_feedback, "review-feedback")),
            columns=rx.breakpoints(initial="1", sm="3"), spacing="4", width="100%",
        ),
        spacing="3", width="100%",
    )


def _save_bar() -> rx.Component:
    return rx.vstack(
        rx.cond(S.error != "", rx.callout(S.error, icon="circle-alert", color_scheme="red", size="1", variant="surface", width="100%", id="quiz-error")),
        rx.cond(
            S.can_edit,
            rx.flex(
                rx.text(rx.cond(S.dirty, "Unsaved changes.", "All changes saved."), size="1", color_scheme="gray", id="quiz-status"),
                rx.hstack(
                    rx.cond(S.dirty, rx.button("Discard changes", variant="soft", color_scheme="gray", on_click=S.discard, id="discard-quiz")),
                    rx.button(rx.icon("save", size=14), "Save quiz", on_click=S.save, id="save-quiz"),
                    spacing="2",
                ),
                justify="between", align="center", spacing="3", wrap="wrap", width="100%",
            ),
        ),
        spacing="2", width="100%",
    )


def quiz_editor() -> rx.Component:
    """The editor of the quiz lesson open in the course editor (loads when it appears)."""
    ready = S.loaded & (S.lesson_id == CourseEditorState.lesson_id)
    return rx.box(
        rx.cond(
            ready,
            rx.vstack(
                _questions(),
                rx.separator(size="4"),
                _settings(),
                _save_bar(),
                rx.link(rx.hstack(rx.icon("users", size=14), rx.text("Attempts and overrides", size="2"), spacing="1", align="center"),
                        href="/teach/courses/" + CourseEditorState.course_ref + "/quizzes/" + CourseEditorState.lesson_id, id="quiz-attempts-link"),
                spacing="4", width="100%",
            ),
            rx.center(rx.spinner(size="2"), padding_y="24px", width="100%"),
        ),
        on_mount=S.load(CourseEditorState.lesson_id),
        key="quiz-" + CourseEditorState.lesson_id,
        width="100%",
        id="quiz-editor",
    )
