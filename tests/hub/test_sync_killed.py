"""A sync whose process is killed mid-feed leaves the database consistent, its run shows
what it had committed and is DEAD once its lease expires, and the next sync records the
interrupted run and resumes from the last checkpoint."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from connectors.config import load_sources
from connectors.fetch import http_client
from connectors.runs import bury_dead_runs
from connectors.sync import sync_source
from hub.app import create_app
from models import Offering, Source, SyncRun, SyncStatus
from models.db import create_engine, init_db, session_factory
from models.source import DEAD_RUN_ERROR
from tests.connectors.test_openactive import BASE, page, series
from tests.utils.databases import Databases
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client
from tests.utils.process import environment
from tests.utils.server import FeedServer, Hang

CONCILIA = Path(sys.executable).with_name("concilia")
DEADLINE = 20.0


async def _wait_for(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll a real process's progress (there is nothing to await across processes)."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > DEADLINE:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_killed_sync_resumes_from_its_last_checkpoint(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    first, second = feed_server.url("/rpde"), feed_server.url("/rpde/2")
    feed_server.serve("/rpde", page(second, series(1), series(2)))
    feed_server.then("/rpde/2", Hang(4.0))  # the killed process waits here
    feed_server.serve("/rpde/2", page(second, series(3)))
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "palestra"\nkind = "openactive"\nurl = "{first}"\n'
        '[source.categories]\n"Yoga" = "mind-body"\n',
        encoding="utf-8",
    )
    database = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCILIA_")}
    env |= {"CONCILIA_DATABASE_URL": database, "CONCILIA_SOURCES": str(sources)}
    engine = create_engine(database)
    await init_db(engine)
    sessions = session_factory(engine)

    async def checkpointed() -> bool:
        async with sessions() as session:
            state = await session.scalar(sa.select(col(Source.state)))
        return bool(state) and state.get("feeds", {}).get(first) == second  # type: ignore[union-attr]

    process = subprocess.Popen(  # noqa: S603, ASYNC220 - the real CLI, killed below
        [str(CONCILIA), "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await _wait_for(checkpointed, "page 1 to be committed")
        await _wait_for(lambda: _asked(feed_server, "/rpde/2"), "the request for page 2")
    finally:
        process.kill()
        process.wait(timeout=10)

    async with sessions() as session:
        stored = (await session.execute(sa.select(col(Offering.external_id)))).scalars().all()
        stuck = (await session.execute(sa.select(SyncRun))).scalars().all()
    assert sorted(str(external) for external in stored) == [f"{BASE}/series/{n}" for n in (1, 2)]
    assert [run.status for run in stuck] == [SyncStatus.RUNNING]

    asked_before = len(feed_server.seen)
    try:
        async with http_client() as client:
            (source,) = load_sources(sources)
            run = await sync_source(sessions, source, client)
        async with sessions() as session:
            runs = (await session.execute(sa.select(SyncRun).order_by(col(SyncRun.id)))).scalars()
            statuses = [(r.status, r.error) for r in runs]
            offerings = (await session.execute(sa.select(sa.func.count(col(Offering.id))))).scalar()
    finally:
        await engine.dispose()

    assert run.status is SyncStatus.SUCCEEDED
    assert statuses[0] == (SyncStatus.DEAD, DEAD_RUN_ERROR)
    assert statuses[1] == (SyncStatus.SUCCEEDED, None)
    resumed = [request.path for request in feed_server.seen[asked_before:]]
    assert resumed[0] == "/rpde/2"  # not page 1 again
    assert offerings == 3


async def _asked(server: FeedServer, path: str) -> bool:
    return server.hits(path) > 0


LAST_RUN = "{ sources { name lastRun { status fetched created finishedAt error } } }"


async def test_killed_sync_shows_its_committed_counts_and_is_dead_once_its_lease_expires(
    databases: Databases, feed_server: FeedServer, tmp_path: Path
) -> None:
    first, second = feed_server.url("/rpde"), feed_server.url("/rpde/2")
    feed_server.serve("/rpde", page(second, series(1), series(2), series(3)))
    feed_server.then("/rpde/2", Hang(4.0))  # the killed process waits here
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "palestra"\nkind = "openactive"\nurl = "{first}"\n'
        '[source.categories]\n"Yoga" = "mind-body"\n',
        encoding="utf-8",
    )
    database = await databases.create()
    engine = create_engine(database)
    await init_db(engine)
    sessions = session_factory(engine)
    # A lease of a second: the killed run is dead a second after its last sign of life.
    env = environment(database, sources=str(sources), sync_lease="1")

    async def committed() -> bool:
        async with sessions() as session:
            fetched = await session.scalar(sa.select(col(SyncRun.fetched)))
        return fetched == 5  # an organizer, a place and three series

    process = subprocess.Popen(  # noqa: S603, ASYNC220 - the real CLI, killed below
        [str(CONCILIA), "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await _wait_for(committed, "page 1 and its counts to be committed")
        await _wait_for(lambda: _asked(feed_server, "/rpde/2"), "the request for page 2")
    finally:
        process.kill()
        process.wait(timeout=10)

    try:
        async with hub_client(create_app(engine=engine)) as http:
            gql = GraphQLClient(http)

            async def shown_dead() -> bool:
                (source,) = (await gql.data(LAST_RUN))["sources"]
                return bool(source["lastRun"]["status"] == "DEAD")

            await _wait_for(shown_dead, "the run to be shown DEAD")
            (source,) = (await gql.data(LAST_RUN))["sources"]
        async with sessions() as session:
            stored = (await session.execute(sa.select(SyncRun))).scalar_one()
        assert stored.status is SyncStatus.RUNNING  # shown dead on read, not yet recorded
        async with sessions.begin() as session:  # what the next scheduler tick does
            await bury_dead_runs(session, [stored.source_id])
        async with sessions() as session:
            buried = (await session.execute(sa.select(SyncRun))).scalar_one()
    finally:
        await engine.dispose()

    assert source["lastRun"] == {
        "status": "DEAD",
        "fetched": 5,
        "created": 5,
        "finishedAt": None,
        "error": DEAD_RUN_ERROR,
    }
    assert (buried.status, buried.error) == (SyncStatus.DEAD, DEAD_RUN_ERROR)
    assert (buried.fetched, buried.created) == (5, 5)
    assert buried.finished_at is not None
