"""Course authoring: who may author, the structure (modules, lessons, order), prerequisites
without loops, the publishing checklist, staff, copies, and the lesson-kind registry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from lms_app.lessons import registry
from lms_app.models import AuditEvent, CourseStaff, Lesson, User
from lms_app.services import courses
from lms_app.services.courses import PublishRefused
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied

ADMIN, IRENE, ISAAC, MAYA, LEO = "admin@example.com", "irene@example.com", "isaac@example.com", "maya@example.com", "leo@example.com"
TEXT = {"markdown": "# Welcome\nRead this."}


def last_event(session: Session, action: str) -> AuditEvent | None:
    return session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())).first()


def user_id(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


@pytest.fixture
def course(demo, session, actor_of):
    """Irene's draft: two modules of text lessons."""
    irene = actor_of(IRENE)
    c = courses.create_course(session, irene, "  Store   safety ", summary="Stay safe", tags=["Safety", "safety", " Retail "])
    m1 = courses.add_module(session, irene, c.id, "Basics")
    m2 = courses.add_module(session, irene, c.id, "Practice")
    courses.add_lesson(session, irene, m1.id, "Welcome", "text", TEXT)
    courses.add_lesson(session, irene, m1.id, "Fire exits", "text", TEXT)
    courses.add_lesson(session, irene, m2.id, "Drill", "text", TEXT)
    session.commit()
    return c


def outline_titles(outline) -> list[tuple[str, list[str]]]:
    return [(m.title, [lesson.title for lesson in m.lessons]) for m in outline.modules]


def test_creating_a_course_makes_the_creator_its_instructor(course, session, actor_of):
    assert course.title == "Store safety" and course.visibility == "draft"
    staff = session.exec(select(CourseStaff).where(CourseStaff.course_id == course.id)).all()
    assert [(s.user_id, s.role) for s in staff] == [(user_id(session, IRENE), "instructor")]
    outline = courses.get_outline(session, actor_of(IRENE), course.id)
    assert outline.can_edit and outline.tags == ["safety", "retail"]
    assert outline_titles(outline) == [("Basics", ["Welcome", "Fire exits"]), ("Practice", ["Drill"])]
    assert last_event(session, "course.created").target_label == "Store safety"


def test_a_learner_cannot_create_or_author(course, session, actor_of):
    leo = actor_of(LEO)
    with pytest.raises(PermissionDenied):
        courses.create_course(session, leo, "My own course")
    with pytest.raises(PermissionDenied):
        courses.add_module(session, leo, course.id, "Sneaky")
    with pytest.raises(PermissionDenied):
        courses.get_outline(session, leo, course.id)


def test_an_instructor_of_one_course_cannot_edit_another(course, session, actor_of):
    isaac = actor_of(ISAAC)
    own = courses.create_course(session, isaac, "Isaac's course")
    courses.add_module(session, isaac, own.id, "Mine")
    with pytest.raises(PermissionDenied):
        courses.update_course(session, isaac, course.id, title="Taken over")
    with pytest.raises(PermissionDenied):
        courses.set_visibility(session, isaac, course.id, "published")
    lesson = session.exec(select(Lesson).where(Lesson.title == "Drill")).one()
    with pytest.raises(PermissionDenied):
        courses.delete_lesson(session, isaac, lesson.id)
    # The admin manages every course.
    courses.update_course(session, actor_of(ADMIN), course.id, title="Store safety 101")
    assert courses.get_outline(session, actor_of(ADMIN), course.id).can_edit


def test_an_assistant_sees_the_outline_but_cannot_change_the_structure(course, session, actor_of):
    irene = actor_of(IRENE)
    courses.add_staff(session, irene, course.id, user_id(session, ISAAC), "assistant")
    session.commit()
    isaac = actor_of(ISAAC)
    outline = courses.get_outline(session, isaac, course.id)
    assert not outline.can_edit and [s.role for s in outline.staff] == ["instructor", "assistant"]
    module_id = outline.modules[0].id
    with pytest.raises(PermissionDenied):
        courses.add_lesson(session, isaac, module_id, "Extra", "text", TEXT)
    with pytest.raises(PermissionDenied):
        courses.move_module(session, isaac, module_id, "down")
    with pytest.raises(PermissionDenied):
        courses.add_staff(session, isaac, course.id, user_id(session, MAYA), "instructor")
    assert last_event(session, "course.staff_added").after == {"person": ISAAC, "role": "assistant"}


def test_a_course_keeps_at_least_one_instructor(course, session, actor_of):
    irene = actor_of(IRENE)
    with pytest.raises(Conflict, match="at least one instructor"):
        courses.remove_staff(session, irene, course.id, user_id(session, IRENE))
    courses.add_staff(session, irene, course.id, user_id(session, ISAAC), "instructor")
    courses.remove_staff(session, irene, course.id, user_id(session, IRENE))
    session.commit()
    assert last_event(session, "course.staff_removed").before == {"person": IRENE, "role": "instructor"}
    with pytest.raises(PermissionDenied):
        courses.rename_module(session, actor_of(IRENE), courses.modules_of(session, course.id)[0].id, "No longer mine")


def test_another_organizations_course_does_not_exist(course, session, actor_of):
    from lms_app.models import Organization
    from lms_app.services.permissions import Actor

    other = Organization(name="Elsewhere")
    session.add(other)
    session.commit()
    stranger = Actor(user_id=user_id(session, ADMIN), org_id=other.id, name="X", email="x@example.com",
                     permissions=frozenset({"courses.manage", "courses.create"}))
    with pytest.raises(NotFound):
        courses.get_outline(session, stranger, course.id)


def test_moving_modules_and_lessons(course, session, actor_of):
    irene = actor_of(IRENE)
    basics, practice = courses.modules_of(session, course.id)
    courses.move_module(session, irene, practice.id, "up")
    courses.move_module(session, irene, practice.id, "up")  # already first: nothing happens
    assert [m.title for m in courses.get_outline(session, irene, course.id).modules] == ["Practice", "Basics"]
    courses.reorder_modules(session, irene, course.id, [basics.id, practice.id])
    with pytest.raises(Invalid, match="all the modules"):
        courses.reorder_modules(session, irene, course.id, [basics.id])

    welcome, exits, drill = (session.exec(select(Lesson).where(Lesson.title == t)).one() for t in ("Welcome", "Fire exits", "Drill"))
    courses.move_lesson(session, irene, exits.id, "up")
    courses.move_lesson_to(session, irene, drill.id, basics.id, 1)
    outline = courses.get_outline(session, irene, course.id)
    assert outline_titles(outline) == [("Basics", ["Fire exits", "Drill", "Welcome"]), ("Practice", [])]
    assert [lesson.position for lesson in outline.modules[0].lessons] == [0, 1, 2]
    courses.reorder_lessons(session, irene, basics.id, [welcome.id, exits.id, drill.id])
    assert outline_titles(courses.get_outline(session, irene, course.id))[0] == ("Basics", ["Welcome", "Fire exits", "Drill"])


def test_deleting_is_audited(course, session, actor_of):
    irene = actor_of(IRENE)
    basics, practice = courses.modules_of(session, course.id)
    exits = session.exec(select(Lesson).where(Lesson.title == "Fire exits")).one()
    courses.delete_lesson(session, irene, exits.id)
    courses.delete_module(session, irene, practice.id)
    session.commit()
    assert outline_titles(courses.get_outline(session, irene, course.id)) == [("Basics", ["Welcome"])]
    assert last_event(session, "course.lesson_deleted").before["lesson"] == "Fire exits"
    assert last_event(session, "course.module_deleted").before == {"module": "Practice", "lessons": 1, "progress_records": 0}


def test_prerequisites_refuse_loops_with_a_clear_message(course, session, actor_of):
    irene = actor_of(IRENE)
    welcome, exits, drill = (session.exec(select(Lesson).where(Lesson.title == t)).one() for t in ("Welcome", "Fire exits", "Drill"))
    courses.set_lesson_prerequisites(session, irene, exits.id, [welcome.id])
    courses.set_lesson_prerequisites(session, irene, drill.id, [exits.id])
    with pytest.raises(Invalid, match="A lesson cannot require itself"):
        courses.set_lesson_prerequisites(session, irene, welcome.id, [welcome.id])
    with pytest.raises(Invalid, match="loop of prerequisites") as err:
        courses.set_lesson_prerequisites(session, irene, welcome.id, [drill.id])
    assert "“Welcome”" in err.value.message and "“Drill”" in err.value.message
    # Through modules: Basics needs Practice while Practice's lesson needs a Basics lesson.
    basics, practice = courses.modules_of(session, course.id)
    with pytest.raises(Invalid, match="loop of prerequisites"):
        courses.set_module_prerequisites(session, irene, basics.id, [practice.id])
    courses.set_module_prerequisites(session, irene, practice.id, [basics.id])
    with pytest.raises(Invalid, match="loop of prerequisites"):
        courses.set_module_prerequisites(session, irene, basics.id, [practice.id])
    outline = courses.get_outline(session, irene, course.id)
    assert outline.modules[1].requires == [basics.id]
    assert outline.modules[0].lessons[1].requires == [welcome.id]


def test_release_rules(course, session, actor_of):
    irene = actor_of(IRENE)
    basics, practice = courses.modules_of(session, course.id)
    courses.set_release(session, irene, module_id=practice.id, days_after_enrollment=7)
    drill = session.exec(select(Lesson).where(Lesson.title == "Drill")).one()
    courses.set_release(session, irene, lesson_id=drill.id, available_on=date(2027, 3, 3))
    with pytest.raises(Invalid, match="not both"):
        courses.set_release(session, irene, lesson_id=drill.id, available_on=date(2027, 3, 3), days_after_enrollment=2)
    outline = courses.get_outline(session, irene, course.id)
    assert outline.modules[1].available_after_days == 7 and outline.modules[1].lessons[0].available_on == date(2027, 3, 3)


def test_publishing_checklist_lists_what_is_missing_and_refuses(demo, session, actor_of):
    irene = actor_of(IRENE)
    c = courses.create_course(session, irene, "Half done")
    with pytest.raises(PublishRefused) as err:
        courses.set_visibility(session, irene, c.id, "published")
    assert err.value.problems == ["Add at least one module with a lesson."]
    m1 = courses.add_module(session, irene, c.id, "Intro")
    courses.add_module(session, irene, c.id, "Empty one")
    courses.add_lesson(session, irene, m1.id, "Still to write", "text")
    courses.add_lesson(session, irene, m1.id, "A video", "video", {"source": "link", "url": "https://videos.example.com/v/1"})
    problems = courses.publish_checklist(session, irene, c.id)
    assert problems == [
        "Module “Empty one” has no lessons.",
        "Lesson “Still to write” in “Intro” is not ready: Add some text to this lesson.",
    ]
    with pytest.raises(PublishRefused):
        courses.set_visibility(session, irene, c.id, "published")
    assert c.visibility == "draft"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "course.published", AuditEvent.target_id == str(c.id))).first() is None

    courses.delete_module(session, irene, courses.modules_of(session, c.id)[1].id)
    lesson = session.exec(select(Lesson).where(Lesson.title == "Still to write")).one()
    courses.update_lesson(session, irene, lesson.id, content={"markdown": "Done now."})
    courses.update_course(session, irene, c.id, completion_rule="chosen")
    assert courses.publish_checklist(session, irene, c.id) == [
        "Choose at least one lesson that counts for completion: the course is completed when the chosen lessons are done."]
    courses.update_lesson(session, irene, lesson.id, counts_for_completion=True)
    courses.set_visibility(session, irene, c.id, "published")
    session.commit()
    assert c.visibility == "published" and c.published_at is not None
    assert last_event(session, "course.published").after == {"visibility": "published"}
    courses.archive_course(session, irene, c.id)
    assert last_event(session, "course.archived") is not None


def test_lesson_content_is_validated_by_its_kind(course, session, actor_of):
    irene = actor_of(IRENE)
    basics = courses.modules_of(session, course.id)[0]
    with pytest.raises(Invalid, match="web address"):
        courses.add_lesson(session, irene, basics.id, "Bad link", "link", {"url": "javascript:alert(1)"})
    with pytest.raises(Invalid, match="no lesson kind"):
        courses.add_lesson(session, irene, basics.id, "Odd", "hologram", {})
    with pytest.raises(Invalid, match="not valid"):
        courses.add_lesson(session, irene, basics.id, "Escape", "file", {"file_path": "../../etc/passwd"})
    with pytest.raises(Invalid, match="where the session happens"):
        courses.add_lesson(session, irene, basics.id, "Meet", "live_session", {"starts_at": "2027-03-03T14:00+01:00"})
    live = courses.add_lesson(session, irene, basics.id, "Meet", "live_session", {"starts_at": "2027-03-03T14:00+01:00", "location": "Room 4"})
    assert live.content == {"starts_at": "2027-03-03T14:00:00+01:00", "duration_minutes": 60, "location": "Room 4"}


def test_the_registry_knows_the_base_kinds():
    found = {k.key: (k.completion, k.icon) for k in registry.kinds()}
    assert found.items() >= {"text": ("viewed", "file-text"), "video": ("watched", "video"), "file": ("viewed", "file-down"),
                             "link": ("viewed", "link"), "live_session": ("attended", "calendar-clock"),
                             "quiz": ("passed", "list-checks")}.items()
    video = registry.get("video")
    content = video.validate_content({"file_path": "videos/intro.mp4", "duration_seconds": "100"})
    assert content == {"source": "upload", "file_path": "videos/intro.mp4", "duration_seconds": 100}
    assert not video.is_complete(content, registry.Evidence(watched_seconds=89))
    assert video.is_complete(content, registry.Evidence(watched_seconds=90))
    with pytest.raises(ValueError):
        registry.register(registry.LessonKind("text", "Text again", "x", "viewed", lambda c: c))


def test_copying_a_course_gives_a_draft_with_the_same_structure(course, session, actor_of):
    irene = actor_of(IRENE)
    welcome, exits = (session.exec(select(Lesson).where(Lesson.title == t, Lesson.course_id == course.id)).one() for t in ("Welcome", "Fire exits"))
    courses.set_lesson_prerequisites(session, irene, exits.id, [welcome.id])
    courses.set_visibility(session, irene, course.id, "published")
    copy = courses.copy_course(session, irene, course.id)
    session.commit()
    assert copy.title == "Copy of Store safety" and copy.visibility == "draft"
    original, copied = courses.get_outline(session, irene, course.id), courses.get_outline(session, irene, copy.id)
    assert outline_titles(copied) == outline_titles(original) and copied.tags == original.tags
    copied_welcome = copied.modules[0].lessons[0]
    assert copied.modules[0].lessons[1].requires == [copied_welcome.id] != [welcome.id]
    assert copied_welcome.content == TEXT
    with pytest.raises(PermissionDenied):
        courses.copy_course(session, actor_of(ISAAC), course.id)


def test_a_course_cannot_require_itself_through_others(course, session, actor_of):
    irene = actor_of(IRENE)
    second = courses.create_course(session, irene, "Advanced safety")
    courses.update_course(session, irene, second.id, required_course_id=course.id)
    with pytest.raises(Invalid, match="already requires"):
        courses.update_course(session, irene, course.id, required_course_id=second.id)
    with pytest.raises(Invalid, match="Unknown course setting"):
        courses.update_course(session, irene, course.id, visibility="published")


def test_the_teaching_team_is_chosen_among_people_who_teach(course, session, actor_of):
    irene = actor_of(IRENE)
    found = courses.staff_candidates(session, irene, course.id, "ISAAC")
    assert [m.email for m in found] == [ISAAC]
    assert courses.staff_candidates(session, irene, course.id, "irene") == [], "already on the course"
    assert courses.staff_candidates(session, irene, course.id, "leo") == [], "a learner does not teach"
    with pytest.raises(Invalid, match="has no role that teaches courses"):
        courses.add_staff(session, irene, course.id, user_id(session, LEO), "assistant")
    with pytest.raises(PermissionDenied):
        courses.staff_candidates(session, actor_of(ISAAC), course.id, "irene")


def test_a_course_may_require_any_other_course_that_is_not_archived(course, session, actor_of):
    irene = actor_of(IRENE)
    other = courses.create_course(session, irene, "Basics first")
    old = courses.create_course(session, irene, "Old basics")
    courses.archive_course(session, irene, old.id)
    assert [title for _, title in courses.required_course_options(session, irene, course.id)] == ["Basics first"]
    courses.update_course(session, irene, course.id, required_course_id=other.id)
    assert courses.get_outline(session, irene, course.id).required_course_id == other.id
