"""The database engine, sessions and schema creation (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import SQLModel, col

from models.category import Category
from models.taxonomy import CATEGORIES

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./concilia.db"


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to the embedded SQLite database."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(url: str = DEFAULT_DATABASE_URL, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url`; SQLite gets foreign keys, WAL and a busy timeout."""
    engine = create_async_engine(url, echo=echo, pool_pre_ping=not url.startswith("sqlite"))
    if is_sqlite(engine):
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded rows usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def init_db(engine: AsyncEngine) -> None:
    """Create the tables that do not exist yet and seed the category taxonomy (idempotent)."""
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
        existing = set((await conn.execute(sa.select(col(Category.code)))).scalars())
        missing = [
            {
                "code": info.code,
                "area": info.area,
                "label_it": info.label_it,
                "label_en": info.label_en,
                "position": position,
            }
            for position, info in enumerate(CATEGORIES)
            if info.code not in existing
        ]
        if missing:
            await conn.execute(sa.insert(Category), missing)


async def drop_db(engine: AsyncEngine) -> None:
    """Drop every table of the hub."""
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)


async def ping(engine: AsyncEngine) -> None:
    """Run a trivial statement; raises when the database is unreachable."""
    async with engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))
