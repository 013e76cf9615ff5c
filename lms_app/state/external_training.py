"""Training done elsewhere: the learner's own records and the "Record training" dialog
(/learn/external), and the reviewers' queue (/teams/external-training), where a manager may
also record training for someone they manage."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import reflex as rx
from sqlmodel import Session

from lms_app.services import external_training, timefmt
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _num, _viewer_tz
from lms_app.state.base import ActorMixin, signed_in

UPLOAD_ID = "external-evidence"
STATUS_LABELS = {"pending": "Waiting for review", "approved": "Approved", "rejected": "Not approved"}
DRAFT_FIELDS = ("title", "provider", "completed_on", "hours", "course")
NO_COURSE = "none"


@dataclasses.dataclass
class TrainingView:
    id: str
    person: str
    email: str
    department: str
    title: str
    provider: str
    completed_on: str
    hours: str
    course: str
    status: str
    status_label: str
    evidence_name: str
    evidence_href: str
    recorded_by: str
    reviewed: str
    note: str


@dataclasses.dataclass
class Option:
    id: str
    label: str


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _hours(h: float) -> str:
    return f"{h:g} h"


def _views(rows: list[external_training.TrainingRow], tz: str) -> list[TrainingView]:
    return [TrainingView(
        str(r.id), r.user_name, r.user_email, r.department, r.title, r.provider, _day(r.completed_on), _hours(r.hours), r.course_title,
        r.status, STATUS_LABELS.get(r.status, r.status), r.evidence_name, f"/files/external-training/{r.id}", r.submitted_by,
        (f"{r.reviewed_by}, {timefmt.show(r.reviewed_at, tz)}" if r.reviewed_at else ""), r.review_note,
    ) for r in rows]


class TrainingFormMixin(ActorMixin, mixin=True):
    """The "Record training" form: its draft (typed values, checked by the service on saving),
    the courses it may stand in for, and the upload of the evidence."""

    form_open: bool = False
    draft: dict[str, str] = {}
    course_options: list[Option] = []
    # Whose training is recorded (0: the actor's own); set from the reviewers' person search.
    _for_user: int = 0
    for_name: str = ""

    def _fill_courses(self, session: Session, actor: Actor) -> None:
        self.course_options = [Option(NO_COURSE, "None")] + [Option(str(i), t) for i, t in external_training.course_options(session, actor)]

    def _before_record(self, session: Session, actor: Actor) -> None:
        """Refuse (with a domain error) what this page may not record."""

    def _after_record(self, session: Session, actor: Actor) -> None:
        """Redraw the page's list after a record was saved."""

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)

    @rx.event
    def set_draft(self, name: str, value: str):
        if name in DRAFT_FIELDS:
            self.draft = {**self.draft, name: str(value or "")[:300]}

    @signed_in
    def _record(self, session: Session, actor: Actor, evidence):
        self._before_record(session, actor)
        d = self.draft
        row = external_training.record(
            session, actor, title=d.get("title", ""), provider=d.get("provider", ""), completed_on=d.get("completed_on", ""), hours=d.get("hours", ""),
            evidence=evidence, course_id=None if d.get("course", NO_COURSE) == NO_COURSE else _num(d.get("course")), user_id=self._for_user or None)
        self.form_open, self.draft = False, {}
        self._after_record(session, actor)
        whose = "" if row.user_id == actor.user_id else f" for {self.for_name}"
        return [rx.toast.success(f"“{row.title}” recorded{whose}: it counts once a reviewer approves it."), rx.clear_selected_files(UPLOAD_ID)]

    @rx.event
    async def record(self, uploads: list[rx.UploadFile]):
        """Save the record with the evidence chosen (checked by content and kept privately)."""
        evidence = (uploads[0].file, uploads[0].filename or "") if uploads else None
        # Copying the file takes a while: not on the event loop, which serves everyone.
        return await asyncio.to_thread(self._record, evidence)


class MyExternalTrainingState(TrainingFormMixin, rx.State):
    records: list[TrainingView] = []
    loaded: bool = False

    def _after_record(self, session: Session, actor: Actor) -> None:
        self.records = _views(external_training.my_records(session, actor), _viewer_tz(session, actor))

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.form_open, self.draft, self._for_user = False, {}, 0
        self._fill_courses(session, actor)
        self._after_record(session, actor)
        self.loaded = True


class ExternalReviewState(TrainingFormMixin, rx.State):
    tab: str = "pending"
    records: list[TrainingView] = []
    loaded: bool = False
    # Rejecting one record (dialog).
    reject_open: bool = False
    reject_id: str = ""
    reject_title: str = ""
    # Recording for someone: the person search.
    person_query: str = ""
    person_results: list[Option] = []

    def _before_record(self, session: Session, actor: Actor) -> None:
        external_training.require_reviewer(actor)
        if not self._for_user:
            raise Invalid("Choose whose training this is first.")

    def _after_record(self, session: Session, actor: Actor) -> None:
        self.records = _views(external_training.review_queue(session, actor, status=self.tab), _viewer_tz(session, actor))

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.form_open = self.reject_open = False
        self._after_record(session, actor)
        self.loaded = True

    @rx.event
    @signed_in
    def set_tab(self, session: Session, actor: Actor, value: str):
        self.tab = value if value in external_training.STATUSES else "pending"
        self._after_record(session, actor)

    @rx.event
    @signed_in
    def approve(self, session: Session, actor: Actor, training_id: str):
        row = external_training.review(session, actor, _num(training_id), approve=True)
        self._after_record(session, actor)
        return rx.toast.success(f"“{row.title}” approved." + (" It counts for the course it stands in for." if row.course_id else ""))

    @rx.event
    def ask_reject(self, training_id: str):
        row = next((r for r in self.records if r.id == training_id), None)
        if row is not None:
            self.reject_id, self.reject_title, self.reject_open = row.id, f"{row.title} ({row.person})", True

    @rx.event
    def set_reject_open(self, value: bool):
        self.reject_open = bool(value)

    @rx.event
    @signed_in
    def reject(self, session: Session, actor: Actor, form: dict):
        row = external_training.review(session, actor, _num(self.reject_id), approve=False, note=str(form.get("note", ""))[:1100])
        self.reject_open = False
        self._after_record(session, actor)
        return rx.toast.success(f"“{row.title}” not approved. The person is told why.")

    @rx.event
    @signed_in
    def open_record_for(self, session: Session, actor: Actor):
        self.draft, self._for_user, self.for_name, self.person_query, self.person_results = {}, 0, "", "", []
        self._fill_courses(session, actor)
        external_training.require_reviewer(actor)
        self.form_open = True

    @rx.event
    @signed_in
    def search_people(self, session: Session, actor: Actor, value: str):
        self.person_query = str(value or "")[:100]
        self.person_results = [Option(str(i), f"{name} ({email})") for i, name, email in external_training.recordable_people(session, actor, self.person_query)]

    @rx.event
    @signed_in
    def pick_person(self, session: Session, actor: Actor, user_id: str):
        found = {i: label for i, label in ((str(i), f"{n} ({e})") for i, n, e in external_training.recordable_people(session, actor, self.person_query))}
        if user_id in found:
            self._for_user, self.for_name = _num(user_id), found[user_id].rsplit(" (", 1)[0]
            self.person_results = []
