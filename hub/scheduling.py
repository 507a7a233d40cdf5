"""Running the scheduler (connectors.scheduler) for the operator: `concilia scheduler`, and
`concilia serve --with-scheduler` with one scheduler process beside the server's workers.

The sources file is read once, when the scheduler starts: restart it to pick up changes.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from connectors.config import load_sources
from connectors.fetch import http_client
from connectors.scheduler import CONCURRENCY, Scheduler
from hub.settings import Settings
from models.db import init_db, session_factory

log = logging.getLogger("concilia.scheduler")

# How long `serve` gives its scheduler to record the sync it cancels, once stopped.
STOP_GRACE = 30.0


async def run_scheduler(settings: Settings, *, concurrency: int = CONCURRENCY) -> None:
    """Run the scheduler until SIGTERM or SIGINT: then the syncs running are cancelled,
    recorded as such, and their locks released."""
    configs = load_sources(settings.sources)
    # Its lines are the operator's record of every scheduled run, whatever the level set.
    log.setLevel(logging.INFO)
    scheduled = sum(1 for config in configs if config.every)
    log.info("scheduler started: %d of %d sources scheduled", scheduled, len(configs))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    engine = settings.engine()
    try:
        await init_db(engine)
        async with http_client() as client:
            scheduler = Scheduler(
                session_factory(engine),
                configs,
                client,
                concurrency=concurrency,
                lease=timedelta(seconds=settings.sync_lease),
            )
            await scheduler.run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await engine.dispose()
    log.info("scheduler stopped")


@contextmanager
def alongside(target: Callable[[], None]) -> Iterator[None]:
    """Run `target` (the scheduler) in a process of its own while the block runs (the
    server): one per `serve`, whatever its number of workers; stopped with SIGTERM."""
    process = multiprocessing.get_context("spawn").Process(target=target, daemon=True)
    process.start()
    try:
        yield
    finally:
        process.terminate()
        process.join(STOP_GRACE)
        if process.is_alive():
            process.kill()
            process.join()
