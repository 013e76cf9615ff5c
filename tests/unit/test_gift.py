"""GIFT import and export: hand-written files read into exact questions, line-numbered errors
for what cannot be read, and export then import giving back the same questions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lms_app.assessments import gift
from lms_app.assessments.questions import (
    QUESTION_TYPES, Blank, Choice, NumericAnswer, Pair, Question, TextAnswer, Unit,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "gift"


def read(name: str) -> gift.GiftResult:
    return gift.parse((DATA / name).read_text(encoding="utf-8"))


def round_trip(questions: list[tuple[str, Question]]) -> list[tuple[str, Question]]:
    result = gift.parse(gift.export(questions))
    assert result.errors == []
    return [(p.category, p.question) for p in result.questions]


# --- the hand-written file of every feature --------------------------------------------------

EVERY_TYPE = [
    (6, "Geography/Capitals", Question(
        type="single", title="Capital of France", text="What is the capital of France?",
        general_feedback="Paris has been the capital since 987.",
        choices=[Choice("Paris", 1.0, "Right, Paris."), Choice("Lyon", 0.0, "No, Lyon is the third city."),
                 Choice("Versailles", 0.5, "Half: it was the royal seat.")])),
    (14, "Geography/Capitals", Question(
        type="single", title="Grant", text="Grant is _____ in Grant's tomb.",
        choices=[Choice("buried"), Choice("entombed", 1.0), Choice("living")])),
    (17, "Geography/Capitals", Question(
        type="fill_blanks", title="Two plus _____ equals four.", text="Two plus [[1]] equals four.",
        blanks=[Blank([TextAnswer("two"), TextAnswer("2", 0.5)])])),
    (21, "Geography/Rivers", Question(
        type="multiple", title="Rivers of France", text="Which rivers flow through <b>France</b>?",
        choices=[Choice("Loire", 0.5, "Yes."), Choice("Seine", 0.5, "Yes."),
                 Choice("Danube", -1.0, "No, it never reaches France.")])),
    (27, "Geography/Rivers", Question(
        type="short_answer", title="Longest river", text="Name the longest river in France.",
        general_feedback="The Loire is 1,006 km long.",
        answers=[TextAnswer("Loire", 1.0, "Yes."), TextAnswer("Seine", 0.25, "Shorter, but close.")])),
    (31, "Science", Question(
        type="true_false", title="Water boils", text="Water boils at 100 °C at sea level.",
        correct=True, feedback_true="Right.", feedback_false="It does, at 1 atm.")),
    (33, "Science", Question(
        type="true_false", title="Sun", text="The **Sun** orbits the Earth.", general_feedback="Heliocentrism.",
        correct=False, feedback_true="No: the Earth orbits the Sun.", feedback_false="Correct.")),
    (35, "Science", Question(
        type="numeric", title="Pi", text="What is pi to two decimals?", numeric_answers=[NumericAnswer(3.14, 0.01)])),
    (37, "Science", Question(
        type="numeric", title="Any number", text="Name a number from 1 to 5.", numeric_answers=[NumericAnswer(3.0, 2.0)])),
    (39, "Science", Question(
        type="numeric", title="Square root", text="What is the square root of 4?",
        numeric_answers=[NumericAnswer(2.0, 0.0, 1.0, "Exactly."), NumericAnswer(1.5, 0.5, 0.5, "Close enough for half.")])),
    (45, "Science", Question(
        type="matching", title="Animals", text="Which animal eats which food?", points=3.0,
        pairs=[Pair("cat", "cat food"), Pair("dog", "dog food"), Pair("cow", "grass")])),
    (52, "Science", Question(
        type="essay", title="Essay", text="Describe the water cycle.",
        general_feedback="Evaporation, condensation, precipitation.")),
    (55, "Science", Question(
        type="single", title="Escapes: all of them", text="In C, a { block } may hold x = 1; y ~ z # w\nand a \\ too.",
        choices=[Choice("a = b", 1.0, "it has an = sign"), Choice("c ~ d", 0.0, "it has a ~ tilde")])),
    (62, "Science", Question(
        type="ordering", title="Planets", text="Put the planets in order from the Sun.", tags=["planets"],
        items=["Mercury", "Venus", "Earth"])),
]


def test_every_feature_of_the_hand_written_file_is_read_into_the_exact_question():
    result = read("every_type.gift")

    assert result.errors == []
    assert [(p.line, p.category, p.question) for p in result.questions] == EVERY_TYPE


@pytest.mark.parametrize("line, category, expected", EVERY_TYPE, ids=[q.title for _, _, q in EVERY_TYPE])
def test_each_question_of_the_hand_written_file(line, category, expected):
    found = {p.line: p for p in read("every_type.gift").questions}

    assert found[line].question == expected
    assert found[line].category == category


def test_the_hand_written_file_survives_export_and_import():
    questions = [(p.category, p.question) for p in read("every_type.gift").questions]

    assert round_trip(questions) == questions


# --- errors ----------------------------------------------------------------------------------


def test_the_broken_file_lists_each_error_on_its_line_and_still_returns_the_good_questions():
    result = read("broken.gift")

    assert [str(e) for e in result.errors] == [
        "Line 5: the answer block is never closed (missing “}”).",
        "Line 9: “}” closes an answer block that was never opened (missing “{”); write “\\}” for a brace in the text.",
        "Line 13: the weight “%abc%” is not a percentage between -100 and 100, such as %50% or %-25%.",
        "Line 16: “three” is not a number.",
        "Line 20: the pair “dog dog food” has no “->” between the prompt and its match.",
        "Line 23: there is no answer block “{…}”; text without answers (a Moodle description) is not imported.",
        "Line 25: the title is never closed (missing “::”).",
        "Line 27: the points comment needs a number, as in “// points: 2”, not “lots”.",
        "Line 30: “Rome” comes before the first answer; start each answer with “=” or “~”.",
        "Line 32: “~” (feedback for any other answer) is not supported in a numeric question; remove it.",
        "Line 34: a question has a single answer block; write “\\{” and “\\}” for braces in the text.",
        "Line 36: an answer is empty (nothing after its “=” or “~”).",
        "Line 38: the range “5..1” runs backwards; write the smaller number first.",
        "Line 40: the answers cannot be read: start right answers with “=” and wrong ones with “~”, "
        "write T or F for true/false, or “#” and a number for a numeric answer.",
        "Line 42: a true/false answer has at most two feedbacks: {T#shown when wrong#shown when right}.",
    ]
    assert not result.ok
    assert [(p.line, p.question) for p in result.questions] == [
        (3, Question(type="single", title="Good one", text="2 + 2 = ?",
                     choices=[Choice("4", 1.0), Choice("3"), Choice("5")])),
        (44, Question(type="true_false", title="Good two", text="Snow is white.", correct=True)),
    ]


MALFORMED = [
    "Q {=a",
    "Q =a}",
    "Q {=a {=b}",
    "Q {=a} and {=b}",
    "::Q Q {T}",
    "::Q::",
    "no answers at all",
    "Q {~%150%a ~b}",
    "Q {~%-101%a ~b}",
    "Q {~%%a ~b}",
    "Q {~%5 a ~b}",
    "Q {=a ~}",
    "Q {=}",
    "Q {=a =}",
    "Q {a ~b}",
    "Q {#}",
    "Q {#abc}",
    "Q {#1:abc}",
    "Q {#1:-1}",
    "Q {#5..1}",
    "Q {#..5}",
    "Q {#1..}",
    "Q {#1e999}",
    "Q {#1e9999}",
    "Q {#nan}",
    "Q {#inf}",
    "Q {#=}",
    "Q {#1 ~#other}",
    "Q {=a -> 1 =b}",
    "Q {=a -> 1 #fb =b -> 2}",
    "Q {=a -> }",
    "Q {T#a#b#c}",
    "Q {maybe}",
    "// points: x\nQ {T}",
    "// points: 1e999\nQ {T}",
    "// points: -1e999\nQ {T}",
    '// lms: {"tags": ' + "[" * 990 + "]" * 990 + '}\nQ {T}',
    '// lms: {"tags": ' + "[" * 100000 + "]" * 100000 + '}\nQ {T}',
    "// lms: not json\nQ {T}",
    "// lms: [1, 2]\nQ {T}",
    '// lms: {"choices": 3}\nQ {T}',
    '// lms: {"choices": [1]}\nQ {T}',
    '// lms: {"blanks": ["x"]}\nQ {T}',
    "}",
    "{",
    "::::",
    "\\",
    "Q {\\}",
    "Q \\{=a}",
]


@pytest.mark.parametrize("text", MALFORMED, ids=[text[:40] for text in MALFORMED])
def test_malformed_input_gives_an_error_never_an_exception(text):
    result = gift.parse(text)

    assert result.questions == []
    assert len(result.errors) == 1
    assert result.errors[0].line in (1, 2)
    assert str(result.errors[0]).startswith(f"Line {result.errors[0].line}: ")


def test_an_error_before_the_first_answer_is_reported_on_its_own_line():
    result = gift.parse("Pick one {\n\tRome\n\t~Milan\n}")

    assert [str(e) for e in result.errors] == ["Line 2: “Rome” comes before the first answer; start each answer with “=” or “~”."]


def test_an_unreadable_question_does_not_stop_the_next_ones():
    result = gift.parse("A {=a\n\nB {~b =c}\n\n\nC {=d ->}\n\nD {T}\n")

    assert [e.line for e in result.errors] == [1, 6]
    assert [(p.line, p.question.title) for p in result.questions] == [(3, "B"), (8, "D")]


def test_a_byte_order_mark_any_line_ends_and_control_characters_are_read():
    text = "\ufeff::A::x {T}\r\n\r\n::B::y {F}\r\r::C::\x00 {}\n\n\u2028 {=a}\n"

    result = gift.parse(text)

    assert result.errors == []
    assert [(p.line, p.question.title, p.question.type) for p in result.questions] == [
        (1, "A", "true_false"), (3, "B", "true_false"), (5, "C", "essay"), (7, "", "short_answer")]


# --- reading details -------------------------------------------------------------------------


def test_true_false_feedback_follows_moodle_order_wrong_then_right():
    true = gift.parse("Q {T#shown to who said false#shown to who said true}").questions[0].question
    false = gift.parse("Q {F#shown to who said true#shown to who said false}").questions[0].question

    said_true, said_false = "shown to who said true", "shown to who said false"
    assert (true.correct, true.feedback_true, true.feedback_false) == (True, said_true, said_false)
    assert (false.correct, false.feedback_true, false.feedback_false) == (False, said_true, said_false)


def test_a_file_exported_by_moodle_is_read():
    text = (
        "// question: 0  name: Switch category to $course$/top/Default for Course\n"
        "$CATEGORY: $course$/top/Default for Course\n\n\n"
        "// question: 12  name: Capital\n"
        "::Capital::[html]<p>Capital of Italy?</p>{\n"
        "\t=%100%Rome#\n"
        "\t=%50%Roma#Italian name\n"
        "}\n\n"
        "// question: 13  name: Year\n"
        "::Year::[moodle]When was Grant born?{#\n"
        "\t=%100%1822:0#\n"
        "\t=%50%1822:2#Close\n"
        "}\n"
    )

    result = gift.parse(text)

    assert result.errors == []
    assert [(p.category, p.question) for p in result.questions] == [
        ("$course$/top/Default for Course", Question(
            type="short_answer", title="Capital", text="<p>Capital of Italy?</p>",
            answers=[TextAnswer("Rome"), TextAnswer("Roma", 0.5, "Italian name")])),
        ("$course$/top/Default for Course", Question(
            type="numeric", title="Year", text="When was Grant born?",
            numeric_answers=[NumericAnswer(1822.0), NumericAnswer(1822.0, 2.0, 0.5, "Close")])),
    ]


def test_a_question_without_title_is_named_after_its_text():
    long = "word " * 30
    question = gift.parse(f"{long}{{T}}").questions[0].question

    assert question.title == ("word " * 16)[:79] + "…"
    assert question.text == long.strip()


def test_weights_with_decimals_give_the_exact_fraction():
    choices = gift.parse("Q {~%33.33%a ~%66.67%b ~%-12.5%c}").questions[0].question.choices

    assert [c.fraction for c in choices] == [0.3333, 0.6667, -0.125]


# --- export ----------------------------------------------------------------------------------


ONE_OF_EACH = [
    ("", Question(
        type="single", title="Capital", text="Capital of France?", general_feedback="Since 987.",
        choices=[Choice("Paris", 1.0, "Yes."), Choice("Lyon", 0.0, "No."), Choice("Versailles", 0.25, "Once.")])),
    ("Top", Question(
        type="multiple", title="Primes", text="Which are prime?", points=2.0,
        choices=[Choice("2", 0.5), Choice("3", 0.5, "Odd prime."), Choice("4", -1.0, "2 × 2.")])),
    ("Top", Question(
        type="true_false", title="Sky", text="The sky is green.", correct=False,
        feedback_true="Look up.", feedback_false="Right.", general_feedback="Rayleigh scattering.")),
    ("Top/Sub", Question(
        type="short_answer", title="River", text="The longest river?",
        answers=[TextAnswer("Loire", 1.0, "Yes."), TextAnswer("Seine*", 0.5)])),
    ("Top/Sub", Question(
        type="numeric", title="Pi", text="Pi?", numeric_answers=[NumericAnswer(3.14159, 0.001, 1.0, "Good."),
                                                                 NumericAnswer(3.0, 0.5, 0.1)])),
    ("Top", Question(
        type="matching", title="Pairs", text="Match.", pairs=[Pair("cat", "cat food"), Pair("dog", "bone")])),
    ("Top", Question(
        type="ordering", title="Order", text="From small to large.", items=["one", "two", "three"], points=4.0)),
    ("Other", Question(
        type="fill_blanks", title="Blanks", text="Two plus [[1]] is four.",
        blanks=[Blank([TextAnswer("two"), TextAnswer("2", 0.75, "Digits are fine.")])])),
    ("Other", Question(
        type="essay", title="Essay", text="Describe *it*.", general_feedback="Any answer.", answer_template="It is ...")),
    ("", Question(type="file_upload", title="Upload", text="Send your report.", accepted_files=".pdf,.docx")),
]


def test_one_question_of_each_type_comes_back_equal_with_its_category():
    assert sorted({q.type for _, q in ONE_OF_EACH}) == sorted(QUESTION_TYPES)

    assert round_trip(ONE_OF_EACH) == ONE_OF_EACH


def test_types_gift_expresses_are_exported_as_plain_gift():
    native = [(c, q) for c, q in ONE_OF_EACH if q.type not in ("ordering", "file_upload", "essay")]

    text = gift.export(native)

    assert "// lms:" not in text
    assert text.count("$CATEGORY:") == 4


def test_the_exported_text_is_moodle_gift():
    question = Question(
        type="single", title="Capital: France", text="Capital of France?", points=2.0, general_feedback="Since 987.",
        choices=[Choice("Paris", 1.0, "Yes, #1."), Choice("Lyon"), Choice("Versailles", 1 / 3, "Once.")])

    text = gift.export([("Geo/Capitals", question),
                        ("Geo/Capitals", Question(type="true_false", title="T", text="Is it?", feedback_false="No!")),
                        ("", Question(type="numeric", title="N", text="How many?", numeric_answers=[NumericAnswer(2.5, 0.5)]))])

    assert text == (
        "$CATEGORY: Geo/Capitals\n"
        "\n"
        "// points: 2\n"
        '// lms: {"choices": [{"feedback": "Yes, #1.", "fraction": 1.0, "text": "Paris"}, '
        '{"feedback": "", "fraction": 0.0, "text": "Lyon"}, '
        '{"feedback": "Once.", "fraction": 0.3333333333333333, "text": "Versailles"}]}\n'
        "::Capital\\: France::[markdown]Capital of France? {\n"
        "\t=Paris#Yes, \\#1.\n"
        "\t~Lyon\n"
        "\t~%33.33333%Versailles#Once.\n"
        "\t####Since 987.\n"
        "}\n"
        "\n"
        "::T::[markdown]Is it? {TRUE#No!}\n"
        "\n"
        "$CATEGORY: \n"
        "\n"
        "::N::[markdown]How many? {#\n"
        "\t=2.5:0.5\n"
        "}\n"
    )


def test_what_gift_cannot_express_round_trips_through_the_lms_comment():
    questions = [
        ("", Question(type="numeric", title="Length", text="How long?", numeric_answers=[NumericAnswer(12.5, 0.1)],
                      units=[Unit("cm"), Unit("m", 100.0)], unit_required=True, tags=["units", "physics"])),
        ("", Question(type="short_answer", title="Case", text="Chemical symbol of iron?", case_sensitive=True,
                      answers=[TextAnswer("Fe")])),
        ("", Question(type="fill_blanks", title="Two blanks", text="[[1]] plus [[2]] is four.", case_sensitive=True,
                      blanks=[Blank([TextAnswer("two")]), Blank([TextAnswer("2"), TextAnswer("two", 0.5)])])),
        ("", Question(type="fill_blanks", title="Blank at the end", text="The answer is [[1]]",
                      blanks=[Blank([TextAnswer("42")])])),
        ("", Question(type="multiple", title="Strict", text="Pick.", partial_credit="all_or_nothing", shuffle_choices=False,
                      choices=[Choice("a", 1.0), Choice("b")])),
        ("", Question(type="single", title="", text="No title, no right answer.", choices=[Choice("a", 0.5), Choice("b")])),
        ("", Question(type="matching", title="Arrows", text="Match.", pairs=[Pair("a -> b", "c"), Pair("", "distractor")])),
        ("", Question(type="single", title="Empty choice", text="Odd.", choices=[Choice("", 1.0), Choice("b")])),
        ("", Question(type="true_false", title="Spaces", text="  padded text  ", points=0.5)),
    ]

    assert round_trip(questions) == questions


ODD = "Curly {braces}, a ~tilde, an = sign, # hash, colon: \\backslash\\n, new\nline, %50% percent, [[1]], -> arrow, // slashes"


def test_texts_full_of_special_characters_survive_export_and_import():
    odd_choices = [Choice(ODD, 1.0, ODD), Choice("%25% " + ODD, 0.0, "#" + ODD), Choice("~" + ODD, 0.5, "=" + ODD)]
    questions = [
        ("", Question(type="single", title=ODD, text=ODD, general_feedback=ODD, choices=odd_choices)),
        ("", Question(type="multiple", title="::" + ODD, text="[html]" + ODD, choices=odd_choices)),
        ("", Question(type="short_answer", title=ODD, text="$CATEGORY: " + ODD, answers=[TextAnswer("%" + ODD, 0.5, ODD)])),
        ("", Question(type="true_false", title=ODD, text="// " + ODD, feedback_true="#" + ODD, feedback_false=ODD + "#",
                      general_feedback="####" + ODD)),
        ("", Question(type="matching", title=ODD, text=ODD, pairs=[Pair("=" + ODD, ODD), Pair("x", "-> " + ODD)])),
        ("", Question(type="fill_blanks", title=ODD, text="Fill [[1]] " + ODD.replace("[[1]]", ""),
                      blanks=[Blank([TextAnswer(ODD, 1.0, ODD)])])),
        ("", Question(type="essay", title=ODD, text=ODD, answer_template=ODD)),
        ("", Question(type="numeric", title=ODD, text=ODD + " _____ " + ODD,
                      numeric_answers=[NumericAnswer(-1e-7, 2.5e10, 0.123456789, ODD)])),
    ]

    assert round_trip(questions) == questions


def test_missing_word_questions_are_exported_inline():
    questions = [
        ("", Question(type="single", title="Grant", text="Grant is _____ in Grant's tomb.",
                      choices=[Choice("buried"), Choice("entombed", 1.0)])),
        ("", Question(type="fill_blanks", title="Two", text="Two plus [[1]] is four.", blanks=[Blank([TextAnswer("two")])])),
    ]

    text = gift.export(questions)

    assert "Grant is {\n\t~buried\n\t=entombed\n} in Grant's tomb." in text
    assert "Two plus {\n\t=two\n} is four." in text
    assert round_trip(questions) == questions


# --- random inputs ---------------------------------------------------------------------------

PIECES = list("{}~=#:\\%->. \n\tTFab1[]/$_") + ["[[1]]", "_____", "[html]", "::", "####", "\\n", "\n\n", "$CATEGORY:",
                                               "// points: ", "// lms: ", '{"type": "essay"}', "{#", "..", "->"]


def scrap(rnd, most: int) -> str:
    return "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, most)))


def test_random_scraps_of_gift_never_raise_and_what_is_read_round_trips():
    rnd = random.Random(2024)
    for _ in range(2000):
        result = gift.parse(scrap(rnd, 30))
        assert all(e.line >= 1 and e.message for e in result.errors)
        questions = [(p.category, p.question) for p in result.questions]
        assert round_trip(questions) == questions


def test_random_questions_of_every_type_round_trip():
    rnd = random.Random(7)
    fractions = [0.0, 1.0, 0.5, -1.0, 1 / 3, 0.123456789, -0.25]
    for _ in range(500):
        kind = rnd.choice(QUESTION_TYPES)
        question = Question(type=kind, title=scrap(rnd, 6), text=scrap(rnd, 12), points=rnd.choice([1.0, 2.0, 0.5]),
                            general_feedback=scrap(rnd, 6), tags=[scrap(rnd, 4)] * rnd.randint(0, 1))
        if kind in ("single", "multiple"):
            question.choices = [Choice(scrap(rnd, 6), rnd.choice(fractions), scrap(rnd, 6)) for _ in range(rnd.randint(0, 4))]
        elif kind == "true_false":
            question.correct, question.feedback_true, question.feedback_false = rnd.random() < 0.5, scrap(rnd, 6), scrap(rnd, 6)
        elif kind == "short_answer":
            question.answers = [TextAnswer(scrap(rnd, 6), rnd.choice(fractions), scrap(rnd, 6)) for _ in range(rnd.randint(0, 3))]
        elif kind == "numeric":
            question.numeric_answers = [NumericAnswer(rnd.choice([0.1, -3.0, 1e20, 2.5e-8]), rnd.choice([0.0, 0.01]),
                                                      rnd.choice(fractions), scrap(rnd, 6)) for _ in range(rnd.randint(0, 3))]
        elif kind == "matching":
            question.pairs = [Pair(scrap(rnd, 6), scrap(rnd, 6)) for _ in range(rnd.randint(0, 3))]
        elif kind == "ordering":
            question.items = [scrap(rnd, 6) for _ in range(3)]
        elif kind == "fill_blanks":
            question.blanks = [Blank([TextAnswer(scrap(rnd, 6), rnd.choice(fractions))]) for _ in range(rnd.randint(0, 2))]
        elif kind == "essay":
            question.answer_template = scrap(rnd, 6)
        else:
            question.accepted_files = scrap(rnd, 6)
        pair = (rnd.choice(["", "a/b", "Top / Sub"]), question)
        assert round_trip([pair]) == [pair]
