"""The learner's side of courses: the catalog (search, filters, sort, pages), a course's page
with what enrolling needs, and My learning (in progress, access ending soon, completed,
recommended).

Who may do what: everything here needs "learning.view" and shows only the actor's own
organization. The catalog lists published courses only; a draft (or another organization's
course) is "That course does not exist." whoever asks. Enrolling itself is
`enrollment.self_enroll`: this module only says what it will ask for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_
from sqlmodel import Session, select

from lms_app.lessons import registry
from lms_app.locales import LANGUAGES
from lms_app.models import Course, CourseStaff, CourseTag, Enrollment, Lesson, User, utcnow
from lms_app.services import progress, timefmt
from lms_app.services.courses import lessons_of, modules_of
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require

SORTS = ("title", "newest", "shortest")
# (label, lowest minutes, highest minutes); a course without an estimate matches none.
DURATIONS: dict[str, tuple[str, int, int | None]] = {
    "short": ("Under 30 minutes", 1, 29),
    "medium": ("30 minutes to 2 hours", 30, 120),
    "long": ("Over 2 hours", 121, None),
}
MAX_PAGE_SIZE = 100
MAX_QUERY = 100
ENDING_SOON_DAYS = 14
MAX_RECOMMENDED = 6
NO_SELF_ENROLLMENT = "Ask your instructor or administrator to enroll you."

# A learner's status in a course.
NOT_ENROLLED, ENROLLED, COMPLETED = "not_enrolled", "enrolled", "completed"


# --- results ------------------------------------------------------------------------------

@dataclass
class CatalogRow:
    id: int
    title: str
    summary: str
    category: str
    language: str
    estimated_minutes: int
    tags: list[str]
    status: str  # not_enrolled | enrolled | completed
    percent: int  # progress of the active run (100 when completed)
    cover_image_path: str | None = None


@dataclass
class FilterOptions:
    categories: list[str]
    languages: list[tuple[str, str]]  # (code, name)


@dataclass
class OutlineLesson:
    title: str
    kind_label: str
    icon: str
    estimated_minutes: int


@dataclass
class OutlineModule:
    title: str
    lessons: list[OutlineLesson] = field(default_factory=list)


@dataclass
class EnrollmentNeeds:
    """What enrolling asks of the learner. `closed` is why they cannot enroll themselves
    ("" when they can)."""

    self_enrollment: bool
    key_required: bool
    required_course_id: int | None
    required_course_title: str
    required_course_done: bool
    closed: str


@dataclass
class CurrentRun:
    enrollment_id: int
    status: str  # active | completed
    percent: int
    enrolled_at: datetime
    expires_at: datetime | None
    completed_at: datetime | None


@dataclass
class CoursePage:
    id: int
    title: str
    summary: str
    category: str
    language: str
    language_name: str
    estimated_minutes: int
    tags: list[str]
    module_count: int
    lesson_count: int
    access_days: int | None
    outline: list[OutlineModule]
    instructors: list[str]
    needs: EnrollmentNeeds
    run: CurrentRun | None
    timezone: str
    cover_image_path: str | None = None


@dataclass
class InProgressCourse:
    course_id: int
    title: str
    category: str
    percent: int
    next_lesson: str  # "" when no lesson is open now
    href: str
    expires_at: datetime | None


@dataclass
class EndingSoon:
    course_id: int
    title: str
    expires_at: datetime
    ends_on: str  # "Access ends on 5 March 2027", in the learner's time zone
    href: str


@dataclass
class CompletedCourse:
    course_id: int
    title: str
    completed_at: datetime
    completed_on: str  # "5 March 2027", in the learner's time zone
    href: str


@dataclass
class MyLearning:
    in_progress: list[InProgressCourse]
    ending_soon: list[EndingSoon]
    completed: list[CompletedCourse]
    recommended: list[CatalogRow]


# --- helpers ------------------------------------------------------------------------------

def player_href(course_id: int) -> str:
    return f"/learn/courses/{course_id}"


def _day(moment: datetime, tz: str) -> str:
    local = moment.astimezone(timefmt.zone(tz))
    return f"{local.day} {local:%B %Y}"


def _id(value) -> int:
    """An id as the browser sent it; anything else is 0, which no row has."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) < 18 else 0


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _published(actor: Actor):
    return and_(Course.org_id == actor.org_id, Course.visibility == "published")


def _tags_of(session: Session, course_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if course_ids:
        for cid, tag in session.exec(select(CourseTag.course_id, CourseTag.tag).where(CourseTag.course_id.in_(course_ids)).order_by(CourseTag.id)).all():
            out.setdefault(cid, []).append(tag)
    return out


def _runs(session: Session, actor: Actor, course_ids: list[int] | None, now: datetime) -> dict[int, Enrollment]:
    """The run that gives the actor's status in each course: the active one (access not ended),
    else the latest completed one. Other courses are absent."""
    stmt = select(Enrollment).where(Enrollment.user_id == actor.user_id, Enrollment.org_id == actor.org_id,
                                    Enrollment.status.in_(("active", "completed")))
    if course_ids is not None:
        if not course_ids:
            return {}
        stmt = stmt.where(Enrollment.course_id.in_(course_ids))
    out: dict[int, Enrollment] = {}
    for run in session.exec(stmt.order_by(Enrollment.enrolled_at, Enrollment.id)).all():
        if run.status == "active" and run.expires_at is not None and run.expires_at <= now:
            continue  # access ended; the expiry job has not run yet
        held = out.get(run.course_id)
        if held is None or held.status != "active":
            out[run.course_id] = run
    return out


def _rows(session: Session, actor: Actor, courses: list[Course], now: datetime) -> list[CatalogRow]:
    ids = [c.id for c in courses]
    tags = _tags_of(session, ids)
    runs = _runs(session, actor, ids, now)
    percents = progress.percent_by_enrollment(session, list(runs.values()))
    rows = []
    for c in courses:
        run = runs.get(c.id)
        status = NOT_ENROLLED if run is None else (ENROLLED if run.status == "active" else COMPLETED)
        rows.append(CatalogRow(c.id, c.title, c.summary, c.category, c.language, c.estimated_minutes, tags.get(c.id, []),
                               status, percents.get(run.id, 0) if run else 0, c.cover_image_path))
    return rows


# --- the catalog --------------------------------------------------------------------------

def search(session: Session, actor: Actor, *, query: str = "", category: str = "", language: str = "", duration: str = "",
           sort: str = "title", page: int = 1, page_size: int = 24, now: datetime | None = None) -> tuple[list[CatalogRow], int]:
    """One page of the organization's published courses matching the search, and how many
    match in all. Every word of the query must appear (case-insensitively) in the title, the
    summary or a tag; duration is "short" (under 30 min), "medium" (30 min to 2 h) or "long" (over
    2 h); sort is "title", "newest" (published last first) or "shortest". Each row carries
    the actor's status in the course. Filtering, sorting and paging happen in SQL."""
    require(actor, "learning.view")
    if sort not in SORTS:
        raise Invalid("Sort by title, newest or shortest.")
    if duration and duration not in DURATIONS:
        raise Invalid("Choose a duration from the list.")
    try:
        page, page_size = max(1, int(page)), max(1, min(int(page_size), MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        raise Invalid("The page must be a whole number.") from None
    stmt = select(Course).where(_published(actor))
    for word in (query or "").strip()[:MAX_QUERY].split():
        pattern = _like(word)
        tagged = exists().where(CourseTag.course_id == Course.id, CourseTag.tag.ilike(pattern, escape="\\"))
        stmt = stmt.where(or_(Course.title.ilike(pattern, escape="\\"), Course.summary.ilike(pattern, escape="\\"), tagged))
    if category:
        stmt = stmt.where(Course.category == category)
    if language:
        stmt = stmt.where(Course.language == language)
    if duration:
        _, low, high = DURATIONS[duration]
        stmt = stmt.where(Course.estimated_minutes >= low)
        if high is not None:
            stmt = stmt.where(Course.estimated_minutes <= high)
    total = session.exec(select(func.count()).select_from(stmt.with_only_columns(Course.id).subquery())).one()
    if sort == "newest":
        order = (Course.published_at.is_(None), Course.published_at.desc(), Course.id.desc())
    elif sort == "shortest":
        # A course without an estimate goes last, not first.
        order = (case((Course.estimated_minutes > 0, 0), else_=1), Course.estimated_minutes, func.lower(Course.title), Course.id)
    else:
        order = (func.lower(Course.title), Course.id)
    courses = list(session.exec(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all())
    return _rows(session, actor, courses, now or utcnow()), total


def filter_options(session: Session, actor: Actor) -> FilterOptions:
    """The categories and languages the organization's published courses have."""
    require(actor, "learning.view")
    categories = session.exec(select(Course.category).where(_published(actor), Course.category != "").distinct().order_by(Course.category)).all()
    codes = session.exec(select(Course.language).where(_published(actor)).distinct()).all()
    languages = sorted(((code, LANGUAGES.get(code, code)) for code in codes), key=lambda pair: pair[1].lower())
    return FilterOptions(list(categories), languages)


# --- a course's page ----------------------------------------------------------------------

def course_page(session: Session, actor: Actor, course_id, *, now: datetime | None = None) -> CoursePage:
    """What a learner sees before (and after) enrolling: the course's description, its outline
    (titles and kinds, no content), its instructors, what enrolling needs and the learner's
    current run. Drafts and other organizations' courses do not exist here."""
    require(actor, "learning.view")
    now = now or utcnow()
    course = session.get(Course, _id(course_id)) if _id(course_id) else None
    if course is None or course.org_id != actor.org_id or course.visibility == "draft":
        raise NotFound("That course does not exist.")
    run = _runs(session, actor, [course.id], now).get(course.id)
    if course.visibility == "archived" and run is None:
        raise NotFound("That course does not exist.")
    lessons = lessons_of(session, course.id)
    modules = modules_of(session, course.id)
    outline = {m.id: OutlineModule(m.title) for m in modules}
    for lesson in lessons:
        kind = registry.get(lesson.kind)
        outline[lesson.module_id].lessons.append(OutlineLesson(lesson.title, kind.label, kind.icon, lesson.estimated_minutes))
    instructors = list(session.exec(
        select(User.name).join(CourseStaff, CourseStaff.user_id == User.id)
        .where(CourseStaff.course_id == course.id, CourseStaff.role == "instructor").order_by(User.name)
    ).all())
    required_title, required_done = "", False
    if course.required_course_id:
        required = session.get(Course, course.required_course_id)
        required_title = required.title if required else ""
        required_done = session.exec(select(Enrollment.id).where(
            Enrollment.course_id == course.required_course_id, Enrollment.user_id == actor.user_id,
            Enrollment.status == "completed")).first() is not None
    if course.visibility == "archived":
        closed = "This course is archived: it takes no new enrollments."
    elif not course.self_enrollment:
        closed = NO_SELF_ENROLLMENT
    elif required_title and not required_done:
        closed = f"Finish “{required_title}” first."
    else:
        closed = ""
    needs = EnrollmentNeeds(course.self_enrollment, course.enrollment_key_hash is not None, course.required_course_id if required_title else None,
                            required_title, required_done, closed)
    current = None
    if run is not None:
        percent = progress.percent_by_enrollment(session, [run]).get(run.id, 0)
        current = CurrentRun(run.id, run.status, percent, run.enrolled_at, run.expires_at, run.completed_at)
    user = session.get(User, actor.user_id)
    return CoursePage(
        course.id, course.title, course.summary, course.category, course.language, LANGUAGES.get(course.language, course.language),
        course.estimated_minutes, _tags_of(session, [course.id]).get(course.id, []), len(modules), len(lessons),
        course.access_days, list(outline.values()), list(instructors), needs, current, user.timezone if user else "UTC",
        course.cover_image_path,
    )


# --- My learning --------------------------------------------------------------------------

def my_learning(session: Session, actor: Actor, *, now: datetime | None = None) -> MyLearning:
    """The learner's courses: in progress (with the next lesson), access ending within
    ENDING_SOON_DAYS days, completed (latest run of each), and up to MAX_RECOMMENDED
    published courses sharing a category or a tag with those, not taken yet."""
    require(actor, "learning.view")
    now = now or utcnow()
    user = session.get(User, actor.user_id)
    tz = user.timezone if user else "UTC"
    runs = _runs(session, actor, None, now)
    courses = {c.id: c for c in session.exec(select(Course).where(Course.id.in_(list(runs) or [0]))).all()}
    active = sorted((r for r in runs.values() if r.status == "active"),
                    key=lambda r: (r.last_activity_at or r.enrolled_at), reverse=True)
    percents = progress.percent_by_enrollment(session, active)
    in_progress, ending = [], []
    for run in active:
        course = courses[run.course_id]
        target = progress.resume_target(session, actor, run.id, now=now)
        next_title = session.get(Lesson, target[0]).title if target else ""
        in_progress.append(InProgressCourse(course.id, course.title, course.category, percents.get(run.id, 0), next_title,
                                            player_href(course.id), run.expires_at))
        if run.expires_at is not None and run.expires_at <= now + timedelta(days=ENDING_SOON_DAYS):
            ending.append(EndingSoon(course.id, course.title, run.expires_at, f"Access ends on {_day(run.expires_at, tz)}", player_href(course.id)))
    ending.sort(key=lambda e: e.expires_at)
    # Every course completed at least once, even one being taken again: its latest completion.
    completed_runs: dict[int, Enrollment] = {}
    for run in session.exec(select(Enrollment).where(
            Enrollment.user_id == actor.user_id, Enrollment.org_id == actor.org_id, Enrollment.status == "completed")
            .order_by(Enrollment.completed_at, Enrollment.id)).all():
        completed_runs[run.course_id] = run
    titles = dict(session.exec(select(Course.id, Course.title).where(Course.id.in_(list(completed_runs) or [0]))).all())
    completed = [
        CompletedCourse(cid, titles.get(cid, ""), run.completed_at or run.enrolled_at, _day(run.completed_at or run.enrolled_at, tz), player_href(cid))
        for cid, run in completed_runs.items()
    ]
    completed.sort(key=lambda c: c.completed_at, reverse=True)
    taken = set(runs) | set(completed_runs)
    return MyLearning(in_progress, ending, completed, _recommended(session, actor, taken, now))


def _recommended(session: Session, actor: Actor, taken: set[int], now: datetime) -> list[CatalogRow]:
    if not taken:
        return []
    categories = set(session.exec(select(Course.category).where(Course.id.in_(taken), Course.category != "")).all())
    tags = set(session.exec(select(CourseTag.tag).where(CourseTag.course_id.in_(taken))).all())
    if not categories and not tags:
        return []
    shared_tags = (
        select(func.count(CourseTag.id)).where(CourseTag.course_id == Course.id, CourseTag.tag.in_(tags or [""]))
        .correlate(Course).scalar_subquery()
    )
    same_category = case((Course.category.in_(categories), 1), else_=0) if categories else literal(0)
    # A shared tag says more than a shared category.
    score = same_category + 2 * shared_tags
    stmt = (
        select(Course).where(_published(actor), Course.id.not_in(taken), score > 0)
        .order_by(score.desc(), Course.published_at.desc(), Course.id.desc()).limit(MAX_RECOMMENDED)
    )
    return _rows(session, actor, list(session.exec(stmt).all()), now)
