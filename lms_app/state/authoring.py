"""The instructor's pages: My courses and the course editor (settings, outline, lessons,
publishing). Thin adapters over the courses service, which decides per course who may read or
change what."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
from collections.abc import Callable
from datetime import date

import reflex as rx
from sqlmodel import Session

from lms_app.lessons import registry
from lms_app.services import courses, files, profile
from lms_app.services.courses import CourseOutline, PublishRefused
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require
from lms_app.state.base import ActorMixin, signed_in

# The permission of every page here; each handler checks it again (a browser can call any
# handler without opening the page), then the service checks the actor's role on the course.
TEACH = "courses.teach"

VISIBILITY_LABELS = {"draft": "Draft", "published": "Published", "archived": "Archived"}
ROLE_LABELS = {"instructor": "Instructor", "assistant": "Assistant", "manager": "All courses"}
STATUS_LABELS = {"active": "Active", "completed": "Completed", "expired": "Expired", "withdrawn": "Withdrawn"}
RELEASE_MODES = ("now", "date", "days")
IMAGE_MB = files.MAX_IMAGE_MB
NO_COURSE = "none"  # the required-course select's "no course" (a select item cannot be "")


def teaching(fn: Callable) -> Callable:
    """`signed_in`, then the pages' own permission: a handler of these pages is refused like
    the page itself to anyone who does not teach."""

    @functools.wraps(fn)
    def inner(self, session: Session, actor: Actor, *args, **kwargs):
        require(actor, TEACH)
        return fn(self, session, actor, *args, **kwargs)

    inner.__signature__ = inspect.signature(fn)
    return signed_in(inner)


def _num(value) -> int:
    """An id from the browser, or 0 (which no row has) so the service answers 'not found'."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) < 18 else 0


def _course_in_path(path: str) -> int:
    """The course id of /teach/courses/<id>[/...]."""
    parts = (path or "").strip("/").split("/")
    return _num(parts[2]) if len(parts) > 2 and parts[:2] == ["teach", "courses"] else 0


def _course_and_lesson_in_path(path: str, section: str) -> tuple[int, int]:
    """The (course, lesson) of /teach/courses/<course>/<section>/<lesson>; 0 where missing."""
    parts = (path or "").strip("/").split("/")
    lesson_id = _num(parts[4]) if len(parts) > 4 and parts[3] == section else 0
    return _course_in_path(path), lesson_id


def _release_label(available_on: date | None, after_days: int | None) -> str:
    if available_on is not None:
        return f"Opens {available_on.day} {available_on:%b %Y}"
    if after_days:
        return f"Opens {after_days} day{'s' if after_days != 1 else ''} after enrolling"
    return ""


def _size_label(size) -> str:
    if not isinstance(size, int) or size < 0:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _viewer_tz(session: Session, actor: Actor) -> str:
    return profile.get_profile(session, actor).timezone


# --- My courses -------------------------------------------------------------------------------

@dataclasses.dataclass
class TeachCard:
    id: str
    title: str
    visibility: str
    visibility_label: str
    role: str
    learners: str


class TeachState(ActorMixin, rx.State):
    """/teach: the courses the signed-in person teaches."""

    courses: list[TeachCard] = []
    loaded: bool = False
    create_open: bool = False

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.create_open = False
        self.courses = [
            TeachCard(str(c.id), c.title, c.visibility, VISIBILITY_LABELS.get(c.visibility, c.visibility),
                      ROLE_LABELS.get(c.role, c.role), str(c.active_learners))
            for c in courses.list_teaching(session, actor)
        ]
        self.loaded = True

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)

    @rx.event
    @teaching
    def create_course(self, session: Session, actor: Actor, form: dict):
        course = courses.create_course(
            session, actor, form.get("title", ""), summary=form.get("summary", ""),
            category=form.get("category", ""), language=form.get("language") or "en",
        )
        self.create_open = False
        return [rx.redirect(f"/teach/courses/{course.id}"), rx.toast.success(f"“{course.title}” created. Add its first module.")]


# --- the course editor ------------------------------------------------------------------------

@dataclasses.dataclass
class LessonView:
    id: str
    module_id: str
    title: str
    kind: str
    kind_label: str
    required: bool
    counts: bool  # counts for completion under the "chosen" rule
    release: str
    requires: str  # "" or "After 2 lessons"
    problem: str
    first: bool
    last: bool


@dataclasses.dataclass
class ModuleView:
    id: str
    title: str
    release: str
    lessons: list[LessonView]
    first: bool
    last: bool


@dataclasses.dataclass
class PrereqOption:
    id: str
    label: str
    checked: bool


@dataclasses.dataclass
class Choice:
    id: str
    label: str


@dataclasses.dataclass
class StaffView:
    user_id: str
    name: str
    email: str
    role: str
    role_label: str


def _modules(outline: CourseOutline) -> list[ModuleView]:
    out = []
    for mi, m in enumerate(outline.modules):
        lessons = [
            LessonView(
                str(le.id), str(m.id), le.title, le.kind, le.kind_label, le.required, le.counts_for_completion,
                _release_label(le.available_on, le.available_after_days),
                (f"After {len(le.requires)} lesson{'s' if len(le.requires) != 1 else ''}" if le.requires else ""),
                le.problem or "", li == 0, li == len(m.lessons) - 1,
            )
            for li, le in enumerate(m.lessons)
        ]
        out.append(ModuleView(str(m.id), m.title, _release_label(m.available_on, m.available_after_days), lessons,
                              mi == 0, mi == len(outline.modules) - 1))
    return out


class CourseEditorState(ActorMixin, rx.State):
    """/teach/courses/<id>: the course in the address, as its staff see it."""

    found: bool = False
    course_ref: str = ""  # the course's id, for links
    can_edit: bool = False
    can_copy: bool = False
    course_title: str = ""
    visibility: str = "draft"
    visibility_label: str = "Draft"
    # The details form (uncontrolled fields, refreshed through `details_key` after each load).
    details_key: int = 0
    summary: str = ""
    category: str = ""
    tags: str = ""
    language: str = "en"
    estimated_minutes: str = "0"
    access_days: str = ""
    completion_rule: str = "all_required"
    required_course: str = NO_COURSE
    required_course_choices: list[Choice] = []
    cover_url: str = ""
    self_enrollment: bool = False
    has_key: bool = False
    modules: list[ModuleView] = []
    lesson_count: int = 0
    # What stopped the last "Publish" (kept up to date while the instructor fixes it).
    problems: list[str] = []

    # The teaching team, and people found to add to it.
    staff: list[StaffView] = []
    staff_query: str = ""
    staff_found: list[StaffView] = []

    # Dialogs.
    module_form_open: bool = False
    module_form_id: str = ""  # "": a new module
    module_form_title: str = ""
    module_prereq_options: list[PrereqOption] = []
    add_lesson_open: bool = False
    add_lesson_module: str = ""
    add_lesson_kind: str = "text"
    delete_open: bool = False
    delete_what: str = ""  # module | lesson
    delete_id: str = ""
    delete_name: str = ""
    archive_open: bool = False

    # The lesson being edited.
    lesson_open: bool = False
    lesson_id: str = ""
    lesson_key: int = 0
    lesson_title: str = ""
    lesson_kind: str = "text"
    lesson_kind_label: str = ""
    lesson_required: bool = True
    lesson_counts: bool = False
    lesson_module: str = ""
    lesson_problem: str = ""
    markdown: str = ""
    saved_markdown: str = ""
    link_url: str = ""
    link_new_tab: bool = True
    video_url: str = ""
    video_duration: str = ""
    video_source: str = "link"  # upload | link
    # The uploaded file of a video or file lesson: its original name and size ("" if none).
    stored_file_name: str = ""
    stored_file_size: str = ""
    live_starts_at: str = ""
    live_duration: str = "60"
    live_join_url: str = ""
    live_location: str = ""
    live_capacity: str = ""
    release_mode: str = "now"
    release_date: str = ""
    release_days: str = ""
    prereq_options: list[PrereqOption] = []

    @rx.var
    def markdown_dirty(self) -> bool:
        return self.markdown != self.saved_markdown

    def _course_id(self) -> int:
        return _course_in_path(self.router.url.path)

    def _outline(self, session: Session, actor: Actor) -> CourseOutline:
        return courses.get_outline(session, actor, self._course_id())

    def _fill(self, session: Session, actor: Actor, *, details: bool = True) -> CourseOutline:
        o = self._outline(session, actor)
        self.found, self.can_edit, self.course_ref = True, o.can_edit, str(o.id)
        self.can_copy = actor.can("courses.create")
        self.course_title, self.visibility = o.title, o.visibility
        self.visibility_label = VISIBILITY_LABELS.get(o.visibility, o.visibility)
        if details:
            self.summary, self.category, self.tags, self.language = o.summary, o.category, ", ".join(o.tags), o.language
            self.estimated_minutes = str(o.estimated_minutes or 0)
            self.access_days = str(o.access_days or "")
            self.completion_rule = o.completion_rule
            self.required_course = str(o.required_course_id or NO_COURSE)
            self.required_course_choices = [Choice(str(cid), title) for cid, title in courses.required_course_options(session, actor, o.id)]
            self.details_key += 1
        self.cover_url = files.cover_url(o.id, o.cover_image_path)
        self.staff = [StaffView(str(m.user_id), m.name, m.email, m.role, ROLE_LABELS.get(m.role, m.role)) for m in o.staff]
        self.self_enrollment, self.has_key = o.self_enrollment, o.has_enrollment_key
        self.modules = _modules(o)
        self.lesson_count = sum(len(m.lessons) for m in o.modules)
        if self.problems and o.visibility == "draft":
            self.problems = courses.publish_checklist(session, actor, o.id)
        elif o.visibility != "draft":
            self.problems = []
        return o

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found = False
        self.problems = []
        self.module_form_open = self.add_lesson_open = self.delete_open = self.lesson_open = self.archive_open = False
        self._fill(session, actor)

    # --- details ----------------------------------------------------------------------------

    @rx.event
    @teaching
    def save_details(self, session: Session, actor: Actor, form: dict):
        tags = [t for t in (form.get("tags") or "").split(",")]
        courses.update_course(
            session, actor, self._course_id(), title=form.get("title", ""), summary=form.get("summary", ""),
            category=form.get("category", ""), tags=tags, language=form.get("language") or self.language,
            estimated_minutes=(form.get("estimated_minutes") or "0").strip(), access_days=(form.get("access_days") or "").strip() or None,
            completion_rule=form.get("completion_rule") or self.completion_rule,
            required_course_id=None if self.required_course == NO_COURSE else _num(self.required_course),
        )
        self._fill(session, actor)
        return rx.toast.success("Details saved.")

    @rx.event
    def pick_language(self, value: str):
        self.language = value

    @rx.event
    def pick_required_course(self, value: str):
        self.required_course = value

    @teaching
    def _store_cover(self, session: Session, actor: Actor, stream):
        files.store_cover(session, actor, self._course_id(), stream)
        self._fill(session, actor, details=False)
        return rx.toast.success("Cover image saved.")

    @rx.event
    async def upload_cover(self, uploads: list[rx.UploadFile]):
        """The image dropped on the cover area: checked by content and size, kept privately."""
        if not uploads:
            return rx.toast.error("Choose an image to upload.")
        return await asyncio.to_thread(self._store_cover, uploads[0].file)

    @rx.event
    @teaching
    def remove_cover(self, session: Session, actor: Actor):
        courses.update_course(session, actor, self._course_id(), cover_image_path=None)
        self._fill(session, actor, details=False)
        return rx.toast.success("Cover image removed.")

    # --- the teaching team ------------------------------------------------------------------

    @rx.event
    @teaching
    def search_staff(self, session: Session, actor: Actor, value: str):
        self.staff_query = value[:100]
        found = courses.staff_candidates(session, actor, self._course_id(), self.staff_query)
        self.staff_found = [StaffView(str(m.user_id), m.name, m.email, "", "") for m in found]

    @rx.event
    @teaching
    def add_staff(self, session: Session, actor: Actor, user_id: str, role: str):
        courses.add_staff(session, actor, self._course_id(), _num(user_id), role)
        self.staff_query, self.staff_found = "", []
        self._fill(session, actor, details=False)
        added = next((m for m in self.staff if m.user_id == user_id), None)
        return rx.toast.success(f"{added.name} now teaches this course as {added.role_label.lower()}." if added else "Added.")

    @rx.event
    @teaching
    def change_staff_role(self, session: Session, actor: Actor, user_id: str, role: str):
        courses.add_staff(session, actor, self._course_id(), _num(user_id), role)
        self._fill(session, actor, details=False)
        return rx.toast.success("Course role changed.")

    @rx.event
    def pick_completion_rule(self, value: str):
        self.completion_rule = value

    @rx.event
    @teaching
    def set_self_enrollment(self, session: Session, actor: Actor, value: bool):
        courses.update_course(session, actor, self._course_id(), self_enrollment=bool(value))
        self._fill(session, actor, details=False)
        return rx.toast.success("Learners can now enroll themselves." if value else "Only staff can enroll learners now.")

    @rx.event
    @teaching
    def set_key(self, session: Session, actor: Actor, form: dict):
        key = (form.get("key") or "").strip()
        if not key:
            raise Invalid("Type the key learners will need, or remove the key.")
        courses.set_enrollment_key(session, actor, self._course_id(), key)
        self._fill(session, actor, details=False)
        return rx.toast.success("Enrollment key set. Give it to the people who may enroll.")

    @rx.event
    @teaching
    def remove_key(self, session: Session, actor: Actor):
        courses.set_enrollment_key(session, actor, self._course_id(), None)
        self._fill(session, actor, details=False)
        return rx.toast.success("Enrollment key removed.")

    # --- publishing -------------------------------------------------------------------------

    def _visibility(self, session: Session, actor: Actor, visibility: str, message: str):
        courses.set_visibility(session, actor, self._course_id(), visibility)
        self.problems = []
        self._fill(session, actor, details=False)
        return rx.toast.success(message)

    @rx.event
    @teaching
    def publish(self, session: Session, actor: Actor):
        try:
            return self._visibility(session, actor, "published", "Published: learners can find it in the catalog.")
        except PublishRefused as refused:
            self.problems = list(refused.problems)
            return rx.toast.error("Not published yet: see what is missing.")

    @rx.event
    @teaching
    def unpublish(self, session: Session, actor: Actor):
        return self._visibility(session, actor, "draft", "Back to draft: it is hidden from the catalog.")

    @rx.event
    def set_archive_open(self, value: bool):
        self.archive_open = bool(value)

    @rx.event
    @teaching
    def archive(self, session: Session, actor: Actor):
        self.archive_open = False
        return self._visibility(session, actor, "archived", "Archived: no new enrollments; current learners keep their access.")

    @rx.event
    def dismiss_problems(self):
        self.problems = []

    @rx.event
    @teaching
    def copy_course(self, session: Session, actor: Actor):
        copy = courses.copy_course(session, actor, self._course_id())
        return [rx.redirect(f"/teach/courses/{copy.id}"), rx.toast.success(f"“{copy.title}” created as a draft.")]

    # --- modules ----------------------------------------------------------------------------

    @rx.event
    def new_module(self):
        self.module_form_id, self.module_form_title, self.module_prereq_options = "", "", []
        self.module_form_open = True

    @rx.event
    @teaching
    def module_settings(self, session: Session, actor: Actor, module_id: str):
        """The module's title, release rule and prerequisites, from the saved outline."""
        o = self._outline(session, actor)
        module = next((m for m in o.modules if m.id == _num(module_id)), None)
        if module is None:
            raise NotFound("That module does not exist.")
        self.module_form_id, self.module_form_title = str(module.id), module.title
        self._show_release(module.available_on, module.available_after_days)
        self.module_prereq_options = [PrereqOption(str(m.id), m.title, m.id in module.requires) for m in o.modules if m.id != module.id]
        self.lesson_open, self.module_form_open = False, True

    @rx.event
    def set_module_form_open(self, value: bool):
        self.module_form_open = bool(value)

    @rx.event
    @teaching
    def save_module(self, session: Session, actor: Actor, form: dict):
        title = form.get("title", "")
        if self.module_form_id:
            module = courses.rename_module(session, actor, _num(self.module_form_id), title)
            message = f"Module renamed to “{module.title}”."
        else:
            module = courses.add_module(session, actor, self._course_id(), title)
            message = f"Module “{module.title}” added. Add its first lesson."
        self.module_form_open = False
        self._fill(session, actor, details=False)
        return rx.toast.success(message)

    @rx.event
    @teaching
    def move_module(self, session: Session, actor: Actor, module_id: str, direction: str):
        courses.move_module(session, actor, _num(module_id), direction)
        self._fill(session, actor, details=False)

    @rx.event
    def ask_delete(self, what: str, item_id: str):
        """Confirm before deleting a module or a lesson, or taking someone off the teaching team."""
        names = {
            "module": {m.id: m.title for m in self.modules},
            "lesson": {le.id: le.title for m in self.modules for le in m.lessons},
            "staff": {m.user_id: m.name for m in self.staff},
        }.get(what, {})
        if item_id not in names:
            return
        self.delete_what, self.delete_id, self.delete_name, self.delete_open = what, item_id, names[item_id], True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @rx.event
    @teaching
    def confirm_delete(self, session: Session, actor: Actor):
        if self.delete_what == "staff":
            courses.remove_staff(session, actor, self._course_id(), _num(self.delete_id))
            self.delete_open = False
            if _num(self.delete_id) == actor.user_id and not actor.can("courses.manage"):
                return [rx.redirect("/teach"), rx.toast.success("You left this course's teaching team.")]
            self._fill(session, actor, details=False)
            return rx.toast.success(f"{self.delete_name} no longer teaches this course.")
        if self.delete_what == "module":
            courses.delete_module(session, actor, _num(self.delete_id))
        else:
            courses.delete_lesson(session, actor, _num(self.delete_id))
            if self.delete_id == self.lesson_id:
                self.lesson_open = False
        what = "Module" if self.delete_what == "module" else "Lesson"
        self.delete_open = False
        self._fill(session, actor, details=False)
        return rx.toast.success(f"{what} “{self.delete_name}” deleted.")

    # --- lessons ----------------------------------------------------------------------------

    @rx.event
    def new_lesson(self, module_id: str):
        if not any(m.id == module_id for m in self.modules):
            return
        self.add_lesson_module, self.add_lesson_kind, self.add_lesson_open = module_id, "text", True

    @rx.event
    def pick_lesson_kind(self, value: str):
        self.add_lesson_kind = value

    @rx.event
    def set_add_lesson_open(self, value: bool):
        self.add_lesson_open = bool(value)

    @rx.event
    @teaching
    def add_lesson(self, session: Session, actor: Actor, form: dict):
        lesson = courses.add_lesson(session, actor, _num(self.add_lesson_module), form.get("title", ""), form.get("kind") or self.add_lesson_kind)
        self.add_lesson_open = False
        o = self._fill(session, actor, details=False)
        self._open_lesson(o, lesson.id)
        return rx.toast.success(f"Lesson “{lesson.title}” added: write its content.")

    @rx.event
    @teaching
    def move_lesson(self, session: Session, actor: Actor, lesson_id: str, direction: str):
        courses.move_lesson(session, actor, _num(lesson_id), direction)
        self._fill(session, actor, details=False)

    def _open_lesson(self, o: CourseOutline, lesson_id: int) -> None:
        lessons = [le for m in o.modules for le in m.lessons]
        lesson = next((le for le in lessons if le.id == lesson_id), None)
        if lesson is None:
            raise NotFound("That lesson does not exist.")
        c = lesson.content
        self.lesson_id, self.lesson_title, self.lesson_kind, self.lesson_kind_label = str(lesson.id), lesson.title, lesson.kind, lesson.kind_label
        self.lesson_required, self.lesson_problem = lesson.required, lesson.problem or ""
        self.lesson_counts = lesson.counts_for_completion
        self.lesson_module = str(lesson.module_id)
        self.markdown = self.saved_markdown = str(c.get("markdown", "")) if lesson.kind == "text" else ""
        self.link_url = str(c.get("url", "")) if lesson.kind == "link" else ""
        self.link_new_tab = bool(c.get("open_in_new_tab", True))
        self.video_url = str(c.get("url", "")) if lesson.kind == "video" else ""
        self.video_duration = str(c.get("duration_seconds", "") or "")
        self.video_source = str(c.get("source") or "link") if lesson.kind == "video" else "link"
        has_file = lesson.kind == "file" or (lesson.kind == "video" and self.video_source == "upload")
        self.stored_file_name = str(c.get("file_name") or "") if has_file and c.get("file_path") else ""
        self.stored_file_size = _size_label(c.get("file_size")) if self.stored_file_name else ""
        self.live_starts_at = str(c.get("starts_at", ""))
        self.live_duration = str(c.get("duration_minutes", 60))
        self.live_join_url = str(c.get("join_url", ""))
        self.live_location = str(c.get("location", ""))
        self.live_capacity = str(c.get("capacity") or "")
        self._show_release(lesson.available_on, lesson.available_after_days)
        self.prereq_options = [PrereqOption(str(le.id), le.title, le.id in lesson.requires) for le in lessons if le.id != lesson.id]
        self.lesson_open = True

    def _show_release(self, available_on: date | None, after_days: int | None) -> None:
        self.release_mode = "date" if available_on else "days" if after_days else "now"
        self.release_date = available_on.isoformat() if available_on else ""
        self.release_days = str(after_days or "")
        self.lesson_key += 1

    @rx.event
    @teaching
    def open_lesson(self, session: Session, actor: Actor, lesson_id: str):
        self._open_lesson(self._outline(session, actor), _num(lesson_id))

    @rx.event
    def set_lesson_open(self, value: bool):
        self.lesson_open = bool(value)

    def _refresh_lesson(self, session: Session, actor: Actor) -> None:
        o = self._fill(session, actor, details=False)
        lesson = next((le for m in o.modules for le in m.lessons if str(le.id) == self.lesson_id), None)
        self.lesson_problem = (lesson.problem or "") if lesson else ""

    @rx.event
    @teaching
    def save_lesson_title(self, session: Session, actor: Actor, value: str):
        lesson = courses.update_lesson(session, actor, _num(self.lesson_id), title=value)
        if lesson.title == self.lesson_title:
            return None
        self.lesson_title = lesson.title
        self._refresh_lesson(session, actor)
        return rx.toast.success("Title saved.")

    @rx.event
    @teaching
    def set_lesson_required(self, session: Session, actor: Actor, value: bool):
        courses.update_lesson(session, actor, _num(self.lesson_id), required=bool(value))
        self.lesson_required = bool(value)
        self._refresh_lesson(session, actor)

    @rx.event
    @teaching
    def move_lesson_to_module(self, session: Session, actor: Actor, module_id: str):
        """Move the lesson being edited to the end of another module."""
        courses.move_lesson_to(session, actor, _num(self.lesson_id), _num(module_id))
        o = self._fill(session, actor, details=False)
        self._open_lesson(o, _num(self.lesson_id))
        module = next((m.title for m in o.modules if str(m.id) == module_id), "")
        return rx.toast.success(f"Moved to “{module}”.")

    @rx.event
    @teaching
    def set_lesson_counts(self, session: Session, actor: Actor, value: bool):
        """Under the "chosen" completion rule: whether this lesson is one of those that complete the course."""
        courses.update_lesson(session, actor, _num(self.lesson_id), counts_for_completion=bool(value))
        self.lesson_counts = bool(value)
        self._refresh_lesson(session, actor)

    @rx.event
    def set_markdown(self, value: str):
        # Only the live preview: saving is `autosave_markdown` (on leaving the field) or `save_markdown`.
        self.markdown = str(value)[: registry.MAX_MARKDOWN + 1]

    def _store_markdown(self, session: Session, actor: Actor, value: str) -> bool:
        if value == self.saved_markdown:
            return False
        courses.set_lesson_text(session, actor, _num(self.lesson_id), value)
        self.markdown = self.saved_markdown = value
        self._refresh_lesson(session, actor)
        return True

    @rx.event
    @teaching
    def autosave_markdown(self, session: Session, actor: Actor, value: str):
        self._store_markdown(session, actor, str(value))

    @rx.event
    @teaching
    def save_markdown(self, session: Session, actor: Actor):
        self._store_markdown(session, actor, self.markdown)
        return rx.toast.success("Lesson text saved.")

    @rx.event
    @teaching
    def save_content(self, session: Session, actor: Actor, form: dict):
        """The content of a link, video or live-session lesson (text has its own editor)."""
        kind = self.lesson_kind
        if kind == "link":
            content = {"url": form.get("url", ""), "open_in_new_tab": form.get("open_in_new_tab") == "on"}
        elif kind == "video" and (form.get("source") or self.video_source) == "upload":
            # The uploaded file stays as it is; only its details change here.
            current = self._lesson_content(session, actor)
            content = {k: v for k, v in current.items() if k in ("file_path", "file_name", "file_size", "threshold")}
            content.update(source="upload", duration_seconds=form.get("duration_seconds", ""))
        elif kind == "video":
            content = {"source": "link", "url": form.get("url", ""), "duration_seconds": form.get("duration_seconds", "")}
        elif kind == "live_session":
            content = {k: form.get(k, "") for k in ("starts_at", "duration_minutes", "join_url", "location", "capacity")}
        else:
            raise Invalid("This kind of lesson is not edited here.")
        lesson = courses.update_lesson(session, actor, _num(self.lesson_id), content=content)
        o = self._fill(session, actor, details=False)
        self._open_lesson(o, lesson.id)
        return rx.toast.success("Lesson saved.")

    def _lesson_content(self, session: Session, actor: Actor) -> dict:
        lesson = next((le for m in self._outline(session, actor).modules for le in m.lessons if str(le.id) == self.lesson_id), None)
        if lesson is None:
            raise NotFound("That lesson does not exist.")
        return dict(lesson.content)

    @teaching
    def _store_image(self, session: Session, actor: Actor, stream, file_name: str):
        # Unsaved typing is saved first: the image goes at the end of the text as it is now.
        self._store_markdown(session, actor, self.markdown)
        files.store_lesson_image(session, actor, _num(self.lesson_id), stream, file_name)
        o = self._fill(session, actor, details=False)
        self._open_lesson(o, _num(self.lesson_id))
        return rx.toast.success("Image added at the end of the text: move its line where it belongs.")

    @rx.event
    async def upload_lesson_image(self, uploads: list[rx.UploadFile]):
        """An image dropped on a text lesson: checked by content and size, kept privately."""
        if not uploads:
            return rx.toast.error("Choose an image to upload.")
        return await asyncio.to_thread(self._store_image, uploads[0].file, uploads[0].filename or "")

    @rx.event
    def pick_video_source(self, value: str):
        self.video_source = value if value in ("upload", "link") else "link"

    @teaching
    def _store_upload(self, session: Session, actor: Actor, stream, file_name: str):
        stored = files.store_lesson_file(session, actor, _num(self.lesson_id), stream, file_name)
        o = self._fill(session, actor, details=False)
        self._open_lesson(o, _num(self.lesson_id))
        return rx.toast.success(f"“{stored.file_name}” ({_size_label(stored.file_size)}) uploaded.")

    @rx.event
    async def upload_lesson_file(self, uploads: list[rx.UploadFile]):
        """The file dropped on a video or file lesson: checked (type by content, size) and kept
        privately by the files service."""
        if not uploads:
            return rx.toast.error("Choose a file to upload.")
        upload = uploads[0]
        # Copying a large video takes a while: not on the event loop, which serves everyone.
        return await asyncio.to_thread(self._store_upload, upload.file, upload.filename or "")

    @rx.event
    def pick_release_mode(self, value: str):
        self.release_mode = value if value in RELEASE_MODES else "now"

    @rx.event
    @teaching
    def save_release(self, session: Session, actor: Actor, form: dict):
        mode = form.get("release_mode") or self.release_mode
        available_on, days = None, None
        if mode == "date":
            raw = (form.get("release_date") or "").strip()
            try:
                available_on = date.fromisoformat(raw)
            except ValueError:
                raise Invalid("Choose the date the lesson opens.") from None
        elif mode == "days":
            days = (form.get("release_days") or "").strip()
            if not days:
                raise Invalid("Say how many days after enrolling it opens.")
        # The module settings dialog or the lesson dialog: whichever is open.
        if self.module_form_open and self.module_form_id:
            courses.set_release(session, actor, module_id=_num(self.module_form_id), available_on=available_on, days_after_enrollment=days)
            self._fill(session, actor, details=False)
        else:
            courses.set_release(session, actor, lesson_id=_num(self.lesson_id), available_on=available_on, days_after_enrollment=days)
            o = self._fill(session, actor, details=False)
            self._open_lesson(o, _num(self.lesson_id))
        return rx.toast.success("Release rule saved.")

    @rx.event
    @teaching
    def toggle_prerequisite(self, session: Session, actor: Actor, lesson_id: str, checked: bool):
        # From the saved outline, not from this browser's list (which may be stale).
        current = next((le for m in self._outline(session, actor).modules for le in m.lessons if str(le.id) == self.lesson_id), None)
        if current is None:
            raise NotFound("That lesson does not exist.")
        wanted = set(current.requires)
        (wanted.add if checked else wanted.discard)(_num(lesson_id))
        courses.set_lesson_prerequisites(session, actor, current.id, sorted(wanted))
        o = self._fill(session, actor, details=False)
        self._open_lesson(o, _num(self.lesson_id))

    @rx.event
    @teaching
    def toggle_module_prerequisite(self, session: Session, actor: Actor, module_id: str, checked: bool):
        current = next((m for m in self._outline(session, actor).modules if str(m.id) == self.module_form_id), None)
        if current is None:
            raise NotFound("That module does not exist.")
        wanted = set(current.requires)
        (wanted.add if checked else wanted.discard)(_num(module_id))
        courses.set_module_prerequisites(session, actor, current.id, sorted(wanted))
        self._fill(session, actor, details=False)
        self.module_prereq_options = [dataclasses.replace(p, checked=_num(p.id) in wanted) for p in self.module_prereq_options]
