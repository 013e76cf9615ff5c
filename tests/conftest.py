"""Shared fixtures: a real database (SQLite by default, PostgreSQL when LMS_TEST_DATABASE_URL
names a server), migrated with Alembic, emptied between tests."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

if os.environ.get("PYTEST_XDIST_WORKER") or "LMS_DATA_DIR" not in os.environ:
    # Each test process its own files (parallel workers inherit the first process's variables).
    os.environ["LMS_DATA_DIR"] = tempfile.mkdtemp(prefix="lms-test-data-")
os.environ.setdefault("LMS_SECRET_KEY", "test-secret-key")
os.environ.setdefault("LMS_JOBS", "off")

from lms_app import db  # noqa: E402
from lms_app.models import User  # noqa: E402
from lms_app.services.permissions import Actor, actor_for  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end test in a real browser")
    config.addinivalue_line("markers", "scale: also run against PostgreSQL + Redis + two workers")
    config.addinivalue_line("markers", "postgres: needs PostgreSQL")


def _create_database() -> tuple[str, callable]:
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if not base:
        path = Path(tempfile.mkdtemp(prefix="lms-test-db-")) / "test.db"
        return f"sqlite:///{path}", lambda: None
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        db.get_engine().dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url():
    url, drop = _create_database()
    engine = db.make_engine(url)
    db.set_engine(engine)
    from lms_app import settings
    from lms_app.migrate import migrate

    settings.DATABASE_URL = url
    migrate()
    yield url
    engine.dispose()
    drop()


def _empty_all_tables(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def engine(database_url):
    from lms_app.services import dashboard_cache

    engine = db.get_engine()
    _empty_all_tables(engine)
    dashboard_cache.clear()  # ids come back after the tables are emptied: no result may outlive its test
    with db.session_scope() as session:
        from lms_app.services.setup import ensure_installation

        ensure_installation(session)
    return engine


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


_demo_rows: dict[str, list[dict]] = {}


def _restore_rows(engine, rows: dict[str, list[dict]]) -> None:
    """Put back a copy of every table taken after seeding, ids included; on PostgreSQL the id
    sequences then continue after the copied ids."""
    _empty_all_tables(engine)
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:  # parents before children
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
        if engine.dialect.name == "postgresql":
            for table in SQLModel.metadata.sorted_tables:
                keys = list(table.primary_key.columns)
                if len(keys) == 1 and keys[0].type.python_type is int:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{keys[0].name}'), "
                                      f"COALESCE((SELECT MAX({keys[0].name}) FROM \"{table.name}\"), 0) + 1, false)"))


@pytest.fixture
def demo(engine):
    """The demo organization's people (no courses: each test builds the ones it needs); returns
    the users by email. Seeded once per run (it hashes passwords), then copied back for each test."""
    from lms_app.services.seed import seed_demo

    if not _demo_rows:
        with db.session_scope() as s:
            seed_demo(s, with_courses=False)
        with engine.connect() as conn:
            _demo_rows.update({t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in SQLModel.metadata.sorted_tables})
    else:
        _restore_rows(engine, _demo_rows)
    with Session(engine) as s:
        return {u.email: u for u in s.exec(select(User)).all()}


@pytest.fixture
def actor_of(engine):
    def make(email: str, ip: str = "127.0.0.1") -> Actor:
        with Session(engine) as s:
            user = s.exec(select(User).where(User.email == email)).one()
            return actor_for(s, user, ip)

    return make
