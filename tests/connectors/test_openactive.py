"""The OpenActive RPDE connector against real HTTP (a uvicorn server on 127.0.0.1) and
local files: paging, checkpoints, the Modelling Opportunity Data mapping, faults, and
syncs through the engine."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Fetcher, FetchError
from connectors.openactive import ROME, OpenActiveFeed, schedule_records
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Deletion,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    SlotRecord,
)
from connectors.registry import CONNECTORS
from connectors.sync import sync_source
from models import Offering, OfferingStatus, Provider, Slot, SlotStatus, Source, SyncStatus
from models.db import session_factory
from models.district import in_district
from models.enums import DeliveryMode
from models.validation import check
from tests.utils.fetching import Sleeps
from tests.utils.server import FeedServer, Hang, Reply, Truncated

Json = dict[str, Any]

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "openactive"
# The options of the demo source, as its [[source]] table in data/demo/sources.toml has them.
DEMO_OPTIONS = """
feeds = ["scheduled-sessions-1.json"]

[categories]
"Yoga" = "mind-body"
"Pilates" = "mind-body"
"Meditation" = "mind-body"
"Functional Training" = "fitness-sport"
"Gentle Exercise" = "fitness-sport"
"Nordic Walking" = "fitness-sport"
"Ballet" = "courses"
"Contemporary Dance" = "courses"
"Hip Hop Dance" = "courses"
"Attività per bambini" = "after-school"
"""

BASE = "https://prenota.example/api"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
CET = timezone(timedelta(hours=1))
SERIES_1 = f"{BASE}/series/1"
CATEGORIES: dict[str, object] = {
    "Yoga": "mind-body",
    "pilates": ["mind-body"],
    "Ballet": "courses",
    "Attività per bambini": "after-school",
    "https://openactive.io/activity-list#gentle": "fitness-sport",
}
COOP = ProviderRecord(
    external_id=f"{BASE}/organizers/pastrengo",
    name="Centro Sportivo Pastrengo",
    vat_number="IT07183420152",
    email="info@pastrengo.example",
)
GYM = LocationRecord(
    external_id=f"{BASE}/places/pastrengo",
    provider_external_id=f"{BASE}/organizers/pastrengo",
    name="Palestra Pastrengo",
    address="Via Pastrengo 14",
    cap="20159",
    city="Milano",
    province="MI",
    latitude=45.4876,
    longitude=9.1898,
)


# --- feed builders ---------------------------------------------------------------------


def organizer(**fields: Any) -> Json:
    """The OpenActive Organization of COOP."""
    return {
        "@type": "Organization",
        "@id": f"{BASE}/organizers/pastrengo",
        "name": "Centro Sportivo Pastrengo",
        "vatID": "IT07183420152",
        "email": "info@pastrengo.example",
        **fields,
    }


def place(**fields: Any) -> Json:
    """The OpenActive Place of GYM."""
    return {
        "@type": "Place",
        "@id": f"{BASE}/places/pastrengo",
        "name": "Palestra Pastrengo",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Via Pastrengo 14",
            "addressLocality": "Milano",
            "addressRegion": "MI",
            "postalCode": "20159",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": 45.4876, "longitude": 9.1898},
        **fields,
    }


def series_data(n: int, name: object = "Hatha yoga", **fields: Any) -> Json:
    data: Json = {
        "@context": "https://openactive.io/",
        "@type": "SessionSeries",
        "@id": f"{BASE}/series/{n}",
        "name": name,
        "activity": [{"@type": "Concept", "prefLabel": "Yoga"}],
        "organizer": organizer(),
        "location": place(),
        **fields,
    }
    return {key: value for key, value in data.items() if value is not None}


def updated(kind: str, rpde_id: object, data: Json, modified: int = 1) -> Json:
    return {"state": "updated", "kind": kind, "id": rpde_id, "modified": modified, "data": data}


def deleted(kind: str, rpde_id: object, modified: int = 1) -> Json:
    return {"state": "deleted", "kind": kind, "id": rpde_id, "modified": modified}


def series(n: int, name: object = "Hatha yoga", **fields: Any) -> Json:
    """An updated SessionSeries item whose RPDE id is `n` and @id BASE/series/n."""
    return updated("SessionSeries", n, series_data(n, name, **fields), modified=n)


def session(n: int, series_n: int, **fields: Any) -> Json:
    """An updated ScheduledSession item of the series `series_n`."""
    data: Json = {
        "@type": "ScheduledSession",
        "@id": f"{BASE}/sessions/{n}",
        "superEvent": f"{BASE}/series/{series_n}",
        "startDate": "2026-11-30T07:30:00+01:00",
        "endDate": "2026-11-30T08:30:00+01:00",
        "maximumAttendeeCapacity": 16,
        "remainingAttendeeCapacity": 4,
        **fields,
    }
    return updated("ScheduledSession", n, {k: v for k, v in data.items() if v is not None}, n)


def page(next_url: str, *items: object) -> Json:
    return {"next": next_url, "items": list(items), "license": LICENSE}


def serve_feed(server: FeedServer, path: str, *pages: list[Any]) -> str:
    """Serve `pages` of items at path, path/2, ... and an empty last page after them;
    return the first page's URL."""
    paths = [path, *(f"{path}/{n}" for n in range(2, len(pages) + 2))]
    for here, following, items in zip(paths, paths[1:], pages, strict=False):
        server.serve(here, page(server.url(following), *items))
    server.serve(paths[-1], page(server.url(paths[-1])))
    return server.url(path)


def config(url: str, **options: Any) -> SourceConfig:
    return SourceConfig(
        name="prenota", kind="openactive", url=url, options={"categories": CATEGORIES, **options}
    )


def demo_source() -> SourceConfig:
    return SourceConfig(
        name="prenota-isola",
        kind="openactive",
        url=str(DEMO / "session-series-1.json"),
        options=tomllib.loads(DEMO_OPTIONS),
    )


async def read(
    fetcher: Fetcher, source: SourceConfig, state: dict[str, object] | None = None
) -> list[Item]:
    return [item async for item in OpenActiveFeed(source, fetcher, state or {}).records()]


async def drain(stream: AsyncIterator[Item], into: list[Item]) -> None:
    """Append what `stream` yields to `into` until it ends or raises."""
    async for item in stream:
        into.append(item)  # noqa: PERF401 - what came before a failure is kept


async def read_until_failure(
    fetcher: Fetcher, source: SourceConfig, state: dict[str, object] | None = None
) -> tuple[list[Item], FetchError]:
    """What the connector yielded before it raised FetchError, and the error."""
    items: list[Item] = []
    with pytest.raises(FetchError) as raised:
        await drain(OpenActiveFeed(source, fetcher, state or {}).records(), items)
    return items, raised.value


async def records(
    where: FeedServer | Path, fetcher: Fetcher, *items: object, **options: Any
) -> list[Item]:
    """The records and problems read from a one-page feed of `items`, served over HTTP or
    written to a directory (checkpoints left out)."""
    if isinstance(where, FeedServer):
        url = serve_feed(where, "/feed", list(items))
    else:
        url = str(where / "page-1.json")
        (where / "page-1.json").write_bytes(orjson.dumps(page("page-2.json", *items)))
        (where / "page-2.json").write_bytes(orjson.dumps(page("page-2.json")))
    read_items = await read(fetcher, config(url, **options))
    return [item for item in read_items if not isinstance(item, Checkpoint)]


def offerings_of(items: list[Item]) -> list[OfferingRecord]:
    return [item for item in items if isinstance(item, OfferingRecord)]


def slots_of(items: list[Item]) -> list[SlotRecord]:
    return [item for item in items if isinstance(item, SlotRecord)]


# --- mapping -----------------------------------------------------------------------------


async def test_session_series_becomes_provider_location_and_offering(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    item = series(
        101,
        [
            {"@language": "it", "@value": " Hatha yoga del mattino "},
            {"@language": "en-GB", "@value": "Morning hatha yoga"},
        ],
        description="Un'ora di yoga prima del lavoro.",
        inLanguage=["it", "en-GB", "IT"],
        ageRange={"@type": "QuantitativeValue", "minValue": 16, "maxValue": 99},
        offers=[
            {"@type": "Offer", "name": "Lezione singola", "price": 12.5, "priceCurrency": "eur"},
            {"@type": "Offer", "name": "Prova", "price": 0, "description": "Prima lezione"},
            {"@type": "Offer", "name": "Su richiesta"},
        ],
        url="https://prenota.example/yoga",
        dateModified="2026-11-20T10:00:00Z",
    )

    items = await records(feed_server, fetcher, item)

    assert items == [
        COOP,
        GYM,
        OfferingRecord(
            external_id=f"{BASE}/series/101",
            provider_external_id=COOP.external_id,
            title_it="Hatha yoga del mattino",
            title_en="Morning hatha yoga",
            description_it="Un'ora di yoga prima del lavoro.",
            categories=("mind-body",),
            delivery_mode=DeliveryMode.IN_PERSON,
            status=OfferingStatus.ACTIVE,
            languages=("it", "en"),
            cost_options=(
                CostOptionRecord(label="Lezione singola", amount_cents=1250, currency="EUR"),
                CostOptionRecord(label="Prova", amount_cents=0, description="Prima lezione"),
                CostOptionRecord(label="Su richiesta", amount_cents=None),
            ),
            booking_url="https://prenota.example/yoga",
            location_external_ids=(GYM.external_id,),
            min_age=16,
            max_age=99,
        ),
    ]
    assert offerings_of(items)[0].last_modified == datetime(2026, 11, 20, 10, tzinfo=UTC)


async def test_organizer_contacts_and_concilia_extensions_make_the_provider(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    org = {
        "@type": "Organization",
        "identifier": 4711,
        "legalName": "Corpo Libero APS",
        "description": "Movimento per la terza età",
        "url": "https://corpolibero.example",
        "email": "ciao@corpolibero.example",
        "telephone": "+39 02 6434 7710",
        "concilia:vatNumber": "08652190151",
        "concilia:allianceMember": True,
        "concilia:atecoCode": "93.19",
    }

    items = await records(tmp_path, fetcher, series(1, organizer=org, location=None))

    assert items[0] == ProviderRecord(
        external_id="4711",
        name="Corpo Libero APS",
        vat_number="08652190151",
        alliance_member=True,
        ateco_code="93.19",
        description="Movimento per la terza età",
        website="https://corpolibero.example",
        email="ciao@corpolibero.example",
        phone="+39 02 6434 7710",
    )


async def test_facility_use_takes_its_provider_and_an_address_given_as_text(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    data = series_data(
        7,
        "Sala pesi",
        organizer=None,
        provider=organizer(),
        location={"@type": "Place", "name": "Sala pesi", "address": "Via Borsieri 3, Milano"},
    )

    items = await records(tmp_path, fetcher, updated("FacilityUse", 7, data))

    assert items[:2] == [
        COOP,
        LocationRecord(
            external_id=f"{BASE}/series/7#location",
            provider_external_id=COOP.external_id,
            name="Sala pesi",
            address="Via Borsieri 3, Milano",
        ),
    ]
    assert offerings_of(items)[0].location_external_ids == (f"{BASE}/series/7#location",)


async def test_region_names_are_not_provinces_and_coordinates_may_be_on_the_place(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    venue = place(geo=None, latitude="45.49", longitude=9.19)
    venue["address"]["addressRegion"] = "Lombardia"
    del venue["geo"]

    items = await records(tmp_path, fetcher, series(1, location=venue))

    location = items[1]
    assert isinstance(location, LocationRecord)
    assert (location.province, location.latitude, location.longitude) == (None, 45.49, 9.19)


async def test_virtual_location_makes_an_online_offering_without_location(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    online = {"@type": "VirtualLocation", "url": "https://meet.example/yoga"}

    items = await records(tmp_path, fetcher, series(1, location=online))

    assert [type(item) for item in items] == [ProviderRecord, OfferingRecord]
    offering = offerings_of(items)[0]
    assert (offering.delivery_mode, offering.location_external_ids) == (DeliveryMode.ONLINE, ())


@pytest.mark.parametrize(
    ("fields", "options", "expected"),
    [
        ({"activity": [{"prefLabel": "YOGA "}]}, {}, ("mind-body",)),
        ({"activity": ["Pilates"]}, {}, ("mind-body",)),
        (
            {"activity": [{"@id": "https://openactive.io/activity-list#gentle", "prefLabel": "?"}]},
            {},
            ("fitness-sport",),
        ),
        (
            {"activity": [{"prefLabel": "Ballet"}], "category": ["Attività per bambini", "x"]},
            {},
            ("courses", "after-school"),
        ),
        ({"activity": [{"prefLabel": "Yoga"}, "Pilates"]}, {}, ("mind-body",)),
        ({"activity": {"prefLabel": "Zumba"}}, {"category": "fitness-sport"}, ("fitness-sport",)),
        ({"activity": "Yoga"}, {"category": "fitness-sport"}, ("mind-body",)),
        ({"activity": [{"prefLabel": "Zumba"}]}, {}, ()),
        ({"activity": None}, {}, ()),
    ],
)
async def test_activity_and_category_terms_map_through_the_value_map_or_the_default(
    tmp_path: Path,
    fetcher: Fetcher,
    fields: Json,
    options: Json,
    expected: tuple[str, ...],
) -> None:
    items = await records(tmp_path, fetcher, series(1, **fields), **options)

    assert offerings_of(items)[0].categories == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, OfferingStatus.ACTIVE),
        ("https://schema.org/EventScheduled", OfferingStatus.ACTIVE),
        ("https://schema.org/EventPostponed", OfferingStatus.SUSPENDED),
        ("http://schema.org/EventCancelled", OfferingStatus.WITHDRAWN),
        ("schema:EventCancelled", OfferingStatus.WITHDRAWN),
    ],
)
async def test_event_status_of_a_series_is_its_offering_status(
    tmp_path: Path, fetcher: Fetcher, status: str | None, expected: OfferingStatus
) -> None:
    items = await records(tmp_path, fetcher, series(1, eventStatus=status))

    assert offerings_of(items)[0].status is expected


async def test_text_without_a_language_tag_is_italian_and_discounts_are_read(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    item = series(
        1,
        ["Yoga per tutti", {"@language": "en", "@value": "Yoga for all"}],
        description={"@language": "en", "@value": "Only in English"},
        **{"concilia:beneficiaryDiscountPercent": 15},
    )

    offering = offerings_of(await records(tmp_path, fetcher, item))[0]

    assert (offering.title_it, offering.title_en) == ("Yoga per tutti", "Yoga for all")
    assert (offering.description_it, offering.description_en) == (
        "Only in English",
        "Only in English",
    )
    assert offering.beneficiary_discount_percent == 15


async def test_scheduled_session_becomes_a_slot_of_its_series(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    item = session(5001, 101, dateModified="2026-11-25T09:00:00+01:00")

    items = await records(feed_server, fetcher, item)

    assert items == [
        SlotRecord(
            external_id="ScheduledSession:5001",
            offering_external_id=f"{BASE}/series/101",
            start=datetime(2026, 11, 30, 7, 30, tzinfo=CET),
            end=datetime(2026, 11, 30, 8, 30, tzinfo=CET),
            capacity=16,
            remaining=4,
        )
    ]
    assert slots_of(items)[0].last_modified == datetime(2026, 11, 25, 8, tzinfo=UTC)


async def test_slot_end_comes_from_duration_and_its_series_may_be_embedded(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    item = session(
        5002,
        0,
        superEvent={"@type": "SessionSeries", "@id": f"{BASE}/series/111", "name": "Nordic"},
        endDate=None,
        duration="PT1H45M",
        eventStatus="https://schema.org/EventCancelled",
    )

    [slot] = slots_of(await records(tmp_path, fetcher, item))

    assert slot.offering_external_id == f"{BASE}/series/111"
    assert slot.end == datetime(2026, 11, 30, 9, 15, tzinfo=CET)
    assert slot.cancelled is True


async def test_facility_slot_uses_facility_use_and_uses(tmp_path: Path, fetcher: Fetcher) -> None:
    data = {
        "@type": "Slot",
        "facilityUse": f"{BASE}/facility-uses/7",
        "startDate": "2026-12-01T18:00:00Z",
        "duration": "PT1H",
        "maximumUses": 4,
        "remainingUses": 0,
    }

    items = await records(tmp_path, fetcher, updated("Slot", "slot-33", data))

    assert items == [
        SlotRecord(
            external_id="Slot:slot-33",
            offering_external_id=f"{BASE}/facility-uses/7",
            start=datetime(2026, 12, 1, 18, tzinfo=UTC),
            end=datetime(2026, 12, 1, 19, tzinfo=UTC),
            capacity=4,
            remaining=0,
        )
    ]


@pytest.mark.parametrize(
    ("local", "offset"),
    [
        ("2026-11-30T18:00:00", timedelta(hours=1)),  # CET
        ("2026-07-01T18:00:00", timedelta(hours=2)),  # CEST
        ("2026-03-29T03:30:00", timedelta(hours=2)),  # just after the switch to summer time
        ("2026-12-05", timedelta(hours=1)),  # a date alone starts at midnight
    ],
)
async def test_times_without_offset_are_local_times_of_rome(
    tmp_path: Path, fetcher: Fetcher, local: str, offset: timedelta
) -> None:
    [slot] = slots_of(
        await records(tmp_path, fetcher, session(1, 1, startDate=local, endDate=None))
    )

    assert slot.start.tzinfo is ROME
    assert slot.start.utcoffset() == offset
    assert slot.start.isoformat().startswith(local)


async def test_timezone_option_reads_local_times_elsewhere(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    item = session(1, 1, startDate="2026-11-30T18:00:00", endDate=None)

    [slot] = slots_of(await records(tmp_path, fetcher, item, timezone="Europe/London"))

    assert slot.start == datetime(2026, 11, 30, 18, tzinfo=UTC)


async def test_deleted_items_become_deletions_of_offerings_and_slots(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    items = await records(
        feed_server,
        fetcher,
        series(7),
        deleted("SessionSeries", 7),
        deleted("FacilityUse", 9),
        deleted("ScheduledSession", 5001),
        deleted("Slot", "slot-33"),
    )

    assert items[3:] == [
        Deletion("offering", f"{BASE}/series/7"),  # its RPDE id is 7: the state maps it
        Deletion("offering", "9"),  # never seen: its RPDE id is all there is
        Deletion("slot", "ScheduledSession:5001"),
        Deletion("slot", "Slot:slot-33"),
    ]


async def test_deletion_of_a_series_read_in_an_earlier_sync_finds_its_id_in_the_state(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = serve_feed(feed_server, "/feed", [series(7), series(8)])
    ids = {"SessionSeries": {"7": f"{BASE}/series/7", "8": f"{BASE}/series/8"}}
    *_, checkpoint = await read(fetcher, config(url))
    assert checkpoint == Checkpoint({"feeds": {url: feed_server.url("/feed/2")}, "offerings": ids})
    assert isinstance(checkpoint, Checkpoint)
    feed_server.serve("/feed/2", page(feed_server.url("/feed/3"), deleted("SessionSeries", 7)))
    feed_server.serve("/feed/3", page(feed_server.url("/feed/3")))

    second = await read(fetcher, config(url), checkpoint.state)

    after = Checkpoint(
        {
            "feeds": {url: feed_server.url("/feed/3")},
            "offerings": {"SessionSeries": {"8": f"{BASE}/series/8"}},
        }
    )
    assert second == [Deletion("offering", f"{BASE}/series/7"), after, after]
    assert [r.path for r in feed_server.seen][-2:] == ["/feed/2", "/feed/3"]


async def test_an_item_without_data_is_a_problem_of_the_record_it_names(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    state: dict[str, object] = {"offerings": {"SessionSeries": {"7": f"{BASE}/series/7"}}}
    (tmp_path / "feed.json").write_bytes(
        orjson.dumps(
            page(
                "feed.json",
                {"state": "updated", "kind": "SessionSeries", "id": 7, "modified": 1},
                {**session(5001, 7), "state": "gone"},
            )
        )
    )

    items = await read(fetcher, config(str(tmp_path / "feed.json")), state)

    assert items[:2] == [
        Problem(
            "offering",
            f"{BASE}/series/7",
            "unreadable OpenActive SessionSeries: an updated item without a 'data' object",
        ),
        Problem(
            "slot",
            "ScheduledSession:5001",
            "unreadable OpenActive ScheduledSession: unknown RPDE state 'gone'",
        ),
    ]


async def test_offering_whose_rpde_id_is_its_id_needs_no_state(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    item = updated("SessionSeries", f"{BASE}/series/1", series_data(1))

    url = serve_feed(feed_server, "/feed", [item])
    items = await read(fetcher, config(url))

    assert items[-1] == Checkpoint({"feeds": {url: feed_server.url("/feed/2")}})


async def test_items_of_other_kinds_are_skipped(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await records(
        tmp_path,
        fetcher,
        updated("CourseInstance", 1, {"name": "Corso"}),
        deleted("IndividualFacilityUse", 2),
        series(3),
    )

    assert [type(item) for item in items] == [ProviderRecord, LocationRecord, OfferingRecord]


async def test_a_provider_and_a_location_shared_by_offerings_are_yielded_once_unless_changed(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    renamed = organizer(name="Centro Sportivo Pastrengo SSD")

    items = await records(tmp_path, fetcher, series(1), series(2), series(3, organizer=renamed))

    assert [
        (type(i).__name__, i.external_id)
        for i in items
        if not isinstance(i, Checkpoint | Problem | Deletion)
    ] == [
        ("ProviderRecord", COOP.external_id),
        ("LocationRecord", GYM.external_id),
        ("OfferingRecord", f"{BASE}/series/1"),
        ("OfferingRecord", f"{BASE}/series/2"),
        ("ProviderRecord", COOP.external_id),
        ("OfferingRecord", f"{BASE}/series/3"),
    ]


async def test_an_item_repeated_later_in_the_feed_is_yielded_again_with_its_new_data(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = serve_feed(
        feed_server, "/feed", [series(1, "Yoga")], [series(2), series(1, "Yoga serale")]
    )

    offerings = offerings_of(await read(fetcher, config(url)))

    assert [(o.external_id, o.title_it) for o in offerings] == [
        (f"{BASE}/series/1", "Yoga"),
        (f"{BASE}/series/2", "Hatha yoga"),
        (f"{BASE}/series/1", "Yoga serale"),
    ]


# --- unreadable items --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (
            series(1, None),
            Problem("offering", SERIES_1, "unreadable OpenActive SessionSeries: no 'name'"),
        ),
        (  # schema drift: `name` renamed
            series(1, None, title="Yoga"),
            Problem("offering", SERIES_1, "unreadable OpenActive SessionSeries: no 'name'"),
        ),
        (
            series(1, {"it": "Yoga"}),
            Problem(
                "offering", SERIES_1, "unreadable OpenActive SessionSeries: 'name' is not text"
            ),
        ),
        (
            series(1, organizer=None),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: no 'organizer' (or 'provider') Organization",
            ),
        ),
        (
            series(1, organizer={"name": "Senza id"}),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: the organizer has no '@id' or"
                " 'identifier' (see the option 'provider_identity')",
            ),
        ),
        (
            series(1, organizer=organizer(name=None, legalName=None)),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: the organizer has no 'name'",
            ),
        ),
        (
            series(1, organizer=organizer(**{"concilia:allianceMember": "sì"})),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: 'concilia:allianceMember' is not true or "
                "false",
            ),
        ),
        (
            series(1, location="Via Pastrengo 14"),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: 'location' is not a Place",
            ),
        ),
        (
            series(1, location=place(address=["Via Pastrengo 14"])),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: the location's 'address' is not a "
                "PostalAddress",
            ),
        ),
        (
            series(1, ageRange=16),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: 'ageRange' is not a QuantitativeValue",
            ),
        ),
        (
            series(1, offers=[{"price": "dodici"}]),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: offer price 'dodici' is not a number",
            ),
        ),
        (
            series(1, offers=["gratis"]),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: an entry of 'offers' is not an Offer",
            ),
        ),
        (
            series(1, ageRange={"minValue": "sei"}),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: 'ageRange.minValue' 'sei' is not a whole "
                "number",
            ),
        ),
        (
            series(1, eventStatus="https://schema.org/EventMaybe"),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: unknown 'eventStatus' "
                "'https://schema.org/EventMaybe'",
            ),
        ),
        (
            series(1, location=place(geo={"latitude": "nord", "longitude": 9.19})),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: 'latitude' 'nord' is not a number",
            ),
        ),
        (
            series(1, inLanguage=[{"name": "Italiano"}]),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: 'inLanguage' is not a list of language tags",
            ),
        ),
        (
            series(1, dateModified="ieri"),
            Problem(
                "offering",
                SERIES_1,
                "unreadable OpenActive SessionSeries: 'dateModified' 'ieri' is not an ISO 8601 "
                "date-time",
            ),
        ),
        (
            {"state": "updated", "kind": "SessionSeries", "id": 1, "modified": 1},
            Problem(
                "offering",
                "1",
                "unreadable OpenActive SessionSeries: an updated item without a 'data' object",
            ),
        ),
        (
            {**series(1), "state": "changed"},
            Problem(
                "offering", "1", "unreadable OpenActive SessionSeries: unknown RPDE state 'changed'"
            ),
        ),
        (
            {**series(1), "id": None},
            Problem("offering", None, "unreadable OpenActive SessionSeries: no RPDE 'id'"),
        ),
        (
            {**series(1), "id": True},
            Problem("offering", None, "unreadable OpenActive SessionSeries: no RPDE 'id'"),
        ),
        (
            {key: value for key, value in series(1).items() if key != "kind"},
            Problem("item", "1", "unreadable RPDE item: no 'kind'"),
        ),
        ("an item", Problem("item", None, "unreadable RPDE item: not a JSON object")),
    ],
)
async def test_unreadable_series_item_becomes_a_problem_and_the_others_are_read(
    tmp_path: Path, fetcher: Fetcher, item: object, problem: Problem
) -> None:
    items = await records(tmp_path, fetcher, series(0), item, series(2))

    assert [o.external_id for o in offerings_of(items)] == [f"{BASE}/series/0", f"{BASE}/series/2"]
    assert [i for i in items if isinstance(i, Problem)] == [problem]


SLOT_1 = "ScheduledSession:1"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"startDate": None}, "no 'startDate'"),
        ({"startDate": None, "start": "2026-11-30T07:30:00Z"}, "no 'startDate'"),  # drift
        (
            {"startDate": "30/11/2026 07:30"},
            "'startDate' '30/11/2026 07:30' is not an ISO 8601 date-time",
        ),
        ({"startDate": 1796000000}, "'startDate' is not a date-time"),
        ({"superEvent": None}, "no 'superEvent' naming its offering"),
        ({"superEvent": {"name": "Yoga"}}, "no 'superEvent' naming its offering"),
        (
            {"endDate": None, "duration": "un'ora"},
            "'duration' \"un'ora\" is not an ISO 8601 duration",
        ),
        ({"maximumAttendeeCapacity": "16"}, "'maximumAttendeeCapacity' '16' is not a whole number"),
        ({"remainingAttendeeCapacity": -1}, "'remainingAttendeeCapacity' -1 is not a whole number"),
    ],
)
async def test_unreadable_session_becomes_a_problem_and_the_others_are_read(
    tmp_path: Path, fetcher: Fetcher, fields: Json, reason: str
) -> None:
    items = await records(tmp_path, fetcher, session(0, 9), session(1, 9, **fields), session(2, 9))

    assert [slot.external_id for slot in slots_of(items)] == [
        "ScheduledSession:0",
        "ScheduledSession:2",
    ]
    assert [i for i in items if isinstance(i, Problem)] == [
        Problem("slot", SLOT_1, f"unreadable OpenActive ScheduledSession: {reason}")
    ]


# --- paging and checkpoints --------------------------------------------------------------


async def test_pages_are_followed_to_the_last_with_a_checkpoint_after_each(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = serve_feed(feed_server, "/feed", [series(1)], [series(2, offers=[{"price": 5}])])
    page_2, page_3 = feed_server.url("/feed/2"), feed_server.url("/feed/3")
    ids = {"SessionSeries": {"1": f"{BASE}/series/1"}}

    items = await read(fetcher, config(url))

    assert [type(i).__name__ for i in items] == [
        "ProviderRecord",
        "LocationRecord",
        "OfferingRecord",
        "Checkpoint",
        "OfferingRecord",
        "Checkpoint",
        "Checkpoint",
    ]
    assert [i.state for i in items if isinstance(i, Checkpoint)] == [
        {"feeds": {url: page_2}, "offerings": ids},
        {
            "feeds": {url: page_3},
            "offerings": {"SessionSeries": {**ids["SessionSeries"], "2": f"{BASE}/series/2"}},
        },
        {
            "feeds": {url: page_3},
            "offerings": {"SessionSeries": {**ids["SessionSeries"], "2": f"{BASE}/series/2"}},
        },
    ]
    assert [(r.path, feed_server.hits(r.path)) for r in feed_server.seen] == [
        ("/feed", 1),
        ("/feed/2", 1),
        ("/feed/3", 1),
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Modified timestamp and id (RPDE "Ordering strategies"), as absolute URLs.
        (
            "{base}/rpde?afterTimestamp=1795680060&afterId=101",
            "{base}/rpde?afterTimestamp=1795680120&afterId=102",
        ),
        # Incrementing change number, as links relative to the page.
        ("rpde?afterChangeNumber=20001", "?afterChangeNumber=20002"),
    ],
)
async def test_next_urls_of_either_ordering_strategy_are_followed_as_given(
    feed_server: FeedServer, fetcher: Fetcher, first: str, second: str
) -> None:
    base = feed_server.url("")
    first, second = first.format(base=base), second.format(base=base)
    feed_server.then(
        "/rpde", Reply(body=page(first, series(101))), Reply(body=page(second, series(102)))
    )
    feed_server.serve("/rpde", page(second))

    items = await read(fetcher, config(feed_server.url("/rpde")))

    assert [o.external_id for o in offerings_of(items)] == [
        f"{BASE}/series/101",
        f"{BASE}/series/102",
    ]
    assert [r.query for r in feed_server.seen] == [
        "",
        first.rsplit("?", 1)[1],
        second.rsplit("?", 1)[1],
    ]
    final = feed_server.url("/rpde?" + second.rsplit("?", 1)[1])
    assert items[-1] == Checkpoint(
        {
            "feeds": {feed_server.url("/rpde"): final},
            "offerings": {
                "SessionSeries": {"101": f"{BASE}/series/101", "102": f"{BASE}/series/102"}
            },
        }
    )


async def test_a_page_whose_next_is_itself_but_with_items_is_read_once(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.url("/feed")
    feed_server.serve("/feed", page(url, series(1)))

    items = await read(fetcher, config(url))

    assert [type(i).__name__ for i in items] == [
        "ProviderRecord",
        "LocationRecord",
        "OfferingRecord",
        "Checkpoint",
    ]
    assert feed_server.hits("/feed") == 1


async def test_a_page_repeating_the_previous_page_stops_the_read(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    # A server that ignores the query answers page 2 with page 1 again: same items, same next.
    again = feed_server.url("/feed?afterTimestamp=1&afterId=1")
    feed_server.serve("/feed", page(again, series(1)))

    items = await read(fetcher, config(feed_server.url("/feed")))

    assert [o.external_id for o in offerings_of(items)] == [SERIES_1, SERIES_1]
    assert feed_server.hits("/feed") == 2
    assert items[-1] == Checkpoint(
        {
            "feeds": {feed_server.url("/feed"): again},
            "offerings": {"SessionSeries": {"1": SERIES_1}},
        }
    )


async def test_a_feed_that_links_back_to_an_earlier_page_stops_there(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/a", page(feed_server.url("/b"), series(1)))
    feed_server.serve("/b", page(feed_server.url("/a"), series(2)))

    items = await read(fetcher, config(feed_server.url("/a")))

    assert len(offerings_of(items)) == 2
    assert (feed_server.hits("/a"), feed_server.hits("/b")) == (1, 1)


async def test_an_empty_page_with_another_next_is_followed(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    # RPDE "In-stream filtering": no items is not the last page unless next is itself.
    url = serve_feed(feed_server, "/feed", [], [series(1)])

    items = await read(fetcher, config(url))

    assert [o.external_id for o in offerings_of(items)] == [SERIES_1]
    assert feed_server.hits("/feed/3") == 1


async def test_max_pages_bounds_one_read_and_the_checkpoint_goes_on_from_there(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = serve_feed(feed_server, "/feed", [series(1)], [series(2)], [series(3)])

    items = await read(fetcher, config(url, max_pages=2))

    assert len(offerings_of(items)) == 2
    assert items[-1] == Checkpoint(
        {
            "feeds": {url: feed_server.url("/feed/3")},
            "offerings": {"SessionSeries": {"1": SERIES_1, "2": f"{BASE}/series/2"}},
        }
    )
    assert feed_server.hits("/feed/3") == 0


@pytest.mark.parametrize("form", ["feeds", "next"])
async def test_a_read_resumes_where_the_state_says(
    feed_server: FeedServer, fetcher: Fetcher, form: str
) -> None:
    url = serve_feed(feed_server, "/feed", [series(1)], [series(2)])
    page_2 = feed_server.url("/feed/2")
    state: dict[str, object] = {"feeds": {url: page_2}} if form == "feeds" else {"next": page_2}

    items = await read(fetcher, config(url), state)

    assert [o.external_id for o in offerings_of(items)] == [f"{BASE}/series/2"]
    assert feed_server.hits("/feed") == 0


async def test_several_feeds_are_read_in_turn_with_one_position_each(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    sessions_url = serve_feed(feed_server, "/sessions", [session(5001, 1)])
    series_url = serve_feed(feed_server, "/series", [series(1)])
    source = config(series_url, feeds=["sessions"])  # relative to the first feed's URL

    items = await read(fetcher, source)

    assert [type(i).__name__ for i in items][2:] == [
        "OfferingRecord",
        "Checkpoint",
        "Checkpoint",
        "SlotRecord",
        "Checkpoint",
        "Checkpoint",
    ]
    assert items[-1] == Checkpoint(
        {
            "feeds": {
                series_url: feed_server.url("/series/2"),
                sessions_url: feed_server.url("/sessions/2"),
            },
            "offerings": {"SessionSeries": {"1": SERIES_1}},
        }
    )


async def test_local_feed_files_link_pages_and_feeds_by_relative_paths(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    (tmp_path / "sessions").mkdir()
    files = {
        "series-1.json": page("series-2.json", series(1)),
        "series-2.json": page("series-2.json"),
        "sessions/page-1.json": page("./page-2.json", session(5001, 1)),
        "sessions/page-2.json": page(f"file://{tmp_path}/sessions/page-2.json"),
    }
    for name, document in files.items():
        (tmp_path / name).write_bytes(orjson.dumps(document))
    source = config(str(tmp_path / "series-1.json"), feeds=["sessions/page-1.json"])

    items = await read(fetcher, source)

    assert [type(i).__name__ for i in items if not isinstance(i, Checkpoint)] == [
        "ProviderRecord",
        "LocationRecord",
        "OfferingRecord",
        "SlotRecord",
    ]
    assert items[-1] == Checkpoint(
        {
            "feeds": {
                str(tmp_path / "series-1.json"): str(tmp_path / "series-2.json"),
                str(tmp_path / "sessions/page-1.json"): str(tmp_path / "sessions/page-2.json"),
            },
            "offerings": {"SessionSeries": {"1": SERIES_1}},
        }
    )


# --- faults ------------------------------------------------------------------------------


async def test_malformed_json_on_page_two_fails_after_page_one_and_its_checkpoint(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = serve_feed(feed_server, "/feed", [series(1)], [series(2)])
    feed_server.serve("/feed/2", b'{"next": "x", "items": [', content_type="application/json")

    items, error = await read_until_failure(fetcher, config(url))

    assert [type(i).__name__ for i in items] == [
        "ProviderRecord",
        "LocationRecord",
        "OfferingRecord",
        "Checkpoint",
    ]
    assert items[-1] == Checkpoint(
        {
            "feeds": {url: feed_server.url("/feed/2")},
            "offerings": {"SessionSeries": {"1": SERIES_1}},
        }
    )
    assert str(error).startswith(f"RPDE page {feed_server.url('/feed/2')} is not valid JSON: ")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "is not a JSON object"),
        (
            b'{"next": "/x", "data": [], "license": "cc"}',
            "has no 'items' array (its keys: data, license, next)",
        ),
        (b'{"next": "/x", "items": {}}', "has no 'items' array (its keys: items, next)"),
        (b'{"items": []}', "has no 'next' URL"),
        (b'{"next": " ", "items": []}', "has no 'next' URL"),
        (b"<html>Manutenzione</html>", "is not valid JSON"),
    ],
)
async def test_a_page_of_the_wrong_shape_fails_the_read(
    tmp_path: Path, fetcher: Fetcher, body: bytes, message: str
) -> None:
    url = str(tmp_path / "page.json")
    (tmp_path / "page.json").write_bytes(body)

    items, error = await read_until_failure(fetcher, config(url))

    assert items == []
    assert str(error).startswith(f"RPDE page {url} {message}")


async def test_503_with_retry_after_mid_feed_is_waited_out(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    url = serve_feed(feed_server, "/feed", [series(1)], [series(2)])
    feed_server.then("/feed/2", Reply(503, "busy", headers={"Retry-After": "7"}))

    items = await read(fetcher, config(url))

    assert len(offerings_of(items)) == 2
    assert sleeps.delays == [7.0]
    assert feed_server.hits("/feed/2") == 2


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Reply(500, "down"), r"/feed/2 answered HTTP 500: down \(after 4 attempts\)$"),
        (Reply(503, "busy", headers={"Retry-After": "3600"}), r"asked to retry after 3600 s"),
        (Reply(404, "gone"), r"/feed/2 answered HTTP 404: gone$"),
        (Truncated(orjson.dumps(page("/feed/3", series(2)))), r"^cannot fetch .*/feed/2"),
    ],
)
async def test_a_page_that_cannot_be_fetched_fails_after_the_pages_before_it(
    feed_server: FeedServer, fetcher: Fetcher, answer: Reply | Truncated, message: str
) -> None:
    url = serve_feed(feed_server, "/feed", [series(1)], [series(2)])
    feed_server.then("/feed/2", *[answer] * 4)

    items, error = await read_until_failure(fetcher, config(url))

    assert [type(i).__name__ for i in items][-2:] == ["OfferingRecord", "Checkpoint"]
    assert items[-1] == Checkpoint(
        {
            "feeds": {url: feed_server.url("/feed/2")},
            "offerings": {"SessionSeries": {"1": SERIES_1}},
        }
    )
    assert re.search(message, str(error))


async def test_a_truncated_page_or_a_timeout_is_retried(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = serve_feed(feed_server, "/feed", [series(1)], [series(2)])
    feed_server.then("/feed", Truncated(orjson.dumps(page(url, series(1)))))
    feed_server.then("/feed/2", Hang(0.6))

    items = await read(fetcher, config(url))

    assert len(offerings_of(items)) == 2
    assert (feed_server.hits("/feed"), feed_server.hits("/feed/2")) == (2, 2)


async def test_a_missing_local_page_fails_the_read(tmp_path: Path, fetcher: Fetcher) -> None:
    (tmp_path / "series-1.json").write_bytes(orjson.dumps(page("series-2.json", series(1))))

    items, error = await read_until_failure(fetcher, config(str(tmp_path / "series-1.json")))

    assert [type(i).__name__ for i in items][-1] == "Checkpoint"
    assert str(error).startswith(f"cannot read {tmp_path / 'series-2.json'}")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"feeds": "sessions.json"}, "option 'feeds' must be a list of URLs or paths"),
        ({"categories": ["Yoga"]}, "option 'categories' must be a table"),
        ({"categories": {"Yoga": "yoga"}}, "'categories.Yoga': 'yoga' is neither a category code"),
        ({"categories": {"Yoga": ["mind-body", 3]}}, "'categories.Yoga': 3 is neither"),
        ({"category": "sport"}, "option 'category': 'sport' is neither a category code"),
        ({"provider_identity": "vatID"}, "option 'provider_identity' must be a list"),
        ({"provider_identity": ["vatID", "fax"]}, "option 'provider_identity': unknown field"),
        ({"timezone": "Europe/Milano"}, "option 'timezone' must be an IANA time zone"),
        ({"timezone": "Europe"}, "option 'timezone' must be an IANA time zone"),
        ({"max_pages": 0}, "option 'max_pages' must be a positive integer"),
        ({"max_pages": True}, "option 'max_pages' must be a positive integer"),
    ],
)
def test_malformed_options_are_a_config_error(
    fetcher: Fetcher, options: Json, message: str
) -> None:
    with pytest.raises(ConfigError, match=f"^source 'prenota': {message}"):
        OpenActiveFeed(config("http://feeds.test/rpde", **options), fetcher, {})


# --- demo data ---------------------------------------------------------------------------


async def test_demo_feeds_read_without_problems_and_pass_validation(fetcher: Fetcher) -> None:
    items = await read(fetcher, demo_source())

    assert [i for i in items if isinstance(i, Problem)] == []
    kinds = [type(i).__name__ for i in items]
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {
        "ProviderRecord": 3,
        "LocationRecord": 4,
        "OfferingRecord": 11,
        "Deletion": 1,
        "SlotRecord": 20,
        "Checkpoint": 5,
    }
    for item in items:
        if isinstance(item, ProviderRecord | LocationRecord | OfferingRecord):
            check(item)
    places = [i for i in items if isinstance(i, LocationRecord)]
    assert [in_district(p.cap, p.latitude, p.longitude) for p in places] == [
        True,
        True,
        False,
        False,
    ]
    offerings = {o.external_id for o in offerings_of(items)}
    assert {slot.offering_external_id for slot in slots_of(items)} <= offerings
    assert [s.external_id for s in slots_of(items) if s.cancelled] == ["ScheduledSession:5014"]
    week = (datetime(2026, 11, 30, tzinfo=ROME), datetime(2026, 12, 7, tzinfo=ROME))
    assert all(week[0] <= s.start < week[1] for s in slots_of(items))


# --- syncs through the engine --------------------------------------------------------------


async def slots(engine: AsyncEngine) -> dict[str, tuple[str, int | None, SlotStatus]]:
    """Slot external id -> (its offering's external id, remaining places, status)."""
    async with session_factory(engine)() as session:
        rows = await session.execute(
            sa.select(
                col(Slot.external_id),
                col(Offering.external_id),
                col(Slot.remaining),
                col(Slot.status),
            ).join(Offering, col(Offering.id) == col(Slot.offering_id))
        )
        return {str(slot): (str(offering), left, status) for slot, offering, left, status in rows}


async def offering_statuses(engine: AsyncEngine) -> dict[str, OfferingStatus]:
    async with session_factory(engine)() as session:
        rows = await session.execute(sa.select(col(Offering.external_id), col(Offering.status)))
        return {str(external): status for external, status in rows}


async def source_state(engine: AsyncEngine) -> dict[str, object]:
    async with session_factory(engine)() as session:
        return dict((await session.execute(sa.select(col(Source.state)))).scalar_one())


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CONNECTORS, OpenActiveFeed.kind, OpenActiveFeed)


async def test_sync_stores_series_and_sessions_then_applies_the_next_changes(
    engine: AsyncEngine,
    feed_server: FeedServer,
    client: httpx.AsyncClient,
    fetcher: Fetcher,
    registered: None,
) -> None:
    series_url = serve_feed(feed_server, "/series", [series(1), series(2, "Pilates")])
    sessions_url = serve_feed(feed_server, "/sessions", [session(11, 1), session(12, 2)])
    source = config(series_url, feeds=[sessions_url])

    first = await sync_source(session_factory(engine), source, client, fetcher=fetcher)

    assert (first.status, first.error, first.quarantined) == (SyncStatus.SUCCEEDED, None, 0)
    assert await offering_statuses(engine) == {
        SERIES_1: OfferingStatus.ACTIVE,
        f"{BASE}/series/2": OfferingStatus.ACTIVE,
    }
    assert await slots(engine) == {
        "ScheduledSession:11": (SERIES_1, 4, SlotStatus.SCHEDULED),
        "ScheduledSession:12": (f"{BASE}/series/2", 4, SlotStatus.SCHEDULED),
    }
    assert (await source_state(engine))["feeds"] == {
        series_url: feed_server.url("/series/2"),
        sessions_url: feed_server.url("/sessions/2"),
    }
    # The feeds move on past their last pages: a series is deleted, places are booked.
    feed_server.serve(
        "/series/2", page(feed_server.url("/series/3"), deleted("SessionSeries", 2, 9))
    )
    feed_server.serve("/series/3", page(feed_server.url("/series/3")))
    feed_server.serve(
        "/sessions/2",
        page(
            feed_server.url("/sessions/3"),
            session(11, 1, remainingAttendeeCapacity=0),
            deleted("ScheduledSession", 12, 13),
        ),
    )
    feed_server.serve("/sessions/3", page(feed_server.url("/sessions/3")))

    second = await sync_source(session_factory(engine), source, client, fetcher=fetcher)

    assert (second.status, second.error, second.quarantined) == (SyncStatus.SUCCEEDED, None, 0)
    assert await offering_statuses(engine) == {
        SERIES_1: OfferingStatus.ACTIVE,
        f"{BASE}/series/2": OfferingStatus.WITHDRAWN,
    }
    assert await slots(engine) == {
        "ScheduledSession:11": (SERIES_1, 0, SlotStatus.SCHEDULED),
        "ScheduledSession:12": (f"{BASE}/series/2", 4, SlotStatus.CANCELLED),
    }
    assert (feed_server.hits("/series"), feed_server.hits("/sessions")) == (1, 1)  # resumed


async def test_failed_sync_keeps_what_it_committed_and_the_next_one_resumes_there(
    engine: AsyncEngine,
    feed_server: FeedServer,
    client: httpx.AsyncClient,
    fetcher: Fetcher,
    registered: None,
) -> None:
    url = serve_feed(feed_server, "/series", [series(1)], [series(2)])
    feed_server.serve("/series/2", "down", status=500)
    source = config(url)

    failed = await sync_source(session_factory(engine), source, client, fetcher=fetcher)

    assert failed.status is SyncStatus.FAILED
    assert failed.error == (
        f"{feed_server.url('/series/2')} answered HTTP 500: down (after 4 attempts)"
    )
    assert await offering_statuses(engine) == {SERIES_1: OfferingStatus.ACTIVE}
    assert (await source_state(engine))["feeds"] == {url: feed_server.url("/series/2")}
    feed_server.serve("/series/2", page(feed_server.url("/series/3"), series(2)))

    resumed = await sync_source(session_factory(engine), source, client, fetcher=fetcher)

    assert resumed.status is SyncStatus.SUCCEEDED, resumed.error
    assert feed_server.hits("/series") == 1
    statuses = {SERIES_1: OfferingStatus.ACTIVE, f"{BASE}/series/2": OfferingStatus.ACTIVE}
    assert await offering_statuses(engine) == statuses
    # A broken page where it now resumes fails the sync and loses nothing.
    feed_server.serve("/series/3", b"<html>502 Bad Gateway</html>", content_type="text/html")

    broken = await sync_source(session_factory(engine), source, client, fetcher=fetcher)

    assert broken.status is SyncStatus.FAILED
    assert await offering_statuses(engine) == statuses
    async with session_factory(engine)() as session:
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(Provider))
        ).scalar() == 1


async def test_demo_source_syncs_with_nothing_quarantined(
    engine: AsyncEngine, client: httpx.AsyncClient, fetcher: Fetcher, registered: None
) -> None:
    run = await sync_source(session_factory(engine), demo_source(), client, fetcher=fetcher)

    assert (run.status, run.error, run.quarantined) == (SyncStatus.SUCCEEDED, None, 0)
    assert len(await offering_statuses(engine)) == 11
    stored = await slots(engine)
    assert len(stored) == 20
    assert [ext for ext, (_, _, status) in stored.items() if status is SlotStatus.CANCELLED] == [
        "ScheduledSession:5014"
    ]


async def test_an_organizer_without_id_is_identified_by_the_declared_fields(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    """A feed whose organizers carry only a name and a vatID (as many booking systems
    publish them): quarantined by default, read once `provider_identity` names vatID."""
    bare = organizer(**{"@id": None})
    del bare["@id"]
    item = series(1, organizer=bare)

    default = await records(feed_server, fetcher, item)
    declared = await records(
        feed_server, fetcher, item, provider_identity=["@id", "identifier", "vatID", "name"]
    )
    composed = await records(feed_server, fetcher, item, provider_identity=[["name", "email"]])

    assert not offerings_of(default)
    assert "the organizer has no '@id' or 'identifier'" in default[0].reason  # type: ignore[union-attr]
    providers = [i for i in declared if isinstance(i, ProviderRecord)]
    assert [p.external_id for p in providers] == ["IT07183420152"]
    assert offerings_of(declared)[0].provider_external_id == "IT07183420152"
    assert offerings_of(composed)[0].provider_external_id == (
        "Centro Sportivo Pastrengo|info@pastrengo.example"
    )


async def test_activity_concepts_map_by_id_or_notation_and_unmapped_ones_are_counted(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    activity = [
        {
            "@type": "Concept",
            "@id": "https://openactive.io/activity-list#c16df6ed-a4a0-4275-a8c3-1c8cff56856f",
            "prefLabel": "Netball",
        },
        {"@type": "Concept", "prefLabel": "Bocce", "notation": "bocce"},
    ]
    url = tmp_path / "page-1.json"
    url.write_bytes(orjson.dumps(page("page-2.json", series(1, activity=activity))))
    (tmp_path / "page-2.json").write_bytes(orjson.dumps(page("page-2.json")))
    mapping = {
        "https://openactive.io/activity-list#c16df6ed-a4a0-4275-a8c3-1c8cff56856f": "fitness-sport"
    }
    feed = OpenActiveFeed(config(str(url), categories=mapping), fetcher, {})

    items = [item async for item in feed.records()]

    assert offerings_of(items)[0].categories == ("fitness-sport",)
    assert feed.classifier.unmapped == {"Bocce": 1}


OPENACTIVE_EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "openactive"


async def test_openactives_own_series_example_gives_its_schedule_and_its_sessions(
    fetcher: Fetcher,
) -> None:
    """OpenActive's published SessionSeries example (data-models 3.0.9): an RPDE item of
    kind "SessionSeries.ScheduledSession" with a weekly PartialSchedule in London time and
    two embedded sessions with their places."""
    source = SourceConfig(
        name="everyone-active",
        kind="openactive",
        url=str(OPENACTIVE_EXAMPLES / "sessionseries_example_1.json"),
        # its next page is on example.com: one page is read
        options={"categories": {"TONING & strength": "fitness-sport"}, "max_pages": 1},
    )
    feed = OpenActiveFeed(source, fetcher, {})

    items: list[Item] = [item async for item in feed.records() if not isinstance(item, Checkpoint)]

    (offering,) = offerings_of(items)
    assert offering.external_id == "https://example.com/api/session-series/1402CBP20150217"
    assert offering.categories == ("fitness-sport",)  # "Toning & Strength", case ignored
    assert feed.classifier.unmapped == {
        "Bodypump™": 1,
        "Group Exercise - Virtual": 1,
        "Group Exercise Classes": 1,
    }
    (schedule,) = offering.schedules
    london = ZoneInfo("Europe/London")
    assert schedule.timezone == "Europe/London"
    assert schedule.start == datetime(2018, 10, 2, 20, 15, tzinfo=london)
    assert schedule.end == datetime(2018, 10, 2, 20, 45, tzinfo=london)
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20181104T235959Z"
    slots = slots_of(items)
    assert [(s.start, s.capacity, s.remaining) for s in slots] == [
        (datetime(2018, 10, 2, 19, 15, tzinfo=UTC), 16, 2),
        (datetime(2018, 10, 9, 19, 15, tzinfo=UTC), 16, 12),
    ]
    assert {s.offering_external_id for s in slots} == {offering.external_id}
    assert slots[0].external_id == (
        "ScheduledSession:https://example.com/api/session-series/1402CBP20150217"
        "#/subEvent/1400109454"
    )


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            {
                "repeatFrequency": "P2W",
                "byDay": ["MO", "schema:Wednesday"],
                "startTime": "09:00",
                "startDate": "2026-01-01",
                "repeatCount": 10,
                "duration": "PT1H",
            },
            (
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
                datetime(2026, 1, 5, 9, 0, tzinfo=ROME),
                datetime(2026, 1, 5, 10, 0, tzinfo=ROME),
            ),
        ),
        (
            {
                "repeatFrequency": "P1M",
                "byMonthDay": [1, 15],
                "startTime": "18:30",
                "endTime": "20:00",
                "startDate": "2026-03-01",
                "exceptDate": ["2026-04-01", "2026-05-15T18:30:00+02:00"],
            },
            (
                "FREQ=MONTHLY;BYMONTHDAY=1,15",
                datetime(2026, 3, 1, 18, 30, tzinfo=ROME),
                datetime(2026, 3, 1, 20, 0, tzinfo=ROME),
            ),
        ),
    ],
)
def test_event_schedules_become_rfc_5545_schedules(
    schedule: Json, expected: tuple[str, datetime, datetime]
) -> None:
    (record,) = schedule_records({"eventSchedule": [schedule]}, ROME)

    assert (record.rrule, record.start, record.end) == expected
    if "exceptDate" in schedule:
        assert record.exdates == (
            datetime(2026, 4, 1, 18, 30, tzinfo=ROME),
            datetime(2026, 5, 15, 18, 30, tzinfo=ROME),
        )


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"repeatFrequency": "P1W"}, "no 'startTime'"),
        ({"repeatFrequency": "weekly", "startTime": "09:00"}, "not a period such as P1W"),
        ({"repeatFrequency": "P1W", "startTime": "9am"}, "not a time"),
        ({"repeatFrequency": "P1W", "startTime": "09:00", "byDay": ["Funday"]}, "day of the week"),
        ({"repeatFrequency": "P1W", "startTime": "09:00", "scheduleTimezone": "Mars"}, "unknown"),
    ],
)
def test_unreadable_event_schedules_are_problems(schedule: Json, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schedule_records({"eventSchedule": [schedule]}, ROME)
