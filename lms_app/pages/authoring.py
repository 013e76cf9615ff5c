"""Instructors' pages: My courses and the course editor."""

from __future__ import annotations

import reflex as rx

from lms_app import settings
from lms_app.components.assignment_editor import assignment_editor
from lms_app.components.scorm_editor import scorm_editor
from lms_app.components.authoring import kind_icon, kind_options, small_icon_button, visibility_badge
from lms_app.components.course_archive import export_course_link, import_course_dialog
from lms_app.components.quiz_editor import quiz_editor
from lms_app.components.ui import (
    confirm_dialog,
    drop_zone,
    empty_state,
    form_dialog,
    form_field,
    language_select,
    markdown,
    static_select,
)
from lms_app.page_registry import page
from lms_app.state.auth import AuthState
from lms_app.state.authoring import (
    CourseEditorState,
    LessonView,
    ModuleView,
    IMAGE_MB,
    NO_COURSE,
    PrereqOption,
    StaffView,
    TeachCard,
    TeachState,
)

STAFF_ROLES = [("instructor", "Instructor"), ("assistant", "Assistant")]
COMPLETION_RULES = [
    ("all_required", "All required lessons are done"),
    ("chosen", "The chosen lessons are done"),
    ("final_assessment", "The final assessment is passed"),
]


# --- My courses -------------------------------------------------------------------------------

def _new_course_dialog() -> rx.Component:
    s = TeachState
    return form_dialog(
        "New course",
        form_field("Title", rx.input(name="title", required=True, max_length=200, width="100%", id="new-course-title")),
        form_field("Summary", rx.text_area(name="summary", rows="3", width="100%"), "What learners will be able to do afterwards."),
        rx.grid(
            form_field("Category", rx.input(name="category", placeholder="Safety, Sales, Onboarding…", width="100%")),
            form_field("Language", language_select(name="language", default_value="en")),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        description="It starts as a draft: only you see it until you publish it.",
        trigger=rx.button(rx.icon("plus", size=16), "New course", id="new-course"),
        submit="Create course", submit_id="create-course", on_submit=s.create_course, reset_on_submit=True,
        open=s.create_open, on_open_change=s.set_create_open,
    )


def _course_card(c: TeachCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                visibility_badge(c.visibility, c.visibility_label),
                rx.badge(c.role, variant="outline", color_scheme="gray"),
                spacing="2",
                wrap="wrap",
            ),
            rx.heading(c.title, size="4", trim="both", class_name="lms-course-title"),
            rx.hstack(rx.icon("users", size=14), rx.text(c.learners, rx.cond(c.learners == "1", " active learner", " active learners"), size="2"),
                      spacing="1", align="center", color=rx.color("gray", 11)),
            rx.spacer(),
            rx.hstack(
                rx.link(rx.button(rx.icon("pencil", size=14), "Edit", size="2", variant="soft"), href="/teach/courses/" + c.id),
                rx.link(rx.button(rx.icon("users", size=14), "Learners", size="2", variant="soft", color_scheme="gray"), href="/teach/courses/" + c.id + "/learners"),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            height="100%",
            width="100%",
        ),
        width="100%",
    )


@page("/teach", "My courses", permission="courses.teach", on_load=TeachState.load)
def my_courses() -> rx.Component:
    s = TeachState
    can_create = AuthState.permissions.contains("courses.create")
    return rx.vstack(
        rx.flex(
            rx.box(
                rx.heading("My courses", size="7", id="landing-title"),
                rx.text("The courses you teach: write them, publish them, follow their learners.", color_scheme="gray"),
            ),
            rx.cond(can_create, rx.hstack(import_course_dialog(), _new_course_dialog(), spacing="2", wrap="wrap")),
            justify="between",
            align="end",
            wrap="wrap",
            spacing="3",
            width="100%",
            margin_bottom="8px",
        ),
        rx.cond(
            s.courses.length() > 0,
            rx.grid(rx.foreach(s.courses, _course_card), columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%", id="teach-courses"),
            rx.cond(
                s.loaded,
                empty_state(
                    "presentation", "You are not teaching a course yet",
                    rx.cond(can_create,
                            "Start with “New course”: give it a title, then add modules and lessons, and publish it when it is ready.",
                            "Courses appear here once an instructor adds you to one as an instructor or teaching assistant."),
                ),
                rx.center(rx.spinner(size="3"), padding_y="48px", width="100%"),
            ),
        ),
        width="100%",
        spacing="4",
    )


# --- the course editor ------------------------------------------------------------------------

def _editor_actions() -> rx.Component:
    s = CourseEditorState
    return rx.cond(
        s.can_edit,
        rx.hstack(
            rx.match(
                s.visibility,
                ("draft", rx.button(rx.icon("rocket", size=16), "Publish", on_click=s.publish, id="publish-course")),
                ("published", rx.button(rx.icon("undo-2", size=16), "Back to draft", variant="soft", on_click=s.unpublish, id="unpublish-course")),
                rx.button(rx.icon("undo-2", size=16), "Back to draft", variant="soft", on_click=s.unpublish, id="unpublish-course"),
            ),
            rx.cond(
                s.visibility != "archived",
                confirm_dialog(
                    "Archive this course?",
                    "It closes to new enrollments and leaves the catalog. People already enrolled keep their access and progress.",
                    rx.button("Archive", color_scheme="red", on_click=s.archive, id="archive-confirm"),
                    open=s.archive_open, on_open_change=s.set_archive_open,
                    trigger=rx.button(rx.icon("archive", size=16), "Archive", variant="soft", color_scheme="gray", id="archive-course"),
                ),
            ),
            rx.cond(s.can_copy, rx.button(rx.icon("copy", size=16), "Copy", variant="soft", color_scheme="gray", on_click=s.copy_course, id="copy-course")),
            export_course_link(s.course_ref),
            spacing="2",
            wrap="wrap",
        ),
    )


def _problems_callout() -> rx.Component:
    s = CourseEditorState
    return rx.cond(
        s.problems.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("list-checks", size=18)),
            rx.vstack(
                rx.hstack(
                    rx.text("Before you can publish:", weight="bold", size="2"),
                    rx.spacer(),
                    small_icon_button("x", "Hide the checklist", s.dismiss_problems),
                    width="100%",
                    align="center",
                ),
                rx.el.ul(rx.foreach(s.problems, lambda p: rx.el.li(rx.text(p, size="2"))), style={"margin": "0", "padding_left": "18px"}),
                spacing="1",
                width="100%",
            ),
            color_scheme="amber",
            variant="surface",
            width="100%",
            id="publish-problems",
        ),
    )


COVER_UPLOAD_ID = "cover-upload"
IMAGE_TYPES = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}


def _cover() -> rx.Component:
    """The course's cover image (shown on its catalog card and page), and where to drop a new one."""
    s = CourseEditorState
    picture = rx.cond(
        s.cover_url != "",
        rx.image(src=s.cover_url, alt="Cover image", width="100%", height="100%", object_fit="cover", id="cover-image"),
        rx.center(rx.icon("image", size=28, color=rx.color("gray", 8)), width="100%", height="100%"),
    )
    frame = rx.box(picture, width="160px", max_width="40%", aspect_ratio="16 / 9", border_radius="8px", overflow="hidden",
                   background=rx.color("gray", 3), flex_shrink="0")
    return rx.flex(
        frame,
        rx.vstack(
            rx.text("Cover image", size="2", weight="medium"),
            rx.cond(
                s.can_edit,
                rx.vstack(
                    rx.upload.root(
                        rx.button(rx.icon("upload", size=14), rx.cond(s.cover_url != "", "Replace", "Upload"), type="button", variant="soft", size="1"),
                        id=COVER_UPLOAD_ID, accept=IMAGE_TYPES,
                        max_files=1, multiple=False, no_drag=False,
                        on_drop=s.upload_cover(rx.upload_files(upload_id=COVER_UPLOAD_ID)),
                    ),
                    rx.cond(s.cover_url != "", rx.button("Remove", type="button", variant="ghost", color_scheme="red", size="1", on_click=s.remove_cover)),
                    spacing="1",
                ),
            ),
            rx.text(f"PNG, JPEG or WebP, up to {IMAGE_MB} MB; 16:9 looks best.", size="1", color_scheme="gray"),
            spacing="2", min_width="0",
        ),
        spacing="3", align="start", width="100%",
    )


def _required_course_select() -> rx.Component:
    s = CourseEditorState
    return rx.select.root(
        rx.select.trigger(width="100%", id="required-course"),
        rx.select.content(
            rx.select.item("No other course", value=NO_COURSE),
            rx.foreach(s.required_course_choices, lambda c: rx.select.item(c.label, value=c.id)),
        ),
        value=s.required_course, on_change=s.pick_required_course, disabled=~s.can_edit,
    )


def _details_card() -> rx.Component:
    s = CourseEditorState
    ro = ~s.can_edit
    return rx.card(
        rx.vstack(
            rx.heading("Details", size="4"),
            _cover(),
            rx.form(
                rx.vstack(
                    form_field("Title", rx.input(name="title", default_value=s.course_title, required=True, max_length=200, width="100%", read_only=ro, id="course-title")),
                    form_field("Summary", rx.text_area(name="summary", default_value=s.summary, rows="3", width="100%", read_only=ro)),
                    rx.grid(
                        form_field("Category", rx.input(name="category", default_value=s.category, width="100%", read_only=ro)),
                        form_field("Language", language_select(name="language", value=s.language, on_change=s.pick_language, disabled=ro)),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                    ),
                    form_field("Tags", rx.input(name="tags", default_value=s.tags, placeholder="safety, warehouse", width="100%", read_only=ro), "Separated by commas."),
                    rx.grid(
                        form_field("Estimated minutes", rx.input(name="estimated_minutes", default_value=s.estimated_minutes, type="number", min="0", width="100%", read_only=ro)),
                        form_field("Access (days)", rx.input(name="access_days", default_value=s.access_days, type="number", min="1", placeholder="No end", width="100%", read_only=ro),
                                   "Days after enrolling; empty: no end."),
                        columns="2", spacing="3", width="100%",
                    ),
                    rx.grid(
                        form_field("Completed when", static_select(COMPLETION_RULES, name="completion_rule", value=s.completion_rule, on_change=s.pick_completion_rule, disabled=ro)),
                        form_field("Requires first", _required_course_select(), "A course learners finish before enrolling."),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                    ),
                    rx.cond(s.can_edit, rx.hstack(rx.button("Save details", type="submit", id="save-details"), justify="end", width="100%")),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.save_details,
                key=s.details_key,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _staff_row(m: StaffView) -> rx.Component:
    s = CourseEditorState
    return rx.flex(
        rx.vstack(
            rx.text(m.name, size="2", weight="medium"),
            rx.text(m.email, size="1", color_scheme="gray", overflow_wrap="anywhere"),
            spacing="0", min_width="0", flex="1",
        ),
        rx.cond(
            s.can_edit,
            rx.hstack(
                rx.select.root(
                    rx.select.trigger(variant="soft", aria_label="Course role"),
                    rx.select.content(*(rx.select.item(label, value=role) for role, label in STAFF_ROLES)),
                    value=m.role, on_change=lambda role: s.change_staff_role(m.user_id, role), size="1",
                ),
                small_icon_button("user-minus", "Remove from the teaching team", s.ask_delete("staff", m.user_id)),
                spacing="1", align="center", flex_shrink="0",
            ),
            rx.badge(m.role_label, variant="soft", color_scheme=rx.cond(m.role == "instructor", "blue", "gray")),
        ),
        spacing="3", align="center", width="100%", class_name="lms-staff-row",
    )


def _staff_candidate(m: StaffView) -> rx.Component:
    s = CourseEditorState
    return rx.flex(
        rx.vstack(rx.text(m.name, size="2"), rx.text(m.email, size="1", color_scheme="gray", overflow_wrap="anywhere"), spacing="0", min_width="0", flex="1"),
        rx.hstack(
            rx.button("Instructor", size="1", variant="soft", on_click=s.add_staff(m.user_id, "instructor")),
            rx.button("Assistant", size="1", variant="soft", color_scheme="gray", on_click=s.add_staff(m.user_id, "assistant")),
            spacing="1", flex_shrink="0",
        ),
        spacing="2", align="center", width="100%",
    )


def _team_card() -> rx.Component:
    s = CourseEditorState
    return rx.card(
        rx.vstack(
            rx.heading("Teaching team", size="4"),
            rx.text("Instructors change the course; assistants read it and help learners. Their power covers this course only.", size="1", color_scheme="gray"),
            rx.vstack(rx.foreach(s.staff, _staff_row), spacing="2", width="100%", id="teaching-team"),
            rx.cond(
                s.can_edit,
                rx.vstack(
                    rx.input(rx.input.slot(rx.icon("user-plus", size=14)), placeholder="Add someone who teaches: name or email",
                             value=s.staff_query, on_change=s.search_staff.debounce(300), width="100%", id="staff-search"),
                    rx.cond(
                        s.staff_found.length() > 0,
                        rx.vstack(rx.foreach(s.staff_found, _staff_candidate), spacing="2", width="100%"),
                        rx.cond(s.staff_query != "", rx.text("Nobody who teaches matches.", size="1", color_scheme="gray")),
                    ),
                    spacing="2", width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _enrollment_card() -> rx.Component:
    s = CourseEditorState
    return rx.card(
        rx.vstack(
            rx.heading("Enrollment", size="4"),
            rx.flex(
                rx.vstack(
                    rx.text("Learners enroll themselves", size="2", weight="medium"),
                    rx.text("From the catalog, once the course is published.", size="1", color_scheme="gray"),
                    spacing="0",
                ),
                rx.switch(checked=s.self_enrollment, on_change=s.set_self_enrollment, disabled=~s.can_edit, id="self-enrollment"),
                justify="between", align="center", spacing="3", width="100%",
            ),
            rx.separator(size="4"),
            rx.hstack(
                rx.cond(s.has_key, rx.icon("key-round", size=16), rx.icon("lock-open", size=16)),
                rx.text(rx.cond(s.has_key, "An enrollment key is required.", "No enrollment key."), size="2", id="key-status"),
                spacing="2", align="center",
            ),
            rx.cond(
                s.can_edit,
                rx.form(
                    rx.flex(
                        rx.input(name="key", type="password", placeholder=rx.cond(s.has_key, "New key", "Key learners must type"), auto_complete="new-password", min_length=4, flex="1", min_width="0"),
                        rx.button(rx.cond(s.has_key, "Change key", "Set key"), type="submit", variant="soft"),
                        rx.cond(s.has_key, rx.button("Remove", type="button", variant="ghost", color_scheme="red", on_click=s.remove_key)),
                        spacing="2", width="100%", align="center",
                    ),
                    on_submit=s.set_key,
                    reset_on_submit=True,
                    width="100%",
                ),
            ),
            rx.text("The key is stored scrambled: it cannot be shown again, only replaced.", size="1", color_scheme="gray"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _lesson_badges(le: LessonView) -> rx.Component:
    s = CourseEditorState
    return rx.flex(
        rx.cond(le.required, rx.badge("Required", variant="soft", size="1"), rx.badge("Optional", variant="soft", color_scheme="gray", size="1")),
        rx.cond((s.completion_rule == "chosen") & le.counts, rx.badge(rx.icon("flag", size=11), "Completes the course", variant="soft", color_scheme="green", size="1")),
        rx.cond(le.release != "", rx.badge(rx.icon("calendar", size=11), le.release, variant="soft", color_scheme="blue", size="1")),
        rx.cond(le.requires != "", rx.badge(rx.icon("lock", size=11), le.requires, variant="soft", color_scheme="violet", size="1")),
        rx.cond(le.problem != "", rx.tooltip(rx.badge(rx.icon("circle-alert", size=11), "Not ready", variant="soft", color_scheme="amber", size="1"), content=le.problem)),
        wrap="wrap",
        style={"gap": "4px"},
    )


def _lesson_row(le: LessonView) -> rx.Component:
    s = CourseEditorState
    return rx.flex(
        rx.center(kind_icon(le.kind), width="30px", height="30px", border_radius="8px", background=rx.color("accent", 3), color=rx.color("accent", 11), flex_shrink="0"),
        rx.vstack(
            # A button, not a link: a link without an address would reload the page.
            rx.el.button(
                rx.text(le.title, size="2", weight="medium"),
                on_click=s.open_lesson(le.id),
                class_name="lms-lesson-title",
                style={"all": "unset", "cursor": "pointer", "max_width": "100%", "overflow_wrap": "anywhere"},
                _hover={"text_decoration": "underline"},
            ),
            rx.flex(
                rx.text(le.kind_label, size="1", color_scheme="gray"), _lesson_badges(le),
                rx.cond(le.kind == "live_session", rx.link(rx.icon("users", size=12), "Sign-ups and attendance", size="1",
                                                          href="/teach/courses/" + s.course_ref + "/sessions/" + le.id, class_name="lms-attendance-link")),
                rx.cond(le.kind == "quiz", rx.link(rx.hstack(rx.icon("users", size=12), rx.text("Attempts", size="1"), spacing="1", align="center"),
                                                  href="/teach/courses/" + s.course_ref + "/quizzes/" + le.id, class_name="lms-quiz-attempts-link")),
                align="center", wrap="wrap", style={"gap": "8px"},
            ),
            spacing="1",
            min_width="0",
            flex="1",
        ),
        rx.cond(
            s.can_edit,
            rx.hstack(
                small_icon_button("arrow-up", "Move lesson up", s.move_lesson(le.id, "up"), disabled=le.first),
                small_icon_button("arrow-down", "Move lesson down", s.move_lesson(le.id, "down"), disabled=le.last),
                small_icon_button("pencil", "Edit lesson", s.open_lesson(le.id)),
                small_icon_button("trash-2", "Delete lesson", s.ask_delete("lesson", le.id)),
                spacing="1",
                flex_shrink="0",
            ),
            small_icon_button("eye", "View lesson", s.open_lesson(le.id)),
        ),
        spacing="3",
        align="center",
        width="100%",
        padding_y="8px",
        border_top=f"1px solid {rx.color('gray', 4)}",
        class_name="lms-lesson-row",
    )


def _module_card(m: ModuleView) -> rx.Component:
    s = CourseEditorState
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.heading(m.title, size="3", class_name="lms-module-title"),
                    rx.cond(m.release != "", rx.badge(rx.icon("calendar", size=11), m.release, variant="soft", color_scheme="blue", size="1")),
                    spacing="1", min_width="0", flex="1",
                ),
                rx.cond(
                    s.can_edit,
                    rx.hstack(
                        small_icon_button("arrow-up", "Move module up", s.move_module(m.id, "up"), disabled=m.first),
                        small_icon_button("arrow-down", "Move module down", s.move_module(m.id, "down"), disabled=m.last),
                        small_icon_button("settings-2", "Module settings", s.module_settings(m.id)),
                        small_icon_button("trash-2", "Delete module", s.ask_delete("module", m.id)),
                        spacing="1", flex_shrink="0",
                    ),
                ),
                spacing="3", align="start", width="100%",
            ),
            rx.cond(
                m.lessons.length() > 0,
                rx.vstack(rx.foreach(m.lessons, _lesson_row), spacing="0", width="100%"),
                rx.text("No lessons yet.", size="2", color_scheme="gray"),
            ),
            rx.cond(s.can_edit, rx.button(rx.icon("plus", size=14), "Add lesson", size="1", variant="soft", on_click=s.new_lesson(m.id), class_name="lms-add-lesson")),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="lms-module",
    )


def _outline() -> rx.Component:
    s = CourseEditorState
    return rx.vstack(
        rx.flex(
            rx.heading("Outline", size="4"),
            rx.cond(s.can_edit, rx.button(rx.icon("plus", size=16), "Add module", variant="soft", on_click=s.new_module, id="add-module")),
            justify="between", align="center", width="100%",
        ),
        rx.cond(
            s.modules.length() > 0,
            rx.vstack(rx.foreach(s.modules, _module_card), spacing="3", width="100%", id="course-outline"),
            empty_state("layers", "No modules yet", "A course is made of modules (chapters), each holding lessons. Add the first module to start."),
        ),
        spacing="3",
        width="100%",
    )


def _module_dialog() -> rx.Component:
    s = CourseEditorState
    title_field = form_field("Title", rx.input(name="title", default_value=s.module_form_title, required=True, max_length=200, width="100%", id="module-title", key=s.module_form_id + s.module_form_title))
    return rx.cond(
        s.module_form_id == "",
        form_dialog(
            "Add module", title_field,
            submit="Save", submit_id="save-module", on_submit=s.save_module,
            open=s.module_form_open, on_open_change=s.set_module_form_open, max_width="440px",
        ),
        rx.dialog.root(
            rx.dialog.content(
                rx.flex(
                    rx.dialog.title("Module settings", margin="0"),
                    rx.dialog.close(small_icon_button("x", "Close", None)),
                    justify="between", align="center", width="100%",
                ),
                rx.vstack(
                    rx.form(
                        rx.flex(rx.box(title_field, flex="1", min_width="0"), rx.cond(s.can_edit, rx.button("Rename", type="submit", variant="soft", id="save-module")),
                                spacing="2", align="end", width="100%"),
                        on_submit=s.save_module, width="100%",
                    ),
                    rx.separator(size="4"),
                    _release_form(),
                    rx.separator(size="4"),
                    _prerequisites("Opens after these modules are done", s.module_prereq_options, s.toggle_module_prerequisite, "No other modules yet."),
                    spacing="4", width="100%", margin_top="12px",
                ),
                max_width="min(520px, calc(100vw - 24px))",
                id="module-settings",
            ),
            open=s.module_form_open,
            on_open_change=s.set_module_form_open,
        ),
    )


def _add_lesson_dialog() -> rx.Component:
    s = CourseEditorState
    return form_dialog(
        "Add lesson",
        form_field("Kind", static_select(kind_options(), id="lesson-kind", name="kind", value=s.add_lesson_kind, on_change=s.pick_lesson_kind)),
        form_field("Title", rx.input(name="title", required=True, max_length=200, width="100%", id="lesson-new-title")),
        submit="Add lesson", submit_id="save-new-lesson", on_submit=s.add_lesson, reset_on_submit=True,
        open=s.add_lesson_open, on_open_change=s.set_add_lesson_open, max_width="440px",
    )


def _delete_dialog() -> rx.Component:
    s = CourseEditorState
    return confirm_dialog(
        rx.cond(s.delete_what == "staff", rx.text.span("Remove ", s.delete_name, " from the teaching team?"), rx.text.span("Delete “", s.delete_name, "”?")),
        rx.match(
            s.delete_what,
            ("module", "The module and all its lessons go, with the progress learners made in them. This cannot be undone."),
            ("staff", "They lose their role on this course (their own learning is not touched)."),
            "The lesson goes, with the progress learners made in it. This cannot be undone.",
        ),
        rx.button(rx.cond(s.delete_what == "staff", "Remove", "Delete"), color_scheme="red", on_click=s.confirm_delete, id="delete-confirm"),
        open=s.delete_open, on_open_change=s.set_delete_open,
    )


IMAGE_UPLOAD_ID = "lesson-image-upload"


def _text_editor() -> rx.Component:
    s = CourseEditorState
    return rx.vstack(
        rx.grid(
            rx.vstack(
                rx.text("Markdown", size="2", weight="medium"),
                rx.text_area(
                    value=s.markdown, on_change=s.set_markdown, on_blur=s.autosave_markdown,
                    read_only=~s.can_edit, rows="16", width="100%", id="lesson-markdown",
                    placeholder="# A heading\n\nParagraphs, **bold**, lists with - …",
                    style={"font_family": "var(--code-font-family, monospace)", "font_size": "13px"},
                ),
                spacing="1", width="100%", min_width="0",
            ),
            rx.vstack(
                rx.text("Preview", size="2", weight="medium"),
                rx.box(
                    rx.cond(s.markdown != "", markdown(s.markdown), rx.text("The preview appears as you write.", size="2", color_scheme="gray")),
                    border=f"1px solid {rx.color('gray', 5)}", border_radius="8px", padding="12px", width="100%",
                    min_height="120px", max_height="420px", overflow_y="auto", overflow_x="auto", id="lesson-preview",
                ),
                spacing="1", width="100%", min_width="0",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        rx.cond(
            s.can_edit,
            rx.flex(
                rx.text(rx.cond(s.markdown_dirty, "Unsaved changes: saved when you leave the text, or now.", "All changes saved."), size="1", color_scheme="gray", id="markdown-status"),
                rx.hstack(
                    rx.upload.root(
                        rx.button(rx.icon("image-plus", size=14), "Add image", size="2", variant="soft", type="button"),
                        id=IMAGE_UPLOAD_ID, accept=IMAGE_TYPES,
                        max_files=1, multiple=False,
                        on_drop=s.upload_lesson_image(rx.upload_files(upload_id=IMAGE_UPLOAD_ID)),
                    ),
                    rx.button(rx.icon("save", size=14), "Save text", size="2", on_click=s.save_markdown, id="save-markdown"),
                    spacing="2",
                ),
                justify="between", align="center", spacing="3", wrap="wrap", width="100%",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _content_form(*fields, note: rx.Component | None = None) -> rx.Component:
    s = CourseEditorState
    return rx.form(
        rx.vstack(
            note or rx.fragment(),
            *fields,
            rx.cond(s.can_edit, rx.hstack(rx.button("Save lesson", type="submit", id="save-content"), justify="end", width="100%")),
            spacing="3",
            width="100%",
        ),
        on_submit=s.save_content,
        key="content-" + s.lesson_key.to_string(),
        width="100%",
    )


LESSON_UPLOAD_ID = "lesson-file-upload"
VIDEO_MB, FILE_MB = settings.MAX_VIDEO_MB, settings.MAX_FILE_MB


def _file_upload(what: str, accept: dict, limit_mb: int) -> rx.Component:
    """The stored file of a video or file lesson, and where to drop a new one (checked on the
    server by content and size)."""
    s = CourseEditorState
    return rx.vstack(
        rx.cond(
            s.stored_file_name != "",
            rx.hstack(rx.icon("file-check", size=16, color=rx.color("green", 10)), rx.text(s.stored_file_name, size="2", weight="medium", overflow_wrap="anywhere", id="stored-file-name"),
                      rx.text(s.stored_file_size, size="1", color_scheme="gray"), spacing="2", align="center", wrap="wrap"),
            rx.text("No file uploaded yet.", size="2", color_scheme="gray", id="stored-file-name"),
        ),
        rx.cond(
            s.can_edit,
            drop_zone(
                LESSON_UPLOAD_ID, "file-up",
                rx.cond(s.stored_file_name != "", "Drop a file here to replace it, or click to choose one", "Drop a file here, or click to choose one"),
                f"{what}, up to {limit_mb} MB", accept, s.upload_lesson_file(rx.upload_files(upload_id=LESSON_UPLOAD_ID)),
            ),
        ),
        spacing="2",
        width="100%",
    )


def _content_editor() -> rx.Component:
    s = CourseEditorState
    ro = ~s.can_edit
    return rx.match(
        s.lesson_kind,
        ("text", _text_editor()),
        ("link", _content_form(
            form_field("Web address", rx.input(name="url", default_value=s.link_url, type="url", placeholder="https://", width="100%", read_only=ro)),
            rx.text(rx.el.label(rx.hstack(rx.checkbox(name="open_in_new_tab", default_checked=s.link_new_tab, disabled=ro), rx.text("Open in a new tab", size="2"), spacing="2", align="center"))),
        )),
        ("video", rx.vstack(
            rx.radio_group.root(
                rx.flex(
                    rx.text(rx.el.label(rx.hstack(rx.radio_group.item(value="upload"), rx.text("Upload a video file", size="2"), spacing="2", align="center"))),
                    rx.text(rx.el.label(rx.hstack(rx.radio_group.item(value="link"), rx.text("Link to a video hosted elsewhere", size="2"), spacing="2", align="center"))),
                    spacing="4", wrap="wrap",
                ),
                value=s.video_source, on_change=s.pick_video_source, disabled=ro, id="video-source",
            ),
            rx.cond(s.video_source == "upload", _file_upload("MP4, WebM or Ogg video", {"video/mp4": [".mp4", ".m4v"], "video/webm": [".webm"], "video/ogg": [".ogv", ".ogg"]}, VIDEO_MB)),
            _content_form(
                rx.el.input(type="hidden", name="source", value=s.video_source),
                rx.cond(s.video_source == "link",
                        form_field("Video address", rx.input(name="url", default_value=s.video_url, type="url", placeholder="https://", width="100%", read_only=ro))),
                form_field("Length in seconds", rx.input(name="duration_seconds", default_value=s.video_duration, type="number", min="1", width="100%", read_only=ro),
                           "Optional. With it, learners complete the lesson by watching most of it."),
            ),
            spacing="3",
            width="100%",
        )),
        ("file", _file_upload("PDF, image (PNG, JPEG), Office document or plain text", {
            "application/pdf": [".pdf"], "image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "text/plain": [".txt", ".md", ".csv"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
            "application/vnd.openxmlformats-officedocument.presentationml.presentation": [".pptx"],
            "application/vnd.oasis.opendocument.text": [".odt"], "application/vnd.oasis.opendocument.spreadsheet": [".ods"],
            "application/vnd.oasis.opendocument.presentation": [".odp"],
        }, FILE_MB)),
        ("assignment", assignment_editor()),
        ("live_session", _content_form(
            form_field("Starts at", rx.input(name="starts_at", default_value=s.live_starts_at, placeholder="2027-03-03T14:00+01:00", width="100%", read_only=ro),
                       "Date, time and time zone offset."),
            form_field("Length in minutes", rx.input(name="duration_minutes", default_value=s.live_duration, type="number", min="1", width="100%", read_only=ro)),
            form_field("Link to join", rx.input(name="join_url", default_value=s.live_join_url, type="url", placeholder="https://", width="100%", read_only=ro)),
            form_field("Place", rx.input(name="location", default_value=s.live_location, placeholder="Room, address…", width="100%", read_only=ro), "A link to join, a place, or both."),
            form_field("Seats", rx.input(name="capacity", default_value=s.live_capacity, type="number", min="1", placeholder="No limit", width="100%", read_only=ro),
                       "Once they are taken, learners join a waiting list. Empty: no limit."),
        )),
        ("quiz", quiz_editor()),
        ("scorm", scorm_editor()),
        rx.callout("This kind of lesson is not edited here.", icon="info", size="1", variant="surface", width="100%"),
    )


def _release_form() -> rx.Component:
    s = CourseEditorState
    return rx.form(
        rx.vstack(
            rx.text("Opens", size="2", weight="medium"),
            rx.radio_group.root(
                rx.flex(
                    rx.text(rx.el.label(rx.hstack(rx.radio_group.item(value="now"), rx.text("At once", size="2"), spacing="2", align="center"))),
                    rx.text(rx.el.label(rx.hstack(rx.radio_group.item(value="date"), rx.text("On a date", size="2"), spacing="2", align="center"))),
                    rx.text(rx.el.label(rx.hstack(rx.radio_group.item(value="days"), rx.text("Days after enrolling", size="2"), spacing="2", align="center"))),
                    wrap="wrap", style={"gap": "8px 20px"},
                ),
                name="release_mode", value=s.release_mode, on_change=s.pick_release_mode, disabled=~s.can_edit,
            ),
            rx.match(
                s.release_mode,
                ("date", rx.input(name="release_date", type="date", default_value=s.release_date, width="220px", max_width="100%")),
                ("days", rx.input(name="release_days", type="number", min="1", default_value=s.release_days, placeholder="7", width="120px")),
                rx.fragment(),
            ),
            rx.cond(s.can_edit, rx.button("Save release rule", type="submit", variant="soft", size="2", id="save-release")),
            spacing="2",
            width="100%",
        ),
        on_submit=s.save_release,
        key="release-" + s.lesson_key.to_string(),
        width="100%",
    )


def _prerequisites(title: str, options, on_toggle, empty: str) -> rx.Component:
    s = CourseEditorState

    def option(p: PrereqOption) -> rx.Component:
        return rx.text(rx.el.label(rx.hstack(
            rx.checkbox(checked=p.checked, on_change=lambda v: on_toggle(p.id, v), disabled=~s.can_edit),
            rx.text(p.label, size="2"),
            spacing="2", align="center",
        )))

    return rx.vstack(
        rx.text(title, size="2", weight="medium"),
        rx.cond(
            options.length() > 0,
            rx.vstack(rx.foreach(options, option), spacing="1", max_height="180px", overflow_y="auto", width="100%"),
            rx.text(empty, size="2", color_scheme="gray"),
        ),
        spacing="2", width="100%", min_width="0",
    )


def _lesson_dialog() -> rx.Component:
    s = CourseEditorState
    return rx.dialog.root(
        rx.dialog.content(
            rx.flex(
                rx.dialog.title(rx.hstack(kind_icon(s.lesson_kind, 18), rx.text(s.lesson_kind_label), spacing="2", align="center"), margin="0"),
                rx.dialog.close(small_icon_button("x", "Close", None)),
                justify="between", align="center", width="100%",
            ),
            rx.vstack(
                rx.cond(s.lesson_problem != "", rx.callout(s.lesson_problem, icon="circle-alert", color_scheme="amber", size="1", variant="surface", width="100%", id="lesson-problem")),
                rx.flex(
                    form_field("Title", rx.input(default_value=s.lesson_title, on_blur=s.save_lesson_title, read_only=~s.can_edit, max_length=200, width="100%", id="lesson-title", key="title-" + s.lesson_key.to_string())),
                    rx.vstack(
                        rx.text("Required", size="2", weight="medium"),
                        rx.switch(checked=s.lesson_required, on_change=s.set_lesson_required, disabled=~s.can_edit, id="lesson-required"),
                        spacing="1",
                    ),
                    rx.cond(
                        s.completion_rule == "chosen",
                        rx.vstack(
                            rx.text("Completes the course", size="2", weight="medium", white_space="nowrap"),
                            rx.switch(checked=s.lesson_counts, on_change=s.set_lesson_counts, disabled=~s.can_edit, id="lesson-counts"),
                            spacing="1",
                        ),
                    ),
                    spacing="4", align="start", width="100%",
                ),
                _content_editor(),
                rx.separator(size="4"),
                rx.cond(
                    s.can_edit & (s.modules.length() > 1),
                    form_field("Module", rx.select.root(
                        rx.select.trigger(width="100%", max_width="360px", id="lesson-module"),
                        rx.select.content(rx.foreach(s.modules, lambda m: rx.select.item(m.title, value=m.id))),
                        value=s.lesson_module, on_change=s.move_lesson_to_module,
                    ), "Moving a lesson puts it at the end of that module."),
                ),
                rx.grid(
                    _release_form(),
                    _prerequisites("Opens after these lessons are done", s.prereq_options, s.toggle_prerequisite, "No other lessons yet."),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                spacing="4",
                width="100%",
                margin_top="12px",
            ),
            max_width="min(1000px, calc(100vw - 24px))",
            width="100%",
            id="lesson-editor",
        ),
        open=s.lesson_open,
        on_open_change=s.set_lesson_open,
    )


@page("/teach/courses/[course_id]", "Course editor", permission="courses.teach", on_load=CourseEditorState.load)
def course_editor() -> rx.Component:
    s = CourseEditorState
    return rx.cond(
        s.found,
        rx.vstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("My courses", size="2"), spacing="1", align="center"), href="/teach", color=rx.color("gray", 11)),
            rx.flex(
                rx.vstack(
                    rx.hstack(rx.heading(s.course_title, size="7", id="course-heading"), visibility_badge(s.visibility, s.visibility_label, id="course-visibility"), spacing="3", align="center", wrap="wrap"),
                    rx.text(s.lesson_count, rx.cond(s.lesson_count == 1, " lesson", " lessons"), " · ",
                            rx.link("Learners", href="/teach/courses/" + s.course_ref + "/learners"), " · ",
                            rx.link("Announcements", href="/teach/courses/" + s.course_ref + "/announcements", id="course-announcements-link"), " · ",
                            rx.link("Question bank", href="/teach/courses/" + s.course_ref + "/questions", id="question-bank-link"), " · ",
                            rx.link("Gradebook", href="/teach/courses/" + s.course_ref + "/gradebook", id="gradebook-link"), " · ",
                            rx.link("Rubrics", href="/teach/courses/" + s.course_ref + "/rubrics", id="rubrics-link"), " · ",
                            rx.link("Analytics", href="/teach/courses/" + s.course_ref + "/analytics", id="analytics-link"),
                            size="2", color_scheme="gray"),
                    spacing="1", min_width="0",
                ),
                _editor_actions(),
                justify="between", align="end", wrap="wrap", spacing="3", width="100%",
            ),
            rx.cond(~s.can_edit, rx.callout("You assist on this course: you can read its outline; only its instructors change it.", icon="eye", variant="surface", width="100%")),
            _problems_callout(),
            rx.grid(
                _outline(),
                rx.vstack(_details_card(), _enrollment_card(), _team_card(), spacing="4", width="100%"),
                columns=rx.breakpoints(initial="1", lg="2"),
                spacing="5",
                width="100%",
                align_items="start",
            ),
            _module_dialog(),
            _add_lesson_dialog(),
            _delete_dialog(),
            _lesson_dialog(),
            spacing="4",
            width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="64px", width="100%"),
    )
