"""Alembic environment: the database URL comes from lms_app.settings (one place)."""

from alembic import context
from sqlmodel import SQLModel

import lms_app.models  # noqa: F401  (registers every table on the metadata)
from lms_app import db

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    with db.get_engine().connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
