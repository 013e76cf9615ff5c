"""Course archives in the instructor's pages: the editor's Export link and My courses' Import
dialog."""

from __future__ import annotations

import reflex as rx

from lms_app import settings
from lms_app.components.ui import drop_zone
from lms_app.state.course_archive import CourseImportState

IMPORT_UPLOAD_ID = "course-archive-upload"


def export_course_link(course_ref: rx.Var) -> rx.Component:
    """A download button: the route answers the .zip as an attachment, named after the course.
    The browser fetches it itself (a link through the client-side router was sometimes cut
    short by the router's own navigation)."""
    return rx.button(
        rx.icon("download", size=16), "Export",
        on_click=rx.download(url="/files/courses/" + course_ref + "/export"),
        variant="soft", color_scheme="gray", id="export-course",
        title="Download this course (settings, modules, lessons and files) as one .zip to import elsewhere",
    )


def import_course_dialog() -> rx.Component:
    s = CourseImportState
    archive_zone = drop_zone(
        IMPORT_UPLOAD_ID, "file-archive", "Drop the course archive here, or click to choose it",
        f"A .zip exported from a course editor, up to {settings.MAX_COURSE_ARCHIVE_MB} MB",
        {"application/zip": [".zip"], "application/x-zip-compressed": [".zip"]},
        # Said before the upload starts, so the dialog shows the import under way until it answers.
        [s.start_import, s.upload_archive(rx.upload_files(upload_id=IMPORT_UPLOAD_ID))],
        disabled=s.importing,
    )
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("upload", size=16), "Import course", variant="soft", id="import-course")),
        rx.dialog.content(
            rx.dialog.title("Import a course"),
            rx.dialog.description(
                "It becomes a new draft that you teach, with the archive's modules, lessons and files (checked again). "
                "Learners and progress are not part of an archive.",
                size="2", color_scheme="gray",
            ),
            rx.vstack(
                archive_zone,
                rx.cond(
                    s.importing,
                    rx.hstack(rx.spinner(size="2"), rx.text("Importing… checking every lesson and file.", size="2"), spacing="2", align="center", id="import-progress"),
                ),
                rx.cond(
                    s.error != "",
                    rx.callout.root(
                        rx.callout.icon(rx.icon("triangle-alert", size=16)),
                        rx.callout.text(s.error, overflow_wrap="anywhere"),
                        color_scheme="red", role="alert", width="100%", id="import-error",
                    ),
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", type="button")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                margin_top="12px",
                width="100%",
            ),
            max_width="520px",
        ),
        open=s.import_open,
        on_open_change=s.set_import_open,
    )
