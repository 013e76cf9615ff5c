"""Training done elsewhere: the learner's records (/learn/external) and the reviewers' queue
(/teams/external-training)."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import WIDE_ONLY, empty_state, form_dialog, form_field, page_header
from lms_app.page_registry import page
from lms_app.state.external_training import UPLOAD_ID, ExternalReviewState, MyExternalTrainingState, TrainingView

STATUS_COLORS = (("approved", "green"), ("rejected", "red"), "amber")
ACCEPT = {"application/pdf": [".pdf"], "image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}


def _status(r: TrainingView) -> rx.Component:
    return rx.badge(r.status_label, color_scheme=rx.match(r.status, *STATUS_COLORS), variant="soft")


def _evidence_link(r: TrainingView) -> rx.Component:
    return rx.link(rx.hstack(rx.icon("paperclip", size=14), rx.text(r.evidence_name, size="2", overflow_wrap="anywhere"), spacing="1", align="center"),
                   href=r.evidence_href, is_external=True)


def _form_fields(s) -> list[rx.Component]:
    """The fields of the "Record training" dialog (both pages)."""
    return [
        form_field("Title", rx.input(on_change=lambda v: s.set_draft("title", v), max_length=200, width="100%", placeholder="First aid at work", id="external-title")),
        form_field("Provider", rx.input(on_change=lambda v: s.set_draft("provider", v), max_length=200, width="100%", placeholder="Red Cross", id="external-provider")),
        rx.grid(
            form_field("Completed on", rx.input(type="date", on_change=lambda v: s.set_draft("completed_on", v), width="100%", id="external-date")),
            form_field("Hours", rx.input(type="number", min=0.25, max=1000, step=0.25, on_change=lambda v: s.set_draft("hours", v), width="100%", id="external-hours")),
            columns="2", spacing="3", width="100%",
        ),
        form_field("Stands in for (optional)", rx.select.root(
            rx.select.trigger(placeholder="None", width="100%", id="external-course"),
            rx.select.content(rx.foreach(s.course_options, lambda o: rx.select.item(o.label, value=o.id))),
            on_change=lambda v: s.set_draft("course", v),
        ), "Once approved, it counts as completing that course for required training."),
        form_field("Evidence", rx.vstack(
            rx.upload.root(
                rx.vstack(
                    rx.icon("file-up", size=24, color=rx.color("accent", 10)),
                    rx.text("Drop the certificate here, or click to choose", size="2", weight="medium", align="center"),
                    rx.text("A PDF or an image (PNG, JPEG, WebP)", size="1", color_scheme="gray", align="center"),
                    align="center", spacing="1",
                ),
                id=UPLOAD_ID, accept=ACCEPT, max_files=1, multiple=False,
                border=f"2px dashed {rx.color('gray', 7)}", border_radius="10px", padding="16px", width="100%", cursor="pointer",
            ),
            rx.foreach(rx.selected_files(UPLOAD_ID), lambda name: rx.hstack(rx.icon("paperclip", size=14), rx.text(name, size="2", overflow_wrap="anywhere"),
                                                                            spacing="2", align="center")),
            spacing="2", width="100%",
        )),
    ]


def _record_dialog(s, trigger: rx.Component, *before: rx.Component, title: str = "Record training done elsewhere") -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(trigger),
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description("A reviewer checks the evidence before the training counts.", size="2", color_scheme="gray"),
            rx.vstack(
                *before,
                *_form_fields(s),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                    rx.button("Record", on_click=s.record(rx.upload_files(upload_id=UPLOAD_ID)), id="external-save"),
                    justify="end", spacing="3", width="100%", margin_top="8px",
                ),
                spacing="3", margin_top="12px",
            ),
            max_width="520px",
        ),
        open=s.form_open, on_open_change=s.set_form_open,
    )


# --- the learner's records -----------------------------------------------------------------------

def _my_row(r: TrainingView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(
            rx.text(r.title, weight="medium"),
            rx.text(r.provider, size="1", color_scheme="gray"),
            rx.cond(r.course != "", rx.text("Stands in for ", r.course, size="1", color_scheme="gray")),
            rx.box(_evidence_link(r), display=["block", "block", "none"]),
            spacing="0",
        )),
        rx.table.cell(r.completed_on),
        rx.table.cell(r.hours, display=WIDE_ONLY),
        rx.table.cell(_evidence_link(r), display=WIDE_ONLY),
        rx.table.cell(rx.vstack(
            _status(r),
            rx.cond(r.note != "", rx.text(r.note, size="1", color_scheme="gray")),
            spacing="1",
        )),
    )


@page("/learn/external", "Training done elsewhere", permission="learning.view", on_load=MyExternalTrainingState.load)
def my_external_training() -> rx.Component:
    s = MyExternalTrainingState
    return rx.vstack(
        page_header("Training done elsewhere", "Courses you took outside, with their evidence: once approved, they count.",
                    _record_dialog(s, rx.button(rx.icon("plus", size=16), "Record training", id="external-open"))),
        rx.cond(
            s.records.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Training"), rx.table.column_header_cell("Completed"),
                    rx.table.column_header_cell("Hours", display=WIDE_ONLY), rx.table.column_header_cell("Evidence", display=WIDE_ONLY),
                    rx.table.column_header_cell("Status"),
                )),
                rx.table.body(rx.foreach(s.records, _my_row)),
                variant="surface", width="100%", id="external-records",
            ), overflow_x="auto", width="100%"),
            rx.cond(s.loaded, empty_state("award", "Nothing recorded yet",
                                          "Took a course somewhere else? Record it with its certificate: your manager approves it, and it can count for required training.")),
        ),
        width="100%", spacing="4",
    )


# --- the reviewers' queue ------------------------------------------------------------------------

def _review_row(r: TrainingView) -> rx.Component:
    s = ExternalReviewState
    return rx.table.row(
        rx.table.cell(rx.vstack(
            rx.text(r.person, weight="medium"),
            rx.text(r.department, size="1", color_scheme="gray"),
            rx.cond(r.recorded_by != "", rx.text("Recorded by ", r.recorded_by, size="1", color_scheme="gray")),
            spacing="0",
        )),
        rx.table.cell(rx.vstack(
            rx.text(r.title, weight="medium"),
            rx.text(r.provider, " · ", r.completed_on, " · ", r.hours, size="1", color_scheme="gray"),
            rx.cond(r.course != "", rx.text("Stands in for ", r.course, size="1", color_scheme="gray")),
            rx.box(_evidence_link(r), display=["block", "block", "none"]),
            spacing="0",
        )),
        rx.table.cell(_evidence_link(r), display=WIDE_ONLY),
        rx.table.cell(rx.cond(
            r.status == "pending",
            rx.hstack(
                rx.button(rx.icon("check", size=14), "Approve", size="1", color_scheme="green", variant="soft", on_click=s.approve(r.id)),
                rx.button(rx.icon("x", size=14), "Reject", size="1", color_scheme="red", variant="soft", on_click=s.ask_reject(r.id)),
                spacing="2", wrap="wrap",
            ),
            rx.vstack(_status(r), rx.text(r.reviewed, size="1", color_scheme="gray"), rx.cond(r.note != "", rx.text(r.note, size="1")), spacing="1"),
        )),
    )


def _reject_dialog() -> rx.Component:
    s = ExternalReviewState
    return form_dialog(
        rx.text.span("Reject “", s.reject_title, "”?"),
        form_field("Why", rx.text_area(name="note", required=True, max_length=1000, rows="3", width="100%", id="external-reject-note"),
                   "The person reads this, with your name."),
        submit="Reject", submit_id="external-reject-confirm", on_submit=s.reject, reset_on_submit=True,
        open=s.reject_open, on_open_change=s.set_reject_open,
    )


def _person_picker() -> rx.Component:
    s = ExternalReviewState
    return form_field("Person", rx.vstack(
        rx.cond(s.for_name != "", rx.badge(rx.icon("user", size=12), s.for_name, size="2", variant="soft")),
        rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Find someone you manage", on_change=s.search_people.debounce(300),
                 width="100%", id="external-person-search"),
        rx.foreach(s.person_results, lambda p: rx.button(p.label, size="1", variant="ghost", on_click=s.pick_person(p.id), type="button")),
        spacing="2", width="100%", align="start",
    ))


@page("/teams/external-training", "Training to review", permission="teams.view", on_load=ExternalReviewState.load)
def external_review() -> rx.Component:
    s = ExternalReviewState
    return rx.vstack(
        page_header("Training done elsewhere", "Check the evidence, then approve or reject what your people recorded.",
                    _record_dialog(s, rx.button(rx.icon("plus", size=16), "Record for someone", on_click=s.open_record_for, variant="soft", id="external-open-for"),
                                   _person_picker(), title="Record training for someone")),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("To review", value="pending"),
                rx.tabs.trigger("Approved", value="approved"),
                rx.tabs.trigger("Not approved", value="rejected"),
            ),
            value=s.tab, on_change=s.set_tab, width="100%",
        ),
        rx.cond(
            s.records.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Person"), rx.table.column_header_cell("Training"),
                    rx.table.column_header_cell("Evidence", display=WIDE_ONLY), rx.table.column_header_cell(""),
                )),
                rx.table.body(rx.foreach(s.records, _review_row)),
                variant="surface", width="100%", id="external-queue",
            ), overflow_x="auto", width="100%"),
            rx.cond(s.loaded, empty_state("inbox", "Nothing here", rx.cond(
                s.tab == "pending", "No training waits for your review. Records your people make show here.", "No record has this status yet."))),
        ),
        _reject_dialog(),
        width="100%", spacing="4",
    )
