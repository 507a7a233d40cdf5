"""Two `concilia sync` of every source at once: a source one of them is syncing is waited
for by the other and reported with that run; both exit 0 when every source was synced."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from models import Source, SyncRun, SyncStatus
from models.db import create_engine, init_db, session_factory
from tests.connectors.test_openactive import page, series
from tests.utils.databases import Databases
from tests.utils.process import CONCILIA, environment
from tests.utils.server import FeedServer, Hang

DEADLINE = 90.0
NAMES = ("slow", "yoga", "pilates")


def _source(name: str, url: str) -> str:
    return (
        f'[[source]]\nname = "{name}"\nkind = "openactive"\nurl = "{url}"\n'
        f'[source.categories]\n"Yoga" = "mind-body"\n'
    )


def _sync(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own console script
        [str(CONCILIA), "sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


async def test_two_concurrent_full_syncs_both_exit_0_and_report_every_source(
    databases: Databases, feed_server: FeedServer, tmp_path: Path
) -> None:
    tables = []
    for name in NAMES:
        last = feed_server.url(f"/{name}/2")
        feed_server.serve(f"/{name}", page(last, series(NAMES.index(name) + 1)))
        feed_server.serve(f"/{name}/2", page(last))
        tables.append(_source(name, feed_server.url(f"/{name}")))
    # The first process waits here (a 504 in the end, then a retry) while the second starts.
    feed_server.then("/slow", Hang(8.0))
    sources = tmp_path / "sources.toml"
    sources.write_text("\n".join(tables), "utf-8")
    database = await databases.create()
    engine = create_engine(database)
    await init_db(engine)
    env = environment(database, sources=str(sources))

    first = _sync(env)
    try:
        start = time.monotonic()
        while feed_server.hits("/slow") == 0:  # a real process: nothing to await
            assert time.monotonic() - start < DEADLINE, "the first sync never asked"
            await asyncio.sleep(0.05)
        second = _sync(env)
        try:
            (out1, err1), (out2, err2) = await asyncio.gather(
                asyncio.to_thread(first.communicate, timeout=DEADLINE),
                asyncio.to_thread(second.communicate, timeout=DEADLINE),
            )
        finally:
            second.kill()
        async with session_factory(engine)() as session:
            rows = await session.execute(
                sa.select(col(Source.name), col(SyncRun.id), col(SyncRun.status)).join(
                    Source, col(Source.id) == col(SyncRun.source_id)
                )
            )
            runs = {(name, run_id): status for name, run_id, status in rows}
    finally:
        first.kill()
        await engine.dispose()

    assert (first.returncode, second.returncode) == (0, 0), (err1, err2)
    assert set(runs.values()) == {SyncStatus.SUCCEEDED}
    for out in (out1, out2):
        reported = {line.split()[0]: line.split()[1:3] for line in out.splitlines()[1:] if line}
        assert set(reported) == set(NAMES)
        assert all(status == "SUCCEEDED" for _, status in reported.values())
        assert all((name, int(run)) in runs for name, (run, _) in reported.items())
    # The second process found the slow source being synced, waited, and reported that run.
    (slow_run,) = [run for (name, run) in runs if name == "slow"]  # synced once
    assert f"slow: synced by another process (run {slow_run})" in err2
