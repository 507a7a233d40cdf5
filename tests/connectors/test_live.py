"""Live availability against real HTTP (uvicorn on 127.0.0.1): the answer formats a source
may give, the TTL cache on an injected clock, the last known places marked stale when the
source fails, hangs or answers something else, and the refreshed places through GraphQL."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col

from connectors.config import SourceConfig, load_sources
from connectors.live import FAILURE_PAUSE_SECONDS, LiveRefresher
from connectors.sync import sync_source
from hub.app import create_app
from models import Slot, Source, SyncStatus
from models.availability import LiveValue
from models.db import create_engine, init_db, session_factory
from models.types import utc_now
from tests.utils import demo
from tests.utils.databases import Databases
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client
from tests.utils.server import FeedServer, Hang

SOURCE = "prenota-isola"
# Evening functional training (series 103): 7 of 12 places left on Monday 30 November,
# 5 of 12 on Wednesday 2 December, as the demo feed says.
MONDAY = "ScheduledSession:5002"
WEDNESDAY = "ScheduledSession:5009"
SERIES = "https://prenota-isola.example/api/session-series/103"
TTL = 30.0
TIMEOUT = 0.3
PLACES = {"remainingAttendeeCapacity": 3, "maximumAttendeeCapacity": 12}


class FakeClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def demo_source(name: str) -> SourceConfig:
    (source,) = [s for s in load_sources(demo.DEMO / "sources.toml") if s.name == name]
    return source


async def sync(engine: AsyncEngine, client: httpx.AsyncClient, source: SourceConfig) -> None:
    run = await sync_source(session_factory(engine), source, client)
    assert run.status is SyncStatus.SUCCEEDED, run.error


async def slots_of(engine: AsyncEngine, source: str = SOURCE) -> dict[str, Slot]:
    """The stored slots of a source, by external id."""
    async with session_factory(engine)() as session:
        rows = await session.scalars(
            sa.select(Slot)
            .join(Source, col(Source.id) == col(Slot.source_id))
            .where(col(Source.name) == source)
        )
        return {str(slot.external_id): slot for slot in rows}


def path_of(slot: Slot) -> str:
    """The path the server sees for a slot: the client percent-encodes the external id,
    uvicorn decodes it."""
    return f"/live/{slot.external_id}"


def closed_port_url() -> str:
    """A live endpoint on a port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/live/{{id}}"


@pytest.fixture(scope="module")
async def synced(databases: Databases, client: httpx.AsyncClient) -> AsyncIterator[AsyncEngine]:
    """A database holding the demo OpenActive source and its slots, shared by the module
    (a refresher only reads it); tests that sync more use `engine`."""
    engine = create_engine(await databases.create())
    await init_db(engine)
    await sync(engine, client, demo_source(SOURCE))
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def refresher_for(
    engine: AsyncEngine, client: httpx.AsyncClient, template: str, clock: FakeClock
) -> LiveRefresher:
    return LiveRefresher(
        client,
        session_factory(engine),
        {SOURCE: template},
        ttl=TTL,
        timeout=TIMEOUT,
        clock=clock,
    )


@pytest.fixture
def refresher(
    synced: AsyncEngine, client: httpx.AsyncClient, feed_server: FeedServer, clock: FakeClock
) -> LiveRefresher:
    return refresher_for(synced, client, feed_server.url("/live/{id}"), clock)


@pytest.fixture
async def monday(synced: AsyncEngine) -> Slot:
    return (await slots_of(synced))[MONDAY]


async def live_value(refresher: LiveRefresher, slot: Slot) -> LiveValue:
    assert slot.id is not None
    values = await refresher.values([slot])
    assert list(values) == [slot.id]
    return values[slot.id]


def stored(slot: Slot) -> LiveValue:
    """What a slot's source said at the last sync, marked stale."""
    return LiveValue(slot.remaining, slot.capacity, slot.fetched_at, stale=True)


# --- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "remaining", "capacity"),
    [
        pytest.param(PLACES, 3, 12, id="scheduled-session"),
        pytest.param(
            {"state": "updated", "kind": "ScheduledSession", "id": "5002", "data": PLACES},
            3,
            12,
            id="rpde-item",
        ),
        pytest.param({"@type": "Slot", "remainingUses": 2, "maximumUses": 4}, 2, 4, id="slot"),
        pytest.param({"remaining": 5, "capacity": 12}, 5, 12, id="plain"),
        pytest.param({"remaining": 0}, 0, None, id="remaining-only"),
    ],
)
async def test_each_answer_format_gives_fresh_places(
    refresher: LiveRefresher,
    feed_server: FeedServer,
    monday: Slot,
    answer: dict[str, Any],
    remaining: int,
    capacity: int | None,
) -> None:
    feed_server.serve(path_of(monday), answer)
    before = utc_now()
    value = await live_value(refresher, monday)
    assert (value.remaining, value.capacity, value.stale) == (remaining, capacity, False)
    assert value.checked_at is not None
    assert value.checked_at >= before
    assert feed_server.hits(path_of(monday)) == 1


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"maximumAttendeeCapacity": 12}, id="no-remaining"),
        pytest.param({"remainingAttendeeCapacity": None}, id="null"),
        pytest.param({"remainingAttendeeCapacity": -1}, id="negative"),
        pytest.param({"remainingAttendeeCapacity": "3"}, id="string"),
        pytest.param({"remainingAttendeeCapacity": 2.5}, id="fraction"),
        pytest.param({"remainingAttendeeCapacity": True}, id="boolean"),
        pytest.param({"data": None, "state": "deleted"}, id="deleted-rpde-item"),
        pytest.param([PLACES], id="list"),
        pytest.param("3 posti", id="not-json"),
    ],
)
async def test_an_answer_without_remaining_places_gives_the_stored_places_marked_stale(
    refresher: LiveRefresher, feed_server: FeedServer, monday: Slot, answer: Any
) -> None:
    feed_server.serve(path_of(monday), answer)
    assert await live_value(refresher, monday) == stored(monday)
    assert stored(monday) == LiveValue(7, 12, monday.fetched_at, stale=True)


# --- the TTL ------------------------------------------------------------------------------


async def test_within_the_ttl_the_last_answer_is_reused_without_asking(
    refresher: LiveRefresher, feed_server: FeedServer, monday: Slot, clock: FakeClock
) -> None:
    feed_server.serve(path_of(monday), PLACES)
    first = await live_value(refresher, monday)
    feed_server.serve(path_of(monday), {"remainingAttendeeCapacity": 1})
    clock.advance(TTL - 1)
    assert await live_value(refresher, monday) == first
    assert feed_server.hits(path_of(monday)) == 1

    clock.advance(1)
    later = await live_value(refresher, monday)
    assert (later.remaining, later.stale) == (1, False)
    assert feed_server.hits(path_of(monday)) == 2


# --- failures -----------------------------------------------------------------------------


async def test_after_the_ttl_a_failing_source_gives_the_last_known_places_marked_stale(
    refresher: LiveRefresher, feed_server: FeedServer, monday: Slot, clock: FakeClock
) -> None:
    feed_server.serve(path_of(monday), PLACES)
    first = await live_value(refresher, monday)
    clock.advance(TTL + 1)
    feed_server.serve(path_of(monday), "down for maintenance", status=500)
    assert await live_value(refresher, monday) == LiveValue(3, 12, first.checked_at, stale=True)
    assert feed_server.hits(path_of(monday)) == 2

    # A failure is remembered briefly, so a source that is down is not asked on every
    # read; after that pause the next read asks again and is fresh once the source is back.
    feed_server.serve(path_of(monday), {"remainingAttendeeCapacity": 2})
    paused = await live_value(refresher, monday)
    assert (paused.remaining, paused.stale, feed_server.hits(path_of(monday))) == (3, True, 2)
    clock.advance(FAILURE_PAUSE_SECONDS)
    back = await live_value(refresher, monday)
    assert (back.remaining, back.stale) == (2, False)
    assert feed_server.hits(path_of(monday)) == 3


async def test_a_source_slower_than_the_timeout_gives_the_last_known_places_marked_stale(
    refresher: LiveRefresher, feed_server: FeedServer, monday: Slot, clock: FakeClock
) -> None:
    feed_server.serve(path_of(monday), PLACES)
    first = await live_value(refresher, monday)
    clock.advance(TTL + 1)
    feed_server.then(path_of(monday), Hang(TIMEOUT + 0.7))
    assert await live_value(refresher, monday) == LiveValue(3, 12, first.checked_at, stale=True)


async def test_a_source_slower_than_the_timeout_at_first_gives_the_stored_places_marked_stale(
    refresher: LiveRefresher, feed_server: FeedServer, monday: Slot
) -> None:
    feed_server.then(path_of(monday), Hang(TIMEOUT + 0.7))
    assert await live_value(refresher, monday) == stored(monday)


async def test_a_source_never_reached_gives_the_stored_places_marked_stale(
    synced: AsyncEngine, client: httpx.AsyncClient, monday: Slot, clock: FakeClock
) -> None:
    refresher = refresher_for(synced, client, closed_port_url(), clock)
    assert await live_value(refresher, monday) == stored(monday)


async def test_a_slot_the_source_does_not_know_gives_the_stored_places_marked_stale(
    refresher: LiveRefresher, feed_server: FeedServer, monday: Slot
) -> None:
    assert await live_value(refresher, monday) == stored(monday)  # nothing served: 404
    assert feed_server.hits(path_of(monday)) == 1


# --- which slots --------------------------------------------------------------------------


async def test_slots_are_asked_at_their_own_address_and_other_sources_are_left_out(
    engine: AsyncEngine, client: httpx.AsyncClient, feed_server: FeedServer, clock: FakeClock
) -> None:
    await sync(engine, client, demo_source(SOURCE))
    # The same feed under another name: a source that declares no live endpoint.
    await sync(engine, client, dataclasses.replace(demo_source(SOURCE), name="prenota-copia"))
    refresher = refresher_for(engine, client, feed_server.url("/live/{id}"), clock)
    ours, theirs = await slots_of(engine), await slots_of(engine, "prenota-copia")
    monday, wednesday, elsewhere = ours[MONDAY], ours[WEDNESDAY], theirs["ScheduledSession:5013"]
    feed_server.serve(path_of(monday), PLACES)
    feed_server.serve(path_of(wednesday), {"remaining": 4, "capacity": 12})

    values = await refresher.values([monday, elsewhere, wednesday])
    assert {key: (v.remaining, v.stale) for key, v in values.items()} == {
        monday.id: (3, False),
        wednesday.id: (4, False),
    }
    assert feed_server.hits(path_of(elsewhere)) == 0
    assert sorted(request.path for request in feed_server.seen) == sorted(
        [path_of(monday), path_of(wednesday)]
    )


async def test_the_slot_id_is_percent_encoded_in_the_url(
    refresher: LiveRefresher, feed_server: FeedServer, monday: Slot
) -> None:
    feed_server.serve(path_of(monday), PLACES)
    await live_value(refresher, monday)
    (request,) = feed_server.seen
    assert request.path == "/live/ScheduledSession:5002"
    assert request.method == "GET"


# --- through GraphQL ----------------------------------------------------------------------


SERIES_AVAILABILITY = """
query Week($from: DateTime!, $to: DateTime!) {
  offerings(first: 100) {
    edges { node {
      provenance { externalId }
      availability(from: $from, to: $to) { kind startsAt capacity remaining stale checkedAt }
    } }
  }
}
"""
WEEK = {"from": "2026-11-30T00:00:00+01:00", "to": "2026-12-07T00:00:00+01:00"}


async def series_availability(gql: GraphQLClient) -> list[dict[str, Any]]:
    edges = (await gql.data(SERIES_AVAILABILITY, WEEK))["offerings"]["edges"]
    nodes: list[dict[str, Any]] = [edge["node"] for edge in edges]
    (node,) = [n for n in nodes if n["provenance"]["externalId"] == SERIES]
    entries: list[dict[str, Any]] = node["availability"]
    return entries


async def test_availability_shows_live_places_then_stale_ones_when_the_source_fails(
    synced: AsyncEngine, refresher: LiveRefresher, feed_server: FeedServer, clock: FakeClock
) -> None:
    slots = await slots_of(synced)
    monday, wednesday = slots[MONDAY], slots[WEDNESDAY]
    feed_server.serve(path_of(monday), PLACES)  # Wednesday's slot is not served: a 404
    async with hub_client(create_app(engine=synced, live=refresher)) as http:
        gql = GraphQLClient(http)
        first = await series_availability(gql)
        assert [(e["startsAt"], e["remaining"], e["stale"]) for e in first] == [
            ("2026-11-30T19:30:00+01:00", 3, False),
            ("2026-12-02T19:30:00+01:00", 5, True),
        ]
        assert {(e["kind"], e["capacity"]) for e in first} == {("BOOKABLE_SLOT", 12)}
        checked = datetime.fromisoformat(first[0]["checkedAt"])
        assert monday.fetched_at is not None
        assert checked > monday.fetched_at
        assert datetime.fromisoformat(first[1]["checkedAt"]) == wednesday.fetched_at

        assert await series_availability(gql) == first  # within the TTL: nothing asked
        assert feed_server.hits(path_of(monday)) == 1

        clock.advance(TTL + 1)
        feed_server.serve(path_of(monday), "unavailable", status=500)
        failed = await series_availability(gql)
        assert failed[0] == {**first[0], "stale": True}
        assert feed_server.hits(path_of(monday)) == 2


def test_only_sources_with_a_url_template_are_live(caplog: pytest.LogCaptureFixture) -> None:
    sources = [
        SourceConfig(
            "a", "openactive", "a.json", options={"live_availability": "https://a.example/{id}"}
        ),
        SourceConfig("b", "openactive", "b.json", options={"live_availability": "slots/{id}.json"}),
        SourceConfig(
            "c", "openactive", "c.json", options={"live_availability": "https://c.example/"}
        ),
        SourceConfig("d", "csv", "d.csv"),
    ]

    refresher = LiveRefresher.for_sources(httpx.AsyncClient(), async_sessionmaker(), sources)

    assert refresher.templates == {"a": "https://a.example/{id}"}
    assert "source b: live_availability must be an http(s) URL with {id}" in caplog.text
    assert "source c:" in caplog.text
