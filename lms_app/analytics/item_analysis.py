"""Quiz item analysis: how each question of a quiz behaved across the graded attempts.

Definitions (classical test theory, on attempts, not on learners):

- Facility: the mean fraction of the question's points earned (partial credit counts), from
  0 (nobody) to 1 (everybody). "Share correct".
- Upper and lower groups: the quiz's graded attempts ranked by their score; the top
  UPPER_LOWER_PERCENT % form the upper group, the bottom as many the lower group
  (`group_size`: the share rounded half up; ties keep the earlier attempt higher).
- Discrimination: facility in the upper group minus facility in the lower group, from -1 to
  1. Near 0: the question does not separate strong from weak attempts; negative: weak
  attempts do better than strong ones, often a wrong key. Only when both groups answered it.
- Most chosen wrong answer (choice and true/false questions): the option picked most often
  where it earns no full credit, with how many times.

Flags, only from MIN_ANSWERS_FOR_FLAGS answers on (fewer say too little):
- too easy: facility above TOO_EASY;
- too hard: facility below TOO_HARD;
- possibly miskeyed: discrimination at or below MISKEY_DISCRIMINATION, or one wrong option
  chosen more often than the question was answered fully right.

Pure: the service aggregates the answers in SQL (counts and sums per question and group)
and brings these tallies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

UPPER_LOWER_PERCENT = 27
TOO_EASY = 0.90
TOO_HARD = 0.30
MISKEY_DISCRIMINATION = -0.20
MIN_ANSWERS_FOR_FLAGS = 5

TOO_EASY_FLAG, TOO_HARD_FLAG, MISKEYED_FLAG = "Too easy", "Too hard", "Possibly miskeyed"
CHOICE_TYPES = ("single", "multiple", "true_false")


def group_size(attempts: int) -> int:
    """How many attempts form the upper (and the lower) group: 27 % rounded half up. The
    service's SQL computes the same in integers: (n * 27 + 50) / 100."""
    return (attempts * UPPER_LOWER_PERCENT + 50) // 100


@dataclass
class QuestionTally:
    """One question of one quiz, aggregated over its graded answers."""

    key: int  # the bank question's id
    title: str
    type: str
    answered: int = 0
    credit: float = 0.0  # sum of the answers' fractions
    full_credit: int = 0  # answers that earned all the points
    upper_answered: int = 0
    upper_credit: float = 0.0
    lower_answered: int = 0
    lower_credit: float = 0.0
    wrong_choices: dict[str, int] = field(default_factory=dict)  # option's text -> times chosen without full credit


@dataclass(frozen=True)
class ItemResult:
    key: int
    title: str
    type: str
    answered: int
    facility: float | None
    discrimination: float | None
    most_wrong: str  # "" when none (or not a choice question)
    most_wrong_count: int
    flags: tuple[str, ...]


def analyse(tally: QuestionTally) -> ItemResult:
    facility = tally.credit / tally.answered if tally.answered else None
    discrimination = None
    if tally.upper_answered and tally.lower_answered:
        discrimination = tally.upper_credit / tally.upper_answered - tally.lower_credit / tally.lower_answered
    most_wrong, most_wrong_count = "", 0
    for text, count in sorted(tally.wrong_choices.items(), key=lambda kv: (-kv[1], kv[0])):
        most_wrong, most_wrong_count = text, count
        break
    flags: list[str] = []
    if facility is not None and tally.answered >= MIN_ANSWERS_FOR_FLAGS:
        if facility > TOO_EASY:
            flags.append(TOO_EASY_FLAG)
        elif facility < TOO_HARD:
            flags.append(TOO_HARD_FLAG)
        if (discrimination is not None and discrimination <= MISKEY_DISCRIMINATION + 1e-9) or most_wrong_count > tally.full_credit:
            flags.append(MISKEYED_FLAG)
    return ItemResult(tally.key, tally.title, tally.type, tally.answered, facility, discrimination, most_wrong, most_wrong_count,
                      tuple(flags))


def _index(value: Any, count: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count else None


def wrong_choices(question: dict[str, Any], responses: Iterable[tuple[Any, int]]) -> dict[str, int]:
    """Option text -> times chosen without full credit, from (response, count) pairs of the
    answers that did not earn full credit. A response is the stored JSON (or its text): an
    option's index (single), a list of indexes (multiple: each ticked option worth nothing
    counts), True/False (true/false)."""
    qtype = question.get("type")
    choices = question.get("choices") or []
    out: dict[str, int] = {}

    def add(text: str, count: int) -> None:
        if text:
            out[text] = out.get(text, 0) + int(count)

    for response, count in responses:
        if isinstance(response, str):
            try:
                response = json.loads(response)
            except ValueError:
                continue
        if qtype == "single":
            i = _index(response, len(choices))
            if i is not None and float(choices[i].get("fraction", 0)) < 1.0:
                add(str(choices[i].get("text", "")), count)
        elif qtype == "multiple" and isinstance(response, list):
            for value in set(v for v in response if _index(v, len(choices)) is not None):
                if float(choices[value].get("fraction", 0)) <= 0:
                    add(str(choices[value].get("text", "")), count)
        elif qtype == "true_false" and isinstance(response, bool):
            if response != bool(question.get("correct", True)):
                add("True" if response else "False", count)
    return out
