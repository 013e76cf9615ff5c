"""A manager's My teams: the team dashboard, and one team member's record."""

from __future__ import annotations

import reflex as rx

from lms_app.components.charts import chart_card, export_buttons, key_figure
from lms_app.components.ui import WIDE_ONLY, empty_state, filter_select, section
from lms_app.page_registry import page
from lms_app.services import compliance_report
from lms_app.state.teams import ACTIVITY_COLUMNS, COURSE_COLUMNS, PERIOD_OPTIONS, TeamPersonState, TeamsState

# Columns only a tablet or a desktop has room for.
MEDIUM_UP = ["none", "table-cell"]


def _filters() -> rx.Component:
    s = TeamsState
    return rx.vstack(
        rx.grid(
            filter_select(s.unit_options, s.unit, s.set_unit, "Team", "team-unit"),
            filter_select(s.course_options, s.course, s.set_course, "Course", "team-course"),
            filter_select(PERIOD_OPTIONS, s.period, s.set_period, "Dates", "team-period"),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
        ),
        rx.cond(
            s.custom_period,
            rx.form(
                rx.flex(
                    rx.vstack(rx.text("From", size="1", color_scheme="gray"), rx.input(name="start", type="date", default_value=s.start_date, id="team-start"), spacing="1"),
                    rx.vstack(rx.text("To", size="1", color_scheme="gray"), rx.input(name="end", type="date", default_value=s.end_date, id="team-end"), spacing="1"),
                    rx.button("Show", type="submit", id="team-dates-apply"),
                    gap="12px", align="end", wrap="wrap",
                ),
                on_submit=s.set_dates,
            ),
        ),
        rx.text("Figures for: ", rx.text.strong(s.period_label), size="2", color_scheme="gray", id="team-range"),
        spacing="3",
        width="100%",
    )


def _figure(label: str, key: str, hint: str | rx.Var = "") -> rx.Component:
    return rx.box(key_figure(label, TeamsState.key_figures[key], hint), id=f"figure-{key}", width="100%", min_width="0")


def _key_figures() -> rx.Component:
    f = TeamsState.key_figures
    return rx.grid(
        _figure("People", "people", "in the team chosen"),
        _figure("Completion rate", "completion", f["completion_hint"]),
        _figure("Average quiz score", "score", f["score_hint"]),
        _figure("Time spent", "time", "in their courses, so far"),
        _figure("Active people", "active", f["active_hint"]),
        columns=rx.breakpoints(initial="2", md="3", lg="5"),
        spacing="3",
        width="100%",
    )


def _required_training() -> rx.Component:
    f = TeamsState.key_figures
    return rx.grid(
        rx.box(key_figure("Required training overdue", f["required_overdue"], f["required_hint"], tone="red"), id="figure-required-overdue"),
        rx.box(key_figure("Due soon", f["required_due_soon"], f"due in the next {compliance_report.DUE_SOON_DAYS} days"), id="figure-required-due-soon"),
        rx.box(key_figure("Expiring", f["required_expiring"], f"certificates lapsing within {compliance_report.EXPIRING_DAYS} days"),
               id="figure-required-expiring"),
        columns=rx.breakpoints(initial="1", sm="3"),
        spacing="3",
        width="100%",
    )


def _charts() -> rx.Component:
    s = TeamsState
    return rx.grid(
        chart_card("Completion by course", s.course_figure, COURSE_COLUMNS, s.course_rows, empty=~s.has_enrollments,
                   empty_text="Each course's completion rate appears here once someone in the team is enrolled in a course.",
                   on_csv=s.export("courses", "csv"), on_xlsx=s.export("courses", "xlsx"), chart_id="team-courses",
                   description="Completed enrollments out of those that count (active, completed, expired)."),
        chart_card("Team activity", s.activity_figure, ACTIVITY_COLUMNS, s.activity_rows, empty=~s.has_activity,
                   empty_text="Lessons completed and quizzes handed in appear here, day by day, as soon as someone in the team learns in this range.",
                   on_csv=s.export("activity", "csv"), on_xlsx=s.export("activity", "xlsx"), chart_id="team-activity",
                   description="Lessons completed and quizzes handed in (per week for long ranges)."),
        # One chart per row: their tables need the width.
        columns="1",
        spacing="4",
        width="100%",
    )


def _person_row(m: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.link(m["name"], href=m["href"], weight="medium"), rx.text(m["email"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(m["department"], display=WIDE_ONLY),
        rx.table.cell(m["courses"], text_align="right", display=WIDE_ONLY),
        rx.table.cell(m["completed"], text_align="right", display=WIDE_ONLY),
        rx.table.cell(m["completion"], text_align="right"),
        rx.table.cell(m["score"], text_align="right", display=MEDIUM_UP),
        rx.table.cell(m["time"], text_align="right", white_space="nowrap", display=WIDE_ONLY),
        rx.table.cell(rx.tooltip(rx.text(m["last"]), content=m["last_full"]), display=MEDIUM_UP),
        class_name="team-person",
    )


def _sort_header(text: str, column: str, display=None, right: bool = False) -> rx.Component:
    """A column header that sorts the table by its column (again: the other way round)."""
    s = TeamsState
    arrow = rx.cond(s.people_sort == column, rx.cond(s.people_descending, rx.icon("arrow-down", size=14), rx.icon("arrow-up", size=14)))
    return rx.table.column_header_cell(
        rx.button(text, arrow, variant="ghost", size="1", color_scheme="gray", high_contrast=True, on_click=s.sort_people(column),
                  aria_label=f"Sort by {text.lower()}", class_name="team-sort"),
        display=display, text_align="right" if right else "left", white_space="nowrap",
        aria_sort=rx.cond(s.people_sort == column, rx.cond(s.people_descending, "descending", "ascending"), "none"),
    )


def _people_pager() -> rx.Component:
    s = TeamsState
    return rx.hstack(
        rx.text(s.people_range, size="2", color_scheme="gray", id="team-people-range"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=16), "Previous", variant="soft", size="2", disabled=s.people_page <= 1,
                  on_click=s.go_to_people_page(s.people_page - 1), id="team-people-previous"),
        rx.text("Page ", s.people_page, " of ", s.people_pages, size="2", color_scheme="gray", display=["none", "inline"]),
        rx.button("Next", rx.icon("chevron-right", size=16), variant="soft", size="2", disabled=s.people_page >= s.people_pages,
                  on_click=s.go_to_people_page(s.people_page + 1), id="team-people-next"),
        align="center",
        width="100%",
        spacing="3",
    )


def _people() -> rx.Component:
    s = TeamsState
    return section(
        "People",
        rx.flex(
            rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Search people", value=s.search, on_change=s.set_search,
                     max_width="320px", width="100%", id="team-people-search"),
            rx.spacer(),
            rx.cond(s.members.length() > 0, export_buttons(s.export("people", "csv"), s.export("people", "xlsx"), "people")),
            width="100%", gap="8px", wrap="wrap", align="center",
        ),
        rx.cond(
            s.members.length() > 0,
            rx.vstack(
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            _sort_header("Person", "name"), _sort_header("Department", "department", WIDE_ONLY),
                            _sort_header("Courses", "courses", WIDE_ONLY, True), _sort_header("Completed", "completed", WIDE_ONLY, True),
                            _sort_header("Completion", "completion", right=True), _sort_header("Avg. score", "score", MEDIUM_UP, True),
                            _sort_header("Time spent", "time", WIDE_ONLY, True), _sort_header("Last activity", "last", MEDIUM_UP),
                        )),
                        rx.table.body(rx.foreach(s.members, _person_row)),
                        variant="surface",
                        width="100%",
                        id="team-people",
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
                _people_pager(),
                spacing="3",
                width="100%",
            ),
            rx.text(
                rx.cond(s.search.strip() != "", "Nobody in the team matches this search.",
                        "The people of your groups and departments appear here, each with their courses, completion and last activity."),
                color_scheme="gray",
            ),
        ),
    )


def _team_badges() -> rx.Component:
    return rx.flex(
        rx.foreach(TeamsState.units, lambda u: rx.badge(u["name"], " · ", u["members"], " people", variant="soft",
                                                        color_scheme=rx.cond(u["kind"] == "Group", "iris", "gray"), size="2")),
        gap="8px", wrap="wrap",
    )


@page("/teams", "My teams", permission="teams.view", on_load=TeamsState.load)
def my_teams() -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.heading("My teams", size="7", id="landing-title"),
            rx.text("How the groups and departments you manage are learning. The figures move as your team learns.", color_scheme="gray"),
            margin_bottom="8px",
        ),
        rx.cond(
            TeamsState.units.length() > 0,
            rx.vstack(
                _team_badges(),
                _filters(),
                _key_figures(),
                rx.cond(TeamsState.has_required, _required_training()),
                _charts(),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                TeamsState.loaded,
                empty_state("users", "You do not manage a team yet",
                            "When an administrator makes you the manager of a group or a department, its people and their progress appear here."),
            ),
        ),
        rx.cond(TeamsState.units.length() > 0, _people()),
        width="100%",
        spacing="4",
    )


# --- one team member's record -----------------------------------------------------------------------

def _record_course(c: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(c["title"], weight="medium"), rx.text(c["status"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(c["progress"], text_align="right"),
        rx.table.cell(c["grade"], text_align="right", display=MEDIUM_UP),
        rx.table.cell(c["time"], text_align="right", white_space="nowrap", display=WIDE_ONLY),
        rx.table.cell(c["last"], white_space="nowrap", display=WIDE_ONLY),
        rx.table.cell(c["completed"], white_space="nowrap", display=MEDIUM_UP),
    )


def _record() -> rx.Component:
    s = TeamPersonState
    return rx.vstack(
        rx.box(
            rx.heading(s.name, size="7", id="person-name"),
            rx.text(s.email, " · ", s.department, color_scheme="gray"),
        ),
        section(
            "Courses",
            rx.cond(
                s.courses.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("Course"), rx.table.column_header_cell("Progress", text_align="right"),
                            rx.table.column_header_cell("Grade", text_align="right", display=MEDIUM_UP),
                            rx.table.column_header_cell("Time spent", text_align="right", display=WIDE_ONLY),
                            rx.table.column_header_cell("Last activity", display=WIDE_ONLY),
                            rx.table.column_header_cell("Completed on", display=MEDIUM_UP),
                        )),
                        rx.table.body(rx.foreach(s.courses, _record_course)),
                        variant="surface", width="100%", id="person-courses",
                    ),
                    overflow_x="auto", width="100%",
                ),
                rx.text("Not enrolled in any course yet: courses appear here with their progress once they are.", color_scheme="gray"),
            ),
        ),
        section(
            "Recent activity",
            rx.cond(
                s.events.length() > 0,
                rx.card(rx.vstack(
                    rx.foreach(s.events, lambda e: rx.flex(
                        rx.tooltip(rx.text(e["ago"], size="2", color_scheme="gray", width=rx.breakpoints(initial="84px", sm="110px"),
                                           flex_shrink="0"), content=e["when"]),
                        rx.text(e["text"], size="2", min_width="0"),
                        gap="12px", width="100%",
                    )),
                    spacing="2", width="100%", id="person-events",
                ), width="100%"),
                rx.text("Nothing yet: sign-ins, lessons and quizzes appear here as they happen.", color_scheme="gray"),
            ),
        ),
        width="100%",
        spacing="2",
    )


@page("/teams/people/[user_id]", "Team member", permission="teams.view", on_load=TeamPersonState.load)
def team_person() -> rx.Component:
    s = TeamPersonState
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text("My teams"), spacing="1", align="center"), href="/teams", size="2"),
        rx.cond(
            s.found,
            _record(),
            rx.cond(s.message != "", rx.callout(s.message, icon="user-x", color_scheme="gray", variant="surface", width="100%", id="person-missing")),
        ),
        width="100%",
        spacing="4",
    )
