"""The catalog, a course's page with enrolling, and My learning, their handlers run in-process as
the server runs them for a browser holding a real sign-in cookie."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from lms_app.models import Course, CourseTag, Enrollment, User
from lms_app.services import courses
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.catalog import CatalogState, CourseDetailState, MyLearningState, duration_label
from tests.state.harness import redirect_target, signed_in_browser, toast_text

LEO, IRENE = "leo@example.com", "irene@example.com"


def published(session: Session, actor, title: str, *, key: str | None = None, self_enrollment: bool = True,
              access_days: int | None = None, **settings) -> Course:
    c = courses.create_course(session, actor, title, **settings)
    m = courses.add_module(session, actor, c.id, "Basics")
    courses.add_lesson(session, actor, m.id, "First steps", "text", {"markdown": "Hello."})
    courses.add_lesson(session, actor, m.id, "Next steps", "link", {"url": "https://example.com/next"})
    courses.update_course(session, actor, c.id, self_enrollment=self_enrollment, access_days=access_days)
    if key:
        courses.set_enrollment_key(session, actor, c.id, key)
    courses.set_visibility(session, actor, c.id, "published")
    session.commit()
    return c


def shelve(session: Session, count: int, tag: str, category: str = "Bulk") -> None:
    """Published courses straight in the table (the catalog only reads them)."""
    org_id = session.exec(select(User.org_id).where(User.email == LEO)).one()
    now = datetime.now(timezone.utc)
    for i in range(count):
        c = Course(org_id=org_id, title=f"Shelf course {i:02d}", summary="Filler.", category=category, visibility="published",
                   estimated_minutes=10 + i, published_at=now - timedelta(minutes=i))
        session.add(c)
        session.flush()
        session.add(CourseTag(org_id=org_id, course_id=c.id, tag=tag))
    session.commit()


def runs_of(session: Session, course_id: int) -> list[Enrollment]:
    return list(session.exec(select(Enrollment).where(Enrollment.course_id == course_id)).all())


def test_catalog_searches_filters_and_pages(demo, session, actor_of):
    shelve(session, 26, "shelfware")
    published(session, actor_of(IRENE), "Forklift licence", summary="Drive safely.", category="Safety", tags=["forklift"], estimated_minutes=90)
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/catalog")
    browser.call(CatalogState, "load")
    state = browser.state(CatalogState)
    assert state.loaded and "Safety" in state.categories and "Bulk" in state.categories
    assert [o.label for o in state.languages] == ["English"]

    browser.call(CatalogState, "set_query", "SHELFWARE")
    assert state.total == 26 and len(state.cards) == 24 and state.page_count == 2
    assert state.result_note == "1–24 of 26 courses" and state.filtered
    card = state.cards[0]
    assert (card.title, card.href, card.category, card.duration, card.tags, card.status) == (
        "Shelf course 00", f"/catalog/{card.id}", "Bulk", "10 min", ["shelfware"], "not_enrolled")
    browser.call(CatalogState, "go_to_page", 2)
    assert state.page == 2 and [c.title for c in state.cards] == ["Shelf course 24", "Shelf course 25"]
    browser.call(CatalogState, "go_to_page", 99)
    assert state.page == 2
    browser.call(CatalogState, "set_sort", "newest")
    assert state.page == 1 and state.cards[0].title == "Shelf course 00"
    browser.call(CatalogState, "set_duration", "medium")  # 30 to 35 minutes
    assert state.total == 6 and state.cards[0].title == "Shelf course 20"
    browser.call(CatalogState, "set_duration", "long")
    assert state.total == 0 and state.cards == []

    browser.call(CatalogState, "clear_filters")
    browser.call(CatalogState, "set_query", "forklift")
    assert [(c.title, c.duration) for c in state.cards] == [("Forklift licence", "1 h 30 min")]
    browser.call(CatalogState, "set_category", "Bulk")
    assert state.total == 0 and state.result_note == ""


def test_catalog_refuses_bad_input_with_a_message(demo, session):
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/catalog")
    browser.call(CatalogState, "load")
    assert toast_text(browser.call(CatalogState, "go_to_page", "two")) == "The page must be a whole number."
    assert toast_text(browser.call(CatalogState, "set_sort", "price")) == "Sort by title, newest or shortest."
    assert toast_text(browser.call(CatalogState, "set_duration", "forever")) == "Choose a duration from the list."
    state = browser.state(CatalogState)
    assert (state.sort, state.duration, state.page) == ("title", "all", 1)


def test_enrolling_with_a_wrong_then_the_right_key(demo, session, actor_of):
    c = published(session, actor_of(IRENE), "Forklift licence", key="pallet-42", tags=["forklift"], access_days=30)
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/catalog/{c.id}")
    browser.call(CourseDetailState, "load")
    state = browser.state(CourseDetailState)
    assert state.found and state.title == "Forklift licence" and state.key_required and state.closed == ""
    assert state.status == "not_enrolled" and state.instructors == ["Irene Instructor"]
    assert [(m.title, [(les.title, les.kind_label, les.icon) for les in m.lessons]) for m in state.modules] == [
        ("Basics", [("First steps", "Text", "file-text"), ("Next steps", "Link", "link")])]
    assert state.size_note == "1 module · 2 lessons" and state.access_note == "Access for 30 days after enrolling"

    result = browser.call(CourseDetailState, "enroll", {"key": "pallet-43"})
    assert state.key_error == "That key is not right." and redirect_target(result) is None
    assert runs_of(session, c.id) == []
    browser.call(CourseDetailState, "enroll", {"key": ""})
    assert state.key_error == "This course needs an enrollment key."

    result = browser.call(CourseDetailState, "enroll", {"key": "pallet-42", "course_id": "999"})
    assert redirect_target(result) == f"/learn/courses/{c.id}" and state.key_error == ""
    assert [r.status for r in runs_of(session, c.id)] == ["active"]
    browser.call(CourseDetailState, "load")
    assert state.status == "enrolled" and state.player_href == f"/learn/courses/{c.id}"
    assert state.run_note.startswith("Enrolled on ") and " · access until " in state.run_note


def test_a_course_one_cannot_join_says_why(demo, session, actor_of):
    irene = actor_of(IRENE)
    closed = published(session, irene, "Managers only", self_enrollment=False)
    first = published(session, irene, "Basics first")
    later = published(session, irene, "Advanced")
    courses.update_course(session, irene, later.id, required_course_id=first.id)
    session.commit()
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/catalog/{closed.id}")
    browser.call(CourseDetailState, "load")
    assert browser.state(CourseDetailState).closed == "Ask your instructor or administrator to enroll you."
    result = browser.call(CourseDetailState, "enroll", {})
    assert toast_text(result) == "Only the course's instructors can enroll people in this course."
    assert runs_of(session, closed.id) == []

    browser.goto(f"/catalog/{later.id}")
    browser.call(CourseDetailState, "load")
    state = browser.state(CourseDetailState)
    assert (state.required_title, state.required_done, state.required_href) == ("Basics first", False, f"/catalog/{first.id}")
    assert state.closed == "Finish “Basics first” first."
    browser.call(CourseDetailState, "enroll", {})
    assert state.key_error == "Finish “Basics first” first." and runs_of(session, later.id) == []


def test_ids_that_are_not_courses_say_so(demo, session, actor_of):
    draft = courses.create_course(session, actor_of(IRENE), "Not ready")
    session.commit()
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, "/catalog/abc")
    for path in ("/catalog/abc", "/catalog/-1", f"/catalog/{draft.id}", "/catalog/123456789012345678901234567890"):
        browser.goto(path)
        result = browser.call(CourseDetailState, "load")
        assert toast_text(result) == "That course does not exist.", path
        state = browser.state(CourseDetailState)
        assert state.loaded and not state.found
        assert toast_text(browser.call(CourseDetailState, "enroll", {"key": ""})) == "That course does not exist."
    assert runs_of(session, draft.id) == []


def test_my_learning_lists_what_the_learner_takes(demo, session, actor_of):
    irene = actor_of(IRENE)
    c = published(session, irene, "Forklift licence", category="Machines", tags=["forklift"])
    published(session, irene, "Crane basics", category="Machines", summary="Lifting heavy things.")
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/catalog/{c.id}")
    browser.call(CourseDetailState, "enroll", {})
    browser.goto("/learn")
    browser.call(MyLearningState, "load")
    state = browser.state(MyLearningState)
    assert state.loaded and state.has_courses and state.first_name == "Leo"
    mine = next(p for p in state.in_progress if p.title == "Forklift licence")
    assert (mine.percent, mine.next_lesson, mine.href) == (0, "First steps", f"/learn/courses/{c.id}")
    assert "Crane basics" in [r.title for r in state.recommended]
    assert "Forklift licence" not in [r.title for r in state.recommended]


def test_durations_read_like_people_write_them():
    assert [duration_label(m) for m in (0, 5, 60, 90, 150)] == ["", "5 min", "1 h", "1 h 30 min", "2 h 30 min"]
