"""Demo data (a small, believable organization) and synthetic data (for benchmarks)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert
from sqlmodel import Session, select

from lms_app.models import (
    Department,
    DepartmentManager,
    Group,
    GroupManager,
    GroupMember,
    Role,
    User,
    UserRole,
)
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
    start_id = (session.exec(select(User.id).order_by(User.id.desc())).first() or 0) + 1
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
    return {"users": len(user_ids), "departments": len(depts) + len(tops), "groups": n_groups}
