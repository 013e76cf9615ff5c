"""The gradebook: grade items (one per quiz and assignment lesson, plus manual items), their
categories, and one entry per item and enrollment.

Results flow in from the activities: when a quiz grade or a released assignment grade
changes, `record_result` writes the enrollment's points on the lesson's item. Staff type in
manual grades, override any grade with a reason (audit-logged), import manual grades from
CSV and export the whole book. Every total comes from assessments.gradebook_rules, the one
code path for the grid, the learner's page, the exports and the API.

Who may: the course's staff (instructors, assistants; "courses.manage") read the book and
enter grades; changing its structure (categories, items, the letter scale) is for the
course's instructors. A learner reads their own current run only.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lms_app.assessments import gradebook_rules as rules
from lms_app.models import (
    Course, Enrollment, GradeCategory, GradeEntry, GradeItem, GradeScheme, Group, GroupMember, Lesson, Module, Submission, User, utcnow,
)
from lms_app.services import audit, courses, progress
from lms_app.services.auth import normalize_email
from lms_app.services.csv_export import in_batches, safe_cell
from lms_app.services.csv_import import EXTRA_VALUES, problems_summary, read_csv
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor

GRADED_KINDS = ("quiz", "assignment", "scorm")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SORTS = ("name", "-name", "total", "-total")
RUN_STATUSES = ("active", "completed")
MAX_CATEGORIES = 30
MAX_MANUAL_ITEMS = 200
MAX_POINTS = 100_000.0
REASON_LIMIT = 500
FEEDBACK_LIMIT = 20_000
EXPORT_BATCH = 1000
# Export columns that are not items (the import reads past them).
EXPORT_FIXED = ("Name", "Email", "Status")
EXPORT_TOTALS = ("Total %", "Letter")


# --- what the activities call -------------------------------------------------------------------

def item_for_lesson(session: Session, lesson: Lesson) -> GradeItem:
    """The grade item of a quiz or assignment lesson, made on first use."""
    query = select(GradeItem).where(GradeItem.lesson_id == lesson.id)
    item = session.exec(query).first()
    if item is None:
        max_points = float((lesson.content or {}).get("max_points") or 100.0)
        try:
            # Several learners' first results can arrive at once: one insert wins, the others
            # read its row instead of failing their own work.
            with session.begin_nested():
                item = GradeItem(org_id=lesson.org_id, course_id=lesson.course_id, lesson_id=lesson.id, title=lesson.title,
                                 max_points=max_points, position=lesson.id)
                session.add(item)
                session.flush()
        except IntegrityError:
            item = session.exec(query).one()
    return item


def record_result(session: Session, lesson: Lesson, enrollment_id: int, fraction: float | None) -> GradeEntry:
    """Write an enrollment's result on a quiz or assignment lesson (a share of the item's
    points; None clears it). An instructor's override is kept."""
    item = item_for_lesson(session, lesson)
    entry = session.exec(select(GradeEntry).where(GradeEntry.item_id == item.id, GradeEntry.enrollment_id == enrollment_id)).first()
    if entry is None:
        entry = GradeEntry(org_id=lesson.org_id, item_id=item.id, enrollment_id=enrollment_id)
    entry.points = None if fraction is None else round(fraction * item.max_points, 2)
    entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    return entry


# --- the book's structure ----------------------------------------------------------------------

@dataclass
class ItemInfo:
    id: int
    title: str
    max_points: float
    category_id: int | None
    category: str  # its category's name ("" when uncategorized)
    extra_credit: bool
    hidden: bool
    lesson_id: int | None
    kind: str  # "quiz", "assignment", "scorm" or "manual"

    @property
    def manual(self) -> bool:
        return self.lesson_id is None

    def rule(self) -> rules.RuleItem:
        return rules.RuleItem(self.id, self.max_points, self.category_id, self.extra_credit, self.hidden)


@dataclass
class Book:
    """A course's gradebook structure: its columns in order, categories and letter scale."""

    course: Course
    items: list[ItemInfo]
    categories: list[GradeCategory]
    scale: list[tuple[str, float]]
    custom_scale: bool = False

    def __post_init__(self) -> None:
        # Built once: a grid or an export computes thousands of totals from them.
        self._rule_items = [i.rule() for i in self.items]
        self._rule_categories = [rules.RuleCategory(c.id, c.name, c.weight, c.drop_lowest) for c in self.categories]

    def total(self, scores: dict[int, rules.Score], *, include_hidden: bool = True) -> rules.Total:
        return rules.course_total(self._rule_items, scores, self._rule_categories, self.scale, include_hidden=include_hidden)


def _sync(session: Session, course: Course) -> list[ItemInfo]:
    """The course's items in column order (lesson items in outline order, then manual items),
    with an item made for every quiz and assignment lesson that lacks one and titles that
    follow their lessons. Constant number of queries."""
    lessons = session.exec(
        select(Lesson).join(Module, Module.id == Lesson.module_id)
        .where(Lesson.course_id == course.id, Lesson.kind.in_(GRADED_KINDS))
        .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
    ).all()
    items = session.exec(select(GradeItem).where(GradeItem.course_id == course.id)).all()
    by_lesson = {i.lesson_id: i for i in items if i.lesson_id is not None}
    for lesson in lessons:
        item = by_lesson.get(lesson.id)
        if item is None:
            by_lesson[lesson.id] = item_for_lesson(session, lesson)
        elif item.title != lesson.title:
            item.title = lesson.title
            session.add(item)
    cats = {c.id: c.name for c in session.exec(select(GradeCategory).where(GradeCategory.course_id == course.id)).all()}

    def info(item: GradeItem, kind: str) -> ItemInfo:
        cat = item.category_id if item.category_id in cats else None
        return ItemInfo(item.id, item.title, float(item.max_points), cat, cats.get(cat, ""), item.extra_credit, item.hidden, item.lesson_id, kind)

    out = [info(by_lesson[lesson.id], lesson.kind) for lesson in lessons]
    manual = sorted((i for i in items if i.lesson_id is None), key=lambda i: (i.position, i.id))
    out += [info(i, "manual") for i in manual]
    return out


def _scale(session: Session, course: Course) -> tuple[list[tuple[str, float]], bool]:
    scheme = session.get(GradeScheme, course.id)
    if scheme is None or not scheme.letters:
        return list(rules.DEFAULT_SCALE), False
    try:
        return rules.normalize_scale(scheme.letters), True
    except ValueError:
        return list(rules.DEFAULT_SCALE), False


def _book(session: Session, course: Course) -> Book:
    items = _sync(session, course)
    categories = list(session.exec(select(GradeCategory).where(GradeCategory.course_id == course.id)
                                   .order_by(GradeCategory.position, GradeCategory.id)).all())
    scale, custom = _scale(session, course)
    return Book(course, items, categories, scale, custom)


def book(session: Session, actor: Actor, course_id: int) -> Book:
    """The gradebook's structure for the course's staff (items synced with the lessons)."""
    return _book(session, courses.staffed_course(session, actor, course_id))


# --- categories -------------------------------------------------------------------------------

def _number(value, what: str, *, low: float = 0.0, high: float = MAX_POINTS, allow_blank: bool = False) -> float | None:
    text = str(value if value is not None else "").strip().replace(",", ".") if not isinstance(value, (int, float)) else value
    if text == "" and allow_blank:
        return None
    try:
        number = float(text)
    except (TypeError, ValueError):
        raise Invalid(f"{what} must be a number.") from None
    if math.isnan(number) or math.isinf(number):
        raise Invalid(f"{what} must be a number.")
    if not low <= number <= high:
        raise Invalid(f"{what} must be between {low:g} and {high:g}.")
    return number


def _clean_name(value: str, what: str, limit: int) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise Invalid(f"The {what} needs a name.")
    if len(name) > limit:
        raise Invalid(f"The {what}'s name is too long (at most {limit} characters).")
    return name


def save_category(session: Session, actor: Actor, course_id: int, category_id: int | None, name: str,
                  weight=0, drop_lowest=0) -> GradeCategory:
    """Create (category_id None) or change a category: name, weight (percent of the course
    total, 0 to 100) and how many lowest items are dropped. Instructors only."""
    course = courses.authored_course(session, actor, course_id)
    name = _clean_name(name, "category", 100)
    weight = _number(weight if str(weight).strip() else 0, "The weight", high=100.0)
    drop = _number(drop_lowest if str(drop_lowest).strip() else 0, "The number of lowest grades to drop", high=50.0)
    if drop != int(drop):
        raise Invalid("The number of lowest grades to drop must be a whole number.")
    existing = list(session.exec(select(GradeCategory).where(GradeCategory.course_id == course.id)).all())
    if category_id:
        category = next((c for c in existing if c.id == int(category_id)), None)
        if category is None:
            raise NotFound("That grade category does not exist.")
    else:
        if len(existing) >= MAX_CATEGORIES:
            raise Invalid(f"A gradebook can have at most {MAX_CATEGORIES} categories.")
        category = GradeCategory(org_id=course.org_id, course_id=course.id, name=name, position=len(existing))
    if any(c.name.lower() == name.lower() and c.id != category.id for c in existing):
        raise Invalid(f"There is already a category named “{name}”.")
    if sum(c.weight for c in existing if c.id != category.id) + weight > 100.0001:
        raise Invalid("The categories' weights add up to more than 100 %.")
    before = {"name": category.name, "weight": category.weight, "drop_lowest": category.drop_lowest} if category.id else None
    category.name, category.weight, category.drop_lowest = name, weight, int(drop)
    session.add(category)
    session.flush()
    audit.record(session, actor, "gradebook.category_saved", target_type="course", target_id=course.id, target_label=course.title,
                 before=before, after={"category": name, "weight": weight, "drop_lowest": int(drop)})
    return category


def delete_category(session: Session, actor: Actor, course_id: int, category_id: int) -> None:
    """Delete a category; its items become uncategorized. Instructors only."""
    course = courses.authored_course(session, actor, course_id)
    category = session.get(GradeCategory, int(category_id or 0))
    if category is None or category.course_id != course.id:
        raise NotFound("That grade category does not exist.")
    for item in session.exec(select(GradeItem).where(GradeItem.category_id == category.id)).all():
        item.category_id = None
        session.add(item)
    session.delete(category)
    session.flush()
    audit.record(session, actor, "gradebook.category_deleted", target_type="course", target_id=course.id, target_label=course.title,
                 before={"category": category.name, "weight": category.weight})


# --- items ------------------------------------------------------------------------------------

def save_item(session: Session, actor: Actor, course_id: int, item_id: int | None, *, title: str = "", max_points=100,
              category_id: int | None = None, extra_credit: bool = False, hidden: bool = False) -> GradeItem:
    """Create a manual item (item_id None) or change an item. A quiz or assignment item's title
    follows its lesson (the title given is ignored for those). Instructors only."""
    course = courses.authored_course(session, actor, course_id)
    max_points = _number(max_points, "The maximum points", low=0.01)
    cat = int(category_id) if category_id else None
    if cat is not None:
        category = session.get(GradeCategory, cat)
        if category is None or category.course_id != course.id:
            raise NotFound("That grade category does not exist.")
    if item_id:
        item = session.get(GradeItem, int(item_id))
        if item is None or item.course_id != course.id:
            raise NotFound("That grade item does not exist.")
    else:
        count = session.exec(select(func.count(GradeItem.id)).where(GradeItem.course_id == course.id, GradeItem.lesson_id.is_(None))).one()
        if count >= MAX_MANUAL_ITEMS:
            raise Invalid(f"A gradebook can have at most {MAX_MANUAL_ITEMS} manual items.")
        item = GradeItem(org_id=course.org_id, course_id=course.id, title="", position=count + 1)
    if item.lesson_id is None:
        item.title = _clean_name(title, "grade item", 200)
    if item.id:
        highest = session.exec(select(func.max(func.coalesce(GradeEntry.override_points, GradeEntry.points)))
                               .where(GradeEntry.item_id == item.id)).one()
        if highest is not None and highest > max_points:
            raise Invalid(f"Someone already has {highest:g} points on “{item.title}”: the maximum cannot be lower.")
    before = {"title": item.title, "max_points": item.max_points, "extra_credit": item.extra_credit, "hidden": item.hidden} if item.id else None
    item.max_points, item.category_id, item.extra_credit, item.hidden = max_points, cat, bool(extra_credit), bool(hidden)
    session.add(item)
    session.flush()
    audit.record(session, actor, "gradebook.item_saved", target_type="course", target_id=course.id, target_label=course.title,
                 before=before, after={"item": item.title, "max_points": max_points, "extra_credit": item.extra_credit, "hidden": item.hidden})
    return item


def delete_item(session: Session, actor: Actor, course_id: int, item_id: int) -> None:
    """Delete a manual item and its grades (quiz and assignment items go with their lesson).
    Instructors only; audit-logged with the number of grades lost."""
    course = courses.authored_course(session, actor, course_id)
    item = session.get(GradeItem, int(item_id or 0))
    if item is None or item.course_id != course.id:
        raise NotFound("That grade item does not exist.")
    if item.lesson_id is not None:
        raise Invalid("Quiz and assignment items follow their lessons: delete the lesson instead.")
    entries = session.exec(select(GradeEntry).where(GradeEntry.item_id == item.id)).all()
    for entry in entries:
        session.delete(entry)
    session.delete(item)
    session.flush()
    audit.record(session, actor, "gradebook.item_deleted", target_type="course", target_id=course.id, target_label=course.title,
                 before={"item": item.title, "grades": len(entries)})


# --- the letter scale -------------------------------------------------------------------------

def scale(session: Session, actor: Actor, course_id: int) -> list[tuple[str, float]]:
    """The course's letter scale, highest first (the default A 90 … F 0 until one is set)."""
    course = courses.staffed_course(session, actor, course_id)
    return _scale(session, course)[0]


def parse_scale(text: str) -> list[tuple[str, float]]:
    """A scale typed one step a line, "A 90" (or "A: 90", "A=90", "A,90"); Invalid if wrong."""
    steps = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = line.replace(":", " ").replace("=", " ").replace(",", " ").replace("%", " ").split()
        if len(parts) != 2:
            raise Invalid(f"Line {number}: write a letter and its minimum percent, e.g. “B 80”.")
        steps.append((parts[0], parts[1]))
    try:
        return rules.normalize_scale(steps)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def set_scale(session: Session, actor: Actor, course_id: int, letters) -> list[tuple[str, float]]:
    """Set the course's letter scale (validated; see gradebook_rules.normalize_scale).
    Instructors only, audit-logged."""
    course = courses.authored_course(session, actor, course_id)
    try:
        steps = rules.normalize_scale(letters)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    scheme = session.get(GradeScheme, course.id)
    before = [{"letter": s["letter"], "min_percent": s["min_percent"]} for s in scheme.letters] if scheme else None
    if scheme is None:
        scheme = GradeScheme(course_id=course.id, org_id=course.org_id)
    scheme.letters = [{"letter": letter, "min_percent": minimum} for letter, minimum in steps]
    scheme.updated_at = utcnow()
    session.add(scheme)
    session.flush()
    audit.record(session, actor, "gradebook.scale_changed", target_type="course", target_id=course.id, target_label=course.title,
                 before={"scale": _scale_text(before)} if before else None, after={"scale": _scale_text(scheme.letters)})
    return steps


def _scale_text(letters) -> str:
    return ", ".join(f"{s['letter']} {s['min_percent']:g}" for s in letters or [])


def scale_text(steps: Iterable[tuple[str, float]]) -> str:
    """The scale as the editor shows it, one "A 90" a line."""
    return "\n".join(f"{letter} {minimum:g}" for letter, minimum in steps)


# --- entering grades --------------------------------------------------------------------------

def _cell(session: Session, actor: Actor, enrollment_id: int, item_id: int) -> tuple[Course, Enrollment, User, GradeItem, GradeEntry | None]:
    enrollment = session.get(Enrollment, int(enrollment_id or 0))
    if enrollment is None or enrollment.org_id != actor.org_id:
        raise NotFound("That learner is not in this course.")
    course = courses.staffed_course(session, actor, enrollment.course_id)
    item = session.get(GradeItem, int(item_id or 0))
    if item is None or item.course_id != course.id:
        raise NotFound("That grade item does not exist.")
    entry = session.exec(select(GradeEntry).where(GradeEntry.item_id == item.id, GradeEntry.enrollment_id == enrollment.id)).first()
    return course, enrollment, session.get(User, enrollment.user_id), item, entry


def _points_of(value, item: GradeItem, what: str = "The points") -> float | None:
    return _number(value, f"{what} for “{item.title}”", high=float(item.max_points), allow_blank=True)


def set_entry(session: Session, actor: Actor, enrollment_id: int, item_id: int, points, *, feedback: str | None = None,
              source: str = "manual") -> GradeEntry:
    """Type in (or clear, with a blank) a learner's points on a manual item, 0 to the item's
    maximum, with optional Markdown feedback. Course staff; audit-logged with before/after."""
    course, enrollment, user, item, entry = _cell(session, actor, enrollment_id, item_id)
    if item.lesson_id is not None:
        raise Invalid(f"“{item.title}” is graded by its lesson: override the grade instead.")
    points = _points_of(points, item)
    if feedback is not None and len(feedback) > FEEDBACK_LIMIT:
        raise Invalid(f"The feedback is too long (at most {FEEDBACK_LIMIT:,} characters).")
    return _write_entry(session, actor, course, enrollment, user, item, entry, points, feedback, source)


def _write_entry(session: Session, actor: Actor, course: Course, enrollment: Enrollment, user: User | None, item: GradeItem,
                 entry: GradeEntry | None, points: float | None, feedback: str | None, source: str) -> GradeEntry:
    before = entry.points if entry else None
    old_feedback = entry.feedback if entry else ""
    if entry is None:
        entry = GradeEntry(org_id=course.org_id, item_id=item.id, enrollment_id=enrollment.id)
    if before == points and (feedback is None or feedback == old_feedback):
        return entry
    entry.points = points
    if feedback is not None:
        entry.feedback = feedback
    entry.updated_by_id, entry.updated_at = actor.user_id, utcnow()
    session.add(entry)
    session.flush()
    after = {"points": points, "item": item.title, "course": course.title}
    if source != "manual":
        after["source"] = source
    if feedback is not None and feedback != old_feedback:
        after["feedback_changed"] = True
    audit.record(session, actor, "grade.entered", target_type="enrollment", target_id=enrollment.id,
                 target_label=user.name if user else "", before={"points": before}, after=after)
    return entry


def set_override(session: Session, actor: Actor, enrollment_id: int, item_id: int, points, reason: str) -> GradeEntry:
    """Override a learner's grade on any item (0 to its maximum) with a reason, which the
    audit trail keeps with who, before and after. A blank `points` clears the override.
    Course staff."""
    course, enrollment, user, item, entry = _cell(session, actor, enrollment_id, item_id)
    points = _points_of(points, item, "The override")
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise Invalid("Say why the grade is overridden: the reason is kept in the audit trail.")
    if len(reason) > REASON_LIMIT:
        raise Invalid(f"The reason is too long (at most {REASON_LIMIT} characters).")
    if entry is None:
        if points is None:
            raise Invalid("There is no override to clear.")
        entry = GradeEntry(org_id=course.org_id, item_id=item.id, enrollment_id=enrollment.id)
    before = {"override": entry.override_points, "points": entry.points}
    if points is None and entry.override_points is None:
        raise Invalid("There is no override to clear.")
    entry.override_points, entry.override_reason = points, (reason if points is not None else "")
    entry.updated_by_id, entry.updated_at = actor.user_id, utcnow()
    session.add(entry)
    session.flush()
    audit.record(session, actor, "grade.overridden" if points is not None else "grade.override_cleared",
                 target_type="enrollment", target_id=enrollment.id, target_label=user.name if user else "",
                 before=before, after={"override": points, "item": item.title, "course": course.title, "reason": reason})
    return entry


def clear_override(session: Session, actor: Actor, enrollment_id: int, item_id: int, reason: str) -> GradeEntry:
    """Take an override off (the activity's points count again), with a reason."""
    return set_override(session, actor, enrollment_id, item_id, "", reason)


# --- the grid ---------------------------------------------------------------------------------

@dataclass
class GridRow:
    enrollment_id: int
    user_id: int
    name: str
    email: str
    status: str
    scores: dict[int, rules.Score]
    reasons: dict[int, str]  # item id -> the override's reason
    total: rules.Total  # with hidden items (what staff see)
    learner_total: rules.Total  # what the learner sees


@dataclass
class GroupOption:
    id: int
    name: str


@dataclass
class GridPage:
    book: Book
    rows: list[GridRow]
    count: int  # learners matching the filters
    page: int
    pages: int
    page_size: int
    sort: str
    groups: list[GroupOption] = field(default_factory=list)


@dataclass(frozen=True)
class Run:
    """A learner's current run, as the grid reads it (plain columns, no ORM objects)."""

    enrollment_id: int
    status: str
    user_id: int
    name: str
    email: str


def _current_runs(session: Session, course: Course, *, group_id: int | None = None, search: str = "",
                  enrollment_ids: Iterable[int] | None = None) -> list[Run]:
    """Each learner's current run (the active one, else the latest completed), one query."""
    stmt = (select(Enrollment.id, Enrollment.status, Enrollment.enrolled_at, User.id, User.name, User.email)
            .join(User, User.id == Enrollment.user_id)
            .where(Enrollment.course_id == course.id, Enrollment.status.in_(RUN_STATUSES)))
    if group_id:
        stmt = stmt.where(Enrollment.user_id.in_(select(GroupMember.user_id).where(GroupMember.group_id == int(group_id))))
    text = " ".join((search or "").split())[:100].lower()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(User.name).like(like, escape="\\"), func.lower(User.email).like(like, escape="\\")))
    if enrollment_ids is not None:
        stmt = stmt.where(Enrollment.id.in_(list(enrollment_ids)))
    best: dict[int, tuple] = {}
    for row in session.connection().execute(stmt):
        enrollment_id, status, enrolled_at, user_id = row[0], row[1], row[2], row[3]
        rank = (status == "active", enrolled_at, enrollment_id)
        seen = best.get(user_id)
        if seen is None or rank > seen[0]:
            best[user_id] = (rank, row)
    return [Run(r[0], r[1], r[3], r[4], r[5]) for _, r in best.values()]


def _scores(session: Session, item_ids: list[int], enrollment_ids: list[int] | None) -> dict[int, dict[int, tuple[rules.Score, str]]]:
    """enrollment id -> item id -> (score, override reason); one query (per 900 enrollments)."""
    out: dict[int, dict[int, tuple[rules.Score, str]]] = {}
    if not item_ids:
        return out
    cols = select(GradeEntry.enrollment_id, GradeEntry.item_id, GradeEntry.points, GradeEntry.override_points, GradeEntry.override_reason)
    if enrollment_ids is None:
        batches: Iterable = [None]
    else:
        batches = in_batches(enrollment_ids, 900)
    connection = session.connection()
    Score = rules.Score
    for batch in batches:
        stmt = cols.where(GradeEntry.item_id.in_(item_ids))
        if batch is not None:
            stmt = stmt.where(GradeEntry.enrollment_id.in_(batch))
        for enrollment_id, item_id, points, override, reason in connection.execute(stmt):
            if points is None and override is None:
                continue
            cells = out.get(enrollment_id)
            if cells is None:
                cells = out[enrollment_id] = {}
            cells[item_id] = (Score(points, override), reason or "")
    return out


def _row(book: Book, run: Run, cells: dict[int, tuple[rules.Score, str]]) -> GridRow:
    scores = {k: v[0] for k, v in cells.items()}
    reasons = {k: v[1] for k, v in cells.items() if v[0].override is not None}
    return GridRow(run.enrollment_id, run.user_id, run.name, run.email, run.status, scores, reasons,
                   book.total(scores), book.total(scores, include_hidden=False))


def _name_key(run: Run):
    return (run.name.lower(), run.user_id)


def grid(session: Session, actor: Actor, course_id: int, page: int = 1, page_size: int = PAGE_SIZE, sort: str = "name",
         group_id: int | None = None, search: str = "") -> GridPage:
    """One page of learners (active and completed enrollments, each learner's current run)
    with their cells and totals, for the course's staff. Sorted by name or total ("-" for
    descending), filtered by group and by a search on name or email. A constant number of
    queries whatever the number of learners: sorting by total reads every matching learner's
    entries in one query, sorting by name only the page's."""
    course = courses.staffed_course(session, actor, course_id)
    the_book = _book(session, course)
    sort = sort if sort in SORTS else "name"
    page_size = max(1, min(int(page_size or PAGE_SIZE), MAX_PAGE_SIZE))
    runs = _current_runs(session, course, group_id=group_id, search=search)
    item_ids = [i.id for i in the_book.items]
    descending = sort.startswith("-")
    if sort.lstrip("-") == "total":
        cells = _scores(session, item_ids, None)
        totals = {r.enrollment_id: the_book.total({k: v[0] for k, v in cells.get(r.enrollment_id, {}).items()}).percent for r in runs}
        # Learners without a total go last either way.
        graded = sorted((r for r in runs if totals[r.enrollment_id] is not None),
                        key=lambda r: (totals[r.enrollment_id], r.name.lower(), r.user_id), reverse=descending)
        runs = graded + sorted((r for r in runs if totals[r.enrollment_id] is None), key=_name_key)
    else:
        runs.sort(key=_name_key, reverse=descending)
        cells = None
    count = len(runs)
    pages = max(1, -(-count // page_size))
    page = max(1, min(int(page or 1), pages))
    chosen = runs[(page - 1) * page_size: page * page_size]
    if cells is None:
        cells = _scores(session, item_ids, [r.enrollment_id for r in chosen])
    page_rows = [_row(the_book, r, cells.get(r.enrollment_id, {})) for r in chosen]
    groups = [GroupOption(g.id, g.name) for g in session.exec(
        select(Group).where(Group.org_id == course.org_id).order_by(func.lower(Group.name), Group.id)).all()]
    return GridPage(the_book, page_rows, count, page, pages, page_size, sort, groups)


def grid_row(session: Session, actor: Actor, course_id: int, enrollment_id: int) -> GridRow:
    """One learner's row, as `grid` would show it (after an edit only that row is re-read)."""
    course = courses.staffed_course(session, actor, course_id)
    the_book = _book(session, course)
    runs = _current_runs(session, course, enrollment_ids=[int(enrollment_id or 0)])
    if not runs:
        raise NotFound("That learner is not in this course.")
    cells = _scores(session, [i.id for i in the_book.items], [runs[0].enrollment_id])
    return _row(the_book, runs[0], cells.get(runs[0].enrollment_id, {}))


# --- the learner's own grades -------------------------------------------------------------------

@dataclass
class LearnerItem:
    id: int
    title: str
    kind: str
    category: str
    max_points: float
    points: float | None  # effective points; None: not graded yet
    feedback: str
    extra_credit: bool
    dropped: bool
    overridden: bool
    lesson_id: int | None


@dataclass
class LearnerGrades:
    course: Course
    enrollment: Enrollment
    items: list[LearnerItem]  # graded ones
    still_to_come: list[LearnerItem]  # not graded yet
    total: rules.Total
    scale: list[tuple[str, float]]


def learner_totals(session: Session, runs: list[Enrollment]) -> dict[int, tuple[float | None, str]]:
    """Each run's course total (percent, letter) as its learner sees it: hidden items left out.
    The caller has checked who may read these runs (a manager's team member's record)."""
    out: dict[int, tuple[float | None, str]] = {}
    for run in runs:
        the_book = _book(session, session.get(Course, run.course_id))
        scores = _scores(session, [i.id for i in the_book.items], [run.id]).get(run.id, {})
        total = the_book.total({item_id: score for item_id, (score, _) in scores.items()}, include_hidden=False)
        out[run.id] = (total.percent, total.letter)
    return out


def learner_grades(session: Session, actor: Actor, course_id: int) -> LearnerGrades:
    """The actor's own grades in their current run of the course: the graded items with
    points and feedback, category totals, the course total and letter, and what is still to
    come. Hidden items are left out everywhere, totals included."""
    enrollment = progress.current_enrollment(session, actor, course_id)
    course = session.get(Course, enrollment.course_id)
    the_book = _book(session, course)
    visible = [i for i in the_book.items if not i.hidden]
    entries = {e.item_id: e for e in session.exec(select(GradeEntry).where(
        GradeEntry.enrollment_id == enrollment.id, GradeEntry.item_id.in_([i.id for i in visible] or [0]))).all()}
    scores = {k: rules.Score(e.points, e.override_points) for k, e in entries.items() if e.points is not None or e.override_points is not None}
    total = the_book.total(scores, include_hidden=False)
    dropped = total.dropped
    # An assignment's feedback is the grader's, once released (a draft stays with the grader).
    handed = {sub.lesson_id: sub.feedback for sub in session.exec(select(Submission).where(
        Submission.enrollment_id == enrollment.id, Submission.status == "released")).all()}
    graded, waiting = [], []
    for item in visible:
        entry, score = entries.get(item.id), scores.get(item.id)
        row = LearnerItem(item.id, item.title, item.kind, item.category or rules.UNCATEGORIZED, item.max_points,
                          score.effective if score else None, (entry.feedback if entry else "") or (handed.get(item.lesson_id, "") if score else ""),
                          item.extra_credit,
                          item.id in dropped, bool(score and score.override is not None), item.lesson_id)
        (graded if score else waiting).append(row)
    return LearnerGrades(course, enrollment, graded, waiting, total, the_book.scale)


# --- export -----------------------------------------------------------------------------------

def _fmt(value: float | None) -> float | str:
    if value is None:
        return ""
    return round(value, 2)


def _export_header(the_book: Book) -> list[str]:
    return [*EXPORT_FIXED, *[i.title for i in the_book.items], *EXPORT_TOTALS]


def _export_frames(session: Session, course: Course, the_book: Book) -> Iterator[pd.DataFrame]:
    """The export in DataFrames of EXPORT_BATCH learners each (one query per batch), so a
    10,000-learner book never holds every cell at once."""
    header = _export_header(the_book)
    item_ids = [i.id for i in the_book.items]
    runs = sorted(_current_runs(session, course), key=_name_key)
    if not runs:
        yield pd.DataFrame(columns=header)
        return
    connection = session.connection()
    effective = func.coalesce(GradeEntry.override_points, GradeEntry.points)
    for batch in in_batches(runs, EXPORT_BATCH):
        # Effective points straight from SQL: the export needs no Score objects.
        cells: dict[int, dict[int, float]] = {}
        stmt = (select(GradeEntry.enrollment_id, GradeEntry.item_id, effective)
                .where(GradeEntry.item_id.in_(item_ids), GradeEntry.enrollment_id.in_([r.enrollment_id for r in batch]), effective.is_not(None)))
        for enrollment_id, item_id, value in connection.execute(stmt):
            row_cells = cells.get(enrollment_id)
            if row_cells is None:
                row_cells = cells[enrollment_id] = {}
            row_cells[item_id] = value
        records = []
        for run in batch:
            scores = cells.get(run.enrollment_id, {})
            total = the_book.total(scores)
            records.append([safe_cell(run.name), safe_cell(run.email), run.status,
                            *[round(scores[i], 2) if i in scores else "" for i in item_ids],
                            _fmt(total.percent), total.letter])
        yield pd.DataFrame.from_records(records, columns=header)


def _export_checked(session: Session, actor: Actor, course_id: int, fmt: str) -> tuple[Course, Book]:
    course = courses.staffed_course(session, actor, course_id)
    return course, _book(session, course)


def iter_csv(session: Session, actor: Actor, course_id: int) -> Iterator[str]:
    """The gradebook as CSV text in chunks (header first), for streaming; audit-logged."""
    course, the_book = _export_checked(session, actor, course_id, "csv")
    count = 0
    first = True
    for frame in _export_frames(session, course, the_book):
        count += len(frame)
        yield frame.to_csv(index=False, header=first, lineterminator="\r\n")
        first = False
    audit.record(session, actor, "gradebook.exported", target_type="course", target_id=course.id, target_label=course.title,
                 after={"course": course.title, "count": count, "format": "CSV"})


def export_csv(session: Session, actor: Actor, course_id: int) -> str:
    """The whole gradebook as CSV: one row per learner, one column per item, total and
    letter (staff's view: hidden items included). Course staff; audit-logged."""
    return "".join(iter_csv(session, actor, course_id))


def export_xlsx(session: Session, actor: Actor, course_id: int) -> bytes:
    """The same table as an Excel workbook (openpyxl through pandas)."""
    course, the_book = _export_checked(session, actor, course_id, "xlsx")
    out = io.BytesIO()
    count = 0
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        row = 0
        for frame in _export_frames(session, course, the_book):
            frame.to_excel(writer, sheet_name="Gradebook", index=False, header=row == 0, startrow=row)
            row += len(frame) + (1 if row == 0 else 0)
            count += len(frame)
    audit.record(session, actor, "gradebook.exported", target_type="course", target_id=course.id, target_label=course.title,
                 after={"course": course.title, "count": count, "format": "XLSX"})
    return out.getvalue()


# --- import of manual grades -------------------------------------------------------------------

OUTCOME_LABELS = {
    "change": "will change",
    "unchanged": "unchanged",
    "unknown_learner": "unknown learner",
    "not_enrolled": "not enrolled",
    "unknown_item": "unknown item",
    "not_a_number": "not a number",
    "out_of_range": "out of range",
}
ERROR_OUTCOMES = ("unknown_learner", "not_enrolled", "unknown_item", "not_a_number", "out_of_range")


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    item: str
    outcome: str
    before: float | None = None
    after: float | None = None
    problem: str = ""
    enrollment_id: int | None = None
    item_id: int | None = None

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.outcome in ERROR_OUTCOMES)

    @property
    def ok(self) -> bool:
        return not self.file_errors and self.errors == 0 and bool(self.rows)

    def messages(self) -> list[str]:
        return self.file_errors + [f"line {r.line}: {r.problem}" for r in self.rows if r.outcome in ERROR_OUTCOMES]


def _column_key(title: str) -> str:
    return " ".join(title.split()).lower().replace(" ", "_")


def _check_import(session: Session, actor: Actor, course: Course, the_book: Book, text: str) -> ImportPreview:
    header, raw_rows, file_errors = read_csv(text, ("email",), ("email",))
    fixed = {_column_key(c) for c in (*EXPORT_FIXED, *EXPORT_TOTALS)}
    by_key: dict[str, list[ItemInfo]] = {}
    for item in the_book.items:
        by_key.setdefault(_column_key(item.title), []).append(item)
    columns: list[tuple[str, ItemInfo]] = []
    ignored: list[str] = []
    rows: list[ImportRow] = []
    for col in header:
        if not col or col in fixed:
            continue
        found = by_key.get(col, [])
        if not found:
            rows.append(ImportRow(1, "", "", col, "unknown_item", problem=f"no grade item is called “{col.replace('_', ' ')}”"))
        elif len(found) > 1:
            rows.append(ImportRow(1, "", "", found[0].title, "unknown_item", problem=f"two items are called “{found[0].title}”: rename one first"))
        elif not found[0].manual:
            ignored.append(found[0].title)  # graded by its lesson: read past
        else:
            columns.append((col, found[0]))
    if file_errors:
        return ImportPreview(rows, file_errors, ignored)
    emails = sorted({normalize_email(raw.get("email", "")) for _, raw in raw_rows} - {""})
    people: dict[str, User] = {}
    for batch in in_batches(emails, 500):
        people.update((u.email, u) for u in session.exec(select(User).where(User.org_id == actor.org_id, User.email.in_(batch))).all())
    runs = {r.user_id: r for r in _current_runs(session, course)}
    enrollment_ids = [runs[u.id].enrollment_id for u in people.values() if u.id in runs]
    current = _scores(session, [item.id for _, item in columns], enrollment_ids) if columns else {}
    seen: dict[str, int] = {}
    for line, raw in raw_rows:
        email = normalize_email(raw.get("email", ""))
        user = people.get(email)
        name = user.name if user else ""
        if not email or user is None:
            rows.append(ImportRow(line, email, "", "", "unknown_learner",
                                  problem=f"nobody in the organization has the email “{email}”" if email else "the email is missing"))
            continue
        if raw.get(EXTRA_VALUES):
            rows.append(ImportRow(line, email, name, "", "not_a_number", problem="more values than columns (a name with a comma needs quotes)"))
            continue
        enrollment = runs.get(user.id)
        if enrollment is None:
            rows.append(ImportRow(line, email, name, "", "not_enrolled", problem=f"{name} is not enrolled in this course"))
            continue
        if email in seen:
            rows.append(ImportRow(line, email, name, "", "unknown_learner", problem=f"{email} appears twice in the file (also on line {seen[email]})"))
            continue
        seen[email] = line
        for col, item in columns:
            value = raw.get(col, "").strip()
            if value == "":
                continue  # a blank cell leaves the grade as it is
            before_score = current.get(enrollment.enrollment_id, {}).get(item.id)
            before = before_score[0].points if before_score else None
            base = ImportRow(line, email, name, item.title, "change", before, None, enrollment_id=enrollment.enrollment_id, item_id=item.id)
            try:
                number = float(value if "." in value else value.replace(",", "."))
                if math.isnan(number) or math.isinf(number):
                    raise ValueError
            except ValueError:
                base.outcome, base.problem = "not_a_number", f"“{value}” for {item.title} is not a number"
                rows.append(base)
                continue
            if not 0 <= number <= item.max_points:
                base.outcome, base.problem = "out_of_range", f"{number:g} for {item.title} is not between 0 and {item.max_points:g}"
                base.after = number
                rows.append(base)
                continue
            base.after = round(number, 2)
            base.outcome = "unchanged" if before is not None and abs(before - base.after) < 1e-9 else "change"
            rows.append(base)
    return ImportPreview(rows, file_errors, ignored)


def preview_import(session: Session, actor: Actor, course_id: int, csv_text: str) -> ImportPreview:
    """Read a CSV of manual grades (an `email` column and one column per manual item, named
    like the item; the export's own columns are read past) and say, cell by cell, what would
    change and what is wrong. Nothing is saved. Course staff."""
    course = courses.staffed_course(session, actor, course_id)
    return _check_import(session, actor, course, _book(session, course), csv_text)


@dataclass
class ImportResult:
    changed: int
    unchanged: int


def import_manual_grades(session: Session, actor: Actor, course_id: int, csv_text: str) -> ImportResult:
    """Write every grade of the file, or none when anything in it is wrong (Invalid says how
    many rows need fixing). Checked again: grades may have changed since the preview. Each
    change is audit-logged like a grade typed in, plus one event for the import."""
    course = courses.staffed_course(session, actor, course_id)
    the_book = _book(session, course)
    preview = _check_import(session, actor, course, the_book, csv_text)
    if not preview.ok:
        wrong = preview.errors
        what = f"{wrong} row{'s' if wrong != 1 else ''} need{'s' if wrong == 1 else ''} fixing" if wrong else "the file needs fixing"
        if not preview.rows and not preview.file_errors:
            what = "the file has no grades for manual items"
        raise Invalid(f"No grade was imported: {what} ({problems_summary(preview.messages())})." if preview.messages()
                      else f"No grade was imported: {what}.")
    changes = [r for r in preview.rows if r.outcome == "change"]
    items = {i.id: i for i in session.exec(select(GradeItem).where(GradeItem.id.in_([r.item_id for r in changes] or [0]))).all()}
    enrollments = {e.id: e for e in session.exec(select(Enrollment).where(Enrollment.id.in_([r.enrollment_id for r in changes] or [0]))).all()}
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_([e.user_id for e in enrollments.values()] or [0]))).all()}
    entries = {(e.item_id, e.enrollment_id): e for e in session.exec(select(GradeEntry).where(
        GradeEntry.item_id.in_(list(items) or [0]), GradeEntry.enrollment_id.in_(list(enrollments) or [0]))).all()}
    for r in changes:
        enrollment = enrollments[r.enrollment_id]
        _write_entry(session, actor, course, enrollment, users.get(enrollment.user_id), items[r.item_id],
                     entries.get((r.item_id, r.enrollment_id)), r.after, None, "import")
    audit.record(session, actor, "grades.imported", target_type="course", target_id=course.id, target_label=course.title,
                 after={"course": course.title, "count": len(changes)})
    return ImportResult(len(changes), preview.count("unchanged"))
