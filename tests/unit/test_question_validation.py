"""Validating a question before it is saved: what is cleaned, what is refused and with which
message; and the JSON round trip of each question type."""

from __future__ import annotations

import copy

import pytest

from lms_app.assessments.questions import (
    QUESTION_TYPES,
    Blank,
    Choice,
    NumericAnswer,
    Pair,
    Question,
    TextAnswer,
    Unit,
)
from lms_app.assessments.validation import validate
from lms_app.services.errors import Invalid


def good(qtype: str) -> Question:
    """A valid question of each type, with every field its type uses set."""
    base = dict(title="A title", text="A question?", points=2.0, general_feedback="Because.", tags=["geo"])
    return {
        "single": lambda: Question("single", **base, shuffle_choices=False,
                                   choices=[Choice("Paris", 1.0, "Yes."), Choice("Lyon", 0.0, "No."), Choice("Paris, TX", 0.5)]),
        "multiple": lambda: Question("multiple", **base, partial_credit="weights",
                                     choices=[Choice("2", 0.5), Choice("3", 0.5), Choice("4", -1.0, "Even.")]),
        "true_false": lambda: Question("true_false", **base, correct=False, feedback_true="No.", feedback_false="Yes."),
        "short_answer": lambda: Question("short_answer", **base, case_sensitive=True,
                                         answers=[TextAnswer("colo*r", 1.0, "Yes."), TextAnswer("*", 0.0, "No.")]),
        "numeric": lambda: Question("numeric", **base, unit_required=True, units=[Unit("cm"), Unit("m", 100.0)],
                                    numeric_answers=[NumericAnswer(150.0, 1.0, 1.0, "Yes."), NumericAnswer(150.0, 10.0, 0.5)]),
        "matching": lambda: Question("matching", **base, pairs=[Pair("France", "Paris"), Pair("Italy", "Rome")]),
        "ordering": lambda: Question("ordering", **base, items=["one", "two", "three"]),
        "fill_blanks": lambda: Question("fill_blanks", "A title", "[[1]] is the capital of [[2]].", points=2.0, tags=["geo"],
                                        case_sensitive=True,
                                        blanks=[Blank([TextAnswer("Paris")]), Blank([TextAnswer("France"), TextAnswer("FR", 0.5)])]),
        "essay": lambda: Question("essay", **base, answer_template="Intro:\n\nBody:"),
        "file_upload": lambda: Question("file_upload", **base, accepted_files=".pdf,.docx"),
    }[qtype]()


def refused(q: Question) -> str:
    with pytest.raises(Invalid) as exc:
        validate(q)
    return exc.value.message


# --- every type ---------------------------------------------------------------------------

@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_a_good_question_of_each_type_passes_unchanged(qtype):
    q = good(qtype)
    assert validate(q) == q


@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_round_trip_through_the_stored_json(qtype):
    q = good(qtype)
    assert Question.from_dict(q.to_dict()) == q


@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_validate_returns_a_copy_and_leaves_the_original_alone(qtype):
    q = good(qtype)
    q.title = "  Padded  "
    before = copy.deepcopy(q)
    cleaned = validate(q)
    assert q == before
    assert cleaned.title == "Padded"
    assert cleaned is not q


def test_texts_are_trimmed_everywhere():
    q = good("single")
    q.title, q.text, q.general_feedback = " T \n", "\n Which? ", "  Why.  "
    q.choices[0].text, q.choices[0].feedback = "  Paris ", " Yes. "
    c = validate(q)
    assert (c.title, c.text, c.general_feedback) == ("T", "Which?", "Why.")
    assert (c.choices[0].text, c.choices[0].feedback) == ("Paris", "Yes.")


def test_tags_are_cleaned_and_deduplicated_keeping_the_first_spelling():
    q = good("essay")
    q.tags = ["  Geography ", "geography", "", "   ", "World  history", "world history", "GEOGRAPHY", "maps"]
    assert validate(q).tags == ["Geography", "World history", "maps"]


@pytest.mark.parametrize("tags, message", [
    (["x" * 101], "too long"),
    ([3], "Tags must be text."),
    ("geo", "Tags must be a list."),
])
def test_bad_tags(tags, message):
    q = good("essay")
    q.tags = tags
    assert message in refused(q)


def test_a_tag_of_exactly_the_limit_is_fine():
    q = good("essay")
    q.tags = ["x" * 100]
    assert validate(q).tags == ["x" * 100]


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "Give the question a title."),
    ("title", "   ", "Give the question a title."),
    ("title", "x" * 201, "The title is too long: 201 characters, at most 200."),
    ("title", 5, "The title must be text."),
    ("text", "", "Write the question text."),
    ("text", " \n ", "Write the question text."),
    ("text", "x" * 20_001, "The question text is too long: 20,001 characters, at most 20,000."),
    ("general_feedback", "x" * 20_001, "The general feedback is too long"),
    ("type", "hotspot", 'Unknown question type "hotspot".'),
])
def test_common_fields(field, value, message):
    q = good("essay")
    setattr(q, field, value)
    assert refused(q).startswith(message)


def test_limits_themselves_are_allowed():
    q = good("essay")
    q.title, q.text = "t" * 200, "x" * 20_000
    c = validate(q)
    assert (len(c.title), len(c.text)) == (200, 20_000)


@pytest.mark.parametrize("points", [0, -1, 1000.01, 1e9])
def test_points_out_of_range(points):
    q = good("essay")
    q.points = points
    assert refused(q) == "The points must be more than 0 and at most 1000."


@pytest.mark.parametrize("points", ["2", None, True, float("nan"), float("inf")])
def test_points_that_are_not_a_number(points):
    q = good("essay")
    q.points = points
    assert refused(q) == "The points must be a number."


@pytest.mark.parametrize("points", [0.01, 1, 1000])
def test_points_in_range(points):
    q = good("essay")
    q.points = points
    assert validate(q).points == points


# --- single and multiple choice -------------------------------------------------------------

@pytest.mark.parametrize("qtype", ["single", "multiple"])
@pytest.mark.parametrize("choices, message", [
    ([], "Give the question at least two choices."),
    ([Choice("only", 1.0)], "Give the question at least two choices."),
    ([Choice("a", 1.0), Choice("  ", 0.0)], "Choice 2 has no text."),
    ([Choice("a", 1.0), Choice("x" * 2001)], "Choice 2 is too long: 2,001 characters, at most 2,000."),
    ([Choice("a", 1.0), Choice("b", 0.0, "x" * 2001)], "The feedback of choice 2 is too long"),
    ([Choice("Paris", 1.0), Choice("b"), Choice(" paris  ")], "Choices 1 and 3 are the same."),
    ([Choice("a", 1.0), Choice("b", 1.5)], "The fraction of choice 2 must be between"),
    ([Choice("a", 1.0), Choice("b", "0.5")], "The fraction of choice 2 must be a number."),
])
def test_choices_for_both_choice_types(qtype, choices, message):
    q = good(qtype)
    q.choices = choices
    assert refused(q).startswith(message)


@pytest.mark.parametrize("fractions, ok", [
    ([1.0, 0.0], True),
    ([1.0, 1.0, 0.0], True),  # two fully right choices: either earns full credit
    ([1.0, 0.5, 0.0], True),  # a partly right choice, as Moodle allows
    ([0.5, 0.5], False),
    ([0.0, 0.0], False),
    ([0.99, 0.0], False),
    ([1.0, -0.5], False),  # no penalties on a single choice: the learner had to pick one
])
def test_single_fractions(fractions, ok):
    q = good("single")
    q.choices = [Choice(f"c{i}", f) for i, f in enumerate(fractions)]
    if ok:
        validate(q)
    else:
        assert refused(q) in ("Mark one choice as right (100%).", "The fraction of choice 2 must be between 0 and 1 (100%).")


def test_single_negative_fraction_message():
    q = good("single")
    q.choices[1].fraction = -0.5
    assert refused(q) == "The fraction of choice 2 must be between 0 and 1 (100%)."


@pytest.mark.parametrize("fractions, ok", [
    ([0.5, 0.5, -1.0], True),
    ([1.0, 0.0], True),
    ([0.333, 0.333, 0.333, 0.0], True),  # 0.999: within 0.001
    ([0.3333, 0.3333, 0.3333, -0.5], True),
    ([0.5, 0.4, 0.0], False),
    ([0.6, 0.6, 0.0], False),
    ([0.998, 0.0], False),  # 0.002 short: beyond the margin
    ([0.0, -0.5], False),
])
def test_multiple_weights_must_add_up_to_one(fractions, ok):
    q = good("multiple")
    q.choices = [Choice(f"c{i}", f) for i, f in enumerate(fractions)]
    if ok:
        validate(q)
    else:
        assert refused(q) in ("Mark at least one choice as right.", f"The right choices' fractions must add up to 100%; they add up to {sum(f for f in fractions if f > 0):.1%}.")


def test_multiple_weights_message_says_the_current_sum():
    q = good("multiple")
    q.choices = [Choice("a", 0.5), Choice("b", 0.25), Choice("c", -1.0)]
    assert refused(q) == "The right choices' fractions must add up to 100%; they add up to 75.0%."


@pytest.mark.parametrize("rule", ["all_or_nothing", "right_minus_wrong"])
def test_other_rules_only_need_a_right_choice(rule):
    q = good("multiple")
    q.partial_credit = rule
    q.choices = [Choice("a", 0.2), Choice("b", 0.2), Choice("c", 0.0)]
    validate(q)
    q.choices = [Choice("a", 0.0), Choice("b", -0.2)]
    assert refused(q) == "Mark at least one choice as right."


@pytest.mark.parametrize("rule", ["", "Weights", "partial", None])
def test_unknown_partial_credit_rule(rule):
    q = good("multiple")
    q.partial_credit = rule
    assert refused(q).startswith(f'Unknown partial credit rule "{rule}"')


def test_shuffle_choices_must_be_yes_or_no():
    q = good("single")
    q.shuffle_choices = "yes"
    assert refused(q) == "Shuffle choices must be yes or no."


# --- true/false ----------------------------------------------------------------------------

@pytest.mark.parametrize("correct", ["true", 1, None])
def test_true_false_needs_a_boolean_answer(correct):
    q = good("true_false")
    q.correct = correct
    assert refused(q) == "The right answer must be yes or no."


# --- short answer --------------------------------------------------------------------------

@pytest.mark.parametrize("answers, message", [
    ([], "Give the question at least one accepted answer."),
    ([TextAnswer("a", 0.5)], "Mark one answer as right (100%)."),
    ([TextAnswer("a", 0.5), TextAnswer("*", 0.0)], "Mark one answer as right (100%)."),
    ([TextAnswer("a"), TextAnswer("  ", 0.5)], "Answer 2 has no text."),
    ([TextAnswer("a"), TextAnswer("b", -1.5)], "The fraction of answer 2 must be between -1 and 1 (100%)."),
    ([TextAnswer("a" * 2001)], "Answer 1 is too long"),
])
def test_short_answer(answers, message):
    q = good("short_answer")
    q.answers = answers
    assert refused(q).startswith(message)


def test_short_answer_texts_with_regex_characters_are_accepted_as_they_are():
    q = good("short_answer")
    q.answers = [TextAnswer(" a+b (x)? "), TextAnswer("[*]", 0.5)]
    assert [a.text for a in validate(q).answers] == ["a+b (x)?", "[*]"]


# --- numeric --------------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    (lambda q: setattr(q, "numeric_answers", []), "Give the question at least one accepted number."),
    (lambda q: setattr(q.numeric_answers[0], "fraction", 0.9), "Mark one answer as right (100%)."),
    (lambda q: setattr(q.numeric_answers[1], "tolerance", -0.1), "The tolerance of answer 2 can't be negative."),
    (lambda q: setattr(q.numeric_answers[0], "value", "150"), "The value of answer 1 must be a number."),
    (lambda q: setattr(q.numeric_answers[0], "value", float("nan")), "The value of answer 1 must be a number."),
    (lambda q: setattr(q.numeric_answers[0], "tolerance", None), "The tolerance of answer 1 must be a number."),
    (lambda q: setattr(q, "units", [Unit("cm"), Unit("  ")]), "Unit 2 has no name."),
    (lambda q: setattr(q, "units", [Unit("cm"), Unit(" cm ", 2.0)]), 'The unit "cm" is listed twice.'),
    (lambda q: setattr(q, "units", [Unit("cm"), Unit("m", 0.0)]), 'The multiplier of unit "m" must be more than 0.'),
    (lambda q: setattr(q, "units", [Unit("cm"), Unit("m", -100.0)]), 'The multiplier of unit "m" must be more than 0.'),
    (lambda q: setattr(q, "units", [Unit("cm"), Unit("m", "100")]), 'The multiplier of unit "m" must be a number.'),
    (lambda q: setattr(q, "units", [Unit("2x")]), 'The unit "2x" can\'t start with a digit, a sign, a dot or a comma.'),
    (lambda q: setattr(q, "units", [Unit("-m")]), 'The unit "-m" can\'t start'),
    (lambda q: setattr(q, "units", [Unit(".m")]), 'The unit ".m" can\'t start'),
    (lambda q: setattr(q, "units", []), "Add the units learners may write, or don't require a unit."),
    (lambda q: setattr(q, "unit_required", "no"), "Unit required must be yes or no."),
])
def test_numeric(change, message):
    q = good("numeric")
    change(q)
    assert refused(q).startswith(message)


def test_numeric_units_are_case_sensitive_and_tolerance_zero_is_fine():
    q = good("numeric")
    q.units = [Unit("m", 1.0), Unit("M", 1e6), Unit(" km  per h ", 0.5)]
    q.numeric_answers[0].tolerance = 0
    c = validate(q)
    assert [u.name for u in c.units] == ["m", "M", "km per h"]


def test_numeric_without_units_is_fine():
    q = good("numeric")
    q.units, q.unit_required = [], False
    validate(q)


# --- matching ------------------------------------------------------------------------------

@pytest.mark.parametrize("pairs, message", [
    ([], "Give the question at least two pairs."),
    ([Pair("a", "1")], "Give the question at least two pairs."),
    ([Pair("a", "1"), Pair(" ", "2")], "Pair 2 has no prompt."),
    ([Pair("a", "1"), Pair("b", "")], "Pair 2 has no answer."),
    ([Pair("France", "1"), Pair("Italy", "2"), Pair(" FRANCE", "3")], "Pairs 1 and 3 have the same prompt."),
    ([Pair("a", "Same"), Pair("b", "same ")], "Give the pairs at least two different answers."),
    ([Pair("a", "1"), Pair("x" * 2001, "2")], "The prompt of pair 2 is too long"),
])
def test_matching(pairs, message):
    q = good("matching")
    q.pairs = pairs
    assert refused(q).startswith(message)


def test_matching_answers_may_repeat():
    q = good("matching")
    q.pairs = [Pair("Paris", "France"), Pair("Lyon", "France"), Pair("Rome", "Italy")]
    validate(q)


# --- ordering ------------------------------------------------------------------------------

@pytest.mark.parametrize("items, message", [
    ([], "Give the question at least two items to order."),
    (["one"], "Give the question at least two items to order."),
    (["one", " "], "Item 2 has no text."),
    (["one", None], "Item 2 has no text."),
    (["one", 2], "Item 2 must be text."),
    (["one", "two", "One "], "Items 1 and 3 are the same."),
    ("one two", "Items must be a list."),
])
def test_ordering(items, message):
    q = good("ordering")
    q.items = items
    assert refused(q) == message


def test_ordering_items_are_trimmed():
    q = good("ordering")
    q.items = [" one", "two "]
    assert validate(q).items == ["one", "two"]


# --- fill in the blanks ---------------------------------------------------------------------

@pytest.mark.parametrize("text, blanks, message", [
    ("No blanks.", 0, "Add at least one blank and put [[1]] in the text where it goes."),
    ("Only [[1]].", 2, "Blank 2 is not in the text: put [[2]] where it goes."),
    ("[[1]] and [[3]].", 2, "The text has [[3]] but the question has only 2 blanks."),
    ("[[1]] and [[2]].", 1, "The text has [[2]] but the question has only 1 blank."),
    ("[[1]] and [[1]].", 1, "Blank 1 appears twice in the text."),
    ("[[0]] and [[1]].", 1, "[[0]] is not a blank marker: blanks are numbered [[1]], [[2]], …"),
    ("[[01]].", 1, "[[01]] is not a blank marker: blanks are numbered [[1]], [[2]], …"),
    ("No markers at all.", 1, "Blank 1 is not in the text: put [[1]] where it goes."),
])
def test_fill_blanks_markers_match_the_blanks(text, blanks, message):
    q = good("fill_blanks")
    q.text = text
    q.blanks = [Blank([TextAnswer(f"b{i}")]) for i in range(blanks)]
    assert refused(q) == message


def test_fill_blanks_markers_may_come_in_any_order_and_look_alikes_are_plain_text():
    q = good("fill_blanks")
    q.text = "[[2]] comes before [[1]]; [ [3] ], [[x]] and [[ 3 ]] are not markers."
    validate(q)


@pytest.mark.parametrize("answers, message", [
    ([], "Blank 2 has no answer."),
    ([TextAnswer("FR", 0.5)], "Blank 2 has no right answer."),
    ([TextAnswer("France"), TextAnswer(" ")], "Blank 2, answer 2 has no text."),
    ([TextAnswer("France"), TextAnswer("FR", 2.0)], "The fraction of blank 2, answer 2 must be between -1 and 1 (100%)."),
])
def test_fill_blanks_each_blank_needs_a_right_answer(answers, message):
    q = good("fill_blanks")
    q.blanks[1].answers = answers
    assert refused(q) == message


# --- essay and file upload --------------------------------------------------------------------

@pytest.mark.parametrize("qtype", ["essay", "file_upload"])
def test_manual_types_need_only_a_title_and_a_text(qtype):
    validate(Question(qtype, "Reflect", "What did you learn?"))
    assert refused(Question(qtype, "Reflect", "")) == "Write the question text."


def test_essay_template_limit():
    q = good("essay")
    q.answer_template = "x" * 20_001
    assert refused(q).startswith("The answer template is too long")


@pytest.mark.parametrize("accepted, cleaned", [
    ("", ""),
    (".pdf,.docx", ".pdf,.docx"),
    (" PDF , .Docx,, .pdf ,tar.gz", ".pdf,.docx,.tar.gz"),
])
def test_accepted_files_are_written_as_extensions(accepted, cleaned):
    q = good("file_upload")
    q.accepted_files = accepted
    assert validate(q).accepted_files == cleaned


@pytest.mark.parametrize("accepted", ["image/*", ".pdf;.doc", "*.pdf", ".p df"])
def test_accepted_files_that_are_not_extensions(accepted):
    q = good("file_upload")
    q.accepted_files = accepted
    assert "is not a file type" in refused(q)
