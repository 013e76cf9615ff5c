"""How a learner's response to a question is graded: pure functions over a `Question` (see
lms_app.assessments.questions for the response format of each type).

A response comes from the browser, so it is never trusted: a malformed one (wrong type, an
index out of range, the same index twice, a list of the wrong length) grades as 0 and never
raises. The rules this module settles:
- short answer (and each blank): whitespace is trimmed and runs of it collapsed, case is
  ignored unless the question is case sensitive; `*` in an accepted answer matches any run of
  characters, even none, and `\\*` a literal star; nothing else is special. An empty response
  is unanswered (0), even against a lone `*`. The matching answer with the best fraction wins.
- numeric: "12.5", "-3", ".5", "1e3" and "1,5" (a comma is the decimal separator; there are no
  thousands separators). If the question has units, a unit may follow the number and the
  number is multiplied by it; an unknown unit is wrong; no unit is wrong when the unit is
  required and otherwise means the base unit. Without units, anything after the number makes
  it "Not a number.". The answer with the best fraction among those within tolerance wins.
- matching: each prompt may be given any pair's answer (the same answer twice is allowed, as
  with one drop-down per prompt); a prompt is right when the answer chosen has the same text
  as its own, so pairs with identical answers are interchangeable.
- ordering: the share of items in their right position (a simple, predictable rule; an item
  shifted by one place counts as wrong).
- essay and file upload: a person grades them, so `fraction` is None, answered or not.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lms_app.assessments.questions import Question, TextAnswer, Unit

# The right choices of a "weights" multiple-choice question add up to 1 within this margin;
# ticking all of them (and nothing wrong) then earns full credit.
WEIGHT_TOLERANCE = 0.001
# Characters a unit name may not start with: they would read as part of the number.
NUMBER_CHARS = "0123456789+-.,"

NOT_A_NUMBER = "Not a number."
UNKNOWN_UNIT = "Unknown unit."
MISSING_UNIT = "The unit is missing."

_CHOICE_TYPES = ("single", "multiple")
_NUMBER = re.compile(r"([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)(.*)", re.DOTALL)
_UNESCAPED_STAR = re.compile(r"(?<!\\)\*")


@dataclass
class Graded:
    """The outcome of grading one response. `fraction` and `points` are None while a person
    has to grade it; `right` is True only for full credit."""

    fraction: float | None
    points: float | None
    feedback: list[str] = field(default_factory=list)
    right: bool | None = None


def normalize_text(text: str) -> str:
    """Text as answers are compared: Unicode NFC, trimmed, runs of whitespace made one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def answer_key(text: str, case_sensitive: bool = False) -> str:
    """The form under which two answers count as the same."""
    text = normalize_text(text)
    return text if case_sensitive else text.casefold()


def is_full(fraction: float) -> bool:
    """Whether a fraction is full credit (1.0, allowing for float noise)."""
    return abs(fraction - 1.0) <= 1e-9


def max_points(q: Question) -> float:
    """The most a response to `q` can earn."""
    return float(q.points)


def grade(q: Question, response: Any) -> Graded:
    """Grade `response` to `q`: the fraction earned (clamped to [0, 1]), the points (rounded
    half up to 2 decimals), the feedback that applies followed by the general feedback."""
    general = [q.general_feedback] if q.general_feedback.strip() else []
    if q.manual:
        return Graded(None, None, general, None)
    grader = _GRADERS.get(q.type)
    fraction, feedback = grader(q, response) if grader else (0.0, [])
    fraction = min(1.0, max(0.0, fraction))
    return Graded(fraction, _round_points(fraction * max_points(q)), feedback + general, is_full(fraction))


def shuffled_order(q: Question, seed: int) -> list[int]:
    """The order in which to show a question's options, the same for the same seed (e.g. one
    per attempt): choice indexes for single/multiple choice (shuffled only when
    `shuffle_choices`), pair indexes of the answers for matching, item indexes for ordering
    (never the right order itself, which would give the answer away). Other types: []."""
    if q.type in _CHOICE_TYPES:
        order = list(range(len(q.choices)))
        if q.shuffle_choices:
            random.Random(seed).shuffle(order)
    elif q.type == "matching":
        order = list(range(len(q.pairs)))
        random.Random(seed).shuffle(order)
    elif q.type == "ordering":
        order = list(range(len(q.items)))
        random.Random(seed).shuffle(order)
        if order == sorted(order):
            order = order[1:] + order[:1]
    else:
        order = []
    return order


def read_number(response: Any, units: list[Unit], unit_required: bool) -> tuple[float | None, str]:
    """The number a learner typed, in the base unit, or None and what is wrong with it."""
    if isinstance(response, (int, float)) and not isinstance(response, bool):
        number, unit = float(response), ""
    elif isinstance(response, str):
        match = _NUMBER.fullmatch(normalize_text(response).replace("\u2212", "-"))
        if not match:
            return None, NOT_A_NUMBER
        number, unit = float(match.group(1).replace(",", ".")), match.group(2).strip()
    else:
        return None, NOT_A_NUMBER
    if not math.isfinite(number):
        return None, NOT_A_NUMBER
    if not unit:
        return (None, MISSING_UNIT) if units and unit_required else (number, "")
    if not units or unit[0] in NUMBER_CHARS:
        return None, NOT_A_NUMBER
    for u in units:
        if normalize_text(u.name) == unit:
            return number * u.multiplier, ""
    return None, UNKNOWN_UNIT


def wildcard_match(pattern: str, text: str) -> bool:
    """Whether `text` matches `pattern`, in which `*` stands for any run of characters and
    `\\*` for a star. Literal segments are searched for, never compiled into a regular
    expression, so an answer can hold any character and matching stays linear."""
    first, *middle_last = [s.replace("\\*", "*") for s in _UNESCAPED_STAR.split(pattern)]
    if not middle_last:
        return text == first
    *middle, last = middle_last
    end = len(text) - len(last)
    if end < len(first) or not text.startswith(first) or not text.endswith(last):
        return False
    pos = len(first)
    for segment in middle:
        found = text.find(segment, pos, end)
        if found < 0:
            return False
        pos = found + len(segment)
    return True


def _round_points(value: float) -> float:
    # Half up on the shortest decimal form, so 0.125 gives 0.13 (round() would give 0.12).
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _said(text: str) -> list[str]:
    return [text] if text.strip() else []


def _index(value: Any, count: int) -> int | None:
    # bool is an int in Python: True must not mean "choice 1".
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count:
        return value
    return None


def _indexes(value: Any, count: int) -> list[int] | None:
    """Distinct valid indexes, or None when the list is malformed."""
    if not isinstance(value, (list, tuple)):
        return None
    found = [_index(v, count) for v in value]
    if None in found or len(set(found)) != len(found):
        return None
    return found


def _best_text(answers: list[TextAnswer], typed: Any, case_sensitive: bool) -> tuple[float, list[str]]:
    if not isinstance(typed, str) or not normalize_text(typed):
        return 0.0, []
    key = answer_key(typed, case_sensitive)
    best = None
    for a in answers:
        if (best is None or a.fraction > best.fraction) and wildcard_match(answer_key(a.text, case_sensitive), key):
            best = a
    return (best.fraction, _said(best.feedback)) if best else (0.0, [])


def _single(q: Question, response: Any) -> tuple[float, list[str]]:
    i = _index(response, len(q.choices))
    if i is None:
        return 0.0, []
    return q.choices[i].fraction, _said(q.choices[i].feedback)


def _multiple(q: Question, response: Any) -> tuple[float, list[str]]:
    ticked = _indexes(response, len(q.choices))
    if ticked is None:
        return 0.0, []
    ticked_set = set(ticked)
    chosen = [ch for i, ch in enumerate(q.choices) if i in ticked_set]
    right = {i for i, ch in enumerate(q.choices) if ch.fraction > 0}
    if q.partial_credit == "all_or_nothing":
        fraction = 1.0 if ticked_set == right else 0.0
    elif q.partial_credit == "right_minus_wrong":
        fraction = (len(ticked_set & right) - len(ticked_set - right)) / len(right) if right else 0.0
    else:  # "weights", also the fallback for a rule this version does not know
        fraction = sum(ch.fraction for ch in chosen)
        if abs(fraction - 1.0) <= WEIGHT_TOLERANCE:
            fraction = 1.0
    return fraction, [ch.feedback for ch in chosen if ch.feedback.strip()]


def _true_false(q: Question, response: Any) -> tuple[float, list[str]]:
    if not isinstance(response, bool):
        return 0.0, []
    return (1.0 if response == q.correct else 0.0), _said(q.feedback_true if response else q.feedback_false)


def _short_answer(q: Question, response: Any) -> tuple[float, list[str]]:
    return _best_text(q.answers, response, q.case_sensitive)


def _numeric(q: Question, response: Any) -> tuple[float, list[str]]:
    if response is None or (isinstance(response, str) and not response.strip()):
        return 0.0, []
    value, problem = read_number(response, q.units, q.unit_required)
    if value is None:
        return 0.0, [problem]
    best = None
    for a in q.numeric_answers:
        # A relative hair of slack so that float noise (10.3 - 10.2) does not fail a boundary.
        within = abs(value - a.value) <= a.tolerance + 1e-9 * max(abs(value), abs(a.value))
        if within and (best is None or a.fraction > best.fraction):
            best = a
    return (best.fraction, _said(best.feedback)) if best else (0.0, [])


def _matching(q: Question, response: Any) -> tuple[float, list[str]]:
    count = len(q.pairs)
    if not count or not isinstance(response, (list, tuple)) or len(response) != count:
        return 0.0, []
    picks = [None if v is None else _index(v, count) for v in response]
    if any(p is None and v is not None for p, v in zip(picks, response)):
        return 0.0, []
    keys = [answer_key(p.answer) for p in q.pairs]
    return sum(1 for i, p in enumerate(picks) if p is not None and keys[p] == keys[i]) / count, []


def _ordering(q: Question, response: Any) -> tuple[float, list[str]]:
    count = len(q.items)
    order = _indexes(response, count)
    if not count or order is None or len(order) != count:
        return 0.0, []
    return sum(1 for position, i in enumerate(order) if position == i) / count, []


def _fill_blanks(q: Question, response: Any) -> tuple[float, list[str]]:
    count = len(q.blanks)
    if not count or not isinstance(response, (list, tuple)) or len(response) != count:
        return 0.0, []
    if any(typed is not None and not isinstance(typed, str) for typed in response):
        return 0.0, []
    total, feedback = 0.0, []
    for blank, typed in zip(q.blanks, response):
        fraction, said = _best_text(blank.answers, typed, q.case_sensitive)
        total += max(0.0, fraction)
        feedback += said
    return total / count, feedback


_GRADERS = {
    "single": _single,
    "multiple": _multiple,
    "true_false": _true_false,
    "short_answer": _short_answer,
    "numeric": _numeric,
    "matching": _matching,
    "ordering": _ordering,
    "fill_blanks": _fill_blanks,
}
