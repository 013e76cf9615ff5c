"""Grading in the browser, the service: the queue (only the courses one teaches, oldest
first, filters), grading answers and submissions with a score or a rubric, drafts the learner
does not see until released, release one by one or in bulk, grades reaching the gradebook and
completion, the audit of every grade change, and regrading a question whose key was fixed.

(tests/unit/test_grading.py holds the per-question-type grading rules.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from lms_app.assessments.questions import Choice, Question
from lms_app.models import AttemptAnswer, AuditEvent, GradeEntry, LessonProgress, QuizAttempt, Submission, utcnow
from lms_app.services import courses, enrollment, grading, question_bank, quizzes, rubrics
from lms_app.services.errors import Invalid, PermissionDenied
from lms_app.services.grading import ASSIGNMENT, QUIZ, QueueFilters

IRENE, ISAAC, LEO, AMARA, ADMIN = "irene@example.com", "isaac@example.com", "leo@example.com", "amara@example.com", "admin@example.com"
RIGHT, WRONG = 0, 1
T0 = utcnow().replace(microsecond=0) - timedelta(days=2)
RUBRIC = [{"name": "Clarity", "levels": [{"label": "Poor", "points": 0}, {"label": "Fair", "points": 2}, {"label": "Good", "points": 4}]},
          {"name": "Evidence", "levels": [{"label": "None", "points": 0}, {"label": "Some", "points": 3}, {"label": "Strong", "points": 6}]}]


def single(title: str) -> Question:
    return Question("single", title, f"{title}?", choices=[Choice("Yes", 1.0), Choice("No", 0.0)])


def make_course(session, teacher, title: str, passing: float | None = 60):
    course = courses.create_course(session, teacher, title)
    module = courses.add_module(session, teacher, course.id, "Basics")
    bank = question_bank.create_category(session, teacher, "Bank", course_id=course.id)
    q1 = question_bank.save_question(session, teacher, bank.id, single("Exits")).id
    essay = question_bank.save_question(session, teacher, bank.id, Question("essay", "Why", "Explain why exits stay clear.", points=4)).id
    quiz = courses.add_lesson(session, teacher, module.id, "Check", "quiz",
                              {"questions": [{"question_id": q1}, {"question_id": essay}], "passing_percent": passing})
    report = courses.add_lesson(session, teacher, module.id, "Report", "assignment", {
        "instructions": "Write **one page** on exits.", "max_points": 20, "passing_percent": 50,
        "due_at": (T0 - timedelta(days=1)).isoformat(), "late_penalty_percent": 10})
    courses.update_course(session, teacher, course.id, self_enrollment=True)
    courses.set_visibility(session, teacher, course.id, "published")
    return {"course": course.id, "quiz": quiz.id, "report": report.id, "q1": q1, "essay": essay, "bank": bank.id}


def take(session, learner, quiz_id, *responses, now):
    attempt = quizzes.start_attempt(session, learner, quiz_id, now=now)
    for position, response in enumerate(responses, 1):
        quizzes.save_answer(session, learner, attempt.id, position, response, now=now)
    quizzes.submit(session, learner, attempt.id, now=now)
    return attempt.id


def essay_of(session, attempt_id) -> AttemptAnswer:
    return session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.position == 2)).one()


def hand_in(session, learner_actor, lesson_id, run_id, at, late_seconds=0) -> int:
    row = Submission(org_id=learner_actor.org_id, lesson_id=lesson_id, enrollment_id=run_id, user_id=learner_actor.user_id,
                     text="My report: keep exits clear.", submitted_at=at, late_seconds=late_seconds, max_points=20)
    session.add(row)
    session.flush()
    return row.id


@pytest.fixture
def world(demo, session, actor_of):
    """Irene's course (a quiz with an essay, an assignment) where Leo and Amara took the quiz
    and handed in the report; Isaac's course where Leo took the quiz too."""
    irene, isaac, leo, amara = actor_of(IRENE), actor_of(ISAAC), actor_of(LEO), actor_of(AMARA)
    mine = make_course(session, irene, "Fire safety")
    theirs = make_course(session, isaac, "Isaac's course")
    runs = {email: enrollment.self_enroll(session, actor_of(email), mine["course"]).id for email in (LEO, AMARA)}
    other_run = enrollment.self_enroll(session, leo, theirs["course"]).id
    attempts = {
        LEO: take(session, leo, mine["quiz"], RIGHT, "Because people must get out.", now=T0),
        AMARA: take(session, amara, mine["quiz"], WRONG, "So that firefighters get in.", now=T0 + timedelta(minutes=10)),
    }
    other_attempt = take(session, leo, theirs["quiz"], RIGHT, "Isaac's essay.", now=T0 - timedelta(hours=1))
    subs = {LEO: hand_in(session, leo, mine["report"], runs[LEO], T0 + timedelta(minutes=5)),
            AMARA: hand_in(session, amara, mine["report"], runs[AMARA], T0 + timedelta(minutes=20), late_seconds=3600)}
    hand_in(session, leo, theirs["report"], other_run, T0 - timedelta(hours=2))
    rubric = rubrics.save_rubric(session, irene, mine["course"], "Essay rubric", RUBRIC)
    session.commit()
    answers = {email: essay_of(session, a).id for email, a in attempts.items()}
    return {**mine, "runs": runs, "attempts": attempts, "answers": answers, "subs": subs, "rubric": rubric.id,
            "other_answer": essay_of(session, other_attempt).id}


def keys(page):
    return [(r.kind, r.item_id) for r in page.rows]


# --- the queue ---------------------------------------------------------------------------------

def test_the_queue_lists_only_the_courses_one_teaches_oldest_first(world, session, actor_of):
    page = grading.queue(session, actor_of(IRENE))
    a, s = world["answers"], world["subs"]
    assert keys(page) == [(QUIZ, a[LEO]), (ASSIGNMENT, s[LEO]), (QUIZ, a[AMARA]), (ASSIGNMENT, s[AMARA])]
    assert page.total == 4 and page.courses == [(world["course"], "Fire safety")]
    assert {r.course_title for r in page.rows} == {"Fire safety"}, "Isaac's course is not Irene's to grade"
    leo_row = page.rows[0]
    assert (leo_row.learner_name, leo_row.item_title, leo_row.lesson_title, leo_row.max_points, leo_row.status) == \
        ("Leo Learner", "Why", "Check", 4.0, "to_grade")
    assert page.rows[3].late_seconds == 3600
    # Isaac sees his own course's work only; someone who manages all courses sees what they staff (nothing).
    assert [r.course_title for r in grading.queue(session, actor_of(ISAAC)).rows] == ["Isaac's course", "Isaac's course"]
    assert grading.queue(session, actor_of(ADMIN)).rows == []
    with pytest.raises(PermissionDenied):
        grading.queue(session, actor_of(LEO))


def test_the_queue_filters_by_course_kind_learner_and_status(world, session, actor_of):
    irene = actor_of(IRENE)
    a, s = world["answers"], world["subs"]
    assert keys(grading.queue(session, irene, QueueFilters(kind=QUIZ))) == [(QUIZ, a[LEO]), (QUIZ, a[AMARA])]
    assert keys(grading.queue(session, irene, QueueFilters(kind=ASSIGNMENT, search="amara"))) == [(ASSIGNMENT, s[AMARA])]
    assert grading.queue(session, irene, QueueFilters(course_id=world["course"] + 1)).rows == []
    grading.grade_answer(session, irene, a[LEO], points=3, feedback="Good.")
    grading.grade_submission(session, irene, s[AMARA], points=15)
    assert keys(grading.queue(session, irene)) == [(ASSIGNMENT, s[LEO]), (QUIZ, a[AMARA])]
    assert keys(grading.queue(session, irene, QueueFilters(status="to_release"))) == [(QUIZ, a[LEO]), (ASSIGNMENT, s[AMARA])]
    assert grading.queue(session, irene, QueueFilters(status="waiting")).total == 4
    assert grading.waiting_count(session, irene) == 2


def test_previous_and_next_follow_the_queue_order(world, session, actor_of):
    irene = actor_of(IRENE)
    a, s = world["answers"], world["subs"]
    first = grading.item_view(session, irene, QUIZ, a[LEO])
    assert (first.previous, first.next) == (None, (ASSIGNMENT, s[LEO]))
    middle = grading.item_view(session, irene, QUIZ, a[AMARA])
    assert (middle.previous, middle.next) == ((ASSIGNMENT, s[LEO]), (ASSIGNMENT, s[AMARA]))
    only_quizzes = grading.item_view(session, irene, QUIZ, a[LEO], QueueFilters(kind=QUIZ))
    assert only_quizzes.next == (QUIZ, a[AMARA])
    # Grading Leo's essay takes it out of "to grade": its neighbours stay where they were, and
    # "previous" still finds it (graded, not released), so the grader can look again.
    grading.grade_answer(session, irene, a[LEO], points=2)
    assert grading.item_view(session, irene, QUIZ, a[LEO]).next == (ASSIGNMENT, s[LEO])
    assert grading.item_view(session, irene, ASSIGNMENT, s[LEO]).previous == (QUIZ, a[LEO])
    grading.release(session, irene, [(QUIZ, a[LEO])])
    assert grading.item_view(session, irene, ASSIGNMENT, s[LEO]).previous is None, "released: out of the queue"


def test_the_grading_view_shows_the_work_and_the_rubrics(world, session, actor_of):
    irene = actor_of(IRENE)
    essay = grading.item_view(session, irene, QUIZ, world["answers"][LEO])
    assert (essay.answer_text, essay.instructions, essay.max_points, essay.status) == \
        ("Because people must get out.", "Explain why exits stay clear.", 4.0, "to_grade")
    assert [r.title for r in essay.rubrics] == ["Essay rubric"] and essay.rubric is None
    report = grading.item_view(session, irene, ASSIGNMENT, world["subs"][AMARA])
    assert (report.instructions, report.answer_text, report.max_points, report.late_seconds, report.penalty) == \
        ("Write **one page** on exits.", "My report: keep exits clear.", 20.0, 3600, 2.0)
    with pytest.raises(PermissionDenied):
        grading.item_view(session, actor_of(ISAAC), QUIZ, world["answers"][LEO])
    with pytest.raises(PermissionDenied):
        grading.item_view(session, irene, QUIZ, world["other_answer"])


# --- grading ---------------------------------------------------------------------------------

def test_a_rubric_grading_is_scaled_to_the_questions_points(world, session, actor_of):
    irene = actor_of(IRENE)
    answer = grading.grade_answer(session, irene, world["answers"][LEO], levels=[2, 1], rubric_id=world["rubric"], feedback="Clear.")
    assert (answer.points, answer.rubric) == (2.8, {"rubric_id": world["rubric"], "levels": [2, 1]})  # 7 of 10 -> 2.8 of 4
    view = grading.item_view(session, irene, QUIZ, world["answers"][LEO])
    assert (view.points, view.rubric.title, view.rubric_levels, view.status) == (2.8, "Essay rubric", [2, 1], "to_release")
    with pytest.raises(Invalid, match="Choose a level for every criterion."):
        grading.grade_answer(session, irene, world["answers"][LEO], levels=[2], rubric_id=world["rubric"])


@pytest.mark.parametrize("points,message", [(5, "Give a score between 0 and 4."), (-1, "Give a score between 0 and 4."),
                                            ("lots", "The score must be a number."), (None, "Give a score.")])
def test_a_score_out_of_range_is_refused(world, session, actor_of, points, message):
    with pytest.raises(Invalid) as exc:
        grading.grade_answer(session, actor_of(IRENE), world["answers"][LEO], points=points)
    assert exc.value.message == message
    assert session.get(AttemptAnswer, world["answers"][LEO]).graded_at is None


def test_only_the_courses_staff_grade(world, session, actor_of):
    for email in (ISAAC, LEO):
        with pytest.raises(PermissionDenied):
            grading.grade_answer(session, actor_of(email), world["answers"][LEO], points=1)
        with pytest.raises(PermissionDenied):
            grading.grade_submission(session, actor_of(email), world["subs"][LEO], points=1)
        with pytest.raises(PermissionDenied):
            grading.release(session, actor_of(email), [(ASSIGNMENT, world["subs"][LEO])])


def test_a_draft_grade_is_invisible_to_the_learner_until_released(world, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    attempt_id = world["attempts"][LEO]
    grading.grade_answer(session, irene, world["answers"][LEO], points=3, feedback="Well argued.")
    view = quizzes.attempt_view(session, leo, attempt_id)
    assert view.status == "awaiting_grading" and view.score is None
    assert view.answers[1].points is None and "Well argued." not in view.answers[1].feedback
    result = grading.release(session, irene, [(QUIZ, world["answers"][LEO])])
    assert result.released == ["Leo Learner: Check"] and result.skipped == []
    view = quizzes.attempt_view(session, leo, attempt_id)
    assert (view.status, view.score, view.max_score, view.percent, view.passed) == ("graded", 4.0, 5.0, 80.0, True)
    assert view.answers[1].points == 3.0 and "Well argued." in view.answers[1].feedback


def test_release_needs_every_manual_answer_graded_and_reports_what_it_skipped(world, session, actor_of):
    irene = actor_of(IRENE)
    a, s = world["answers"], world["subs"]
    grading.grade_answer(session, irene, a[LEO], points=1)
    grading.grade_submission(session, irene, s[LEO], points=18)
    result = grading.release(session, irene, [(QUIZ, a[LEO]), (QUIZ, a[AMARA]), (ASSIGNMENT, s[LEO]), (ASSIGNMENT, s[AMARA]),
                                              (ASSIGNMENT, 987654)])
    assert result.released == ["Leo Learner: Check", "Leo Learner: Report"]
    assert result.skipped == ["Amara Okafor: Check: 1 answer still to grade", "Amara Okafor: Report: not graded yet",
                              "1 item no longer found"]
    assert session.get(QuizAttempt, world["attempts"][AMARA]).status == "awaiting_grading"
    again = grading.release(session, irene, [(QUIZ, a[LEO])])
    assert again.released == [] and again.skipped == ["Leo Learner: Check: already released"]


def test_a_released_grade_reaches_the_gradebook_and_completes_the_lesson(world, session, actor_of):
    irene = actor_of(IRENE)
    run = world["runs"][LEO]
    grading.grade_answer(session, irene, world["answers"][LEO], points=4)
    grading.grade_submission(session, irene, world["subs"][LEO], points=15)
    assert session.exec(select(GradeEntry)).all() == [], "drafts do not reach the gradebook"
    grading.release(session, irene, [(QUIZ, world["answers"][LEO]), (ASSIGNMENT, world["subs"][LEO])])
    entries = {e.item_id: e.points for e in session.exec(select(GradeEntry).where(GradeEntry.enrollment_id == run)).all()}
    assert sorted(entries.values()) == [15.0, 100.0]  # the report: 15 of its 20 points; the quiz: 5 of 5 (its item has 100)
    done = {p.lesson_id for p in session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == run,
                                                                           LessonProgress.status == "done")).all()}
    assert {world["quiz"], world["report"]} <= done
    submission = session.get(Submission, world["subs"][LEO])
    assert submission.status == "released" and submission.released_at is not None


def test_a_late_submission_loses_its_penalty_in_the_gradebook(world, session, actor_of):
    irene = actor_of(IRENE)
    grading.grade_submission(session, irene, world["subs"][AMARA], points=12)
    submission = session.get(Submission, world["subs"][AMARA])
    assert (submission.points, submission.penalty, submission.status) == (12.0, 2.0, "graded")  # 10% of 20 for one day started
    grading.release(session, irene, [(ASSIGNMENT, submission.id)])
    entry = session.exec(select(GradeEntry).where(GradeEntry.enrollment_id == world["runs"][AMARA])).one()
    assert entry.points == 10.0  # 12 less the 2 points of penalty
    assert session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == world["runs"][AMARA],
                                                     LessonProgress.lesson_id == world["report"], LessonProgress.status == "done")).first()


def test_every_grade_change_is_audited_and_a_released_one_needs_a_reason(world, session, actor_of):
    irene = actor_of(IRENE)
    sub = world["subs"][LEO]
    grading.grade_submission(session, irene, sub, points=10, feedback="Thin.")
    grading.grade_submission(session, irene, sub, points=10, feedback="Thin.")  # no change: no event
    grading.grade_submission(session, irene, sub, points=12, feedback="Thin, but sourced.")
    grading.release(session, irene, [(ASSIGNMENT, sub)])
    with pytest.raises(Invalid, match="already released: say why"):
        grading.grade_submission(session, irene, sub, points=16)
    grading.grade_submission(session, irene, sub, points=16, reason="Missed page two when grading.")
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "grade.submission_graded").order_by(AuditEvent.seq)).all()
    assert [(e.before["points"], e.after["points"]) for e in events] == [(None, 10.0), (10.0, 12.0), (12.0, 16.0)]
    assert events[-1].after["reason"] == "Missed page two when grading." and events[-1].actor_label.startswith("Irene Instructor")
    assert events[-1].after["released"] is True
    # The change of a released grade reaches the gradebook at once.
    assert session.exec(select(GradeEntry).where(GradeEntry.enrollment_id == world["runs"][LEO])).one().points == 16.0
    released = session.exec(select(AuditEvent).where(AuditEvent.action == "grade.released")).all()
    assert len(released) == 1 and released[0].target_type == "submission"


def test_changing_a_released_essay_grade_recomputes_the_attempt(world, session, actor_of):
    irene = actor_of(IRENE)
    grading.grade_answer(session, irene, world["answers"][AMARA], points=4)
    grading.release(session, irene, [(QUIZ, world["answers"][AMARA])])
    attempt = session.get(QuizAttempt, world["attempts"][AMARA])
    assert (attempt.score, attempt.passed) == (4.0, True)
    grading.grade_answer(session, irene, world["answers"][AMARA], points=1, reason="Copied text.")
    session.refresh(attempt)
    assert (attempt.score, attempt.fraction, attempt.passed) == (1.0, 0.2, False)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "grade.answer_graded").order_by(AuditEvent.seq.desc())).first()
    assert (event.before["points"], event.after["points"], event.after["reason"]) == (4.0, 1.0, "Copied text.")


# --- regrading -------------------------------------------------------------------------------

def test_regrading_a_fixed_question_rescoring_every_attempt(world, session, actor_of):
    irene = actor_of(IRENE)
    # Both learners' essays graded and released: Leo answered "Yes" (right), Amara "No".
    for email in (LEO, AMARA):
        grading.grade_answer(session, irene, world["answers"][email], points=2)
    grading.release(session, irene, [(QUIZ, world["answers"][LEO]), (QUIZ, world["answers"][AMARA])])
    # A third attempt, still awaiting grading, that answered like Leo.
    courses.update_lesson(session, irene, world["quiz"], content={
        "questions": [{"question_id": world["q1"]}, {"question_id": world["essay"]}], "passing_percent": 60, "attempts_allowed": None})
    # The key was wrong: "No" is the right answer.
    fixed = Question("single", "Exits", "Exits?", choices=[Choice("Yes", 0.0), Choice("No", 1.0)])
    question_bank.save_question(session, irene, world["bank"], fixed, question_id=world["q1"])
    summary = grading.regrade_question(session, irene, world["q1"])
    assert (summary.attempts, summary.up, summary.down, summary.unchanged) == (2, 1, 1, 0)
    assert summary.sentence == "2 attempts re-scored: 1 went up, 1 went down, 0 unchanged."
    leo_attempt, amara_attempt = (session.get(QuizAttempt, world["attempts"][e]) for e in (LEO, AMARA))
    assert (leo_attempt.score, leo_attempt.passed) == (2.0, False) and (amara_attempt.score, amara_attempt.passed) == (3.0, True)
    answer = session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == leo_attempt.id, AttemptAnswer.position == 1)).one()
    assert (answer.response, answer.question["choices"][1]["fraction"], answer.question_version) == (RIGHT, 1.0, 2)
    assert essay_of(session, leo_attempt.id).points == 2.0, "a person's grade stays as given"
    entries = {e.enrollment_id: e.points for e in session.exec(select(GradeEntry)).all()}
    assert entries[world["runs"][LEO]] == 40.0 and entries[world["runs"][AMARA]] == 60.0
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "grade.question_regraded")).one()
    assert event.after == {"attempts": 2, "up": 1, "down": 1, "unchanged": 0, "version": 2}
    # Regrading again changes nothing.
    again = grading.regrade_question(session, irene, world["q1"])
    assert (again.attempts, again.unchanged) == (2, 2)
    assert grading.attempts_using(session, irene, world["q1"]) == 2
    with pytest.raises(PermissionDenied):
        grading.regrade_question(session, actor_of(ISAAC), world["q1"])


def test_a_handed_in_submission_shows_its_files_in_the_page(world, session, actor_of):
    import io

    from lms_app.services import assignments

    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    irene, leo = actor_of(IRENE), actor_of(LEO)
    # Leo hands in again through the assignments service, with a PDF and a text file.
    session.delete(session.get(Submission, world["subs"][LEO]))
    session.flush()
    handed = assignments.submit(session, leo, world["report"], "See the files.",
                                [(io.BytesIO(pdf), "report.pdf"), (io.BytesIO(b"Exit 1: clear\nExit 2: blocked\n"), "notes.txt")])
    view = grading.item_view(session, irene, ASSIGNMENT, handed.submission_id)
    assert [(f.name, f.viewer, f.url) for f in view.files] == [
        ("report.pdf", "pdf", f"/files/submissions/{handed.submission_id}/0"),
        ("notes.txt", "text", f"/files/submissions/{handed.submission_id}/1")]
    assert view.files[1].text == "Exit 1: clear\nExit 2: blocked\n" and view.answer_text == "See the files."
    # Submitted after the due date: the late penalty shows before grading.
    assert view.late_seconds > 0 and view.penalty > 0
