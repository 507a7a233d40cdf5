"""One sync of a source at a time, across processes and hub replicas.

PostgreSQL: a session-level advisory lock held on its own connection for the whole
sync (released by the server even if the process dies). SQLite: a lease on the source
row, taken by a conditional UPDATE (atomic in SQLite) and renewed as batches commit; a
lease whose process on this host is gone is taken over at once, and one of a crashed
process elsewhere blocks the source only until it expires.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col

from models import Source
from models.types import utc_now

# The first key of the two-int advisory lock: "concilia sync" (the second is the source id).
ADVISORY_NAMESPACE = 0x0C0C1A
LEASE = timedelta(minutes=10)


class SyncInProgress(RuntimeError):
    """Another process is syncing this source right now."""


class SourceLock:
    """A held lock; `renew` keeps a lease alive during a long sync."""

    def __init__(
        self, engine: AsyncEngine, source_id: int, owner: str, lease: timedelta = LEASE
    ) -> None:
        self.engine = engine
        self.source_id = source_id
        self.owner = owner
        self.lease = lease

    async def renew(self) -> None:
        if self.engine.dialect.name == "postgresql":
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(Source)
                .where(col(Source.id) == self.source_id, col(Source.locked_by) == self.owner)
                .values(locked_until=utc_now() + self.lease)
            )


def lock_owner() -> str:
    """Who holds a lease: host, process and a random part (several syncs per process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def source_lock(
    engine: AsyncEngine, source_id: int, name: str, lease: timedelta = LEASE
) -> AsyncIterator[SourceLock]:
    """Hold the sync lock of a source; SyncInProgress if someone else holds it. On SQLite
    the lock is a `lease` to renew."""
    owner = lock_owner()
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await _advisory(conn, "pg_try_advisory_lock", source_id, name)
            try:
                yield SourceLock(engine, source_id, owner, lease)
            finally:
                await conn.execute(
                    sa.select(sa.func.pg_advisory_unlock(ADVISORY_NAMESPACE, source_id))
                )
                await conn.commit()
        return
    await _take_lease(engine, source_id, owner, name, lease)
    try:
        yield SourceLock(engine, source_id, owner, lease)
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                sa.update(Source)
                .where(col(Source.id) == source_id, col(Source.locked_by) == owner)
                .values(locked_by=None, locked_until=None)
            )


async def _advisory(conn: AsyncConnection, function: str, source_id: int, name: str) -> None:
    got = await conn.scalar(sa.select(getattr(sa.func, function)(ADVISORY_NAMESPACE, source_id)))
    await conn.commit()
    if not got:
        raise SyncInProgress(f"a sync of {name!r} is already running")


def _dead(holder: str | None) -> bool:
    """Whether a lease holder is a process of this host that no longer runs (killed
    mid-sync): its lease need not be waited out."""
    host, _, rest = (holder or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


async def _take_lease(
    engine: AsyncEngine, source_id: int, owner: str, name: str, lease: timedelta
) -> None:
    now = utc_now()
    async with engine.begin() as conn:
        holder = await conn.scalar(
            sa.select(col(Source.locked_by)).where(col(Source.id) == source_id)
        )
        free = sa.or_(col(Source.locked_until).is_(None), col(Source.locked_until) < now)
        if _dead(holder):
            free = sa.or_(free, col(Source.locked_by) == holder)
        taken = await conn.execute(
            sa.update(Source)
            .where(col(Source.id) == source_id, free)
            .values(locked_by=owner, locked_until=now + lease)
        )
    if taken.rowcount != 1:
        raise SyncInProgress(f"a sync of {name!r} is already running ({holder})")
