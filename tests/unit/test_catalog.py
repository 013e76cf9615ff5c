"""The learner's catalog, a course's page and My learning: what is listed (published courses of
one's own organization only), search over titles, summaries and tags, filters, sorting, pages,
the learner's status in each course, what enrolling needs, and recommendations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from lms_app.models import Course, CourseTag, Enrollment, Lesson, Organization
from lms_app.services import catalog, courses, enrollment, progress
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor

IRENE, LEO, AMARA = "irene@example.com", "leo@example.com", "amara@example.com"
TEXT = {"markdown": "Read me."}


def published(session: Session, actor: Actor, title: str, *, lessons=("One", "Two"), tags=(), key: str | None = None,
              self_enrollment: bool = True, **settings) -> Course:
    c = courses.create_course(session, actor, title, tags=list(tags), **settings)
    m = courses.add_module(session, actor, c.id, "Basics")
    for t in lessons:
        courses.add_lesson(session, actor, m.id, t, "text", TEXT)
    courses.update_course(session, actor, c.id, self_enrollment=self_enrollment)
    if key:
        courses.set_enrollment_key(session, actor, c.id, key)
    courses.set_visibility(session, actor, c.id, "published")
    session.commit()
    return c


def titles(rows) -> list[str]:
    return [r.title for r in rows]


def finish(session: Session, actor: Actor, run: Enrollment) -> None:
    for lesson in session.exec(select(Lesson).where(Lesson.course_id == run.course_id)).all():
        progress.mark_viewed(session, actor, run.id, lesson.id)
    session.commit()


@pytest.fixture
def shelf(demo, session, actor_of):
    """Five published courses, a draft and an archived one: the only courses there are (the
    demo's own sample courses, if any, are removed so the lists below are exact)."""
    session.execute(delete(Course))
    session.commit()
    irene = actor_of(IRENE)
    made = {
        "lifting": published(session, irene, "Safe lifting", summary="Protect your back in the warehouse.", category="Safety",
                             tags=["Ergonomics", "warehouse"], estimated_minutes=20),
        "fire": published(session, irene, "Fire drills", summary="Where the exits are.", category="Safety", tags=["emergency"],
                          estimated_minutes=45),
        "negotiation": published(session, irene, "negotiation basics", summary="Win-win deals with customers.", category="Sales",
                                 tags=["customers"], estimated_minutes=150, language="fr"),
        "excel": published(session, irene, "Spreadsheets", summary="Formulas, tables and charts.", category="Office",
                           estimated_minutes=90),
        "unknown": published(session, irene, "Welcome to the company", summary="Who is who."),
    }
    draft = courses.create_course(session, irene, "Secret warehouse plans", summary="warehouse", tags=["warehouse"], category="Safety")
    archived = published(session, irene, "Old warehouse rules", tags=["warehouse"], category="Safety")
    courses.archive_course(session, irene, archived.id)
    session.commit()
    made["draft"], made["archived"] = draft, archived
    return made


def test_search_matches_title_summary_and_tags_whatever_the_case(shelf, session, actor_of):
    leo = actor_of(LEO)
    rows, total = catalog.search(session, leo)
    assert total == 5 and titles(rows) == ["Fire drills", "negotiation basics", "Safe lifting", "Spreadsheets", "Welcome to the company"]
    assert titles(catalog.search(session, leo, query="ERGONOMICS")[0]) == ["Safe lifting"]  # a tag
    assert titles(catalog.search(session, leo, query="warehouse")[0]) == ["Safe lifting"]  # summary and tag, once
    assert titles(catalog.search(session, leo, query="win-WIN")[0]) == ["negotiation basics"]  # the summary
    assert titles(catalog.search(session, leo, query="  drills ")[0]) == ["Fire drills"]  # the title
    # Every word must match somewhere; wildcard characters are plain text.
    assert titles(catalog.search(session, leo, query="safety exits")[0]) == []
    assert titles(catalog.search(session, leo, query="fire exits")[0]) == ["Fire drills"]
    assert catalog.search(session, leo, query="%")[1] == 0
    row = catalog.search(session, leo, query="lifting")[0][0]
    assert (row.category, row.language, row.estimated_minutes, row.tags) == ("Safety", "en", 20, ["ergonomics", "warehouse"])
    assert row.summary == "Protect your back in the warehouse."


def test_drafts_archived_courses_and_other_organizations_are_never_listed(shelf, session, actor_of):
    leo = actor_of(LEO)
    other = Organization(name="Elsewhere Ltd")
    session.add(other)
    session.flush()
    theirs = Course(org_id=other.id, title="Warehouse safety elsewhere", summary="warehouse", category="Safety", visibility="published",
                    self_enrollment=True, published_at=datetime.now(timezone.utc))
    session.add(theirs)
    session.flush()
    session.add(CourseTag(org_id=other.id, course_id=theirs.id, tag="warehouse"))
    session.commit()
    everything = titles(catalog.search(session, leo, page_size=100)[0])
    assert "Secret warehouse plans" not in everything and "Old warehouse rules" not in everything
    assert "Warehouse safety elsewhere" not in everything
    assert titles(catalog.search(session, leo, query="warehouse")[0]) == ["Safe lifting"]
    for course_id in (shelf["draft"].id, theirs.id, shelf["archived"].id):
        with pytest.raises(NotFound, match="^That course does not exist.$"):
            catalog.course_page(session, leo, course_id)
    assert catalog.filter_options(session, leo).categories == ["Office", "Safety", "Sales"]


def test_filters_by_category_language_and_duration(shelf, session, actor_of):
    leo = actor_of(LEO)
    assert titles(catalog.search(session, leo, category="Safety")[0]) == ["Fire drills", "Safe lifting"]
    assert titles(catalog.search(session, leo, language="fr")[0]) == ["negotiation basics"]
    assert titles(catalog.search(session, leo, duration="short")[0]) == ["Safe lifting"]  # no estimate: not "short"
    assert titles(catalog.search(session, leo, duration="medium")[0]) == ["Fire drills", "Spreadsheets"]
    assert titles(catalog.search(session, leo, duration="long")[0]) == ["negotiation basics"]
    assert titles(catalog.search(session, leo, category="Safety", duration="medium", query="exits")[0]) == ["Fire drills"]
    options = catalog.filter_options(session, leo)
    assert options.languages == [("en", "English"), ("fr", "Français")]


def test_sorting_and_pages(shelf, session, actor_of):
    leo = actor_of(LEO)
    shortest = titles(catalog.search(session, leo, sort="shortest")[0])
    assert shortest == ["Safe lifting", "Fire drills", "Spreadsheets", "negotiation basics", "Welcome to the company"]
    # Newest published first.
    assert titles(catalog.search(session, leo, sort="newest")[0])[0] == "Welcome to the company"
    first, total = catalog.search(session, leo, page=1, page_size=2)
    second, _ = catalog.search(session, leo, page=2, page_size=2)
    third, _ = catalog.search(session, leo, page=3, page_size=2)
    assert total == 5 and titles(first + second + third) == titles(catalog.search(session, leo)[0])
    assert len(third) == 1 and catalog.search(session, leo, page=9, page_size=2)[0] == []
    with pytest.raises(Invalid, match="^Sort by title, newest or shortest.$"):
        catalog.search(session, leo, sort="price")
    with pytest.raises(Invalid, match="^Choose a duration from the list.$"):
        catalog.search(session, leo, duration="forever")


def test_each_row_carries_the_learners_status(shelf, session, actor_of):
    leo = actor_of(LEO)
    run = enrollment.self_enroll(session, leo, shelf["lifting"].id)
    lesson = session.exec(select(Lesson).where(Lesson.course_id == shelf["lifting"].id).order_by(Lesson.position)).first()
    progress.mark_viewed(session, leo, run.id, lesson.id)
    done = enrollment.self_enroll(session, leo, shelf["fire"].id)
    finish(session, leo, done)
    status = {r.title: (r.status, r.percent) for r in catalog.search(session, leo)[0]}
    assert status["Safe lifting"] == ("enrolled", 50)
    assert status["Fire drills"] == ("completed", 100)
    assert status["Spreadsheets"] == ("not_enrolled", 0)
    # Someone else sees their own status, not Leo's.
    assert {r.status for r in catalog.search(session, actor_of(AMARA))[0]} == {"not_enrolled"}
    # A retake after completing is the current run again.
    enrollment.self_enroll(session, leo, shelf["fire"].id)
    session.commit()
    assert {r.title: (r.status, r.percent) for r in catalog.search(session, leo)[0]}["Fire drills"] == ("enrolled", 0)


def test_an_expired_run_is_not_enrolled(shelf, session, actor_of):
    leo = actor_of(LEO)
    run = enrollment.self_enroll(session, leo, shelf["excel"].id)
    run.expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    session.add(run)
    session.commit()
    assert {r.title: r.status for r in catalog.search(session, leo)[0]}["Spreadsheets"] == "not_enrolled"


def test_course_page_shows_outline_instructors_and_what_enrolling_needs(shelf, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    keyed = published(session, irene, "Forklift licence", key="pallet-42", category="Safety", estimated_minutes=60)
    courses.update_course(session, irene, keyed.id, required_course_id=shelf["lifting"].id)
    courses.add_module(session, irene, keyed.id, "Empty")  # a module still being written shows with no lessons
    session.commit()
    page = catalog.course_page(session, leo, str(keyed.id))
    assert (page.title, page.category, page.language_name, page.estimated_minutes) == ("Forklift licence", "Safety", "English", 60)
    assert [(m.title, [(les.title, les.kind_label, les.icon) for les in m.lessons]) for m in page.outline] == [
        ("Basics", [("One", "Text", "file-text"), ("Two", "Text", "file-text")]), ("Empty", [])]
    assert page.instructors == ["Irene Instructor"] and (page.module_count, page.lesson_count) == (2, 2)
    needs = page.needs
    assert needs.key_required and needs.required_course_title == "Safe lifting" and not needs.required_course_done
    assert needs.closed == "Finish “Safe lifting” first." and page.run is None
    assert not hasattr(page.outline[0].lessons[0], "content")

    finish(session, leo, enrollment.self_enroll(session, leo, shelf["lifting"].id))
    page = catalog.course_page(session, leo, keyed.id)
    assert page.needs.required_course_done and page.needs.closed == ""
    enrollment.self_enroll(session, leo, keyed.id, key="pallet-42")
    session.commit()
    run = catalog.course_page(session, leo, keyed.id).run
    assert run is not None and (run.status, run.percent) == ("active", 0)

    closed = published(session, irene, "By invitation", self_enrollment=False)
    assert catalog.course_page(session, leo, closed.id).needs.closed == "Ask your instructor or administrator to enroll you."


def test_course_page_refuses_ids_that_are_not_ids(shelf, session, actor_of):
    leo = actor_of(LEO)
    for bad in ("abc", "", None, "-3", "1e9", "99999999999999999999999"):
        with pytest.raises(NotFound, match="^That course does not exist.$"):
            catalog.course_page(session, leo, bad)


def test_everything_needs_learning_view(shelf, session, actor_of):
    leo = actor_of(LEO)
    nobody = Actor(user_id=leo.user_id, org_id=leo.org_id, name=leo.name, email=leo.email)
    for call in (lambda: catalog.search(session, nobody), lambda: catalog.filter_options(session, nobody),
                 lambda: catalog.course_page(session, nobody, shelf["lifting"].id), lambda: catalog.my_learning(session, nobody)):
        with pytest.raises(PermissionDenied):
            call()


def test_my_learning_in_progress_ending_soon_completed(shelf, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    assert catalog.my_learning(session, leo) == catalog.MyLearning([], [], [], [])
    courses.update_course(session, irene, shelf["excel"].id, access_days=10)
    session.commit()
    lifting = enrollment.self_enroll(session, leo, shelf["lifting"].id)
    first = session.exec(select(Lesson).where(Lesson.course_id == shelf["lifting"].id).order_by(Lesson.position)).first()
    progress.mark_viewed(session, leo, lifting.id, first.id)
    excel = enrollment.self_enroll(session, leo, shelf["excel"].id)
    # Ends at 23:30 UTC on 1 June, which is already 2 June in Leo's zone (Paris).
    now = datetime(2027, 5, 25, 12, 0, tzinfo=timezone.utc)
    excel.expires_at = datetime(2027, 6, 1, 23, 30, tzinfo=timezone.utc)
    lifting.enrolled_at = excel.enrolled_at = now - timedelta(days=1)
    session.add_all([excel, lifting])
    fire = enrollment.self_enroll(session, leo, shelf["fire"].id)
    finish(session, leo, fire)
    fire.completed_at = datetime(2027, 5, 3, 22, 30, tzinfo=timezone.utc)  # 4 May in Paris
    session.add(fire)
    session.commit()

    mine = catalog.my_learning(session, leo, now=now)
    by_title = {c.title: c for c in mine.in_progress}
    assert set(by_title) == {"Safe lifting", "Spreadsheets"}
    assert (by_title["Safe lifting"].percent, by_title["Safe lifting"].next_lesson) == (50, "Two")
    assert (by_title["Spreadsheets"].percent, by_title["Spreadsheets"].next_lesson) == (0, "One")
    assert by_title["Safe lifting"].href == f"/learn/courses/{shelf['lifting'].id}"
    assert [(e.title, e.ends_on) for e in mine.ending_soon] == [("Spreadsheets", "Access ends on 2 June 2027")]
    assert [(c.title, c.completed_on) for c in mine.completed] == [("Fire drills", "4 May 2027")]
    # Nothing ends soon two weeks earlier.
    assert catalog.my_learning(session, leo, now=now - timedelta(days=14)).ending_soon == []


def test_recommendations_share_a_category_or_tag_and_are_not_taken(shelf, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    for i in range(8):
        published(session, irene, f"Safety refresher {i}", category="Safety")
    published(session, irene, "Back care", tags=["ergonomics"], category="Wellbeing")
    published(session, irene, "Unrelated", category="Cooking")
    enrollment.self_enroll(session, leo, shelf["lifting"].id)  # Safety; ergonomics, warehouse
    session.commit()
    recommended = catalog.my_learning(session, leo).recommended
    names = titles(recommended)
    assert len(names) == 6
    assert "Safe lifting" not in names and "Unrelated" not in names
    assert not {"Secret warehouse plans", "Old warehouse rules"} & set(names)
    assert all(r.status == "not_enrolled" for r in recommended)
    # A shared tag ranks above a shared category alone.
    assert names[0] == "Back care"
    # Nothing taken yet: nothing to go by.
    assert catalog.my_learning(session, actor_of(AMARA)).recommended == []
