"""The scheduler syncs sources that declare `every` when they fall due, survives one that
hangs, and spreads due times by at most their jitter."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from connectors.config import load_sources
from connectors.fetch import http_client
from connectors.scheduler import Ran, Scheduler, jitter_delay, next_due
from models import Source, SyncRun, SyncStatus
from models.db import session_factory
from tests.connectors.test_openactive import page, series
from tests.utils.server import FeedServer, Hang

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
# Generous: the machine is shared and busy.
DEADLINE = 60.0


def test_a_source_never_synced_is_due_at_once_plus_its_delay() -> None:
    assert next_due(None, timedelta(minutes=15), NOW, timedelta(seconds=20)) == NOW + timedelta(
        seconds=20
    )


def test_a_source_is_due_every_interval_after_its_last_run_started() -> None:
    started = NOW - timedelta(minutes=5)
    due = next_due(started, timedelta(minutes=15), NOW, timedelta(0))
    assert due == started + timedelta(minutes=15)


def test_jitter_delays_stay_within_the_jitter() -> None:
    jitter = timedelta(minutes=1)
    draws = [random.Random(seed).uniform for seed in range(500)]  # noqa: S311 - not secrets
    delays = [jitter_delay(jitter, draw) for draw in draws]
    assert all(timedelta(0) <= delay <= jitter for delay in delays)
    assert len(set(delays)) > 400  # spread out, not one fixed delay
    # A draw out of bounds (a float rounding up) is held to them.
    assert jitter_delay(jitter, lambda _low, high: high + 1) == jitter
    assert jitter_delay(jitter, lambda low, _high: low - 1) == timedelta(0)
    assert jitter_delay(timedelta(0)) == timedelta(0)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The client syncs use (its timeouts longer than any hang here)."""
    async with http_client() as http:
        yield http


def _feed(server: FeedServer, path: str) -> str:
    """A one-page RPDE feed whose last page points at itself."""
    last = server.url(f"{path}/2")
    server.serve(path, page(last, series(1)))
    server.serve(f"{path}/2", page(last))
    return server.url(path)


def _sources(tmp_path: Path, *tables: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def _source(name: str, url: str, extra: str) -> str:
    return (
        f'[[source]]\nname = "{name}"\nkind = "openactive"\nurl = "{url}"\n{extra}\n'
        f'[source.categories]\n"Yoga" = "mind-body"\n'
    )


async def _runs(engine: AsyncEngine, name: str) -> list[SyncRun]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            sa.select(SyncRun)
            .join(Source, col(Source.id) == col(SyncRun.source_id))
            .where(col(Source.name) == name)
            .order_by(col(SyncRun.id))
        )
        return list(rows.scalars())


async def _schedule_until(scheduler: Scheduler, done: asyncio.Event) -> None:
    """Run `scheduler` until `done`, then stop it as SIGTERM does."""
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    try:
        async with asyncio.timeout(DEADLINE):
            await done.wait()
    finally:
        stop.set()
        await task


async def test_a_scheduled_source_syncs_on_its_own(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    url = _feed(feed_server, "/yoga")
    manual = _source("manual", url, "")  # no `every`: synced only by hand
    configs = load_sources(_sources(tmp_path, _source("yoga", url, 'every = "1s"'), manual))
    ran: list[Ran] = []
    twice = asyncio.Event()

    def record(outcome: Ran) -> None:
        ran.append(outcome)
        if len(ran) == 2:
            twice.set()

    scheduler = Scheduler(session_factory(engine), configs, client, on_run=record)
    await _schedule_until(scheduler, twice)

    runs = await _runs(engine, "yoga")
    assert [run.status for run in runs[:2]] == [SyncStatus.SUCCEEDED] * 2
    assert [outcome.run.id for outcome in ran if outcome.run] == [run.id for run in runs[:2]]
    assert runs[1].started_at >= runs[0].started_at + timedelta(seconds=1)
    assert await _runs(engine, "manual") == []


async def test_a_hanging_source_is_cut_off_while_another_keeps_its_schedule(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    feed_server.serve("/slow", page(feed_server.url("/slow")))
    feed_server.then("/slow", Hang(4.0))
    configs = load_sources(
        _sources(
            tmp_path,
            _source("slow", feed_server.url("/slow"), 'every = "1h"\ntimeout = "1s"'),
            _source("yoga", _feed(feed_server, "/yoga"), 'every = "1s"'),
        )
    )
    ran: list[Ran] = []
    enough = asyncio.Event()

    def record(outcome: Ran) -> None:
        ran.append(outcome)
        if [r.source for r in ran].count("yoga") >= 2 and "slow" in [r.source for r in ran]:
            enough.set()

    scheduler = Scheduler(session_factory(engine), configs, client, on_run=record)
    await _schedule_until(scheduler, enough)

    (slow,) = await _runs(engine, "slow")
    assert slow.status is SyncStatus.FAILED
    assert slow.error == "timed out: the sync took longer than its limit of 1s"
    assert slow.finished_at is not None
    yoga = await _runs(engine, "yoga")
    assert {run.status for run in yoga[:2]} == {SyncStatus.SUCCEEDED}
    # The other source synced while the slow one hung.
    assert yoga[0].started_at < slow.finished_at


async def test_two_schedulers_on_one_database_never_overlap_a_source(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Replicas each run a scheduler: due times come from the recorded runs and the lock
    keeps one sync of a source at a time."""
    url = _feed(feed_server, "/yoga")
    configs = load_sources(_sources(tmp_path, _source("yoga", url, 'every = "1s"')))
    ran: list[Ran] = []
    enough = asyncio.Event()

    def record(outcome: Ran) -> None:
        ran.append(outcome)
        if sum(1 for r in ran if r.run) >= 4:
            enough.set()

    replicas = [
        Scheduler(session_factory(engine), configs, client, on_run=record) for _ in range(2)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(replica.run(stop)) for replica in replicas]
    try:
        async with asyncio.timeout(DEADLINE):
            await enough.wait()
    finally:
        stop.set()
        await asyncio.gather(*tasks)

    runs = await _runs(engine, "yoga")
    assert {run.status for run in runs} == {SyncStatus.SUCCEEDED}
    for before, after in itertools.pairwise(runs):
        assert before.finished_at is not None
        assert after.started_at >= before.finished_at
        # Once per interval, whichever replica ran it.
        assert after.started_at >= before.started_at + timedelta(seconds=1)
