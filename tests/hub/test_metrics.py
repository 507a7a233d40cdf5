"""GET /metrics: requests by operation and outcome, latency, error codes, caches, executors,
rate-limit refusals and syncs, in the Prometheus text format, summed over the workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.config import SourceConfig
from connectors.fetch import http_client
from connectors.sync import sync_source
from hub import metrics
from hub.app import create_app
from hub.pipeline import Pipeline
from hub.settings import Settings
from models import SyncRun, SyncStatus
from models.db import create_engine, session_factory
from tests.utils import demo
from tests.utils.hub import hub_client
from tests.utils.process import concilia_serve, environment
from tests.utils.statements import count_statements

AREAS = "query Areas { areas { area offeringCount } }"
REQUESTS = "concilia_graphql_requests_total"
ERRORS = "concilia_graphql_errors_total"
LATENCY = "concilia_graphql_request_duration_seconds"


@dataclass(frozen=True)
class Scrape:
    """The samples of a /metrics answer."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    @classmethod
    def of(cls, text: str) -> Scrape:
        return cls(
            {
                (sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
            }
        )

    def value(self, name: str, **labels: str) -> float:
        """A sample's value; 0 when it is absent (a counter not moved yet)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return (name, frozenset(labels.items())) in self.samples


async def scrape(http: httpx.AsyncClient) -> Scrape:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return Scrape.of(response.text)


@dataclass
class Hub:
    http: httpx.AsyncClient
    pipeline: Pipeline

    async def post(self, query: str, **params: Any) -> httpx.Response:
        return await self.http.post("/graphql", json={"query": query, **params})


@pytest.fixture
async def hub(demo_engine: AsyncEngine) -> AsyncIterator[Hub]:
    app = create_app(engine=demo_engine)
    async with hub_client(app) as http:
        yield Hub(http, app.state.pipeline)


async def test_requests_are_counted_by_operation_name_and_outcome(hub: Hub) -> None:
    before = await scrape(hub.http)
    for _ in range(2):
        assert (await hub.post(AREAS)).status_code == 200
    await hub.post("{ areas { area } }")
    await hub.post('query Nope { offerings(filter: {category: "nope"}) { totalCount } }')
    await hub.post("query Broken { areas { nope } }", operationName="Broken")
    await hub.post("{")
    after = await scrape(hub.http)

    def moved(operation: str, outcome: str) -> float:
        labels = {"operation": operation, "outcome": outcome}
        return after.value(REQUESTS, **labels) - before.value(REQUESTS, **labels)

    assert moved("Areas", "ok") == 2
    assert moved("-", "ok") == 1
    assert moved("Nope", "error") == 1
    assert moved("Broken", "refused") == 1
    assert moved("-", "refused") == 1


async def test_latency_is_a_histogram_per_operation(hub: Hub) -> None:
    before = await scrape(hub.http)
    for _ in range(3):
        await hub.post(AREAS)
    after = await scrape(hub.http)

    count = f"{LATENCY}_count"
    assert after.value(count, operation="Areas") - before.value(count, operation="Areas") == 3
    bounds = {
        dict(labels)["le"]
        for name, labels in after.samples
        if name == f"{LATENCY}_bucket" and ("operation", "Areas") in labels
    }
    assert {"0.001", "0.01", "0.1", "1.0", "10.0", "+Inf"} <= bounds
    infinite = after.value(f"{LATENCY}_bucket", operation="Areas", le="+Inf")
    assert infinite == after.value(count, operation="Areas")
    assert after.value(f"{LATENCY}_sum", operation="Areas") > before.value(
        f"{LATENCY}_sum", operation="Areas"
    )


async def test_errors_are_counted_by_code_whichever_layer_refused(hub: Hub) -> None:
    before = await scrape(hub.http)
    await hub.post('{ offerings(filter: {category: "nope"}) { totalCount } }')
    await hub.post("{ areas { nope } }")
    await hub.post("{")
    unsupported = await hub.http.post("/graphql", content=b"{}", headers={"content-type": "text/x"})
    too_large = await hub.http.post(
        "/graphql", content=b" " * 2_000_000, headers={"content-type": "application/json"}
    )
    after = await scrape(hub.http)

    assert (unsupported.status_code, too_large.status_code) == (415, 413)
    for code in (
        "BAD_USER_INPUT",
        "GRAPHQL_VALIDATION_FAILED",
        "GRAPHQL_PARSE_FAILED",
        "UNSUPPORTED_MEDIA_TYPE",
        "PAYLOAD_TOO_LARGE",
    ):
        assert after.value(ERRORS, code=code) - before.value(ERRORS, code=code) == 1, code
    refused = {"operation": "-", "outcome": "refused"}
    assert after.value(REQUESTS, **refused) - before.value(REQUESTS, **refused) == 4


async def test_executors_are_counted_as_the_pipeline_counts_them(hub: Hub) -> None:
    before = await scrape(hub.http)
    await hub.post(AREAS)
    await hub.post("{ __typename }")
    await hub.post("{ offerings(first: 3) { edges { node { title } } } }")
    after = await scrape(hub.http)

    executed = "concilia_graphql_executions_total"
    for executor in ("compiled", "general"):
        moved = after.value(executed, executor=executor) - before.value(executed, executor=executor)
        assert moved == hub.pipeline.executed[executor], executor
    assert sum(hub.pipeline.executed.values()) == 3


async def test_cache_hits_and_misses_are_counted(demo_engine: AsyncEngine) -> None:
    app = create_app(Settings(response_cache_mb=8, cache_version_ttl=0), engine=demo_engine)
    async with hub_client(app) as http:
        before = await scrape(http)
        for _ in range(2):
            assert (await http.get("/graphql", params={"query": AREAS})).status_code == 200
        await http.post("/graphql", json={"query": AREAS})
        after = await scrape(http)

    def moved(cache: str, result: str) -> float:
        lookups = "concilia_cache_lookups_total"
        labels = {"cache": cache, "result": result}
        return after.value(lookups, **labels) - before.value(lookups, **labels)

    # GET: missed by both caches, then found by URL; POST: found in the response cache.
    assert (moved("url", "miss"), moved("url", "hit")) == (1, 1)
    assert (moved("response", "miss"), moved("response", "hit")) == (1, 1)


async def test_an_answer_the_client_holds_is_counted_not_modified(hub: Hub) -> None:
    first = await hub.http.get("/graphql", params={"query": AREAS})
    before = await scrape(hub.http)
    again = await hub.http.get(
        "/graphql", params={"query": AREAS}, headers={"if-none-match": first.headers["etag"]}
    )
    after = await scrape(hub.http)

    assert again.status_code == 304
    labels = {"operation": "Areas", "outcome": "not_modified"}
    assert after.value(REQUESTS, **labels) - before.value(REQUESTS, **labels) == 1


async def test_rate_limit_refusals_are_counted_by_role(hub: Hub) -> None:
    before = await scrape(hub.http)
    metrics.rate_limited("partner")
    metrics.rate_limited("partner")
    metrics.rate_limited("Not a role\n")
    after = await scrape(hub.http)

    limited = "concilia_rate_limited_total"
    assert after.value(limited, role="partner") - before.value(limited, role="partner") == 2
    assert after.value(limited, role="other") - before.value(limited, role="other") == 1


def test_a_rate_limited_request_has_that_outcome_whatever_its_status() -> None:
    noted = metrics.Exchange()
    token = metrics.current.set(noted)
    try:
        metrics.rate_limited("anonymous")
    finally:
        metrics.current.reset(token)
    assert noted.outcome_for(200) == "rate_limited"


@pytest.mark.parametrize(
    ("status", "codes", "outcome"),
    [
        (200, [], "ok"),
        (200, ["BAD_USER_INPUT"], "error"),
        (304, [], "not_modified"),
        (400, ["BAD_REQUEST"], "refused"),
        (413, [], "refused"),
        (401, [], "denied"),
        (403, [], "denied"),
        (429, [], "rate_limited"),
        (500, [], "error"),
    ],
)
def test_outcome_by_status_and_codes(status: int, codes: list[str], outcome: str) -> None:
    assert metrics.Exchange(codes=codes).outcome_for(status) == outcome


def test_operation_names_are_bounded_labels() -> None:
    names = metrics.OperationNames(limit=2, known_limit=3)

    assert [names.label(name) for name in ("A", "B", "C", "A")] == ["A", "B", "other", "A"]
    assert names.label("C", known=True) == "C"
    assert names.label("D", known=True) == "other"
    assert names.label(None) == "-"
    assert names.label("not a name; DROP") == "other"
    assert names.label("x" * 101) == "other"


async def sync(engine: AsyncEngine, config: SourceConfig) -> SyncRun:
    async with http_client() as client:
        return await sync_source(session_factory(engine), config, client)


async def test_sync_metrics_come_from_the_sync_runs(engine: AsyncEngine, tmp_path: Path) -> None:
    source = demo.sources()[0]
    first = await sync(engine, source)
    second = await sync(engine, source)
    gone = await sync(engine, SourceConfig("gone", "hsds", str(tmp_path / "missing.json")))
    assert (first.status, second.status, gone.status) == (SyncStatus.SUCCEEDED,) * 2 + (
        SyncStatus.FAILED,
    )
    app = create_app(engine=engine)
    async with hub_client(app) as http:
        found = await scrape(http)
        with count_statements(engine) as statements:
            await scrape(http)

    assert len(statements) == 2
    assert found.value("concilia_database_up") == 1
    name = source.name
    runs = "concilia_sync_runs_total"
    assert found.value(runs, source=name, status="succeeded") == 2
    assert found.value(runs, source="gone", status="failed") == 1
    assert not found.has(runs, source="gone", status="succeeded")
    status = "concilia_sync_last_run_status"
    assert found.value(status, source="gone", status="failed") == 1
    assert found.value(status, source="gone", status="succeeded") == 0
    assert found.value(status, source=name, status="succeeded") == 1

    records = "concilia_sync_last_run_records"
    assert first.created > 0
    assert found.value(records, source=name, change="created") == second.created == 0
    assert found.value(records, source=name, change="unchanged") == second.unchanged > 0
    assert second.started_at is not None
    assert second.finished_at is not None
    assert found.value(
        "concilia_sync_last_run_started_timestamp_seconds", source=name
    ) == pytest.approx(second.started_at.timestamp())
    assert found.value("concilia_sync_last_run_duration_seconds", source=name) == pytest.approx(
        (second.finished_at - second.started_at).total_seconds()
    )
    assert found.value(
        "concilia_sync_last_success_timestamp_seconds", source=name
    ) == pytest.approx(second.finished_at.timestamp())
    assert not found.has("concilia_sync_last_success_timestamp_seconds", source="gone")


async def test_sync_metrics_say_when_the_database_does_not_answer(tmp_path: Path) -> None:
    unreachable = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'hub.db'}")
    try:
        families = await metrics.sync_metrics(unreachable)
    finally:
        await unreachable.dispose()

    [up] = families
    assert up.name == "concilia_database_up"
    assert [sample.value for sample in up.samples] == [0]


def test_a_scrape_of_any_worker_counts_every_worker(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = environment(tmp_path / "hub.db")
    env["TMPDIR"] = str(temporary)
    with concilia_serve(env, tmp_path / "serve.log", workers=2) as served:

        def scrape_once() -> Scrape:
            # A new connection each time: the kernel hands it to either worker.
            return Scrape.of(httpx.get(f"{served.url}/metrics", timeout=10).text)

        workers = "concilia_worker_processes"
        served.wait_until(lambda: scrape_once().value(workers) == 2, "start both workers")
        for _ in range(12):
            response = httpx.post(f"{served.url}/graphql", json={"query": AREAS}, timeout=10)
            assert response.status_code == 200
        for _ in range(4):
            httpx.post(f"{served.url}/graphql", json={"query": "{ nope }"}, timeout=10)
        scrapes = [scrape_once() for _ in range(8)]
        [kept] = list(temporary.iterdir())
        assert kept.name.startswith("concilia-metrics-")

    for found in scrapes:
        assert found.value(workers) == 2
        assert found.value(REQUESTS, operation="Areas", outcome="ok") == 12
        assert found.value(REQUESTS, operation="-", outcome="refused") == 4
        assert found.value(ERRORS, code="GRAPHQL_VALIDATION_FAILED") == 4
        assert found.value(f"{LATENCY}_count", operation="Areas") == 12
    # The workers' counts were kept in a directory of this server's own, removed at exit.
    assert list(temporary.iterdir()) == []
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
