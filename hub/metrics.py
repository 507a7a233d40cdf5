"""Prometheus metrics, served at GET /metrics: what the hub answered and how fast, which
cache and executor answered, what the rate limiter refused, and how the syncs went.

Counts are kept per process. Under `concilia serve --workers N` every worker writes its own
to PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode), and a scrape answered
by any worker adds them all up. Syncs run in `concilia sync` processes, not in the server:
their metrics are read from the sync runs in the database at each scrape.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import prometheus_client
import sqlalchemy as sa
from graphql import GraphQLError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import Response

from models import Source, SyncRun, SyncStatus
from models.reader import DATABASE_ERRORS
from models.source import shown_status
from models.types import utc_now

log = logging.getLogger("concilia.metrics")

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# The classic text format: every Prometheus version reads it.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# A `_created` series per labelled counter doubles what is scraped and tells nothing here.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry()

# 1 ms (an answer from a cache) to 10 s (the default execution timeout).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "concilia_graphql_requests",
    "GraphQL requests by operation name and outcome.",
    ["operation", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "concilia_graphql_request_duration_seconds",
    "Time from a GraphQL request's arrival to the end of its answer, by operation name.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
ERRORS = Counter(
    "concilia_graphql_errors",
    "Errors in answers, by extensions.code.",
    ["code"],
    registry=REGISTRY,
)
EXECUTIONS = Counter(
    "concilia_graphql_executions",
    "Operations executed, by executor: compiled (known documents) or general.",
    ["executor"],
    registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "concilia_cache_lookups",
    "Lookups of the response cache and of the URL cache of GET answers, hit or miss.",
    ["cache", "result"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "concilia_rate_limited",
    "Requests the rate limiter refused, by role.",
    ["role"],
    registry=REGISTRY,
)
WORKERS = Gauge(
    "concilia_worker_processes",
    "Server processes answering requests.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)

M = TypeVar("M", bound=MetricWrapperBase)


class _Children(Generic[M]):
    """A labelled metric's children by their label values, for the counts taken at every
    request: `labels()` checks and locks at each call, several microseconds each time."""

    def __init__(self, metric: M) -> None:
        self.metric = metric
        self._children: dict[tuple[str, ...], M] = {}

    def __call__(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self.metric.labels(*values)
        return child


_requests = _Children(REQUESTS)
_latency = _Children(LATENCY)
_executions = _Children(EXECUTIONS)
_cache_lookups = _Children(CACHE_LOOKUPS)

Outcome = Literal["ok", "error", "refused", "denied", "not_modified", "rate_limited"]

# GraphQL names (spec section 2.1.9) of at most 100 characters; error codes as the hub
# writes them; roles as configured. Anything else a label cannot be.
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_ROLE = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def operation_name(name: str | None) -> str:
    """An operation's name as logs show it: "-" when anonymous, "other" when the client
    sent something that is not a GraphQL name."""
    if name is None:
        return "-"
    return name if _NAME.fullmatch(name) else "other"


class OperationNames:
    """Operation names as label values, in bounded number: clients choose the names, and
    Prometheus keeps a series per value. A name becomes a label while there are fewer than
    `limit` of them, or `known_limit` when its document is known (trusted or persisted);
    past that it counts as "other". Anonymous operations are "-"."""

    def __init__(self, limit: int = 100, known_limit: int = 1_000) -> None:
        self.limit = limit
        self.known_limit = known_limit
        self._labels: set[str] = set()

    def label(self, name: str | None, *, known: bool = False) -> str:
        if name is None or name in self._labels:
            return name or "-"
        shown = operation_name(name)
        if shown != name or len(self._labels) >= (self.known_limit if known else self.limit):
            return "other"
        self._labels.add(name)
        return name


OPERATIONS = OperationNames()


@dataclass(slots=True)
class Exchange:
    """What the hub noted about a request while answering it (the note_* functions)."""

    operation: str | None = None
    known: bool = False
    outcome: Outcome | None = None
    codes: list[str] = field(default_factory=list)

    def outcome_for(self, status: int) -> Outcome:
        """The request's outcome: as noted, else as its status and error codes tell."""
        if self.outcome is not None:
            return self.outcome
        told = _OUTCOMES.get(status)
        if told is not None:
            return told
        if status >= 500 or status == 0:  # 0: the app never answered
            return "error"
        if status >= 400:
            return "refused"
        return "error" if self.codes else "ok"


_OUTCOMES: dict[int, Outcome] = {
    304: "not_modified",
    401: "denied",
    403: "denied",
    429: "rate_limited",
}

# The record of the request being answered (hub.observing sets it), for the notes below.
current: ContextVar[Exchange | None] = ContextVar("concilia_exchange", default=None)


def note_operation(name: str | None, *, known: bool = False) -> None:
    """The request runs the operation `name` (None: anonymous) of a known document or not."""
    noted = current.get()
    if noted is not None:
        noted.operation, noted.known = name, known


def note_outcome(outcome: Outcome) -> None:
    """The request's outcome, where its status does not tell (a request error answered 200)."""
    noted = current.get()
    if noted is not None:
        noted.outcome = outcome


def note_errors(errors: Iterable[GraphQLError]) -> None:
    """The errors the request is answered with, counted by `extensions.code`."""
    noted = current.get()
    if noted is not None:
        noted.codes.extend(str((error.extensions or {}).get("code", "-")) for error in errors)


def observe(noted: Exchange, status: int, seconds: float) -> None:
    """Count an answered GraphQL request: its outcome, its latency, its errors."""
    operation = OPERATIONS.label(noted.operation, known=noted.known)
    _requests(operation, noted.outcome_for(status)).inc()
    _latency(operation).observe(seconds)
    for code in noted.codes:
        ERRORS.labels(code if _CODE.fullmatch(code) else "other").inc()


def rate_limited(role: str) -> None:
    """Count a request the rate limiter refused (hub.ratelimit calls it), by its role."""
    RATE_LIMITED.labels(role if _ROLE.fullmatch(role) else "other").inc()
    note_outcome("rate_limited")


def executed(executor: Literal["compiled", "general"]) -> None:
    """Count an operation run by the compiled path or the general executor."""
    _executions(executor).inc()


def cache_lookup(cache: Literal["response", "url"], *, hit: bool) -> None:
    """Count a lookup of the response cache or of the URL cache (hub.caching)."""
    _cache_lookups(cache, "hit" if hit else "miss").inc()


def worker_started() -> None:
    """This process answers requests (concilia_worker_processes)."""
    WORKERS.set(1)


@contextmanager
def worker_directory() -> Iterator[str]:
    """A fresh private directory where worker processes started meanwhile keep their
    counts (multiprocess mode), in the environment they inherit; removed afterwards, so a
    new server never adds up the counts of an earlier one."""
    previous = os.environ.get(MULTIPROCESS_DIR)
    with tempfile.TemporaryDirectory(prefix="concilia-metrics-") as directory:
        os.environ[MULTIPROCESS_DIR] = directory
        try:
            yield directory
        finally:
            if previous is None:
                del os.environ[MULTIPROCESS_DIR]
            else:
                os.environ[MULTIPROCESS_DIR] = previous


def worker_exited(pid: int) -> None:
    """Forget a worker that exited from the live gauges; its counts stay in the sums."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    """The server's metrics in the text format: this process's, or every worker's."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if not directory:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def endpoint(engine: AsyncEngine) -> Callable[[Request], Awaitable[Response]]:
    """The GET /metrics route: a function of its own, so that access to it can be
    restricted apart from the rest."""

    async def metrics(_: Request) -> Response:
        syncs = _Collected(await sync_metrics(engine))
        return Response(exposition() + generate_latest(syncs), media_type=CONTENT_TYPE)

    return metrics


class _Collected:
    """Metric families already read, as a collector for the exposition."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


RECORD_COUNTS = ("created", "updated", "unchanged", "withdrawn", "quarantined")
_ON_SOURCE = col(Source.id) == col(SyncRun.source_id)
# The latest run of each source, with its counts (ix_sync_run_source_latest).
_LATEST_RUNS = (
    sa.select(
        col(Source.name),
        col(SyncRun.status),
        col(SyncRun.started_at),
        col(SyncRun.finished_at),
        col(SyncRun.lease_until),
        *(col(getattr(SyncRun, name)) for name in RECORD_COUNTS),
    )
    .join(Source, _ON_SOURCE)
    .where(
        col(SyncRun.id).in_(
            sa.select(sa.func.max(col(SyncRun.id))).group_by(col(SyncRun.source_id))
        )
    )
)
# Runs by source and status, and when the last of each finished.
_RUN_TOTALS = (
    sa.select(
        col(Source.name),
        col(SyncRun.status),
        sa.func.count(),
        sa.func.max(col(SyncRun.finished_at)),
    )
    .join(Source, _ON_SOURCE)
    .group_by(col(Source.name), col(SyncRun.status))
)


async def sync_metrics(engine: AsyncEngine) -> list[Metric]:
    """The syncs' metrics, read from the sync runs in two statements whatever the number
    of sources; none, and concilia_database_up 0, when the database does not answer."""
    up = GaugeMetricFamily("concilia_database_up", "Whether the database answered the scrape.")
    try:
        async with engine.connect() as connection:
            latest = (await connection.execute(_LATEST_RUNS)).all()
            totals = (await connection.execute(_RUN_TOTALS)).all()
    except DATABASE_ERRORS as error:
        log.warning("sync metrics unavailable, the database did not answer: %s", error)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    return [up, *_latest_families(latest), *_total_families(totals)]


def _latest_families(rows: Iterable[Sequence[Any]]) -> list[Metric]:
    status = GaugeMetricFamily(
        "concilia_sync_last_run_status",
        "1 for the status of each source's latest sync run, 0 for the others.",
        labels=["source", "status"],
    )
    started = GaugeMetricFamily(
        "concilia_sync_last_run_started_timestamp_seconds",
        "When each source's latest sync run started (Unix time).",
        labels=["source"],
    )
    finished = GaugeMetricFamily(
        "concilia_sync_last_run_finished_timestamp_seconds",
        "When each source's latest sync run finished (Unix time), if it has.",
        labels=["source"],
    )
    duration = GaugeMetricFamily(
        "concilia_sync_last_run_duration_seconds",
        "How long each source's latest finished sync run took.",
        labels=["source"],
    )
    records = GaugeMetricFamily(
        "concilia_sync_last_run_records",
        "Records each source's latest sync run created, updated, left unchanged, withdrew "
        "or quarantined.",
        labels=["source", "change"],
    )
    now = utc_now()
    for source, recorded, began, ended, lease_until, *counts in rows:
        # A run whose process died shows as dead before anyone records it (models.source).
        state = shown_status(recorded, lease_until, now)
        for member in SyncStatus:
            status.add_metric([source, member.value.lower()], float(member is state))
        started.add_metric([source], began.timestamp())
        if ended is not None:
            finished.add_metric([source], ended.timestamp())
            duration.add_metric([source], (ended - began).total_seconds())
        for change, count in zip(RECORD_COUNTS, counts, strict=True):
            records.add_metric([source, change], count)
    return [status, started, finished, duration, records]


def _total_families(rows: Iterable[Sequence[Any]]) -> list[Metric]:
    runs = CounterMetricFamily(
        "concilia_sync_runs",
        "Sync runs recorded, by source and status.",
        labels=["source", "status"],
    )
    succeeded = GaugeMetricFamily(
        "concilia_sync_last_success_timestamp_seconds",
        "When each source's latest successful sync run finished (Unix time).",
        labels=["source"],
    )
    for source, state, count, ended in rows:
        runs.add_metric([source, state.value.lower()], count)
        if state is SyncStatus.SUCCEEDED and ended is not None:
            succeeded.add_metric([source], ended.timestamp())
    return [runs, succeeded]
