"""The HSDS 3.0 API connector (HSDA `GET /services` pages) against a real HTTP server on
127.0.0.1 and against local directories, and through the sync engine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

import connectors.registry
from connectors.config import ConfigError, SourceConfig, load_sources
from connectors.fetch import Fetcher, FetchError
from connectors.hsds import HsdsApi
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    ScheduleRecord,
)
from connectors.sync import sync_source
from hub.app import create_app
from hub.settings import Settings
from models import (
    Offering,
    OfferingStatus,
    Provider,
    Schedule,
    Source,
    SyncProblem,
    SyncRun,
    SyncStatus,
    SyncTerm,
)
from models.db import session_factory
from models.enums import DeliveryMode
from models.validation import check
from tests.utils.feeds import Json, category, cost, location, organization, service
from tests.utils.fetching import Sleeps
from tests.utils.hub import hub_client
from tests.utils.server import FeedServer, Reply, Truncated

ROME = ZoneInfo("Europe/Rome")
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
SERVICES = "/api/services"


def api(server: FeedServer, **options: Any) -> SourceConfig:
    """An `hsds-api` source reading the feed server's API under /api."""
    return SourceConfig(name="api", kind="hsds-api", url=server.url("/api"), options=options)


def nested(id: str, org: Json, *, sites: Sequence[Json] = (), **fields: Any) -> Json:
    """A fully nested HSDA service: its organization and locations embedded."""
    item = service(id, org["id"], **fields)
    item["organization"] = org
    item["service_at_locations"] = [
        {"id": f"{id}@{site['id']}", "service_id": id, "location_id": site["id"], "location": site}
        for site in sites
    ]
    return item


def page(number: int, total: int, *contents: Json) -> Json:
    """An HSDA Page object."""
    return {
        "total_items": len(contents),
        "total_pages": total,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number == total,
        "empty": not contents,
        "contents": list(contents),
    }


def serve_pages(server: FeedServer, *pages: Json) -> None:
    """Answer successive GETs of the listing with `pages` (404 past them)."""
    server.then(SERVICES, *(Reply(200, body) for body in pages))


async def read(
    source: SourceConfig, fetcher: Fetcher, state: dict[str, object] | None = None
) -> list[Item]:
    return [item async for item in HsdsApi(source, fetcher, state or {}).records()]


async def read_until_failure(connector: HsdsApi) -> tuple[list[Item], str]:
    """What a connector yields before its read fails, and the FetchError's message."""
    items: list[Item] = []
    records = connector.records()
    while True:
        try:
            items.append(await anext(records))
        except FetchError as error:
            return items, str(error)
        except StopAsyncIteration:
            pytest.fail(f"the read did not fail; it yielded {items}")


def queries(server: FeedServer, path: str = SERVICES) -> list[dict[str, list[str]]]:
    return [parse_qs(seen.query) for seen in server.seen if seen.path == path]


COOP = organization("org-coop", "Cooperativa Isola", phones=["+39 02 555 0101"])
GYM = organization("org-gym", "Palestra Garibaldi")
BORSIERI = location(
    "loc-borsieri",
    "org-coop",
    name="Sede di via Borsieri",
    latitude=45.4891,
    longitude=9.1893,
    address_1="Via Pietro Borsieri 12",
    postal_code="20159",
)
COOP_RECORD = ProviderRecord(
    external_id="org-coop", name="Cooperativa Isola", phone="+39 02 555 0101"
)
GYM_RECORD = ProviderRecord(external_id="org-gym", name="Palestra Garibaldi")
BORSIERI_RECORD = LocationRecord(
    external_id="loc-borsieri",
    provider_external_id="org-coop",
    name="Sede di via Borsieri",
    address="Via Pietro Borsieri 12",
    cap="20159",
    city="Milano",
    province="MI",
    latitude=45.4891,
    longitude=9.1893,
)


def offering(id: str, provider: str = "org-coop", **fields: Any) -> OfferingRecord:
    """The offering that `nested(id, ...)` with default fields maps to."""
    values: dict[str, Any] = {
        "title_it": "Corso di ceramica",
        "categories": ("courses",),
        "delivery_mode": DeliveryMode.ONLINE,
        **fields,
    }
    return OfferingRecord(external_id=id, provider_external_id=provider, **values)


IN_BORSIERI: dict[str, Any] = {
    "delivery_mode": DeliveryMode.IN_PERSON,
    "location_external_ids": ("loc-borsieri",),
}


# --- reading pages -------------------------------------------------------------------------


async def test_each_organization_and_location_comes_once_before_its_first_service(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve_pages(
        feed_server,
        page(
            1,
            1,
            nested("svc-1", COOP, sites=[BORSIERI]),
            nested("svc-2", GYM),
            nested("svc-3", COOP, sites=[BORSIERI]),
        ),
    )

    items = await read(api(feed_server), fetcher)

    assert items == [
        COOP_RECORD,
        BORSIERI_RECORD,
        offering("svc-1", **IN_BORSIERI),
        GYM_RECORD,
        offering("svc-2", "org-gym"),
        offering("svc-3", **IN_BORSIERI),
    ]


async def test_pages_are_followed_to_the_last_with_page_and_per_page(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve_pages(
        feed_server,
        page(1, 2, nested("svc-1", COOP), nested("svc-2", COOP)),
        page(2, 2, nested("svc-3", GYM)),
    )

    items = await read(api(feed_server, per_page=2), fetcher)

    assert items == [
        COOP_RECORD,
        offering("svc-1"),
        offering("svc-2"),
        GYM_RECORD,
        offering("svc-3", "org-gym"),
    ]
    assert queries(feed_server) == [
        {"page": ["1"], "per_page": ["2"], "full": ["true"]},
        {"page": ["2"], "per_page": ["2"], "full": ["true"]},
    ]


@pytest.mark.parametrize(
    "last",
    [
        {"total_pages": 2, "last_page": False},
        {"total_pages": None, "last_page": True},
    ],
    ids=["total_pages", "last_page"],
)
async def test_reading_stops_at_the_page_the_api_calls_last(
    feed_server: FeedServer, fetcher: Fetcher, last: Json
) -> None:
    second = {**page(2, 2, nested("svc-2", COOP)), **last}
    serve_pages(feed_server, {**page(1, 2, nested("svc-1", COOP)), "total_pages": None}, second)
    feed_server.serve(SERVICES, "no third page", status=500)

    items = await read(api(feed_server), fetcher)

    assert items == [COOP_RECORD, offering("svc-1"), offering("svc-2")]
    assert feed_server.hits(SERVICES) == 2


async def test_an_empty_page_ends_a_listing_without_page_counts(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    unknown = {"total_pages": None, "last_page": None}
    serve_pages(
        feed_server,
        {**page(1, 2, nested("svc-1", COOP)), **unknown},
        {"empty": True, "contents": []},
    )

    items = await read(api(feed_server), fetcher)

    assert items == [COOP_RECORD, offering("svc-1")]
    assert feed_server.hits(SERVICES) == 2


async def test_an_empty_api_yields_nothing(feed_server: FeedServer, fetcher: Fetcher) -> None:
    serve_pages(feed_server, page(1, 0))

    assert await read(api(feed_server), fetcher) == []


async def test_pagination_that_does_not_advance_raises_fetch_error(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve(SERVICES, page(1, 5, nested("svc-1", COOP)))  # `page` is ignored
    connector = HsdsApi(api(feed_server), fetcher, {})

    items, error = await read_until_failure(connector)

    assert items == [COOP_RECORD, offering("svc-1")]
    assert error == "HSDA pagination does not advance: page 2 repeats page 1"


# --- mapping -------------------------------------------------------------------------------


async def test_a_full_service_maps_every_field(feed_server: FeedServer, fetcher: Fetcher) -> None:
    item = nested(
        "svc-yoga",
        COOP,
        sites=[BORSIERI],
        name="Yoga per la schiena",
        categories=["mind-body"],
        description="Lezioni in piccoli gruppi",
        url="https://coop-isola.example/yoga",
        email="yoga@coop-isola.example",
        languages=["IT", "en"],
        cost_options=[cost("45.50", option="Dieci lezioni"), cost(0, option="Prova")],
        minimum_age=16,
        maximum_age="99",
        eligibility_description="Adulti senza patologie acute",
        last_modified="2026-10-01T09:00:00+02:00",
        concilia={
            "name_en": "Yoga for your back",
            "description_en": "Small-group classes",
            "beneficiary_discount_percent": 10,
        },
        schedules=[
            {
                "id": "sch-1",
                "dtstart": "2026-10-06",
                "freq": "WEEKLY",
                "interval": 1,
                "byday": "TU,TH",
                "opens_at": "18:30",
                "closes_at": "19:45",
                "until": "2027-06-30",
                "wkst": "MO",
                "description": "Martedì e giovedì sera",
            }
        ],
    )
    item["attributes"].append(category("yoga", taxonomy="openeligibility"))
    serve_pages(feed_server, page(1, 1, item))

    items = await read(api(feed_server), fetcher)

    assert items[2] == OfferingRecord(
        external_id="svc-yoga",
        provider_external_id="org-coop",
        title_it="Yoga per la schiena",
        title_en="Yoga for your back",
        description_it="Lezioni in piccoli gruppi",
        description_en="Small-group classes",
        categories=("mind-body",),
        delivery_mode=DeliveryMode.IN_PERSON,
        languages=("it", "en"),
        cost_options=(
            CostOptionRecord(label="Dieci lezioni", amount_cents=4550),
            CostOptionRecord(label="Prova", amount_cents=0),
        ),
        beneficiary_discount_percent=10,
        booking_url="https://coop-isola.example/yoga",
        email="yoga@coop-isola.example",
        location_external_ids=("loc-borsieri",),
        schedules=(
            ScheduleRecord(
                start=datetime(2026, 10, 6, 18, 30, tzinfo=ROME),
                end=datetime(2026, 10, 6, 19, 45, tzinfo=ROME),
                rrule="FREQ=WEEKLY;UNTIL=20270630T215959Z;BYDAY=TU,TH;WKST=MO",
                description="Martedì e giovedì sera",
            ),
        ),
        min_age=16,
        max_age=99,
        eligibility_description="Adulti senza patologie acute",
    )
    assert isinstance(items[2], OfferingRecord)
    assert items[2].last_modified == datetime(2026, 10, 1, 7, 0, tzinfo=UTC)


async def test_a_service_without_url_or_email_is_booked_by_its_first_phone(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    phones = [{"id": "p0"}, {"id": "p1", "number": "02 6887 1951"}, {"number": "333 1234567"}]
    serve_pages(
        feed_server,
        page(
            1,
            1,
            nested("svc-phone", COOP, phones=phones),
            nested("svc-mail", COOP, phones=phones, email="info@coop.example"),
        ),
    )

    items = await read(api(feed_server), fetcher)

    assert items[1:] == [
        offering("svc-phone", booking_url="tel:+390268871951"),
        offering("svc-mail", email="info@coop.example"),
    ]


async def test_location_ids_come_from_embedded_locations_or_location_id(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    item = nested("svc-1", COOP, sites=[BORSIERI])
    item["service_at_locations"].append({"id": "sal-2", "location_id": "loc-elsewhere"})
    serve_pages(feed_server, page(1, 1, item))

    items = await read(api(feed_server), fetcher)

    assert items[2] == offering(
        "svc-1",
        delivery_mode=DeliveryMode.IN_PERSON,
        location_external_ids=("loc-borsieri", "loc-elsewhere"),
    )


async def test_a_listed_service_without_its_organization_is_read_in_full(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    listed = service("svc 1/a", "org-coop", "Corso di ceramica")  # one-to-one fields only
    serve_pages(feed_server, page(1, 1, listed))
    feed_server.serve("/api/services/svc 1/a", nested("svc 1/a", COOP, sites=[BORSIERI]))
    source = api(feed_server, headers={"X-Api-Key": "s3cret"})

    items = await read(source, fetcher)

    assert items == [COOP_RECORD, BORSIERI_RECORD, offering("svc 1/a", **IN_BORSIERI)]
    assert [seen.headers.get("x-api-key") for seen in feed_server.seen] == ["s3cret"] * 2


async def test_renamed_organization_field_leaves_the_service_to_its_organization_id(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    drifted = {**nested("svc-1", COOP), "provider": COOP}
    del drifted["organization"]
    feed_server.serve(SERVICES, page(1, 1, drifted))
    feed_server.serve("/api/services/svc-1", drifted)

    items = await read(api(feed_server), fetcher)

    assert items == [offering("svc-1")]
    assert feed_server.hits("/api/services/svc-1") == 1


# --- faults --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"minimum_age": "dodici"}, "minimum_age 'dodici' is not a number"),
        ({"maximum_age": 17.5}, "maximum_age 17.5 is not a whole number"),
        ({"schedules": [{"freq": "WEEKLY"}]}, "a schedule has neither dtstart nor valid_from"),
        ({"schedules": {"freq": "WEEKLY"}}, "field 'schedules' is not an array"),
        (
            {"schedules": [{"dtstart": "2026-10-06", "freq": "WEEKLY", "byday": "MO;COUNT=1"}]},
            "invalid schedule byday 'MO;COUNT=1'",
        ),
        (
            {"schedules": [{"dtstart": "06/10/2026"}]},
            "dtstart '06/10/2026' is not a date (YYYY-MM-DD)",
        ),
        (
            {"schedules": [{"dtstart": "2026-10-06", "opens_at": "9.30"}]},
            "opens_at '9.30' is not a time (HH:MM)",
        ),
        (
            {"organization_id": "org-gym"},
            "organization_id 'org-gym' differs from the embedded organization 'org-coop'",
        ),
        ({"status": "paused"}, "unknown service status 'paused'"),
        ({"organization": None, "organization_id": None}, "missing field 'organization_id'"),
    ],
)
async def test_an_unreadable_service_becomes_a_problem_and_reading_goes_on(
    feed_server: FeedServer, fetcher: Fetcher, fields: Json, reason: str
) -> None:
    serve_pages(
        feed_server,
        page(
            1,
            1,
            nested("svc-0", COOP),
            {**nested("svc-bad", COOP), **fields},
            nested("svc-2", COOP),
        ),
    )

    items = await read(api(feed_server), fetcher)

    assert items == [
        COOP_RECORD,
        offering("svc-0"),
        Problem("offering", "svc-bad", f"unreadable HSDS offering: {reason}"),
        offering("svc-2"),
    ]


async def test_unreadable_embedded_records_are_problems_reported_once(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    bad_org = {**COOP, "phones": "02 555"}
    bad_site = {**BORSIERI, "latitude": "nord"}
    serve_pages(
        feed_server,
        page(
            1,
            1,
            nested("svc-1", bad_org, sites=[bad_site]),
            nested("svc-2", bad_org, sites=[bad_site]),
            {**nested("svc-3", GYM), "id": 3},
        ),
    )

    items = await read(api(feed_server), fetcher)

    assert items == [
        Problem("provider", "org-coop", "unreadable HSDS provider: field 'phones' is not an array"),
        Problem(
            "location",
            "loc-borsieri",
            "unreadable HSDS location: could not convert string to float: 'nord'",
        ),
        offering("svc-1", **IN_BORSIERI),
        offering("svc-2", **IN_BORSIERI),
        GYM_RECORD,
        Problem("offering", None, "unreadable HSDS offering: missing string 'id'"),
    ]


async def test_duplicate_services_are_all_yielded_for_the_engine_to_keep_the_last(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve_pages(
        feed_server,
        page(1, 2, nested("svc-1", COOP), nested("svc-2", COOP)),
        page(2, 2, nested("svc-2", COOP, name="Corso di ceramica (nuovo orario)")),
    )

    items = await read(api(feed_server), fetcher)

    assert items == [
        COOP_RECORD,
        offering("svc-1"),
        offering("svc-2"),
        offering("svc-2", title_it="Corso di ceramica (nuovo orario)"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "HSDA page 1 is not valid JSON"),
        (b"[]", "HSDA page 1 is not a JSON object"),
        (b'{"items": []}', "HSDA page 1 has no 'contents' array"),
        (b'{"contents": {"id": "svc-1"}}', "HSDA page 1 has no 'contents' array"),
    ],
    ids=["not-json", "array", "renamed-contents", "contents-object"],
)
async def test_an_unreadable_page_raises_fetch_error(
    feed_server: FeedServer, fetcher: Fetcher, body: bytes, message: str
) -> None:
    feed_server.serve(SERVICES, body, content_type="application/json")

    with pytest.raises(FetchError) as raised:
        await read(api(feed_server), fetcher)

    assert str(raised.value).startswith(message)


async def test_an_unreadable_second_page_raises_after_the_first_page_was_yielded(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve_pages(feed_server, page(1, 2, nested("svc-1", COOP)))
    feed_server.serve(SERVICES, "<html>maintenance</html>")
    connector = HsdsApi(api(feed_server, incremental=True), fetcher, {})

    items, error = await read_until_failure(connector)

    assert items == [COOP_RECORD, offering("svc-1")]  # and no Checkpoint
    assert error.startswith("HSDA page 2 is not valid JSON")


async def test_server_errors_are_retried_honouring_retry_after(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    feed_server.then(SERVICES, Reply(500), Reply(503, headers={"Retry-After": "7"}))
    serve_pages(feed_server, page(1, 1, nested("svc-1", COOP)))

    items = await read(api(feed_server), fetcher)

    assert items == [COOP_RECORD, offering("svc-1")]
    assert sleeps.delays == [0.5, 7.0]


async def test_a_persistent_server_error_raises_fetch_error(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    feed_server.serve(SERVICES, "down", status=503)

    with pytest.raises(FetchError, match=r"answered HTTP 503: down \(after 4 attempts\)$"):
        await read(api(feed_server), fetcher)

    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_a_truncated_page_is_fetched_again(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    body = page(1, 1, nested("svc-1", COOP))
    feed_server.then(SERVICES, Truncated(orjson.dumps(body)))
    serve_pages(feed_server, body)

    items = await read(api(feed_server), fetcher)

    assert items == [COOP_RECORD, offering("svc-1")]
    assert sleeps.delays == [0.5]


async def test_a_missing_service_detail_raises_fetch_error(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve_pages(feed_server, page(1, 1, service("svc-1", "org-coop")))

    with pytest.raises(FetchError, match=r"/api/services/svc-1 answered HTTP 404"):
        await read(api(feed_server), fetcher)


@pytest.mark.usefixtures("registered")
async def test_an_error_answers_own_words_are_kept_in_the_runs_error(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    """A 401 with a problem+json body: the operator reads why in `lastRun.error`."""
    problem = {"title": "Unauthorized", "detail": "invalid API key: rotate it in the portal"}
    feed_server.then(SERVICES, Reply(401, problem, content_type="application/problem+json"))
    binary = "/api2/services"
    feed_server.then(binary, Reply(403, b"\x00\x01" * 1000, content_type="image/png"))

    run = await sync(engine, api(feed_server), client, fetcher)
    with pytest.raises(FetchError) as raised:
        await read(SourceConfig(name="b", kind="hsds-api", url=feed_server.url("/api2")), fetcher)

    assert run.status is SyncStatus.FAILED
    assert run.error == (
        f'{feed_server.url(SERVICES)} answered HTTP 401: {{"title":"Unauthorized",'
        f'"detail":"invalid API key: rotate it in the portal"}}'
    )
    assert str(raised.value).endswith("answered HTTP 403")  # not text: not kept


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"per_page": 0}, "source 'api': option 'per_page' must be a positive integer"),
        ({"per_page": "100"}, "source 'api': option 'per_page' must be a positive integer"),
        ({"incremental": "yes"}, "source 'api': option 'incremental' must be true or false"),
        ({"headers": ["X-Api-Key"]}, "source 'api': option 'headers' must be a table of strings"),
        ({"headers": {"X-Retry": 3}}, "source 'api': option 'headers' must be a table of strings"),
    ],
)
async def test_invalid_options_are_a_config_error(
    feed_server: FeedServer, fetcher: Fetcher, options: Json, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        HsdsApi(api(feed_server, **options), fetcher, {})

    assert str(raised.value) == message


# --- incremental reads ---------------------------------------------------------------------


async def test_a_first_incremental_read_is_full_and_ends_with_the_latest_modification(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve_pages(
        feed_server,
        page(1, 2, nested("svc-1", COOP, last_modified="2026-10-01T12:00:00+02:00")),
        page(2, 2, nested("svc-2", COOP, last_modified="2026-10-01T11:30:00Z")),
    )
    connector = HsdsApi(api(feed_server, incremental=True), fetcher, {})

    items = [item async for item in connector.records()]

    assert connector.complete_snapshot is True
    assert items[-1] == Checkpoint({"modified_after": "2026-10-01T11:30:00Z"})
    assert [type(item) for item in items] == [
        ProviderRecord,
        OfferingRecord,
        OfferingRecord,
        Checkpoint,
    ]
    assert all("modified_after" not in query for query in queries(feed_server))


async def test_an_incremental_read_asks_for_changes_since_its_checkpoint(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve_pages(
        feed_server,
        page(1, 1, nested("svc-1", COOP, last_modified="2026-11-02T08:00:00+01:00")),
    )
    state: dict[str, object] = {"modified_after": "2026-10-01T11:30:00Z"}
    connector = HsdsApi(api(feed_server, incremental=True, per_page=50), fetcher, state)

    items = [item async for item in connector.records()]

    assert connector.complete_snapshot is False
    assert items == [
        COOP_RECORD,
        offering("svc-1"),
        Checkpoint({"modified_after": "2026-11-02T08:00:00+01:00"}),
    ]
    assert queries(feed_server) == [
        {
            "page": ["1"],
            "per_page": ["50"],
            "full": ["true"],
            "modified_after": ["2026-10-01T11:30:00Z"],
        }
    ]


async def test_an_incremental_read_without_changes_keeps_its_checkpoint(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    stale = nested("svc-1", COOP, last_modified="2026-09-01T08:00:00+02:00")
    serve_pages(feed_server, page(1, 1, stale))
    state: dict[str, object] = {"modified_after": "2026-10-01T11:30:00Z"}

    items = await read(api(feed_server, incremental=True), fetcher, state)

    assert items[-1] == Checkpoint({"modified_after": "2026-10-01T11:30:00Z"})


async def test_a_full_read_ignores_a_stored_checkpoint_and_yields_none(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve_pages(
        feed_server, page(1, 1, nested("svc-1", COOP, last_modified="2026-10-01T12:00:00Z"))
    )
    connector = HsdsApi(api(feed_server), fetcher, {"modified_after": "2026-09-01T00:00:00Z"})

    items = [item async for item in connector.records()]

    assert connector.complete_snapshot is True
    assert items == [COOP_RECORD, offering("svc-1")]
    assert "modified_after" not in queries(feed_server)[0]


# --- local directories ---------------------------------------------------------------------


def write_pages(directory: Path, *pages: Json) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for number, body in enumerate(pages, 1):
        (directory / f"services-page-{number}.json").write_bytes(orjson.dumps(body))


async def test_a_local_directory_stands_in_for_the_api(tmp_path: Path, fetcher: Fetcher) -> None:
    directory = tmp_path / "hsda"
    write_pages(
        directory,
        page(1, 2, nested("svc-1", COOP, sites=[BORSIERI])),
        page(2, 2, service("svc-2", "org-gym")),
    )
    (directory / "services").mkdir()
    (directory / "services" / "svc-2.json").write_bytes(orjson.dumps(nested("svc-2", GYM)))
    source = SourceConfig(name="local", kind="hsds-api", url=str(directory))

    items = await read(source, fetcher)

    assert items == [
        COOP_RECORD,
        BORSIERI_RECORD,
        offering("svc-1", **IN_BORSIERI),
        GYM_RECORD,
        offering("svc-2", "org-gym"),
    ]


async def test_a_missing_local_page_raises_fetch_error(tmp_path: Path, fetcher: Fetcher) -> None:
    write_pages(tmp_path, page(1, 2, nested("svc-1", COOP)))
    source = SourceConfig(name="local", kind="hsds-api", url=str(tmp_path))

    with pytest.raises(FetchError, match=r"services-page-2\.json: No such file or directory"):
        await read(source, fetcher)


async def test_the_demo_api_loads_with_no_problem(tmp_path: Path, fetcher: Fetcher) -> None:
    (source,) = demo_api(tmp_path)

    items = await read(source, fetcher)

    records = [i for i in items if isinstance(i, ProviderRecord | LocationRecord | OfferingRecord)]
    assert records == items  # no Problem, no Checkpoint
    assert [check(record) for record in records] == records  # nothing to quarantine
    offerings = [record for record in records if isinstance(record, OfferingRecord)]
    assert sum(isinstance(record, ProviderRecord) for record in records) == 4
    assert 10 <= len(offerings) <= 14
    assert all(o.schedules and (o.min_age is not None or o.max_age is not None) for o in offerings)


def demo_api(directory: Path) -> list[SourceConfig]:
    """The demo API as its `[[source]]` table declares it beside data/demo/hsda."""
    (directory / "hsda").symlink_to(DEMO / "hsda", target_is_directory=True)
    path = directory / "sources.toml"
    path.write_text(DEMO_SOURCE, encoding="utf-8")
    return load_sources(path)


DEMO_SOURCE = """
[[source]]
name = "servizi-isola-api"
kind = "hsds-api"
url = "hsda"
description = "Consultorio, centro anziani e sportello lavoro del quartiere (fictional demo data)"
"""


# --- through the sync engine ---------------------------------------------------------------


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connectors.registry.CONNECTORS, HsdsApi.kind, HsdsApi)


async def sync(
    engine: AsyncEngine, source: SourceConfig, client: httpx.AsyncClient, fetcher: Fetcher
) -> SyncRun:
    return await sync_source(session_factory(engine), source, client, fetcher=fetcher)


async def stored(engine: AsyncEngine) -> dict[str, tuple[str, OfferingStatus, int | None]]:
    """Each stored offering's title, status and minimum age, by external id."""
    async with session_factory(engine)() as session:
        rows = await session.execute(
            sa.select(
                col(Offering.external_id),
                col(Offering.title_it),
                col(Offering.status),
                col(Offering.min_age),
            )
        )
        return {str(ext): (title, status, age) for ext, title, status, age in rows}


async def state(engine: AsyncEngine) -> dict[str, object]:
    async with session_factory(engine)() as session:
        found = await session.execute(sa.select(col(Source.state)))
        return dict(found.scalar_one())


def catalogue() -> list[Json]:
    return [
        nested(
            "svc-1",
            COOP,
            sites=[BORSIERI],
            minimum_age=65,
            last_modified="2026-10-01T10:00:00+02:00",
            schedules=[{"dtstart": "2026-10-06", "byday": "TU", "opens_at": "10:00"}],
        ),
        nested("svc-2", GYM, categories=["fitness-sport"], last_modified="2026-10-02T10:00:00Z"),
    ]


@pytest.mark.usefixtures("registered")
async def test_incremental_sync_updates_changes_and_a_failed_one_loses_nothing(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    source = api(feed_server, incremental=True)
    first, second = catalogue()
    serve_pages(feed_server, page(1, 2, first), page(2, 2, second))

    run = await sync(engine, source, client, fetcher)

    assert (run.status, run.created, run.quarantined) == (SyncStatus.SUCCEEDED, 5, 0)
    assert await stored(engine) == {
        "svc-1": ("Corso di ceramica", OfferingStatus.ACTIVE, 65),
        "svc-2": ("Corso di ceramica", OfferingStatus.ACTIVE, None),
    }
    assert await state(engine) == {"modified_after": "2026-10-02T10:00:00Z"}
    async with session_factory(engine)() as session:
        schedule = (await session.execute(sa.select(Schedule))).scalar_one()
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=TU"
    assert schedule.starts_at == datetime(2026, 10, 6, 8, 0, tzinfo=UTC)

    changed = {**second, "name": "Pilates", "last_modified": "2026-10-05T09:00:00Z"}
    serve_pages(feed_server, page(1, 1, changed))

    run = await sync(engine, source, client, fetcher)

    assert (run.status, run.updated, run.withdrawn) == (SyncStatus.SUCCEEDED, 1, 0)
    assert queries(feed_server)[-1]["modified_after"] == ["2026-10-02T10:00:00Z"]
    assert await stored(engine) == {
        "svc-1": ("Corso di ceramica", OfferingStatus.ACTIVE, 65),
        "svc-2": ("Pilates", OfferingStatus.ACTIVE, None),
    }
    assert await state(engine) == {"modified_after": "2026-10-05T09:00:00Z"}

    serve_pages(feed_server, page(1, 2, first))
    feed_server.serve(SERVICES, "down", status=500)

    run = await sync(engine, source, client, fetcher)

    assert run.status is SyncStatus.FAILED
    assert run.error == f"{feed_server.url(SERVICES)} answered HTTP 500: down (after 4 attempts)"
    assert await stored(engine) == {
        "svc-1": ("Corso di ceramica", OfferingStatus.ACTIVE, 65),
        "svc-2": ("Pilates", OfferingStatus.ACTIVE, None),
    }
    assert await state(engine) == {"modified_after": "2026-10-05T09:00:00Z"}


@pytest.mark.usefixtures("registered")
async def test_full_sync_withdraws_what_the_api_stops_listing_and_survives_a_bad_page(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    source = api(feed_server)
    first, second = catalogue()
    serve_pages(feed_server, page(1, 1, first, second))
    assert (await sync(engine, source, client, fetcher)).status is SyncStatus.SUCCEEDED

    serve_pages(feed_server, page(1, 1, first))
    run = await sync(engine, source, client, fetcher)

    assert (run.status, run.withdrawn, run.unchanged) == (SyncStatus.SUCCEEDED, 1, 3)
    assert (await stored(engine))["svc-2"][1] is OfferingStatus.WITHDRAWN
    assert await state(engine) == {}

    feed_server.serve(SERVICES, b'{"items": []}', content_type="application/json")
    run = await sync(engine, source, client, fetcher)

    assert (run.status, run.error) == (SyncStatus.FAILED, "HSDA page 1 has no 'contents' array")
    assert await stored(engine) == {
        "svc-1": ("Corso di ceramica", OfferingStatus.ACTIVE, 65),
        "svc-2": ("Corso di ceramica", OfferingStatus.WITHDRAWN, None),
    }


@pytest.mark.usefixtures("registered")
async def test_the_demo_api_syncs_with_nothing_quarantined(
    engine: AsyncEngine, client: httpx.AsyncClient, fetcher: Fetcher, tmp_path: Path
) -> None:
    (source,) = demo_api(tmp_path)

    run = await sync(engine, source, client, fetcher)

    assert (run.status, run.quarantined, run.error) == (SyncStatus.SUCCEEDED, 0, None)
    async with session_factory(engine)() as session:
        providers = (
            await session.execute(sa.select(sa.func.count()).select_from(Provider))
        ).scalar_one()
        schedules = (
            await session.execute(sa.select(sa.func.count()).select_from(Schedule))
        ).scalar_one()
    offerings = await stored(engine)
    assert providers == 4
    assert 10 <= len(offerings) <= 14
    assert schedules >= len(offerings)


OFFICIAL = Path(__file__).resolve().parents[1] / "fixtures" / "openreferral"


def official_service() -> Json:
    """Open Referral's own fully nested service example (HSDS 3.0, examples/
    service_full.json), whose one attribute is a term of a taxonomy of its own."""
    item: Json = orjson.loads((OFFICIAL / "service_full.json").read_bytes())
    return item


@pytest.mark.usefixtures("registered")
async def test_the_specifications_example_loads_through_a_mapping_of_its_own_taxonomy(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    """The example classifies its service by a term of taxonomy "taxonomy"; without a
    mapping the service has no category, with one (by the term's URI) it loads. The
    example's schedule sets both `count` and `until`, which RFC 5545 forbids, so that is
    left out here: the test is about classification (the schedule is quarantined in the
    schedule tests)."""
    example = {**official_service(), "schedules": []}
    other = nested("svc-2", GYM, categories=(), attributes=[_term("Padel", "tax-sport")])
    serve_pages(feed_server, page(1, 1, example, other))

    unmapped = await sync(engine, api(feed_server), client, fetcher)
    serve_pages(feed_server, page(1, 1, example, other))
    mapped = await sync(
        engine,
        api(feed_server, categories={"http://example.com": "psychological-support"}),
        client,
        fetcher,
    )

    # the example's location is quarantined in both runs: its latitude is 100
    assert unmapped.quarantined == 3
    assert (mapped.status, mapped.quarantined) == (SyncStatus.SUCCEEDED, 2)
    async with session_factory(engine)() as session:
        offering = (
            await session.execute(
                sa.select(Offering).where(col(Offering.external_id) == example["id"])
            )
        ).scalar_one()
        terms = (
            await session.execute(
                sa.select(col(SyncTerm.term), col(SyncTerm.count)).where(
                    col(SyncTerm.sync_run_id) == mapped.id
                )
            )
        ).all()
    assert offering.title_it == "Community Counselling"
    assert offering.area == "HEALTH_WELLBEING"
    assert sorted(terms) == [("Padel", 1)]
    async with session_factory(engine)() as session:
        problems = (
            await session.execute(
                sa.select(col(SyncProblem.external_id), col(SyncProblem.reason)).where(
                    col(SyncProblem.sync_run_id) == mapped.id
                )
            )
        ).all()
    assert sorted(problems) == [
        ("3a19ff88-4620-4d17-9830-ac1d859eb5d5", "latitude 100.0 is out of range"),
        ("svc-2", "offering has no category"),
    ]


@pytest.mark.usefixtures("registered")
async def test_a_runs_unmapped_terms_are_in_the_graph_most_frequent_first(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    services = [
        nested("svc-1", GYM, categories=(), attributes=[_term("Padel", "t"), _term("Yoga", "t")]),
        nested("svc-2", GYM, categories=(), attributes=[_term("padel", "t")]),
        nested("svc-3", GYM, categories=(), attributes=[_term("Bocce", "t")]),
    ]
    serve_pages(feed_server, page(1, 1, *services))
    await sync(engine, api(feed_server, categories={"Yoga": "mind-body"}), client, fetcher)

    async with hub_client(create_app(Settings(), engine=engine)) as http:
        answer = await http.post(
            "/graphql",
            json={
                "query": "{ sources { lastRun { quarantinedCount unmappedTerms { term count } } } }"
            },
        )

    run = answer.json()["data"]["sources"][0]["lastRun"]
    assert run == {
        "quarantinedCount": 2,
        "unmappedTerms": [
            {"term": "Padel", "count": 2},
            {"term": "Bocce", "count": 1},
        ],
    }


def _term(name: str, taxonomy: str) -> Json:
    return {
        "id": f"attr-{name}",
        "taxonomy_term": {"id": f"term-{name}", "name": name, "taxonomy": taxonomy},
    }


@pytest.mark.usefixtures("registered")
async def test_a_decimal_discount_is_stored_and_answered_by_both_executors(
    engine: AsyncEngine, feed_server: FeedServer, client: httpx.AsyncClient, fetcher: Fetcher
) -> None:
    discounted = nested("svc-1", GYM, concilia={"beneficiary_discount_percent": 12.5})
    whole = nested("svc-2", GYM, concilia={"beneficiary_discount_percent": "15"})
    serve_pages(feed_server, page(1, 1, discounted, whole))
    run = await sync(engine, api(feed_server), client, fetcher)
    query = {"query": "{ offerings { nodes { beneficiaryDiscountPercent } } }"}

    # The suite verifies every compiled answer against the general executor's
    # (CONCILIA_VERIFY_COMPILED); the second request of a document runs compiled.
    async with hub_client(create_app(Settings(), engine=engine)) as http:
        first = (await http.post("/graphql", json=query)).json()
        second = (await http.post("/graphql", json=query)).json()

    assert run.quarantined == 0
    assert first == second
    discounts = sorted(n["beneficiaryDiscountPercent"] for n in first["data"]["offerings"]["nodes"])
    assert discounts == [12.5, 15]
