"""A quiz's settings, as kept in its lesson's content: which questions (fixed ones and random
draws from categories), shuffling, time limit, attempts, how attempts make the grade, the
passing score, when it is open and what learners may review. Pure data and checks: no database.

Rules this module settles:
- at least one question item; a random draw takes 1 to MAX_DRAW questions; a fixed question
  is listed once;
- the time limit is 1 minute to MAX_TIME_LIMIT_MINUTES; attempts 1 to MAX_ATTEMPTS (None: as
  many as the learner likes); the passing score is a percent in [0, 100] (None: finishing an
  attempt passes it);
- opening and closing times carry a time zone (stored and compared in UTC) and the quiz opens
  before it closes;
- review: score, correct answers and feedback are each shown never, after each attempt, or
  after the quiz closes, which needs a closing time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from lms_app.services.errors import Invalid

GRADING_METHODS = ("highest", "last", "average")
REVIEW_WHEN = ("never", "after_attempt", "after_close")
REVIEW_PARTS = ("score", "correct_answers", "feedback")
DEFAULT_REVIEW = {"score": "after_attempt", "correct_answers": "never", "feedback": "after_attempt"}
MAX_ITEMS = 200
MAX_DRAW = 200
MAX_TIME_LIMIT_MINUTES = 7 * 24 * 60
MAX_ATTEMPTS = 100
_REVIEW_LABELS = {"score": "the score", "correct_answers": "the correct answers", "feedback": "the feedback"}


@dataclass
class QuizSettings:
    """How a quiz runs. `questions` holds {"question_id": id} (a fixed question) and
    {"category_id": id, "count": n} (n questions drawn at random per attempt) items, in order."""

    questions: list[dict[str, int]] = field(default_factory=list)
    shuffle_questions: bool = False
    shuffle_choices: bool = True
    time_limit_minutes: int | None = None
    attempts_allowed: int | None = None
    grading_method: str = "highest"
    passing_percent: float | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    review: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REVIEW))

    @classmethod
    def from_content(cls, content: dict[str, Any] | None) -> QuizSettings:
        """The checked settings of a lesson's content (Invalid says what to fix)."""
        if content is not None and not isinstance(content, dict):
            raise Invalid("The quiz settings are not in the expected form.")
        c = content or {}
        s = cls(
            questions=c.get("questions", []),
            shuffle_questions=c.get("shuffle_questions", False),
            shuffle_choices=c.get("shuffle_choices", True),
            time_limit_minutes=c.get("time_limit_minutes"),
            attempts_allowed=c.get("attempts_allowed"),
            grading_method=c.get("grading_method", "highest"),
            passing_percent=c.get("passing_percent"),
            opens_at=moment(c.get("opens_at"), "The opening time"),
            closes_at=moment(c.get("closes_at"), "The closing time"),
            review=c.get("review", DEFAULT_REVIEW),  # missing parts take their default
        )
        return s.validate()

    def to_content(self) -> dict[str, Any]:
        """The JSON kept in the lesson's content (times as ISO 8601 in UTC)."""
        return {
            "questions": [dict(item) for item in self.questions],
            "shuffle_questions": self.shuffle_questions,
            "shuffle_choices": self.shuffle_choices,
            "time_limit_minutes": self.time_limit_minutes,
            "attempts_allowed": self.attempts_allowed,
            "grading_method": self.grading_method,
            "passing_percent": self.passing_percent,
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
            "review": dict(self.review),
        }

    def validate(self) -> QuizSettings:
        """Check and clean these settings in place (returns them); Invalid names what to fix."""
        self.questions = _items(self.questions)
        self.shuffle_questions = _flag(self.shuffle_questions, "Shuffle questions")
        self.shuffle_choices = _flag(self.shuffle_choices, "Shuffle answers")
        self.time_limit_minutes = _whole(self.time_limit_minutes, "The time limit (minutes)", MAX_TIME_LIMIT_MINUTES)
        self.attempts_allowed = _whole(self.attempts_allowed, "The number of attempts", MAX_ATTEMPTS)
        if self.grading_method not in GRADING_METHODS:
            raise Invalid(f'Unknown grading method "{self.grading_method}": use highest, last or average.')
        if self.passing_percent is not None:
            if isinstance(self.passing_percent, bool) or not isinstance(self.passing_percent, (int, float)) \
                    or not math.isfinite(self.passing_percent):
                raise Invalid("The passing score must be a number (a percent).")
            if not 0 <= self.passing_percent <= 100:
                raise Invalid("The passing score must be between 0 and 100%.")
            self.passing_percent = float(self.passing_percent)
        self.opens_at = moment(self.opens_at, "The opening time")
        self.closes_at = moment(self.closes_at, "The closing time")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise Invalid("The quiz must close after it opens.")
        self.review = _review(self.review, has_close=self.closes_at is not None)
        return self

    def is_open(self, now: datetime) -> bool:
        """Whether attempts may be started at `now`."""
        return (self.opens_at is None or self.opens_at <= now) and (self.closes_at is None or now < self.closes_at)

    def shows(self, part: str, *, attempt_finished: bool, now: datetime) -> bool:
        """Whether a learner may see `part` (one of REVIEW_PARTS) of an attempt now."""
        when = self.review.get(part, "never")
        if when == "after_attempt":
            return attempt_finished
        if when == "after_close":
            return attempt_finished and self.closes_at is not None and now >= self.closes_at
        return False


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{what} must be yes or no.")
    return value


def _whole(value: Any, what: str, maximum: int) -> int | None:
    """None stays None (no limit); otherwise a whole number from 1 to `maximum`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{what} must be a whole number.")
    if not 1 <= value <= maximum:
        raise Invalid(f"{what} must be between 1 and {maximum:,}.")
    return value


def moment(value: Any, what: str) -> datetime | None:
    """A date and time with its zone (a datetime or ISO 8601 text), in UTC; None when empty.
    Invalid names `what` is wrong. Shared by the settings of quizzes, assignments and overrides."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{what} is not a date and time.") from None
    if not isinstance(value, datetime):
        raise Invalid(f"{what} is not a date and time.")
    if value.tzinfo is None:
        raise Invalid(f"{what} needs a time zone.")
    return value.astimezone(timezone.utc)


def _items(items: Any) -> list[dict[str, int]]:
    if not isinstance(items, list):
        raise Invalid("The quiz questions must be a list.")
    if not items:
        raise Invalid("Add at least one question to the quiz.")
    if len(items) > MAX_ITEMS:
        raise Invalid(f"A quiz holds at most {MAX_ITEMS} question items.")
    out: list[dict[str, int]] = []
    fixed: set[int] = set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise Invalid(f"Question item {n} is not in the expected form.")
        if "question_id" in item:
            qid = _id(item["question_id"], f"Question item {n}")
            if qid in fixed:
                raise Invalid(f"Question item {n} repeats a question already in the quiz.")
            fixed.add(qid)
            out.append({"question_id": qid})
        elif "category_id" in item:
            count = item.get("count")
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_DRAW:
                raise Invalid(f"Question item {n} must draw between 1 and {MAX_DRAW} questions.")
            out.append({"category_id": _id(item["category_id"], f"Question item {n}"), "count": count})
        else:
            raise Invalid(f"Question item {n} names neither a question nor a category.")
    return out


def _id(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid(f"{what} does not name a question or category.")
    return value


def _review(review: Any, *, has_close: bool) -> dict[str, str]:
    if not isinstance(review, dict):
        raise Invalid("The review options are not in the expected form.")
    out = {}
    for part in REVIEW_PARTS:
        when = review.get(part, DEFAULT_REVIEW[part])
        if when not in REVIEW_WHEN:
            raise Invalid(f'Unknown review option "{when}" for {_REVIEW_LABELS[part]}: use never, after_attempt or after_close.')
        if when == "after_close" and not has_close:
            raise Invalid(f"Showing {_REVIEW_LABELS[part]} after the quiz closes needs a closing time.")
        out[part] = when
    return out
