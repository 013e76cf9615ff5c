"""Synthetic assessments for `seed --synthetic`: one or two quizzes and an assignment per
course, and the attempts, submissions and gradebook rows of its runs, bulk-inserted and
reproducible (everything random comes from the seed's generator).

The story follows each run's progress (the lessons of the course done, in order):
- a quiz or assignment the learner has passed (it lies before their position): released
  attempts, sometimes after a failed one; a released submission, sometimes late;
- the quiz or assignment the learner stopped at: failed attempts, an attempt in progress, one
  waiting for a grader's essay grade (sometimes graded in draft), or nothing yet; a
  submission waiting for its grade, or graded in draft, or nothing;
- beyond it: nothing.
Scores are what the app computes: responses are graded with lms_app.assessments.grading, the
quiz grade follows the quiz's grading method and the gradebook holds the released results.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from lms_app.assessments.assignment_settings import AssignmentSettings, late_penalty
from lms_app.assessments.grading import grade, max_points, shuffled_order
from lms_app.assessments.questions import Question
from lms_app.assessments.quiz_settings import QuizSettings
from lms_app.models import AttemptAnswer, GradeCategory, GradeEntry, GradeItem, QuizAttempt, Submission
from lms_app.services.seed_activity import bulk_insert

QUIZ, ASSIGNMENT = "quiz", "assignment"
# Positions in a course's "Checks" category (the bank cycles through QUESTION_TYPES).
SINGLE, TRUE_FALSE, SHORT_ANSWER, ESSAY = 0, 2, 3, 8
ITEM_POINTS = 100.0  # a quiz's grade item (gradebook.item_for_lesson: no max_points in its content)
PARTICIPATION_POINTS = 10.0
_ESSAY = ("I greet the customer within a few seconds, make eye contact and ask how I can help. "
          "Then I listen before suggesting anything, and I thank them when they leave.")
_SUBMISSION = ("Checklist used on the floor this week:\n\n1. Walk the aisle before opening.\n2. Note what is missing.\n"
               "3. Tell the lead.\n\nWhat I would change: {}")
_CHANGES = ["label the bins", "start earlier", "pair up with a colleague", "use the scanner app", "write it down at once"]


@dataclass
class Bank:
    """A course's question category and its questions (id, spec), in bank order."""

    category_id: int
    questions: list[tuple[int, dict[str, Any]]]


@dataclass
class Run:
    """One enrollment as the synthetic seed made it: `done` lessons of the course, in order;
    `times`, when each of them was completed and, after them, when the lesson it stopped at
    was tried (absent: the learner never opened it); the learner's skill at checks."""

    enrollment_id: int
    course_id: int
    user_id: int
    enrolled_at: datetime
    done: int
    times: list[datetime]
    skill: float


# Shown orders of a question's options the synthetic attempts draw from.
ORDER_VARIANTS = 24


@dataclass
class _Quiz:
    lesson_id: int
    settings: QuizSettings
    fixed: list[int]
    pool: list[int]  # the category's questions a draw may take (not the fixed ones)
    draw: int
    essay_id: int
    questions: dict[int, tuple[Question, dict[str, Any]]] = field(default_factory=dict)
    # Grading and option orders are pure: a data set of a million answers reuses them.
    _graded: dict[tuple[int, str], Any] = field(default_factory=dict)
    _orders: dict[tuple[int, int], list[int]] = field(default_factory=dict)

    def grade(self, qid: int, response: Any):
        key = (qid, repr(response))
        if key not in self._graded:
            self._graded[key] = grade(self.questions[qid][0], response)
        return self._graded[key]

    def order(self, qid: int, variant: int) -> list[int]:
        """One of the ORDER_VARIANTS shown orders of the question's options."""
        key = (qid, variant)
        if key not in self._orders:
            q = self.questions[qid][0]
            self._orders[key] = shuffled_order(q if self.settings.shuffle_choices else replace(q, shuffle_choices=False), variant)
        return self._orders[key]


# --- the lessons -------------------------------------------------------------------------------

def lesson_rows(rng: random.Random, org_id: int, courses: list[dict], modules: list[tuple[int, int]], bank: dict[int, Bank],
                text_per_module: dict[int, int], now: datetime, end: datetime) -> list[dict]:
    """Lesson rows to insert: per course, a quiz after its first module's text lessons (half
    the courses a second one after the second), and an assignment ending the last module (due
    in the last 90 days before `end`)."""
    by_course: dict[int, list[int]] = {}
    for module_id, course_id in modules:
        by_course.setdefault(course_id, []).append(module_id)
    rows = []
    for course in courses:
        cid, module_ids = course["id"], by_course[course["id"]]
        ids = [qid for qid, _ in bank[cid].questions]
        category = bank[cid].category_id
        method = rng.choice(["highest", "highest", "highest", "last", "average"])
        first = QuizSettings(questions=[{"question_id": ids[SINGLE]}, {"question_id": ids[TRUE_FALSE]}, {"category_id": category, "count": 3}],
                             time_limit_minutes=20, attempts_allowed=3, grading_method=method, passing_percent=70.0)
        quizzes = [(0, "Check: module 1", first)]
        if rng.random() < 0.5 and len(module_ids) > 1:
            second = QuizSettings(questions=[{"question_id": ids[SHORT_ANSWER]}, {"category_id": category, "count": 4}],
                                  shuffle_questions=True, time_limit_minutes=30, grading_method=rng.choice(["highest", "last", "average"]),
                                  passing_percent=60.0)
            quizzes.append((1, "Check: module 2", second))
        after = text_per_module[cid]
        for module, title, settings in quizzes:
            rows.append(_lesson(org_id, cid, module_ids[module], after, title, QUIZ, settings.validate().to_content(), 15, now))
        due = end - timedelta(days=rng.randrange(0, 90), hours=rng.randrange(24))
        assignment = AssignmentSettings(
            instructions="Put the course into practice: write down the checklist you used this week and one thing you would change.",
            submission_type="text", max_points=100.0, due_at=due, late_penalty_percent=10.0, late_penalty_max_percent=50.0,
            passing_percent=50.0)
        # Last in the last module: after its text lessons and its quiz, when it has one.
        position = after + sum(1 for module, _, _ in quizzes if module == len(module_ids) - 1)
        rows.append(_lesson(org_id, cid, module_ids[-1], position, "Assignment: put it into practice", ASSIGNMENT,
                            assignment.validate().to_content(), 45, now))
    return rows


def _lesson(org_id: int, course_id: int, module_id: int, position: int, title: str, kind: str, content: dict, minutes: int,
            now: datetime) -> dict:
    return {"org_id": org_id, "course_id": course_id, "module_id": module_id, "position": position, "title": title, "kind": kind,
            "content": content, "required": True, "counts_for_completion": False, "estimated_minutes": minutes, "updated_at": now}


# --- attempts, submissions, gradebook ----------------------------------------------------------

def seed_results(session: Session, org_id: int, rng: random.Random, lessons: dict[int, list[int]], runs: list[Run],
                 instructor_of: dict[int, int | None], now: datetime, events: list[tuple]) -> dict[str, int]:
    """The attempts (with their answers), submissions and gradebook of the runs; the activity
    events of the attempts and submissions handed in are added to `events`."""
    from lms_app.models import BankQuestion, Lesson

    all_ids = [lid for ids in lessons.values() for lid in ids]
    graded_lessons = {lid: (kind, content, title) for lid, kind, content, title in session.exec(
        select(Lesson.id, Lesson.kind, Lesson.content, Lesson.title).where(Lesson.id >= min(all_ids or [0]), Lesson.kind.in_((QUIZ, ASSIGNMENT)))
        .order_by(Lesson.id)).all()}
    quizzes: dict[int, _Quiz] = {}
    specs: dict[int, dict] = {}
    categories = {item["category_id"] for kind, content, _ in graded_lessons.values() if kind == QUIZ
                  for item in content["questions"] if "category_id" in item}
    for chunk in _chunks(sorted(categories), 900):
        for qid, category_id, spec in session.exec(select(BankQuestion.id, BankQuestion.category_id, BankQuestion.spec)
                                                   .where(BankQuestion.category_id.in_(chunk)).order_by(BankQuestion.id)).all():
            specs[qid] = spec
            specs.setdefault(-category_id, []).append(qid)  # a category's questions, in bank order
    for lid, (kind, content, _) in graded_lessons.items():
        if kind != QUIZ:
            continue
        settings = QuizSettings.from_content(content)
        fixed = [item["question_id"] for item in settings.questions if "question_id" in item]
        draws = [item for item in settings.questions if "category_id" in item]
        members = specs[-draws[0]["category_id"]]
        quiz = _Quiz(lid, settings, fixed, [q for q in members if q not in fixed], draws[0]["count"], members[ESSAY])
        quiz.questions = {qid: (Question.from_dict(specs[qid]), specs[qid]) for qid in members}
        quizzes[lid] = quiz

    attempts: list[dict] = []
    answers: list[list[dict]] = []
    submissions: list[dict] = []
    results: dict[tuple[int, int], float] = {}  # (lesson, enrollment) -> fraction for the gradebook
    participation: dict[int, tuple[int, float]] = {}
    for run in runs:
        grader = instructor_of.get(run.course_id)
        for index, lid in enumerate(lessons[run.course_id][:len(run.times)]):
            if lid not in graded_lessons:
                continue
            passed = index < run.done
            base = run.times[index]  # passed then, or tried in the day before
            if lid in quizzes:
                made = _quiz_attempts(rng, quizzes[lid], run, passed, base, grader, now)
                for row, rows in made:
                    attempts.append(row)
                    answers.append(rows)
                    if row["submitted_at"] is not None:
                        score = round(100 * row["fraction"], 1) if row["fraction"] is not None else None
                        events.append((org_id, run.user_id, run.course_id, lid, "quiz_submitted", row["submitted_at"], score))
                fraction = _quiz_grade(quizzes[lid].settings, [row for row, _ in made])
                if fraction is not None:
                    results[(lid, run.enrollment_id)] = fraction
            else:
                settings = AssignmentSettings.from_content(graded_lessons[lid][1])
                row = _submission(rng, settings, lid, run, passed, base, grader, now)
                if row is not None:
                    submissions.append(row)
                    events.append((org_id, run.user_id, run.course_id, lid, "assignment_submitted", row["submitted_at"], None))
                    if row["status"] == "released":
                        results[(lid, run.enrollment_id)] = max(0.0, row["points"] - row["penalty"]) / row["max_points"]
        if run.done and rng.random() < 0.7:
            participation[run.enrollment_id] = (run.course_id, float(rng.randrange(5, 11)))

    n_answers = _insert_attempts(session, org_id, attempts, answers)
    for row in submissions:
        row["org_id"] = org_id
    bulk_insert(session, Submission, submissions)
    counts = _gradebook(session, org_id, rng, lessons, graded_lessons, instructor_of, results, participation, now)
    session.flush()
    return {"quiz_attempts": len(attempts), "attempt_answers": n_answers, "submissions": len(submissions), **counts}


def _chunks(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _quiz_attempts(rng: random.Random, quiz: _Quiz, run: Run, passed: bool, base: datetime, grader: int | None,
                   now: datetime) -> list[tuple[dict, list[dict]]]:
    """A run's attempts at one quiz: ending in a pass when the run is past the quiz, else what
    a learner stuck at it leaves behind (failed, in progress, waiting for a grader, nothing)."""
    allowed = quiz.settings.attempts_allowed or 99
    skill = run.skill
    plan: list[str] = []
    if passed:
        # A weak learner often needs a second try.
        if allowed > 1 and rng.random() < (0.25 if skill > 0.6 else 0.6):
            plan.append("fail")
        plan.append("pass")
    else:
        r = rng.random()
        if r < 0.35:
            plan = ["fail"] * min(allowed, rng.choice([1, 1, 2]))
        elif r < 0.50:
            plan = ["fail"] * (rng.random() < 0.3) + ["in_progress"]
        elif r < 0.65:
            plan = ["fail"] * (rng.random() < 0.2) + ["awaiting"]
    made = []
    for number, outcome in enumerate(plan, 1):
        started = base - timedelta(hours=2 * (len(plan) - number) + 1, minutes=rng.randrange(30))
        made.append(_attempt(rng, quiz, run, number, outcome, skill, started, grader, now))
    if passed and quiz.settings.grading_method != "highest" and len(made) > 1:
        # The pass must hold under the quiz's grading method: "average" may not let a failed
        # first attempt through, so that learner passed at the first try.
        if not _passes(quiz.settings, _quiz_grade(quiz.settings, [row for row, _ in made])):
            row, rows = made[-1]
            row["number"] = 1
            made = [(row, rows)]
    return made


def _attempt(rng: random.Random, quiz: _Quiz, run: Run, number: int, outcome: str, skill: float, started: datetime,
             grader: int | None, now: datetime) -> tuple[dict, list[dict]]:
    settings = quiz.settings
    drawn = rng.sample(quiz.pool, quiz.draw)
    if outcome == "awaiting" and quiz.essay_id not in drawn:
        drawn[rng.randrange(len(drawn))] = quiz.essay_id
    ids = quiz.fixed + drawn
    if settings.shuffle_questions:
        rng.shuffle(ids)
    questions = [quiz.questions[qid][0] for qid in ids]
    total = round(sum(max_points(q) for q in questions), 2)
    row = {"org_id": None, "lesson_id": quiz.lesson_id, "enrollment_id": run.enrollment_id, "user_id": run.user_id, "number": number,
           "status": "graded", "started_at": started, "deadline_at": started + timedelta(minutes=settings.time_limit_minutes or 0),
           "submitted_at": None, "closed_by": None, "released_at": None, "score": None, "max_score": total, "fraction": None,
           "passed": None}
    if outcome == "in_progress":
        row["started_at"] = started = now - timedelta(minutes=rng.randrange(1, 15))
        row["deadline_at"] = started + timedelta(minutes=settings.time_limit_minutes or 0)
        row["status"] = "in_progress"
        answered = rng.randrange(len(questions) + 1)
        answers = [_answer(rng, qid, quiz, position, learner_response(rng, q, rng.random() < skill) if position <= answered else None,
                           started) for position, (qid, q) in enumerate(zip(ids, questions), 1)]
        return row, answers

    by_deadline = rng.random() < 0.05
    submitted = row["deadline_at"] if by_deadline else started + timedelta(minutes=rng.randrange(4, settings.time_limit_minutes or 20))
    row.update(submitted_at=submitted, closed_by="deadline" if by_deadline else "learner")
    attempt_skill = skill
    for tries in range(8):
        answers, score, waiting = _graded_answers(rng, quiz, ids, questions, attempt_skill, outcome, submitted, grader, now)
        fraction = score / total if total else 0.0
        if outcome in ("in_progress", "awaiting") or (outcome == "pass") == _passes(settings, fraction):
            break
        # Not the outcome this learner's story needs: answer again, better or worse.
        attempt_skill = 1.0 if (outcome == "pass" and tries >= 5) else (attempt_skill + 1) / 2 if outcome == "pass" else \
            0.0 if tries >= 5 else attempt_skill / 2
    row["score"] = round(score, 2)
    if waiting:
        row["status"] = "awaiting_grading"
    else:
        manual = any(q.manual for q in questions)
        row.update(fraction=row["score"] / total if total else 0.0, released_at=min(now, submitted + timedelta(hours=rng.randrange(2, 48)))
                   if manual else submitted)
        row["passed"] = _passes(settings, row["fraction"])
    return row, answers


def _graded_answers(rng, quiz: _Quiz, ids: list[int], questions: list[Question], skill: float, outcome: str, submitted: datetime,
                    grader: int | None, now: datetime) -> tuple[list[dict], float, bool]:
    """Answers given with this skill, graded: automatically, and by the grader for the essay
    and file upload (left waiting when the attempt awaits grading)."""
    rows, score, waiting = [], 0.0, False
    for position, (qid, q) in enumerate(zip(ids, questions), 1):
        right = rng.random() < skill
        response = learner_response(rng, q, right)
        row = _answer(rng, qid, quiz, position, response, submitted)
        if not q.manual:
            graded = quiz.grade(qid, response)
            row.update(fraction=graded.fraction, points=graded.points)
            score += graded.points
            rows.append(row)
            continue
        draft = outcome == "awaiting" and rng.random() < 0.2
        if outcome == "awaiting" and not draft:
            waiting = True
            rows.append(row)
            continue
        waiting = waiting or draft
        share = 0.0 if response is None else (rng.choice([0.75, 1.0]) if right else rng.choice([0.25, 0.5]))
        points = round(share * max_points(q), 2)
        when = min(now, submitted + timedelta(hours=rng.randrange(1, 48)))
        row.update(fraction=points / max_points(q) if max_points(q) else 0.0, points=points, graded_by_id=grader, graded_at=when,
                   feedback="Clear and practical." if right else ("No file was uploaded." if response is None else "Say more about listening first."))
        score += points
        rows.append(row)
    return rows, score, waiting


def _answer(rng: random.Random, qid: int, quiz: _Quiz, position: int, response: Any, at: datetime) -> dict:
    spec = quiz.questions[qid][1]
    return {"attempt_id": None, "position": position, "bank_question_id": qid, "question_version": 1, "question": spec,
            "order": quiz.order(qid, rng.randrange(ORDER_VARIANTS)),
            "response": response, "fraction": None, "points": None, "graded_by_id": None, "graded_at": None, "feedback": "",
            "rubric": None, "updated_at": at}


def learner_response(rng: random.Random, q: Question, right: bool) -> Any:
    """A learner's response to `q`, right or not, in the type's response format."""
    t = q.type
    if t == "single":
        best = max(range(len(q.choices)), key=lambda i: q.choices[i].fraction)
        return best if right else rng.choice([i for i in range(len(q.choices)) if i != best])
    if t == "multiple":
        good = [i for i, ch in enumerate(q.choices) if ch.fraction > 0]
        bad = [i for i, ch in enumerate(q.choices) if ch.fraction <= 0]
        return good if right else rng.choice([good[:1], good[:1] + bad[:1], bad[:1]])
    if t == "true_false":
        return q.correct if right else not q.correct
    if t == "short_answer":
        best = max(q.answers, key=lambda a: a.fraction)
        partial = [a.text for a in q.answers if a.fraction < 1.0]
        return (best.text.capitalize() if rng.random() < 0.3 else best.text) if right else rng.choice(["green", *partial])
    if t == "numeric":
        value = max(q.numeric_answers, key=lambda a: a.fraction).value
        return f"{value:g}" if right else f"{value + rng.randrange(1, 6):g}"
    if t in ("matching", "ordering"):
        n = len(q.pairs if t == "matching" else q.items)
        order = list(range(n))
        if not right and n > 1:
            order[0], order[1] = order[1], order[0]
        return order
    if t == "fill_blanks":
        typed = [max(b.answers, key=lambda a: a.fraction).text for b in q.blanks]
        if not right:
            typed[rng.randrange(len(typed))] = "?"
        return typed
    if t == "essay":
        return _ESSAY if right else _ESSAY.split(",")[0] + "."
    return None  # a file upload: the synthetic learner uploaded nothing (no file in storage)


def _passes(settings: QuizSettings, fraction: float) -> bool:
    return settings.passing_percent is None or fraction * 100 >= settings.passing_percent - 1e-9


def _quiz_grade(settings: QuizSettings, attempts: list[dict]) -> float | None:
    """quizzes.quiz_grade over rows not yet in the database."""
    fractions = [row["fraction"] or 0.0 for row in sorted(attempts, key=lambda r: r["number"]) if row["status"] == "graded"]
    if not fractions:
        return None
    if settings.grading_method == "highest":
        return max(fractions)
    if settings.grading_method == "last":
        return fractions[-1]
    return sum(fractions) / len(fractions)


def _insert_attempts(session: Session, org_id: int, attempts: list[dict], answers: list[list[dict]]) -> int:
    """Insert the attempts, then their answers under the ids the attempts were given (they
    grow with the inserts, as for the other synthetic rows)."""
    last_before = session.exec(select(QuizAttempt.id).order_by(QuizAttempt.id.desc())).first() or 0
    for row in attempts:
        row["org_id"] = org_id
    bulk_insert(session, QuizAttempt, attempts)
    ids = session.exec(select(QuizAttempt.id).where(QuizAttempt.id > last_before).order_by(QuizAttempt.id)).all()
    flat = []
    for attempt_id, rows in zip(ids, answers):
        for row in rows:
            row["attempt_id"] = attempt_id
            flat.append(row)
    bulk_insert(session, AttemptAnswer, flat)
    return len(flat)


def _submission(rng: random.Random, settings: AssignmentSettings, lesson_id: int, run: Run, passed: bool, base: datetime,
                grader: int | None, now: datetime) -> dict | None:
    """A run's submission: released with a passing grade when the run is past the assignment;
    else waiting for its grade, graded in draft, or not handed in yet."""
    if passed:
        status = "released"
    else:
        r = rng.random()
        status = "submitted" if r < 0.55 else "graded" if r < 0.70 else None
    if status is None:
        return None
    submitted = base - timedelta(hours=rng.randrange(2, 20), minutes=rng.randrange(60))
    late = max(0, int((submitted - settings.due_at).total_seconds())) if settings.due_at else 0
    row = {"org_id": None, "lesson_id": lesson_id, "enrollment_id": run.enrollment_id, "user_id": run.user_id,
           "number": 2 if rng.random() < 0.1 else 1, "status": status, "text": _SUBMISSION.format(rng.choice(_CHANGES)), "files": [],
           "submitted_at": submitted, "late_seconds": late, "points": None, "penalty": 0.0, "max_points": settings.max_points,
           "feedback": "", "rubric": None, "graded_by_id": None, "graded_at": None, "released_at": None}
    if status == "submitted":
        return row
    penalty = late_penalty(settings, late)
    points = float(round(min(settings.max_points, max(20.0, rng.gauss(0.8, 0.12) * settings.max_points))))
    if passed and not settings.passes(max(0.0, points - penalty) / settings.max_points):
        points = float(min(settings.max_points, penalty + settings.max_points / 2 + rng.randrange(0, 20)))
    graded_at = base if passed else min(now, submitted + timedelta(hours=rng.randrange(1, 48)))
    row.update(points=points, penalty=penalty, graded_by_id=grader, graded_at=graded_at, released_at=base if passed else None,
               feedback="Good, concrete checklist." if points >= 80 else "A start: say what you would do differently and why.")
    return row


def _gradebook(session: Session, org_id: int, rng: random.Random, lessons: dict[int, list[int]], graded: dict[int, tuple[str, dict, str]],
               instructor_of: dict[int, int | None], results: dict[tuple[int, int], float], participation: dict[int, tuple[int, float]],
               now: datetime) -> dict[str, int]:
    """Per course with quizzes: two weighted categories, an item per quiz and assignment plus a
    manual "Participation", and the entries of the released results."""
    courses = [cid for cid, ids in lessons.items() if any(lid in graded for lid in ids)]
    last_category = session.exec(select(GradeCategory.id).order_by(GradeCategory.id.desc())).first() or 0
    bulk_insert(session, GradeCategory, [{"org_id": org_id, "course_id": cid, "name": name, "weight": weight, "drop_lowest": 0,
                                          "position": position}
                                         for cid in courses for position, (name, weight) in enumerate((("Quizzes", 60.0), ("Coursework", 40.0)))])
    category = {(cid, name): cat_id for cat_id, cid, name in session.exec(
        select(GradeCategory.id, GradeCategory.course_id, GradeCategory.name).where(GradeCategory.id > last_category)).all()}
    items = []
    for cid in courses:
        for lid in lessons[cid]:
            if lid in graded:
                kind, content, title = graded[lid]
                items.append({"org_id": org_id, "course_id": cid, "category_id": category[(cid, "Quizzes" if kind == QUIZ else "Coursework")],
                              "lesson_id": lid, "title": title, "max_points": float(content.get("max_points") or ITEM_POINTS),
                              "extra_credit": False, "hidden": False, "position": lid, "created_at": now})
        items.append({"org_id": org_id, "course_id": cid, "category_id": category[(cid, "Coursework")], "lesson_id": None,
                      "title": "Participation", "max_points": PARTICIPATION_POINTS, "extra_credit": False, "hidden": False,
                      "position": max(lessons[cid]) + 1, "created_at": now})
    last_item = session.exec(select(GradeItem.id).order_by(GradeItem.id.desc())).first() or 0
    bulk_insert(session, GradeItem, items)
    by_lesson, manual = {}, {}
    for item_id, cid, lid, max_pts in session.exec(select(GradeItem.id, GradeItem.course_id, GradeItem.lesson_id, GradeItem.max_points)
                                                   .where(GradeItem.id > last_item)).all():
        if lid is None:
            manual[cid] = (item_id, max_pts)
        else:
            by_lesson[lid] = (item_id, max_pts)
    course_of = {lid: cid for cid in courses for lid in lessons[cid]}
    entries = []
    for (lid, enrollment_id), fraction in results.items():
        item_id, max_pts = by_lesson[lid]
        entry = _entry(org_id, item_id, enrollment_id, round(fraction * max_pts, 2), now)
        if rng.random() < 0.01:
            # An instructor's override, with its reason (the points stay what the activity gave).
            entry.update(override_points=min(max_pts, entry["points"] + 10.0), updated_by_id=instructor_of.get(course_of[lid]),
                         override_reason="The attempt was cut short by a network problem.")
        entries.append(entry)
    for enrollment_id, (cid, points) in participation.items():
        if cid in manual:
            entry = _entry(org_id, manual[cid][0], enrollment_id, points, now)
            entry["updated_by_id"] = instructor_of.get(cid)
            entries.append(entry)
    bulk_insert(session, GradeEntry, entries)
    return {"grade_categories": len(category), "grade_items": len(items), "grade_entries": len(entries)}


def _entry(org_id: int, item_id: int, enrollment_id: int, points: float, now: datetime) -> dict:
    return {"org_id": org_id, "item_id": item_id, "enrollment_id": enrollment_id, "points": points, "override_points": None,
            "override_reason": "", "feedback": "", "updated_by_id": None, "updated_at": now}
