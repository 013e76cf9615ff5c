"""Grading a learner's response, per question type: partial credit, text and number matching,
malformed and missing responses, points and feedback."""

from __future__ import annotations

import pytest

from lms_app.assessments.grading import Graded, grade, max_points, read_number, shuffled_order, wildcard_match
from lms_app.assessments.questions import (
    Blank,
    Choice,
    NumericAnswer,
    Pair,
    Question,
    TextAnswer,
    Unit,
)


def single(**kw) -> Question:
    return Question(
        "single", "Capital", "The capital of France?",
        choices=[Choice("Paris", 1.0, "Yes."), Choice("Lyon", 0.0, "No, a big city."), Choice("Paris, Texas", 0.5, "Almost.")],
        **kw,
    )


def multiple(rule: str, **kw) -> Question:
    # Two right choices (A, C) and two wrong ones (B, D).
    return Question(
        "multiple", "Primes", "Which are prime?", partial_credit=rule,
        choices=[Choice("2", 0.5, "2 is prime."), Choice("4", -0.5, "4 = 2x2."), Choice("3", 0.5), Choice("9", -1.0, "9 = 3x3.")],
        **kw,
    )


def short(*answers: TextAnswer, case_sensitive: bool = False) -> Question:
    return Question("short_answer", "Word", "Type it.", answers=list(answers), case_sensitive=case_sensitive)


def numeric(*answers: NumericAnswer, units: list[Unit] | None = None, unit_required: bool = False) -> Question:
    return Question("numeric", "Length", "How long?", numeric_answers=list(answers), units=units or [], unit_required=unit_required)


def matching(*pairs: tuple[str, str]) -> Question:
    return Question("matching", "Match", "Match them.", pairs=[Pair(p, a) for p, a in pairs])


def ordering(*items: str) -> Question:
    return Question("ordering", "Order", "Put in order.", items=list(items))


def fill(text: str, *blanks: list[TextAnswer], case_sensitive: bool = False) -> Question:
    return Question("fill_blanks", "Blanks", text, blanks=[Blank(list(b)) for b in blanks], case_sensitive=case_sensitive)


CAPITALS = matching(("France", "Paris"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Japan", "Tokyo"))
STEPS = ordering("wake", "wash", "dress", "eat", "leave")
SENTENCE = fill(
    "[[1]] is the capital of [[2]]; it lies on the [[3]].",
    [TextAnswer("Paris")],
    [TextAnswer("France"), TextAnswer("Frankreich", 0.5, "In English, please.")],
    [TextAnswer("Seine", 1.0, "Right, the Seine.")],
)


# --- single choice ----------------------------------------------------------------------

@pytest.mark.parametrize("response, fraction, feedback", [
    (0, 1.0, ["Yes."]),
    (1, 0.0, ["No, a big city."]),
    (2, 0.5, ["Almost."]),
])
def test_single_earns_the_chosen_choices_fraction_and_its_feedback(response, fraction, feedback):
    g = grade(single(), response)
    assert (g.fraction, g.feedback, g.right) == (fraction, feedback, fraction == 1.0)


def test_single_with_a_negative_choice_is_floored_at_zero():
    q = Question("single", "t", "x", choices=[Choice("a", 1.0), Choice("b", -0.5, "Careless.")])
    g = grade(q, 1)
    assert (g.fraction, g.points, g.feedback) == (0.0, 0.0, ["Careless."])


@pytest.mark.parametrize("response", [None, 3, -1, -3, True, False, "0", 0.0, [0], {"choice": 0}, 10**20])
def test_single_malformed_or_missing_response_is_zero_without_feedback(response):
    assert grade(single(), response) == Graded(0.0, 0.0, [], False)


# --- multiple choice --------------------------------------------------------------------

@pytest.mark.parametrize("rule, ticked, fraction", [
    # weights: the ticked fractions added, floored at 0 and capped at 1
    ("weights", [0, 2], 1.0),
    ("weights", [0], 0.5),
    ("weights", [0, 2, 1], 0.5),
    ("weights", [0, 1], 0.0),
    ("weights", [0, 3], 0.0),  # 0.5 - 1.0 is floored at 0, not negative
    ("weights", [1, 3], 0.0),
    ("weights", [0, 1, 2, 3], 0.0),
    ("weights", [], 0.0),
    # all or nothing: exactly the right set
    ("all_or_nothing", [0, 2], 1.0),
    ("all_or_nothing", [2, 0], 1.0),
    ("all_or_nothing", [0], 0.0),
    ("all_or_nothing", [0, 2, 1], 0.0),
    ("all_or_nothing", [], 0.0),
    # right minus wrong, over the two right choices
    ("right_minus_wrong", [0, 2], 1.0),
    ("right_minus_wrong", [0], 0.5),
    ("right_minus_wrong", [0, 2, 3], 0.5),
    ("right_minus_wrong", [0, 1], 0.0),
    ("right_minus_wrong", [0, 1, 3], 0.0),  # 1 - 2 is floored at 0
    ("right_minus_wrong", [1, 3], 0.0),
    ("right_minus_wrong", [], 0.0),
])
def test_multiple_partial_credit_rules(rule, ticked, fraction):
    g = grade(multiple(rule), ticked)
    assert g.fraction == pytest.approx(fraction)
    assert g.right is (fraction == 1.0)


def test_right_minus_wrong_ignores_the_size_of_the_fractions():
    q = Question("multiple", "t", "x", partial_credit="right_minus_wrong",
                 choices=[Choice("a", 0.9), Choice("b", 0.1), Choice("c", 0.0), Choice("d", 0.0)])
    assert grade(q, [1]).fraction == 0.5  # one of two right ones, not 0.1


def test_weights_that_add_up_to_one_within_the_tolerance_give_full_credit():
    q = Question("multiple", "t", "x", choices=[Choice("a", 0.333), Choice("b", 0.333), Choice("c", 0.333), Choice("d", -1.0)])
    g = grade(q, [0, 1, 2])
    assert (g.fraction, g.right, g.points) == (1.0, True, 1.0)
    assert grade(q, [0, 1]).fraction == pytest.approx(0.666)


def test_multiple_feedback_is_that_of_the_ticked_choices_in_choice_order():
    g = grade(multiple("weights", general_feedback="2, 3, 5, 7 ..."), [3, 0, 2])
    assert g.feedback == ["2 is prime.", "9 = 3x3.", "2, 3, 5, 7 ..."]


@pytest.mark.parametrize("response", [None, 0, "0,2", [0, 0], [0, 2, 2], [0, 4], [-1], [True], [0.0], ("0",), {0, 2}, [[0]]])
@pytest.mark.parametrize("rule", ["weights", "all_or_nothing", "right_minus_wrong"])
def test_multiple_malformed_response_is_zero(rule, response):
    assert grade(multiple(rule), response) == Graded(0.0, 0.0, [], False)


def test_a_tuple_of_indexes_is_accepted_like_a_list():
    assert grade(multiple("all_or_nothing"), (0, 2)).fraction == 1.0


# --- true/false -------------------------------------------------------------------------

@pytest.mark.parametrize("correct, response, fraction, feedback", [
    (True, True, 1.0, ["You said true."]),
    (True, False, 0.0, ["You said false."]),
    (False, False, 1.0, ["You said false."]),
    (False, True, 0.0, ["You said true."]),
])
def test_true_false(correct, response, fraction, feedback):
    q = Question("true_false", "t", "The sky is green.", correct=correct, feedback_true="You said true.", feedback_false="You said false.")
    g = grade(q, response)
    assert (g.fraction, g.feedback) == (fraction, feedback)


@pytest.mark.parametrize("response", [None, 1, 0, "true", "True", "false", [True]])
def test_true_false_needs_a_real_boolean(response):
    # "false" is a truthy string and 0 is an int: neither may pass for an answer.
    assert grade(Question("true_false", "t", "x", correct=False, feedback_false="F"), response) == Graded(0.0, 0.0, [], False)


# --- short answer -----------------------------------------------------------------------

@pytest.mark.parametrize("answer, typed, matches", [
    ("Paris", "paris", True),
    ("Paris", "  PARIS \t", True),
    ("New  York", "new york", True),
    ("new york", "New\n   York", True),
    ("Paris", "Pariss", False),
    ("Paris", "Pari", False),
    ("Paris", "the Paris", False),
    # wildcard at the start, the end, the middle; it may match nothing
    ("*berg", "Heidelberg", True),
    ("*berg", "berg", True),
    ("*berg", "bergen", False),
    ("colo*", "colour", True),
    ("colo*", "colo", True),
    ("colo*", "cool", False),
    ("colo*r", "color", True),
    ("colo*r", "colour", True),
    ("colo*r", "colours", False),
    ("a*b*c", "abc", True),
    ("a*b*c", "a-x-b-y-c", True),
    ("a*b*c", "acb", False),
    ("ab*ba", "aba", False),  # the two fixed ends may not overlap
    ("*", "anything at all", True),
    ("**x**", "x", True),
    # characters that are special in regular expressions are plain text
    ("a+b (x)?", "a+b (x)?", True),
    ("a+b (x)?", "aab x", False),
    ("a+b (x)?", "ab (x)", False),
    ("[a-z]+", "abc", False),
    ("[a-z]+", "[a-z]+", True),
    ("x.y", "xzy", False),
    ("^$|.*", "anything", False),
    ("^$|.*", "^$|.*", True),
    ("C:\\dir\\f", "c:\\dir\\f", True),
    # \* is a literal star
    ("2\\*3", "2*3", True),
    ("2\\*3", "2x3", False),
    ("2\\**", "2*3", True),
    # letter case beyond ASCII
    ("Straße", "STRASSE", True),
    ("Élan", "élan", True),
])
def test_short_answer_matching(answer, typed, matches):
    g = grade(short(TextAnswer(answer)), typed)
    assert g.fraction == (1.0 if matches else 0.0)


@pytest.mark.parametrize("typed, fraction", [("Paris", 1.0), ("paris", 0.0), ("PARIS", 0.0), (" Paris ", 1.0)])
def test_short_answer_case_sensitive(typed, fraction):
    assert grade(short(TextAnswer("Paris"), case_sensitive=True), typed).fraction == fraction


def test_case_sensitive_wildcards_keep_case_too():
    q = short(TextAnswer("Mc*"), case_sensitive=True)
    assert [grade(q, t).fraction for t in ("McLean", "mclean")] == [1.0, 0.0]


def test_the_best_matching_answer_wins_whatever_its_position():
    q = short(
        TextAnswer("*", 0.0, "Not quite."),
        TextAnswer("col*", 0.5, "Spelling."),
        TextAnswer("colour", 1.0, "British spelling, fine."),
        TextAnswer("color", 1.0, "Right."),
    )
    assert grade(q, "colour").feedback == ["British spelling, fine."]
    assert grade(q, "color").feedback == ["Right."]
    g = grade(q, "colr")
    assert (g.fraction, g.feedback) == (0.5, ["Spelling."])
    g = grade(q, "blue")
    assert (g.fraction, g.feedback, g.right) == (0.0, ["Not quite."], False)


def test_a_negative_text_answer_is_floored_at_zero_but_its_feedback_shows():
    g = grade(short(TextAnswer("Paris"), TextAnswer("Lyon", -0.5, "That's the food capital.")), "lyon")
    assert (g.fraction, g.points, g.feedback) == (0.0, 0.0, ["That's the food capital."])


@pytest.mark.parametrize("response", [None, "", "   ", 42, ["Paris"], b"Paris", True])
def test_short_answer_unanswered_or_malformed_is_zero_even_against_a_lone_wildcard(response):
    assert grade(short(TextAnswer("*", 1.0, "Anything goes.")), response) == Graded(0.0, 0.0, [], False)


def test_wildcards_stay_fast_on_a_long_response():
    # A backtracking regex would take ages here; segment search is linear.
    q = short(TextAnswer("*a*a*a*a*a*a*a*a*a*a*b"))
    assert grade(q, "a" * 20_000).fraction == 0.0
    assert grade(q, "a" * 20_000 + "b").fraction == 1.0


@pytest.mark.parametrize("pattern, text, expected", [
    ("", "", True), ("", "a", False), ("*", "", True), ("a*", "a", True), ("*a", "", False), ("a*a", "a", False),
    ("a*bc*c", "abc", False),  # a middle piece may not use up the fixed end
    ("a*bc*c", "abcc", True),
])
def test_wildcard_match_edges(pattern, text, expected):
    assert wildcard_match(pattern, text) is expected


# --- numeric ----------------------------------------------------------------------------

TEN = numeric(NumericAnswer(10.0, 0.5, 1.0, "Right."), NumericAnswer(10.0, 2.0, 0.5, "Close."))


@pytest.mark.parametrize("typed, fraction", [
    ("10", 1.0),
    ("10.5", 1.0),  # the tolerance boundary itself is right
    ("9.5", 1.0),
    ("10.51", 0.5),
    ("9.49", 0.5),
    ("12", 0.5),
    ("8", 0.5),
    ("12.01", 0.0),
    ("7.99", 0.0),
    (" +10 ", 1.0),
    ("1e1", 1.0),
    ("1E1", 1.0),
    ("100e-1", 1.0),
    ("10.", 1.0),
    ("10,2", 1.0),  # a comma as decimal separator
    ("11,9", 0.5),
    ("-10", 0.0),
    ("\u221210", 0.0),  # a typographic minus is a minus
    (10, 1.0),  # a number sent as a number
    (10.4, 1.0),
])
def test_numeric_tolerance_and_best_answer(typed, fraction):
    assert grade(TEN, typed).fraction == fraction


@pytest.mark.parametrize("value, tolerance, typed", [(10.2, 0.1, "10.3"), (10.2, 0.1, "10.1"), (0.3, 0.0, "0.30000000000000004")])
def test_numeric_boundaries_survive_float_noise(value, tolerance, typed):
    assert grade(numeric(NumericAnswer(value, tolerance)), typed).fraction == 1.0


@pytest.mark.parametrize("typed", ["10.31", "10.09"])
def test_numeric_just_outside_the_tolerance_is_wrong(typed):
    assert grade(numeric(NumericAnswer(10.2, 0.1)), typed).fraction == 0.0


def test_numeric_zero_tolerance_means_exact():
    q = numeric(NumericAnswer(1e-12, 0.0))
    assert [grade(q, t).fraction for t in ("1e-12", "2e-12", "0")] == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("typed", ["abc", "ten", "1,000.5", "1.2.3", "1 000", "10 cm", "10%", "--10", "1e", "e5", ".", ",", "1e999", "nan", "inf", "0x10", [10], True])
def test_numeric_not_a_number(typed):
    assert grade(TEN, typed) == Graded(0.0, 0.0, ["Not a number."], False)


@pytest.mark.parametrize("typed", [None, "", "   "])
def test_numeric_unanswered_is_zero_without_complaint(typed):
    assert grade(TEN, typed) == Graded(0.0, 0.0, [], False)


UNITS = [Unit("cm", 1.0), Unit("m", 100.0), Unit("mm", 0.1), Unit("km/h", 7.0)]


@pytest.mark.parametrize("typed, fraction, feedback", [
    ("150 cm", 1.0, []),
    ("150cm", 1.0, []),
    ("1.5 m", 1.0, []),
    ("1,5 m", 1.0, []),
    ("1500 mm", 1.0, []),
    ("1500mm", 1.0, []),
    ("1.5e3 mm", 1.0, []),
    ("150", 1.0, []),  # no unit: the base unit
    ("1.5", 0.0, []),
    ("150 m", 0.0, []),
    ("1.5 M", 0.0, ["Unknown unit."]),  # units are case sensitive
    ("150 inches", 0.0, ["Unknown unit."]),
    ("150 c m", 0.0, ["Unknown unit."]),
    ("150 cm cm", 0.0, ["Unknown unit."]),
    ("150 5", 0.0, ["Not a number."]),
])
def test_numeric_units_multiply(typed, fraction, feedback):
    q = numeric(NumericAnswer(150.0, 0.0), units=UNITS)
    g = grade(q, typed)
    assert (g.fraction, g.feedback) == (fraction, feedback)


@pytest.mark.parametrize("typed, fraction, feedback", [
    ("150 cm", 1.0, []),
    ("1.5 m", 1.0, []),
    ("150", 0.0, ["The unit is missing."]),
    (150, 0.0, ["The unit is missing."]),
    ("150 ft", 0.0, ["Unknown unit."]),
])
def test_numeric_unit_required(typed, fraction, feedback):
    q = numeric(NumericAnswer(150.0, 0.0), units=UNITS, unit_required=True)
    g = grade(q, typed)
    assert (g.fraction, g.feedback) == (fraction, feedback)


def test_a_unit_multiplier_that_is_not_exact_in_binary_still_matches():
    q = numeric(NumericAnswer(10.0, 0.0), units=[Unit("cm"), Unit("m", 100.0)])
    assert grade(q, "0.1 m").fraction == 1.0  # 0.1 * 100 is 10.000000000000002


def test_a_unit_with_spaces_in_its_name():
    q = numeric(NumericAnswer(14.0, 0.0), units=[Unit("km per h", 7.0)])
    assert grade(q, "2  km  per h").fraction == 1.0


def test_read_number_gives_the_value_in_the_base_unit():
    assert read_number("2 m", UNITS, False) == (200.0, "")
    assert read_number("2 yd", UNITS, False) == (None, "Unknown unit.")


# --- matching ---------------------------------------------------------------------------

@pytest.mark.parametrize("response, fraction", [
    ([0, 1, 2, 3], 1.0),
    ([1, 0, 2, 3], 0.5),
    ([0, 1, 3, 2], 0.5),
    ([3, 2, 1, 0], 0.0),
    ([0, None, None, None], 0.25),
    ([None, None, None, None], 0.0),
    ([0, 0, 0, 0], 0.25),  # one answer given to every prompt: right once
])
def test_matching_share_of_prompts_matched(response, fraction):
    assert grade(CAPITALS, response).fraction == fraction


def test_matching_pairs_with_the_same_answer_are_interchangeable():
    q = matching(("Paris", "France"), ("Lyon", "france "), ("Rome", "Italy"))
    assert grade(q, [1, 0, 2]).fraction == 1.0
    assert grade(q, [0, 0, 2]).fraction == 1.0  # the same drop-down answer for both French cities
    assert grade(q, [2, 0, 1]).fraction == pytest.approx(1 / 3)


@pytest.mark.parametrize("response", [None, [0, 1, 2], [0, 1, 2, 3, 0], [0, 1, 2, 4], [0, 1, 2, -1], [0, 1, 2, "3"], [0, 1, 2, True], "0123", {0: 0}])
def test_matching_malformed_response_is_zero(response):
    assert grade(CAPITALS, response) == Graded(0.0, 0.0, [], False)


# --- ordering ---------------------------------------------------------------------------

@pytest.mark.parametrize("response, fraction", [
    ([0, 1, 2, 3, 4], 1.0),
    ([1, 0, 2, 3, 4], 0.6),
    ([0, 1, 2, 4, 3], 0.6),
    ([4, 1, 2, 3, 0], 0.6),
    ([1, 2, 3, 4, 0], 0.0),  # everything shifted by one place: no item in its position
    ([4, 3, 2, 1, 0], 0.2),
])
def test_ordering_share_of_items_in_their_right_position(response, fraction):
    assert grade(STEPS, response).fraction == pytest.approx(fraction)


@pytest.mark.parametrize("response", [None, [], [0, 1, 2, 3], [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 3], [0, 1, 2, 3, 5], [0, 1, 2, 3, -1], [0, 1, 2, 3, None], "01234", [0, 1, 2, 3, 4.0]])
def test_ordering_malformed_response_is_zero(response):
    assert grade(STEPS, response) == Graded(0.0, 0.0, [], False)


# --- fill in the blanks -----------------------------------------------------------------

@pytest.mark.parametrize("response, fraction, feedback", [
    (["Paris", "France", "Seine"], 1.0, ["Right, the Seine."]),
    (["paris", " france", "SEINE "], 1.0, ["Right, the Seine."]),
    (["Paris", "Frankreich", "Seine"], 2.5 / 3, ["In English, please.", "Right, the Seine."]),
    (["Paris", "Frankreich", "Loire"], 1.5 / 3, ["In English, please."]),
    (["Paris", "", None], 1 / 3, []),
    (["Lyon", "Spain", "Rhône"], 0.0, []),
    ([None, None, None], 0.0, []),
])
def test_fill_blanks_averages_each_blanks_best_fraction(response, fraction, feedback):
    g = grade(SENTENCE, response)
    assert g.fraction == pytest.approx(fraction)
    assert g.feedback == feedback


def test_fill_blanks_with_wildcards_and_case_sensitivity():
    q = fill("[[1]] and [[2]]", [TextAnswer("H*O")], [TextAnswer("NaCl"), TextAnswer("n*", 0.5)], case_sensitive=True)
    assert grade(q, ["H2O", "NaCl"]).fraction == 1.0
    assert grade(q, ["h2o", "nacl"]).fraction == 0.25


@pytest.mark.parametrize("response", [None, "Paris France Seine", ["Paris", "France"], ["Paris", "France", "Seine", "x"], ["Paris", "France", 3], ("Paris", "France", ["Seine"])])
def test_fill_blanks_malformed_response_is_zero(response):
    assert grade(SENTENCE, response) == Graded(0.0, 0.0, [], False)


# --- manual types -----------------------------------------------------------------------

@pytest.mark.parametrize("qtype", ["essay", "file_upload"])
@pytest.mark.parametrize("response", ["My essay.", "files/abc123", None, "", 12, ["x"]])
def test_manual_types_wait_for_a_person_answered_or_not(qtype, response):
    q = Question(qtype, "t", "Write.", points=5, general_feedback="See the rubric.")
    assert grade(q, response) == Graded(None, None, ["See the rubric."], None)


# --- points, feedback, shuffling ---------------------------------------------------------

@pytest.mark.parametrize("points, response, expected", [
    (3, [0, 1, 2, 3, 4], 3.0),
    (3, [1, 0, 2, 3, 4], 1.8),
    (1, [1, 0, 2, 3, 4], 0.6),  # 0.6000000000000001 is not shown
    (7, [1, 0, 2, 3, 4], 4.2),
])
def test_points_are_fraction_times_points(points, response, expected):
    q = ordering("a", "b", "c", "d", "e")
    q.points = points
    assert grade(q, response).points == expected


@pytest.mark.parametrize("points, expected", [
    (1, 0.33), (2, 0.67), (10, 3.33), (1000, 333.33),
])
def test_points_round_to_two_decimals(points, expected):
    q = Question("matching", "t", "x", points=points, pairs=[Pair("a", "1"), Pair("b", "2"), Pair("c", "3")])
    assert grade(q, [0, None, None]).points == expected


@pytest.mark.parametrize("fraction, expected", [(0.125, 0.13), (0.145, 0.15), (0.005, 0.01), (0.0049, 0.0)])
def test_points_round_half_up(fraction, expected):
    # round() would give 0.12 and 0.14 here (half to even, and 0.145 is 0.14499... in binary).
    q = short(TextAnswer("right"), TextAnswer("near", fraction))
    assert grade(q, "near").points == expected


def test_general_feedback_comes_after_the_answer_feedback_and_shows_whatever_the_answer():
    q = single(general_feedback="Paris has been the capital since 987.")
    assert grade(q, 1).feedback == ["No, a big city.", "Paris has been the capital since 987."]
    assert grade(q, None).feedback == ["Paris has been the capital since 987."]


def test_blank_feedback_is_left_out():
    q = Question("single", "t", "x", general_feedback="  ", choices=[Choice("a", 1.0, "  "), Choice("b")])
    assert grade(q, 0).feedback == []


def test_max_points():
    assert max_points(Question("essay", "t", "x", points=7.5)) == 7.5
    assert max_points(single()) == 1.0


def test_an_unknown_type_grades_as_zero_rather_than_failing():
    assert grade(Question("hotspot", "t", "x"), 1) == Graded(0.0, 0.0, [], False)


def _lettered(n: int, shuffle: bool = True) -> Question:
    return Question("single", "t", "x", shuffle_choices=shuffle, choices=[Choice(chr(65 + i), 1.0 if i == 0 else 0.0) for i in range(n)])


def test_shuffled_order_is_a_permutation_that_depends_only_on_the_seed():
    q = _lettered(8)
    orders = {tuple(shuffled_order(q, seed)) for seed in range(20)}
    assert all(sorted(o) == list(range(8)) for o in orders)
    assert len(orders) > 10  # different seeds, different orders
    assert shuffled_order(q, 1234) == shuffled_order(_lettered(8), 1234)


def test_shuffled_order_keeps_the_authors_order_when_shuffling_is_off():
    assert shuffled_order(_lettered(6, shuffle=False), 99) == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("seed", range(30))
def test_ordering_items_are_never_shown_in_the_right_order(seed):
    order = shuffled_order(ordering("a", "b"), seed)
    assert order == [1, 0]
    order = shuffled_order(STEPS, seed)
    assert sorted(order) == [0, 1, 2, 3, 4] and order != [0, 1, 2, 3, 4]


def test_matching_answers_are_shuffled_and_other_types_have_no_order():
    assert sorted(shuffled_order(CAPITALS, 5)) == [0, 1, 2, 3]
    assert len({tuple(shuffled_order(CAPITALS, s)) for s in range(20)}) > 5
    assert shuffled_order(TEN, 5) == []
    assert shuffled_order(Question("essay", "t", "x"), 5) == []
