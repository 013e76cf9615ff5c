"""The SCORM lesson editor inside the course editor's lesson dialog: the package in use, where
to drop a new one (or a new version), the attempts allowed, and the learners' attempts."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import drop_zone, form_field
from lms_app.services import scorm_package
from lms_app.state.authoring import CourseEditorState
from lms_app.state.scorm_editor import ScormEditorState

S = ScormEditorState
UPLOAD_ID = "scorm-package-upload"


def _package() -> rx.Component:
    p = S.package
    return rx.cond(
        S.has_package,
        rx.vstack(
            rx.hstack(rx.icon("package-check", size=18, color=rx.color("green", 10)),
                      rx.text(p.title, weight="medium", size="3", id="scorm-package-title"),
                      rx.badge(p.edition, variant="soft", id="scorm-edition"), rx.badge(p.version, variant="outline", color_scheme="gray"),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(p.file, " · uploaded ", p.uploaded, size="1", color_scheme="gray"),
            rx.cond(S.items.length() > 1,
                    rx.vstack(rx.text("Parts, in order", size="2", weight="medium"),
                              rx.el.ol(rx.foreach(S.items, lambda t: rx.el.li(rx.text(t, size="2"))), style={"padding_left": "20px", "margin": 0}),
                              spacing="1", width="100%", id="scorm-items")),
            rx.cond(S.unsupported.length() > 0,
                    rx.callout(rx.vstack(rx.text("This package uses what the player does not do yet:", weight="medium"),
                                         rx.foreach(S.unsupported, lambda u: rx.text("• ", u, size="1")), spacing="1"),
                               icon="triangle-alert", color_scheme="amber", size="1", width="100%", id="scorm-unsupported")),
            spacing="2",
            width="100%",
            padding="12px",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="10px",
        ),
        rx.text("No package uploaded yet.", size="2", color_scheme="gray", id="scorm-package-title"),
    )


def _upload() -> rx.Component:
    limit_mb = scorm_package.MAX_PACKAGE_BYTES // (1024 * 1024)
    return rx.cond(
        CourseEditorState.can_edit,
        rx.vstack(
            drop_zone(
                UPLOAD_ID, "file-archive",
                rx.cond(S.has_package, "Drop a new version of the package here, or click to choose it", "Drop a SCORM package here, or click to choose it"),
                f"SCORM 1.2 or 2004 .zip, up to {limit_mb} MB",
                {"application/zip": [".zip"], "application/x-zip-compressed": [".zip"]},
                S.upload(rx.upload_files(upload_id=UPLOAD_ID)),
            ),
            rx.cond(S.has_package,
                    rx.text(rx.el.label(rx.hstack(
                        rx.checkbox(checked=S.move_open_attempts, on_change=S.set_move_open_attempts, id="scorm-move-open"),
                        rx.text("Learners with an unfinished attempt start again on the new version "
                                "(otherwise they finish on the version they started). Finished results are kept either way.", size="2"),
                        spacing="2", align="start")))),
            spacing="2",
            width="100%",
        ),
    )


def _settings() -> rx.Component:
    return rx.cond(
        S.has_package,
        rx.form(
            rx.hstack(
                form_field("Attempts allowed", rx.input(name="max_attempts", default_value=S.max_attempts, type="number", min="1", max="100",
                                                        placeholder="No limit", read_only=~CourseEditorState.can_edit, id="scorm-max-attempts", width="140px"),
                           "A learner starts a new attempt once the last one is finished."),
                rx.cond(CourseEditorState.can_edit, rx.button("Save", type="submit", variant="soft", id="scorm-save-settings")),
                align="end", spacing="3", wrap="wrap",
            ),
            on_submit=S.save,
            key="scorm-settings-" + S.form_key.to_string(),
            width="100%",
        ),
    )


def scorm_editor() -> rx.Component:
    """The SCORM lesson open in the course editor (loads itself for each lesson)."""
    return rx.box(
        rx.cond(
            S.loaded & (S.lesson_ref == CourseEditorState.lesson_id),
            rx.vstack(
                _package(), _upload(), _settings(),
                rx.cond(S.has_package,
                        rx.link(rx.button(rx.icon("table", size=16), "Learners' attempts", variant="soft", color_scheme="gray", tab_index=-1),
                                href="/teach/courses/" + CourseEditorState.course_ref + "/scorm/" + CourseEditorState.lesson_id, id="scorm-attempts-link")),
                spacing="4", width="100%",
            ),
            rx.center(rx.spinner(size="2"), padding_y="24px", width="100%"),
        ),
        key=CourseEditorState.lesson_id,
        on_mount=S.load(CourseEditorState.lesson_id),
        width="100%",
        id="scorm-editor",
    )
