"""Fixtures: real databases (SQLite files or PostgreSQL), the demo catalogue synced
through the real HSDS connector, and HTTP clients over httpx's ASGI transport."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.config import load_sources
from connectors.fetch import http_client
from connectors.sync import sync_source
from hub.app import create_app
from hub.caching import Shared
from hub.registry import import_rules, load_rules
from models import SyncStatus
from models.db import create_engine, init_db, session_factory
from tests.utils import demo
from tests.utils.databases import Databases
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client
from tests.utils.server import FeedServer, running

REDIS_URL = os.environ.get("CONCILIA_TEST_REDIS", "redis://127.0.0.1:6379/0")

# Every query of the suite runs through both executors: a document is compiled the first
# time it is seen, and each compiled answer is checked against the general executor's.
os.environ.setdefault("CONCILIA_HOT_AFTER", "1")
os.environ.setdefault("CONCILIA_VERIFY_COMPILED", "true")
# Answers are computed, not served from the response cache (tests/hub/test_caching.py
# turns it on); a sync's change is seen by the next request.
os.environ.setdefault("CONCILIA_RESPONSE_CACHE_MB", "0")
os.environ.setdefault("CONCILIA_CACHE_VERSION_TTL", "0")
# Tests send many requests from one address: rate limits are tested where they are set
# (tests/hub/test_ratelimit.py), not by every test.
os.environ.setdefault("CONCILIA_RATE_LIMIT_ANONYMOUS", "0/minute")


@pytest.fixture(scope="session")
async def databases(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Databases]:
    registry = Databases(tmp_path_factory.mktemp("databases"))
    yield registry
    await registry.drop_all()


@pytest.fixture(scope="session")
async def demo_engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    """A database holding the HSDS part of the demo catalogue, which tests.utils.demo
    reads independently as the API tests' oracle; tests must not write to it."""
    engine = create_engine(await databases.migrated())
    await init_db(engine)
    async with http_client() as client:
        for source in demo.sources():
            run = await sync_source(session_factory(engine), source, client)
            assert run.status is SyncStatus.SUCCEEDED, run.error
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def full_demo_engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    """A database holding the whole demo: every demo source (all six kinds) and the demo
    registry of eligibility rules, as `concilia demo` builds it; tests must not write to it."""
    engine = create_engine(await databases.migrated())
    await init_db(engine)
    sessions = session_factory(engine)
    async with http_client() as client:
        for source in load_sources(demo.DEMO / "sources.toml"):
            run = await sync_source(sessions, source, client)
            assert run.status is SyncStatus.SUCCEEDED, run.error
    async with sessions.begin() as session:
        await import_rules(session, load_rules(demo.DEMO / "rules.toml"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def full_demo(full_demo_engine: AsyncEngine) -> AsyncIterator[GraphQLClient]:
    """GraphQL over HTTP (ASGI transport) to the hub serving the whole demo."""
    async with hub_client(create_app(engine=full_demo_engine)) as client:
        yield GraphQLClient(client)


@pytest.fixture
async def engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    """A fresh database of the test's own, with the schema and the taxonomy."""
    engine = create_engine(await databases.migrated())
    await init_db(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def http(demo_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP to the hub serving the demo catalogue."""
    async with hub_client(create_app(engine=demo_engine)) as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    """GraphQL over HTTP to the hub serving the demo catalogue."""
    return GraphQLClient(http)


@pytest.fixture(scope="session")
async def shared_feed_server() -> AsyncIterator[FeedServer]:
    """One uvicorn for the run: stopping one after every test costs about 0.2 s."""
    async for server in running(FeedServer()):
        yield server


@pytest.fixture
def feed_server(shared_feed_server: FeedServer) -> FeedServer:
    """A real HTTP server on 127.0.0.1 with programmable answers and faults, with none
    of the answers and requests of earlier tests."""
    shared_feed_server.reset()
    return shared_feed_server


@pytest.fixture
async def redis_url(engine: AsyncEngine) -> AsyncIterator[str]:
    """Redis at 127.0.0.1:6379; the keys of this test's database are removed after."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        await client.aclose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Redis at {REDIS_URL} is unreachable: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is not running")
    try:
        yield REDIS_URL
    finally:
        prefix = Shared(None, str(engine.url)).prefix
        async for key in client.scan_iter(match=f"{prefix}*"):
            await client.delete(key)
        await client.aclose()
