"""The response cache and HTTP caching: answers kept per data version, GET with ETag and
304, nothing kept for profiles, and the cache shared through Redis (127.0.0.1:6379)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import date
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.fetch import http_client
from connectors.sync import sync_source
from hub.app import create_app
from hub.caching import VersionClock, cache_key
from hub.pipeline import Pipeline
from hub.settings import Settings
from models import Provider, SyncStatus
from models.db import session_factory
from models.version import READ
from tests.utils import demo
from tests.utils.hub import hub_client

PROVIDERS = "{ providers { totalCount } }"
CACHED = {"response_cache_mb": 8, "cache_version_ttl": 0}


class Hub:
    """A client of a hub app, and the app's pipeline to see what it executed."""

    def __init__(self, http: httpx.AsyncClient, pipeline: Pipeline) -> None:
        self.http = http
        self.pipeline = pipeline

    @property
    def executed(self) -> int:
        return sum(self.pipeline.executed.values())

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return (await self.http.post("/graphql", json=body)).json()


@pytest.fixture
async def hubs(engine: AsyncEngine) -> AsyncIterator[Any]:
    """Makes hubs with the given settings on a database of the test's own."""
    async with AsyncExitStack() as stack:

        async def make(**settings: Any) -> Hub:
            app = create_app(Settings(**settings), engine=engine)
            http = await stack.enter_async_context(hub_client(app))
            return Hub(http, app.state.pipeline)

        yield make


async def add_provider(engine: AsyncEngine, name: str) -> None:
    async with session_factory(engine).begin() as session:
        session.add(Provider(name=name, name_sort=name.lower()))


async def version(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(READ)).scalar_one())


async def test_a_transaction_that_changes_rows_moves_the_data_version(engine: AsyncEngine) -> None:
    before = await version(engine)
    await add_provider(engine, "Uno")
    after_write = await version(engine)
    async with session_factory(engine).begin() as session:
        await session.execute(sa.select(Provider))
    assert after_write == before + 1
    assert await version(engine) == after_write  # a read changes nothing


async def test_a_sync_moves_the_data_version(engine: AsyncEngine) -> None:
    before = await version(engine)
    async with http_client() as client:
        run = await sync_source(session_factory(engine), demo.sources()[0], client)
    assert run.status is SyncStatus.SUCCEEDED
    assert await version(engine) > before


async def test_a_rolled_back_change_does_not_move_it(engine: AsyncEngine) -> None:
    before = await version(engine)
    session = session_factory(engine)()
    try:
        session.add(Provider(name="Mai", name_sort="mai"))
        await session.flush()
        await session.rollback()
        await session.commit()
    finally:
        await session.close()
    assert await version(engine) == before


async def test_a_bulk_statement_moves_the_data_version(engine: AsyncEngine) -> None:
    await add_provider(engine, "Uno")
    before = await version(engine)
    async with session_factory(engine).begin() as session:
        await session.execute(sa.update(Provider).values(alliance_member=True))
    assert await version(engine) == before + 1


async def test_an_answer_is_kept_until_the_data_changes(engine: AsyncEngine, hubs: Any) -> None:
    hub = await hubs(**CACHED)
    first = await hub.post(PROVIDERS)
    again = await hub.post(PROVIDERS)
    assert again == first == {"data": {"providers": {"totalCount": 0}}}
    assert hub.executed == 1
    await add_provider(engine, "Nuovo")
    assert (await hub.post(PROVIDERS))["data"]["providers"]["totalCount"] == 1
    assert hub.executed == 2


async def test_variables_and_language_are_part_of_the_key(hubs: Any) -> None:
    hub = await hubs(**CACHED)
    query = "query($n: Int) { offerings(first: $n) { totalCount } }"
    await hub.post(query, {"n": 1})
    await hub.post(query, {"n": 2})
    await hub.http.post("/graphql", json={"query": PROVIDERS}, headers={"accept-language": "en"})
    await hub.post(PROVIDERS)
    assert hub.executed == 4


async def test_errors_are_not_kept(hubs: Any) -> None:
    hub = await hubs(**CACHED)
    bad = '{ offerings(after: "nonsense") { totalCount } }'
    for _ in range(2):
        assert (await hub.post(bad))["errors"]
    assert hub.executed == 2


async def test_get_answers_carry_an_etag_and_304_needs_no_execution(
    engine: AsyncEngine, hubs: Any
) -> None:
    hub = await hubs(**CACHED, cache_max_age=45)
    first = await hub.http.get("/graphql", params={"query": PROVIDERS})
    assert first.headers["cache-control"] == "public, max-age=45"
    assert first.headers["vary"] == "accept, accept-language"
    etag = first.headers["etag"]
    revalidated = await hub.http.get(
        "/graphql", params={"query": PROVIDERS}, headers={"if-none-match": etag}
    )
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == etag
    assert hub.executed == 1
    await add_provider(engine, "Nuovo")
    changed = await hub.http.get(
        "/graphql", params={"query": PROVIDERS}, headers={"if-none-match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["data"]["providers"]["totalCount"] == 1


async def test_an_answer_kept_by_url_comes_in_the_media_type_each_client_accepts(
    hubs: Any,
) -> None:
    hub = await hubs(**CACHED)
    params = {"query": PROVIDERS}
    as_json = await hub.http.get("/graphql", params=params, headers={"accept": "application/json"})
    graphql = {"accept": "application/graphql-response+json"}
    as_graphql = await hub.http.get("/graphql", params=params, headers=graphql)
    assert hub.executed == 1
    assert as_json.headers["content-type"] == "application/json; charset=utf-8"
    assert as_graphql.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert as_graphql.content == as_json.content
    refused = await hub.http.get("/graphql", params=params, headers={"accept": "text/csv"})
    assert refused.status_code == 406


async def test_etags_work_with_the_cache_off(hubs: Any) -> None:
    hub = await hubs(response_cache_mb=0, cache_version_ttl=0)
    etag = (await hub.http.get("/graphql", params={"query": PROVIDERS})).headers["etag"]
    again = await hub.http.get(
        "/graphql", params={"query": PROVIDERS}, headers={"if-none-match": f'W/{etag}, "x"'}
    )
    assert again.status_code == 304


PROFILE = (
    "query($p: BeneficiaryProfileInput!) { offerings(filter: {eligibleFor: $p}) { totalCount } }"
)


async def test_answers_to_a_profile_are_never_kept(hubs: Any) -> None:
    hub = await hubs(**CACHED)
    variables = {"p": {"age": 34, "isee": "23456.78"}}
    params = {"query": PROFILE, "variables": orjson.dumps(variables).decode()}
    for _ in range(2):
        response = await hub.http.get("/graphql", params=params)
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers
    assert hub.executed == 2
    assert hub.pipeline.cache._entries == {}


async def test_a_post_answer_has_no_http_caching_headers(hubs: Any) -> None:
    hub = await hubs(**CACHED)
    response = await hub.http.post("/graphql", json={"query": PROVIDERS})
    assert "etag" not in response.headers
    assert "cache-control" not in response.headers


class _CountingReader:
    def __init__(self) -> None:
        self.reads = 0

    async def statement_value(self, _: Any) -> int:
        self.reads += 1
        return self.reads


async def test_the_version_is_read_at_most_once_per_ttl() -> None:
    reader = _CountingReader()
    clock = VersionClock(reader, ttl=3_600)  # type: ignore[arg-type]
    assert [await clock.current() for _ in range(5)] == [1, 1, 1, 1, 1]
    assert reader.reads == 1


# Redis: the cache and persisted queries shared by workers and replicas


async def test_workers_share_answers_through_redis(
    engine: AsyncEngine, hubs: Any, redis_url: str
) -> None:
    one = await hubs(**CACHED, redis_url=redis_url)
    other = await hubs(**CACHED, redis_url=redis_url)
    query = f"query Shared{uuid.uuid4().hex} {{ providers {{ totalCount }} }}"
    assert await one.post(query) == await other.post(query)
    assert (one.executed, other.executed) == (1, 0)
    await add_provider(engine, "Nuovo")
    assert (await other.post(query))["data"]["providers"]["totalCount"] == 1
    assert other.executed == 1


async def test_a_persisted_query_registered_on_one_worker_runs_on_another(
    hubs: Any, redis_url: str
) -> None:
    one = await hubs(redis_url=redis_url)
    other = await hubs(redis_url=redis_url)
    document = f"query Apq{uuid.uuid4().hex} {{ areas {{ area }} }}"
    digest = hashlib.sha256(document.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    registered = await one.http.post("/graphql", json={"query": document, "extensions": persisted})
    by_hash = await other.http.post("/graphql", json={"extensions": persisted})
    assert by_hash.json() == registered.json()


async def test_a_redis_that_is_down_is_a_miss_not_an_error(hubs: Any) -> None:
    hub = await hubs(**CACHED, redis_url="redis://127.0.0.1:1/0")
    assert (await hub.post(PROVIDERS))["data"]["providers"]["totalCount"] == 0
    assert (await hub.post(PROVIDERS))["data"]["providers"]["totalCount"] == 0
    assert hub.executed == 1  # the process's own cache still answers


async def test_a_repeated_get_is_answered_from_the_url_cache_until_the_data_changes(
    engine: AsyncEngine, hubs: Any
) -> None:
    hub = await hubs(**CACHED)
    params = {"query": PROVIDERS}
    first = await hub.http.get("/graphql", params=params)
    again = await hub.http.get("/graphql", params=params)
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    await add_provider(engine, "Nuovo")
    changed = await hub.http.get("/graphql", params=params)
    assert changed.json()["data"]["providers"]["totalCount"] == 1
    assert hub.executed == 2


def test_the_key_of_an_answer_changes_with_the_day() -> None:
    """An offering past its last valid day leaves the lists at midnight (Milan): an
    answer (and its ETag) is a day's."""
    today = date(2026, 12, 3)
    key = cache_key(7, "doc", None, {"first": 5}, "it", "anonymous", today)

    assert key == cache_key(7, "doc", None, {"first": 5}, "it", "anonymous", today)
    assert key != cache_key(7, "doc", None, {"first": 5}, "it", "anonymous", date(2026, 12, 4))
