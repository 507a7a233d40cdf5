"""`concilia scheduler` and `concilia serve --with-scheduler` as real processes: scheduled
sources sync on their own, each outcome is logged, and SIGTERM stops the scheduler with
exit 0, cancelling the sync it was running and recording it so."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from connectors.sync import CANCELLED
from models import Source, SyncRun, SyncStatus
from models.db import create_engine, init_db, session_factory
from tests.connectors.test_openactive import page, series
from tests.utils.databases import Databases
from tests.utils.process import CONCILIA, concilia_serve, environment
from tests.utils.server import FeedServer, Hang

# A real process on a shared, busy machine: starting it takes a while.
DEADLINE = 90.0
DEMO = Path(__file__).parents[2] / "data" / "demo"


async def _wait_for(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll a real process's progress (there is nothing to await across processes)."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > DEADLINE:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def _source(name: str, url: str, extra: str) -> str:
    return (
        f'[[source]]\nname = "{name}"\nkind = "openactive"\nurl = "{url}"\n{extra}\n'
        f'[source.categories]\n"Yoga" = "mind-body"\n'
    )


async def _runs(engine: AsyncEngine, name: str | None = None) -> list[SyncRun]:
    query = sa.select(SyncRun).join(Source, col(Source.id) == col(SyncRun.source_id))
    if name is not None:
        query = query.where(col(Source.name) == name)
    async with session_factory(engine)() as session:
        return list((await session.execute(query.order_by(col(SyncRun.id)))).scalars())


async def _scheduler(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen(  # noqa: S603, ASYNC220 - our own console script
            [str(CONCILIA), "scheduler"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def _stopped(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, and the exit code once the process has stopped."""
    process.send_signal(signal.SIGTERM)
    return await asyncio.to_thread(process.wait, DEADLINE)


async def test_scheduler_syncs_a_scheduled_source_on_its_own_and_stops_on_sigterm(
    databases: Databases, feed_server: FeedServer, tmp_path: Path
) -> None:
    last = feed_server.url("/yoga/2")
    feed_server.serve("/yoga", page(last, series(1)))
    feed_server.serve("/yoga/2", page(last))
    sources = tmp_path / "sources.toml"
    sources.write_text(_source("yoga", feed_server.url("/yoga"), 'every = "1s"'), "utf-8")
    database = await databases.create()
    engine = create_engine(database)
    await init_db(engine)
    env = environment(database, sources=str(sources), log_format="json")

    async def synced_twice() -> bool:
        runs = await _runs(engine)
        return [run.status for run in runs].count(SyncStatus.SUCCEEDED) >= 2

    process = await _scheduler(env, tmp_path / "scheduler.log")
    try:
        await _wait_for(synced_twice, "two scheduled runs")
        code = await _stopped(process)
        runs = await _runs(engine)
    finally:
        if process.poll() is None:
            process.kill()
        await engine.dispose()

    assert code == 0
    assert SyncStatus.RUNNING not in {run.status for run in runs}
    assert runs[1].started_at >= runs[0].started_at + timedelta(seconds=1)
    lines = [orjson.loads(line) for line in (tmp_path / "scheduler.log").read_text().splitlines()]
    logged = [line for line in lines if line.get("source") == "yoga"]
    assert [(line["run"], line["status"]) for line in logged[:2]] == [
        (runs[0].id, "SUCCEEDED"),
        (runs[1].id, "SUCCEEDED"),
    ]
    assert {line["logger"] for line in lines} == {"concilia.scheduler"}


async def test_sigterm_cancels_the_running_sync_and_records_it(
    databases: Databases, feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.serve("/slow", page(feed_server.url("/slow")))
    feed_server.then("/slow", Hang(8.0))
    sources = tmp_path / "sources.toml"
    sources.write_text(_source("slow", feed_server.url("/slow"), 'every = "1h"'), "utf-8")
    database = await databases.create()
    engine = create_engine(database)
    await init_db(engine)
    env = environment(database, sources=str(sources))

    async def hanging() -> bool:
        return feed_server.hits("/slow") > 0 and bool(await _runs(engine))

    process = await _scheduler(env, tmp_path / "scheduler.log")
    try:
        await _wait_for(hanging, "the sync to wait on the source")
        code = await _stopped(process)
        (run,) = await _runs(engine)
        async with session_factory(engine)() as session:
            locked = await session.scalar(sa.select(col(Source.locked_by)))
    finally:
        if process.poll() is None:
            process.kill()
        await engine.dispose()

    assert code == 0
    assert (run.status, run.error) == (SyncStatus.FAILED, CANCELLED)
    assert run.finished_at is not None
    assert locked is None  # the lock is released (SQLite's lease; PostgreSQL's goes anyway)


async def test_serve_with_scheduler_runs_one_scheduler_beside_its_workers(
    databases: Databases, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nname = "ludoteca"\nkind = "jsonld"\n'
        f'url = "{DEMO / "jsonld" / "ludoteca.jsonld"}"\nevery = "1h"\n',
        "utf-8",
    )
    database = await databases.create()
    engine = create_engine(database)
    await init_db(engine)
    env = environment(database, sources=str(sources))
    log = tmp_path / "serve.log"
    try:
        with concilia_serve(env, log, workers=2, options=["--with-scheduler"]) as served:
            served.wait_until(lambda: "scheduled sync of ludoteca" in log.read_text(), "sync")
        runs = await _runs(engine)
    finally:
        await engine.dispose()

    assert [(run.status, run.error) for run in runs] == [(SyncStatus.SUCCEEDED, None)]
    assert log.read_text().count("scheduler started") == 1
    assert "scheduler stopped" in log.read_text()
