"""The admin's organization overview: who is active, enrollments and completions, courses,
time by department and sign-ins, each chart with its table and exports; live."""

from __future__ import annotations

import reflex as rx

from lms_app.components.charts import chart_card
from lms_app.components.ui import stat_card
from lms_app.page_registry import page
from lms_app.services import compliance_report
from lms_app.services.analytics_org import MIN_ENROLLMENTS_TO_RANK, NO_DEPARTMENT, RANKED_COURSES
from lms_app.state.admin_overview import RANGE_OPTIONS, AdminOverviewState
from lms_app.state.auth import AuthState

S = AdminOverviewState


def _filters() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text("Dates", size="1", color_scheme="gray", as_="label", html_for="overview-range"),
            rx.select.root(
                rx.select.trigger(id="overview-range", min_width="180px"),
                rx.select.content(*[rx.select.item(label, value=value) for value, label in RANGE_OPTIONS]),
                value=S.range_choice, on_change=S.set_range,
            ),
            spacing="1",
        ),
        rx.cond(
            S.custom_range,
            rx.form(
                rx.flex(
                    rx.vstack(rx.text("From", size="1", color_scheme="gray"),
                              rx.input(name="from", type="date", default_value=S.custom_from, id="overview-from"), spacing="1"),
                    rx.vstack(rx.text("To", size="1", color_scheme="gray"),
                              rx.input(name="to", type="date", default_value=S.custom_to, id="overview-to"), spacing="1"),
                    rx.button("Show", type="submit", id="overview-dates-apply"),
                    gap="12px", align="end", wrap="wrap",
                ),
                on_submit=S.set_dates,
            ),
        ),
        rx.text(S.period_text, size="1", color_scheme="gray", id="overview-period",
                align_self="end", padding_bottom="6px"),
        gap="12px", wrap="wrap", align="end", width="100%",
    )


def _key_figures() -> rx.Component:
    f = S.figures
    return rx.vstack(
        rx.grid(
            rx.box(stat_card("Active users today", f["active_today"], "activity", "people who did anything"), id="figure-active-today"),
            rx.box(stat_card("Active users this week", f["active_week"], "calendar-days", "in the last 7 days"), id="figure-active-week"),
            rx.box(stat_card("Active users this month", f["active_month"], "calendar-range", "in the last 30 days"), id="figure-active-month"),
            rx.box(stat_card("Awaiting approval", f["pending_approvals"], "user-plus", "self-registrations"), id="figure-pending"),
            columns=rx.breakpoints(initial="2", lg="4"), spacing="3", width="100%",
        ),
        rx.grid(
            rx.box(stat_card("Failed sign-ins", f["failed_logins_7d"], "shield-alert", "in the last 7 days"), id="figure-failed"),
            rx.box(stat_card("Background jobs", f["jobs_waiting"], "timer",
                             rx.cond(f["jobs_dead"] > 0, f"{f['jobs_dead']} failed for good", "waiting to run")), id="figure-jobs"),
            rx.box(stat_card("Accounts", f["active_users"], "users", f"can sign in; {f['inactive_users']} deactivated"), id="figure-accounts"),
            rx.box(stat_card("Departments", f["departments"], "building-2", f"and {f['groups']} groups"), id="figure-departments"),
            columns=rx.breakpoints(initial="2", lg="4"), spacing="3", width="100%",
        ),
        rx.cond(f["required_assigned"] > 0, _required_training()),
        _backups(),
        spacing="3", width="100%",
    )


def _backups() -> rx.Component:
    b = S.backup
    return rx.callout.root(
        rx.callout.icon(rx.match(b["tone"], ("ok", rx.icon("database-backup")), ("overdue", rx.icon("triangle-alert")), rx.icon("archive-x"))),
        rx.callout.text(rx.text.strong(b["title"]), " · ", b["detail"]),
        color_scheme=rx.match(b["tone"], ("ok", "green"), ("overdue", "amber"), "gray"),
        variant="surface",
        width="100%",
        id="backup-status",
    )


def _required_training() -> rx.Component:
    f = S.figures
    return rx.grid(
        rx.link(stat_card("Required training overdue", f["required_overdue"], "alarm-clock", "past the due date"),
                href="/admin/compliance", underline="none", id="figure-required-overdue"),
        rx.link(stat_card("Due soon", f["required_due_soon"], "calendar-clock", f"due in the next {compliance_report.DUE_SOON_DAYS} days"),
                href="/admin/compliance", underline="none", id="figure-required-due-soon"),
        rx.link(stat_card("Expiring", f["required_expiring"], "badge-alert", f"certificates lapsing within {compliance_report.EXPIRING_DAYS} days"),
                href="/admin/compliance", underline="none", id="figure-required-expiring"),
        columns=rx.breakpoints(initial="2", lg="4"), spacing="3", width="100%",
    )


def _courses_card() -> rx.Component:
    return chart_card(
        "Most and least completed courses", S.courses_figure, ["Course", "Enrolled", "Completed", "Rate"], S.courses_rows,
        empty=S.courses_rows.length() == 0,
        empty_text=f"Courses are ranked here once one has at least {MIN_ENROLLMENTS_TO_RANK} enrollments that started in this range.",
        on_csv=S.export("courses", "csv"), on_xlsx=S.export("courses", "xlsx"), chart_id="overview-courses",
        description=f"Of the enrollments that started in the range, the share completed; the {RANKED_COURSES} highest and "
                    f"{RANKED_COURSES} lowest rates among courses with at least {MIN_ENROLLMENTS_TO_RANK} enrollments.",
    )


def _charts() -> rx.Component:
    return rx.grid(
        chart_card("Daily active users", S.active_figure, ["Day", "Active users"], S.active_rows, empty=S.active_rows.length() == 0,
                   empty_text="Each day's number of active users appears here once someone signs in or works on a course in this range.",
                   on_csv=S.export("active", "csv"), on_xlsx=S.export("active", "xlsx"), chart_id="overview-active",
                   description="Distinct people with any activity each day: signing in, enrolling, lessons, quizzes, assignments."),
        chart_card("Enrollments and completions", S.enrollments_figure, ["Date", "Enrollments", "Completions"], S.enrollments_rows,
                   empty=S.enrollments_rows.length() == 0,
                   empty_text="Enrollments and completions appear here, per day or per week, once people enroll in courses in this range.",
                   on_csv=S.export("enrollments", "csv"), on_xlsx=S.export("enrollments", "xlsx"), chart_id="overview-enrollments",
                   description=rx.cond(S.bucket_word == "week", "Per week (from Monday): courses started and finished.",
                                       "Per day: courses started and finished.")),
        # Course titles are long: this card takes the whole width, its table then fits.
        rx.box(_courses_card(), grid_column=rx.breakpoints(initial="auto", lg="span 2"), min_width="0"),
        chart_card("Time spent by department", S.time_figure, ["Department", "Time spent", "Share"], S.time_rows, empty=S.time_rows.length() == 0,
                   empty_text="Hours spent in lessons appear here, per department, once people work through lessons in this range.",
                   on_csv=S.export("time", "csv"), on_xlsx=S.export("time", "xlsx"), chart_id="overview-time",
                   description=f"Time on lessons last worked on in the range, by the learner's department (\u201c{NO_DEPARTMENT}\u201d for people without one)."),
        chart_card("Sign-ins", S.logins_figure, ["Date", "Sign-ins", "Failed sign-ins"], S.logins_rows, empty=S.logins_rows.length() == 0,
                   empty_text="Successful and failed sign-ins appear here once people sign in during this range.",
                   on_csv=S.export("logins", "csv"), on_xlsx=S.export("logins", "xlsx"), chart_id="overview-logins",
                   description="Successful sign-ins, and attempts refused (wrong password, unknown email, deactivated account)."),
        columns=rx.breakpoints(initial="1", lg="2"),
        spacing="4",
        width="100%",
    )


@page("/admin", "Overview", permission="admin.view", on_load=AdminOverviewState.load)
def admin_overview() -> rx.Component:
    return rx.vstack(
        rx.box(rx.heading("Overview", size="7", id="landing-title"), rx.text(AuthState.org_name, " at a glance.", color_scheme="gray")),
        _filters(),
        _key_figures(),
        _charts(),
        rx.cond(S.ranking_note != "", rx.text(S.ranking_note, size="1", color_scheme="gray", id="overview-unranked")),
        rx.hstack(
            rx.link(rx.button(rx.icon("user-plus", size=16), "Invite people"), href="/admin/users"),
            rx.link(rx.button(rx.icon("scroll-text", size=16), "Audit trail", variant="soft"), href="/admin/audit"),
            spacing="3", wrap="wrap",
        ),
        width="100%",
        spacing="4",
    )
