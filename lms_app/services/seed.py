"""Demo data (a small, believable organization) and synthetic data (for benchmarks)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, text
from sqlmodel import Session, select

from lms_app.assessments.questions import QUESTION_TYPES, Blank, Choice, NumericAnswer, Pair, Question, TextAnswer
from lms_app.models import (
    BankQuestion,
    Course,
    CourseStaff,
    CourseTag,
    Department,
    DepartmentManager,
    Enrollment,
    Group,
    GroupManager,
    GroupMember,
    Lesson,
    LessonProgress,
    Module,
    QuestionCategory,
    Role,
    User,
    UserRole,
    utcnow,
)
from lms_app.services import seed_activity, seed_assessments, seed_compliance
from lms_app.services.demo_courses import seed_demo_courses, seed_demo_requirements
from lms_app.services.passwords import hash_password
from lms_app.services.seed_activity import bulk_insert
from lms_app.services.setup import ensure_installation

DEMO_ORG_NAME = "Harbor & Pine Outfitters"
DEMO_PASSWORD = "harbor-pine-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str


DEMO_LOGINS = [
    DemoLogin("admin", "admin@example.com", "Ada Admin"),
    DemoLogin("instructor", "irene@example.com", "Irene Instructor"),
    DemoLogin("instructor", "isaac@example.com", "Isaac Instructor"),
    DemoLogin("manager", "maya@example.com", "Maya Manager"),
    DemoLogin("learner", "leo@example.com", "Leo Learner"),
]

_LEARNER_NAMES = [
    "Amara Okafor", "Ben Carter", "Chloé Martin", "Diego Ramírez", "Elif Yılmaz", "Farah Haddad",
    "Gustav Lindqvist", "Hana Suzuki", "Ivan Petrov", "Jasmine Lee", "Kofi Mensah", "Lena Fischer",
    "Mateo Rossi", "Nia Williams", "Oscar Novak", "Priya Sharma", "Quinn O'Brien", "Rosa Alvarez",
    "Sven Berg",
]


def has_users(session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is not None


def demo_logins_present(session: Session) -> list[DemoLogin]:
    """The demo logins that exist in this database (none once an admin removed them)."""
    emails = set(session.exec(select(User.email).where(User.email.in_([d.email for d in DEMO_LOGINS]))).all())
    return [d for d in DEMO_LOGINS if d.email in emails]


def _role_ids(session: Session, org_id: int) -> dict[str, int]:
    return {r.name: r.id for r in session.exec(select(Role).where(Role.org_id == org_id)).all()}


def seed_demo(session: Session, *, with_courses: bool = True) -> list[DemoLogin]:
    """One organization, two departments, groups with a manager, an admin, two instructors,
    a manager, twenty learners and three published courses they are taking. Running it again
    changes nothing. Tests of the course rules start from the people alone (with_courses=False)."""
    org = ensure_installation(session, DEMO_ORG_NAME)
    if session.exec(select(User).where(User.org_id == org.id, User.email == DEMO_LOGINS[0].email)).first():
        return DEMO_LOGINS
    if org.name == "My Organization":
        org.name = DEMO_ORG_NAME
    org.default_timezone = "Europe/Paris"
    session.add(org)
    roles = _role_ids(session, org.id)

    sales = Department(org_id=org.id, name="Sales")
    field_ops = Department(org_id=org.id, name="Field Operations")
    session.add_all([sales, field_ops])
    session.flush()
    stores = Department(org_id=org.id, name="Retail Stores", parent_id=sales.id)
    session.add(stores)
    session.flush()

    password_hash = hash_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        user = User(org_id=org.id, email=login.email, name=login.name, password_hash=password_hash,
                    timezone="Europe/Paris", hire_date=date(2024, 3, 1),
                    department_id=sales.id if login.role in ("manager", "learner") else None)
        session.add(user)
        session.flush()
        session.add(UserRole(user_id=user.id, role_id=roles[login.role]))
        if login.role != "learner":
            session.add(UserRole(user_id=user.id, role_id=roles["learner"]))
        users[login.email] = user

    learners = [users["leo@example.com"]]
    for i, name in enumerate(_LEARNER_NAMES):
        first = name.split()[0].lower().replace("é", "e")
        dept = [sales, stores, field_ops][i % 3]
        user = User(org_id=org.id, email=f"{first}@example.com", name=name, password_hash=password_hash,
                    timezone="Europe/Paris", hire_date=date(2025, 1, 6) + timedelta(days=17 * i), department_id=dept.id)
        session.add(user)
        session.flush()
        session.add(UserRole(user_id=user.id, role_id=roles["learner"]))
        learners.append(user)

    onboarding = Group(org_id=org.id, name="Autumn 2026 onboarding", description="New hires starting in autumn 2026")
    store_leads = Group(org_id=org.id, name="Store leads", description="Leads of the retail stores")
    session.add_all([onboarding, store_leads])
    session.flush()
    session.add_all(GroupMember(group_id=onboarding.id, user_id=u.id) for u in learners[:10])
    session.add_all(GroupMember(group_id=store_leads.id, user_id=u.id) for u in learners[10:15])
    maya = users["maya@example.com"]
    session.add_all([
        GroupManager(group_id=onboarding.id, user_id=maya.id),
        DepartmentManager(department_id=sales.id, user_id=maya.id),
    ])
    session.flush()
    if with_courses:
        seed_demo_courses(session, users, learners)
        seed_demo_requirements(session, users)
    return DEMO_LOGINS


@dataclass(frozen=True)
class SyntheticSize:
    users: int
    courses: int
    enrollments: int


# Issue 5's sizes; the activity events follow from the runs (about five per enrollment).
SYNTHETIC_SIZES = {
    "S": SyntheticSize(1_000, 20, 5_000),
    "M": SyntheticSize(10_000, 100, 200_000),
    "L": SyntheticSize(100_000, 1_000, 2_000_000),
}
# Share of people whose scores are poor: they fail checks more often and stop at them.
FAILING_SHARE = 0.08


def seed_synthetic(session: Session, size: str | SyntheticSize, *, seed: int = 7, end: datetime | None = None,
                   progress: seed_activity.Progress | None = None) -> dict[str, int]:
    """Bulk-insert a reproducible population of the given size (S, M or L; tests give a
    SyntheticSize) with its history up to `end`: the same seed and end give the same rows, and
    by default the history ends at the start of the current hour (runs within the hour agree)."""
    if isinstance(size, SyntheticSize):
        spec, label = size, f"{size.users}-"
    elif size in SYNTHETIC_SIZES:
        spec, label = SYNTHETIC_SIZES[size], size.lower()
    else:
        raise ValueError(f"size must be one of {', '.join(SYNTHETIC_SIZES)}")
    say = progress or (lambda text: None)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Millions of index entries: a page cache that holds the indexes being filled (this
        # connection only, until the end) instead of SQLite's 2 MB.
        session.execute(text("PRAGMA cache_size = -262144"))
    try:
        return _seed_people_and_history(session, spec, label, seed, end, say)
    finally:
        if sqlite:
            session.execute(text("PRAGMA cache_size = -2000"))


def _seed_people_and_history(session: Session, spec: SyntheticSize, label: str, seed: int, end: datetime | None,
                             say: seed_activity.Progress) -> dict[str, int]:
    org = ensure_installation(session)
    rng = random.Random(seed)
    n_users = spec.users
    roles = _role_ids(session, org.id)
    n_depts = max(5, n_users // 200)
    n_groups = max(10, n_users // 50)

    tops = [Department(org_id=org.id, name=f"Division {i + 1}") for i in range(max(1, n_depts // 10))]
    session.add_all(tops)
    session.flush()
    depts = [Department(org_id=org.id, name=f"Department {i + 1}", parent_id=tops[i % len(tops)].id) for i in range(n_depts)]
    groups = [Group(org_id=org.id, name=f"Cohort {i + 1}") for i in range(n_groups)]
    session.add_all(depts + groups)
    session.flush()

    # One hash for every synthetic account: Argon2 per row would take minutes by design.
    shared_hash = hash_password(DEMO_PASSWORD)
    tag = f"syn{label}{seed}"
    bulk_insert(session, User, [{
        "org_id": org.id, "email": f"user{i}.{tag}@synthetic.example", "name": f"Synthetic User {i}",
        "password_hash": shared_hash, "locale": "en", "timezone": "UTC", "is_active": rng.random() > 0.03,
        "pending_approval": False, "hire_date": date(2020, 1, 1) + timedelta(days=rng.randrange(2500)),
        "department_id": depts[rng.randrange(n_depts)].id,
    } for i in range(n_users)])
    user_ids = list(session.exec(select(User.id).where(User.email.like(f"%.{tag}@synthetic.example")).order_by(User.id)).all())
    say(f"{len(user_ids):,} people")
    role_rows, member_rows = [], []
    for uid in user_ids:
        r = rng.random()
        role = "admin" if r < 0.002 else "instructor" if r < 0.03 else "manager" if r < 0.06 else "learner"
        role_rows.append({"user_id": uid, "role_id": roles[role]})
        member_rows.append({"group_id": groups[rng.randrange(n_groups)].id, "user_id": uid})
    bulk_insert(session, UserRole, role_rows)
    bulk_insert(session, GroupMember, member_rows)
    managers = [uid for uid, row in zip(user_ids, role_rows) if row["role_id"] == roles["manager"]]
    if managers:
        bulk_insert(session, GroupManager, [{"group_id": g.id, "user_id": managers[i % len(managers)]} for i, g in enumerate(groups)])
        bulk_insert(session, DepartmentManager, [{"department_id": d.id, "user_id": managers[(i * 7) % len(managers)]} for i, d in enumerate(depts)])
    instructors = [uid for uid, row in zip(user_ids, role_rows) if row["role_id"] == roles["instructor"]]
    people = _People(user_ids, seed_activity.engagements(rng, len(user_ids)), rng)
    end = end or utcnow().replace(minute=0, second=0, microsecond=0)
    counts = _synthetic_courses(session, org.id, rng, people, instructors, spec, end, say)
    return {"users": len(user_ids), "departments": len(depts) + len(tops), "groups": n_groups, **counts}


class _People:
    """The synthetic people with what drives their history: an engagement (how many courses,
    how far and how fast) and, for a few, poor scores."""

    def __init__(self, user_ids: list[int], weights: list[float], rng: random.Random):
        self.ids = user_ids
        self.weights = weights
        self.engagement = seed_activity.percentiles(weights)
        self.failing = [rng.random() < FAILING_SHARE for _ in user_ids]
        self.skill = [rng.betavariate(2, 3) if failing else rng.betavariate(5, 1.3) for failing in self.failing]


# Courses per size follow the issue; the catalog's benchmark tops the catalog up (seed_catalog).
_TOPICS = ["Safety", "Customer service", "Product", "Leadership", "Compliance", "Sales", "Software", "Onboarding"]
_WORDS = ["basics", "advanced", "refresher", "essentials", "in practice", "for managers", "for new hires", "deep dive"]
_TAGS = ["safety", "retail", "warehouse", "leadership", "compliance", "sales", "software", "onboarding", "communication", "product"]


def _course_rows(org_id: int, rng: random.Random, first: int, n: int, instructors: list[int], now: datetime) -> list[dict]:
    return [{
        "org_id": org_id, "title": f"{_TOPICS[i % len(_TOPICS)]} {_WORDS[(i // len(_TOPICS)) % len(_WORDS)]} {i + 1}",
        "summary": f"Synthetic course {i + 1}: {_TOPICS[i % len(_TOPICS)].lower()} for every team.", "category": _TOPICS[i % len(_TOPICS)],
        "language": "en", "estimated_minutes": 15 * (1 + rng.randrange(12)), "visibility": "published", "self_enrollment": True,
        "completion_rule": "all_required", "created_by_id": instructors[i % len(instructors)] if instructors else None,
        "created_at": now, "updated_at": now, "published_at": now,
    } for i in range(first, first + n)]


def _insert_courses(session: Session, org_id: int, rng: random.Random, rows: list[dict], instructors: list[int], now: datetime) -> None:
    """Insert course rows (their ids set in them), with two tags each and their instructor."""
    last_before = session.exec(select(Course.id).order_by(Course.id.desc())).first() or 0
    bulk_insert(session, Course, rows)
    for course, course_id in zip(rows, session.exec(select(Course.id).where(Course.id > last_before).order_by(Course.id)).all()):
        course["id"] = course_id
    bulk_insert(session, CourseTag, [{"org_id": org_id, "course_id": c["id"], "tag": t} for c in rows for t in rng.sample(_TAGS, 2)])
    if instructors:
        bulk_insert(session, CourseStaff, [{"org_id": org_id, "course_id": c["id"], "user_id": c["created_by_id"], "role": "instructor",
                                            "added_at": now} for c in rows])


def seed_catalog(session: Session, total: int, *, seed: int = 7) -> int:
    """Top the published catalog up to `total` courses with catalog-only ones (a module of one
    text lesson, nobody enrolled): the catalog's search is measured on more courses than the
    dashboards' data set has. Returns how many were added."""
    org = ensure_installation(session)
    published = session.exec(select(func.count(Course.id)).where(Course.org_id == org.id, Course.visibility == "published")).one()
    missing = total - published
    if missing <= 0:
        return 0
    rng = random.Random(seed + 1)
    now = utcnow()
    instructors = list(session.exec(select(CourseStaff.user_id).where(CourseStaff.org_id == org.id).distinct()
                                    .order_by(CourseStaff.user_id)).all())
    rows = _course_rows(org.id, rng, published, missing, instructors, now)
    _insert_courses(session, org.id, rng, rows, instructors, now)
    last_module = session.exec(select(Module.id).order_by(Module.id.desc())).first() or 0
    bulk_insert(session, Module, [{"org_id": org.id, "course_id": c["id"], "position": 0, "title": "Module 1"} for c in rows])
    modules = session.exec(select(Module.id, Module.course_id).where(Module.id > last_module).order_by(Module.id)).all()
    bulk_insert(session, Lesson, [_text_lesson(org.id, course_id, module_id, 0, now) for module_id, course_id in modules])
    session.flush()
    return missing


def _text_lesson(org_id: int, course_id: int, module_id: int, k: int, now: datetime) -> dict:
    return {"org_id": org_id, "course_id": course_id, "module_id": module_id, "position": k, "title": f"Lesson {k + 1}", "kind": "text",
            "content": {"markdown": f"Lesson {k + 1} of module {module_id}. " * 20}, "required": True, "counts_for_completion": False,
            "estimated_minutes": 5, "updated_at": now}


def _synthetic_courses(session: Session, org_id: int, rng: random.Random, people: _People, instructors: list[int],
                       spec: SyntheticSize, end: datetime, say: seed_activity.Progress) -> dict[str, int]:
    """Published courses of two or three modules of one to three text lessons (the first one 20
    x 10, for the player's benchmark, and the least popular), each with its question bank;
    every course but the first also has one or two quizzes and an assignment
    (lms_app.services.seed_assessments). Enrollments skewed by person and by course (Zipf),
    with their story (seed_activity): progress, attempts, submissions, gradebook and the
    activity log that goes with them."""
    now = utcnow()
    # Published before the history starts.
    published = end - timedelta(days=seed_activity.HISTORY_DAYS + 30)
    courses = _course_rows(org_id, rng, 0, spec.courses, instructors, published)
    _insert_courses(session, org_id, rng, courses, instructors, published)
    first_id = courses[0]["id"]
    counts, bank = _synthetic_questions(session, org_id, rng, [c["id"] for c in courses])
    shapes = [(20, 10) if i == 0 else (rng.choice((2, 3, 3)), rng.choice((1, 2, 3))) for i in range(spec.courses)]
    module_rows = [{"org_id": org_id, "course_id": c["id"], "position": m, "title": f"Module {m + 1}"}
                   for c, (n_mod, _) in zip(courses, shapes) for m in range(n_mod)]
    bulk_insert(session, Module, module_rows)
    modules = session.exec(select(Module.id, Module.course_id).where(Module.course_id >= first_id).order_by(Module.id)).all()
    per_module = {c["id"]: shape[1] for c, shape in zip(courses, shapes)}
    lesson_rows = [_text_lesson(org_id, course_id, module_id, k, now) for module_id, course_id in modules for k in range(per_module[course_id])]
    # The player's benchmark course (the first) keeps its plain 200 text lessons.
    lesson_rows += seed_assessments.lesson_rows(rng, org_id, courses[1:], modules, bank, per_module, now, end)
    bulk_insert(session, Lesson, lesson_rows)
    lessons: dict[int, list[int]] = {}
    kinds: dict[int, list[str]] = {}
    minutes: dict[int, list[int]] = {}
    for lesson_id, course_id, kind, estimate in session.exec(
            select(Lesson.id, Lesson.course_id, Lesson.kind, Lesson.estimated_minutes).where(Lesson.course_id >= first_id)
            .order_by(Lesson.course_id, Lesson.module_id, Lesson.position)).all():
        lessons.setdefault(course_id, []).append(lesson_id)
        kinds.setdefault(course_id, []).append(kind)
        minutes.setdefault(course_id, []).append(estimate or 5)
    say(f"{spec.courses:,} courses, {len(lesson_rows):,} lessons")

    popularity = seed_activity.zipf_weights(spec.courses, rng, exponent=1.2, last=0)
    per_person = seed_activity.runs_per_person(people.weights, spec.enrollments, spec.courses, rng)
    clock = seed_activity.Clock(rng, end)
    enrollments, stories = [], []
    for person, (uid, k) in enumerate(zip(people.ids, per_person)):
        for index in seed_activity.pick_courses(rng, popularity, k):
            cid = courses[index]["id"]
            told = seed_activity.story(rng, clock, kinds[cid], minutes[cid], people.engagement[person], people.failing[person])
            complete = len(told.done) == len(lessons[cid])
            touched = told.done or told.stopped_at
            last_lesson = lessons[cid][len(told.done) if told.stopped_at else len(told.done) - 1] if touched else None
            enrollments.append({"org_id": org_id, "course_id": cid, "user_id": uid, "status": "completed" if complete else "active",
                                "enrolled_at": told.enrolled_at, "completed_at": told.done[-1][1] if complete else None,
                                "source": "self", "last_activity_at": told.last_at if touched else None, "last_lesson_id": last_lesson})
            stories.append((person, told))
    last_enrollment = session.exec(select(Enrollment.id).order_by(Enrollment.id.desc())).first() or 0
    bulk_insert(session, Enrollment, enrollments)
    enrollment_ids = session.exec(select(Enrollment.id).where(Enrollment.id > last_enrollment).order_by(Enrollment.id)).all()
    say(f"{len(enrollments):,} enrollments")

    progress_rows, events, runs = [], [], []
    for e_id, row, (person, told) in zip(enrollment_ids, enrollments, stories):
        ids = lessons[row["course_id"]]
        for lesson_id, (opened, completed, seconds) in zip(ids, told.done):
            progress_rows.append((e_id, lesson_id, "done", opened, completed, seconds, completed, []))
        if told.stopped_at:
            opened, seconds = told.stopped_at
            progress_rows.append((e_id, ids[len(told.done)], "in_progress", opened, None, seconds, opened, []))
        events += seed_activity.run_events(org_id, row["user_id"], row["course_id"], ids, told)
        # When each step's checks were passed (or, for the one it stopped at, tried).
        times = [completed for _, completed, _ in told.done]
        if told.stopped_at:
            times.append(told.stopped_at[0] + timedelta(days=1))
        runs.append(seed_assessments.Run(e_id, row["course_id"], row["user_id"], row["enrolled_at"], len(told.done), times,
                                         people.skill[person]))
    bulk_insert(session, LessonProgress, progress_rows,
                ("enrollment_id", "lesson_id", "status", "started_at", "completed_at", "seconds_spent", "last_seen_at", "watched"))
    say(f"{len(progress_rows):,} lesson progress rows")
    counts |= {"courses": spec.courses, "lessons": len(lesson_rows), "enrollments": len(enrollments),
               "lessons_done": sum(row[2] == "done" for row in progress_rows)}
    instructor_of = {c["id"]: c["created_by_id"] for c in courses}
    counts |= seed_assessments.seed_results(session, org_id, rng, lessons, runs, instructor_of, end, events)
    say(f"{counts['quiz_attempts']:,} quiz attempts, {counts['submissions']:,} submissions, {counts['grade_entries']:,} grades")
    # Required training, certificates and paths: their runs' events join the log before the logins are added.
    counts |= seed_compliance.seed_compliance(session, org_id, rng, end, events, say)
    events = seed_activity.with_logins(rng, events)
    counts["activity_events"] = seed_activity.insert_events(session, events, say)
    session.flush()
    return counts


QUESTIONS_PER_COURSE = 10


def _synthetic_question(rng: random.Random, n: int) -> Question:
    """One question of a synthetic bank, right by construction, cycling through the types."""
    a, b = rng.randrange(2, 50), rng.randrange(2, 50)
    kind = QUESTION_TYPES[n % len(QUESTION_TYPES)]
    text = f"Question {n + 1}: what is {a} + {b}?"
    if kind == "single":
        return Question(kind, f"Sum {n + 1}", text, choices=[Choice(str(a + b), 1.0), Choice(str(a + b + 1)), Choice(str(a + b - 1))])
    if kind == "multiple":
        return Question(kind, f"Even numbers {n + 1}", f"Question {n + 1}: which are even?",
                        choices=[Choice(str(2 * a), 0.5), Choice(str(2 * b), 0.5), Choice(str(2 * a + 1), -0.5)])
    if kind == "true_false":
        return Question(kind, f"True or false {n + 1}", f"Question {n + 1}: {a} + {b} = {a + b}.", correct=True)
    if kind == "short_answer":
        return Question(kind, f"Word {n + 1}", f"Question {n + 1}: name the colour of the sky.", answers=[TextAnswer("blue"), TextAnswer("light blue", 0.5)])
    if kind == "numeric":
        return Question(kind, f"Number {n + 1}", text, numeric_answers=[NumericAnswer(a + b, 0.5)])
    if kind == "matching":
        return Question(kind, f"Pairs {n + 1}", f"Question {n + 1}: match the sums.",
                        pairs=[Pair(f"{a} + 1", str(a + 1)), Pair(f"{b} + 2", str(b + 2)), Pair("1 + 1", "2")])
    if kind == "ordering":
        return Question(kind, f"Order {n + 1}", f"Question {n + 1}: smallest first.", items=[str(x) for x in sorted({a, b + 50, a + 100})])
    if kind == "fill_blanks":
        return Question(kind, f"Blanks {n + 1}", f"Question {n + 1}: {a} + {b} = [[1]], and 2 + 2 = [[2]].",
                        blanks=[Blank([TextAnswer(str(a + b))]), Blank([TextAnswer("4")])])
    if kind == "essay":
        return Question(kind, f"Essay {n + 1}", f"Question {n + 1}: describe how you greet a customer.")
    return Question(kind, f"Upload {n + 1}", f"Question {n + 1}: upload your checklist.")


def _synthetic_questions(session: Session, org_id: int, rng: random.Random,
                         course_ids: list[int]) -> tuple[dict[str, int], dict[int, seed_assessments.Bank]]:
    """A question bank for each synthetic course: one category of QUESTIONS_PER_COURSE
    questions covering every type (in QUESTION_TYPES order). Returns the counts and, per
    course, its category and questions (for the quizzes)."""
    now = utcnow()
    last_before = session.exec(select(QuestionCategory.id).order_by(QuestionCategory.id.desc())).first() or 0
    bulk_insert(session, QuestionCategory, [{"org_id": org_id, "course_id": cid, "name": "Checks", "created_at": now} for cid in course_ids])
    category_ids = session.exec(select(QuestionCategory.id).where(QuestionCategory.id > last_before).order_by(QuestionCategory.id)).all()
    rows = []
    for category_id in category_ids:
        for n in range(QUESTIONS_PER_COURSE):
            q = _synthetic_question(rng, n)
            rows.append({"org_id": org_id, "category_id": category_id, "type": q.type, "title": q.title, "points": q.points,
                         "spec": q.to_dict(), "version": 1, "created_at": now, "updated_at": now})
    last_question = session.exec(select(BankQuestion.id).order_by(BankQuestion.id.desc())).first() or 0
    bulk_insert(session, BankQuestion, rows)
    session.flush()
    question_ids = session.exec(select(BankQuestion.id).where(BankQuestion.id > last_question).order_by(BankQuestion.id)).all()
    bank = {cid: seed_assessments.Bank(category_id, [(qid, row["spec"]) for qid, row in zip(question_ids[k:k + QUESTIONS_PER_COURSE],
                                                                                          rows[k:k + QUESTIONS_PER_COURSE])])
            for n, (cid, category_id) in enumerate(zip(course_ids, category_ids)) for k in [n * QUESTIONS_PER_COURSE]}
    return {"question_categories": len(category_ids), "questions": len(rows)}, bank
