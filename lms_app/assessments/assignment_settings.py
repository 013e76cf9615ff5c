"""An assignment's settings, as kept in its lesson's content: the instructions, what is handed
in (text, files or both, how many files, how large, of which types), the points, the due date
and cut-off, the late penalty rule, the passing score and an optional rubric. Pure data and
checks: no database.

Rules this module settles:
- instructions are required (Markdown, at most MAX_INSTRUCTIONS characters);
- a submission is "text", "file" or "both"; files: 1 to MAX_FILES per submission, each at
  most `max_file_mb` (1 to MAX_FILE_MB) MB, of the accepted types (extensions out of
  ACCEPTABLE_EXTENSIONS; none listed: any of them);
- max_points is more than 0 and at most MAX_POINTS;
- due and cut-off times carry a time zone (stored and compared in UTC); the cut-off is not
  before the due date; a cut-off without a due date is allowed (no lateness then);
- late penalty: `late_penalty_percent` of max_points off per started day late (0 < p <= 100),
  capped at `late_penalty_max_percent` (0 < m <= 100); without a due date there is no penalty;
- passing_percent in [0, 100] (None: any released grade passes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lms_app.assessments.quiz_settings import moment
from lms_app.services.errors import Invalid

SUBMISSION_TYPES = ("text", "file", "both")
SUBMISSION_TYPE_LABELS = {"text": "Text", "file": "Files", "both": "Text and files"}
MAX_INSTRUCTIONS = 100_000
MAX_FILES = 20
MAX_FILE_MB = 100
DEFAULT_FILE_MB = 10
MAX_POINTS = 10_000
DAY = 86_400
# What a submitted file may be: the types recognised by their content (lms_app.services.files).
# Each extension names the content it must have (.md and .csv are plain text).
ACCEPTABLE_EXTENSIONS: dict[str, str] = {
    ".pdf": ".pdf", ".png": ".png", ".jpg": ".jpg", ".jpeg": ".jpg", ".webp": ".webp",
    ".docx": ".docx", ".xlsx": ".xlsx", ".pptx": ".pptx", ".odt": ".odt", ".ods": ".ods", ".odp": ".odp",
    ".txt": ".txt", ".md": ".txt", ".csv": ".txt",
}


@dataclass
class AssignmentSettings:
    """How an assignment runs (see the module's rules)."""

    instructions: str = ""
    submission_type: str = "both"
    max_files: int = 5
    max_file_mb: int = DEFAULT_FILE_MB
    accepted_types: list[str] = field(default_factory=list)  # [".pdf", ".docx"]; empty: any acceptable
    max_points: float = 100.0
    due_at: datetime | None = None
    cut_off_at: datetime | None = None
    late_penalty_percent: float | None = None  # of max_points, per started day late
    late_penalty_max_percent: float | None = None
    passing_percent: float | None = None
    rubric_id: int | None = None

    @classmethod
    def from_content(cls, content: dict[str, Any] | None) -> AssignmentSettings:
        """The checked settings of a lesson's content (Invalid says what to fix)."""
        if content is not None and not isinstance(content, dict):
            raise Invalid("The assignment settings are not in the expected form.")
        c = content or {}
        s = cls(
            instructions=c.get("instructions", ""),
            submission_type=c.get("submission_type", "both"),
            max_files=c.get("max_files", 5),
            max_file_mb=c.get("max_file_mb", DEFAULT_FILE_MB),
            accepted_types=c.get("accepted_types") or [],
            max_points=c.get("max_points", 100.0),
            due_at=c.get("due_at"),
            cut_off_at=c.get("cut_off_at"),
            late_penalty_percent=c.get("late_penalty_percent"),
            late_penalty_max_percent=c.get("late_penalty_max_percent"),
            passing_percent=c.get("passing_percent"),
            rubric_id=c.get("rubric_id"),
        )
        return s.validate()

    def to_content(self) -> dict[str, Any]:
        """The JSON kept in the lesson's content (times as ISO 8601 in UTC)."""
        return {
            "instructions": self.instructions,
            "submission_type": self.submission_type,
            "max_files": self.max_files,
            "max_file_mb": self.max_file_mb,
            "accepted_types": list(self.accepted_types),
            "max_points": self.max_points,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "cut_off_at": self.cut_off_at.isoformat() if self.cut_off_at else None,
            "late_penalty_percent": self.late_penalty_percent,
            "late_penalty_max_percent": self.late_penalty_max_percent,
            "passing_percent": self.passing_percent,
            "rubric_id": self.rubric_id,
        }

    def validate(self) -> AssignmentSettings:
        """Check and clean these settings in place (returns them); Invalid names what to fix."""
        if not isinstance(self.instructions, str) or not self.instructions.strip():
            raise Invalid("Add instructions to this assignment: say what to hand in.")
        self.instructions = self.instructions.strip()
        if len(self.instructions) > MAX_INSTRUCTIONS:
            raise Invalid(f"The instructions must have at most {MAX_INSTRUCTIONS:,} characters.")
        if self.submission_type not in SUBMISSION_TYPES:
            raise Invalid("Learners hand in text, files, or both.")
        self.max_files = _whole(self.max_files, "The number of files", 1, MAX_FILES)
        self.max_file_mb = _whole(self.max_file_mb, "The largest file size (MB)", 1, MAX_FILE_MB)
        self.accepted_types = _extensions(self.accepted_types)
        self.max_points = _number(self.max_points, "The points", low=0, high=MAX_POINTS, open_low=True)
        self.due_at = moment(self.due_at, "The due date")
        self.cut_off_at = moment(self.cut_off_at, "The cut-off date")
        if self.due_at and self.cut_off_at and self.cut_off_at < self.due_at:
            raise Invalid("The cut-off date cannot be before the due date.")
        self.late_penalty_percent = _optional(self.late_penalty_percent, "The late penalty per day (%)")
        self.late_penalty_max_percent = _optional(self.late_penalty_max_percent, "The largest late penalty (%)")
        if self.late_penalty_max_percent is not None and self.late_penalty_percent is None:
            raise Invalid("Set the late penalty per day before its maximum.")
        if self.passing_percent is not None:
            self.passing_percent = _number(self.passing_percent, "The passing score (%)", low=0, high=100)
        if self.rubric_id is not None and (isinstance(self.rubric_id, bool) or not isinstance(self.rubric_id, int) or self.rubric_id < 1):
            raise Invalid("The rubric is not one of this course's rubrics.")
        return self

    # --- what follows from the settings ----------------------------------------------------------

    @property
    def takes_text(self) -> bool:
        return self.submission_type in ("text", "both")

    @property
    def takes_files(self) -> bool:
        return self.submission_type in ("file", "both")

    def allowed_extensions(self) -> list[str]:
        """The file name endings a learner may hand in."""
        return list(self.accepted_types) or list(ACCEPTABLE_EXTENSIONS)

    def passes(self, fraction: float) -> bool:
        """Whether a released grade (a share of max_points, after any penalty) passes."""
        return self.passing_percent is None or fraction * 100 >= self.passing_percent - 1e-9

    def penalty_rule(self) -> str:
        """The late penalty in words ('' without one)."""
        if not self.late_penalty_percent:
            return ""
        rule = f"{_pct(self.late_penalty_percent)} of the points off per day late (a started day counts)"
        if self.late_penalty_max_percent:
            rule += f", at most {_pct(self.late_penalty_max_percent)}"
        return rule


def late_penalty(settings: AssignmentSettings, late_seconds: int | float) -> float:
    """The points taken off a submission handed in `late_seconds` after the learner's due date.

    Every started day counts as a whole day (1 second late is one day, 86,401 seconds two);
    each day takes `late_penalty_percent` of max_points off, in total never more than
    `late_penalty_max_percent` (when set) nor 100%. Not late (0 or less), no rule, or no due
    date: 0.0. Rounded to 2 decimals. The grader's score minus this, floored at 0, is the
    learner's result: `max(0.0, points - late_penalty(settings, late_seconds))`.
    """
    if not late_seconds or late_seconds <= 0 or not settings.late_penalty_percent or settings.due_at is None:
        return 0.0
    days = math.ceil(late_seconds / DAY)
    percent = settings.late_penalty_percent * days
    if settings.late_penalty_max_percent is not None:
        percent = min(percent, settings.late_penalty_max_percent)
    percent = min(percent, 100.0)
    return round(settings.max_points * percent / 100.0, 2)


def _pct(value: float) -> str:
    return f"{value:g}%"


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{what} must be a whole number.")
    if not low <= value <= high:
        raise Invalid(f"{what} must be between {low} and {high:,}.")
    return value


def _number(value: Any, what: str, *, low: float, high: float, open_low: bool = False) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise Invalid(f"{what} must be a number.") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Invalid(f"{what} must be a number.")
    if (value <= low if open_low else value < low) or value > high:
        above = "more than" if open_low else "at least"
        raise Invalid(f"{what} must be {above} {low:g} and at most {high:,g}.")
    return float(value)


def _optional(value: Any, what: str) -> float | None:
    """A percent in (0, 100], or None (empty)."""
    if value in (None, ""):
        return None
    return _number(value, what, low=0, high=100, open_low=True)


def _extensions(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").replace(" ", ",").split(",") if v]
    if not isinstance(value, list):
        raise Invalid("The accepted file types must be a list of file name endings (.pdf, .docx).")
    out: list[str] = []
    for item in value:
        ext = str(item).strip().lower()
        if not ext:
            continue
        ext = ext if ext.startswith(".") else f".{ext}"
        if ext not in ACCEPTABLE_EXTENSIONS:
            known = ", ".join(ACCEPTABLE_EXTENSIONS)
            raise Invalid(f"“{str(item).strip()}” is not a file type learners can hand in. Use some of: {known}.")
        if ext not in out:
            out.append(ext)
    return out
