"""Course announcements: the staff page (post with a live preview, edit, delete) and the
learners' page (newest first, new ones marked)."""

from __future__ import annotations

import reflex as rx

from lms_app.components.announcements import announcement_card
from lms_app.components.ui import confirm_dialog, empty_state, form_dialog, form_field, markdown, page_header, section
from lms_app.page_registry import page
from lms_app.services.announcements import MAX_BODY, MAX_TITLE
from lms_app.state.announcements import AnnouncementRow, CourseAnnouncementsState, LearnerAnnouncementsState

BODY_PLACEHOLDER = "What learners should know: **bold**, lists with - , links…"


def _loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding_y="64px", width="100%")


def _back(label: str, href) -> rx.Component:
    return rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text(label, size="2"), spacing="1", align="center"),
                   href=href, color=rx.color("gray", 11))


def _markdown_with_preview(value, on_change, id_prefix: str, rows: str = "8") -> rx.Component:
    """The Markdown text and its preview, side by side from tablet widths up."""
    return rx.grid(
        form_field("Text (Markdown)", rx.text_area(
            name="body", value=value, on_change=on_change, rows=rows, max_length=MAX_BODY, width="100%", id=f"{id_prefix}-body",
            placeholder=BODY_PLACEHOLDER, style={"font_family": "var(--code-font-family, monospace)", "font_size": "13px"},
        )),
        rx.vstack(
            rx.text("Preview", size="2", weight="medium"),
            rx.box(
                rx.cond(value != "", markdown(value), rx.text("The preview appears as you write.", size="2", color_scheme="gray")),
                border=f"1px solid {rx.color('gray', 5)}", border_radius="8px", padding="12px", width="100%",
                min_height="120px", max_height="360px", overflow="auto", id=f"{id_prefix}-preview",
            ),
            spacing="1", width="100%", min_width="0",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="3",
        width="100%",
    )


# --- staff ----------------------------------------------------------------------------------

def _post_form() -> rx.Component:
    s = CourseAnnouncementsState
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("New announcement", size="4"),
                form_field("Title", rx.input(name="title", value=s.draft_title, on_change=s.set_draft_title, max_length=MAX_TITLE,
                                             width="100%", id="announcement-title", placeholder="The session on Thursday moves to room B")),
                _markdown_with_preview(s.draft_body, s.set_draft_body, "announcement"),
                rx.flex(
                    rx.text(
                        rx.flex(
                            rx.checkbox(checked=s.also_email, on_change=s.set_also_email, disabled=s.recipients == 0, id="announcement-email"),
                            s.email_label,
                            spacing="2", align="center",
                        ),
                        as_="label", size="2",
                    ),
                    rx.button(rx.icon("send", size=16), "Post", type="submit", id="announcement-post"),
                    justify="between", align="center", spacing="3", wrap="wrap", width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=s.post,
            width="100%",
        ),
        width="100%",
    )


def _staff_card(r: AnnouncementRow) -> rx.Component:
    s = CourseAnnouncementsState
    return announcement_card(
        r,
        rx.cond(r.can_change, rx.hstack(
            rx.icon_button(rx.icon("pencil", size=14), size="1", variant="ghost", color_scheme="gray", on_click=s.ask_edit(r.id), aria_label="Edit " + r.title),
            rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red", on_click=s.ask_delete(r.id), aria_label="Delete " + r.title),
            spacing="3",
        )),
        class_name="lms-announcement",
    )


def _edit_dialog() -> rx.Component:
    s = CourseAnnouncementsState
    return form_dialog(
        "Edit the announcement",
        form_field("Title", rx.input(name="title", default_value=s.edit_title, max_length=MAX_TITLE, required=True, width="100%", id="edit-announcement-title")),
        _markdown_with_preview(s.edit_body, s.set_edit_body, "edit-announcement", rows="10"),
        description="Learners see the new text; it is not emailed again.",
        submit="Save", submit_id="edit-announcement-save", on_submit=s.save_edit,
        open=s.edit_open, on_open_change=s.set_edit_open, max_width="760px",
    )


def _delete_dialog() -> rx.Component:
    s = CourseAnnouncementsState
    return confirm_dialog(
        rx.text.span("Delete “", s.target_title, "”?"),
        "Learners will no longer see it. Emails already sent cannot be taken back.",
        rx.button("Delete", color_scheme="red", on_click=s.delete, id="delete-announcement-confirm"),
        open=s.delete_open, on_open_change=s.set_delete_open,
    )


@page("/teach/courses/[course_id]/announcements", "Announcements", permission="courses.teach", on_load=CourseAnnouncementsState.load)
def course_announcements() -> rx.Component:
    s = CourseAnnouncementsState
    return rx.cond(
        s.found,
        rx.vstack(
            _back("Course editor", "/teach/courses/" + s.course_ref),
            page_header("Announcements", s.course_title),
            _post_form(),
            section(
                "Posted",
                rx.cond(
                    s.rows.length() > 0,
                    rx.vstack(rx.foreach(s.rows, _staff_card), spacing="3", width="100%", id="announcements"),
                    empty_state("megaphone", "Nothing posted yet", "Announcements appear here and in the course for its learners, newest first."),
                ),
            ),
            _edit_dialog(),
            _delete_dialog(),
            spacing="4",
            width="100%",
        ),
        _loading(),
    )


# --- learners -------------------------------------------------------------------------------

def _learner_list() -> rx.Component:
    s = LearnerAnnouncementsState
    return rx.vstack(
        _back("Back to the course", "/learn/courses/" + s.course_id),
        page_header("Announcements", s.course_title),
        rx.cond(
            s.rows.length() > 0,
            rx.vstack(
                rx.cond(s.unread > 0, rx.text(s.unread, rx.cond(s.unread == 1, " new announcement since your last visit.", " new announcements since your last visit."),
                                              size="2", color_scheme="gray", id="announcements-new-note")),
                rx.foreach(s.rows, lambda r: announcement_card(r, class_name="lms-announcement")),
                spacing="3", width="100%", id="announcements",
            ),
            empty_state("megaphone", "No announcements yet", "The course's instructors post news here: changes, reminders, answers for everyone.",
                        rx.link(rx.button("Back to the course", tab_index=-1), href="/learn/courses/" + s.course_id)),
        ),
        spacing="2",
        width="100%",
    )


def _not_enrolled() -> rx.Component:
    s = LearnerAnnouncementsState
    return empty_state(
        "book-lock", s.message, "The course's announcements are for its learners. Enroll from the course's page to read them.",
        rx.cond(s.course_id != "", rx.link(rx.button("See the course", tab_index=-1), href="/catalog/" + s.course_id)),
        rx.link(rx.button("My learning", variant="soft", tab_index=-1), href="/learn"),
    )


def _missing() -> rx.Component:
    return empty_state("circle-help", LearnerAnnouncementsState.message, "Go back to your courses.",
                       rx.link(rx.button("My learning", variant="soft", tab_index=-1), href="/learn"))


@page("/learn/courses/[course_id]/announcements", "Announcements", permission="learning.view", on_load=LearnerAnnouncementsState.load)
def learner_announcements() -> rx.Component:
    return rx.match(
        LearnerAnnouncementsState.view,
        ("ok", _learner_list()),
        ("not_enrolled", _not_enrolled()),
        ("missing", _missing()),
        _loading(),
    )
