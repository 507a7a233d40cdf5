"""The database engine, sessions and schema creation (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import SQLModel, col

from models import migrations, version
from models.category import Category
from models.taxonomy import CATEGORIES
from models.version import VersionedSession

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./concilia.db"
# Connections each process keeps open (CONCILIA_DATABASE_POOL_SIZE).
POOL_SIZE = 10


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to the embedded SQLite database."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(
    url: str = DEFAULT_DATABASE_URL, *, echo: bool = False, pool_size: int = POOL_SIZE
) -> AsyncEngine:
    """An async engine for `url`; SQLite gets foreign keys, WAL and a busy timeout.

    The pool keeps `pool_size` connections and opens no more: a statement past them waits
    for one (within the request's execution timeout). SQLAlchemy's default, 5 kept and 10
    more opened for a burst and closed after it, connected and disconnected all the time
    under load (a PostgreSQL backend started and stopped per request: ~15 % of a nested
    query's CPU in the hub alone).

    No ping before each checkout: it cost a round trip per statement of the read path. A
    connection the server dropped fails its statement once; SQLAlchemy then recognises the
    disconnect and replaces every pooled connection."""
    pooled = sa.make_url(url).database not in {None, "", ":memory:"}
    pool: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 0} if pooled else {}
    engine = create_async_engine(url, echo=echo, **pool)
    if is_sqlite(engine):
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a session factory is bound to."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("the session factory must be bound to an AsyncEngine")
    return bind


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded rows usable after commit, and move the data version when
    they change rows (models.version)."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=VersionedSession)


async def init_db(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the schema to `revision` (models.migrations: an empty database is created,
    one of the release before migrations is adopted) and, at the newest revision, seed the
    categories models.taxonomy has and the database lacks (idempotent)."""
    at = await migrations.upgrade(engine, revision)
    if at != migrations.head():
        # An older revision's tables may lack columns the models write.
        return
    async with engine.begin() as conn:
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
        await conn.run_sync(version.seed)


async def drop_db(engine: AsyncEngine) -> None:
    """Drop every table of the hub, and the record of its migrations."""
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


async def ping(engine: AsyncEngine) -> None:
    """Run a trivial statement; raises when the database is unreachable."""
    async with engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))
