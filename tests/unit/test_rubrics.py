"""Rubrics: criteria with levels worth points, checked with sentences that say what to fix,
kept per course for its staff, and their points scaled to the graded item's points."""

from __future__ import annotations

import pytest

from lms_app.services import courses, rubrics
from lms_app.services.errors import Invalid, NotFound, PermissionDenied

IRENE, ISAAC, LEO = "irene@example.com", "isaac@example.com", "leo@example.com"


def criteria(*rows):
    """rows: (name, [points per level]) -> the stored form."""
    return [{"name": name, "levels": [{"label": f"L{i}", "points": p, "description": ""} for i, p in enumerate(points)]}
            for name, points in rows]


CLARITY_AND_EVIDENCE = criteria(("Clarity", [0, 2, 4]), ("Evidence", [0, 3, 6]))


def test_rubric_points_sum_the_picked_levels_against_the_best_of_each_criterion():
    assert rubrics.rubric_points(CLARITY_AND_EVIDENCE, [2, 1]) == (7.0, 10.0)
    assert rubrics.rubric_points(CLARITY_AND_EVIDENCE, [0, 0]) == (0.0, 10.0)
    # The best level need not be the last one.
    assert rubrics.rubric_points(criteria(("Odd", [5, 1])), [1]) == (1.0, 5.0)


def test_rubric_points_scale_to_the_items_points():
    assert rubrics.scaled_points(CLARITY_AND_EVIDENCE, [2, 1], 20) == 14.0
    assert rubrics.scaled_points(CLARITY_AND_EVIDENCE, [2, 2], 5) == 5.0
    assert rubrics.scaled_points(criteria(("A", [0, 1, 2])), [1], 3) == 1.5


@pytest.mark.parametrize("levels,message", [
    ([2], "Choose a level for every criterion."),
    ([2, 3], "Choose a level for “Evidence”."),
    ([2, -1], "Choose a level for “Evidence”."),
    ([True, 1], "Choose a level for “Clarity”."),
    (None, "Choose a level for every criterion."),
])
def test_every_criterion_needs_a_level(levels, message):
    with pytest.raises(Invalid) as exc:
        rubrics.rubric_points(CLARITY_AND_EVIDENCE, levels)
    assert exc.value.message == message


@pytest.mark.parametrize("title,rows,message", [
    ("", CLARITY_AND_EVIDENCE, "Give the rubric a title."),
    ("Essay", [], "A rubric needs at least one criterion."),
    ("Essay", criteria(("", [0, 1])), "Criterion 1 needs a name."),
    ("Essay", criteria(("Clarity", [1])), "Criterion “Clarity” needs between 2 and 10 levels."),
    ("Essay", criteria(("Clarity", list(range(11)))), "Criterion “Clarity” needs between 2 and 10 levels."),
    ("Essay", criteria(("Clarity", [0, -1])), "Criterion “Clarity”, level “L1”: the points cannot be negative."),
    ("Essay", criteria(("Clarity", [0, "lots"])), "Criterion “Clarity”, level “L1”: the points must be a number."),
    ("Essay", [{"name": "Clarity", "levels": [{"label": " ", "points": 1}, {"label": "Good", "points": 2}]}],
     "Criterion “Clarity”, level 1 needs a name."),
    ("Essay", criteria(("Clarity", [0, 0])), "At least one level must be worth more than 0 points."),
])
def test_a_rubric_is_checked_with_a_clear_sentence(title, rows, message):
    with pytest.raises(Invalid) as exc:
        rubrics.clean_rubric(title, rows)
    assert exc.value.message == message


def test_points_typed_as_text_are_read_and_names_trimmed():
    title, rows = rubrics.clean_rubric("  Essay  rubric ", [{"name": " Clarity ", "levels": [
        {"label": "Poor", "points": "0"}, {"label": "Good", "points": "2,5", "description": " Clear. "}]}])
    assert title == "Essay rubric"
    assert rows == [{"name": "Clarity", "levels": [{"label": "Poor", "points": 0.0, "description": ""},
                                                   {"label": "Good", "points": 2.5, "description": "Clear."}]}]


def test_a_courses_rubrics_belong_to_its_staff(demo, session, actor_of):
    irene, isaac, leo = actor_of(IRENE), actor_of(ISAAC), actor_of(LEO)
    course = courses.create_course(session, irene, "Writing")
    other = courses.create_course(session, isaac, "Isaac's course")
    saved = rubrics.save_rubric(session, irene, course.id, "Essay", CLARITY_AND_EVIDENCE)
    assert [r.title for r in rubrics.list_rubrics(session, irene, course.id)] == ["Essay"]
    changed = rubrics.save_rubric(session, irene, course.id, "Essay v2", criteria(("Clarity", [0, 1])), rubric_id=saved.id)
    assert changed.id == saved.id and changed.criteria[0]["levels"][1]["points"] == 1.0
    with pytest.raises(PermissionDenied):
        rubrics.list_rubrics(session, isaac, course.id)
    with pytest.raises(PermissionDenied):
        rubrics.save_rubric(session, isaac, course.id, "Mine", CLARITY_AND_EVIDENCE)
    with pytest.raises(PermissionDenied):
        rubrics.delete_rubric(session, isaac, saved.id)
    with pytest.raises(PermissionDenied):
        rubrics.list_rubrics(session, leo, course.id)
    # A rubric of another course is not changed through this one.
    theirs = rubrics.save_rubric(session, isaac, other.id, "Theirs", CLARITY_AND_EVIDENCE)
    courses.add_staff(session, irene, course.id, isaac.user_id, "assistant")
    with pytest.raises(NotFound):
        rubrics.save_rubric(session, isaac, course.id, "Moved", CLARITY_AND_EVIDENCE, rubric_id=theirs.id)
    # An assistant of the course may keep its rubrics.
    rubrics.save_rubric(session, isaac, course.id, "Lab report", CLARITY_AND_EVIDENCE)
    rubrics.delete_rubric(session, irene, saved.id)
    assert [r.title for r in rubrics.list_rubrics(session, irene, course.id)] == ["Lab report"]
