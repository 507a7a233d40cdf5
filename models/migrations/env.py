"""Alembic's environment: migrate the connection models.migrations hands over, or, for a
developer's `alembic` command, the database CONCILIA_DATABASE_URL names."""

from __future__ import annotations

import asyncio
import os

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401 - registers every table on SQLModel.metadata
from models.db import DEFAULT_DATABASE_URL, create_engine
from models.migrations import DATABASE_ONLY_INDEXES


def include_name(name: str | None, kind: str, _parents: object) -> bool:
    """Leave the indexes the models do not declare out of autogenerate's comparison."""
    return not (kind == "index" and name in DATABASE_ONLY_INDEXES)


def _configure(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite alters a table by copying it: later revisions' ALTERs need batch mode.
        render_as_batch=True,
        compare_type=True,
        compare_server_default=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _from_url(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_configure)
    finally:
        await engine.dispose()


def main() -> None:
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported: run them on a database")
    given: sa.Connection | None = context.config.attributes.get("connection")
    if given is not None:
        _configure(given)
    else:
        asyncio.run(_from_url(os.environ.get("CONCILIA_DATABASE_URL", DEFAULT_DATABASE_URL)))


main()
