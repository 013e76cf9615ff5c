"""Quiz item analysis on hand-made tallies: facility, discrimination, the most chosen wrong
answer and the flags at their thresholds."""

from __future__ import annotations

import pytest

from lms_app.analytics import item_analysis as ia
from lms_app.analytics.item_analysis import QuestionTally, analyse, group_size, wrong_choices

SINGLE = {"type": "single", "title": "Capital", "choices": [{"text": "Paris", "fraction": 1.0}, {"text": "Lyon", "fraction": 0.0},
                                                             {"text": "Nice", "fraction": 0.0}]}


@pytest.mark.parametrize("attempts,size", [(0, 0), (1, 0), (2, 1), (4, 1), (5, 1), (6, 2), (10, 3), (100, 27), (13, 4)])
def test_upper_and_lower_groups_are_27_percent_rounded_half_up(attempts, size):
    assert group_size(attempts) == size


def test_facility_is_the_mean_fraction_and_discrimination_upper_minus_lower():
    # 10 answers worth 6.5 points in all; the upper 3 earned 3, the lower 3 earned 0.5.
    tally = QuestionTally(1, "Q", "multiple", answered=10, credit=6.5, full_credit=6, upper_answered=3, upper_credit=3.0,
                          lower_answered=3, lower_credit=0.5)
    result = analyse(tally)
    assert result.facility == pytest.approx(0.65)
    assert result.discrimination == pytest.approx(1.0 - 0.5 / 3)
    assert result.flags == ()


def test_no_discrimination_without_both_groups():
    result = analyse(QuestionTally(1, "Q", "single", answered=1, credit=1.0, full_credit=1, upper_answered=1, upper_credit=1.0))
    assert (result.facility, result.discrimination) == (1.0, None)


def test_no_answers_no_facility():
    assert analyse(QuestionTally(1, "Q", "essay")).facility is None


@pytest.mark.parametrize("credit,flags", [
    (9.1, ("Too easy",)),   # 91 %: above 90 %
    (9.0, ()),              # 90 % exactly is not "too easy"
    (3.0, ()),              # 30 % exactly is not "too hard"
    (2.9, ("Too hard",)),   # 29 %
])
def test_too_easy_and_too_hard_thresholds(credit, flags):
    tally = QuestionTally(1, "Q", "short_answer", answered=10, credit=credit, full_credit=int(credit), upper_answered=3,
                          upper_credit=3.0 * credit / 10, lower_answered=3, lower_credit=3.0 * credit / 10 - 0.3)
    assert analyse(tally).flags == flags


def test_flags_need_enough_answers():
    few = QuestionTally(1, "Q", "single", answered=ia.MIN_ANSWERS_FOR_FLAGS - 1, credit=4.0, full_credit=4)
    assert analyse(few).flags == ()
    enough = QuestionTally(1, "Q", "single", answered=ia.MIN_ANSWERS_FOR_FLAGS, credit=5.0, full_credit=5)
    assert analyse(enough).flags == ("Too easy",)


def test_negative_discrimination_at_the_threshold_flags_a_possible_miskey():
    # Upper group 1 of 5 right (0.2), lower group 2 of 5 (0.4): -0.2, at the threshold.
    at = QuestionTally(1, "Q", "single", answered=20, credit=10.0, full_credit=10, upper_answered=5, upper_credit=1.0,
                       lower_answered=5, lower_credit=2.0)
    assert analyse(at).discrimination == pytest.approx(-0.2)
    assert analyse(at).flags == ("Possibly miskeyed",)
    # -0.1 is weak but not a miskey.
    weak = QuestionTally(1, "Q", "single", answered=20, credit=10.0, full_credit=10, upper_answered=10, upper_credit=4.0,
                         lower_answered=10, lower_credit=5.0)
    assert analyse(weak).flags == ()


def test_a_wrong_option_chosen_more_often_than_the_key_flags_a_possible_miskey():
    tally = QuestionTally(1, "Capital", "single", answered=10, credit=4.0, full_credit=4, upper_answered=3, upper_credit=2.0,
                          lower_answered=3, lower_credit=1.0, wrong_choices={"Lyon": 5, "Nice": 1})
    result = analyse(tally)
    assert (result.most_wrong, result.most_wrong_count) == ("Lyon", 5)
    assert result.flags == ("Possibly miskeyed",)
    # As often as the key: not flagged.
    tally.wrong_choices = {"Lyon": 4, "Nice": 2}
    assert analyse(tally).flags == ()


def test_too_hard_and_miskeyed_together():
    tally = QuestionTally(1, "Q", "single", answered=10, credit=1.0, full_credit=1, upper_answered=3, upper_credit=0.0,
                          lower_answered=3, lower_credit=1.0, wrong_choices={"Lyon": 8})
    assert analyse(tally).flags == ("Too hard", "Possibly miskeyed")


def test_wrong_choices_of_a_single_choice_question_by_option_text():
    # Responses as stored (JSON text) or as values; the right answer never counts as wrong.
    assert wrong_choices(SINGLE, [("1", 4), (2, 1), ("0", 3), ("null", 2), ("7", 1)]) == {"Lyon": 4, "Nice": 1}


def test_wrong_choices_of_multiple_choice_count_each_ticked_option_worth_nothing():
    question = {"type": "multiple", "choices": [{"text": "Wool", "fraction": 0.5}, {"text": "Cotton", "fraction": -0.5},
                                                {"text": "Down", "fraction": 0.5}, {"text": "Denim", "fraction": 0.0}]}
    assert wrong_choices(question, [("[0, 1]", 3), ("[1, 3]", 2), ([0], 4)]) == {"Cotton": 5, "Denim": 2}


def test_wrong_choices_of_true_false():
    question = {"type": "true_false", "correct": False}
    assert wrong_choices(question, [("true", 6), ("false", 2)]) == {"True": 6}


def test_other_question_types_have_no_wrong_choices():
    assert wrong_choices({"type": "short_answer"}, [('"Rome"', 3)]) == {}


def test_ties_between_wrong_options_go_to_the_first_in_alphabetical_order():
    result = analyse(QuestionTally(1, "Q", "single", answered=4, credit=2.0, full_credit=2, wrong_choices={"Nice": 1, "Lyon": 1}))
    assert (result.most_wrong, result.most_wrong_count) == ("Lyon", 1)
