"""Test databases: SQLite files by default, or uniquely named PostgreSQL databases.

Set CONCILIA_TEST_DB=postgresql to run the suite against the PostgreSQL server at
CONCILIA_TEST_PG (default postgresql://postgres@127.0.0.1:5432/postgres); each database
is created for the run and dropped afterwards. A missing server fails the run.

Most tests want a database with the hub's schema: `migrated()` copies one that the real
migrations made once per run (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on
PostgreSQL), which costs a fraction of migrating each. tests/models/test_migrations.py
migrates empty databases of its own.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg

from models.db import create_engine, init_db

BACKEND = os.environ.get("CONCILIA_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("CONCILIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


class Databases:
    """Creates empty databases on demand and drops them all at the end."""

    def __init__(self, directory: Path) -> None:
        if BACKEND not in {"sqlite", "postgresql"}:
            raise ValueError(f"CONCILIA_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
        self.directory = directory
        self.created: list[str] = []
        self._template: str | None = None
        self._template_lock = asyncio.Lock()

    async def create(self) -> str:
        """The SQLAlchemy URL of a new, empty database."""
        return await self._new()

    async def migrated(self) -> str:
        """The SQLAlchemy URL of a new database with the hub's schema and taxonomy, as
        `init_db` makes it."""
        template = await self._migrated_template()
        if BACKEND == "sqlite":
            name = self._name()
            shutil.copyfile(self._path(template), self._path(name))
            return self._url(name)
        return await self._new(template)

    async def _migrated_template(self) -> str:
        async with self._template_lock:
            if self._template is None:
                name = self._name()
                if BACKEND == "postgresql":
                    await _create_database(name)
                    self.created.append(name)
                engine = create_engine(self._url(name))
                try:
                    await init_db(engine)
                finally:
                    # No connection may stay open on a PostgreSQL template; SQLite's WAL
                    # is written back into the file when its last connection closes.
                    await engine.dispose()
                self._template = name
            return self._template

    async def _new(self, template: str | None = None) -> str:
        name = self._name()
        if BACKEND == "postgresql":
            await _create_database(name, template)
            self.created.append(name)
        return self._url(name)

    @staticmethod
    def _name() -> str:
        return f"concilia_test_{uuid.uuid4().hex[:12]}"

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.db"

    def _url(self, name: str) -> str:
        if BACKEND == "sqlite":
            return f"sqlite+aiosqlite:///{self._path(name)}"
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


async def _create_database(name: str, template: str | None = None) -> None:
    connection = await _admin()
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await connection.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await connection.close()


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        raise RuntimeError(
            f"CONCILIA_TEST_DB=postgresql but the server at {PG_ADMIN_URL} is unreachable: {error}"
        ) from error
