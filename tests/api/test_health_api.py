"""/healthz and /readyz on real responses: ready on a working install; 503 naming the check
when the database is gone (a throwaway PostgreSQL database dropped, or a SQLite file that is
no longer a database), when the job runners stopped beating, or when Redis does not answer."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from lms_app import db, settings
from lms_app.api.app import build_api
from lms_app.models import RunnerHeartbeat
from lms_app.models.base import utcnow
from lms_app.services import health


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_is_ready_with_a_recent_heartbeat_and_not_after_a_minute_of_silence(client, engine, monkeypatch):
    monkeypatch.setattr(settings, "JOBS_ENABLED", True)
    with Session(engine) as s:
        s.add(RunnerHeartbeat(runner="worker-1", seen_at=utcnow()))
        s.commit()
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "jobs": "ok", "disk": "ok"}
    with Session(engine) as s:
        s.get(RunnerHeartbeat, "worker-1").seen_at = utcnow() - timedelta(minutes=5)
        s.commit()
    stale = client.get("/readyz")
    assert stale.status_code == 503 and stale.json()["checks"]["jobs"].startswith("no job runner heartbeat for 3")


def test_readyz_fails_when_redis_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(settings, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["redis"].startswith("Redis does not answer")


def test_readyz_fails_when_the_database_is_gone(engine, monkeypatch, tmp_path):
    if db.is_postgres(engine):
        name = f"lms_ready_{uuid.uuid4().hex[:8]}"
        admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(engine.url).set(database=name)
        throwaway = create_engine(url)
        with throwaway.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num varchar(32))"))
        assert health.readiness(engine=throwaway).ok
        throwaway.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "lms.db"
        throwaway = create_engine(f"sqlite:///{path}")
        with throwaway.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num varchar(32))"))
        assert health.readiness(engine=throwaway).ok
        throwaway.dispose()
        path.write_bytes(b"this is no longer a database" * 200)
    monkeypatch.setattr(db, "_engine", throwaway)
    response = TestClient(build_api()).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("the database does not answer")
    assert "postgresql://" not in response.text and "sqlite:" not in response.text
