"""An instructor's course analytics: the lesson funnel, learners at risk (with a message to
each), quiz item analysis, score and grade distributions; each chart with its table and
exports. Live while open."""

from __future__ import annotations

import reflex as rx

from lms_app.analytics import at_risk, item_analysis
from lms_app.components.authoring import back_to_course_editor
from lms_app.components.charts import chart_card, export_buttons
from lms_app.components.ui import form_dialog, page_header, stat_card
from lms_app.page_registry import page
from lms_app.services.analytics_course import BODY_LIMIT, SUBJECT_LIMIT
from lms_app.state.course_analytics import CourseAnalyticsState, RiskView

S = CourseAnalyticsState


def _picker(label: str, options, value, on_change, id: str) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", color_scheme="gray", as_="label", html_for=id, white_space="nowrap"),
        rx.select.root(
            rx.select.trigger(id=id, max_width="100%"),
            rx.select.content(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value))),
            value=value, on_change=on_change,
        ),
        spacing="2", align="center", wrap="wrap", max_width="100%",
    )


def _key_figures() -> rx.Component:
    return rx.grid(
        rx.box(stat_card("Learners", S.learners, "users", S.active.to_string() + " active"), id="figure-learners"),
        rx.box(stat_card("At risk", S.risk_count, "triangle-alert", "of the active learners"), id="figure-at-risk"),
        rx.box(stat_card("Graded quiz attempts", S.graded_attempts, "list-checks",
                         S.quiz_count.to_string() + rx.cond(S.quiz_count == 1, " quiz", " quizzes")), id="figure-attempts"),
        columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%",
    )


def _risk_row(r: RiskView) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.text(r.name, weight="medium"),
                rx.text(r.email, " · last activity: ", r.last_activity, size="1", color_scheme="gray"),
                spacing="0", min_width="0", flex="1",
            ),
            rx.button(rx.icon("mail", size=14), "Message", size="2", variant="soft", on_click=S.open_message(r.key),
                      aria_label="Message " + r.name, class_name="lms-risk-message", flex_shrink="0"),
            gap="12px", align="start", width="100%",
        ),
        rx.vstack(rx.foreach(r.reasons, lambda reason: rx.hstack(rx.icon("circle-alert", size=14, color=rx.color("amber", 10), flex_shrink="0",
                                                                         margin_top="3px"),
                                                             rx.text(reason, size="2"), spacing="2", align="start")),
                  spacing="1", width="100%"),
        spacing="2", width="100%", padding_y="12px", border_bottom=f"1px solid {rx.color('gray', 4)}", class_name="lms-risk-row",
    )


def _at_risk() -> rx.Component:
    rules = (f"No activity for {at_risk.INACTIVE_DAYS} days; behind the expected pace (after a week, more than "
             f"{round(at_risk.PACE_TOLERANCE * 100)} points under the share of lessons expected by now); a course total under "
             f"{at_risk.FAILING_PERCENT:g}%; {at_risk.FAILED_ATTEMPTS} or more failed attempts at a quiz not passed yet.")
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(rx.heading("Learners at risk", size="3"), rx.text(rules, size="1", color_scheme="gray"), spacing="1", flex="1",
                          min_width="240px"),
                rx.cond(S.risk_count > 0, export_buttons(S.export("at_risk", "csv"), S.export("at_risk", "xlsx"), "Learners at risk")),
                width="100%", gap="8px", wrap="wrap", align="start",
            ),
            rx.cond(
                S.risk_count > 0,
                rx.vstack(
                    rx.box(rx.foreach(S.risk_rows, _risk_row), width="100%", max_height="520px", overflow_y="auto", id="at-risk-list"),
                    rx.cond(S.risk_more != "", rx.text(S.risk_more, size="1", color_scheme="gray")),
                    width="100%", spacing="2",
                ),
                rx.callout("No active learner is at risk. Learners who stop, fall behind or fail show up here with the reasons.",
                           icon="circle-check", variant="surface", color_scheme="green", width="100%"),
            ),
            width="100%", spacing="3",
        ),
        width="100%", id="at-risk",
    )


def _quiz_items() -> rx.Component:
    flags = (f"Facility is the share of the points earned; discrimination compares the top and bottom "
             f"{item_analysis.UPPER_LOWER_PERCENT}% of attempts (from −1 to 1). Flags from {item_analysis.MIN_ANSWERS_FOR_FLAGS} answers: "
             f"too easy above {round(item_analysis.TOO_EASY * 100)}%, too hard under {round(item_analysis.TOO_HARD * 100)}%, possibly "
             f"miskeyed when discrimination is {item_analysis.MISKEY_DISCRIMINATION:+.1f} or less or a wrong option beats the right one.")
    return rx.vstack(
        rx.cond(S.quiz_options.length() > 1,
                _picker("Quiz", S.quiz_options, S.quiz_pick, S.pick_quiz, "analytics-quiz")),
        chart_card("Quiz questions", S.items_figure,
                   ["Question", "Flags", "Most chosen wrong answer", "Answers", "Facility", "Discrimination"], S.items_rows,
                   empty=S.items_rows.length() == 0,
                   empty_text=rx.cond(S.quiz_count > 0, "When learners hand in this quiz, each question's facility, discrimination and "
                                                        "most chosen wrong answer appear here.",
                                      "This course has no quiz yet. Add a quiz lesson: its questions are analysed here once learners take it."),
                   on_csv=S.export("items", "csv"), on_xlsx=S.export("items", "xlsx"), description=flags, chart_id="quiz-items",
                   height="280px", numeric_from=3),
        rx.cond(S.quiz_note != "", rx.text(S.quiz_note, size="1", color_scheme="gray")),
        width="100%", spacing="2",
    )


def _scores() -> rx.Component:
    return rx.vstack(
        rx.cond(S.score_options.length() > 1,
                _picker("Assessment", S.score_options, S.score_pick, S.pick_assessment, "analytics-assessment")),
        chart_card("Score distribution", S.scores_figure, ["Score", "Learners"], S.scores_rows, empty=S.scores_rows.length() == 0,
                   empty_text="When quizzes and assignments are graded, how the learners' scores spread appears here, in 10% steps.",
                   on_csv=S.export("scores", "csv"), on_xlsx=S.export("scores", "xlsx"),
                   description="Each learner's grade on the assessment, as in the gradebook.", chart_id="scores", height="260px"),
        width="100%", spacing="2",
    )


def _message_dialog() -> rx.Component:
    return form_dialog(
        "Message " + S.message_name,
        rx.vstack(rx.text("Subject", size="2", weight="medium", as_="label", html_for="message-subject"),
                  rx.input(name="subject", id="message-subject", max_length=SUBJECT_LIMIT, width="100%",
                           placeholder="How is the course going?"), spacing="1", width="100%"),
        rx.vstack(rx.text("Message", size="2", weight="medium", as_="label", html_for="message-body"),
                  rx.text_area(name="body", id="message-body", max_length=BODY_LIMIT, rows="6", width="100%"), spacing="1", width="100%"),
        rx.cond(S.message_error != "", rx.callout(S.message_error, icon="circle-alert", color_scheme="red", size="1", width="100%",
                                                  id="message-error")),
        submit="Send", submit_id="message-send", on_submit=S.send_message, open=S.message_open, on_open_change=S.set_message_open,
        description="Sent by email from the course, with a link to it.",
    )


@page("/teach/courses/[course_id]/analytics", "Course analytics", permission="courses.teach", on_load=CourseAnalyticsState.load)
def course_analytics() -> rx.Component:
    return rx.cond(
        S.found,
        rx.vstack(
            back_to_course_editor(S.course_ref),
            page_header("Course analytics", S.course_title, rx.text("Updated ", S.updated, size="1", color_scheme="gray", id="analytics-updated")),
            _key_figures(),
            chart_card("Lesson funnel", S.funnel_figure, ["Lesson", "Reached", "Finished", "Drop-off", "Median time"], S.funnel_rows,
                       empty=S.funnel_rows.length() == 0,
                       empty_text="When learners enroll and open lessons, how many reach and finish each lesson appears here.",
                       on_csv=S.export("funnel", "csv"), on_xlsx=S.export("funnel", "xlsx"),
                       description="Learners who opened each lesson, in course order; drop-off from the step before; median time "
                                   "of those who spent time on it.",
                       chart_id="funnel", height="360px"),
            _at_risk(),
            rx.heading("Assessments", size="4", margin_top="16px"),
            _quiz_items(),
            rx.grid(
                _scores(),
                chart_card("Grade distribution", S.grades_figure, ["Grade", "Learners", "Share"], S.grades_rows,
                           empty=S.grades_rows.length() == 0,
                           empty_text="When grades arrive in the gradebook, the learners' course totals by letter appear here.",
                           on_csv=S.export("grades", "csv"), on_xlsx=S.export("grades", "xlsx"),
                           description="Course totals so far (the gradebook's), by letter.", chart_id="grades", height="260px"),
                columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%", align_items="start",
            ),
            _message_dialog(),
            spacing="4", width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )
