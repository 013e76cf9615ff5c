"""Which learners of a course are at risk, and why: a small rule set a teacher can read.

A learner's active run of the course is at risk when at least one rule holds:

1. No activity: nothing opened in the course for INACTIVE_DAYS days or more (counted from
   the enrollment day when nothing was opened yet).
2. Behind the expected pace: enrolled GRACE_DAYS or more ago, and the share of the course's
   counted lessons done is more than PACE_TOLERANCE below the share expected by now. The
   expected share grows evenly from 0 on the enrollment day to all of it after the course's
   expected duration: its access period when it has one, else EXPECTED_DAYS.
3. Failing scores: the course total so far (the gradebook's, over what is graded) is below
   FAILING_PERCENT.
4. Repeated failed attempts: FAILED_ATTEMPTS or more failed attempts at a quiz that the
   learner has not passed yet.

Each reason comes as a sentence for the list, with a code for tests and filters. Pure: the
caller brings the facts, aggregated in the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

INACTIVE_DAYS = 14
GRACE_DAYS = 7
EXPECTED_DAYS = 30
PACE_TOLERANCE = 0.25
FAILING_PERCENT = 50.0
FAILED_ATTEMPTS = 2

INACTIVE, BEHIND, FAILING, FAILED_ATTEMPTS_CODE = "inactive", "behind", "failing", "failed_attempts"


@dataclass(frozen=True)
class LearnerFacts:
    """One active run, as the rules read it."""

    enrollment_id: int
    user_id: int
    name: str
    email: str
    enrolled_at: datetime
    last_activity_at: datetime | None
    lessons_done: int  # of the counted lessons
    lessons_counted: int
    expected_days: int  # the course's access period, or EXPECTED_DAYS
    total_percent: float | None = None  # the gradebook's course total so far (None: nothing graded)
    failed_quizzes: tuple[tuple[str, int], ...] = ()  # (quiz title, failed attempts) of quizzes not passed yet


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True)
class AtRisk:
    facts: LearnerFacts
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    days_inactive: int = 0


def _days(since: datetime, now: datetime) -> int:
    return max(0, (now - since).days)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def reasons(facts: LearnerFacts, now: datetime) -> list[Reason]:
    """The rules that hold for this learner now, in the order of the module's list."""
    found: list[Reason] = []
    idle = _days(facts.last_activity_at or facts.enrolled_at, now)
    if idle >= INACTIVE_DAYS:
        since = "since enrolling" if facts.last_activity_at is None else "in the course"
        found.append(Reason(INACTIVE, f"No activity {since} for {_plural(idle, 'day')}"))
    enrolled_days = _days(facts.enrolled_at, now)
    if facts.lessons_counted and enrolled_days >= GRACE_DAYS:
        expected = min(1.0, enrolled_days / max(1, facts.expected_days))
        done = facts.lessons_done / facts.lessons_counted
        if expected - done > PACE_TOLERANCE + 1e-9:
            found.append(Reason(BEHIND, f"Behind pace: {facts.lessons_done} of {_plural(facts.lessons_counted, 'lesson')} done "
                                        f"({round(done * 100)}%), {round(expected * 100)}% expected by now"))
    if facts.total_percent is not None and facts.total_percent < FAILING_PERCENT:
        # Rounded down, so a total just under the mark never reads as the mark itself.
        found.append(Reason(FAILING, f"Failing: course total {math.floor(facts.total_percent)}% (pass mark {FAILING_PERCENT:g}%)"))
    for title, failed in facts.failed_quizzes:
        if failed >= FAILED_ATTEMPTS:
            found.append(Reason(FAILED_ATTEMPTS_CODE, f"Failed “{title}” {failed} times without passing"))
    return found


def assess(facts: LearnerFacts, now: datetime) -> AtRisk | None:
    """The learner with the rules that hold now, or None when none does."""
    found = reasons(facts, now)
    return AtRisk(facts, tuple(found), _days(facts.last_activity_at or facts.enrolled_at, now)) if found else None


def order(row: AtRisk) -> tuple:
    """The list's order: most reasons first, then the longest idle, then by name."""
    return (-len(row.reasons), -row.days_inactive, row.facts.name.lower(), row.facts.user_id)


def at_risk(learners: list[LearnerFacts], now: datetime) -> list[AtRisk]:
    """The learners at risk, in the list's order (`order`)."""
    return sorted((row for row in (assess(facts, now) for facts in learners) if row is not None), key=order)
