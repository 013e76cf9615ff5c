"""A course's grading rubrics: criteria, each with levels worth points. Graders pick one level
per criterion; the points picked are scaled to the graded item's points.

Who may: the course's staff (instructors and assistants, or "courses.manage") read and change
a course's rubrics; anyone else is refused, another organization's rubric does not exist.
"""

from __future__ import annotations

import math
from typing import Any

from sqlmodel import Session, select

from lms_app.models import Rubric, utcnow
from lms_app.services import courses
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require

TEACH = "courses.teach"
MAX_TITLE = 200
MAX_NAME = 200
MAX_DESCRIPTION = 1000
MAX_CRITERIA = 20
MIN_LEVELS, MAX_LEVELS = 2, 10
MAX_POINTS = 10_000


# --- scoring (pure) ----------------------------------------------------------------------------

def rubric_points(criteria: list[dict[str, Any]], levels: list[int]) -> tuple[float, float]:
    """The points of one level picked per criterion, and the most the rubric gives (the best
    level of every criterion). Refused unless every criterion has a level picked."""
    if not isinstance(levels, (list, tuple)) or len(levels) != len(criteria):
        raise Invalid("Choose a level for every criterion.")
    points = max_points = 0.0
    for criterion, picked in zip(criteria, levels):
        options = criterion.get("levels") or []
        if isinstance(picked, bool) or not isinstance(picked, int) or not 0 <= picked < len(options):
            raise Invalid(f"Choose a level for “{criterion.get('name', 'each criterion')}”.")
        points += float(options[picked]["points"])
        max_points += max(float(level["points"]) for level in options)
    return round(points, 4), round(max_points, 4)


def scaled_points(criteria: list[dict[str, Any]], levels: list[int], item_max: float) -> float:
    """What a rubric grading is worth on an item of `item_max` points: the points picked as a
    share of the rubric's best, times the item's points (rounded to 2 decimals)."""
    points, best = rubric_points(criteria, levels)
    return round(points / best * item_max, 2) if best > 0 else 0.0


def rubric_max(criteria: list[dict[str, Any]]) -> float:
    return round(sum(max((float(level["points"]) for level in c.get("levels") or []), default=0.0) for c in criteria), 4)


# --- checking what was typed -------------------------------------------------------------------

def _text(value: Any) -> str:
    return " ".join(str(value if value is not None else "").split())


def _points(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise Invalid(f"{where}: the points must be a number.")
    try:
        number = float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise Invalid(f"{where}: the points must be a number.") from None
    if not math.isfinite(number):
        raise Invalid(f"{where}: the points must be a number.")
    if number < 0:
        raise Invalid(f"{where}: the points cannot be negative.")
    if number > MAX_POINTS:
        raise Invalid(f"{where}: at most {MAX_POINTS:,} points.")
    return round(number, 2)


def clean_rubric(title: Any, criteria: Any) -> tuple[str, list[dict[str, Any]]]:
    """The rubric as it will be kept, or Invalid with a sentence saying what to fix."""
    title = _text(title)
    if not title:
        raise Invalid("Give the rubric a title.")
    if len(title) > MAX_TITLE:
        raise Invalid(f"A rubric title has at most {MAX_TITLE} characters.")
    if not isinstance(criteria, list) or not criteria:
        raise Invalid("A rubric needs at least one criterion.")
    if len(criteria) > MAX_CRITERIA:
        raise Invalid(f"A rubric has at most {MAX_CRITERIA} criteria.")
    out = []
    for n, criterion in enumerate(criteria, 1):
        if not isinstance(criterion, dict):
            raise Invalid(f"Criterion {n} is not in the expected form.")
        name = _text(criterion.get("name"))
        if not name:
            raise Invalid(f"Criterion {n} needs a name.")
        if len(name) > MAX_NAME:
            raise Invalid(f"Criterion {n}: a name has at most {MAX_NAME} characters.")
        levels = criterion.get("levels")
        if not isinstance(levels, list) or not MIN_LEVELS <= len(levels) <= MAX_LEVELS:
            raise Invalid(f"Criterion “{name}” needs between {MIN_LEVELS} and {MAX_LEVELS} levels.")
        clean_levels = []
        for m, level in enumerate(levels, 1):
            if not isinstance(level, dict):
                raise Invalid(f"Criterion “{name}”, level {m} is not in the expected form.")
            label = _text(level.get("label"))
            if not label:
                raise Invalid(f"Criterion “{name}”, level {m} needs a name.")
            if len(label) > MAX_NAME:
                raise Invalid(f"Criterion “{name}”, level {m}: a name has at most {MAX_NAME} characters.")
            description = str(level.get("description") or "").strip()
            if len(description) > MAX_DESCRIPTION:
                raise Invalid(f"Criterion “{name}”, level {m}: a description has at most {MAX_DESCRIPTION} characters.")
            clean_levels.append({"label": label, "points": _points(level.get("points"), f"Criterion “{name}”, level “{label}”"),
                                 "description": description})
        out.append({"name": name, "levels": clean_levels})
    if rubric_max(out) <= 0:
        raise Invalid("At least one level must be worth more than 0 points.")
    return title, out


# --- the course's rubrics ----------------------------------------------------------------------

def list_rubrics(session: Session, actor: Actor, course_id: int) -> list[Rubric]:
    """A course's rubrics, by title (its staff)."""
    require(actor, TEACH)
    course = courses.staffed_course(session, actor, int(course_id or 0))
    return list(session.exec(select(Rubric).where(Rubric.course_id == course.id).order_by(Rubric.title, Rubric.id)).all())


def get_rubric(session: Session, actor: Actor, rubric_id: int) -> Rubric:
    """One rubric, for the staff of its course."""
    require(actor, TEACH)
    rubric = session.get(Rubric, int(rubric_id)) if rubric_id else None
    if rubric is None or rubric.org_id != actor.org_id:
        raise NotFound("That rubric does not exist.")
    courses.staffed_course(session, actor, rubric.course_id)
    return rubric


def save_rubric(session: Session, actor: Actor, course_id: int, title: Any, criteria: Any, *, rubric_id: int | None = None) -> Rubric:
    """Create a rubric in a course, or change one (`rubric_id`): checked whole first. Grades
    already given with it keep the points they had."""
    require(actor, TEACH)
    course = courses.staffed_course(session, actor, int(course_id or 0))
    if rubric_id:
        rubric = get_rubric(session, actor, rubric_id)
        if rubric.course_id != course.id:
            raise NotFound("That rubric does not exist.")
    else:
        rubric = Rubric(org_id=course.org_id, course_id=course.id, created_by_id=actor.user_id)
    rubric.title, rubric.criteria = clean_rubric(title, criteria)
    rubric.updated_at = utcnow()
    session.add(rubric)
    session.flush()
    return rubric


def delete_rubric(session: Session, actor: Actor, rubric_id: int) -> None:
    """Delete a rubric. Grades given with it keep their points; their grading view then shows
    the plain score."""
    rubric = get_rubric(session, actor, rubric_id)
    session.delete(rubric)
    session.flush()
