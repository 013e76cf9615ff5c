"""Course announcements through their pages' handlers, run in-process as the server runs them for
a browser holding a real sign-in cookie: Irene posts (and emails), edits and deletes; Leo reads,
the unread marks go once he has opened the page; My learning counts what is unread."""

from __future__ import annotations

from sqlmodel import Session, select

from lms_app.models import Announcement, AnnouncementSeen, OutgoingEmail, User
from lms_app.services import timefmt
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.announcements import CourseAnnouncementsState, LearnerAnnouncementsState
from lms_app.state.catalog import MyLearningState
from tests.state.course_world import build_course
from tests.state.harness import signed_in_browser, toast_text

IRENE, LEO, MAYA = "irene@example.com", "leo@example.com", "maya@example.com"


def world(engine, actor_of) -> dict[str, int]:
    with Session(engine) as s:
        ids = build_course(s, actor_of(IRENE), actor_of(LEO))
        s.commit()
    return ids


def staff_page(session, course_id):
    browser = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{course_id}/announcements")
    browser.call(CourseAnnouncementsState, "load")
    return browser


def learner_page(session, email, course_id):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, f"/learn/courses/{course_id}/announcements")
    browser.call(LearnerAnnouncementsState, "load")
    return browser


def test_irene_posts_with_email_then_edits_and_deletes(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    with Session(engine) as s:
        irene = s.exec(select(User).where(User.email == IRENE)).one()
        irene.timezone = "Asia/Tokyo"
        s.add(irene)
        s.commit()
    browser = staff_page(session, ids["course"])
    page = browser.state(CourseAnnouncementsState)
    assert page.found and page.course_title == "Safe lifting at work" and page.rows == []
    assert page.email_label == "Also email the 1 enrolled learner"

    # A refused post keeps what was typed.
    result = browser.call(CourseAnnouncementsState, "post", {"title": "Room change", "body": "  "})
    assert toast_text(result) == "Write the announcement's text."
    assert (page.draft_title, page.draft_body) == ("Room change", "  ")

    browser.call(CourseAnnouncementsState, "set_also_email", True)
    result = browser.call(CourseAnnouncementsState, "post", {"title": "Room change", "body": "We meet in **room B**."})
    assert toast_text(result) == "Announcement posted and emailed to 1 enrolled learner."
    assert (page.draft_title, page.draft_body, page.also_email) == ("", "", False)
    (row,) = page.rows
    with Session(engine) as s:
        posted = s.exec(select(Announcement)).one()
        assert [m.to_address for m in s.exec(select(OutgoingEmail)).all()] == [LEO]
    assert (row.title, row.author, row.emailed, row.unread, row.can_change) == ("Room change", "Irene Instructor", True, False, True)
    assert row.posted == timefmt.show(posted.posted_at, "Asia/Tokyo")

    browser.call(CourseAnnouncementsState, "ask_edit", row.id)
    assert page.edit_open and (page.edit_title, page.edit_body) == ("Room change", "We meet in **room B**.")
    result = browser.call(CourseAnnouncementsState, "save_edit", {"title": "Room change (again)", "body": "Room C."})
    assert toast_text(result) == "Announcement updated."
    assert not page.edit_open and (page.rows[0].title, page.rows[0].edited) == ("Room change (again)", True)

    browser.call(CourseAnnouncementsState, "ask_delete", row.id)
    assert page.delete_open and page.target_title == "Room change (again)"
    assert toast_text(browser.call(CourseAnnouncementsState, "delete")) == "“Room change (again)” was deleted."
    assert page.rows == [] and not page.delete_open
    with Session(engine) as s:
        assert s.exec(select(Announcement)).all() == []


def test_leo_sees_new_ones_marked_once_and_my_learning_counts_them(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    irene_tab = staff_page(session, ids["course"])
    irene_tab.call(CourseAnnouncementsState, "post", {"title": "Welcome", "body": "Start with *Basics*."})

    home = signed_in_browser(session, LEO, DEMO_PASSWORD, "/learn")
    home.call(MyLearningState, "load")
    mine = home.state(MyLearningState)
    assert [(c.title, c.unread) for c in mine.in_progress] == [("Safe lifting at work", 1)]
    assert [(a.course_title, a.title, a.unread, a.href) for a in mine.latest_announcements] == [
        ("Safe lifting at work", "Welcome", True, f"/learn/courses/{ids['course']}/announcements")]

    browser = learner_page(session, LEO, ids["course"])
    page = browser.state(LearnerAnnouncementsState)
    assert (page.view, page.course_title, page.unread) == ("ok", "Safe lifting at work", 1)
    assert [(r.title, r.unread, r.can_change) for r in page.rows] == [("Welcome", True, False)]

    # Opened once: nothing is new any more, on the page and on My learning.
    browser.call(LearnerAnnouncementsState, "load")
    assert page.unread == 0 and not page.rows[0].unread
    home.call(MyLearningState, "load")
    assert mine.in_progress[0].unread == 0 and not mine.latest_announcements[0].unread

    # A newer post is new again.
    irene_tab.call(CourseAnnouncementsState, "post", {"title": "Quiz on Friday", "body": "Ten questions."})
    home.call(MyLearningState, "load")
    assert mine.in_progress[0].unread == 1
    assert [(a.title, a.unread) for a in mine.latest_announcements] == [("Quiz on Friday", True), ("Welcome", False)]


def test_someone_not_enrolled_reads_why_and_nothing_is_written(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = learner_page(session, MAYA, ids["course"])
    page = browser.state(LearnerAnnouncementsState)
    assert (page.view, page.message, page.rows) == ("not_enrolled", "You are not enrolled in this course.", [])
    with Session(engine) as s:
        assert s.exec(select(AnnouncementSeen)).all() == []

    # A course id that names nothing.
    browser.goto("/learn/courses/not-a-course/announcements")
    browser.call(LearnerAnnouncementsState, "load")
    assert (page.view, page.message) == ("missing", "That course does not exist.")


def test_learners_cannot_use_the_staff_page(demo, session, engine, actor_of):
    ids = world(engine, actor_of)
    browser = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/teach/courses/{ids['course']}/announcements")
    assert toast_text(browser.call(CourseAnnouncementsState, "load")) == "You do not have permission to do that."
    browser.state(CourseAnnouncementsState).also_email = True
    result = browser.call(CourseAnnouncementsState, "post", {"title": "Hi", "body": "Hello"})
    assert toast_text(result) == "You do not have permission to do that."
    with Session(engine) as s:
        assert s.exec(select(Announcement)).all() == [] and s.exec(select(OutgoingEmail)).all() == []


def test_the_player_shows_how_many_announcements_are_unread(demo, session, engine, actor_of):
    from lms_app.state.player import PlayerState

    ids = world(engine, actor_of)
    staff_page(session, ids["course"]).call(CourseAnnouncementsState, "post", {"title": "Room change", "body": "Room B."})
    player = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/learn/courses/{ids['course']}/{ids['lesson']}")
    player.call(PlayerState, "load")
    assert player.state(PlayerState).unread_announcements == 1
    learner_page(session, LEO, ids["course"])
    player.call(PlayerState, "load")
    assert player.state(PlayerState).unread_announcements == 0
