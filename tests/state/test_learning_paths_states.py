"""The learning paths pages' states: the list and its create dialog, one path's editor
(details, course order, assigning, the people on it) and the learner's own paths."""

from __future__ import annotations

from sqlmodel import select

from lms_app.models import Lesson, PathEnrollment, User
from lms_app.services import courses, enrollment, progress
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.learning_paths import LearningPathsState, MyPathsState, PathEditorState
from tests.state.harness import redirect_target, signed_in_browser, toast_text

IRENE, LEO = "irene@example.com", "leo@example.com"


def published(session, actor, title: str) -> int:
    c = courses.create_course(session, actor, title)
    m = courses.add_module(session, actor, c.id, "Basics")
    courses.add_lesson(session, actor, m.id, "Read me", "text", {"markdown": "Read me."})
    courses.set_visibility(session, actor, c.id, "published")
    session.commit()
    return c.id


def test_create_edit_assign_and_follow_a_path(demo, session, actor_of):
    irene = actor_of(IRENE)
    first, second = published(session, irene, "Welcome aboard"), published(session, irene, "Store safety")
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, "/teach/paths")
    browser.call(LearningPathsState, "load")
    assert browser.state(LearningPathsState).paths == []
    result = browser.call(LearningPathsState, "create", {"title": "  New hire   onboarding ", "description": "Weeks 1-4"})
    target = redirect_target(result)
    assert target.startswith("/teach/paths/") and "created" in toast_text(result)
    assert toast_text(browser.call(LearningPathsState, "create", {"title": ""})) == "Give the learning path a title."

    browser.goto(target)
    editor = browser.state(PathEditorState)
    browser.call(PathEditorState, "load")
    assert (editor.title, editor.courses, editor.people) == ("New hire onboarding", [], [])
    assert [o.label for o in editor.addable] == ["Store safety", "Welcome aboard"]
    assert "Autumn 2026 onboarding" in [o.label for o in editor.group_options]
    for course_id in (first, second):
        browser.call(PathEditorState, "add_course", {"course": str(course_id)})
    assert [(c.title, c.first, c.last) for c in editor.courses] == [("Welcome aboard", True, False), ("Store safety", False, True)]
    browser.call(PathEditorState, "move_course", str(second), "up")
    assert [c.title for c in editor.courses] == ["Store safety", "Welcome aboard"] and editor.addable == []
    # The rule: a refusal says why and keeps the page as it was.
    assert toast_text(browser.call(PathEditorState, "save", {"title": "New hire onboarding", "rule": "count", "required_count": "5"})) == (
        "The path has 2 courses: at most 2 can be required.")
    browser.call(PathEditorState, "save", {"title": "New hire onboarding", "rule": "count", "required_count": "1", "certificate_months": "12"})
    assert (editor.rule, editor.required_count, editor.certificate_months, editor.rule_text) == ("count", "1", "12", "Any 1 of 2 courses")

    browser.call(PathEditorState, "search_people", "leo")
    assert [p.name for p in editor.person_results] == ["Leo Learner"]
    assert "1 person put on the path" in toast_text(browser.call(PathEditorState, "assign_person", editor.person_results[0].id))
    assert [(p.name, p.status, p.progress) for p in editor.people] == [("Leo Learner", "active", "0 of 2")]

    # Leo sees the path, and continues with its first course.
    leo_browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/learn/paths")
    leo_browser.call(MyPathsState, "load")
    [card] = leo_browser.state(MyPathsState).paths
    assert (card.title, card.progress, card.next_title, card.next_href) == ("New hire onboarding", "0 of 1", "Store safety", f"/learn/courses/{second}")
    assert [(c.title, c.status_label) for c in card.courses] == [("Store safety", "Not started"), ("Welcome aboard", "Not started")]
    leo = actor_of(LEO)
    run = enrollment.active_enrollment(session, second, leo.user_id)
    for lesson in session.exec(select(Lesson).where(Lesson.course_id == second)).all():
        progress.mark_viewed(session, leo, run.id, lesson.id)
    session.commit()
    leo_browser.call(MyPathsState, "load")
    [card] = leo_browser.state(MyPathsState).paths
    assert (card.status, card.progress, card.next_href, card.percent) == ("completed", "1 of 1", "", 100) and card.completed

    browser.call(PathEditorState, "load")
    assert [(p.name, p.status_label, p.progress) for p in editor.people] == [("Leo Learner", "Completed", "1 of 2")]
    # A path someone took stays.
    assert "record of their training" in toast_text(browser.call(PathEditorState, "delete"))


def test_the_path_pages_refuse_who_may_not(demo, session, actor_of):
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/teach/paths")
    assert toast_text(browser.call(LearningPathsState, "load")) == "You do not have permission to do that."
    assert toast_text(browser.call(LearningPathsState, "create", {"title": "Mine"})) == "You do not have permission to do that."
    browser.goto("/teach/paths/1")
    assert toast_text(browser.call(PathEditorState, "assign_person", str(session.exec(select(User.id)).first()))) == "You do not have permission to do that."
    assert session.exec(select(PathEnrollment)).first() is None
    browser.goto("/learn/paths")
    browser.call(MyPathsState, "load")
    assert browser.state(MyPathsState).loaded and browser.state(MyPathsState).paths == []
