"""Test databases: SQLite files by default, or uniquely named PostgreSQL databases.

Set CONCILIA_TEST_DB=postgresql to run the suite against the PostgreSQL server at
CONCILIA_TEST_PG (default postgresql://postgres@127.0.0.1:5432/postgres); each database
is created for the run and dropped afterwards. A missing server fails the run.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import asyncpg

BACKEND = os.environ.get("CONCILIA_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("CONCILIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


class Databases:
    """Creates empty databases on demand and drops them all at the end."""

    def __init__(self, directory: Path) -> None:
        if BACKEND not in {"sqlite", "postgresql"}:
            raise ValueError(f"CONCILIA_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
        self.directory = directory
        self.created: list[str] = []

    async def create(self) -> str:
        """The SQLAlchemy URL of a new, empty database."""
        name = f"concilia_test_{uuid.uuid4().hex[:12]}"
        if BACKEND == "sqlite":
            return f"sqlite+aiosqlite:///{self.directory / name}.db"
        connection = await _admin()
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        self.created.append(name)
        host = PG_ADMIN_URL.split("://", 1)[1].rsplit("/", 1)[0]
        return f"postgresql+asyncpg://{host}/{name}"

    async def drop_all(self) -> None:
        if not self.created:
            return
        connection = await _admin()
        try:
            for name in self.created:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        raise RuntimeError(
            f"CONCILIA_TEST_DB=postgresql but the server at {PG_ADMIN_URL} is unreachable: {error}"
        ) from error
