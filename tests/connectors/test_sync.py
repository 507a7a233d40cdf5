from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel, col

from connectors.config import SourceConfig
from connectors.mapping import Classifier
from connectors.records import Item, OfferingRecord, ProviderRecord
from connectors.registry import CONNECTORS
from connectors.sync import sync_source
from models import (
    Area,
    Category,
    CostOption,
    DeliveryMode,
    Location,
    Offering,
    OfferingCategory,
    OfferingLanguage,
    OfferingLocation,
    OfferingStatus,
    Provider,
    Source,
    SyncProblem,
    SyncRun,
    SyncStatus,
)
from models.db import create_engine, init_db, session_factory
from tests.utils.databases import Databases
from tests.utils.feeds import (
    Feed,
    Json,
    bundle,
    cost,
    location,
    organization,
    service,
    service_at_location,
    source,
)

Sessions = async_sessionmaker[AsyncSession]

SYNCED_TABLES = (
    "provider",
    "location",
    "offering",
    "offering_location",
    "offering_category",
    "offering_language",
    "cost_option",
)


def catalogue() -> Json:
    """Two providers: a cooperative in Isola and a gym by the Duomo (outside the district)."""
    return bundle(
        organizations=[
            organization(
                "org-coop",
                "Cooperativa Sociale Isola",
                tax_id="12345670017",
                concilia={"alliance_member": True, "ateco_code": "88.91"},
            ),
            organization("org-gym", "Palestra Duomo"),
        ],
        locations=[
            location(
                "loc-borsieri",
                "org-coop",
                latitude=45.4891,
                longitude=9.1893,
                address_1="Via Pietro Borsieri 12",
                postal_code="20159",
            ),
            location(
                "loc-duomo",
                "org-gym",
                latitude=45.4642,
                longitude=9.1900,
                address_1="Piazza del Duomo 1",
                postal_code="20121",
            ),
        ],
        services=[
            service(
                "svc-ceramica",
                "org-coop",
                "Corso di Ceramica",
                description="Laboratorio serale al tornio",
                categories=["courses", "culture"],
                languages=["IT", "en", "it"],
                cost_options=[cost("12.5", option="Intero"), cost(0, option="Soci")],
                last_modified="2024-05-01T10:00:00+02:00",
                concilia={"name_en": "Pottery course", "description_en": "Evening workshop"},
            ),
            service(
                "svc-yoga",
                "org-gym",
                "Yoga al mattino",
                categories=["mind-body"],
                cost_options=[cost(8)],
            ),
            service(
                "svc-ascolto",
                "org-coop",
                "Sportello d'ascolto",
                categories=["psychological-support"],
            ),
        ],
        links=[("svc-ceramica", "loc-borsieri"), ("svc-yoga", "loc-duomo")],
    )


def entry(document: Json, key: str, external_id: str) -> Json:
    """The object of `document[key]` with the given id, to change it in place."""
    found: Json = next(item for item in document[key] if item["id"] == external_id)
    return found


def put(document: Json, key: str, item: Json) -> None:
    """Replace the object of `document[key]` that has the id of `item`."""
    document[key] = [item if old["id"] == item["id"] else old for old in document[key]]


def drop(document: Json, key: str, external_id: str) -> None:
    document[key] = [item for item in document[key] if item["id"] != external_id]


@pytest.fixture
def sessions(engine: AsyncEngine) -> Sessions:
    return session_factory(engine)


@pytest.fixture
def feed() -> Feed:
    return Feed(catalogue())


@pytest.fixture
async def client(feed: Feed) -> AsyncIterator[httpx.AsyncClient]:
    async with feed.client() as client:
        yield client


async def sync(sessions: Sessions, client: httpx.AsyncClient, **options: Any) -> SyncRun:
    return await sync_source(sessions, source(), client, **options)


def counts(run: SyncRun) -> dict[str, int]:
    return {
        "fetched": run.fetched,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "withdrawn": run.withdrawn,
        "quarantined": run.quarantined,
    }


Dump = dict[str, list[dict[str, Any]]]


async def snapshot(engine: AsyncEngine) -> Dump:
    """Every row of the synced tables, as column -> value, in primary key order; without
    `seen_run_id`, which only says which run last listed the row (see `seen_by`)."""
    dump: Dump = {}
    async with engine.connect() as conn:
        for name in SYNCED_TABLES:
            table = SQLModel.metadata.tables[name]
            rows = await conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            dump[name] = [
                {k: v for k, v in row._mapping.items() if k != "seen_run_id"} for row in rows
            ]
    return dump


async def seen_by(engine: AsyncEngine) -> set[int | None]:
    """The runs that last listed the synced rows that carry the mark."""
    runs: set[int | None] = set()
    async with engine.connect() as conn:
        for name in SYNCED_TABLES:
            table = SQLModel.metadata.tables[name]
            if "seen_run_id" in table.columns:
                runs.update((await conn.execute(sa.select(table.c.seen_run_id))).scalars())
    return runs


def without_timestamps(dump: Dump) -> Dump:
    """The dump without the columns that record when a sync ran (and the times in a
    provider's per-field provenance)."""

    def timeless(key: str, value: object) -> object:
        if key == "field_sources" and isinstance(value, dict):
            return {
                f: {k: v for k, v in said.items() if k != "changed_at"} for f, said in value.items()
            }
        return value

    return {
        name: [
            {
                k: timeless(k, v)
                for k, v in row.items()
                if k not in {"fetched_at", "last_changed_at"}
            }
            for row in rows
        ]
        for name, rows in dump.items()
    }


async def offerings(sessions: Sessions) -> dict[str, Offering]:
    async with sessions() as session:
        rows = (await session.execute(sa.select(Offering))).scalars()
        return {str(offering.external_id): offering for offering in rows}


async def providers(sessions: Sessions) -> dict[str, Provider]:
    async with sessions() as session:
        rows = (await session.execute(sa.select(Provider))).scalars()
        return {str(provider.external_id): provider for provider in rows}


async def locations(sessions: Sessions) -> dict[str, Location]:
    async with sessions() as session:
        rows = (await session.execute(sa.select(Location))).scalars()
        return {str(location.external_id): location for location in rows}


async def children(sessions: Sessions, offering_id: int | None) -> dict[str, list[Any]]:
    """An offering's locations, categories, languages and cost options, in a comparable form."""
    async with sessions() as session:
        linked = await session.execute(
            sa.select(col(Location.external_id))
            .join(OfferingLocation, col(OfferingLocation.location_id) == col(Location.id))
            .where(col(OfferingLocation.offering_id) == offering_id)
            .order_by(col(Location.external_id))
        )
        codes = await session.execute(
            sa.select(col(Category.code))
            .join(OfferingCategory, col(OfferingCategory.category_id) == col(Category.id))
            .where(col(OfferingCategory.offering_id) == offering_id)
            .order_by(col(Category.code))
        )
        languages = await session.execute(
            sa.select(col(OfferingLanguage.language))
            .where(col(OfferingLanguage.offering_id) == offering_id)
            .order_by(col(OfferingLanguage.position))
        )
        costs = await session.execute(
            sa.select(col(CostOption.label), col(CostOption.amount_cents), col(CostOption.currency))
            .where(col(CostOption.offering_id) == offering_id)
            .order_by(col(CostOption.position))
        )
        return {
            "locations": list(linked.scalars()),
            "categories": list(codes.scalars()),
            "languages": list(languages.scalars()),
            "costs": [tuple(row) for row in costs],
        }


async def problems(sessions: Sessions, run: SyncRun) -> list[tuple[str, str | None, str]]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(
                col(SyncProblem.record_kind), col(SyncProblem.external_id), col(SyncProblem.reason)
            )
            .where(col(SyncProblem.sync_run_id) == run.id)
            .order_by(col(SyncProblem.id))
        )
        return [(kind, external_id, reason) for kind, external_id, reason in rows]


async def stored_runs(sessions: Sessions) -> list[SyncRun]:
    async with sessions() as session:
        return list((await session.execute(sa.select(SyncRun).order_by(col(SyncRun.id)))).scalars())


async def test_first_sync_creates_every_record_and_a_succeeded_run(
    sessions: Sessions, client: httpx.AsyncClient
) -> None:
    run = await sync(sessions, client)

    assert run.status is SyncStatus.SUCCEEDED
    assert run.error is None
    assert run.finished_at is not None
    assert run.finished_at >= run.started_at
    assert counts(run) == {
        "fetched": 7,
        "created": 7,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "quarantined": 0,
    }
    assert counts((await stored_runs(sessions))[0]) == counts(run)
    assert sorted(await providers(sessions)) == ["org-coop", "org-gym"]
    assert sorted(await locations(sessions)) == ["loc-borsieri", "loc-duomo"]
    assert sorted(await offerings(sessions)) == ["svc-ascolto", "svc-ceramica", "svc-yoga"]


async def test_first_sync_records_the_source(sessions: Sessions, client: httpx.AsyncClient) -> None:
    run = await sync(sessions, client)

    async with sessions() as session:
        stored = (await session.execute(sa.select(Source))).scalar_one()
    assert (stored.id, stored.name, stored.kind, stored.url) == (
        run.source_id,
        "isola",
        "hsds",
        "http://feeds.test/bundle.json",
    )


async def test_providers_and_locations_are_stored_as_read(
    sessions: Sessions, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)

    coop = (await providers(sessions))["org-coop"]
    assert (coop.name, coop.name_sort, coop.vat_number, coop.alliance_member, coop.ateco_code) == (
        "Cooperativa Sociale Isola",
        "cooperativa sociale isola",
        "12345670017",
        True,
        "88.91",
    )
    places = await locations(sessions)
    assert places["loc-borsieri"].provider_id == coop.id
    assert places["loc-borsieri"].address == "Via Pietro Borsieri 12"
    assert places["loc-borsieri"].in_district is True
    assert places["loc-duomo"].in_district is False


async def test_first_sync_derives_the_offering_columns(
    sessions: Sessions, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)

    stored = await offerings(sessions)
    ceramica, yoga, ascolto = stored["svc-ceramica"], stored["svc-yoga"], stored["svc-ascolto"]
    assert (ceramica.area, yoga.area, ascolto.area) == (
        Area.LEISURE_WORK_LIFE,
        Area.HEALTH_WELLBEING,
        Area.HEALTH_WELLBEING,
    )
    assert (ceramica.is_free, ceramica.min_price_cents) == (True, 0)
    assert (yoga.is_free, yoga.min_price_cents) == (False, 800)
    assert (ascolto.is_free, ascolto.min_price_cents) == (False, None)
    assert (ceramica.title_sort_it, ceramica.title_sort_en) == (
        "corso di ceramica",
        "pottery course",
    )
    assert (ascolto.title_sort_it, ascolto.title_sort_en) == ("sportello d ascolto",) * 2
    assert (ceramica.delivery_mode, ascolto.delivery_mode) == (
        DeliveryMode.IN_PERSON,
        DeliveryMode.ONLINE,
    )
    assert {o.status for o in stored.values()} == {OfferingStatus.ACTIVE}
    assert ceramica.provider_id == (await providers(sessions))["org-coop"].id


async def test_search_text_holds_folded_titles_descriptions_provider_and_category_labels(
    sessions: Sessions, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)

    ceramica = (await offerings(sessions))["svc-ceramica"]
    assert ceramica.search_text == (
        " corso di ceramica pottery course laboratorio serale al tornio evening workshop"
        " cooperativa sociale isola corsi e laboratori courses and workshops"
        " cultura e spettacolo culture and events "
    )


async def test_in_district_follows_locations_or_else_the_provider_locations(
    sessions: Sessions, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)

    flags = {ext: o.in_district for ext, o in (await offerings(sessions)).items()}
    # svc-ascolto has no location: its provider has one in the district.
    assert flags == {"svc-ceramica": True, "svc-yoga": False, "svc-ascolto": True}


async def test_online_offering_of_a_provider_outside_the_district_is_outside(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    feed.document["services"].append(
        service("svc-online", "org-gym", "Allenamento online", categories=["fitness-sport"])
    )

    await sync(sessions, client)

    assert (await offerings(sessions))["svc-online"].in_district is False


async def test_offering_children_are_stored_in_source_order(
    sessions: Sessions, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)

    stored = await offerings(sessions)
    assert await children(sessions, stored["svc-ceramica"].id) == {
        "locations": ["loc-borsieri"],
        "categories": ["courses", "culture"],
        "languages": ["it", "en"],
        "costs": [("Intero", 1250, "EUR"), ("Soci", 0, "EUR")],
    }
    assert await children(sessions, stored["svc-ascolto"].id) == {
        "locations": [],
        "categories": ["psychological-support"],
        "languages": [],
        "costs": [],
    }


async def test_offering_last_changed_at_is_its_last_modified_in_utc(
    sessions: Sessions, client: httpx.AsyncClient
) -> None:
    run = await sync(sessions, client)

    stored = await offerings(sessions)
    changed_at = stored["svc-ceramica"].last_changed_at
    assert changed_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert changed_at is not None
    assert changed_at.tzinfo is UTC
    # Without last_modified the change is dated by the sync.
    yoga_changed_at = stored["svc-yoga"].last_changed_at
    assert yoga_changed_at is not None
    assert run.started_at <= yoga_changed_at <= datetime.now(UTC)


async def test_second_sync_of_unchanged_bundle_reports_everything_unchanged(
    engine: AsyncEngine, sessions: Sessions, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    before = await snapshot(engine)

    run = await sync(sessions, client)

    assert run.status is SyncStatus.SUCCEEDED
    assert counts(run) == {
        "fetched": 7,
        "created": 0,
        "updated": 0,
        "unchanged": 7,
        "withdrawn": 0,
        "quarantined": 0,
    }
    assert await snapshot(engine) == before
    assert await seen_by(engine) == {run.id}


async def test_restamped_last_modified_alone_is_no_change(
    engine: AsyncEngine, sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    before = await snapshot(engine)
    entry(feed.document, "services", "svc-ceramica")["last_modified"] = "2024-06-01T00:00:00Z"

    run = await sync(sessions, client)

    assert (run.updated, run.unchanged) == (0, 7)
    assert await snapshot(engine) == before


async def test_changing_one_service_updates_only_it_and_replaces_its_children(
    engine: AsyncEngine, sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    before = await snapshot(engine)
    old = await offerings(sessions)
    put(
        feed.document,
        "services",
        service(
            "svc-ceramica",
            "org-coop",
            "Corso di Ceramica Raku",
            categories=["courses"],
            languages=["EN"],
            cost_options=[cost(20)],
            last_modified="2024-06-01T09:00:00Z",
        ),
    )
    feed.document["service_at_locations"] = [service_at_location("svc-yoga", "loc-duomo")]

    run = await sync(sessions, client)

    assert counts(run) == {
        "fetched": 7,
        "created": 0,
        "updated": 1,
        "unchanged": 6,
        "withdrawn": 0,
        "quarantined": 0,
    }
    after = await offerings(sessions)
    ceramica = after["svc-ceramica"]
    assert ceramica.id == old["svc-ceramica"].id
    assert (ceramica.title_it, ceramica.title_en, ceramica.description_it) == (
        "Corso di Ceramica Raku",
        None,
        None,
    )
    assert (ceramica.is_free, ceramica.min_price_cents) == (False, 2000)
    assert ceramica.delivery_mode is DeliveryMode.ONLINE
    assert ceramica.last_changed_at == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
    assert " raku " in ceramica.search_text
    assert " cultura " not in ceramica.search_text
    # Without locations it now follows its provider, which is in the district.
    assert ceramica.in_district is True
    assert await children(sessions, ceramica.id) == {
        "locations": [],
        "categories": ["courses"],
        "languages": ["en"],
        "costs": [(None, 2000, "EUR")],
    }
    now = await snapshot(engine)
    assert (now["provider"], now["location"]) == (before["provider"], before["location"])
    owners = {"offering": "id", "offering_category": "offering_id", "cost_option": "offering_id"}
    for name, owner in owners.items():
        others = [row for row in now[name] if row[owner] != ceramica.id]
        assert others
        assert others == [row for row in before[name] if row[owner] != ceramica.id]


async def test_service_dropped_from_the_bundle_is_withdrawn_not_deleted(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    first = await sync(sessions, client)
    kept = await children(sessions, (await offerings(sessions))["svc-yoga"].id)
    drop(feed.document, "services", "svc-yoga")

    run = await sync(sessions, client)

    assert counts(run) == {
        "fetched": 6,
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "withdrawn": 1,
        "quarantined": 0,
    }
    stored = await offerings(sessions)
    yoga = stored["svc-yoga"]
    assert yoga.status is OfferingStatus.WITHDRAWN
    assert yoga.last_changed_at is not None
    assert yoga.last_changed_at > first.started_at
    assert await children(sessions, yoga.id) == kept
    assert stored["svc-ceramica"].status is OfferingStatus.ACTIVE
    assert stored["svc-ascolto"].status is OfferingStatus.ACTIVE


async def test_withdrawn_service_is_not_withdrawn_again(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    drop(feed.document, "services", "svc-yoga")
    await sync(sessions, client)

    run = await sync(sessions, client)

    assert (run.withdrawn, run.unchanged) == (0, 6)


async def test_service_coming_back_is_restored_to_its_status(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    yoga = entry(feed.document, "services", "svc-yoga")
    drop(feed.document, "services", "svc-yoga")
    await sync(sessions, client)
    yoga["status"] = "temporarily closed"
    feed.document["services"].append(yoga)

    run = await sync(sessions, client)

    assert (run.created, run.updated, run.withdrawn) == (0, 1, 0)
    assert (await offerings(sessions))["svc-yoga"].status is OfferingStatus.SUSPENDED


async def test_unchanged_service_coming_back_is_active_again(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    original = feed.document
    feed.document = {**original, "services": original["services"][:1]}
    await sync(sessions, client)
    feed.document = original

    run = await sync(sessions, client)

    assert (run.updated, run.unchanged) == (2, 5)
    statuses = {ext: o.status for ext, o in (await offerings(sessions)).items()}
    assert set(statuses.values()) == {OfferingStatus.ACTIVE}


async def test_service_marked_inactive_is_withdrawn_by_its_status(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    entry(feed.document, "services", "svc-yoga")["status"] = "defunct"

    run = await sync(sessions, client)

    assert (run.updated, run.withdrawn) == (1, 0)
    assert (await offerings(sessions))["svc-yoga"].status is OfferingStatus.WITHDRAWN


async def test_provider_rename_refreshes_the_search_text_of_its_offerings(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    entry(feed.document, "organizations", "org-coop")["name"] = "Fondazione Garibaldi"

    run = await sync(sessions, client)

    assert (run.updated, run.unchanged) == (1, 6)
    stored = await offerings(sessions)
    for external_id in ("svc-ceramica", "svc-ascolto"):
        assert " fondazione garibaldi " in stored[external_id].search_text
        assert "cooperativa" not in stored[external_id].search_text
    assert "fondazione" not in stored["svc-yoga"].search_text
    assert (await providers(sessions))["org-coop"].name_sort == "fondazione garibaldi"


async def test_location_moving_out_of_the_district_refreshes_its_offerings(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    borsieri = entry(feed.document, "locations", "loc-borsieri")
    borsieri.update(latitude=45.4642, longitude=9.1900)
    borsieri["addresses"][0]["postal_code"] = "20121"

    run = await sync(sessions, client)

    assert (run.updated, run.unchanged) == (1, 6)
    assert (await locations(sessions))["loc-borsieri"].in_district is False
    flags = {ext: o.in_district for ext, o in (await offerings(sessions)).items()}
    # svc-ceramica is delivered there; svc-ascolto follows its provider's only location.
    assert flags == {"svc-ceramica": False, "svc-yoga": False, "svc-ascolto": False}


async def test_location_moving_into_the_district_refreshes_its_offerings(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    duomo = entry(feed.document, "locations", "loc-duomo")
    duomo.update(latitude=45.4887, longitude=9.1885)
    duomo["addresses"][0]["postal_code"] = "20159"

    await sync(sessions, client)

    assert (await offerings(sessions))["svc-yoga"].in_district is True


async def test_invalid_record_is_quarantined_with_its_reason_and_the_rest_loads(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    entry(feed.document, "services", "svc-ascolto")["attributes"] = []
    entry(feed.document, "locations", "loc-duomo")["addresses"][0]["postal_code"] = "2012"

    run = await sync(sessions, client)

    assert run.status is SyncStatus.SUCCEEDED
    assert (run.fetched, run.created, run.quarantined) == (7, 5, 2)
    assert await problems(sessions, run) == [
        ("location", "loc-duomo", "invalid CAP '2012'"),
        ("offering", "svc-ascolto", "offering has no category"),
    ]
    assert sorted(await offerings(sessions)) == ["svc-ceramica", "svc-yoga"]
    assert sorted(await locations(sessions)) == ["loc-borsieri"]
    # The yoga class is kept, without the place that could not be read.
    assert await children(sessions, (await offerings(sessions))["svc-yoga"].id) == {
        "locations": [],
        "categories": ["mind-body"],
        "languages": [],
        "costs": [(None, 800, "EUR")],
    }


async def test_provider_with_bad_vat_is_quarantined_and_so_are_its_offerings(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    entry(feed.document, "organizations", "org-gym")["tax_id"] = "12345670018"

    run = await sync(sessions, client)

    assert run.status is SyncStatus.SUCCEEDED
    reasons = await problems(sessions, run)
    assert reasons[0][:2] == ("provider", "org-gym")
    assert reasons[0][2].startswith("invalid partita IVA '12345670018': ")
    assert reasons[1][:2] == ("offering", "svc-yoga")
    assert reasons[1][2].startswith("its provider 'org-gym' is quarantined: invalid partita IVA")
    assert run.quarantined == 2
    assert sorted(await providers(sessions)) == ["org-coop"]
    assert sorted(await offerings(sessions)) == ["svc-ascolto", "svc-ceramica"]
    assert (await locations(sessions))["loc-duomo"].provider_id is None


async def test_an_offering_wrong_twice_is_quarantined_for_its_providers_root_cause(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    """The reported case: a service without a category whose organization has an invalid
    partita IVA shows the partita IVA first, the downstream symptom after it."""
    entry(feed.document, "organizations", "org-gym")["tax_id"] = "12345670018"
    entry(feed.document, "services", "svc-yoga")["attributes"] = []

    run = await sync(sessions, client)

    reason = {(kind, id_): why for kind, id_, why in await problems(sessions, run)}[
        ("offering", "svc-yoga")
    ]
    assert reason.startswith("its provider 'org-gym' is quarantined: invalid partita IVA")
    assert reason.endswith("(and: offering has no category)")


async def test_unreadable_items_of_the_bundle_are_recorded_as_problems(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    entry(feed.document, "services", "svc-yoga")["status"] = "paused"
    feed.document["services"].append({"name": "Senza id", "organization_id": "org-gym"})

    run = await sync(sessions, client)

    assert (run.fetched, run.created, run.quarantined) == (8, 6, 2)
    assert await problems(sessions, run) == [
        ("offering", "svc-yoga", "unreadable HSDS offering: unknown service status 'paused'"),
        ("offering", None, "unreadable HSDS offering: missing string 'id'"),
    ]


async def test_valid_vat_is_stored_normalised(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    entry(feed.document, "organizations", "org-gym")["tax_id"] = "IT 00743110157"

    await sync(sessions, client)

    assert (await providers(sessions))["org-gym"].vat_number == "00743110157"


@pytest.mark.parametrize(
    ("status_code", "body", "error"),
    [
        (500, None, "http://feeds.test/bundle.json answered HTTP 500"),
        (404, None, "http://feeds.test/bundle.json answered HTTP 404"),
        (200, b'{"organizations": [', "the HSDS bundle is not valid JSON"),
        (200, b'{"organizations": []}', "the HSDS bundle lacks the array(s): services"),
    ],
)
async def test_failed_fetch_fails_the_run_and_leaves_synced_data_untouched(
    engine: AsyncEngine,
    sessions: Sessions,
    feed: Feed,
    client: httpx.AsyncClient,
    status_code: int,
    body: bytes | None,
    error: str,
) -> None:
    await sync(sessions, client)
    before = await snapshot(engine)
    feed.status_code, feed.body = status_code, body

    run = await sync(sessions, client)

    assert run.status is SyncStatus.FAILED
    assert run.error is not None
    assert run.error.startswith(error)
    assert run.finished_at is not None
    assert counts(run) == dict.fromkeys(counts(run), 0)
    assert await snapshot(engine) == before
    stored = await stored_runs(sessions)
    assert [(r.status, r.error) for r in stored] == [
        (SyncStatus.SUCCEEDED, None),
        (SyncStatus.FAILED, run.error),
    ]


async def test_missing_local_file_fails_the_run_and_leaves_synced_data_untouched(
    engine: AsyncEngine, sessions: Sessions, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(orjson.dumps(catalogue()))
    config = source(str(path))
    await sync_source(sessions, config, client)
    before = await snapshot(engine)
    path.unlink()

    run = await sync_source(sessions, config, client)

    assert run.status is SyncStatus.FAILED
    # A source declared with an absolute path, not from a sources file: its file's name.
    assert run.error == f"cannot read {path.name}: No such file or directory"
    assert run.withdrawn == 0
    assert await snapshot(engine) == before
    assert {o.status for o in (await offerings(sessions)).values()} == {OfferingStatus.ACTIVE}


async def test_local_file_source_syncs_like_a_remote_one(
    sessions: Sessions, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(orjson.dumps(catalogue()))

    run = await sync_source(sessions, source(str(path)), client)

    assert (run.status, run.created) == (SyncStatus.SUCCEEDED, 7)
    assert sorted(await offerings(sessions)) == ["svc-ascolto", "svc-ceramica", "svc-yoga"]


async def test_duplicate_external_ids_in_a_bundle_keep_the_last(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    feed.document["organizations"].append(organization("org-gym", "Palestra Duomo Due"))
    feed.document["services"].append(
        service("svc-yoga", "org-gym", "Yoga serale", categories=["mind-body"])
    )

    run = await sync(sessions, client)

    assert (run.fetched, run.created, run.quarantined) == (9, 7, 0)
    assert (await providers(sessions))["org-gym"].name == "Palestra Duomo Due"
    yoga = (await offerings(sessions))["svc-yoga"]
    assert (yoga.title_it, yoga.min_price_cents) == ("Yoga serale", None)
    assert " palestra duomo due " in yoga.search_text


async def test_small_batches_give_the_same_catalogue_as_the_default(
    databases: Databases, engine: AsyncEngine, sessions: Sessions, client: httpx.AsyncClient
) -> None:
    default = await sync(sessions, client)
    other = create_engine(await databases.create())
    try:
        await init_db(other)
        batched = await sync(session_factory(other), client, batch_size=2)
        assert counts(batched) == counts(default)
        assert without_timestamps(await snapshot(other)) == without_timestamps(
            await snapshot(engine)
        )
    finally:
        await other.dispose()


async def test_small_batches_report_their_progress(
    sessions: Sessions, client: httpx.AsyncClient
) -> None:
    written: list[int] = []

    await sync(sessions, client, batch_size=3, progress=written.append)

    assert written == [3, 3, 1]


async def test_a_snapshot_withdraws_only_offerings_of_its_own_source(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "other.json"
    path.write_bytes(orjson.dumps(catalogue()))
    other = source(str(path), name="garibaldi")
    await sync_source(sessions, other, client)
    await sync(sessions, client)
    feed.document["services"] = []

    run = await sync(sessions, client)

    assert run.withdrawn == 3
    async with sessions() as session:
        rows = await session.execute(
            sa.select(col(Source.name), col(Offering.status))
            .join(Source, col(Source.id) == col(Offering.source_id))
            .distinct()
        )
        statuses = {(name, status) for name, status in rows}
    assert statuses == {
        ("garibaldi", OfferingStatus.ACTIVE),
        ("isola", OfferingStatus.WITHDRAWN),
    }


class Changes:
    """A connector of a feed that lists only some records each time (not a snapshot)."""

    complete_snapshot = False

    def __init__(self, items: list[Item | Exception]) -> None:
        self.classifier = Classifier()
        self.items = items

    async def records(self) -> AsyncIterator[Item]:
        for item in self.items:
            if isinstance(item, Exception):
                raise item
            yield item


def changes_source(monkeypatch: pytest.MonkeyPatch, items: list[Item | Exception]) -> SourceConfig:
    """A source of kind `changes` whose connector yields `items`."""
    monkeypatch.setitem(CONNECTORS, "changes", lambda _config, _fetcher, _state: Changes(items))
    return source("http://feeds.test/changes", name="changes", kind="changes")


async def test_a_source_that_is_not_a_snapshot_withdraws_nothing(
    sessions: Sessions, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    coop = ProviderRecord(external_id="org-coop", name="Cooperativa Sociale Isola")
    yoga = OfferingRecord("svc-yoga", "org-coop", "Yoga al mattino", categories=("mind-body",))
    nido = OfferingRecord("svc-nido", "org-coop", "Micronido", categories=("early-childhood",))
    await sync_source(sessions, changes_source(monkeypatch, [coop, yoga, nido]), client)

    run = await sync_source(sessions, changes_source(monkeypatch, [coop, yoga]), client)

    assert (run.status, run.unchanged, run.withdrawn) == (SyncStatus.SUCCEEDED, 2, 0)
    statuses = {ext: o.status for ext, o in (await offerings(sessions)).items()}
    assert statuses == {"svc-yoga": OfferingStatus.ACTIVE, "svc-nido": OfferingStatus.ACTIVE}


async def test_unexpected_connector_error_fails_the_run_and_propagates(
    sessions: Sessions, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    coop = ProviderRecord(external_id="org-coop", name="Cooperativa Sociale Isola")
    config = changes_source(monkeypatch, [coop, RuntimeError("feed cursor lost")])

    with pytest.raises(RuntimeError, match="feed cursor lost"):
        await sync_source(sessions, config, client)

    [run] = await stored_runs(sessions)
    assert run.status is SyncStatus.FAILED
    assert run.error == "internal error: RuntimeError('feed cursor lost')"
    assert (run.fetched, run.withdrawn) == (1, 0)
    assert run.finished_at is not None


async def test_invalid_change_to_a_synced_service_keeps_its_last_good_version(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    entry(feed.document, "services", "svc-yoga")["attributes"] = []

    run = await sync(sessions, client)

    assert (run.quarantined, run.withdrawn) == (1, 0)
    yoga = (await offerings(sessions))["svc-yoga"]
    assert (yoga.status, yoga.area) == (OfferingStatus.ACTIVE, Area.HEALTH_WELLBEING)


async def test_unreadable_change_to_a_synced_service_keeps_its_last_good_version(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    await sync(sessions, client)
    entry(feed.document, "services", "svc-yoga")["status"] = "paused"

    run = await sync(sessions, client)

    assert run.quarantined == 1
    assert run.withdrawn == 0
    assert (await offerings(sessions))["svc-yoga"].status is OfferingStatus.ACTIVE


async def test_quarantined_location_fixed_later_is_linked_to_its_offerings(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    address = entry(feed.document, "locations", "loc-duomo")["addresses"][0]
    address["postal_code"] = "2012"
    await sync(sessions, client)
    address["postal_code"] = "20121"

    run = await sync(sessions, client)

    assert (run.created, run.quarantined) == (1, 0)
    yoga = (await offerings(sessions))["svc-yoga"]
    assert (await children(sessions, yoga.id))["locations"] == ["loc-duomo"]


async def test_new_district_location_brings_its_providers_online_offerings_into_the_district(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    feed.document["services"].append(
        service("svc-online", "org-gym", "Allenamento online", categories=["fitness-sport"])
    )
    await sync(sessions, client)
    feed.document["locations"].append(
        location("loc-isola", "org-gym", latitude=45.4887, longitude=9.1885)
    )

    run = await sync(sessions, client)

    assert run.created == 1
    assert (await offerings(sessions))["svc-online"].in_district is True


async def test_value_too_long_for_its_column_is_quarantined_and_the_rest_loads(
    sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    entry(feed.document, "locations", "loc-duomo")["addresses"][0]["state_province"] = "Lombardia"

    run = await sync(sessions, client)

    assert run.status is SyncStatus.SUCCEEDED
    assert [p[:2] for p in await problems(sessions, run)] == [("location", "loc-duomo")]
    assert sorted(await offerings(sessions)) == ["svc-ascolto", "svc-ceramica", "svc-yoga"]


async def test_small_batches_count_a_repeated_id_like_the_default(
    databases: Databases, sessions: Sessions, feed: Feed, client: httpx.AsyncClient
) -> None:
    feed.document["services"].append(
        service("svc-ceramica", "org-coop", "Corso di Ceramica", categories=["courses"])
    )
    default = await sync(sessions, client)
    other = create_engine(await databases.create())
    try:
        await init_db(other)
        batched = await sync(session_factory(other), client, batch_size=2)
    finally:
        await other.dispose()

    assert counts(batched) == counts(default)
