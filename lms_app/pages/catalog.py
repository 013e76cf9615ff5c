"""The catalog, a course's page with enrollment, and My learning."""

from __future__ import annotations

import reflex as rx

from lms_app.components.announcements import latest_announcements, unread_note
from lms_app.components.catalog import course_grid, cover_image, meta_item, status_line
from lms_app.components.ui import empty_state, form_field, page_header, section
from lms_app.page_registry import page
from lms_app.state.catalog import (
    ALL,
    DURATION_LABELS,
    SORT_LABELS,
    CatalogModuleView,
    CatalogState,
    CompletedView,
    CourseDetailState,
    EndingView,
    InProgressView,
    REQUIRED_LABELS,
    MyLearningState,
    RequiredView,
)


def _loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding_y="48px", width="100%")


# --- the catalog --------------------------------------------------------------------------

def _select(value, on_change, items, placeholder_all: str, id: str, aria: str, dynamic=None) -> rx.Component:
    options = [rx.select.item(placeholder_all, value=ALL), *[rx.select.item(label, value=v) for v, label in items]]
    if dynamic is not None:
        options.append(dynamic)
    return rx.select.root(
        rx.select.trigger(id=id, aria_label=aria, width="100%"),
        rx.select.content(*options),
        value=value,
        on_change=on_change,
    )


def _filters() -> rx.Component:
    s = CatalogState
    return rx.vstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search titles, summaries and tags",
            default_value=s.query,
            on_change=s.set_query.debounce(300),
            id="catalog-search",
            type="search",
            aria_label="Search the catalog",
            size="3",
            width="100%",
        ),
        rx.grid(
            _select(s.category, s.set_category, [], "All categories", "catalog-category", "Category",
                    rx.foreach(s.categories, lambda c: rx.select.item(c, value=c))),
            _select(s.language, s.set_language, [], "All languages", "catalog-language", "Language",
                    rx.foreach(s.languages, lambda o: rx.select.item(o.label, value=o.value))),
            _select(s.duration, s.set_duration, list(DURATION_LABELS.items()), "Any duration", "catalog-duration", "Duration"),
            rx.select.root(
                rx.select.trigger(id="catalog-sort", aria_label="Sort", width="100%"),
                rx.select.content(*[rx.select.item(f"Sort: {label}", value=v) for v, label in SORT_LABELS.items()]),
                value=s.sort,
                on_change=s.set_sort,
            ),
            columns=rx.breakpoints(initial="2", md="4"),
            spacing="2",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _pager() -> rx.Component:
    s = CatalogState
    return rx.cond(
        s.page_count > 1,
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=16), "Previous", variant="soft", disabled=s.page <= 1,
                      on_click=s.go_to_page(s.page - 1), id="catalog-previous"),
            rx.text("Page ", s.page, " of ", s.page_count, size="2", color_scheme="gray"),
            rx.button("Next", rx.icon("chevron-right", size=16), variant="soft", disabled=s.page >= s.page_count,
                      on_click=s.go_to_page(s.page + 1), id="catalog-next"),
            justify="center",
            align="center",
            spacing="3",
            width="100%",
            margin_top="8px",
        ),
    )


def _no_results() -> rx.Component:
    s = CatalogState
    return rx.cond(
        s.filtered,
        empty_state(
            "search-x", "No course matches",
            "Try fewer or shorter words, check the spelling, or choose “All” in the filters. Search looks in titles, summaries and tags.",
            rx.button(rx.icon("x", size=16), "Clear search and filters", variant="soft", on_click=s.clear_filters, id="catalog-clear"),
        ),
        empty_state("library", "The catalog is empty for now",
                    "Courses appear here once instructors publish them. Courses assigned to you are on My learning.",
                    rx.link(rx.button("Go to My learning", variant="soft"), href="/learn")),
    )


@page("/catalog", "Catalog", permission="learning.view", on_load=CatalogState.load)
def catalog_page() -> rx.Component:
    s = CatalogState
    return rx.vstack(
        page_header("Catalog", "Find a course and enroll yourself."),
        _filters(),
        rx.cond(
            s.loaded,
            rx.cond(
                s.total > 0,
                rx.vstack(
                    rx.text(s.result_note, size="2", color_scheme="gray", id="catalog-count"),
                    course_grid(s.cards),
                    _pager(),
                    spacing="3",
                    width="100%",
                ),
                _no_results(),
            ),
            _loading(),
        ),
        spacing="4",
        width="100%",
        id="catalog",
    )


# --- a course's page ----------------------------------------------------------------------

def _outline_module(m: CatalogModuleView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(m.title, size="3"),
            rx.cond(
                m.lessons.length() > 0,
                rx.vstack(
                    rx.foreach(m.lessons, lambda les: rx.hstack(
                        rx.center(rx.icon(les.icon, size=14), width="28px", height="28px", min_width="28px", border_radius="8px",
                                  background=rx.color("accent", 3), color=rx.color("accent", 11)),
                        rx.vstack(
                            rx.text(les.title, size="2", weight="medium", word_break="break-word"),
                            rx.text(les.kind_label, rx.cond(les.duration != "", " · " + les.duration, ""), size="1", color_scheme="gray"),
                            spacing="0",
                            min_width="0",
                        ),
                        spacing="3",
                        align="center",
                        width="100%",
                    )),
                    spacing="3",
                    width="100%",
                ),
                rx.text("Lessons are on their way.", size="2", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _enroll_form() -> rx.Component:
    s = CourseDetailState
    return rx.form(
        rx.vstack(
            rx.cond(
                s.key_required,
                form_field(
                    "Enrollment key",
                    rx.input(name="key", id="enroll-key", placeholder="The key your instructor gave you", auto_complete="off", width="100%",
                             color_scheme=rx.cond(s.key_error != "", "red", "gray")),
                    "Your instructor or administrator gives it to you.",
                ),
            ),
            rx.cond(s.key_error != "", rx.callout(s.key_error, icon="triangle-alert", color_scheme="red", variant="surface", size="1", id="enroll-error", width="100%")),
            rx.button(rx.icon("log-in", size=16), "Enroll", type="submit", size="3", width="100%", id="enroll", loading=s.enrolling),
            spacing="3",
            width="100%",
        ),
        on_submit=s.enroll,
        reset_on_submit=False,
        width="100%",
    )


def _action() -> rx.Component:
    s = CourseDetailState
    return rx.match(
        s.status,
        ("enrolled", rx.vstack(
            status_line(s.status, s.percent),
            rx.link(rx.button(rx.icon("play", size=16), "Continue", size="3", width="100%"), href=s.player_href, width="100%", id="continue"),
            rx.text(s.run_note, size="1", color_scheme="gray"),
            spacing="3", width="100%",
        )),
        ("completed", rx.vstack(
            status_line(s.status, s.percent),
            rx.link(rx.button(rx.icon("rotate-ccw", size=16), "Review", size="3", variant="soft", width="100%"), href=s.player_href, width="100%", id="review"),
            rx.text(s.run_note, size="1", color_scheme="gray"),
            spacing="3", width="100%",
        )),
        rx.cond(
            s.closed != "",
            rx.callout(s.closed, icon="info", variant="surface", width="100%", id="enroll-closed"),
            _enroll_form(),
        ),
    )


def _side() -> rx.Component:
    s = CourseDetailState
    return rx.vstack(
        rx.card(
            rx.vstack(
                _action(),
                rx.cond(
                    s.required_title != "",
                    rx.hstack(
                        rx.icon(rx.cond(s.required_done, "circle-check", "circle-dashed"), size=16,
                                color=rx.cond(s.required_done, rx.color("green", 10), rx.color("gray", 10)), min_width="16px"),
                        rx.text(
                            "Requires ", rx.link(s.required_title, href=s.required_href),
                            rx.cond(s.required_done, " (done)", " (not finished yet)"),
                            size="2",
                        ),
                        spacing="2",
                        align="start",
                    ),
                ),
                rx.cond(s.access_note != "", meta_item("calendar-clock", s.access_note)),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.cond(
            s.instructors.length() > 0,
            rx.card(
                rx.vstack(
                    rx.text(rx.cond(s.instructors.length() > 1, "Instructors", "Instructor"), size="2", weight="bold"),
                    rx.foreach(s.instructors, lambda name: rx.hstack(
                        rx.avatar(fallback=name[0], size="1", radius="full"), rx.text(name, size="2"), spacing="2", align="center",
                    )),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
        grid_area="side",
        position=["static", "static", "sticky"],
        top="76px",
    )


def _course() -> rx.Component:
    s = CourseDetailState
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Catalog", size="2"), spacing="1", align="center"), href="/catalog", underline="none"),
        rx.cond(s.cover_url != "", cover_image(s.cover_url, max_height="260px", border_radius="12px")),
        rx.vstack(
            rx.heading(s.title, size="7", word_break="break-word", id="course-title"),
            rx.cond(s.summary != "", rx.text(s.summary, size="3", color_scheme="gray", white_space="pre-line", word_break="break-word")),
            rx.flex(
                rx.cond(s.category != "", rx.badge(s.category, variant="soft")),
                rx.cond(s.duration != "", meta_item("clock", s.duration)),
                meta_item("languages", s.language),
                meta_item("list-tree", s.size_note),
                rx.foreach(s.tags, lambda t: rx.badge(t, variant="surface", color_scheme="gray", size="1")),
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            spacing="3",
            width="100%",
        ),
        rx.grid(
            _side(),
            rx.vstack(
                rx.heading("What is inside", size="4"),
                rx.foreach(s.modules, _outline_module),
                spacing="3",
                width="100%",
                grid_area="outline",
                min_width="0",
            ),
            grid_template_columns=["minmax(0, 1fr)", "minmax(0, 1fr)", "minmax(0, 1fr) 320px"],
            grid_template_areas=['"side" "outline"', '"side" "outline"', '"outline side"'],
            align_items="start",
            gap="24px",
            width="100%",
            margin_top="8px",
        ),
        spacing="4",
        width="100%",
    )


@page("/catalog/[course_id]", "Course", permission="learning.view", on_load=CourseDetailState.load)
def course_detail_page() -> rx.Component:
    s = CourseDetailState
    return rx.cond(
        s.found,
        _course(),
        rx.cond(
            s.loaded,
            empty_state("book-x", "That course does not exist", "It may have been taken out of the catalog, or the link is mistyped. Look for it in the catalog.",
                        rx.link(rx.button("Open the catalog"), href="/catalog")),
            _loading(),
        ),
    )


# --- My learning --------------------------------------------------------------------------

def _in_progress_card(c: InProgressView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(c.category != "", rx.badge(c.category, variant="soft")),
            rx.link(rx.heading(c.title, size="4", word_break="break-word"), href="/catalog/" + c.id, underline="none", color="inherit"),
            rx.hstack(
                rx.progress(value=c.percent, max=100, width="100%"),
                rx.text(c.percent, "%", size="2", weight="medium", white_space="nowrap"),
                spacing="2", align="center", width="100%",
            ),
            rx.text(
                rx.cond(c.next_lesson != "", rx.text.span("Next: ", rx.text.strong(c.next_lesson)), "No lesson is open right now."),
                size="2", color_scheme="gray", word_break="break-word",
            ),
            unread_note(c.id, c.unread),
            rx.spacer(),
            rx.link(rx.button(rx.icon("play", size=16), "Continue", width="100%"), href=c.href, width="100%"),
            spacing="3",
            height="100%",
            width="100%",
        ),
        width="100%",
        class_name="lms-in-progress",
    )


REQUIRED_COLORS = {"overdue": "red", "in_progress": "blue", "not_started": "amber", "completed": "green", "exempted": "gray"}


def _required_row(r: RequiredView) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(r.title, weight="medium", word_break="break-word"),
            rx.hstack(
                rx.badge(rx.match(r.status, *REQUIRED_LABELS.items(), r.status), color_scheme=rx.match(r.status, *REQUIRED_COLORS.items(), "gray"), variant="soft"),
                rx.text(r.label, size="2", color_scheme=rx.cond(r.status == "overdue", "red", "gray")),
                spacing="2", align="center", wrap="wrap",
            ),
            spacing="1", min_width="0",
        ),
        rx.cond(
            (r.status != "completed") & (r.status != "exempted"),
            rx.link(rx.button(rx.icon("play", size=16), rx.cond(r.status == "not_started", "Start", "Continue"), size="2"), href=r.href),
            rx.link(rx.button("Review", size="2", variant="soft"), href=r.href),
        ),
        justify="between", align="center", spacing="3", width="100%", wrap="wrap",
        padding_y="10px", border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="lms-required",
    )


def _ending_row(e: EndingView) -> rx.Component:
    return rx.callout(
        rx.flex(
            rx.text(rx.text.strong(e.title), " · ", e.ends_on, word_break="break-word"),
            rx.link("Continue", href=e.href, weight="medium", white_space="nowrap"),
            justify="between",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        icon="hourglass",
        color_scheme="amber",
        variant="surface",
        width="100%",
    )


def _completed_row(c: CompletedView) -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.icon("circle-check", size=18, color=rx.color("green", 10), min_width="18px"),
            rx.vstack(
                rx.link(c.title, href="/catalog/" + c.id, weight="medium", word_break="break-word"),
                rx.text("Completed on ", c.completed_on, size="1", color_scheme="gray"),
                spacing="0",
                min_width="0",
            ),
            spacing="3",
            align="center",
            min_width="0",
        ),
        rx.hstack(unread_note(c.id, c.unread), rx.link(rx.button("Review", size="1", variant="soft"), href=c.href), spacing="3", align="center", wrap="wrap", justify="end"),
        justify="between",
        align="center",
        spacing="3",
        width="100%",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _where_i_belong() -> rx.Component:
    s = MyLearningState
    return section(
        "Where I belong",
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("building-2", size=16), rx.text("Department: ", weight="medium"), rx.text(rx.cond(s.department != "", s.department, "none yet")), spacing="2", align="center"),
                rx.hstack(
                    rx.icon("users", size=16), rx.text("Groups: ", weight="medium"),
                    rx.cond(s.groups.length() > 0, rx.hstack(rx.foreach(s.groups, lambda g: rx.badge(g, variant="soft")), wrap="wrap", spacing="2"), rx.text("none yet")),
                    spacing="2", align="center", wrap="wrap",
                ),
                spacing="3",
            ),
            width="100%",
        ),
    )


@page("/learn", "My learning", permission="learning.view", on_load=MyLearningState.load)
def my_learning() -> rx.Component:
    s = MyLearningState
    return rx.vstack(
        rx.flex(
            rx.box(
                rx.heading(rx.text.span("Welcome, "), rx.text.span(s.first_name), size="7", id="landing-title"),
                rx.text("Your courses and your progress, all in one place.", color_scheme="gray"),
            ),
            rx.link(rx.button(rx.icon("library", size=16), "Browse the catalog", variant="soft"), href="/catalog"),
            justify="between",
            align="end",
            wrap="wrap",
            spacing="3",
            width="100%",
        ),
        rx.cond(
            s.loaded,
            rx.vstack(
                rx.cond(
                    s.required.length() > 0,
                    section("Required training", rx.card(rx.vstack(rx.foreach(s.required, _required_row), spacing="0", width="100%"), width="100%"),
                            id="required-training"),
                ),
                rx.cond(
                    s.ending_soon.length() > 0,
                    section("Access ending soon", rx.vstack(rx.foreach(s.ending_soon, _ending_row), spacing="2", width="100%"), id="ending-soon"),
                ),
                rx.cond(
                    s.in_progress.length() > 0,
                    section("In progress", rx.grid(rx.foreach(s.in_progress, _in_progress_card), columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%"), id="in-progress"),
                ),
                latest_announcements(s.latest_announcements),
                rx.cond(
                    ~s.has_courses,
                    section(
                        "My courses",
                        empty_state("book-open", "No courses yet",
                                    "Find a course in the catalog and enroll yourself. Courses your organization assigns to you appear here too, with your progress and where you left off.",
                                    rx.link(rx.button(rx.icon("library", size=16), "Browse the catalog"), href="/catalog")),
                    ),
                ),
                rx.cond(
                    s.completed.length() > 0,
                    section("Completed", rx.vstack(rx.foreach(s.completed, _completed_row), spacing="0", width="100%"), id="completed"),
                ),
                rx.cond(
                    s.recommended.length() > 0,
                    section("Recommended for you", rx.text("Courses on the same subjects as yours.", size="2", color_scheme="gray"), course_grid(s.recommended), id="recommended"),
                ),
                spacing="0",
                width="100%",
            ),
            _loading(),
        ),
        _where_i_belong(),
        width="100%",
        spacing="4",
    )
