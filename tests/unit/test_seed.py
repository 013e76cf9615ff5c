"""Demo and synthetic data: idempotent demo, reproducible synthetic sizes, first-start only."""

import subprocess
import sys

import pytest

from sqlalchemy import func
from sqlmodel import SQLModel, select

from lms_app import db, settings
from lms_app.assessments.questions import QUESTION_TYPES, Question
from lms_app.assessments.validation import validate
from lms_app.models import BankQuestion, Course, Department, DepartmentManager, Enrollment, Group, GroupManager, GroupMember, Lesson, LessonProgress, User, UserRole
from lms_app.services import courses, enrollment, progress, seed
from lms_app.services.seed import QUESTIONS_PER_COURSE
from lms_app.services.errors import Invalid


def _counts(session) -> dict[str, int]:
    return {t.name: session.exec(select(func.count()).select_from(t)).one() for t in SQLModel.metadata.sorted_tables}


def test_demo_seed_is_idempotent_and_has_every_role(engine, session):
    with db.session_scope() as s:
        seed.seed_demo(s)
    first = _counts(session)
    with db.session_scope() as s:
        seed.seed_demo(s)
    assert _counts(session) == first
    assert first["app_user"] == 24 and first["department"] == 3 and first["user_group"] == 2 and first["course"] == 4
    assert session.exec(select(func.count()).select_from(GroupManager)).one() == 1
    assert session.exec(select(func.count()).select_from(DepartmentManager)).one() == 1


def test_demo_courses_are_published_with_learners_at_every_stage(engine, session, actor_of):
    with db.session_scope() as s:
        seed.seed_demo(s)
    published = session.exec(select(Course).where(Course.visibility == "published").order_by(Course.title)).all()
    assert [c.title for c in published] == ["Customer service essentials", "Outdoor gear: product knowledge", "Warehouse safety"]
    for course in published:
        assert courses.publish_checklist(session, actor_of("admin@example.com"), course.id) == []
    service = next(c for c in published if c.title == "Customer service essentials")
    runs = session.exec(select(Enrollment).where(Enrollment.course_id == service.id)).all()
    percents = progress.percent_by_enrollment(session, runs)
    assert {r.status for r in runs} == {"active", "completed"}
    assert any(p == 0 for p in percents.values()) and any(0 < p < 100 for p in percents.values())
    assert sum(r.status == "completed" for r in runs) == 4
    # Leo: halfway through customer service, the product course finished.
    leo = actor_of("leo@example.com")
    mine = {row.course_id: row for row in session.exec(select(Enrollment).where(Enrollment.user_id == leo.user_id)).all()}
    assert mine[service.id].status == "active" and 0 < percents[mine[service.id].id] < 100
    product = next(c for c in published if c.title.startswith("Outdoor gear"))
    assert mine[product.id].status == "completed" and mine[product.id].completed_at is not None
    # Real files: a video and a PDF in private storage, and cover images.
    stored = {le.kind: le.content for le in session.exec(select(Lesson).where(Lesson.kind.in_(("video", "file")))).all()}
    assert (settings.PRIVATE_DIR / stored["video"]["file_path"]).read_bytes()[:4] == b"\x1a\x45\xdf\xa3"
    assert (settings.PRIVATE_DIR / stored["file"]["file_path"]).read_bytes().startswith(b"%PDF-")
    assert all((settings.PRIVATE_DIR / c.cover_image_path).read_bytes()[:4] == b"\x89PNG" for c in published)
    # A template to copy: a draft two instructors may copy.
    template = session.exec(select(Course).where(Course.title == "Course template")).one()
    assert template.visibility == "draft"
    copy = courses.copy_course(session, actor_of("isaac@example.com"), template.id)
    assert [m.title for m in courses.get_outline(session, actor_of("isaac@example.com"), copy.id).modules] == ["Welcome", "Learn", "Wrap-up"]
    # The safety course asks for its key.
    safety = next(c for c in published if c.title == "Warehouse safety")
    with pytest.raises(Invalid, match="key"):
        enrollment.self_enroll(session, actor_of("sven@example.com"), safety.id, "wrong")


def _fingerprint(session) -> list[tuple]:
    users = session.exec(select(User.email, User.is_active, User.hire_date, Department.name).join(Department, Department.id == User.department_id).order_by(User.email)).all()
    groups = session.exec(select(User.email, Group.name).join(GroupMember, GroupMember.user_id == User.id).join(Group, Group.id == GroupMember.group_id).order_by(User.email)).all()
    return [*users, *groups]


def test_synthetic_seed_is_reproducible(engine, session):
    with db.session_scope() as s:
        counts = seed.seed_synthetic(s, "S")
    assert counts["users"] == 1000 and counts["courses"] == 200 and counts["enrollments"] == 3000
    # A question bank per course, every question valid and right by construction.
    assert counts["question_categories"] == 200 and counts["questions"] == 2000
    sample = session.exec(select(BankQuestion).order_by(BankQuestion.id).limit(QUESTIONS_PER_COURSE)).all()
    assert {q.type for q in sample} == set(QUESTION_TYPES)
    for row in sample:
        question = validate(Question.from_dict(row.spec))
        assert question.to_dict() == row.spec
    # The player's benchmark course: 20 modules of 10 lessons.
    big = session.exec(select(Course.id).where(Course.title.like("% 1")).order_by(Course.id)).first()
    assert session.exec(select(func.count(Lesson.id)).where(Lesson.course_id == big)).one() == 200
    # A completed run has every lesson done; an active one has fewer.
    for run in session.exec(select(Enrollment).limit(300)).all():
        done = session.exec(select(func.count(LessonProgress.id)).where(LessonProgress.enrollment_id == run.id)).one()
        total = session.exec(select(func.count(Lesson.id)).where(Lesson.course_id == run.course_id)).one()
        assert (done == total) == (run.status == "completed")
    assert session.exec(select(func.count()).select_from(UserRole)).one() == 1000
    first = _fingerprint(session)
    # Empty the tables the seed filled, seed again: the same people in the same places.
    with db.session_scope() as s:
        for model in (GroupManager, DepartmentManager, GroupMember, UserRole, User, Group):
            s.exec(model.__table__.delete())
        s.exec(Department.__table__.delete().where(Department.parent_id.is_not(None)))
        s.exec(Department.__table__.delete())
    with db.session_scope() as s:
        seed.seed_synthetic(s, "S")
    assert _fingerprint(session) == first


def test_first_start_seeds_only_an_empty_database(engine, database_url, session):
    env = {"LMS_DATABASE_URL": database_url, "LMS_JOBS": "off", "PATH": "/usr/bin:/bin"}
    run = lambda: subprocess.run([sys.executable, "-m", "lms_app", "seed", "--demo", "--first-start"], env=env, capture_output=True, text=True, check=True)
    out = run().stdout
    assert "admin@example.com" in out and "harbor-pine-demo-2026" in out
    # An admin removed the demo admin account: a restart must not bring it back.
    with db.session_scope() as s:
        s.exec(User.__table__.delete().where(User.email == "admin@example.com"))
    out = run().stdout
    assert session.exec(select(User.id).where(User.email == "admin@example.com")).first() is None
    assert "admin@example.com" not in out and "leo@example.com" in out
