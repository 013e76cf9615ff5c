"""Whether this process can serve: what /readyz reports to load balancers and monitoring.

Each check answers ok or a short reason (never a connection string or a stack trace): the
database answers and holds the schema, Redis answers when it is configured, a job runner has
recorded its heartbeat lately when jobs run, and the data folder has room left."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from lms_app import db, settings
from lms_app.models.base import utcnow

# Runners beat every few seconds; a minute of silence means none is working.
HEARTBEAT_STALE = timedelta(seconds=60)
MIN_FREE_BYTES = 200 * 1024 * 1024


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # name -> "ok" or the reason it is not

    @property
    def ok(self) -> bool:
        return all(value == "ok" for value in self.checks.values())


def _database(engine: Engine, now: datetime, jobs: bool) -> tuple[str, str | None]:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT version_num FROM alembic_version")).first()
            newest = conn.execute(text("SELECT MAX(seen_at) FROM runnerheartbeat")).scalar() if jobs else None
    except SQLAlchemyError as exc:
        return f"the database does not answer ({type(exc.orig or exc).__name__})", None
    if not jobs:
        return "ok", None
    if newest is None:
        return "ok", "no job runner has started"
    seen = newest if isinstance(newest, datetime) else datetime.fromisoformat(str(newest))
    seen = seen if seen.tzinfo else seen.replace(tzinfo=now.tzinfo)
    age = (now - seen).total_seconds()
    return "ok", None if age <= HEARTBEAT_STALE.total_seconds() else f"no job runner heartbeat for {int(age)} s"


def _redis(url: str) -> str:
    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer ({type(exc).__name__})"
    return "ok"


def readiness(*, engine: Engine | None = None, now: datetime | None = None) -> Readiness:
    """Every check, run now."""
    now = now or utcnow()
    result = Readiness()
    database, jobs = _database(engine or db.get_engine(), now, settings.JOBS_ENABLED)
    result.checks["database"] = database
    if settings.JOBS_ENABLED:
        result.checks["jobs"] = (jobs or "ok") if database == "ok" else "unknown: the database does not answer"
    if settings.REDIS_URL:
        result.checks["redis"] = _redis(settings.REDIS_URL)
    free = shutil.disk_usage(settings.DATA_DIR).free
    result.checks["disk"] = "ok" if free >= MIN_FREE_BYTES else f"only {free // (1024 * 1024)} MB free in the data folder"
    return result
