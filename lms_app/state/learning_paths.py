"""Learning paths: the list and the create dialog (/teach/paths), one path's editor with its
courses, assignment and people (/teach/paths/<id>), and the learner's own paths (/learn/paths)."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import learning_paths, timefmt
from lms_app.services.enrollment import EnrollCounts
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _num, _viewer_tz
from lms_app.state.base import ActorMixin, signed_in

COURSE_STATUS_LABELS = {"completed": "Completed", "in_progress": "In progress", "not_started": "Not started", "unavailable": "No longer offered"}
RUN_STATUS_LABELS = {"active": "On the path", "completed": "Completed", "withdrawn": "Withdrawn"}


@dataclasses.dataclass
class PathCard:
    id: str
    title: str
    description: str
    courses: str
    rule: str
    active: str
    completed: str
    href: str


@dataclasses.dataclass
class PathCourseRow:
    id: str
    title: str
    published: bool
    first: bool
    last: bool


@dataclasses.dataclass
class Option:
    id: str
    label: str


@dataclasses.dataclass
class PersonOption:
    id: str
    name: str
    email: str


@dataclasses.dataclass
class PathPersonRow:
    name: str
    email: str
    status: str
    status_label: str
    progress: str
    percent: int
    enrolled: str
    completed: str


@dataclasses.dataclass
class MyCourseRow:
    title: str
    status: str
    status_label: str
    href: str


@dataclasses.dataclass
class MyPathCard:
    id: str
    title: str
    description: str
    status: str
    rule: str
    progress: str
    percent: int
    completed: str
    courses: list[MyCourseRow]
    next_href: str
    next_title: str


def _path_in_url(path: str) -> int:
    """The path id of /teach/paths/<id>."""
    parts = (path or "").strip("/").split("/")
    return _num(parts[2]) if len(parts) > 2 and parts[:2] == ["teach", "paths"] else 0


class LearningPathsState(ActorMixin, rx.State):
    paths: list[PathCard] = []
    create_open: bool = False

    def _reload(self, session: Session, actor: Actor) -> None:
        self.paths = [PathCard(str(p.id), p.title, p.description, str(p.courses), p.rule_text, str(p.active), str(p.completed), f"/teach/paths/{p.id}")
                      for p in learning_paths.list_paths(session, actor)]

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.create_open = False
        self._reload(session, actor)

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)

    @rx.event
    @signed_in
    def create(self, session: Session, actor: Actor, form: dict):
        path = learning_paths.create_path(session, actor, str(form.get("title", ""))[:300], str(form.get("description", ""))[:6000])
        self.create_open = False
        return [rx.redirect(f"/teach/paths/{path.id}"), rx.toast.success(f"Learning path “{path.title}” created. Add its courses.")]


class PathEditorState(ActorMixin, rx.State):
    path_id: str = ""
    title: str = ""
    description: str = ""
    rule: str = "all"
    required_count: str = ""
    certificate_months: str = ""
    rule_text: str = ""
    form_key: int = 0
    courses: list[PathCourseRow] = []
    addable: list[Option] = []
    people: list[PathPersonRow] = []
    # Assigning.
    person_query: str = ""
    person_results: list[PersonOption] = []
    group_options: list[Option] = []
    department_options: list[Option] = []
    delete_open: bool = False

    def _reload(self, session: Session, actor: Actor) -> None:
        details = learning_paths.get_path(session, actor, _path_in_url(self.router.url.path))
        self.path_id, self.title, self.description = str(details.id), details.title, details.description
        self.rule = details.completion_rule
        self.required_count = str(details.required_count or "")
        self.certificate_months = str(details.certificate_months or "")
        self.rule_text = details.rule_text
        self.form_key += 1
        n = len(details.courses)
        self.courses = [PathCourseRow(str(c.course_id), c.title, c.visibility == "published", i == 0, i == n - 1) for i, c in enumerate(details.courses)]
        self.addable = [Option(str(cid), title) for cid, title in learning_paths.addable_courses(session, actor, details.id)]
        tz = _viewer_tz(session, actor)
        self.people = [
            PathPersonRow(r.name, r.email, r.status, RUN_STATUS_LABELS.get(r.status, r.status), f"{r.done} of {r.total}",
                          r.done * 100 // r.total if r.total else 0, timefmt.show(r.enrolled_at, tz),
                          timefmt.show(r.completed_at, tz, never="—"))
            for r in learning_paths.path_learners(session, actor, details.id)
        ]

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.delete_open, self.person_query, self.person_results = False, "", []
        self._reload(session, actor)
        _, groups, departments = learning_paths.assign_options(session, actor)
        self.group_options = [Option(str(i), name) for i, name in groups]
        self.department_options = [Option(str(i), name) for i, name in departments]

    @rx.event
    def pick_rule(self, value: str):
        self.rule = value if value in learning_paths.RULES else "all"

    @rx.event
    @signed_in
    def save(self, session: Session, actor: Actor, form: dict):
        path = learning_paths.update_path(
            session, actor, _path_in_url(self.router.url.path), title=str(form.get("title", ""))[:300], description=str(form.get("description", ""))[:6000],
            completion_rule=str(form.get("rule", self.rule)), required_count=str(form.get("required_count", ""))[:6],
            certificate_months=str(form.get("certificate_months", ""))[:6])
        self._reload(session, actor)
        return rx.toast.success(f"“{path.title}” saved.")

    @rx.event
    @signed_in
    def add_course(self, session: Session, actor: Actor, form: dict):
        learning_paths.add_course(session, actor, _path_in_url(self.router.url.path), _num(form.get("course")))
        self._reload(session, actor)
        return rx.toast.success("Course added at the end of the path.")

    @rx.event
    @signed_in
    def remove_course(self, session: Session, actor: Actor, course_id: str):
        learning_paths.remove_course(session, actor, _path_in_url(self.router.url.path), _num(course_id))
        self._reload(session, actor)
        return rx.toast.success("Course taken out of the path. Runs of it stay on record.")

    @rx.event
    @signed_in
    def move_course(self, session: Session, actor: Actor, course_id: str, direction: str):
        learning_paths.move_course(session, actor, _path_in_url(self.router.url.path), _num(course_id), str(direction))
        self._reload(session, actor)

    @rx.event
    @signed_in
    def search_people(self, session: Session, actor: Actor, value: str):
        self.person_query = str(value or "")[:100]
        people, _, _ = learning_paths.assign_options(session, actor, self.person_query)
        self.person_results = [PersonOption(str(i), name, email) for i, name, email in people]

    def _assigned(self, session: Session, actor: Actor, counts: EnrollCounts):
        self._reload(session, actor)
        parts = [f"{counts.enrolled} {'person' if counts.enrolled == 1 else 'people'} put on the path"]
        if counts.already:
            parts.append(f"{counts.already} already on it")
        if counts.skipped:
            parts.append(f"{counts.skipped} skipped (deactivated or awaiting approval)")
        return rx.toast.success(", ".join(parts) + ".")

    @rx.event
    @signed_in
    def assign_person(self, session: Session, actor: Actor, user_id: str):
        counts = learning_paths.assign_path(session, actor, _path_in_url(self.router.url.path), user_ids=[_num(user_id)])
        self.person_results = [p for p in self.person_results if p.id != user_id]
        return self._assigned(session, actor, counts)

    @rx.event
    @signed_in
    def assign_group(self, session: Session, actor: Actor, form: dict):
        counts = learning_paths.assign_path(session, actor, _path_in_url(self.router.url.path), group_id=_num(form.get("group")) or None)
        return self._assigned(session, actor, counts)

    @rx.event
    @signed_in
    def assign_department(self, session: Session, actor: Actor, form: dict):
        counts = learning_paths.assign_path(session, actor, _path_in_url(self.router.url.path), department_id=_num(form.get("department")) or None)
        return self._assigned(session, actor, counts)

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @rx.event
    @signed_in
    def delete(self, session: Session, actor: Actor):
        learning_paths.delete_path(session, actor, _path_in_url(self.router.url.path))
        self.delete_open = False
        return [rx.redirect("/teach/paths"), rx.toast.success("Learning path deleted.")]


class MyPathsState(ActorMixin, rx.State):
    paths: list[MyPathCard] = []
    loaded: bool = False

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        tz = _viewer_tz(session, actor)
        cards = []
        for p in learning_paths.my_paths(session, actor):
            nxt = next((c for c in p.courses if c.course_id == p.next_course_id), None)
            cards.append(MyPathCard(
                str(p.path_id), p.title, p.description, p.status, p.rule_text, f"{min(p.done, p.needed)} of {p.needed}",
                min(100, p.done * 100 // p.needed) if p.needed else 0, timefmt.show(p.completed_at, tz, never=""),
                [MyCourseRow(c.title, c.status, COURSE_STATUS_LABELS[c.status], f"/learn/courses/{c.course_id}" if c.status != "unavailable" else "")
                 for c in p.courses],
                f"/learn/courses/{nxt.course_id}" if nxt else "", nxt.title if nxt else "",
            ))
        self.paths, self.loaded = cards, True
