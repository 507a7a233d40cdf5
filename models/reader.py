"""Read-only statements run straight on the database driver, for the compiled read path.

The ORM and SQLAlchemy's execution layer cost more than a small query itself: a statement
that the hub has compiled once (resolvers.compiled) runs here, its values written in, on an
asyncpg pool (PostgreSQL) or on aiosqlite connections (SQLite), and returns one value.
SQLite connections get the few functions the compiled statements use that SQLite lacks.
"""

from __future__ import annotations

import asyncio
import base64
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from models.db import POOL_SIZE, is_sqlite

# What the drivers raise when the database cannot answer (down, unreachable, refused).
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    SQLAlchemyError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    sqlite3.Error,
)
SQLITE_CONNECTIONS = 4


def b64(text: str | None) -> str | None:
    """Base64 of a text's UTF-8 (a Relay global ID)."""
    return None if text is None else base64.b64encode(text.encode()).decode()


def b64url(text: str | None) -> str | None:
    """URL-safe base64 without padding of a text's UTF-8 (a cursor)."""
    if text is None:
        return None
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def float_json(value: float | None) -> str | None:
    """A float as JSON the way Python prints it: SQLite's JSON keeps only 15 digits."""
    return None if value is None else repr(float(value))


SQLITE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concilia_b64": b64,
    "concilia_b64url": b64url,
    "concilia_float": float_json,
}


class Reader:
    """Runs a compiled read statement and returns the first column of its first row."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.url = engine.url
        self.dialect = engine.dialect
        self.sqlite = is_sqlite(engine)
        # As many connections as the engine's pool keeps.
        pool = engine.sync_engine.pool
        self.pool_size = pool.size() if isinstance(pool, QueuePool) else POOL_SIZE
        self._compiled: dict[sa.Select[Any], str] = {}
        self._pool: asyncpg.Pool | None = None
        self._connections: asyncio.Queue[aiosqlite.Connection] | None = None
        self._opened: list[aiosqlite.Connection] = []
        self._opening = asyncio.Lock()

    def sql(self, statement: sa.Select[Any]) -> str:
        """A statement's SQL for this database, its values written in.

        A statement without parameters is planned once by PostgreSQL (with parameters it
        was planned again at every execution, LIMIT $1 making the generic plan look worse).
        The values are quoted by SQLAlchemy; the callers' values were checked on the way in
        (resolvers.inputs; cursors hold folded text only)."""
        return statement.compile(
            dialect=self.dialect, compile_kwargs={"literal_binds": True}
        ).string

    async def value(self, sql: str) -> Any:
        """The first column of the first row of a statement of `sql`."""
        if self.sqlite:
            async with self._sqlite() as connection:
                rows = await connection.execute_fetchall(sql)
            return next(iter(rows))[0] if rows else None
        pool = self._pool or await self._open_pool()
        return await pool.fetchval(sql)

    async def statement_value(self, statement: sa.Select[Any]) -> Any:
        """The value of a constant statement (compiled once)."""
        sql = self._compiled.get(statement)
        if sql is None:
            sql = self._compiled[statement] = self.sql(statement)
        return await self.value(sql)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        for connection in self._opened:
            await connection.close()
        self._opened.clear()
        self._connections = None

    async def _open_pool(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    _asyncpg_dsn(self.url), min_size=1, max_size=self.pool_size
                )
        return self._pool

    @asynccontextmanager
    async def _sqlite(self) -> AsyncIterator[aiosqlite.Connection]:
        queue = self._connections or await self._open_sqlite()
        connection = await queue.get()
        try:
            yield connection
        finally:
            queue.put_nowait(connection)

    async def _open_sqlite(self) -> asyncio.Queue[aiosqlite.Connection]:
        async with self._opening:
            if self._connections is None:
                queue: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
                for _ in range(SQLITE_CONNECTIONS):
                    connection = await aiosqlite.connect(self.url.database or ":memory:")
                    await connection.execute("PRAGMA query_only = ON")
                    await connection.execute("PRAGMA busy_timeout = 5000")
                    for name, function in SQLITE_FUNCTIONS.items():
                        await connection.create_function(name, 1, function, deterministic=True)
                    self._opened.append(connection)
                    queue.put_nowait(connection)
                self._connections = queue
        return self._connections


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
