"""Course authoring: the course's settings, its modules and lessons, prerequisites, drip
release, course staff, publishing, and descriptions of a course without database ids (what
copies and course archives are built from).

Who may do what (checked here, once):
- creating a course needs the global permission "courses.create"; the creator becomes the
  course's instructor;
- changing a course (settings, structure, content, staff, publishing) needs the course-level
  role "instructor" on that course, or the global permission "courses.manage" (admins);
- a course's assistants may read the editor outline (to help learners) but change nothing;
- anyone else gets PermissionDenied; a course of another organization is NotFound.
Course-level functions first check that someone is signed in (`require(actor, None)`), then
their role on the course: course roles are not global permissions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func
from sqlmodel import Session, select

from lms_app.lessons import registry
from lms_app.locales import LANGUAGES
from lms_app.models import (
    AttemptAnswer,
    Course,
    CourseStaff,
    CourseTag,
    Enrollment,
    Lesson,
    LessonPrerequisite,
    LessonProgress,
    Module,
    ModulePrerequisite,
    QuizAttempt,
    Submission,
    User,
    UserRole,
    utcnow,
)
from lms_app.models.catalog import COMPLETION_RULES, STAFF_ROLES, VISIBILITIES
from lms_app.services import audit, storage
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.passwords import hash_password
from lms_app.services.permissions import Actor, holders_of, require

MAX_TITLE = 200
MAX_SUMMARY = 5000
MAX_TAGS = 20
MAX_TAG = 50
MAX_RELEASE_DAYS = 3650
_UNSET: Any = object()


class PublishRefused(Invalid):
    """Publishing refused; `problems` lists what is missing, one readable sentence each."""

    def __init__(self, problems: list[str]):
        super().__init__("This course cannot be published yet: " + " ".join(problems))
        self.problems = problems


# --- results ------------------------------------------------------------------------------

@dataclass
class StaffMember:
    user_id: int
    name: str
    email: str
    role: str


@dataclass
class LessonOutline:
    id: int
    module_id: int
    position: int
    title: str
    kind: str
    kind_label: str
    icon: str
    content: dict[str, Any]
    required: bool
    counts_for_completion: bool
    available_on: date | None
    available_after_days: int | None
    estimated_minutes: int
    requires: list[int] = field(default_factory=list)
    problem: str | None = None  # why the content is not ready for learners


@dataclass
class ModuleOutline:
    id: int
    position: int
    title: str
    available_on: date | None
    available_after_days: int | None
    requires: list[int] = field(default_factory=list)
    lessons: list[LessonOutline] = field(default_factory=list)


@dataclass
class CourseOutline:
    id: int
    title: str
    summary: str
    cover_image_path: str | None
    category: str
    tags: list[str]
    language: str
    estimated_minutes: int
    visibility: str
    self_enrollment: bool
    has_enrollment_key: bool
    access_days: int | None
    completion_rule: str
    required_course_id: int | None
    published_at: datetime | None
    can_edit: bool
    modules: list[ModuleOutline] = field(default_factory=list)
    staff: list[StaffMember] = field(default_factory=list)


@dataclass
class TeachingCourse:
    id: int
    title: str
    visibility: str
    role: str  # instructor | assistant | manager (through courses.manage)
    active_learners: int


# --- access (shared with enrollment and progress) -----------------------------------------

def get_course(session: Session, actor: Actor, course_id: int | None) -> Course:
    course = session.get(Course, int(course_id)) if course_id else None
    if course is None or course.org_id != actor.org_id:
        raise NotFound("That course does not exist.")
    return course


def staff_role(session: Session, actor: Actor, course_id: int) -> str | None:
    """The actor's course-level role on this course (instructor, assistant) or None."""
    return session.exec(select(CourseStaff.role).where(CourseStaff.course_id == course_id, CourseStaff.user_id == actor.user_id)).first()


def can_author(session: Session, actor: Actor, course: Course) -> bool:
    return actor.can("courses.manage") or staff_role(session, actor, course.id) == "instructor"


def can_view_as_staff(session: Session, actor: Actor, course: Course) -> bool:
    return actor.can("courses.manage") or staff_role(session, actor, course.id) is not None


def check_own_or_staff(session: Session, actor: Actor, owner_id: int, lesson_id: int) -> None:
    """Learners' work (an answer, a submission) is read by its owner or the staff of its
    lesson's course; PermissionDenied for anyone else."""
    if owner_id == actor.user_id:
        return
    lesson = session.get(Lesson, lesson_id)
    course = session.get(Course, lesson.course_id) if lesson else None
    if course is None or not can_view_as_staff(session, actor, course):
        raise PermissionDenied("You do not have permission to do that.")


def authored_course(session: Session, actor: Actor, course_id: int) -> Course:
    """The course, if the actor may change it; PermissionDenied otherwise."""
    require(actor, None)
    course = get_course(session, actor, course_id)
    if not can_author(session, actor, course):
        raise PermissionDenied("Only the course's instructors can change it.")
    return course


def staffed_course(session: Session, actor: Actor, course_id: int) -> Course:
    """The course, if the actor is on its staff (or manages all courses)."""
    require(actor, None)
    course = get_course(session, actor, course_id)
    if not can_view_as_staff(session, actor, course):
        raise PermissionDenied("Only the course's staff can see this.")
    return course


def _module(session: Session, actor: Actor, module_id: int) -> tuple[Module, Course]:
    require(actor, None)
    module = session.get(Module, int(module_id)) if module_id else None
    if module is None or module.org_id != actor.org_id:
        raise NotFound("That module does not exist.")
    return module, authored_course(session, actor, module.course_id)


def _lesson(session: Session, actor: Actor, lesson_id: int) -> tuple[Lesson, Course]:
    require(actor, None)
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id:
        raise NotFound("That lesson does not exist.")
    return lesson, authored_course(session, actor, lesson.course_id)


def authored_lesson(session: Session, actor: Actor, lesson_id: int, kind: str, wrong_kind: str) -> Lesson:
    """A lesson of `kind` the actor may change (Invalid with `wrong_kind` for another kind)."""
    lesson, _ = _lesson(session, actor, lesson_id)
    if lesson.kind != kind:
        raise Invalid(wrong_kind)
    return lesson


def _touch(session: Session, course: Course) -> None:
    course.updated_at = utcnow()
    session.add(course)


# --- structure helpers --------------------------------------------------------------------

def modules_of(session: Session, course_id: int) -> list[Module]:
    return list(session.exec(select(Module).where(Module.course_id == course_id).order_by(Module.position, Module.id)).all())


def lessons_of(session: Session, course_id: int) -> list[Lesson]:
    """Every lesson of the course in outline order (module by module)."""
    return list(session.exec(
        select(Lesson).join(Module, Module.id == Lesson.module_id).where(Lesson.course_id == course_id)
        .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
    ).all())


def module_gate(lessons: list[Lesson]) -> list[Lesson]:
    """The lessons that must be done for a module to count as finished (for module
    prerequisites): its required lessons, or all of them when none is required."""
    required = [lesson for lesson in lessons if lesson.required]
    return required or list(lessons)


def _lessons_in(session: Session, module_id: int) -> list[Lesson]:
    return list(session.exec(select(Lesson).where(Lesson.module_id == module_id).order_by(Lesson.position, Lesson.id)).all())


def _renumber(session: Session, items: list) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            session.add(item)


def _clean_title(title: str, what: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise Invalid(f"Give the {what} a title.")
    if len(title) > MAX_TITLE:
        raise Invalid(f"The {what} title must have at most {MAX_TITLE} characters.")
    return title


def _clean_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags or ():
        tag = " ".join(str(tag).split()).lower()
        if not tag or tag in out:
            continue
        if len(tag) > MAX_TAG:
            raise Invalid(f"A tag must have at most {MAX_TAG} characters.")
        out.append(tag)
    if len(out) > MAX_TAGS:
        raise Invalid(f"A course can have at most {MAX_TAGS} tags.")
    return out


def _minutes(value: Any, what: str = "estimated time") -> int:
    try:
        minutes = int(value or 0)
    except (TypeError, ValueError):
        raise Invalid(f"The {what} must be a whole number of minutes.") from None
    if not 0 <= minutes <= 100_000:
        raise Invalid(f"The {what} must be between 0 and 100000 minutes.")
    return minutes


def _clean_summary(summary: str | None) -> str:
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise Invalid(f"The summary must have at most {MAX_SUMMARY} characters.")
    return summary


def _clean_category(category: str | None) -> str:
    category = " ".join((category or "").split())
    if len(category) > 100:
        raise Invalid("The category must have at most 100 characters.")
    return category


def _clean_cover_path(path: str | None) -> str | None:
    path = (path or "").strip() or None
    if path and (path.startswith(("/", "\\")) or ".." in path.replace("\\", "/").split("/") or len(path) > 500):
        raise Invalid("The cover image path is not valid.")
    return path


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise Invalid("Choose one of the offered languages.")
    return language


def _completion_rule(rule: str) -> str:
    if rule not in COMPLETION_RULES:
        raise Invalid("Choose how the course is completed: all required lessons, chosen lessons or a final assessment.")
    return rule


def _access_days(days: Any) -> int | None:
    """How many days access lasts after enrolling (None, "" or 0: no end)."""
    if days in (None, "", 0):
        return None
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise Invalid("The access period must be a whole number of days.") from None
    if not 1 <= days <= MAX_RELEASE_DAYS:
        raise Invalid(f"The access period must be between 1 and {MAX_RELEASE_DAYS} days.")
    return days


def _release(available_on: date | None, days_after_enrollment: Any) -> tuple[date | None, int | None]:
    """A drip-release rule, checked: on a date, or some days after enrolling, or neither (open at once)."""
    if available_on is not None and days_after_enrollment is not None:
        raise Invalid("Open it either on a date or some days after enrolling, not both.")
    if available_on is not None and not isinstance(available_on, date):
        raise Invalid("The opening date is not a date.")
    if isinstance(available_on, datetime):
        available_on = available_on.date()
    if days_after_enrollment is not None:
        try:
            days_after_enrollment = int(days_after_enrollment)
        except (TypeError, ValueError):
            raise Invalid("The days after enrolling must be a whole number.") from None
        if not 0 <= days_after_enrollment <= MAX_RELEASE_DAYS:
            raise Invalid(f"The days after enrolling must be between 0 and {MAX_RELEASE_DAYS}.")
        days_after_enrollment = days_after_enrollment or None
    return available_on, days_after_enrollment


def _set_tags(session: Session, course: Course, tags: list[str]) -> None:
    session.execute(delete(CourseTag).where(CourseTag.course_id == course.id))
    session.add_all(CourseTag(org_id=course.org_id, course_id=course.id, tag=t) for t in tags)


def course_tags(session: Session, course_id: int) -> list[str]:
    return list(session.exec(select(CourseTag.tag).where(CourseTag.course_id == course_id).order_by(CourseTag.id)).all())


def _find_cycle(edges: dict[int, set[int]]) -> list[int] | None:
    """A cycle in the graph (as a path whose last node is its first), or None."""
    state: dict[int, int] = {}  # 1: on the current path, 2: finished
    path: list[int] = []

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _check_no_prerequisite_loop(
    session: Session, course_id: int, *, lesson_edges: dict[int, set[int]] | None = None,
    module_edges: dict[int, set[int]] | None = None,
) -> None:
    """Refuse prerequisites that nobody could ever satisfy: a loop of lessons, of modules, or
    of both (a lesson of module A requiring a lesson of B while B requires A)."""
    module_titles = {m.id: m.title for m in modules_of(session, course_id)}
    lessons = lessons_of(session, course_id)
    if module_edges is None:
        module_edges = {}
        for mid, req in session.exec(select(ModulePrerequisite.module_id, ModulePrerequisite.requires_module_id).where(ModulePrerequisite.module_id.in_(module_titles))).all():
            module_edges.setdefault(mid, set()).add(req)
    if lesson_edges is None:
        lesson_edges = {}
        for lid, req in session.exec(select(LessonPrerequisite.lesson_id, LessonPrerequisite.requires_lesson_id).where(LessonPrerequisite.lesson_id.in_([lesson.id for lesson in lessons]))).all():
            lesson_edges.setdefault(lid, set()).add(req)
    _refuse_prerequisite_loops(module_titles, lessons, lesson_edges, module_edges)


def _refuse_prerequisite_loops(module_titles: dict, lessons: list, lesson_edges: dict, module_edges: dict) -> None:
    """The loop check itself, on ids of any kind (database ids, or an archive's references):
    `lessons` have `id`, `module_id`, `title` and `required`."""
    by_id = {lesson.id: lesson for lesson in lessons}
    cycle = _find_cycle(module_edges)
    if cycle:
        names = " → ".join(f"“{module_titles[m]}”" for m in cycle if m in module_titles)
        raise Invalid(f"That would make a loop of prerequisites nobody could finish: {names}.")

    in_module: dict = {}
    for lesson in lessons:
        in_module.setdefault(lesson.module_id, []).append(lesson)
    combined: dict[int, set[int]] = {lid: set(reqs) for lid, reqs in lesson_edges.items()}
    for mid, reqs in module_edges.items():
        gate = {lesson.id for req in reqs for lesson in module_gate(in_module.get(req, []))}
        for lesson in in_module.get(mid, []):
            combined.setdefault(lesson.id, set()).update(gate)
    cycle = _find_cycle(combined)
    if cycle:
        names = " → ".join(f"“{by_id[lid].title}”" for lid in cycle if lid in by_id)
        raise Invalid(f"That would make a loop of prerequisites nobody could finish: {names} (each needs the next one first).")


# --- courses ------------------------------------------------------------------------------

def create_course(
    session: Session, actor: Actor, title: str, *, summary: str = "", category: str = "",
    tags: Iterable[str] = (), language: str = "en", estimated_minutes: int = 0,
) -> Course:
    """A new draft course; its creator becomes its instructor."""
    require(actor, "courses.create")
    title = _clean_title(title, "course")
    if language not in LANGUAGES:
        raise Invalid("Choose one of the offered languages.")
    course = Course(
        org_id=actor.org_id, title=title, summary=(summary or "").strip()[:MAX_SUMMARY],
        category=" ".join((category or "").split())[:100], language=language,
        estimated_minutes=_minutes(estimated_minutes), created_by_id=actor.user_id,
    )
    clean_tags = _clean_tags(tags)
    session.add(course)
    session.flush()
    _set_tags(session, course, clean_tags)
    session.add(CourseStaff(org_id=actor.org_id, course_id=course.id, user_id=actor.user_id, role="instructor"))
    session.flush()
    audit.record(session, actor, "course.created", target_type="course", target_id=course.id, target_label=title,
                 after={"title": title, "category": course.category, "tags": clean_tags})
    return course


_COURSE_FIELDS = frozenset({
    "title", "summary", "cover_image_path", "category", "tags", "language", "estimated_minutes",
    "self_enrollment", "access_days", "completion_rule", "required_course_id",
})


def update_course(session: Session, actor: Actor, course_id: int, **changes: Any) -> Course:
    """Change a course's settings. Accepts: title, summary, cover_image_path, category, tags,
    language, estimated_minutes, self_enrollment, access_days (None: no end),
    completion_rule ("all_required" | "chosen" | "final_assessment") and required_course_id
    (a course to complete before enrolling; None for none)."""
    course = authored_course(session, actor, course_id)
    unknown = set(changes) - _COURSE_FIELDS
    if unknown:
        raise Invalid(f"Unknown course setting: {', '.join(sorted(unknown))}.")
    if "title" in changes:
        course.title = _clean_title(changes["title"], "course")
    if "summary" in changes:
        course.summary = _clean_summary(changes["summary"])
    if "cover_image_path" in changes:
        path = _clean_cover_path(changes["cover_image_path"])
        replaced, course.cover_image_path = course.cover_image_path, path
        if replaced and replaced != path:
            forget_unused_files(session, course.org_id, [replaced])
    if "category" in changes:
        course.category = _clean_category(changes["category"])
    if "tags" in changes:
        _set_tags(session, course, _clean_tags(changes["tags"]))
    if "language" in changes:
        course.language = _language(changes["language"])
    if "estimated_minutes" in changes:
        course.estimated_minutes = _minutes(changes["estimated_minutes"])
    if "self_enrollment" in changes:
        course.self_enrollment = bool(changes["self_enrollment"])
    if "access_days" in changes:
        course.access_days = _access_days(changes["access_days"])
    if "completion_rule" in changes:
        course.completion_rule = _completion_rule(changes["completion_rule"])
    if "required_course_id" in changes:
        course.required_course_id = _required_course(session, actor, course, changes["required_course_id"])
    _touch(session, course)
    session.flush()
    return course


def _required_course(session: Session, actor: Actor, course: Course, required_id: int | None) -> int | None:
    if not required_id:
        return None
    required = get_course(session, actor, required_id)
    seen = {course.id}
    current: Course | None = required
    while current is not None:
        if current.id in seen:
            raise Invalid(f"“{course.title}” cannot require “{required.title}”: that course already requires “{course.title}” (directly or through others).")
        seen.add(current.id)
        current = session.get(Course, current.required_course_id) if current.required_course_id else None
    return required.id


def set_enrollment_key(session: Session, actor: Actor, course_id: int, key: str | None) -> None:
    """Require a key to self-enroll (None or blank: no key). Only a hash is stored."""
    course = authored_course(session, actor, course_id)
    key = (key or "").strip()
    if key and len(key) < 4:
        raise Invalid("An enrollment key must have at least 4 characters.")
    if len(key) > 200:
        raise Invalid("An enrollment key must have at most 200 characters.")
    course.enrollment_key_hash = hash_password(key) if key else None
    _touch(session, course)
    audit.record(session, actor, "course.enrollment_key_changed", target_type="course", target_id=course.id, target_label=course.title,
                 after={"key_required": bool(key)})


def publish_checklist(session: Session, actor: Actor, course_id: int) -> list[str]:
    """What stops the course from being published, one readable sentence each (empty: ready)."""
    course = staffed_course(session, actor, course_id)
    return _problems(session, course)


def _problems(session: Session, course: Course) -> list[str]:
    problems: list[str] = []
    modules = modules_of(session, course.id)
    lessons = lessons_of(session, course.id)
    if not modules:
        return ["Add at least one module with a lesson."]
    titles = {m.id: m.title for m in modules}
    used = {lesson.module_id for lesson in lessons}
    problems += [f"Module “{m.title}” has no lessons." for m in modules if m.id not in used]
    for lesson in lessons:
        problem = registry.content_problem(lesson.kind, lesson.content)
        if problem:
            problems.append(f"Lesson “{lesson.title}” in “{titles[lesson.module_id]}” is not ready: {problem}")
    if lessons:
        if course.completion_rule == "all_required" and not any(lesson.required for lesson in lessons):
            problems.append("Mark at least one lesson as required: the course is completed when the required lessons are done.")
        if course.completion_rule == "chosen" and not any(lesson.counts_for_completion for lesson in lessons):
            problems.append("Choose at least one lesson that counts for completion: the course is completed when the chosen lessons are done.")
        if course.completion_rule == "final_assessment" and final_assessment(lessons) is None:
            problems.append("The course is completed by a final assessment, but it has no graded lesson (such as a quiz) yet.")
    return problems


def final_assessment(lessons: list[Lesson]) -> Lesson | None:
    """The last graded lesson of the outline: under the "final_assessment" rule, passing it completes the course."""
    graded = [lesson for lesson in lessons if lesson.kind in {k.key for k in registry.kinds() if k.completion == "passed"}]
    return graded[-1] if graded else None


def set_visibility(session: Session, actor: Actor, course_id: int, visibility: str) -> Course:
    """Publish (after the checklist passes: PublishRefused lists what is missing), take back
    to draft, or archive (closed to new enrollments; current learners keep their access)."""
    course = authored_course(session, actor, course_id)
    if visibility not in VISIBILITIES:
        raise Invalid("A course is a draft, published or archived.")
    if visibility == course.visibility:
        return course
    if visibility == "published":
        problems = _problems(session, course)
        if problems:
            raise PublishRefused(problems)
        course.published_at = utcnow()
    before = course.visibility
    course.visibility = visibility
    _touch(session, course)
    session.flush()
    action = {"published": "course.published", "archived": "course.archived", "draft": "course.unpublished"}[visibility]
    audit.record(session, actor, action, target_type="course", target_id=course.id, target_label=course.title,
                 before={"visibility": before}, after={"visibility": visibility})
    return course


def archive_course(session: Session, actor: Actor, course_id: int) -> Course:
    return set_visibility(session, actor, course_id, "archived")


def list_teaching(session: Session, actor: Actor) -> list[TeachingCourse]:
    """The courses the actor has a course role on (every course for "courses.manage")."""
    require(actor, None)
    roles = dict(session.exec(select(CourseStaff.course_id, CourseStaff.role).where(CourseStaff.user_id == actor.user_id)).all())
    stmt = select(Course).where(Course.org_id == actor.org_id)
    if not actor.can("courses.manage"):
        stmt = stmt.where(Course.id.in_(roles or [0]))
    courses = session.exec(stmt.order_by(func.lower(Course.title), Course.id)).all()
    counts = dict(session.exec(
        select(Enrollment.course_id, func.count(Enrollment.id))
        .where(Enrollment.org_id == actor.org_id, Enrollment.status == "active").group_by(Enrollment.course_id)
    ).all())
    return [TeachingCourse(c.id, c.title, c.visibility, roles.get(c.id, "manager"), counts.get(c.id, 0)) for c in courses]


# --- modules ------------------------------------------------------------------------------

def add_module(session: Session, actor: Actor, course_id: int, title: str) -> Module:
    """A new module at the end of the course."""
    course = authored_course(session, actor, course_id)
    title = _clean_title(title, "module")
    module = Module(org_id=course.org_id, course_id=course.id, title=title, position=len(modules_of(session, course.id)))
    session.add(module)
    _touch(session, course)
    session.flush()
    return module


def rename_module(session: Session, actor: Actor, module_id: int, title: str) -> Module:
    module, course = _module(session, actor, module_id)
    module.title = _clean_title(title, "module")
    session.add(module)
    _touch(session, course)
    session.flush()
    return module


def delete_module(session: Session, actor: Actor, module_id: int) -> None:
    """Delete a module with its lessons (and the progress learners made in them: audited)."""
    module, course = _module(session, actor, module_id)
    lesson_ids = [lesson.id for lesson in _lessons_in(session, module.id)]
    progress = session.exec(select(func.count(LessonProgress.id)).where(LessonProgress.lesson_id.in_(lesson_ids or [0]))).one()
    audit.record(session, actor, "course.module_deleted", target_type="course", target_id=course.id, target_label=course.title,
                 before={"module": module.title, "lessons": len(lesson_ids), "progress_records": progress})
    _delete_lessons(session, lesson_ids)
    session.execute(delete(ModulePrerequisite).where((ModulePrerequisite.module_id == module.id) | (ModulePrerequisite.requires_module_id == module.id)))
    session.delete(module)
    session.flush()
    _renumber(session, modules_of(session, course.id))
    _touch(session, course)
    session.flush()


def forget_unused_files(session: Session, org_id: int, file_paths: list[str]) -> None:
    """Delete, once the transaction commits, the stored files that no lesson and no course
    cover points to any more (a copy of a course shares its files with the original)."""
    paths = {p for p in file_paths if p}
    if not paths:
        return
    session.flush()
    content = cast(Lesson.content, Text)
    used = {p for p in paths if session.exec(select(Lesson.id).where(Lesson.org_id == org_id, content.contains(p, autoescape=True)).limit(1)).first()}
    used |= set(session.exec(select(Course.cover_image_path).where(Course.org_id == org_id, Course.cover_image_path.in_(paths))).all())
    storage.remove_after_commit(session, sorted(paths - used))


def _delete_lessons(session: Session, lesson_ids: list[int]) -> None:
    if not lesson_ids:
        return
    lessons = session.exec(select(Lesson.org_id, Lesson.content).where(Lesson.id.in_(lesson_ids))).all()
    stored = [path for _, content in lessons for path in registry.stored_files(content)]
    handed_in = _handed_in_files(session, lesson_ids)
    from lms_app.services import scorm  # it builds on this module

    package_folders = scorm.package_folders(session, lesson_ids)
    # Explicit deletes: SQLite enforces ON DELETE only with its pragma, and the ORM must not
    # try to null these columns first.
    session.execute(Enrollment.__table__.update().where(Enrollment.last_lesson_id.in_(lesson_ids)).values(last_lesson_id=None))
    session.execute(delete(LessonProgress).where(LessonProgress.lesson_id.in_(lesson_ids)))
    session.execute(delete(LessonPrerequisite).where(LessonPrerequisite.lesson_id.in_(lesson_ids) | LessonPrerequisite.requires_lesson_id.in_(lesson_ids)))
    session.execute(delete(Lesson).where(Lesson.id.in_(lesson_ids)))
    session.expire_all()
    if lessons:
        forget_unused_files(session, lessons[0][0], stored)
    # Learners' own files go with their work (the rows go by ON DELETE CASCADE).
    storage.remove_after_commit(session, handed_in)
    scorm.forget_unused_folders(session, package_folders)


def _handed_in_files(session: Session, lesson_ids: list[int]) -> list[str]:
    """The files learners handed in at these lessons: assignment submissions and file answers
    of quiz attempts (a response naming a file kept under quizzes.QUIZ_FILES)."""
    paths = [str(f["file_path"]) for files in session.exec(select(Submission.files).where(Submission.lesson_id.in_(lesson_ids))).all()
             for f in files or [] if f.get("file_path")]
    answers = (select(AttemptAnswer.response).join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
               .where(QuizAttempt.lesson_id.in_(lesson_ids), cast(AttemptAnswer.response, Text).like('"quiz_answers/%')))
    return paths + [r for r in session.exec(answers).all() if isinstance(r, str)]


def move_module(session: Session, actor: Actor, module_id: int, direction: str) -> None:
    """Move a module one place "up" or "down" (at either end: nothing happens)."""
    module, course = _module(session, actor, module_id)
    _move(session, modules_of(session, course.id), module, direction)
    _touch(session, course)
    session.flush()


def reorder_modules(session: Session, actor: Actor, course_id: int, module_ids: list[int]) -> None:
    """Put the course's modules in exactly this order (every module, once)."""
    course = authored_course(session, actor, course_id)
    modules = modules_of(session, course.id)
    _reorder(session, modules, module_ids, "modules of this course")
    _touch(session, course)
    session.flush()


def _move(session: Session, items: list, item, direction: str) -> None:
    if direction not in ("up", "down"):
        raise Invalid("Move up or down.")
    index = next(i for i, x in enumerate(items) if x.id == item.id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    _renumber(session, items)


def _reorder(session: Session, items: list, ids: list[int], what: str) -> None:
    by_id = {x.id: x for x in items}
    ids = [int(i) for i in ids]
    if sorted(ids) != sorted(by_id):
        raise Invalid(f"The new order must list all the {what}, each once.")
    _renumber(session, [by_id[i] for i in ids])


# --- lessons ------------------------------------------------------------------------------

def _content(kind: str, content: dict[str, Any] | None) -> dict[str, Any]:
    """Validated content; empty content is kept (a lesson being written) and listed by the
    publishing checklist."""
    registry.get(kind)
    if not content or not any(v not in (None, "", [], {}) for v in content.values()):
        return {}
    return registry.validate_content(kind, content)


def add_lesson(
    session: Session, actor: Actor, module_id: int, title: str, kind: str, content: dict[str, Any] | None = None, *,
    required: bool = True, counts_for_completion: bool = False, estimated_minutes: int = 0,
) -> Lesson:
    """A new lesson at the end of a module."""
    module, course = _module(session, actor, module_id)
    title = _clean_title(title, "lesson")
    lesson = Lesson(
        org_id=course.org_id, course_id=course.id, module_id=module.id, title=title, kind=kind,
        content=_content(kind, content), required=bool(required), counts_for_completion=bool(counts_for_completion),
        estimated_minutes=_minutes(estimated_minutes), position=len(_lessons_in(session, module.id)),
    )
    session.add(lesson)
    _touch(session, course)
    session.flush()
    return lesson


def update_lesson(
    session: Session, actor: Actor, lesson_id: int, *, title: str = _UNSET, kind: str = _UNSET,
    content: dict[str, Any] | None = _UNSET, required: bool = _UNSET, counts_for_completion: bool = _UNSET,
    estimated_minutes: int = _UNSET,
) -> Lesson:
    """Change a lesson; only the arguments given change. A new kind needs content of that kind."""
    lesson, course = _lesson(session, actor, lesson_id)
    if title is not _UNSET:
        lesson.title = _clean_title(title, "lesson")
    if kind is not _UNSET and kind != lesson.kind:
        registry.get(kind)
        lesson.kind = kind
        if content is _UNSET:
            content = {}
    if content is not _UNSET:
        replaced = set(registry.stored_files(lesson.content))
        lesson.content = _content(lesson.kind, content)
        forget_unused_files(session, lesson.org_id, sorted(replaced - set(registry.stored_files(lesson.content))))
    if required is not _UNSET:
        lesson.required = bool(required)
    if counts_for_completion is not _UNSET:
        lesson.counts_for_completion = bool(counts_for_completion)
    if estimated_minutes is not _UNSET:
        lesson.estimated_minutes = _minutes(estimated_minutes)
    lesson.updated_at = utcnow()
    session.add(lesson)
    _touch(session, course)
    session.flush()
    if content is not _UNSET:
        from lms_app.services import live_sessions  # it builds on this module

        # More seats at a live session go to the people waiting.
        live_sessions.capacity_changed(session, lesson)
    return lesson


def set_lesson_text(session: Session, actor: Actor, lesson_id: int, markdown: str) -> Lesson:
    """Save a text lesson's Markdown. Its uploaded images stay while the text shows them; an
    image taken out of the text is deleted once the change is saved."""
    lesson, _ = _lesson(session, actor, lesson_id)
    if lesson.kind != "text":
        raise Invalid("Only text lessons hold Markdown.")
    markdown = str(markdown or "")
    images = [i for i in (lesson.content or {}).get("images", []) if registry.image_url(lesson.id, i["id"]) in markdown]
    return update_lesson(session, actor, lesson.id, content={"markdown": markdown, **({"images": images} if images else {})})


def delete_lesson(session: Session, actor: Actor, lesson_id: int) -> None:
    """Delete a lesson (and the progress, attempts and work learners made in it: audited)."""
    lesson, course = _lesson(session, actor, lesson_id)
    module_id, title = lesson.module_id, lesson.title
    counted = {name: session.exec(select(func.count(model.id)).where(model.lesson_id == lesson.id)).one()
               for name, model in (("progress_records", LessonProgress), ("quiz_attempts", QuizAttempt), ("submissions", Submission))}
    audit.record(session, actor, "course.lesson_deleted", target_type="course", target_id=course.id, target_label=course.title,
                 before={"lesson": title, "kind": lesson.kind, **counted})
    _delete_lessons(session, [lesson.id])
    _renumber(session, _lessons_in(session, module_id))
    _touch(session, course)
    session.flush()


def move_lesson(session: Session, actor: Actor, lesson_id: int, direction: str) -> None:
    """Move a lesson one place "up" or "down" within its module."""
    lesson, course = _lesson(session, actor, lesson_id)
    _move(session, _lessons_in(session, lesson.module_id), lesson, direction)
    _touch(session, course)
    session.flush()


def move_lesson_to(session: Session, actor: Actor, lesson_id: int, module_id: int, position: int | None = None) -> None:
    """Move a lesson into a module (of the same course) at a position (None: at the end)."""
    lesson, course = _lesson(session, actor, lesson_id)
    target, _ = _module(session, actor, module_id)
    if target.course_id != course.id:
        raise Invalid("A lesson can only move to a module of the same course.")
    source_id = lesson.module_id
    siblings = [x for x in _lessons_in(session, target.id) if x.id != lesson.id]
    position = len(siblings) if position is None else max(0, min(int(position), len(siblings)))
    siblings.insert(position, lesson)
    lesson.module_id = target.id
    session.add(lesson)
    _renumber(session, siblings)
    session.flush()
    if source_id != target.id:
        _renumber(session, _lessons_in(session, source_id))
        session.flush()
        _check_no_prerequisite_loop(session, course.id)
    _touch(session, course)
    session.flush()


def reorder_lessons(session: Session, actor: Actor, module_id: int, lesson_ids: list[int]) -> None:
    """Put a module's lessons in exactly this order (every lesson of the module, once)."""
    module, course = _module(session, actor, module_id)
    _reorder(session, _lessons_in(session, module.id), lesson_ids, "lessons of this module")
    _touch(session, course)
    session.flush()


# --- prerequisites and release --------------------------------------------------------------

def set_lesson_prerequisites(session: Session, actor: Actor, lesson_id: int, requires: list[int]) -> None:
    """The lessons (of the same course) that must be done before this one opens."""
    lesson, course = _lesson(session, actor, lesson_id)
    wanted = {int(r) for r in requires}
    if lesson.id in wanted:
        raise Invalid("A lesson cannot require itself.")
    found = set(session.exec(select(Lesson.id).where(Lesson.id.in_(wanted or [0]), Lesson.course_id == course.id)).all())
    if found != wanted:
        raise Invalid("A lesson can only require lessons of the same course.")
    edges: dict[int, set[int]] = {}
    for lid, req in session.exec(select(LessonPrerequisite.lesson_id, LessonPrerequisite.requires_lesson_id).join(Lesson, Lesson.id == LessonPrerequisite.lesson_id).where(Lesson.course_id == course.id)).all():
        edges.setdefault(lid, set()).add(req)
    edges[lesson.id] = wanted
    _check_no_prerequisite_loop(session, course.id, lesson_edges=edges)
    session.execute(delete(LessonPrerequisite).where(LessonPrerequisite.lesson_id == lesson.id))
    session.add_all(LessonPrerequisite(lesson_id=lesson.id, requires_lesson_id=r) for r in sorted(wanted))
    _touch(session, course)
    session.flush()


def set_module_prerequisites(session: Session, actor: Actor, module_id: int, requires: list[int]) -> None:
    """The modules (of the same course) to finish before this one opens; a module is finished
    when its required lessons are done (all its lessons when none is required)."""
    module, course = _module(session, actor, module_id)
    wanted = {int(r) for r in requires}
    if module.id in wanted:
        raise Invalid("A module cannot require itself.")
    found = set(session.exec(select(Module.id).where(Module.id.in_(wanted or [0]), Module.course_id == course.id)).all())
    if found != wanted:
        raise Invalid("A module can only require modules of the same course.")
    edges: dict[int, set[int]] = {}
    for mid, req in session.exec(select(ModulePrerequisite.module_id, ModulePrerequisite.requires_module_id).join(Module, Module.id == ModulePrerequisite.module_id).where(Module.course_id == course.id)).all():
        edges.setdefault(mid, set()).add(req)
    edges[module.id] = wanted
    _check_no_prerequisite_loop(session, course.id, module_edges=edges)
    session.execute(delete(ModulePrerequisite).where(ModulePrerequisite.module_id == module.id))
    session.add_all(ModulePrerequisite(module_id=module.id, requires_module_id=r) for r in sorted(wanted))
    _touch(session, course)
    session.flush()


def set_release(
    session: Session, actor: Actor, *, module_id: int | None = None, lesson_id: int | None = None,
    available_on: date | None = None, days_after_enrollment: int | None = None,
) -> None:
    """Drip release of a module or a lesson: on a date (the start of that day in the learner's
    time zone) or some days after the learner enrolled; neither: open at once."""
    if (module_id is None) == (lesson_id is None):
        raise Invalid("Set the release of one module or one lesson.")
    target, course = _module(session, actor, module_id) if module_id is not None else _lesson(session, actor, lesson_id)
    target.available_on, target.available_after_days = _release(available_on, days_after_enrollment)
    session.add(target)
    _touch(session, course)
    session.flush()


# --- staff --------------------------------------------------------------------------------

def add_staff(session: Session, actor: Actor, course_id: int, user_id: int, role: str) -> None:
    """Give someone a course role ("instructor" or "assistant"), or change the one they have."""
    course = authored_course(session, actor, course_id)
    if role not in STAFF_ROLES:
        raise Invalid("A course role is instructor or assistant.")
    user = session.get(User, int(user_id)) if user_id else None
    if user is None or user.org_id != actor.org_id:
        raise NotFound("That person does not exist.")
    if not user.is_active:
        raise Invalid(f"{user.name}'s account is deactivated.")
    if session.exec(holders_of("courses.teach").where(UserRole.user_id == user.id)).first() is None:
        raise Invalid(f"{user.name} has no role that teaches courses: an admin gives them one first.")
    row = session.exec(select(CourseStaff).where(CourseStaff.course_id == course.id, CourseStaff.user_id == user.id)).first()
    if row is not None and row.role == role:
        raise Conflict(f"{user.name} is already an {role} of this course.")
    before = {"person": user.email, "role": row.role} if row else None
    if row is None:
        row = CourseStaff(org_id=course.org_id, course_id=course.id, user_id=user.id, role=role)
    else:
        _keep_an_instructor(session, course, row, role)
        row.role = role
    session.add(row)
    session.flush()
    audit.record(session, actor, "course.staff_added" if before is None else "course.staff_changed", target_type="course",
                 target_id=course.id, target_label=course.title, before=before, after={"person": user.email, "role": role})


def staff_candidates(session: Session, actor: Actor, course_id: int, query: str, *, limit: int = 8) -> list[StaffMember]:
    """For the editor's "Add to the teaching team": active people of the organization who may
    teach (a role with "courses.teach") and have no role on this course yet, by name or email."""
    course = authored_course(session, actor, course_id)
    words = (query or "").strip().lower()[:100]
    if not words:
        return []
    pattern = f"%{words}%"
    on_course = select(CourseStaff.user_id).where(CourseStaff.course_id == course.id)
    rows = session.exec(
        select(User.id, User.name, User.email).where(
            User.org_id == actor.org_id, User.is_active, User.id.in_(holders_of("courses.teach")), User.id.not_in(on_course),
            func.lower(User.name).like(pattern) | func.lower(User.email).like(pattern),
        ).order_by(func.lower(User.name)).limit(limit)).all()
    return [StaffMember(uid, name, email, "") for uid, name, email in rows]


def required_course_options(session: Session, actor: Actor, course_id: int) -> list[tuple[int, str]]:
    """The courses this one may require first: the organization's other courses, not archived."""
    course = staffed_course(session, actor, course_id)
    return [tuple(row) for row in session.exec(
        select(Course.id, Course.title).where(Course.org_id == course.org_id, Course.id != course.id, Course.visibility != "archived")
        .order_by(func.lower(Course.title))).all()]


def _keep_an_instructor(session: Session, course: Course, row: CourseStaff, new_role: str | None) -> None:
    if row.role != "instructor" or new_role == "instructor":
        return
    others = session.exec(select(func.count(CourseStaff.id)).where(
        CourseStaff.course_id == course.id, CourseStaff.role == "instructor", CourseStaff.id != row.id)).one()
    if not others:
        raise Conflict("A course needs at least one instructor: add another instructor first.")


def remove_staff(session: Session, actor: Actor, course_id: int, user_id: int) -> None:
    course = authored_course(session, actor, course_id)
    row = session.exec(select(CourseStaff).where(CourseStaff.course_id == course.id, CourseStaff.user_id == int(user_id))).first()
    if row is None:
        raise NotFound("That person has no role on this course.")
    _keep_an_instructor(session, course, row, None)
    user = session.get(User, row.user_id)
    session.delete(row)
    session.flush()
    audit.record(session, actor, "course.staff_removed", target_type="course", target_id=course.id, target_label=course.title,
                 before={"person": user.email if user else str(row.user_id), "role": row.role})


def list_staff(session: Session, course_id: int) -> list[StaffMember]:
    rows = session.exec(
        select(User.id, User.name, User.email, CourseStaff.role).join(CourseStaff, CourseStaff.user_id == User.id)
        .where(CourseStaff.course_id == course_id).order_by(CourseStaff.role.desc(), User.name)
    ).all()
    return [StaffMember(*r) for r in rows]


# --- descriptions: a course without database ids (copies, archives) -------------------------

@dataclass
class LessonDescription:
    key: str  # a reference unique within the course, named by prerequisites
    title: str
    kind: str
    content: dict[str, Any] = field(default_factory=dict)
    required: bool = True
    counts_for_completion: bool = False
    available_on: date | None = None
    available_after_days: int | None = None
    estimated_minutes: int = 0
    requires: list[str] = field(default_factory=list)  # keys of lessons


@dataclass
class ModuleDescription:
    key: str
    title: str
    available_on: date | None = None
    available_after_days: int | None = None
    requires: list[str] = field(default_factory=list)  # keys of modules
    lessons: list[LessonDescription] = field(default_factory=list)


@dataclass
class CourseDescription:
    """A course's settings and structure, prerequisites by key rather than database id: what a
    copy is built from and what an archive carries."""

    title: str
    summary: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    language: str = "en"
    estimated_minutes: int = 0
    self_enrollment: bool = False
    access_days: int | None = None
    completion_rule: str = "all_required"
    modules: list[ModuleDescription] = field(default_factory=list)
    # Kept by a copy in the same organization; an archive carries none of them.
    cover_image_path: str | None = None
    enrollment_key_hash: str | None = None
    required_course_id: int | None = None


@dataclass
class BuiltCourse:
    course: Course
    lessons: dict[str, Lesson]  # by the description's keys


def _prerequisites_of(session: Session, module_ids: list[int], lesson_ids: list[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """What these modules and these lessons require: {module id: [module ids]}, {lesson id: [lesson ids]}."""
    module_requires: dict[int, list[int]] = {}
    for mid, req in session.exec(select(ModulePrerequisite.module_id, ModulePrerequisite.requires_module_id).where(ModulePrerequisite.module_id.in_(module_ids or [0])).order_by(ModulePrerequisite.id)).all():
        module_requires.setdefault(mid, []).append(req)
    lesson_requires: dict[int, list[int]] = {}
    for lid, req in session.exec(select(LessonPrerequisite.lesson_id, LessonPrerequisite.requires_lesson_id).where(LessonPrerequisite.lesson_id.in_(lesson_ids or [0])).order_by(LessonPrerequisite.id)).all():
        lesson_requires.setdefault(lid, []).append(req)
    return module_requires, lesson_requires


def describe_course(session: Session, course: Course) -> CourseDescription:
    """The course as a description: modules and lessons in outline order, keyed m1, m2… and
    l1, l2… The caller has checked who may read it."""
    modules = modules_of(session, course.id)
    lessons = lessons_of(session, course.id)
    module_requires, lesson_requires = _prerequisites_of(session, [m.id for m in modules], [lesson.id for lesson in lessons])
    module_keys = {m.id: f"m{n}" for n, m in enumerate(modules, 1)}
    lesson_keys = {lesson.id: f"l{n}" for n, lesson in enumerate(lessons, 1)}
    described = {
        m.id: ModuleDescription(module_keys[m.id], m.title, m.available_on, m.available_after_days,
                                [module_keys[r] for r in module_requires.get(m.id, [])])
        for m in modules
    }
    for lesson in lessons:
        described[lesson.module_id].lessons.append(LessonDescription(
            lesson_keys[lesson.id], lesson.title, lesson.kind, dict(lesson.content or {}), lesson.required,
            lesson.counts_for_completion, lesson.available_on, lesson.available_after_days, lesson.estimated_minutes,
            [lesson_keys[r] for r in lesson_requires.get(lesson.id, [])],
        ))
    return CourseDescription(
        course.title, course.summary, course.category, course_tags(session, course.id), course.language,
        course.estimated_minutes, course.self_enrollment, course.access_days, course.completion_rule,
        list(described.values()), course.cover_image_path, course.enrollment_key_hash, course.required_course_id,
    )


@contextmanager
def _about(where: str) -> Iterator[None]:
    """Say which module or lesson a refusal is about."""
    try:
        yield
    except Invalid as exc:
        raise Invalid(f"{where}: {exc.message}") from None


def _unique_keys(keys: list[str], what: str) -> set[str]:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise Invalid(f"Two {what}s have the key “{key}”: each needs its own.")
        seen.add(key)
    return seen


def _references(requires: list[str], known: set[str], own: str, what: str) -> list[str]:
    for key in requires:
        if key == own:
            raise Invalid(f"A {what} cannot require itself.")
        if key not in known:
            raise Invalid(f"it requires “{key}”, which is not a {what} of this course.")
    return list(dict.fromkeys(requires))


@dataclass
class _Node:
    """A described lesson, as the prerequisite loop check sees it."""

    id: str
    module_id: str
    title: str
    required: bool


def _checked(d: CourseDescription) -> CourseDescription:
    """The description cleaned like the editor cleans each change, checked whole: Invalid names
    the module or lesson at fault."""
    module_keys = _unique_keys([m.key for m in d.modules], "module")
    lesson_keys = _unique_keys([lesson.key for m in d.modules for lesson in m.lessons], "lesson")
    modules: list[ModuleDescription] = []
    for number, m in enumerate(d.modules, 1):
        with _about(f"Module “{m.title}”" if m.title else f"Module {number}"):
            module = ModuleDescription(m.key, _clean_title(m.title, "module"), *_release(m.available_on, m.available_after_days),
                                       _references(m.requires, module_keys, m.key, "module"))
        for place, lesson in enumerate(m.lessons, 1):
            with _about(f"Lesson “{lesson.title}” in module “{module.title}”" if lesson.title else f"Lesson {place} in module “{module.title}”"):
                module.lessons.append(LessonDescription(
                    lesson.key, _clean_title(lesson.title, "lesson"), lesson.kind, _content(lesson.kind, lesson.content),
                    bool(lesson.required), bool(lesson.counts_for_completion), *_release(lesson.available_on, lesson.available_after_days),
                    _minutes(lesson.estimated_minutes), _references(lesson.requires, lesson_keys, lesson.key, "lesson"),
                ))
        modules.append(module)
    nodes = [_Node(lesson.key, m.key, lesson.title, lesson.required) for m in modules for lesson in m.lessons]
    _refuse_prerequisite_loops(
        {m.key: m.title for m in modules}, nodes,
        {lesson.key: set(lesson.requires) for m in modules for lesson in m.lessons if lesson.requires},
        {m.key: set(m.requires) for m in modules if m.requires},
    )
    with _about("The course's settings"):
        return CourseDescription(
            _clean_title(d.title, "course"), _clean_summary(d.summary), _clean_category(d.category), _clean_tags(d.tags),
            _language(d.language), _minutes(d.estimated_minutes), bool(d.self_enrollment), _access_days(d.access_days),
            _completion_rule(d.completion_rule), modules, _clean_cover_path(d.cover_image_path), d.enrollment_key_hash,
            d.required_course_id,
        )


def create_course_from(session: Session, actor: Actor, description: CourseDescription) -> BuiltCourse:
    """A new draft course built from a description (a copy, an imported archive); the actor
    needs "courses.create" and becomes its instructor. The description is checked whole before
    anything is written."""
    require(actor, "courses.create")
    d = _checked(description)
    course = Course(
        org_id=actor.org_id, title=d.title, summary=d.summary, cover_image_path=d.cover_image_path, category=d.category,
        language=d.language, estimated_minutes=d.estimated_minutes, self_enrollment=d.self_enrollment,
        enrollment_key_hash=d.enrollment_key_hash, access_days=d.access_days, completion_rule=d.completion_rule,
        created_by_id=actor.user_id,
    )
    session.add(course)
    session.flush()
    if d.required_course_id:
        course.required_course_id = _required_course(session, actor, course, d.required_course_id)
    _set_tags(session, course, d.tags)
    session.add(CourseStaff(org_id=course.org_id, course_id=course.id, user_id=actor.user_id, role="instructor"))
    modules = {
        m.key: Module(org_id=course.org_id, course_id=course.id, position=position, title=m.title,
                      available_on=m.available_on, available_after_days=m.available_after_days)
        for position, m in enumerate(d.modules)
    }
    session.add_all(modules.values())
    session.flush()
    lessons = {
        lesson.key: Lesson(
            org_id=course.org_id, course_id=course.id, module_id=modules[m.key].id, position=position, title=lesson.title,
            kind=lesson.kind, content=lesson.content, required=lesson.required, counts_for_completion=lesson.counts_for_completion,
            available_on=lesson.available_on, available_after_days=lesson.available_after_days, estimated_minutes=lesson.estimated_minutes,
        )
        for m in d.modules for position, lesson in enumerate(m.lessons)
    }
    session.add_all(lessons.values())
    session.flush()
    for lesson in lessons.values():
        if lesson.content.get("images"):
            lesson.content = registry.relink_images(lesson.content, lesson.id)
    from lms_app.services import scorm  # it builds on this module

    scorm.adopt_copied_packages(session, actor, list(lessons.values()))
    session.add_all(ModulePrerequisite(module_id=modules[m.key].id, requires_module_id=modules[r].id) for m in d.modules for r in m.requires)
    session.add_all(LessonPrerequisite(lesson_id=lessons[lesson.key].id, requires_lesson_id=lessons[r].id)
                    for m in d.modules for lesson in m.lessons for r in lesson.requires)
    session.flush()
    return BuiltCourse(course, lessons)


# --- copies and the outline ---------------------------------------------------------------

def copy_course(session: Session, actor: Actor, course_id: int, title: str | None = None) -> Course:
    """A new draft with the same settings, structure, content, prerequisites and release rules
    (not its staff, learners or progress); the one copying becomes its instructor. Needs
    "courses.create" and a staff role on the original (or "courses.manage"). Files (lessons',
    cover) are shared with the original, not duplicated."""
    require(actor, "courses.create")
    source = staffed_course(session, actor, course_id)
    description = describe_course(session, source)
    description.title = title or f"Copy of {source.title}"[:MAX_TITLE]
    copy = create_course_from(session, actor, description).course
    audit.record(session, actor, "course.copied", target_type="course", target_id=copy.id, target_label=copy.title,
                 after={"from_course": source.id, "from_title": source.title, "modules": len(description.modules),
                        "lessons": sum(len(m.lessons) for m in description.modules)})
    return copy


def get_outline(session: Session, actor: Actor, course_id: int) -> CourseOutline:
    """Everything the course editor shows. Instructors and "courses.manage" get
    `can_edit=True`; assistants see the same outline read-only."""
    course = staffed_course(session, actor, course_id)
    modules = modules_of(session, course.id)
    lessons = lessons_of(session, course.id)
    module_requires, lesson_requires = _prerequisites_of(session, [m.id for m in modules], [lesson.id for lesson in lessons])
    outline_modules = {
        m.id: ModuleOutline(m.id, m.position, m.title, m.available_on, m.available_after_days, module_requires.get(m.id, []))
        for m in modules
    }
    for lesson in lessons:
        kind = registry.get(lesson.kind)
        outline_modules[lesson.module_id].lessons.append(LessonOutline(
            lesson.id, lesson.module_id, lesson.position, lesson.title, lesson.kind, kind.label, kind.icon, dict(lesson.content),
            lesson.required, lesson.counts_for_completion, lesson.available_on, lesson.available_after_days,
            lesson.estimated_minutes, lesson_requires.get(lesson.id, []), registry.content_problem(lesson.kind, lesson.content),
        ))
    return CourseOutline(
        course.id, course.title, course.summary, course.cover_image_path, course.category, course_tags(session, course.id),
        course.language, course.estimated_minutes, course.visibility, course.self_enrollment, course.enrollment_key_hash is not None,
        course.access_days, course.completion_rule, course.required_course_id, course.published_at,
        can_author(session, actor, course), list(outline_modules.values()), list_staff(session, course.id),
    )
