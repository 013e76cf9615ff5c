"""The course total rules (lms_app/assessments/gradebook_rules.py): weights, drops, extra credit,
overrides, hidden items, missing grades and the letter scale."""

from __future__ import annotations

import pytest

from lms_app.assessments.gradebook_rules import (
    DEFAULT_SCALE, UNCATEGORIZED, RuleCategory, RuleItem, Score, course_total, effective_points, letter_for,
    normalize_scale,
)

QUIZZES = RuleCategory(1, "Quizzes", weight=40, drop_lowest=1)
ESSAYS = RuleCategory(2, "Essays", weight=60)


def item(id, max_points=10.0, cat=None, ec=False, hidden=False):
    return RuleItem(id, max_points, cat, ec, hidden)


def test_effective_points_prefers_the_override():
    assert effective_points(5, None) == 5
    assert effective_points(5, 8) == 8
    assert effective_points(None, 0) == 0
    assert effective_points(None, None) is None
    assert Score(3, 7).effective == 7 and Score(3, None).effective == 3


def test_plain_points_without_weights():
    total = course_total([item(1, 10), item(2, 30)], {1: 5, 2: 30})
    assert total.percent == pytest.approx(87.5) and total.letter == "B" and not total.weighted
    assert [c.name for c in total.categories] == [UNCATEGORIZED]


def test_weighted_categories():
    items = [item(1, 10, 1), item(2, 10, 1), item(3, 100, 2)]
    total = course_total(items, {1: 10, 2: 5, 3: 50}, [RuleCategory(1, "Quizzes", 40), ESSAYS])
    # quizzes 75 %, essays 50 %: 0.4 * 75 + 0.6 * 50 = 60
    assert total.percent == pytest.approx(60) and total.letter == "D" and total.weighted
    shares = {c.name: c.share for c in total.categories}
    assert shares == {"Quizzes": pytest.approx(40), "Essays": pytest.approx(60)}


def test_weights_are_normalized_over_categories_with_grades():
    items = [item(1, 10, 1), item(3, 100, 2)]
    total = course_total(items, {1: 8}, [RuleCategory(1, "Quizzes", 40), ESSAYS])
    # Essays have nothing graded yet: the quizzes alone make the total.
    assert total.percent == pytest.approx(80)
    essays = next(c for c in total.categories if c.name == "Essays")
    assert essays.percent is None and essays.share == 0 and essays.pending == [3]


def test_drop_lowest_by_percent_not_points():
    # 2/4 = 50 % is lower than 6/10 = 60 % although it lost fewer points.
    items = [item(1, 4, 1), item(2, 10, 1), item(3, 10, 1)]
    total = course_total(items, {1: 2, 2: 6, 3: 10}, [QUIZZES])
    quizzes = total.categories[0]
    assert quizzes.dropped == [1] and quizzes.percent == pytest.approx(80)


def test_drop_never_empties_a_category_and_skips_missing_grades():
    items = [item(1, 10, 1), item(2, 10, 1), item(3, 10, 1)]
    cat = RuleCategory(1, "Quizzes", 100, drop_lowest=5)
    total = course_total(items, {1: 3, 2: 9}, [cat])
    quizzes = total.categories[0]
    # Item 3 is not graded: neither counted nor dropped; one graded item is always kept.
    assert quizzes.pending == [3] and quizzes.dropped == [1] and quizzes.percent == pytest.approx(90)


def test_drop_ties_drop_the_first_listed():
    items = [item(1, 10, 1), item(2, 10, 1), item(3, 10, 1)]
    total = course_total(items, {1: 5, 2: 5, 3: 9}, [QUIZZES])
    assert total.categories[0].dropped == [1]


def test_extra_credit_adds_points_not_max_and_is_never_dropped():
    items = [item(1, 10, 1), item(2, 10, 1), item(9, 5, 1, ec=True)]
    total = course_total(items, {1: 8, 2: 6, 9: 0}, [RuleCategory(1, "Quizzes", 100, drop_lowest=1)])
    quizzes = total.categories[0]
    # The extra credit (0 %) is not dropped; item 2 (60 %) is.
    assert quizzes.dropped == [2] and quizzes.possible == 10 and quizzes.percent == pytest.approx(80)
    bonus = course_total(items, {1: 8, 2: 6, 9: 5}, [RuleCategory(1, "Quizzes", 100)])
    assert bonus.categories[0].possible == 20 and bonus.percent == pytest.approx(95)


def test_extra_credit_can_pass_one_hundred_percent():
    total = course_total([item(1, 10), item(2, 10, ec=True)], {1: 10, 2: 5})
    assert total.percent == pytest.approx(150) and total.letter == "A"


def test_extra_credit_alone_waits_for_a_graded_item():
    total = course_total([item(1, 10), item(2, 10, ec=True)], {2: 5})
    assert total.percent is None and total.letter == ""


def test_overrides_count_instead_of_points():
    total = course_total([item(1, 10), item(2, 10)], {1: Score(2, 9), 2: Score(None, 7)})
    assert total.percent == pytest.approx(80)
    cleared = course_total([item(1, 10)], {1: Score(2, None)})
    assert cleared.percent == pytest.approx(20)


def test_an_override_of_zero_counts_as_a_grade():
    total = course_total([item(1, 10), item(2, 10)], {1: Score(None, 0), 2: 10})
    assert total.percent == pytest.approx(50)


def test_all_missing_gives_no_total():
    total = course_total([item(1), item(2)], {}, [QUIZZES])
    assert total.percent is None and total.letter == ""
    assert all(c.percent is None for c in total.categories)


def test_no_items_at_all():
    total = course_total([], {}, [QUIZZES, ESSAYS])
    assert total.percent is None and [c.percent for c in total.categories] == [None, None]


def test_empty_category_with_weight_does_not_count():
    total = course_total([item(1, 10, 1)], {1: 7}, [RuleCategory(1, "Quizzes", 30), RuleCategory(2, "Labs", 70)])
    assert total.percent == pytest.approx(70)


def test_zero_weight_category_does_not_count_when_others_are_weighted():
    items = [item(1, 10, 1), item(2, 10, 2)]
    total = course_total(items, {1: 10, 2: 0}, [RuleCategory(1, "Quizzes", 50), RuleCategory(2, "Practice", 0)])
    assert total.percent == pytest.approx(100)
    practice = next(c for c in total.categories if c.name == "Practice")
    assert practice.percent == 0 and practice.share == 0


def test_all_zero_weights_mean_plain_points():
    items = [item(1, 10, 1), item(2, 30, 2)]
    total = course_total(items, {1: 10, 2: 0}, [RuleCategory(1, "A", 0), RuleCategory(2, "B", 0)])
    assert total.percent == pytest.approx(25) and not total.weighted


def test_only_zero_weight_graded_categories_give_no_weighted_total():
    items = [item(1, 10, 1), item(2, 10, 2)]
    total = course_total(items, {2: 10}, [RuleCategory(1, "Quizzes", 100), RuleCategory(2, "Practice", 0)])
    assert total.percent is None


def test_uncategorized_items_weigh_the_remainder():
    items = [item(1, 10, 1), item(2, 10)]
    total = course_total(items, {1: 10, 2: 0}, [RuleCategory(1, "Quizzes", 75)])
    # Uncategorized weighs 25: 0.75 * 100 + 0.25 * 0
    assert total.percent == pytest.approx(75)
    loose = next(c for c in total.categories if c.id is None)
    assert loose.name == UNCATEGORIZED and loose.weight == 25


def test_uncategorized_weighs_nothing_when_categories_take_everything():
    items = [item(1, 10, 1), item(2, 10)]
    total = course_total(items, {1: 10, 2: 0}, [RuleCategory(1, "Quizzes", 100)])
    assert total.percent == pytest.approx(100)


def test_items_of_an_unknown_category_are_uncategorized():
    total = course_total([item(1, 10, cat=99)], {1: 5})
    assert total.categories[0].name == UNCATEGORIZED and total.percent == pytest.approx(50)


def test_hidden_items_are_left_out_of_the_learners_total_only():
    items = [item(1, 10), item(2, 10, hidden=True)]
    scores = {1: 10, 2: 0}
    assert course_total(items, scores).percent == pytest.approx(50)
    learner = course_total(items, scores, include_hidden=False)
    assert learner.percent == pytest.approx(100)
    assert 2 not in learner.categories[0].counted + learner.categories[0].pending


def test_hidden_items_do_not_pend_for_the_learner():
    learner = course_total([item(1, 10), item(2, 10, hidden=True)], {1: 4}, include_hidden=False)
    assert learner.categories[0].pending == []


def test_max_points_zero_is_treated_as_bonus():
    total = course_total([item(1, 10), item(2, 0)], {1: 5, 2: 1})
    assert total.percent == pytest.approx(60)


def test_negative_weights_count_as_zero():
    items = [item(1, 10, 1), item(2, 10, 2)]
    total = course_total(items, {1: 10, 2: 0}, [RuleCategory(1, "A", 50), RuleCategory(2, "B", -20)])
    assert total.percent == pytest.approx(100)


@pytest.mark.parametrize("percent,letter", [(100, "A"), (90, "A"), (89.999, "B"), (80, "B"), (70, "C"), (60, "D"), (59.9, "F"), (0, "F"), (None, "")])
def test_default_letters(percent, letter):
    assert letter_for(percent) == letter


def test_letters_from_a_custom_scale_in_any_order():
    scale = [("Pass", 50), ("Distinction", 85), ("Fail", 0)]
    assert letter_for(86, scale) == "Distinction" and letter_for(50, scale) == "Pass" and letter_for(10, scale) == "Fail"
    total = course_total([item(1, 10)], {1: 9}, scale=scale)
    assert total.letter == "Distinction"


def test_below_every_step_has_no_letter():
    assert letter_for(5, [("P", 50), ("F", 10)]) == ""


def test_normalize_scale_sorts_and_checks():
    assert normalize_scale([{"letter": "F", "min_percent": 0}, {"letter": "A", "min_percent": "90"}]) == [("A", 90.0), ("F", 0.0)]
    assert normalize_scale(DEFAULT_SCALE) == list(DEFAULT_SCALE)


@pytest.mark.parametrize("letters,message", [
    ([], "at least one"),
    ([("", 0)], "needs a letter"),
    ([("A", "x"), ("F", 0)], "must be a number"),
    ([("A", -1), ("F", 0)], "between 0 and 1000"),
    ([("A", 90), ("A", 0)], "appears twice"),
    ([("A", 50), ("B", 50), ("F", 0)], "same minimum"),
    ([("A", 90), ("F", 10)], "start at 0"),
    ([("X" * 21, 0)], "too long"),
])
def test_normalize_scale_refuses(letters, message):
    with pytest.raises(ValueError, match=message):
        normalize_scale(letters)
