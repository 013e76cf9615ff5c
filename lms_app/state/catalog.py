"""The learner's catalog (search, filters, pages), a course's page with enrolling, and My
learning. Thin adapters over lms_app.services.catalog and enrollment: every handler that reads
or changes data goes through a service that checks the permission first."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.services import announcements, catalog, enrollment, files, learning, profile, timefmt
from lms_app.services.errors import Invalid, Throttled
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in

PAGE_SIZE = 24
ALL = "all"  # the "no filter" value of a select (Radix selects cannot hold an empty value)
SORT_LABELS = {"title": "Title", "newest": "Newest", "shortest": "Shortest"}
DURATION_LABELS = {key: label for key, (label, _, _) in catalog.DURATIONS.items()}
MAX_CARD_TAGS = 4


@dataclasses.dataclass
class CourseCard:
    id: str
    href: str
    title: str
    summary: str
    category: str
    duration: str
    tags: list[str]
    status: str  # not_enrolled | enrolled | completed
    percent: int
    cover_url: str = ""


@dataclasses.dataclass
class LanguageOption:
    value: str
    label: str


@dataclasses.dataclass
class CatalogLessonView:
    title: str
    kind_label: str
    icon: str
    duration: str


@dataclasses.dataclass
class CatalogModuleView:
    title: str
    lessons: list[CatalogLessonView]


@dataclasses.dataclass
class InProgressView:
    id: str
    title: str
    category: str
    percent: int
    next_lesson: str
    href: str
    unread: int = 0  # unread announcements of the course


@dataclasses.dataclass
class EndingView:
    id: str
    title: str
    ends_on: str
    href: str


@dataclasses.dataclass
class RequiredView:
    title: str
    status: str  # a requirements status key
    label: str  # what the learner reads about it: "Due 3 Dec 2026", "Overdue since ...", "Completed on ..."
    href: str


REQUIRED_LABELS = {"overdue": "Overdue", "in_progress": "In progress", "not_started": "Not started", "completed": "Completed", "exempted": "Exempted"}


def required_view(item: learning.RequiredItem, tz: str) -> RequiredView:
    if item.status == "completed":
        until = f" · valid until {timefmt.local_day(item.expires_at, tz)}" if item.expires_at else ""
        label = f"Completed on {timefmt.local_day(item.completed_at, tz)}{until}"
    elif item.status == "exempted":
        label = "You are exempted from this one"
    elif item.status == "overdue":
        label = f"Was due {timefmt.day(item.due_on)}"
    else:
        label = f"Due {timefmt.day(item.due_on)}"
    return RequiredView(item.title, item.status, label, item.href)


@dataclasses.dataclass
class CompletedView:
    id: str
    title: str
    completed_on: str
    href: str
    unread: int = 0  # unread announcements of the course


@dataclasses.dataclass
class LatestAnnouncementView:
    """One of the newest announcements across the learner's courses (My learning)."""

    course_title: str
    title: str
    posted: str  # in the learner's time zone
    unread: bool
    href: str


def duration_label(minutes: int) -> str:
    """'45 min', '2 h', '1 h 30 min'; '' when the course gives no estimate."""
    if not minutes or minutes <= 0:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def _cards(rows: list[catalog.CatalogRow]) -> list[CourseCard]:
    return [
        CourseCard(str(r.id), f"/catalog/{r.id}", r.title, r.summary, r.category, duration_label(r.estimated_minutes),
                   r.tags[:MAX_CARD_TAGS], r.status, r.percent, files.cover_url(r.id, r.cover_image_path))
        for r in rows
    ]


def _day(moment, tz: str) -> str:
    local = moment.astimezone(timefmt.zone(tz))
    return f"{local.day} {local:%B %Y}"


def _course_id_in(path: str) -> str:
    """The last part of /catalog/<id>, as typed: the service decides whether it is a course."""
    return (path or "").rstrip("/").split("/")[-1]


# --- the catalog --------------------------------------------------------------------------

class CatalogState(ActorMixin, rx.State):
    query: str = ""
    category: str = ALL
    language: str = ALL
    duration: str = ALL
    sort: str = "title"
    page: int = 1
    total: int = 0
    cards: list[CourseCard] = []
    categories: list[str] = []
    languages: list[LanguageOption] = []
    loaded: bool = False

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def filtered(self) -> bool:
        return bool(self.query.strip()) or self.category != ALL or self.language != ALL or self.duration != ALL

    @rx.var
    def result_note(self) -> str:
        if self.total == 0:
            return ""
        noun = "course" if self.total == 1 else "courses"
        if self.total <= PAGE_SIZE:
            return f"{self.total} {noun}"
        first = (self.page - 1) * PAGE_SIZE + 1
        return f"{first}–{min(self.total, first + PAGE_SIZE - 1)} of {self.total} {noun}"

    def _reload(self, session: Session, actor: Actor) -> None:
        filters = {
            "query": self.query,
            "category": "" if self.category == ALL else self.category,
            "language": "" if self.language == ALL else self.language,
            "duration": "" if self.duration == ALL else self.duration,
            "sort": self.sort,
        }
        rows, total = catalog.search(session, actor, page=self.page, page_size=PAGE_SIZE, **filters)
        if not rows and total and self.page > 1:
            self.page = max(1, -(-total // PAGE_SIZE))
            rows, total = catalog.search(session, actor, page=self.page, page_size=PAGE_SIZE, **filters)
        self.cards, self.total, self.loaded = _cards(rows), total, True

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        options = catalog.filter_options(session, actor)
        self.categories = options.categories
        self.languages = [LanguageOption(code, name) for code, name in options.languages]
        # A filter whose value no course has any more would hide everything.
        if self.category != ALL and self.category not in self.categories:
            self.category = ALL
        if self.language != ALL and self.language not in {o.value for o in self.languages}:
            self.language = ALL
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_query(self, session: Session, actor: Actor, value: str):
        self.query, self.page = str(value or "")[: catalog.MAX_QUERY], 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_category(self, session: Session, actor: Actor, value: str):
        self.category, self.page = str(value or ALL)[:100], 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_language(self, session: Session, actor: Actor, value: str):
        self.language, self.page = str(value or ALL)[:16], 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_duration(self, session: Session, actor: Actor, value: str):
        value = str(value or ALL)
        if value != ALL and value not in catalog.DURATIONS:
            raise Invalid("Choose a duration from the list.")
        self.duration, self.page = value, 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def set_sort(self, session: Session, actor: Actor, value: str):
        if value not in catalog.SORTS:
            raise Invalid("Sort by title, newest or shortest.")
        self.sort, self.page = value, 1
        self._reload(session, actor)

    @rx.event
    @signed_in
    def go_to_page(self, session: Session, actor: Actor, page):
        try:
            wanted = int(page)
        except (TypeError, ValueError):
            raise Invalid("The page must be a whole number.") from None
        self.page = max(1, min(wanted, self.page_count))
        self._reload(session, actor)

    @rx.event
    @signed_in
    def clear_filters(self, session: Session, actor: Actor):
        self.query, self.category, self.language, self.duration, self.page = "", ALL, ALL, ALL, 1
        self._reload(session, actor)


# --- a course's page ----------------------------------------------------------------------

class CourseDetailState(ActorMixin, rx.State):
    loaded: bool = False
    found: bool = False
    cid: str = ""
    title: str = ""
    summary: str = ""
    cover_url: str = ""
    category: str = ""
    language: str = ""
    duration: str = ""
    tags: list[str] = []
    size_note: str = ""  # "2 modules · 5 lessons"
    access_note: str = ""  # "Access for 365 days after enrolling"
    modules: list[CatalogModuleView] = []
    instructors: list[str] = []
    # not_enrolled | enrolled | completed
    status: str = "not_enrolled"
    percent: int = 0
    run_note: str = ""  # "Enrolled on 3 March 2027 · access until 2 March 2028"
    key_required: bool = False
    required_title: str = ""
    required_href: str = ""
    required_done: bool = False
    closed: str = ""  # why the learner cannot enroll themselves ("" when they can)
    key_error: str = ""
    enrolling: bool = False

    @rx.var
    def player_href(self) -> str:
        return catalog.player_href(int(self.cid)) if self.cid.isdigit() else "/learn"

    def _fill(self, session: Session, actor: Actor) -> None:
        self.found = False
        d = catalog.course_page(session, actor, _course_id_in(self.router.url.path))
        self.found, self.cid = True, str(d.id)
        self.title, self.summary, self.category = d.title, d.summary, d.category
        self.cover_url = files.cover_url(d.id, d.cover_image_path)
        self.language, self.duration, self.tags = d.language_name, duration_label(d.estimated_minutes), d.tags
        self.size_note = f"{d.module_count} module{'s' if d.module_count != 1 else ''} · {d.lesson_count} lesson{'s' if d.lesson_count != 1 else ''}"
        self.access_note = f"Access for {d.access_days} days after enrolling" if d.access_days else ""
        self.modules = [
            CatalogModuleView(m.title, [CatalogLessonView(les.title, les.kind_label, les.icon, duration_label(les.estimated_minutes)) for les in m.lessons])
            for m in d.outline
        ]
        self.instructors = d.instructors
        needs = d.needs
        self.key_required, self.closed = needs.key_required, needs.closed
        self.required_title, self.required_done = needs.required_course_title, needs.required_course_done
        self.required_href = f"/catalog/{needs.required_course_id}" if needs.required_course_id else ""
        run = d.run
        if run is None:
            self.status, self.percent, self.run_note = catalog.NOT_ENROLLED, 0, ""
        elif run.status == "completed":
            self.status, self.percent = catalog.COMPLETED, 100
            self.run_note = f"Completed on {_day(run.completed_at or run.enrolled_at, d.timezone)}"
        else:
            self.status, self.percent = catalog.ENROLLED, run.percent
            until = f" · access until {_day(run.expires_at, d.timezone)}" if run.expires_at else ""
            self.run_note = f"Enrolled on {_day(run.enrolled_at, d.timezone)}{until}"

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        self.key_error, self.enrolling, self.loaded = "", False, True
        self._fill(session, actor)

    @rx.event
    @signed_in
    def enroll(self, session: Session, actor: Actor, form: dict):
        """Enroll in the course of the URL (never an id from the form), then open the player."""
        self.key_error = ""
        course_id = _course_id_in(self.router.url.path)
        page = catalog.course_page(session, actor, course_id)
        try:
            enrollment.self_enroll(session, actor, page.id, str((form or {}).get("key") or "")[:200])
        except (Invalid, Throttled) as exc:
            # Shown next to the key field (a wrong key, too many of them, a course to finish first).
            self.key_error = exc.message
            return None
        self.enrolling = True
        return rx.redirect(catalog.player_href(page.id))


# --- My learning --------------------------------------------------------------------------

class MyLearningState(ActorMixin, rx.State):
    first_name: str = ""
    department: str = ""
    groups: list[str] = []
    required: list[RequiredView] = []
    in_progress: list[InProgressView] = []
    ending_soon: list[EndingView] = []
    completed: list[CompletedView] = []
    recommended: list[CourseCard] = []
    latest_announcements: list[LatestAnnouncementView] = []
    loaded: bool = False

    @rx.var
    def has_courses(self) -> bool:
        return bool(self.in_progress) or bool(self.completed)

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        home = learning.learner_home(session, actor)
        self.first_name, self.department, self.groups = home.first_name, home.department, home.groups
        mine = catalog.my_learning(session, actor)
        unread = announcements.unread_counts(session, actor)
        self.in_progress = [InProgressView(str(c.course_id), c.title, c.category, c.percent, c.next_lesson, c.href, unread.get(c.course_id, 0))
                            for c in mine.in_progress]
        self.ending_soon = [EndingView(str(e.course_id), e.title, e.ends_on, e.href) for e in mine.ending_soon]
        self.completed = [CompletedView(str(c.course_id), c.title, c.completed_on, c.href, unread.get(c.course_id, 0)) for c in mine.completed]
        tz = profile.get_profile(session, actor).timezone
        self.required = [required_view(item, tz) for item in learning.required_training(session, actor)]
        self.latest_announcements = [
            LatestAnnouncementView(a.course_title, a.title, timefmt.show(a.posted_at, tz), a.unread, announcements.learners_page_href(a.course_id))
            for a in announcements.latest_for_learner(session, actor)
        ]
        self.recommended = _cards(mine.recommended)
        self.loaded = True
