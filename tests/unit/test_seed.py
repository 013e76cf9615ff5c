"""Demo and synthetic data: idempotent demo, reproducible synthetic sizes, first-start only."""

import subprocess
import sys
from datetime import datetime, timezone

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

# The synthetic history ends here: the same seed and end give the same rows.
END = datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc)


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
        counts = seed.seed_synthetic(s, "S", end=END)
    assert counts["users"] == 1000 and counts["courses"] == 20 and counts["enrollments"] == 5000
    # A question bank per course, every question valid and right by construction.
    assert counts["question_categories"] == 20 and counts["questions"] == 200
    sample = session.exec(select(BankQuestion).order_by(BankQuestion.id).limit(QUESTIONS_PER_COURSE)).all()
    assert {q.type for q in sample} == set(QUESTION_TYPES)
    for row in sample:
        question = validate(Question.from_dict(row.spec))
        assert question.to_dict() == row.spec
    # The player's benchmark course: 20 modules of 10 lessons.
    big = session.exec(select(Course.id).where(Course.title.like("% 1")).order_by(Course.id)).first()
    assert session.exec(select(func.count(Lesson.id)).where(Lesson.course_id == big)).one() == 200
    # A completed run has every lesson done; an active one has fewer.
    for run in session.exec(select(Enrollment).order_by(Enrollment.id).limit(300)).all():
        done = session.exec(select(func.count(LessonProgress.id)).where(LessonProgress.enrollment_id == run.id,
                                                                       LessonProgress.status == "done")).one()
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
        seed.seed_synthetic(s, "S", end=END)
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


# --- synthetic assessments ---------------------------------------------------------------------

def _lesson_of(session, lesson_id):
    return session.get(Lesson, lesson_id)


def test_synthetic_quizzes_assignments_and_gradebook_are_consistent(engine, session):
    from lms_app.assessments.assignment_settings import AssignmentSettings, late_penalty
    from lms_app.assessments.grading import grade, max_points
    from lms_app.assessments.quiz_settings import QuizSettings
    from lms_app.lessons import registry
    from lms_app.models import AttemptAnswer, GradeCategory, GradeEntry, GradeItem, QuizAttempt, Submission
    from lms_app.services import quizzes

    with db.session_scope() as s:
        counts = seed.seed_synthetic(s, "S", end=END)
    assert counts["quiz_attempts"] > 1000 and counts["attempt_answers"] >= 5 * counts["quiz_attempts"]
    assert counts["submissions"] > 200 and counts["grade_entries"] > 1000

    # Every quiz and assignment lesson is valid as its kind's registry entry says, and the
    # player's benchmark course (the first) keeps only its text lessons.
    graded = session.exec(select(Lesson).where(Lesson.kind.in_(("quiz", "assignment")))).all()
    per_course: dict[int, list[str]] = {}
    for lesson in graded:
        assert registry.validate_content(lesson.kind, lesson.content) == lesson.content
        per_course.setdefault(lesson.course_id, []).append(lesson.kind)
    assert len(per_course) == 19
    assert all(kinds.count("assignment") == 1 and 1 <= kinds.count("quiz") <= 2 for kinds in per_course.values())
    assert any(kinds.count("quiz") == 2 for kinds in per_course.values()) and any(kinds.count("quiz") == 1 for kinds in per_course.values())

    # Scores are what grading the answers gives.
    answers: dict[int, list[AttemptAnswer]] = {}
    for answer in session.exec(select(AttemptAnswer).order_by(AttemptAnswer.attempt_id, AttemptAnswer.position)).all():
        answers.setdefault(answer.attempt_id, []).append(answer)
    attempts = session.exec(select(QuizAttempt).order_by(QuizAttempt.id)).all()
    settings = {lesson.id: QuizSettings.from_content(lesson.content) for lesson in graded if lesson.kind == "quiz"}
    for attempt in attempts:
        mine = answers[attempt.id]
        questions = [Question.from_dict(a.question) for a in mine]
        assert attempt.max_score == round(sum(max_points(q) for q in questions), 2)
        assert len({a.bank_question_id for a in mine}) == len(mine)  # draws never repeat a question
        for a, q in zip(mine, questions):
            if attempt.status == "in_progress":
                assert a.points is None
            elif not q.manual:
                regraded = grade(q, a.response)
                assert (a.points, a.fraction) == (regraded.points, regraded.fraction), (attempt.id, a.position)
            elif attempt.status == "graded":
                assert a.points is not None and a.graded_at is not None
        if attempt.status == "in_progress":
            assert attempt.score is None and attempt.submitted_at is None
            continue
        assert attempt.score == round(sum(a.points or 0.0 for a in mine), 2)
        if attempt.status == "graded":
            assert attempt.released_at is not None and attempt.fraction == attempt.score / attempt.max_score
            assert attempt.passed == (attempt.fraction * 100 >= settings[attempt.lesson_id].passing_percent - 1e-9)
        else:
            assert attempt.status == "awaiting_grading" and attempt.released_at is None and attempt.fraction is None
            assert any(q.manual for q in questions)
    statuses = [a.status for a in attempts]
    assert {"graded", "awaiting_grading", "in_progress"} == set(statuses)
    released = [a for a in attempts if a.status == "graded"]
    # Skewed: most attempts pass, some fail; most runs never attempt a quiz.
    assert 0.55 < sum(a.passed for a in released) / len(released) < 0.95
    assert statuses.count("awaiting_grading") < 0.2 * len(statuses) and statuses.count("in_progress") < 0.2 * len(statuses)
    assert len({a.enrollment_id for a in attempts}) < 0.8 * counts["enrollments"]

    # Attempts and submissions only for the course's own learners.
    for model in (QuizAttempt, Submission):
        stray = session.exec(select(func.count(model.id)).join(Enrollment, Enrollment.id == model.enrollment_id)
                             .join(Lesson, Lesson.id == model.lesson_id)
                             .where((Enrollment.user_id != model.user_id) | (Enrollment.course_id != Lesson.course_id))).one()
        assert stray == 0

    # The gradebook: a quiz's entry is its quiz grade; a passed quiz is a done lesson.
    items = {item.lesson_id: item for item in session.exec(select(GradeItem).where(GradeItem.lesson_id.is_not(None))).all()}
    entries = session.exec(select(GradeEntry).where(GradeEntry.item_id.in_([i.id for i in items.values()])).order_by(GradeEntry.id)).all()
    lesson_of_item = {item.id: lesson_id for lesson_id, item in items.items()}
    kinds = {lesson.id: lesson.kind for lesson in graded}
    quiz_entries = [e for e in entries if kinds[lesson_of_item[e.item_id]] == "quiz"]
    for entry in quiz_entries[:300]:
        lesson_id = lesson_of_item[entry.item_id]
        result = quizzes.quiz_grade(session, entry.enrollment_id, lesson_id)
        assert result is not None and entry.points == round(result.fraction * items[lesson_id].max_points, 2)
        done = session.exec(select(LessonProgress.status).where(LessonProgress.enrollment_id == entry.enrollment_id,
                                                                LessonProgress.lesson_id == lesson_id)).first()
        assert (done == "done") == result.passed
    graded_runs = {(a.lesson_id, a.enrollment_id) for a in released}
    assert {(lesson_of_item[e.item_id], e.enrollment_id) for e in quiz_entries} == graded_runs
    assert any(e.override_points is not None and e.override_reason for e in entries)

    # Submissions: some waiting, some graded in draft, some released; some late, with the
    # assignment's penalty; the released ones, less their penalty, are in the gradebook.
    submissions = session.exec(select(Submission).order_by(Submission.id)).all()
    assert {s.status for s in submissions} == {"submitted", "graded", "released"}
    assert 0 < sum(s.late_seconds > 0 for s in submissions) < 0.5 * len(submissions)
    by_run = {(lesson_of_item[e.item_id], e.enrollment_id): e for e in entries}
    for sub in submissions:
        rules = AssignmentSettings.from_content(_lesson_of(session, sub.lesson_id).content)
        if sub.status == "submitted":
            assert sub.points is None and (sub.lesson_id, sub.enrollment_id) not in by_run
            continue
        assert sub.penalty == late_penalty(rules, sub.late_seconds) and sub.graded_at is not None
        if sub.status == "released":
            expected = round(max(0.0, sub.points - sub.penalty) / sub.max_points * items[sub.lesson_id].max_points, 2)
            assert by_run[(sub.lesson_id, sub.enrollment_id)].points == expected
            assert rules.passes(max(0.0, sub.points - sub.penalty) / sub.max_points)
        else:
            assert sub.released_at is None and (sub.lesson_id, sub.enrollment_id) not in by_run
    # Two weighted categories and a manual "Participation" item per course with assessments.
    assert session.exec(select(func.count(GradeCategory.id))).one() == 2 * 19
    participation = session.exec(select(GradeItem).where(GradeItem.lesson_id.is_(None))).all()
    assert len(participation) == 19 and {i.title for i in participation} == {"Participation"}
    assert session.exec(select(func.count(GradeEntry.id)).where(GradeEntry.item_id.in_([i.id for i in participation]))).one() > 100


def _assessment_fingerprint(session) -> tuple:
    from lms_app.models import AttemptAnswer, GradeEntry, QuizAttempt, Submission

    tables = (QuizAttempt, AttemptAnswer, Submission, GradeEntry, LessonProgress, Lesson)
    counts = tuple(session.exec(select(func.count()).select_from(m)).one() for m in tables)
    attempts = session.exec(select(QuizAttempt.number, QuizAttempt.status, QuizAttempt.score, QuizAttempt.max_score, QuizAttempt.passed,
                                   QuizAttempt.closed_by).order_by(QuizAttempt.id).limit(50)).all()
    answers = session.exec(select(AttemptAnswer.position, AttemptAnswer.question, AttemptAnswer.order, AttemptAnswer.response,
                                  AttemptAnswer.points).order_by(AttemptAnswer.id).limit(100)).all()
    submissions = session.exec(select(Submission.status, Submission.number, Submission.points, Submission.penalty, Submission.text)
                               .order_by(Submission.id).limit(30)).all()
    entries = session.exec(select(GradeEntry.points, GradeEntry.override_points).order_by(GradeEntry.id).limit(100)).all()
    return counts, attempts, answers, submissions, entries


def test_synthetic_assessments_are_reproducible(engine, session):
    from tests.conftest import _empty_all_tables

    from lms_app.services.setup import ensure_installation

    with db.session_scope() as s:
        first_counts = seed.seed_synthetic(s, "S", end=END)
    first = _assessment_fingerprint(session)
    _empty_all_tables(engine)
    with db.session_scope() as s:
        ensure_installation(s)
    with db.session_scope() as s:
        assert seed.seed_synthetic(s, "S", end=END) == first_counts
    assert _assessment_fingerprint(session) == first
    assert first[1] and first[2] and first[3] and first[4]
