"""What a question is, whatever its type: one plain description shared by the question bank
(stored as JSON), the grading rules, the GIFT import and export, and the pages.

No database and no Reflex here: a `Question` is data. `to_dict`/`from_dict` give the JSON
stored in the bank; `validate` (lms_app.assessments.validation) says what is wrong with one.

A learner's response, per type:
- single:        the index of the chosen choice (int), or None
- multiple:      the indexes of the ticked choices (list[int])
- true_false:    True or False
- short_answer:  the text typed (str)
- numeric:       the text typed (str), a number with an optional unit ("12.5 cm")
- matching:      for each pair's prompt (in `pairs` order), the index in `pairs` of the answer
                 chosen for it, or None (list[int | None])
- ordering:      the items' indexes (in `items`) in the order the learner put them (list[int])
- fill_blanks:   the text typed in each blank, in blank order (list[str])
- essay:         the text written (str); graded by a person
- file_upload:   the stored file's reference (str); graded by a person
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

QUESTION_TYPES = (
    "single", "multiple", "true_false", "short_answer", "numeric", "matching", "ordering", "fill_blanks", "essay", "file_upload",
)
TYPE_LABELS = {
    "single": "Single choice", "multiple": "Multiple choice", "true_false": "True/false", "short_answer": "Short answer",
    "numeric": "Numeric", "matching": "Matching", "ordering": "Ordering", "fill_blanks": "Fill in the blanks",
    "essay": "Essay", "file_upload": "File upload",
}
# Types a person grades: their attempts wait for grading.
MANUAL_TYPES = ("essay", "file_upload")
# How a multiple-choice question gives partial credit:
# - "weights": each ticked choice adds its fraction (negative for wrong ones), floored at 0;
# - "all_or_nothing": full credit only when exactly the right choices are ticked;
# - "right_minus_wrong": (right ticked - wrong ticked) / right choices, floored at 0.
PARTIAL_CREDIT_RULES = ("weights", "all_or_nothing", "right_minus_wrong")
# The marker of the n-th blank (from 1) in a fill-in-the-blanks question's text.
BLANK = "[[{n}]]"


@dataclass
class Choice:
    """An option of a single or multiple choice question. `fraction` is the share of the points
    it is worth: 1.0 the right answer of a single choice; for multiple choice the right ones'
    fractions add up to 1.0 and wrong ones may be negative (a penalty)."""

    text: str
    fraction: float = 0.0
    feedback: str = ""


@dataclass
class TextAnswer:
    """An accepted answer of a short-answer question or of one blank. `*` in `text` matches any
    run of characters (a wildcard); `fraction` below 1.0 gives partial credit."""

    text: str
    fraction: float = 1.0
    feedback: str = ""


@dataclass
class NumericAnswer:
    """Right when the number given is within `tolerance` of `value` (absolute)."""

    value: float
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: str = ""


@dataclass
class Unit:
    """A unit learners may write after a numeric answer; the number is multiplied by
    `multiplier` to compare with the answers (e.g. "cm" 1.0, "m" 100.0)."""

    name: str
    multiplier: float = 1.0


@dataclass
class Pair:
    prompt: str
    answer: str


@dataclass
class Blank:
    answers: list[TextAnswer] = field(default_factory=list)


@dataclass
class Question:
    type: str
    title: str
    text: str  # Markdown; for fill_blanks it holds the markers [[1]], [[2]], ...
    points: float = 1.0
    general_feedback: str = ""  # shown after answering, whatever the answer
    tags: list[str] = field(default_factory=list)
    # single, multiple
    choices: list[Choice] = field(default_factory=list)
    shuffle_choices: bool = True
    partial_credit: str = "weights"  # multiple only: one of PARTIAL_CREDIT_RULES
    # true_false
    correct: bool = True
    feedback_true: str = ""  # shown to who answered "true"
    feedback_false: str = ""
    # short_answer (and each blank): comparing ignores case unless told, and runs of spaces
    answers: list[TextAnswer] = field(default_factory=list)
    case_sensitive: bool = False
    # numeric
    numeric_answers: list[NumericAnswer] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    unit_required: bool = False
    # matching
    pairs: list[Pair] = field(default_factory=list)
    # ordering: the items in their right order
    items: list[str] = field(default_factory=list)
    # fill_blanks
    blanks: list[Blank] = field(default_factory=list)
    # essay
    answer_template: str = ""
    # file_upload
    accepted_files: str = ""  # e.g. ".pdf,.docx"; empty: any document the files service accepts

    @property
    def manual(self) -> bool:
        return self.type in MANUAL_TYPES

    def to_dict(self) -> dict[str, Any]:
        """The JSON stored in the bank: only the fields this type uses."""
        data = asdict(self)
        keep = {"type", "title", "text", "points", "general_feedback", "tags", *_TYPE_FIELDS.get(self.type, ())}
        return {k: v for k, v in data.items() if k in keep}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """A question from stored JSON (fields it does not know are ignored)."""
        d = dict(data)
        q = cls(type=str(d.get("type", "")), title=str(d.get("title", "")), text=str(d.get("text", "")))
        for name in ("points", "general_feedback", "tags", "shuffle_choices", "partial_credit", "correct", "feedback_true",
                     "feedback_false", "case_sensitive", "unit_required", "items", "answer_template", "accepted_files"):
            if name in d:
                setattr(q, name, d[name])
        q.choices = [Choice(**c) for c in d.get("choices", [])]
        q.answers = [TextAnswer(**a) for a in d.get("answers", [])]
        q.numeric_answers = [NumericAnswer(**a) for a in d.get("numeric_answers", [])]
        q.units = [Unit(**u) for u in d.get("units", [])]
        q.pairs = [Pair(**p) for p in d.get("pairs", [])]
        q.blanks = [Blank([TextAnswer(**a) for a in b.get("answers", [])]) for b in d.get("blanks", [])]
        return q


_TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "single": ("choices", "shuffle_choices"),
    "multiple": ("choices", "shuffle_choices", "partial_credit"),
    "true_false": ("correct", "feedback_true", "feedback_false"),
    "short_answer": ("answers", "case_sensitive"),
    "numeric": ("numeric_answers", "units", "unit_required"),
    "matching": ("pairs",),
    "ordering": ("items",),
    "fill_blanks": ("blanks", "case_sensitive"),
    "essay": ("answer_template",),
    "file_upload": ("accepted_files",),
}
