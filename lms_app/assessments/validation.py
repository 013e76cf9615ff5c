"""What makes a question complete and sensible: `validate` returns a cleaned copy of a question
or raises `Invalid` with a message for the instructor naming what to fix.

Cleaning: texts are trimmed; tags are trimmed, their inner whitespace collapsed, empty ones
dropped and repeats (ignoring case) removed, the first spelling kept; accepted file types are
written ".pdf,.docx". Rules this module settles:
- Every type needs a title and a text (essay and file upload need nothing more); points are
  more than 0 and at most 1000. Fractions lie in [-1, 1]; "right" means 1.0 (100%).
- single: at least two choices, fractions in [0, 1] (a partly right choice is allowed, as in
  Moodle) but no penalty, at least one fully right.
- multiple: at least two choices; with "weights" the positive fractions add up to 1.0
  (within 0.001) and negative ones are penalties; with the other rules a choice with a
  positive fraction is a right one, and at least one is needed.
- Choices, prompts and items must differ from each other (ignoring case and spacing): a
  learner could not tell them apart. Matching answers may repeat (several prompts can share an
  answer, and grading treats them as interchangeable) but at least two must differ.
- Blank markers [[1]]..[[n]] appear once each, in any order, written without leading zeros.
- Unit names are case sensitive ("m" is not "M"), unique, and do not start with a digit, a
  sign, a dot or a comma; requiring a unit needs at least one.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from lms_app.assessments.grading import NUMBER_CHARS, WEIGHT_TOLERANCE, answer_key, is_full, normalize_text
from lms_app.assessments.questions import BLANK, PARTIAL_CREDIT_RULES, QUESTION_TYPES, Question
from lms_app.services.errors import Invalid

TITLE_MAX = 200
TEXT_MAX = 20_000  # the question text, the general feedback, an essay's answer template
OPTION_MAX = 2_000  # a choice, an accepted answer, a prompt, an item, a unit, their feedback
TAG_MAX = 100
POINTS_MAX = 1000

# "[[1]]" -> r"\[\[(\d+)\]\]", kept in step with the marker defined with the question.
_MARKER = re.compile(re.escape(BLANK).replace(re.escape("{n}"), r"(\d+)"))
_FILE_TYPE = re.compile(r"\.[a-z0-9]+(?:\.[a-z0-9]+)*")


def validate(q: Question) -> Question:
    """A cleaned copy of `q`, or `Invalid` saying what an instructor must fix first."""
    c = copy.deepcopy(q)
    if c.type not in QUESTION_TYPES:
        raise Invalid(f'Unknown question type "{c.type}".')
    c.title = _text(c.title, "The title", TITLE_MAX, required="Give the question a title.")
    c.text = _text(c.text, "The question text", TEXT_MAX, required="Write the question text.")
    c.general_feedback = _text(c.general_feedback, "The general feedback", TEXT_MAX)
    c.tags = _tags(c.tags)
    c.points = _number(c.points, "The points")
    if not 0 < c.points <= POINTS_MAX:
        raise Invalid(f"The points must be more than 0 and at most {POINTS_MAX}.")
    _CHECKS[c.type](c)
    return c


def _text(value: Any, what: str, limit: int, required: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text.")
    value = value.strip()
    if required and not value:
        raise Invalid(required)
    if len(value) > limit:
        raise Invalid(f"{what} is too long: {len(value):,} characters, at most {limit:,}.")
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Invalid(f"{what} must be a number.")
    return float(value)


def _fraction(value: Any, what: str, lowest: float = -1.0) -> float:
    fraction = _number(value, f"The fraction of {what}")
    if not lowest <= fraction <= 1:
        raise Invalid(f"The fraction of {what} must be between {lowest:g} and 1 (100%).")
    return fraction


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{what} must be yes or no.")
    return value


def _list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise Invalid(f"{what} must be a list.")
    return value


def _distinct(texts: list[str], message: str) -> None:
    """Raise `message` (formatted with the two positions) when two texts read the same."""
    seen: dict[str, int] = {}
    for i, text in enumerate(texts, 1):
        key = answer_key(text)
        if key in seen:
            raise Invalid(message.format(seen[key], i))
        seen[key] = i


def _tags(tags: Any) -> list[str]:
    cleaned: dict[str, str] = {}
    for tag in _list(tags, "Tags"):
        if not isinstance(tag, str):
            raise Invalid("Tags must be text.")
        tag = normalize_text(tag)
        if len(tag) > TAG_MAX:
            raise Invalid(f'The tag "{tag[:30]}…" is too long: at most {TAG_MAX} characters.')
        if tag:
            cleaned.setdefault(tag.casefold(), tag)
    return list(cleaned.values())


def _choices(q: Question, lowest: float) -> None:
    if len(_list(q.choices, "Choices")) < 2:
        raise Invalid("Give the question at least two choices.")
    for i, ch in enumerate(q.choices, 1):
        ch.text = _text(ch.text, f"Choice {i}", OPTION_MAX, required=f"Choice {i} has no text.")
        ch.fraction = _fraction(ch.fraction, f"choice {i}", lowest)
        ch.feedback = _text(ch.feedback, f"The feedback of choice {i}", OPTION_MAX)
    _distinct([ch.text for ch in q.choices], "Choices {} and {} are the same.")
    q.shuffle_choices = _flag(q.shuffle_choices, "Shuffle choices")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _text_answers(answers: Any, where: str, none: str, no_right: str) -> None:
    """Check the accepted answers of a short-answer question or of one blank; `where` prefixes
    what is named in messages (e.g. "Blank 2, ")."""
    if not _list(answers, _first_upper(f"{where}answers")):
        raise Invalid(none)
    for i, a in enumerate(answers, 1):
        name = f"{where}answer {i}"
        a.text = _text(a.text, _first_upper(name), OPTION_MAX, required=f"{_first_upper(name)} has no text.")
        a.fraction = _fraction(a.fraction, _first_lower(name))
        a.feedback = _text(a.feedback, f"The feedback of {_first_lower(name)}", OPTION_MAX)
    if not any(is_full(a.fraction) for a in answers):
        raise Invalid(no_right)


def _check_single(q: Question) -> None:
    _choices(q, lowest=0.0)
    if not any(is_full(ch.fraction) for ch in q.choices):
        raise Invalid("Mark one choice as right (100%).")


def _check_multiple(q: Question) -> None:
    _choices(q, lowest=-1.0)
    if q.partial_credit not in PARTIAL_CREDIT_RULES:
        raise Invalid(f'Unknown partial credit rule "{q.partial_credit}": use one of {", ".join(PARTIAL_CREDIT_RULES)}.')
    right = [ch.fraction for ch in q.choices if ch.fraction > 0]
    if not right:
        raise Invalid("Mark at least one choice as right.")
    if q.partial_credit == "weights" and abs(sum(right) - 1.0) > WEIGHT_TOLERANCE:
        raise Invalid(f"The right choices' fractions must add up to 100%; they add up to {sum(right):.1%}.")


def _check_true_false(q: Question) -> None:
    q.correct = _flag(q.correct, "The right answer")
    q.feedback_true = _text(q.feedback_true, 'The feedback for "true"', OPTION_MAX)
    q.feedback_false = _text(q.feedback_false, 'The feedback for "false"', OPTION_MAX)


def _check_short_answer(q: Question) -> None:
    q.case_sensitive = _flag(q.case_sensitive, "Case sensitive")
    _text_answers(q.answers, "", "Give the question at least one accepted answer.", "Mark one answer as right (100%).")


def _check_numeric(q: Question) -> None:
    if not _list(q.numeric_answers, "Answers"):
        raise Invalid("Give the question at least one accepted number.")
    for i, a in enumerate(q.numeric_answers, 1):
        a.value = _number(a.value, f"The value of answer {i}")
        a.tolerance = _number(a.tolerance, f"The tolerance of answer {i}")
        if a.tolerance < 0:
            raise Invalid(f"The tolerance of answer {i} can't be negative.")
        a.fraction = _fraction(a.fraction, f"answer {i}")
        a.feedback = _text(a.feedback, f"The feedback of answer {i}", OPTION_MAX)
    if not any(is_full(a.fraction) for a in q.numeric_answers):
        raise Invalid("Mark one answer as right (100%).")
    names: set[str] = set()
    for i, u in enumerate(_list(q.units, "Units"), 1):
        u.name = normalize_text(_text(u.name, f"Unit {i}", OPTION_MAX, required=f"Unit {i} has no name."))
        if u.name[0] in NUMBER_CHARS:
            raise Invalid(f'The unit "{u.name}" can\'t start with a digit, a sign, a dot or a comma.')
        if u.name in names:
            raise Invalid(f'The unit "{u.name}" is listed twice.')
        names.add(u.name)
        u.multiplier = _number(u.multiplier, f'The multiplier of unit "{u.name}"')
        if u.multiplier <= 0:
            raise Invalid(f'The multiplier of unit "{u.name}" must be more than 0.')
    q.unit_required = _flag(q.unit_required, "Unit required")
    if q.unit_required and not q.units:
        raise Invalid("Add the units learners may write, or don't require a unit.")


def _check_matching(q: Question) -> None:
    if len(_list(q.pairs, "Pairs")) < 2:
        raise Invalid("Give the question at least two pairs.")
    for i, p in enumerate(q.pairs, 1):
        p.prompt = _text(p.prompt, f"The prompt of pair {i}", OPTION_MAX, required=f"Pair {i} has no prompt.")
        p.answer = _text(p.answer, f"The answer of pair {i}", OPTION_MAX, required=f"Pair {i} has no answer.")
    _distinct([p.prompt for p in q.pairs], "Pairs {} and {} have the same prompt.")
    if len({answer_key(p.answer) for p in q.pairs}) < 2:
        raise Invalid("Give the pairs at least two different answers.")


def _check_ordering(q: Question) -> None:
    if len(_list(q.items, "Items")) < 2:
        raise Invalid("Give the question at least two items to order.")
    q.items = [_text(item, f"Item {i}", OPTION_MAX, required=f"Item {i} has no text.") for i, item in enumerate(q.items, 1)]
    _distinct(q.items, "Items {} and {} are the same.")


def _check_fill_blanks(q: Question) -> None:
    q.case_sensitive = _flag(q.case_sensitive, "Case sensitive")
    count = len(_list(q.blanks, "Blanks"))
    if not count:
        raise Invalid(f"Add at least one blank and put {BLANK.format(n=1)} in the text where it goes.")
    seen: set[int] = set()
    for match in _MARKER.finditer(q.text):
        raw = match.group(0)
        n = int(match.group(1))
        if n == 0 or raw != BLANK.format(n=n):
            raise Invalid(f"{raw} is not a blank marker: blanks are numbered {BLANK.format(n=1)}, {BLANK.format(n=2)}, …")
        if n > count:
            raise Invalid(f"The text has {raw} but the question has only {count} blank{'s' if count > 1 else ''}.")
        if n in seen:
            raise Invalid(f"Blank {n} appears twice in the text.")
        seen.add(n)
    for n, blank in enumerate(q.blanks, 1):
        if n not in seen:
            raise Invalid(f"Blank {n} is not in the text: put {BLANK.format(n=n)} where it goes.")
        _text_answers(blank.answers, f"Blank {n}, ", f"Blank {n} has no answer.", f"Blank {n} has no right answer.")


def _check_essay(q: Question) -> None:
    q.answer_template = _text(q.answer_template, "The answer template", TEXT_MAX)


def _check_file_upload(q: Question) -> None:
    kinds: list[str] = []
    for part in _text(q.accepted_files, "The accepted files", OPTION_MAX).split(","):
        kind = part.strip().lower()
        if not kind:
            continue
        kind = kind if kind.startswith(".") else f".{kind}"
        if not _FILE_TYPE.fullmatch(kind):
            raise Invalid(f'"{part.strip()}" is not a file type: write extensions such as .pdf, .docx.')
        if kind not in kinds:
            kinds.append(kind)
    q.accepted_files = ",".join(kinds)


_CHECKS = {
    "single": _check_single,
    "multiple": _check_multiple,
    "true_false": _check_true_false,
    "short_answer": _check_short_answer,
    "numeric": _check_numeric,
    "matching": _check_matching,
    "ordering": _check_ordering,
    "fill_blanks": _check_fill_blanks,
    "essay": _check_essay,
    "file_upload": _check_file_upload,
}
