"""An assignment's settings: what is checked when an instructor saves them, how they are kept,
and the late penalty rule (every started day counts, capped)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lms_app.assessments.assignment_settings import AssignmentSettings, late_penalty
from lms_app.lessons import registry
from lms_app.services.errors import Invalid

DUE = datetime(2027, 3, 1, 17, 0, tzinfo=timezone(timedelta(hours=1)))


def settings(**changes) -> AssignmentSettings:
    return AssignmentSettings.from_content({"instructions": "Write a risk assessment.", **changes})


def test_defaults_and_a_round_trip_through_the_lesson_content():
    s = settings(due_at=DUE.isoformat(), cut_off_at=(DUE + timedelta(days=2)).isoformat(), accepted_types="PDF, .docx,pdf",
                 late_penalty_percent="10", late_penalty_max_percent=30, passing_percent=50, rubric_id=3, max_points="20")
    assert s.due_at == datetime(2027, 3, 1, 16, 0, tzinfo=timezone.utc), "stored in UTC"
    assert s.accepted_types == [".pdf", ".docx"] and s.max_points == 20.0 and s.late_penalty_percent == 10.0
    content = s.to_content()
    assert content["due_at"] == "2027-03-01T16:00:00+00:00"
    assert AssignmentSettings.from_content(content) == s
    plain = settings()
    assert (plain.submission_type, plain.max_files, plain.max_file_mb, plain.max_points, plain.due_at) == ("both", 5, 10, 100.0, None)
    assert plain.allowed_extensions()[:2] == [".pdf", ".png"] and plain.penalty_rule() == ""
    assert s.penalty_rule() == "10% of the points off per day late (a started day counts), at most 30%"


@pytest.mark.parametrize("changes,message", [
    ({"instructions": "  "}, "Add instructions to this assignment"),
    ({"submission_type": "video"}, "Learners hand in text, files, or both."),
    ({"max_files": 0}, "The number of files must be between 1 and 20."),
    ({"max_files": 21}, "The number of files must be between 1 and 20."),
    ({"max_files": 2.5}, "The number of files must be a whole number."),
    ({"max_file_mb": 101}, "The largest file size (MB) must be between 1 and 100."),
    ({"accepted_types": [".exe"]}, "“.exe” is not a file type learners can hand in"),
    ({"accepted_types": ".html"}, "“.html” is not a file type"),
    ({"max_points": 0}, "The points must be more than 0"),
    ({"max_points": "lots"}, "The points must be a number."),
    ({"max_points": float("nan")}, "The points must be a number."),
    ({"due_at": "next monday"}, "The due date is not a date and time."),
    ({"due_at": "2027-03-01T17:00"}, "The due date needs a time zone."),
    ({"due_at": DUE.isoformat(), "cut_off_at": (DUE - timedelta(minutes=1)).isoformat()}, "The cut-off date cannot be before the due date."),
    ({"late_penalty_percent": 0}, "The late penalty per day (%) must be more than 0"),
    ({"late_penalty_percent": 120}, "The late penalty per day (%) must be more than 0 and at most 100."),
    ({"late_penalty_max_percent": 20}, "Set the late penalty per day before its maximum."),
    ({"passing_percent": 101}, "The passing score (%) must be at least 0 and at most 100."),
    ({"rubric_id": "three"}, "The rubric is not one of this course's rubrics."),
    ({"rubric_id": True}, "The rubric is not one of this course's rubrics."),
])
def test_what_is_refused_and_why(changes, message):
    with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        settings(**changes)


def test_a_cut_off_equal_to_the_due_date_or_without_one_is_fine():
    assert settings(due_at=DUE.isoformat(), cut_off_at=DUE.isoformat()).cut_off_at == settings(due_at=DUE.isoformat()).due_at
    assert settings(cut_off_at=DUE.isoformat()).due_at is None


def test_the_kind_is_registered_and_completes_on_a_passing_grade_only():
    kind = registry.get("assignment")
    assert (kind.label, kind.icon, kind.completion, kind.learner_completes) == ("Assignment", "clipboard-pen", "passed", False)
    assert registry.content_problem("assignment", {}) == "Add instructions to this assignment: say what to hand in."
    assert registry.validate_content("assignment", {"instructions": "Do it", "max_points": 10})["max_points"] == 10.0
    assert kind.is_complete({}, registry.Evidence(passed=True)) and not kind.is_complete({}, registry.Evidence(viewed=True, marked_done=True))
    assert settings().passes(0.0), "without a passing score any released grade passes"
    assert settings(passing_percent=60).passes(0.6) and not settings(passing_percent=60).passes(0.59)


# --- the late penalty ------------------------------------------------------------------------------

RULE = settings(due_at=DUE.isoformat(), max_points=50, late_penalty_percent=10, late_penalty_max_percent=25)


@pytest.mark.parametrize("late_seconds,points_off", [
    (0, 0.0),              # on time
    (-30, 0.0),            # early
    (1, 5.0),              # one second late: a started day
    (86_400, 5.0),         # exactly one day
    (86_401, 10.0),        # into the second day
    (2 * 86_400 + 5, 12.5),  # three started days would be 30%: capped at 25%
    (400 * 86_400, 12.5),  # never more than the cap
])
def test_late_penalty_per_started_day_with_a_cap(late_seconds, points_off):
    assert late_penalty(RULE, late_seconds) == points_off


def test_late_penalty_without_a_rule_a_cap_or_a_due_date():
    assert late_penalty(settings(due_at=DUE.isoformat()), 10 * 86_400) == 0.0, "no rule"
    uncapped = settings(due_at=DUE.isoformat(), max_points=100, late_penalty_percent=30)
    assert late_penalty(uncapped, 3 * 86_400) == 90.0
    assert late_penalty(uncapped, 5 * 86_400) == 100.0, "never more than all the points"
    assert late_penalty(settings(late_penalty_percent=10), 10 * 86_400) == 0.0, "no due date: nothing is late"
    odd = settings(due_at=DUE.isoformat(), max_points=7, late_penalty_percent=33.333)
    assert late_penalty(odd, 1) == 2.33, "rounded to 2 decimals"
