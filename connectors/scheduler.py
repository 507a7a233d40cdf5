"""The scheduler: syncs each source that declares `every` when it falls due, until told
to stop.

A source is due at its last run's start (from the database, so replicas and manual syncs
count) plus `every`, plus a random part of its `jitter`; never run, it is due at once
(plus jitter). One sync of a source at a time across processes is the sync lock's job: a
source locked elsewhere is skipped until it is next due. Sources run concurrently up to
a limit; each sync is cut off at its time limit; a sync that fails or errors leaves the
others on their schedule.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from connectors.config import ConfigError, SourceConfig
from connectors.locks import SyncInProgress
from connectors.runs import LEASE, bury_dead_runs
from connectors.sync import CANCELLED, sync_source
from models import Source, SyncRun
from models.types import utc_now

log = logging.getLogger("concilia.scheduler")

# The longest one scheduled sync may take unless its source says (`timeout`).
DEFAULT_TIMEOUT = timedelta(minutes=30)
# Syncs running at once in one scheduler.
CONCURRENCY = 4
# How long the scheduler waits before asking a database that did not answer again.
RETRY = timedelta(seconds=10)
DATABASE_ERRORS = (SQLAlchemyError, OSError)
# A random number between two bounds (random.uniform; tests pass their own).
Draw = Callable[[float, float], float]


def jitter_delay(jitter: timedelta, draw: Draw = random.uniform) -> timedelta:
    """A random delay between none and `jitter`, so that replicas and sources spread out."""
    drawn = draw(0.0, jitter.total_seconds())
    return timedelta(seconds=min(max(drawn, 0.0), jitter.total_seconds()))


def next_due(
    last_started: datetime | None, every: timedelta, now: datetime, delay: timedelta
) -> datetime:
    """When a source is next due: its last run's start + `every` (now, if it never ran),
    plus its jitter `delay`."""
    return (now if last_started is None else last_started + every) + delay


@dataclass(frozen=True)
class Ran:
    """One scheduled attempt: the run it recorded, or why there is none."""

    source: str
    run: SyncRun | None = None
    skipped: str | None = None


class Scheduler:
    """Syncs the scheduled sources of `configs` as they fall due (`run`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        configs: list[SourceConfig],
        client: httpx.AsyncClient,
        *,
        concurrency: int = CONCURRENCY,
        lease: timedelta = LEASE,
        time_limit: timedelta = DEFAULT_TIMEOUT,
        draw: Draw = random.uniform,
        on_run: Callable[[Ran], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.scheduled = {config.name: config for config in configs if config.every}
        self.client = client
        self.lease = lease
        self.time_limit = time_limit
        self.draw = draw
        self.on_run = on_run or _log
        self._slots = asyncio.Semaphore(concurrency)
        self._running: dict[str, asyncio.Task[None]] = {}
        # Each source's next due time, and the jitter delay drawn for it until it next runs.
        self._due: dict[str, datetime] = {}
        self._delay: dict[str, timedelta] = {}
        self._changed = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Sync sources as they fall due until `stop` is set; then cancel the syncs still
        running (their runs are recorded as cancelled, their locks released)."""
        for name in self.scheduled:
            await self._refresh(name)
        try:
            while not stop.is_set():
                self._changed.clear()
                try:
                    await self._start_due()
                except DATABASE_ERRORS as error:
                    log.warning("scheduler: the database did not answer: %s", error)
                    await _first(stop.wait(), seconds=RETRY.total_seconds())
                    continue
                waiting = [name for name in self.scheduled if name not in self._running]
                soonest = min((self._due[name] for name in waiting), default=None)
                delay = None if soonest is None else (soonest - utc_now()).total_seconds()
                await _first(stop.wait(), self._changed.wait(), seconds=delay)
        finally:
            running = list(self._running.values())
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _start_due(self) -> None:
        for name in self.scheduled:
            if name in self._running or self._due[name] > utc_now():
                continue
            # Another replica, or an operator, may have synced it since: due is re-read.
            await self._refresh(name)
            if self._due[name] <= utc_now():
                self._running[name] = asyncio.create_task(self._sync(self.scheduled[name]))

    async def _refresh(self, name: str) -> None:
        """Read the source's last run, recording it dead if its lease ran out, and work out
        when it is due."""
        config = self.scheduled[name]
        assert config.every is not None
        async with self.sessions.begin() as session:
            source_id = await session.scalar(
                sa.select(col(Source.id)).where(col(Source.name) == name)
            )
            last = None
            if source_id is not None:
                await bury_dead_runs(session, [source_id])
                last = await session.scalar(
                    sa.select(sa.func.max(col(SyncRun.started_at))).where(
                        col(SyncRun.source_id) == source_id
                    )
                )
        if name not in self._delay:
            self._delay[name] = jitter_delay(config.jitter, self.draw)
        self._due[name] = next_due(last, config.every, utc_now(), self._delay[name])

    async def _sync(self, config: SourceConfig) -> None:
        assert config.every is not None
        try:
            self.on_run(await self._attempt(config))
            self._delay.pop(config.name, None)
            await self._refresh(config.name)
        except DATABASE_ERRORS as error:
            log.warning("scheduled sync of %s: the database did not answer: %s", config.name, error)
        except asyncio.CancelledError:
            log.warning("scheduled sync of %s: %s", config.name, CANCELLED)
            raise
        finally:
            if self._due[config.name] <= utc_now():
                # Skipped, or its run unreadable: not again before the next interval.
                self._due[config.name] = utc_now() + config.every
            del self._running[config.name]
            self._changed.set()

    async def _attempt(self, config: SourceConfig) -> Ran:
        try:
            async with self._slots:
                run = await sync_source(
                    self.sessions,
                    config,
                    self.client,
                    lease=self.lease,
                    time_limit=config.timeout or self.time_limit,
                )
        except SyncInProgress:
            return Ran(config.name, skipped="being synced by another process")
        except ConfigError as error:
            return Ran(config.name, skipped=config.redact(str(error)))
        except DATABASE_ERRORS:
            raise
        except Exception as error:  # recorded in its run: the other sources go on
            return Ran(config.name, skipped=config.summarise(f"internal error: {error!r}"))
        return Ran(config.name, run)


async def _first(*waits: Coroutine[Any, Any, object], seconds: float | None) -> None:
    """Wait until the first of `waits` is done, or `seconds` pass."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _log(ran: Ran) -> None:
    """A scheduled attempt's outcome, one log line."""
    if ran.run is None:
        log.warning("scheduled sync of %s: not run: %s", ran.source, ran.skipped)
        return
    run = ran.run
    level = logging.INFO if run.error is None else logging.WARNING
    log.log(
        level,
        "scheduled sync of %s: run %s %s (fetched %d, created %d, updated %d, unchanged %d,"
        " withdrawn %d, quarantined %d)%s",
        ran.source,
        run.id,
        run.status.value,
        run.fetched,
        run.created,
        run.updated,
        run.unchanged,
        run.withdrawn,
        run.quarantined,
        f": {run.error}" if run.error else "",
        extra={
            "fields": {
                "source": ran.source,
                "run": run.id,
                "status": run.status.value,
                "fetched": run.fetched,
                "created": run.created,
                "updated": run.updated,
                "quarantined": run.quarantined,
            }
        },
    )
