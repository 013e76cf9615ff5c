"""What a learner is shown of a question: nothing that tells the right answer, and what they put
on screen read back into the response grading expects."""

from __future__ import annotations

from lms_app.assessments.grading import grade
from lms_app.assessments.questions import Blank, Choice, Pair, Question, TextAnswer
from lms_app.assessments.shown import ShownOption, response_of, show


def test_choices_are_shown_shuffled_without_their_shares_or_feedback():
    q = Question("multiple", "Rivers", "Which flow through France?",
                 choices=[Choice("Loire", 0.5, "Yes."), Choice("Seine", 0.5), Choice("Danube", -0.5, "No.")])
    shown, answer = show(q, seed=3)
    assert sorted(o.text for o in shown.options) == ["Danube", "Loire", "Seine"]
    assert "0.5" not in repr(shown) and "Yes." not in repr(shown)
    answer.choices = [next(o.key for o in shown.options if o.text == "Loire")]
    assert grade(q, response_of(q, answer)).fraction == 0.5


def test_matching_offers_a_shared_answer_once_and_reads_the_picks_back():
    q = Question("matching", "Capitals", "Match", pairs=[Pair("France", "Paris"), Pair("Italy", "Rome"), Pair("Paris, Texas", "Paris")])
    shown, answer = show(q, seed=1)
    assert shown.prompts == ["France", "Italy", "Paris, Texas"] and sorted(o.text for o in shown.options) == ["Paris", "Rome"]
    key = {o.text: o.key for o in shown.options}
    answer.matches = [key["Paris"], key["Rome"], key["Paris"]]
    assert grade(q, response_of(q, answer)).right


def test_ordering_never_starts_in_the_right_order_and_blanks_show_their_place():
    q = Question("ordering", "Order", "North to south", items=["Lille", "Paris", "Lyon"])
    _, answer = show(q, seed=0)
    assert [o.text for o in answer.order] != q.items
    answer.order = [ShownOption(str(i), t) for i, t in enumerate(q.items)]
    assert grade(q, response_of(q, answer)).right

    q = Question("fill_blanks", "Rivers", "The [[1]] flows through Paris.", blanks=[Blank([TextAnswer("Seine")])])
    shown, answer = show(q)
    assert "[[1]]" not in shown.text and "(1)" in shown.text and shown.blanks == ["(1)"] and answer.blanks == [""]
    answer.blanks = ["seine"]
    assert grade(q, response_of(q, answer)).right


def test_true_false_unanswered_is_not_an_answer():
    q = Question("true_false", "Paris", "Paris is in France.", correct=True)
    _, answer = show(q)
    assert response_of(q, answer) is None and grade(q, None).fraction == 0
    answer.flag = "true"
    assert grade(q, response_of(q, answer)).right
