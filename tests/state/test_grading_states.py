"""The grading pages' handlers, run in-process as the server runs them for a browser holding a
real sign-in cookie: the queue with its filters and bulk release, the grading view with a
rubric (live total), save and next, release; the rubric editor; regrading from the question
editor after a fixed key."""

from __future__ import annotations

from sqlmodel import Session, select

from lms_app.assessments.questions import Choice, Question
from lms_app.models import AttemptAnswer, Rubric
from lms_app.services import enrollment, quizzes, rubrics
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.grading import GradingState
from lms_app.state.question_editor import QuestionEditorState, _draft_of
from lms_app.state.rubrics import RubricsState
from tests.state.course_world import add_quiz, build_course
from tests.state.harness import redirect_target, signed_in_browser, toast_text

IRENE, LEO, AMARA = "irene@example.com", "leo@example.com", "amara@example.com"
RUBRIC = [{"name": "Argument", "levels": [{"label": "Weak", "points": 0}, {"label": "Sound", "points": 2}, {"label": "Strong", "points": 4}]},
          {"name": "Style", "levels": [{"label": "Rough", "points": 0}, {"label": "Clear", "points": 1}]}]


def world(engine, actor_of) -> dict:
    """The lifting course with a quiz (single, short answer, essay) Leo then Amara submitted."""
    with Session(engine) as s:
        irene = actor_of(IRENE)
        ids = build_course(s, irene, actor_of(LEO))
        enrollment.self_enroll(s, actor_of(AMARA), ids["course"])
        ids.update(add_quiz(s, irene, ids["course"], ids["module"], essay=True))
        answers = {}
        for email, essay in ((LEO, "Because people must get out."), (AMARA, "Firefighters need them.")):
            learner = actor_of(email)
            attempt = quizzes.start_attempt(s, learner, ids["quiz"])
            for position, response in ((1, 0), (2, "Paris"), (3, essay)):
                quizzes.save_answer(s, learner, attempt.id, position, response)
            quizzes.submit(s, learner, attempt.id)
            answers[email] = s.exec(select(AttemptAnswer.id).where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.position == 3)).one()
            ids[f"attempt_{email}"] = attempt.id
        ids["answers"] = answers
        ids["rubric"] = rubrics.save_rubric(s, irene, ids["course"], "Essay rubric", RUBRIC).id
        s.commit()
    return ids


def test_irene_grades_with_a_rubric_moves_on_and_releases(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    leo_answer, amara_answer = ids["answers"][LEO], ids["answers"][AMARA]
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, "/teach/grading")
    browser.call(GradingState, "load_queue")
    page = browser.state(GradingState)
    assert [(r.learner, r.item, r.kind_label, r.status_label) for r in page.rows] == [
        ("Leo Learner", "Why", "Quiz", "To grade"), ("Amara Okafor", "Why", "Quiz", "To grade")]
    assert page.total == 2 and [o.label for o in page.course_options] == ["Safe lifting at work"]
    browser.call(GradingState, "set_search", "amara")
    assert [r.learner for r in page.rows] == ["Amara Okafor"]
    browser.call(GradingState, "set_search", "")
    browser.call(GradingState, "set_kind_filter", "assignment")
    assert page.rows == []
    browser.call(GradingState, "set_kind_filter", "all")

    # Releasing what is not graded yet says why nothing went out.
    browser.call(GradingState, "toggle_all", True)
    assert page.selected == [f"quiz:{leo_answer}", f"quiz:{amara_answer}"] and page.all_selected
    result = browser.call(GradingState, "release_selected")
    assert toast_text(result) == "0 grades released, 2 skipped."
    assert page.skipped_lines == ["Leo Learner: Lifting check: 1 answer still to grade", "Amara Okafor: Lifting check: 1 answer still to grade"]

    # Leo's essay, with the rubric: the total follows the levels picked.
    browser.goto(f"/teach/grading/quiz/{leo_answer}")
    browser.call(GradingState, "load_item")
    assert page.item_found and (page.learner_name, page.item_title, page.answer_text, page.max_points) == \
        ("Leo Learner", "Why", "Because people must get out.", 1.0)
    assert page.prev_href == "" and page.next_href == f"/teach/grading/quiz/{amara_answer}"
    browser.call(GradingState, "choose_rubric", str(ids["rubric"]))
    assert [c.name for c in page.criteria] == ["Argument", "Style"] and page.picked == ["", ""]
    result = browser.call(GradingState, "save_draft")
    assert toast_text(result) == "Choose a level for every criterion."
    browser.call(GradingState, "pick_level", 0, "1")
    assert page.rubric_total == "2 of 5 rubric points → 0.4 / 1 (1 criterion to go)"
    browser.call(GradingState, "pick_level", 1, "1")
    browser.call(GradingState, "set_feedback", "**Good**: the exits matter.")
    result = browser.call(GradingState, "save_and_next")
    assert redirect_target(result) == f"/teach/grading/quiz/{amara_answer}"
    answer = session.get(AttemptAnswer, leo_answer)
    session.refresh(answer)
    assert (answer.points, answer.rubric["levels"], answer.feedback) == (0.6, [1, 1], "**Good**: the exits matter.")

    # Amara's, with a plain score that is too high, then a right one; then release from the page.
    browser.goto(f"/teach/grading/quiz/{amara_answer}")
    browser.call(GradingState, "load_item")
    assert page.prev_href == f"/teach/grading/quiz/{leo_answer}" and page.rubric_choice == "none"
    browser.call(GradingState, "set_points", "3")
    assert toast_text(browser.call(GradingState, "save_draft")) == "Give a score between 0 and 1."
    assert page.error == "Give a score between 0 and 1."
    browser.call(GradingState, "set_points", "1")
    assert toast_text(browser.call(GradingState, "save_draft")) == "Draft saved: the learner sees it once released."
    assert page.status == "to_release"
    assert toast_text(browser.call(GradingState, "release_item")) == "Released: the learner now sees the grade and feedback."
    assert page.status == "released" and page.status_label == "Released"
    view = quizzes.attempt_view(session, actor_of(AMARA), ids[f"attempt_{AMARA}"])
    assert (view.status, view.score, view.max_score) == ("graded", 4.0, 4.0)

    # Back in the queue: Leo's is graded, waiting to be released; release it in bulk.
    browser.goto("/teach/grading")
    browser.call(GradingState, "set_status_filter", "to_release")
    assert [(r.learner, r.score) for r in page.rows] == [("Leo Learner", "0.6 / 1")]
    browser.call(GradingState, "toggle", page.rows[0].key, True)
    assert toast_text(browser.call(GradingState, "release_selected")) == "1 grade released."
    assert page.released_lines == ["Leo Learner: Lifting check"] and page.rows == []


def test_a_learner_cannot_use_the_grading_handlers(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/teach/grading/quiz/{ids['answers'][LEO]}")
    assert toast_text(browser.call(GradingState, "load_item")) == "You do not have permission to do that."
    browser.call(GradingState, "set_points", "1")
    assert toast_text(browser.call(GradingState, "save_draft")) == "You do not have permission to do that."
    assert session.get(AttemptAnswer, ids["answers"][LEO]).graded_at is None


def test_the_rubric_editor_keeps_what_was_typed_when_refused(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/rubrics")
    browser.call(RubricsState, "load")
    page = browser.state(RubricsState)
    assert [(c.title, c.summary) for c in page.cards] == [("Essay rubric", "2 criteria · 5 points")]
    browser.call(RubricsState, "open_new")
    assert page.editor_open and len(page.criteria) == 1 and [lv.label for lv in page.criteria[0].levels] == ["Missing", "Partly there", "Fully there"]
    browser.call(RubricsState, "set_title", "Lab report")
    result = browser.call(RubricsState, "save")
    assert toast_text(result) == "Criterion 1 needs a name." and page.error == "Criterion 1 needs a name." and page.title == "Lab report"
    browser.call(RubricsState, "set_criterion_name", 0, "Method")
    browser.call(RubricsState, "set_level", 0, 2, "points", "-3")
    assert toast_text(browser.call(RubricsState, "save")) == "Criterion “Method”, level “Fully there”: the points cannot be negative."
    browser.call(RubricsState, "set_level", 0, 2, "points", "5")
    browser.call(RubricsState, "remove_level", 0, 1)
    browser.call(RubricsState, "add_criterion")
    browser.call(RubricsState, "set_criterion_name", 1, "Safety")
    assert toast_text(browser.call(RubricsState, "save")) == "Rubric “Lab report” created."
    assert not page.editor_open and [c.title for c in page.cards] == ["Essay rubric", "Lab report"]
    saved = session.exec(select(Rubric).where(Rubric.title == "Lab report")).one()
    assert [[lv["points"] for lv in c["levels"]] for c in saved.criteria] == [[0.0, 5.0], [0.0, 1.0, 2.0]]
    browser.call(RubricsState, "ask_delete", str(saved.id), "Lab report")
    assert toast_text(browser.call(RubricsState, "delete")) == "Rubric deleted." and [c.title for c in page.cards] == ["Essay rubric"]


def test_saving_a_used_question_offers_to_regrade_its_attempts(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/questions")
    knees = ids["quiz_questions"][0]
    browser.call(QuestionEditorState, "open_edit", str(knees), str(ids["quiz_category"]))
    editor = browser.state(QuestionEditorState)
    # Fix the key: "No" is right after all (both learners answered "Yes").
    fixed = Question("single", "Knees", "Do you bend your **knees** to lift?", choices=[Choice("Yes", 0.0), Choice("No", 1.0)])
    editor._draft = _draft_of(fixed)
    browser.call(QuestionEditorState, "save")
    assert editor.regrade_open and editor.regrade_count == 2 and editor.regrade_summary == ""
    result = browser.call(QuestionEditorState, "regrade")
    assert toast_text(result) == editor.regrade_summary == "2 attempts re-scored: 0 went up, 2 went down, 0 unchanged."
    # Both attempts still await the essay's grade: their auto-graded score went down by 1.
    answer = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == ids[f"attempt_{LEO}"], AttemptAnswer.position == 1)).one()
    session.refresh(answer)
    assert (answer.points, answer.question_version) == (0.0, 2)
