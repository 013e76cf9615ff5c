"""Migrations: a database holding data at an older revision reaches head with its rows intact,
and the models and the migrations describe the same schema (they cannot drift apart)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from lms_app import db, settings
from lms_app.migrate import alembic_config
from lms_app.models import Course, Enrollment, Group, GroupMember, Organization, User, UserRole, utcnow
from lms_app.services.seed import seed_demo

NEW_TABLES = {"course", "coursetag", "coursestaff", "module", "lesson", "lessonprerequisite", "moduleprerequisite",
              "enrollment", "lessonprogress"}


@pytest.fixture
def fresh_url():
    """An empty throwaway database of the kind the tests run on (SQLite or PostgreSQL)."""
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='lms-mig-')) / 'mig.db'}"
        return
    name = f"lms_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _upgrade(engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def _revision(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _fingerprint(session: Session) -> dict:
    return {
        "org": session.exec(select(Organization.name)).all(),
        "users": sorted(session.exec(select(User.email, User.name, User.hire_date, User.department_id)).all()),
        "roles": session.exec(select(func.count(UserRole.id))).one(),
        "groups": sorted(session.exec(select(Group.name, func.count(GroupMember.id)).join(GroupMember).group_by(Group.name)).all()),
    }


def test_a_database_at_0001_with_data_reaches_head_with_its_rows_intact(fresh_url):
    engine = db.make_engine(fresh_url)
    try:
        _upgrade(engine, "0001")
        assert _revision(engine) == "0001"
        assert not NEW_TABLES & set(inspect(engine).get_table_names())
        with Session(engine) as s:
            seed_demo(s, with_courses=False)  # the people: the course tables come with 0002
            s.commit()
            before = _fingerprint(s)
        assert len(before["users"]) == 24

        # The one command an admin runs.
        env = {"LMS_DATABASE_URL": fresh_url, "LMS_JOBS": "off", "LMS_DATA_DIR": str(settings.DATA_DIR),
               "LMS_SECRET_KEY": "test-secret-key", "PATH": "/usr/bin:/bin"}
        out = subprocess.run([sys.executable, "-m", "lms_app", "migrate"], env=env, capture_output=True, text=True,
                             cwd=settings.PROJECT_ROOT)
        assert out.returncode == 0, out.stderr
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert _revision(engine) == head

        engine.dispose()
        assert NEW_TABLES <= set(inspect(engine).get_table_names())
        with Session(engine) as s:
            assert _fingerprint(s) == before
            # The new tables work, including the one-active-run rule from the migration's index.
            org = s.exec(select(Organization)).one()
            leo = s.exec(select(User).where(User.email == "leo@example.com")).one()
            course = Course(org_id=org.id, title="Safety basics")
            s.add(course)
            s.flush()
            s.add(Enrollment(org_id=org.id, course_id=course.id, user_id=leo.id, status="completed", completed_at=utcnow() - timedelta(days=1)))
            s.add(Enrollment(org_id=org.id, course_id=course.id, user_id=leo.id, status="active"))
            s.commit()
            s.add(Enrollment(org_id=org.id, course_id=course.id, user_id=leo.id, status="active"))
            with pytest.raises(IntegrityError):
                s.commit()
    finally:
        engine.dispose()


def test_models_and_migrations_describe_the_same_schema(fresh_url):
    engine = db.make_engine(fresh_url)
    try:
        _upgrade(engine, "head")
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": SQLModel.metadata})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == [], f"models and migrations differ (write a migration): {diff}"
    finally:
        engine.dispose()


def test_the_partial_unique_index_is_partial_on_this_database(fresh_url):
    engine = db.make_engine(fresh_url)
    try:
        _upgrade(engine, "head")
        index = next(i for i in inspect(engine).get_indexes("enrollment") if i["name"] == "uq_enrollment_active")
        assert index["unique"] and index["column_names"] == ["course_id", "user_id"]
        where = (index.get("dialect_options") or {}).get(f"{engine.dialect.name}_where")
        assert where is not None and "active" in str(where)
    finally:
        engine.dispose()
