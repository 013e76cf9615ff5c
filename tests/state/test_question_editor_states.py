"""The question editor's handlers, run in-process as the server runs them for a browser holding
a real sign-in cookie: questions of several types written through the form, a refused save
that keeps everything typed, an edit that raises the question's version, the preview's
"Check answer", and people who may not touch the bank refused."""

from __future__ import annotations

from sqlmodel import Session, select

from lms_app.assessments.questions import Choice, Question
from lms_app.models import BankQuestion
from lms_app.services import question_bank
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.question_bank import QuestionBankState
from lms_app.state.question_editor import QuestionEditorState
from tests.state.course_world import build_course
from tests.state.harness import signed_in_browser, toast_text

IRENE, ISAAC, LEO = "irene@example.com", "isaac@example.com", "leo@example.com"
DENIED = "You do not have permission to do that."
REFUSED = (DENIED, "Only the course's staff can see this.", "Only the course's instructors can change it.")
E = QuestionEditorState


def _world(engine, actor_of) -> dict:
    with Session(engine) as s:
        ids = build_course(s, actor_of(IRENE), actor_of(LEO))
        category = question_bank.create_category(s, actor_of(IRENE), "Capitals", course_id=ids["course"])
        ids["category"] = category.id
        ids["question"] = question_bank.save_question(s, actor_of(IRENE), category.id, Question(
            "single", "Capital of France", "Which city?", choices=[Choice("Paris", 1.0, "Yes."), Choice("Lyon", 0.0, "No.")])).id
        s.commit()
    return ids


def _open(session, email: str, ids: dict, kind: str):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/questions")
    result = browser.call(E, "open_new", kind, str(ids["category"]))
    return browser, result


def _fill(browser, **fields) -> None:
    for name, value in fields.items():
        browser.call(E, "set_field", name, value)


def _rows(browser, list_name: str, rows: list) -> None:
    editor = browser.state(E)
    while len(getattr(editor, list_name)) < len(rows):
        browser.call(E, "add_row", list_name)
    while len(getattr(editor, list_name)) > len(rows):
        browser.call(E, "remove_row", list_name, len(getattr(editor, list_name)) - 1)
    for i, row in enumerate(rows):
        for field, value in (row.items() if isinstance(row, dict) else [("text", row)]):
            browser.call(E, "set_row", list_name, i, field, value)


def _saved(engine, title: str) -> tuple[BankQuestion, Question]:
    with Session(engine) as s:
        row = s.exec(select(BankQuestion).where(BankQuestion.title == title)).one()
        return row, Question.from_dict(row.spec)


def test_irene_writes_questions_of_several_types(demo, session, engine, actor_of):
    ids = _world(engine, actor_of)

    browser, _ = _open(session, IRENE, ids, "single")
    editor = browser.state(E)
    assert editor.editor_open and editor.kind_label == "Single choice" and editor.question_id == "" and len(editor.choices) == 2
    _fill(browser, title="Capital of Spain", text="Which city is the capital of **Spain**?", points="2", tags="europe, capitals")
    _rows(browser, "choices", [{"text": "Madrid", "fraction": "100", "feedback": "Yes."}, {"text": "Seville", "fraction": "0"}])
    result = browser.call(E, "save")
    assert toast_text(result) == "Question created." and not editor.editor_open
    row, q = _saved(engine, "Capital of Spain")
    assert row.category_id == ids["category"] and row.points == 2.0 and q.tags == ["europe", "capitals"]
    assert [(c.text, c.fraction, c.feedback) for c in q.choices] == [("Madrid", 1.0, "Yes."), ("Seville", 0.0, "")]

    browser.call(E, "open_new", "true_false", str(ids["category"]))
    _fill(browser, title="Paris", text="Paris is in France.", correct="true", feedback_false="It is.")
    assert toast_text(browser.call(E, "save")) == "Question created."
    _, q = _saved(engine, "Paris")
    assert q.correct is True and q.feedback_false == "It is."

    browser.call(E, "open_new", "numeric", str(ids["category"]))
    _fill(browser, title="Seine", text="How long is the Seine, in km?", unit_required=False)
    _rows(browser, "numeric_answers", [{"value": "777", "tolerance": "5", "fraction": "100"}])
    _rows(browser, "units", [{"name": "km", "multiplier": "1"}, {"name": "m", "multiplier": "0,001"}])
    assert toast_text(browser.call(E, "save")) == "Question created."
    _, q = _saved(engine, "Seine")
    assert (q.numeric_answers[0].value, q.numeric_answers[0].tolerance) == (777.0, 5.0) and [u.multiplier for u in q.units] == [1.0, 0.001]

    browser.call(E, "open_new", "fill_blanks", str(ids["category"]))
    browser.call(E, "add_row", "blanks")
    assert editor.text == "[[1]] [[2]]"
    _fill(browser, title="Rivers", text="The [[1]] flows through Paris, the [[2]] through Rome.")
    _rows(browser, "blanks", [{"answers": "Seine | la Seine"}, {"answers": "Tiber"}])
    assert toast_text(browser.call(E, "save")) == "Question created."
    _, q = _saved(engine, "Rivers")
    assert [[a.text for a in b.answers] for b in q.blanks] == [["Seine", "la Seine"], ["Tiber"]]

    browser.call(E, "open_new", "ordering", str(ids["category"]))
    _fill(browser, title="North to south", text="From north to south:")
    _rows(browser, "items", ["Lille", "Lyon", "Paris"])
    browser.call(E, "move_row", "items", 2, -1)
    assert editor.items == ["Lille", "Paris", "Lyon"]
    assert toast_text(browser.call(E, "save")) == "Question created."
    assert _saved(engine, "North to south")[1].items == ["Lille", "Paris", "Lyon"]

    bank = browser.state(QuestionBankState)
    browser.call(QuestionBankState, "load")
    assert {r.title for r in bank.rows} >= {"Capital of Spain", "Paris", "Seine", "Rivers", "North to south"}


def test_a_refused_save_keeps_everything_typed(demo, session, engine, actor_of):
    ids = _world(engine, actor_of)
    browser, _ = _open(session, IRENE, ids, "multiple")
    editor = browser.state(E)
    _fill(browser, title="Rivers of France", text="Which of these flow through France?", partial_credit="right_minus_wrong")
    _rows(browser, "choices", [{"text": "Loire", "fraction": "50"}, {"text": "Seine", "fraction": "30"}, {"text": "Danube", "fraction": "0"}])
    _fill(browser, partial_credit="weights")

    result = browser.call(E, "save")
    assert toast_text(result) == "The right choices' fractions must add up to 100%; they add up to 80.0%."
    assert editor.error == toast_text(result) and editor.editor_open
    assert editor.title == "Rivers of France" and [c.text for c in editor.choices] == ["Loire", "Seine", "Danube"]
    assert [c.fraction for c in editor.choices] == ["50", "30", "0"] and editor.partial_credit == "weights"

    browser.call(E, "set_row", "choices", 1, "fraction", "abc")
    assert editor.error == ""
    assert toast_text(browser.call(E, "save")) == "The share of choice 2 must be a number."
    assert editor.choices[1].fraction == "abc"
    with Session(engine) as s:
        assert s.exec(select(BankQuestion).where(BankQuestion.title == "Rivers of France")).first() is None

    browser.call(E, "set_row", "choices", 1, "fraction", "50")
    assert toast_text(browser.call(E, "save")) == "Question created."
    assert _saved(engine, "Rivers of France")[1].partial_credit == "weights"


def test_editing_a_question_raises_its_version(demo, session, engine, actor_of):
    ids = _world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/questions")
    browser.call(E, "open_edit", str(ids["question"]), str(ids["category"]))
    editor = browser.state(E)
    assert editor.editor_open and editor.question_id == str(ids["question"]) and editor.title == "Capital of France"
    assert [(c.text, c.fraction, c.feedback) for c in editor.choices] == [("Paris", "100", "Yes."), ("Lyon", "0", "No.")]

    browser.call(E, "add_row", "choices")
    _rows(browser, "choices", [{"text": "Paris", "fraction": "100"}, {"text": "Lyon", "fraction": "0"}, {"text": "Marseille", "fraction": "0"}])
    _fill(browser, title="The capital of France")
    assert toast_text(browser.call(E, "save")) == "Question saved."
    row, q = _saved(engine, "The capital of France")
    assert row.id == ids["question"] and row.version == 2 and [c.text for c in q.choices] == ["Paris", "Lyon", "Marseille"]


def test_preview_checks_an_answer_as_a_learner_would_be_graded(demo, session, engine, actor_of):
    ids = _world(engine, actor_of)
    browser, _ = _open(session, IRENE, ids, "multiple")
    editor = browser.state(E)
    _fill(browser, title="Rivers", text="Which flow through France?", general_feedback="The Danube does not.")
    _rows(browser, "choices", [{"text": "Loire", "fraction": "50", "feedback": "Yes, the Loire."}, {"text": "Seine", "fraction": "50"},
                               {"text": "Danube", "fraction": "-50", "feedback": "Not in France."}])
    browser.call(E, "set_tab", "preview")
    assert editor.tab == "preview" and editor.shown.type == "multiple" and sorted(o.text for o in editor.shown.options) == ["Danube", "Loire", "Seine"]
    assert "fraction" not in str(editor.shown) and "Yes, the Loire" not in str(editor.shown)

    loire = next(o.key for o in editor.shown.options if o.text == "Loire")
    danube = next(o.key for o in editor.shown.options if o.text == "Danube")
    browser.call(E, "toggle_choice", loire, True)
    browser.call(E, "check_answer")
    assert editor.checked and editor.result_label == "Partly right" and editor.result_score == "0.5 of 1 point"
    assert editor.result_feedback == ["Yes, the Loire.", "The Danube does not."]

    browser.call(E, "toggle_choice", danube, True)
    assert not editor.checked
    browser.call(E, "check_answer")
    assert editor.result_label == "Not right" and editor.result_score == "0 of 1 point"

    browser.call(E, "open_edit", str(ids["question"]), str(ids["category"]))
    browser.call(E, "set_tab", "preview")
    paris = next(o.key for o in editor.shown.options if o.text == "Paris")
    browser.call(E, "choose", paris)
    browser.call(E, "check_answer")
    assert (editor.result_label, editor.result_score, editor.result_feedback) == ("Right", "1 of 1 point", ["Yes."])

    browser.call(E, "open_new", "ordering", str(ids["category"]))
    _fill(browser, title="Order", text="North to south")
    _rows(browser, "items", ["Lille", "Paris", "Lyon"])
    browser.call(E, "set_tab", "preview")
    assert [o.text for o in editor.answer.order] != ["Lille", "Paris", "Lyon"]
    for want, text in enumerate(["Lille", "Paris", "Lyon"]):
        at = [o.text for o in editor.answer.order].index(text)
        for position in range(at, want, -1):
            browser.call(E, "move_item", position, -1)
    browser.call(E, "check_answer")
    assert editor.result_label == "Right"

    browser.call(E, "open_new", "essay", str(ids["category"]))
    _fill(browser, title="Essay", text="Describe Paris.")
    browser.call(E, "set_tab", "preview")
    browser.call(E, "set_answer_text", "It is big.")
    browser.call(E, "check_answer")
    assert editor.result_label == "A person grades this answer" and editor.result_score == ""


def test_who_may_not_change_the_bank_is_refused(demo, session, engine, actor_of):
    ids = _world(engine, actor_of)
    browser, result = _open(session, LEO, ids, "single")
    assert toast_text(result) == DENIED and not browser.state(E).editor_open
    assert toast_text(browser.call(E, "open_edit", str(ids["question"]), str(ids["category"]))) == DENIED
    assert toast_text(browser.call(E, "check_answer")) == DENIED

    # Isaac teaches, but not this course.
    browser, result = _open(session, ISAAC, ids, "single")
    assert toast_text(result) in REFUSED and not browser.state(E).editor_open
    assert toast_text(browser.call(E, "open_edit", str(ids["question"]), str(ids["category"]))) in REFUSED
    # Even with a complete draft of his own aimed at Irene's category, saving is refused.
    editor = browser.state(E)
    editor._draft = {**_draft_for(), "title": "Planted"}
    editor.category, editor.question_id = str(ids["category"]), str(ids["question"])
    assert toast_text(browser.call(E, "save")) in REFUSED
    editor.question_id = ""
    assert toast_text(browser.call(E, "save")) in REFUSED and editor.error == ""
    with Session(engine) as s:
        assert [r.title for r in s.exec(select(BankQuestion)).all()] == ["Capital of France"]
        assert s.get(BankQuestion, ids["question"]).version == 1


def _draft_for() -> dict:
    from lms_app.state.question_editor import _draft_of

    return _draft_of(Question("single", "A", "B?", choices=[Choice("Yes", 1.0), Choice("No", 0.0)]))
