"""Bring the schema to head (Alembic) and make sure the install has its organization."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from lms_app import db, settings
from lms_app.services.setup import ensure_installation


def alembic_config() -> Config:
    return Config(str(settings.PROJECT_ROOT / "alembic.ini"))


def migrate(revision: str = "head") -> None:
    engine = db.get_engine()
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    if revision == "head":
        with db.session_scope() as session:
            ensure_installation(session)
