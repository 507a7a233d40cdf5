"""Schema migrations: the database is created and upgraded by the Alembic revisions in
`versions/`, never by `metadata.create_all`, so a database with data can follow the models.

Revisions run on the hub's own async engine (`connection.run_sync`), in one transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.ext.asyncio import AsyncEngine

HERE = Path(__file__).resolve().parent
# The first revision: the schema of the last release made by `create_all`. A database that
# release created has its tables and no `alembic_version`; it is stamped here, then upgraded.
BASELINE = "0001"
# A table every release has had: its presence without `alembic_version` marks such a database.
_RELEASED_TABLE = "offering"
# Indexes the migrations create that the models do not declare (PostgreSQL's trigram index
# for the `text` filter): comparisons of the database with the models leave them out.
DATABASE_ONLY_INDEXES = frozenset({"ix_offering_search_text_trgm"})
# Serialises concurrent upgrades of one PostgreSQL database (replicas starting together).
_PG_LOCK_KEY = 0x636F6E63696C6961  # "concilia"


class MigrationError(Exception):
    """A migration that cannot run as asked: an unknown revision, a refused downgrade."""


def config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration for this package, independent of the working directory;
    `connection` is the one `env.py` migrates."""
    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(HERE))
    alembic_config.attributes["connection"] = connection
    return alembic_config


@functools.cache
def _scripts() -> ScriptDirectory:
    # Reading the revision files once per process keeps `init_db` of a current database fast.
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision."""
    newest = _scripts().get_current_head()
    if newest is None:
        raise RuntimeError("the migrations package has no revision")
    return newest


def previous(revision: str) -> str | None:
    """The revision before `revision` (None before the baseline)."""
    match _scripts().get_revision(revision).down_revision:
        case str() | None as down:
            return down
        case _:
            raise MigrationError(f"revision {revision} merges branches; downgrade by name")


def _current(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current(engine: AsyncEngine) -> str | None:
    """The database's revision (None when it has none: empty, or made by the baseline's
    release and not upgraded yet)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Upgrade the database to `revision` and return the revision it is at.

    An empty database is created from nothing; one made by the release before migrations
    is stamped at the baseline first, its data untouched."""
    target = _revision(revision)
    async with engine.begin() as conn:
        return await conn.run_sync(_upgrade, target)


def _revision(name: str) -> str:
    """The revision `name` names: "head", or an id in full or its unique start."""
    try:
        found = _scripts().get_revision(name)
    except CommandError as error:
        raise MigrationError(_one_line(error)) from None
    if found is None:
        raise MigrationError(f"{name!r} is not a revision to upgrade to")
    return found.revision


def _upgrade(connection: sa.Connection, target: str) -> str | None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
    at = _current(connection)
    if at == target:
        return at
    if at is None and sa.inspect(connection).has_table(_RELEASED_TABLE):
        _alembic(command.stamp, connection, BASELINE)
    _alembic(command.upgrade, connection, target)
    return _current(connection)


async def downgrade(engine: AsyncEngine, revision: str) -> str | None:
    """Downgrade the database to `revision` ("base" drops every table) and return the
    revision it is at."""
    async with engine.begin() as conn:
        return await conn.run_sync(_downgrade, revision)


def _downgrade(connection: sa.Connection, revision: str) -> str | None:
    _alembic(command.downgrade, connection, revision)
    return _current(connection)


async def step_back(engine: AsyncEngine) -> str:
    """Undo the newest applied revision and return the revision the database is at; the
    baseline is never undone (that would drop every table and its data)."""
    at = await current(engine)
    if at is None:
        raise MigrationError("the database has no revision: run `concilia db upgrade` first")
    if at == BASELINE:
        raise MigrationError(
            f"the database is at the baseline ({BASELINE}); downgrading it would drop "
            "every table, refused"
        )
    before = previous(at)
    if before is None:
        raise MigrationError(f"revision {at} has no previous revision")
    await downgrade(engine, before)
    return before


def _alembic(run: Callable[[Config, str], None], connection: sa.Connection, revision: str) -> None:
    try:
        run(config(connection), revision)
    except CommandError as error:
        raise MigrationError(_one_line(error)) from None


def _one_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
