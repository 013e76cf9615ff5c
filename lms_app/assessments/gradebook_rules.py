"""The course total, computed from grade items, their entries, the categories and the letter
scale: pure (no database), so the gradebook grid, the learner's page, the exports and the API
all call `course_total` and say the same thing.

The rules, as a teacher would read them:

- An item's effective points are the override when one is set, else the points.
- An item with no effective points is "not yet graded": it neither counts nor is dropped.
- A category's percent is sum(points) / sum(max points) over its counted items, after its
  `drop_lowest` lowest items (by percent; ties: the item listed first is dropped first) are
  dropped. Extra-credit items are never dropped and add their points without adding their
  max points. At least one graded non-extra-credit item is always kept, so dropping never
  leaves a category empty. A category with no graded non-extra-credit item has no percent
  (its extra credit waits until something in it is graded).
- Items outside any category form one implicit category, "Uncategorized".
- Weighting: when no category has a positive weight, the course total is plain points
  (every counted point over every counted max point, drops applied per category). When some
  category has a positive weight, the implicit "Uncategorized" category weighs what is left
  of 100 % (never below 0), a category with weight 0 does not count, and the weights are
  normalized over the categories that have a percent (at least one graded item), so a
  category with nothing graded yet does not pull the total down.
- Hidden items are left out of what the learner sees (`include_hidden=False`); staff see
  both figures.
- The letter is the scale's letter with the highest `min_percent` at or below the percent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

UNCATEGORIZED = "Uncategorized"
DEFAULT_SCALE: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 80.0), ("C", 70.0), ("D", 60.0), ("F", 0.0))
MAX_LETTERS = 20


@dataclass(frozen=True)
class RuleCategory:
    id: int
    name: str
    weight: float = 0.0  # percent of the course total
    drop_lowest: int = 0


@dataclass(frozen=True)
class RuleItem:
    id: int
    max_points: float
    category_id: int | None = None
    extra_credit: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class Score:
    """A cell: the points from the activity (or typed in) and an override, either may be None."""

    points: float | None = None
    override: float | None = None

    @property
    def effective(self) -> float | None:
        return effective_points(self.points, self.override)


@dataclass
class CategoryTotal:
    id: int | None  # None: the implicit "Uncategorized"
    name: str
    weight: float  # the category's weight as set (the remainder for "Uncategorized")
    share: float  # its share of the course total as used (normalized), 0 when it does not count
    earned: float  # counted points, extra credit included
    possible: float  # counted max points (extra credit excluded)
    percent: float | None  # None: nothing graded yet
    counted: list[int] = field(default_factory=list)  # item ids that count
    dropped: list[int] = field(default_factory=list)  # item ids dropped as lowest
    pending: list[int] = field(default_factory=list)  # item ids not graded yet


@dataclass
class Total:
    percent: float | None  # None: nothing graded yet
    letter: str  # "" when there is no percent
    categories: list[CategoryTotal]
    weighted: bool

    @property
    def dropped(self) -> set[int]:
        return {i for c in self.categories for i in c.dropped}


def effective_points(points: float | None, override: float | None) -> float | None:
    """The override when one is set, else the points."""
    return override if override is not None else points


def letter_for(percent: float | None, scale: Iterable[tuple[str, float]] | None = None) -> str:
    """The letter with the highest min_percent at or below `percent` ("" without a percent or
    when the percent is below every step of the scale)."""
    if percent is None:
        return ""
    steps = sorted(scale if scale is not None else DEFAULT_SCALE, key=lambda s: s[1], reverse=True)
    for letter, minimum in steps:
        if percent + 1e-9 >= minimum:
            return letter
    return ""


def normalize_scale(letters: Iterable[Mapping | tuple]) -> list[tuple[str, float]]:
    """A letter scale checked and sorted highest first; ValueError saying what is wrong.
    Accepts [{"letter", "min_percent"}] or [(letter, min_percent)]."""
    steps: list[tuple[str, float]] = []
    for raw in letters:
        letter, minimum = (raw.get("letter"), raw.get("min_percent")) if isinstance(raw, Mapping) else raw
        letter = str(letter or "").strip()
        if not letter:
            raise ValueError("Every step of the scale needs a letter.")
        if len(letter) > 20:
            raise ValueError(f"“{letter}” is too long for a letter (at most 20 characters).")
        try:
            minimum = float(minimum)
        except (TypeError, ValueError):
            raise ValueError(f"The minimum percent of {letter} must be a number.") from None
        if minimum != minimum or not 0 <= minimum <= 1000:
            raise ValueError(f"The minimum percent of {letter} must be between 0 and 1000.")
        steps.append((letter, minimum))
    if not steps:
        raise ValueError("The scale needs at least one letter.")
    if len(steps) > MAX_LETTERS:
        raise ValueError(f"The scale can have at most {MAX_LETTERS} letters.")
    letters_seen = [s[0] for s in steps]
    twice = sorted({x for x in letters_seen if letters_seen.count(x) > 1})
    if twice:
        raise ValueError(f"The letter {', '.join(twice)} appears twice.")
    minimums = [s[1] for s in steps]
    if len(set(minimums)) != len(minimums):
        raise ValueError("Two letters have the same minimum percent.")
    steps.sort(key=lambda s: s[1], reverse=True)
    if steps[-1][1] != 0:
        raise ValueError("The lowest letter must start at 0 % so every total gets a letter.")
    return steps


def _category_total(cat_id: int | None, name: str, weight: float, drop: int, items: list[RuleItem],
                    scores: Mapping[int, Score | float | None]) -> CategoryTotal:
    graded: list[tuple[RuleItem, float]] = []
    bonus: list[tuple[RuleItem, float]] = []
    pending: list[int] = []
    for item in items:
        value = _value(scores.get(item.id))
        if value is None:
            pending.append(item.id)
        elif item.extra_credit or item.max_points <= 0:
            bonus.append((item, value))
        else:
            graded.append((item, value))
    dropped: list[int] = []
    if drop > 0 and len(graded) > 1:
        order = sorted(range(len(graded)), key=lambda i: (graded[i][1] / graded[i][0].max_points, i))
        gone = set(order[: min(drop, len(graded) - 1)])
        dropped = [graded[i][0].id for i in sorted(gone)]
        graded = [g for i, g in enumerate(graded) if i not in gone]
    earned = sum(v for _, v in graded) + sum(v for _, v in bonus)
    possible = sum(item.max_points for item, _ in graded)
    percent = earned / possible * 100 if possible > 0 else None
    return CategoryTotal(cat_id, name, weight, 0.0, earned, possible, percent,
                         [i.id for i, _ in graded] + [i.id for i, _ in bonus], dropped, pending)


def _value(score: Score | float | None) -> float | None:
    if score is None or score.__class__ is float:
        return score
    if isinstance(score, Score):
        return score.override if score.override is not None else score.points
    return float(score)


def course_total(items: Iterable[RuleItem], scores: Mapping[int, Score | float | None],
                 categories: Iterable[RuleCategory] = (), scale: Iterable[tuple[str, float]] | None = None,
                 *, include_hidden: bool = True) -> Total:
    """The course total of one enrollment. `scores` maps item id to a Score (or to effective
    points directly); a missing key is "not yet graded". `include_hidden=False` is what the
    learner sees."""
    items = [i for i in items if include_hidden or not i.hidden]
    cats = list(categories)
    known = {c.id for c in cats}
    by_cat: dict[int | None, list[RuleItem]] = {c.id: [] for c in cats}
    loose: list[RuleItem] = []
    for item in items:
        if item.category_id in known:
            by_cat[item.category_id].append(item)
        else:
            loose.append(item)
    weighted = any(c.weight > 0 for c in cats)
    totals = [_category_total(c.id, c.name, max(0.0, c.weight), max(0, c.drop_lowest), by_cat[c.id], scores) for c in cats]
    if loose:
        rest = max(0.0, 100.0 - sum(max(0.0, c.weight) for c in cats)) if weighted else 0.0
        totals.append(_category_total(None, UNCATEGORIZED, rest, 0, loose, scores))

    percent: float | None
    if weighted:
        counting = [t for t in totals if t.percent is not None and t.weight > 0]
        weight_sum = sum(t.weight for t in counting)
        for t in counting:
            t.share = t.weight / weight_sum * 100
        percent = sum(t.percent * t.weight for t in counting) / weight_sum if counting else None
    else:
        counting = [t for t in totals if t.percent is not None]
        possible = sum(t.possible for t in counting)
        for t in counting:
            t.share = t.possible / possible * 100
        percent = sum(t.earned for t in counting) / possible * 100 if possible > 0 else None
    if percent is not None:
        percent = round(percent, 4)
    return Total(percent, letter_for(percent, scale), totals, weighted)
