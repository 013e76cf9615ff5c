"""Demo data (a small, believable organization) and synthetic data (for benchmarks)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert
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
from lms_app.services import seed_assessments
from lms_app.services.demo_courses import seed_demo_courses
from lms_app.services.passwords import hash_password
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
    return DEMO_LOGINS


SYNTHETIC_SIZES = {"S": 1_000, "M": 10_000, "L": 100_000}


def seed_synthetic(session: Session, size: str, *, seed: int = 7, batch: int = 5_000) -> dict[str, int]:
    """Bulk-insert a reproducible population of the given size (S, M or L)."""
    if size not in SYNTHETIC_SIZES:
        raise ValueError(f"size must be one of {', '.join(SYNTHETIC_SIZES)}")
    org = ensure_installation(session)
    rng = random.Random(seed)
    n_users = SYNTHETIC_SIZES[size]
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
    tag = f"syn{size.lower()}{seed}"
    for offset in range(0, n_users, batch):
        rows = []
        for i in range(offset, min(n_users, offset + batch)):
            rows.append({
                "org_id": org.id, "email": f"user{i}.{tag}@synthetic.example", "name": f"Synthetic User {i}",
                "password_hash": shared_hash, "locale": "en", "timezone": "UTC", "is_active": rng.random() > 0.03,
                "pending_approval": False, "hire_date": date(2020, 1, 1) + timedelta(days=rng.randrange(2500)),
                "department_id": depts[rng.randrange(n_depts)].id,
            })
        session.execute(insert(User), rows)
    user_ids = list(session.exec(select(User.id).where(User.email.like(f"%.{tag}@synthetic.example")).order_by(User.id)).all())
    role_rows, member_rows = [], []
    for uid in user_ids:
        r = rng.random()
        role = "admin" if r < 0.002 else "instructor" if r < 0.03 else "manager" if r < 0.06 else "learner"
        role_rows.append({"user_id": uid, "role_id": roles[role]})
        member_rows.append({"group_id": groups[rng.randrange(n_groups)].id, "user_id": uid})
    for chunk in range(0, len(role_rows), batch):
        session.execute(insert(UserRole), role_rows[chunk:chunk + batch])
        session.execute(insert(GroupMember), member_rows[chunk:chunk + batch])
    managers = [uid for uid, row in zip(user_ids, role_rows) if row["role_id"] == roles["manager"]]
    if managers:
        session.execute(insert(GroupManager), [{"group_id": g.id, "user_id": managers[i % len(managers)]} for i, g in enumerate(groups)])
        session.execute(insert(DepartmentManager), [{"department_id": d.id, "user_id": managers[(i * 7) % len(managers)]} for i, d in enumerate(depts)])
    session.flush()
    instructors = [uid for uid, row in zip(user_ids, role_rows) if row["role_id"] == roles["instructor"]]
    counts = _synthetic_courses(session, org.id, rng, user_ids, instructors, SYNTHETIC_COURSES[size], batch)
    return {"users": len(user_ids), "departments": len(depts) + len(tops), "groups": n_groups, **counts}


# Courses per size: the catalog is benchmarked at 2,000 (M).
SYNTHETIC_COURSES = {"S": 200, "M": 2_000, "L": 20_000}
_TOPICS = ["Safety", "Customer service", "Product", "Leadership", "Compliance", "Sales", "Software", "Onboarding"]
_WORDS = ["basics", "advanced", "refresher", "essentials", "in practice", "for managers", "for new hires", "deep dive"]
_TAGS = ["safety", "retail", "warehouse", "leadership", "compliance", "sales", "software", "onboarding", "communication", "product"]


def _synthetic_courses(session: Session, org_id: int, rng: random.Random, user_ids: list[int], instructors: list[int],
                       n_courses: int, batch: int) -> dict[str, int]:
    """Published courses (3 modules x 5 text lessons; the first one 20 x 10, for the player's
    benchmark), each with its question bank; every course but the first also has one or two
    quizzes and an assignment (lms_app.services.seed_assessments). Three enrollments per
    person with progress from none to done, and the attempts, submissions and gradebook
    that go with it."""
    now = utcnow()
    last_before = session.exec(select(Course.id).order_by(Course.id.desc())).first() or 0
    courses = [{
        "org_id": org_id, "title": f"{_TOPICS[i % len(_TOPICS)]} {_WORDS[(i // len(_TOPICS)) % len(_WORDS)]} {i + 1}",
        "summary": f"Synthetic course {i + 1}: {_TOPICS[i % len(_TOPICS)].lower()} for every team.", "category": _TOPICS[i % len(_TOPICS)],
        "language": "en", "estimated_minutes": 15 * (1 + rng.randrange(12)), "visibility": "published", "self_enrollment": True,
        "completion_rule": "all_required", "created_by_id": instructors[i % len(instructors)] if instructors else None,
        "created_at": now, "updated_at": now, "published_at": now,
    } for i in range(n_courses)]
    session.execute(insert(Course), courses)
    for course, course_id in zip(courses, session.exec(select(Course.id).where(Course.id > last_before).order_by(Course.id)).all()):
        course["id"] = course_id
    first_id = courses[0]["id"]
    session.execute(insert(CourseTag), [{"org_id": org_id, "course_id": c["id"], "tag": t}
                                        for c in courses for t in rng.sample(_TAGS, 2)])
    if instructors:
        session.execute(insert(CourseStaff), [{"org_id": org_id, "course_id": c["id"], "user_id": c["created_by_id"], "role": "instructor", "added_at": now} for c in courses])
    counts, bank = _synthetic_questions(session, org_id, rng, batch, [c["id"] for c in courses])
    shapes = [(20, 10) if i == 0 else (3, 5) for i in range(n_courses)]
    module_rows = [{"org_id": org_id, "course_id": c["id"], "position": m, "title": f"Module {m + 1}"}
                   for c, (n_mod, _) in zip(courses, shapes) for m in range(n_mod)]
    for chunk in range(0, len(module_rows), batch):
        session.execute(insert(Module), module_rows[chunk:chunk + batch])
    modules = session.exec(select(Module.id, Module.course_id).where(Module.course_id >= first_id).order_by(Module.id)).all()
    per_module = {c["id"]: shape[1] for c, shape in zip(courses, shapes)}
    lesson_rows = [{"org_id": org_id, "course_id": course_id, "module_id": module_id, "position": k, "title": f"Lesson {k + 1}", "kind": "text",
                    "content": {"markdown": f"Lesson {k + 1} of module {module_id}. " * 20}, "required": True, "counts_for_completion": False,
                    "estimated_minutes": 5, "updated_at": now}
                   for module_id, course_id in modules for k in range(per_module[course_id])]
    # The player's benchmark course (the first) keeps its plain 200 text lessons.
    lesson_rows += seed_assessments.lesson_rows(rng, org_id, courses[1:], modules, bank, now)
    for chunk in range(0, len(lesson_rows), batch):
        session.execute(insert(Lesson), lesson_rows[chunk:chunk + batch])
    lessons: dict[int, list[int]] = {}
    kinds: dict[int, str] = {}
    for lesson_id, course_id, kind in session.exec(select(Lesson.id, Lesson.course_id, Lesson.kind).where(Lesson.course_id >= first_id)
                                                   .order_by(Lesson.course_id, Lesson.module_id, Lesson.position)).all():
        lessons.setdefault(course_id, []).append(lesson_id)
        kinds[lesson_id] = kind
    # Where a run may have stopped: learners drop off along the course, some of them at a quiz
    # or the assignment they have not passed yet.
    stops = {cid: seed_assessments.stops([kinds[lid] for lid in ids]) for cid, ids in lessons.items()}

    enrollments, picks = [], []
    for uid in user_ids:
        for course in rng.sample(courses, min(3, len(courses))):
            done = rng.choice(stops[course["id"]])
            complete = done == len(lessons[course["id"]])
            enrolled_at = now - timedelta(days=rng.randrange(1, 200))
            enrollments.append({"org_id": org_id, "course_id": course["id"], "user_id": uid, "status": "completed" if complete else "active",
                                "enrolled_at": enrolled_at, "completed_at": enrolled_at + timedelta(days=7) if complete else None,
                                "source": "self", "last_activity_at": enrolled_at + timedelta(days=1) if done else None,
                                "last_lesson_id": lessons[course["id"]][done - 1] if done else None})
            picks.append(done)
    first_enrollment = (session.exec(select(Enrollment.id).order_by(Enrollment.id.desc())).first() or 0) + 1  # ids grow with inserts
    for chunk in range(0, len(enrollments), batch):
        session.execute(insert(Enrollment), enrollments[chunk:chunk + batch])
    enrollment_ids = session.exec(select(Enrollment.id).where(Enrollment.id >= first_enrollment).order_by(Enrollment.id)).all()
    progress_rows = [{"enrollment_id": e_id, "lesson_id": lesson_id, "status": "done", "started_at": row["enrolled_at"] + timedelta(days=1),
                      "completed_at": row["enrolled_at"] + timedelta(days=1), "seconds_spent": 240, "watched": []}
                     for e_id, row, done in zip(enrollment_ids, enrollments, picks) for lesson_id in lessons[row["course_id"]][:done]]
    for chunk in range(0, len(progress_rows), batch):
        session.execute(insert(LessonProgress), progress_rows[chunk:chunk + batch])
    session.flush()
    counts |= {"courses": n_courses, "lessons": len(lesson_rows), "enrollments": len(enrollments), "lessons_done": len(progress_rows)}
    runs = [seed_assessments.Run(e_id, row["course_id"], row["user_id"], row["enrolled_at"], done)
            for e_id, row, done in zip(enrollment_ids, enrollments, picks)]
    instructor_of = {c["id"]: c["created_by_id"] for c in courses}
    return counts | seed_assessments.seed_results(session, org_id, rng, lessons, runs, instructor_of, batch, now)


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


def _synthetic_questions(session: Session, org_id: int, rng: random.Random, batch: int,
                         course_ids: list[int]) -> tuple[dict[str, int], dict[int, seed_assessments.Bank]]:
    """A question bank for each synthetic course: one category of QUESTIONS_PER_COURSE
    questions covering every type (in QUESTION_TYPES order). Returns the counts and, per
    course, its category and questions (for the quizzes)."""
    now = utcnow()
    last_before = session.exec(select(QuestionCategory.id).order_by(QuestionCategory.id.desc())).first() or 0
    session.execute(insert(QuestionCategory), [{"org_id": org_id, "course_id": cid, "name": "Checks", "created_at": now} for cid in course_ids])
    category_ids = session.exec(select(QuestionCategory.id).where(QuestionCategory.id > last_before).order_by(QuestionCategory.id)).all()
    rows = []
    for category_id in category_ids:
        for n in range(QUESTIONS_PER_COURSE):
            q = _synthetic_question(rng, n)
            rows.append({"org_id": org_id, "category_id": category_id, "type": q.type, "title": q.title, "points": q.points,
                         "spec": q.to_dict(), "version": 1, "created_at": now, "updated_at": now})
    last_question = session.exec(select(BankQuestion.id).order_by(BankQuestion.id.desc())).first() or 0
    for chunk in range(0, len(rows), batch):
        session.execute(insert(BankQuestion), rows[chunk:chunk + batch])
    session.flush()
    question_ids = session.exec(select(BankQuestion.id).where(BankQuestion.id > last_question).order_by(BankQuestion.id)).all()
    bank = {cid: seed_assessments.Bank(category_id, [(qid, row["spec"]) for qid, row in zip(question_ids[k:k + QUESTIONS_PER_COURSE],
                                                                                          rows[k:k + QUESTIONS_PER_COURSE])])
            for n, (cid, category_id) in enumerate(zip(course_ids, category_ids)) for k in [n * QUESTIONS_PER_COURSE]}
    return {"question_categories": len(category_ids), "questions": len(rows)}, bank
