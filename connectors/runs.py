"""A sync run's record while it runs: a lease that the running process renews (with each
batch it commits, and on a heartbeat between them), so that a run whose process stopped
is known to be dead as soon as its lease expires, with the counts it had committed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from connectors.locks import LEASE, SourceLock, SyncInProgress, source_lock
from models import SyncRun, SyncStatus
from models.db import engine_of
from models.source import DEAD_RUN_ERROR
from models.types import utc_now

log = logging.getLogger(__name__)

__all__ = ["LEASE", "await_other_run", "bury_dead_runs", "heartbeat", "latest_run", "lease_end"]

# How often `concilia sync` looks whether another process's sync of a source has ended.
POLL = 0.2


def lease_end(lease: timedelta) -> datetime:
    """When a lease taken or renewed now ends."""
    return utc_now() + lease


async def bury_dead_runs(
    session: AsyncSession, source_ids: Sequence[int], *, lock_held: bool = False
) -> None:
    """Record as DEAD the RUNNING runs of these sources whose lease has expired (with the
    source's lock held, every RUNNING run: nobody else can be running it), keeping the
    counts they had committed."""
    running = sa.and_(
        col(SyncRun.source_id).in_(source_ids), col(SyncRun.status) == SyncStatus.RUNNING
    )
    if not lock_held:
        running = sa.and_(running, col(SyncRun.lease_until) < utc_now())
    await session.execute(
        sa.update(SyncRun)
        .where(running)
        .values(status=SyncStatus.DEAD, finished_at=utc_now(), error=DEAD_RUN_ERROR)
    )


@asynccontextmanager
async def heartbeat(
    engine: AsyncEngine, run_id: int, lock: SourceLock, lease: timedelta
) -> AsyncIterator[None]:
    """Renew the run's lease and the source's lock while the block runs, also when no batch
    commits for a while (a slow source): a third of the lease apart."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            try:
                async with engine.begin() as conn:
                    await conn.execute(
                        sa.update(SyncRun)
                        .where(col(SyncRun.id) == run_id, col(SyncRun.status) == SyncStatus.RUNNING)
                        .values(lease_until=lease_end(lease))
                    )
                await lock.renew()
            except SQLAlchemyError as error:  # a missed beat is not the sync's failure
                log.warning("could not renew the lease of sync run %s: %s", run_id, error)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait([task])


async def latest_run(sessions: async_sessionmaker[AsyncSession], source_id: int) -> SyncRun | None:
    async with sessions() as session:
        return (
            await session.execute(
                sa.select(SyncRun)
                .where(col(SyncRun.source_id) == source_id)
                .order_by(col(SyncRun.id).desc())
                .limit(1)
            )
        ).scalar_one_or_none()


async def await_other_run(
    sessions: async_sessionmaker[AsyncSession], source_id: int, name: str, wait: float
) -> SyncRun | None:
    """The run of the process that holds the source's lock, once it has ended (polled:
    there is nothing to await across processes); None when it has not ended within `wait`
    seconds, or ended without recording a run."""
    before = await latest_run(sessions, source_id)
    deadline = time.monotonic() + wait
    engine = engine_of(sessions)
    while True:
        try:
            async with source_lock(engine, source_id, name):
                break
        except SyncInProgress:
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(POLL)
    after = await latest_run(sessions, source_id)
    if after is None or after.status is SyncStatus.RUNNING:
        return None
    # Its run is newer than the one seen before, or is the one that was running then.
    if before is None or after.id != before.id or before.status is SyncStatus.RUNNING:
        return after
    return None
