"""The demo catalogue has the shape the README promises (through the real sync path)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum.it import iva

from connectors.config import load_sources
from connectors.fetch import http_client
from connectors.registry import CONNECTORS
from connectors.sync import sync_source
from models import SyncStatus
from models.db import session_factory
from models.district import in_district
from tests.utils import demo
from tests.utils.demo import DEMO
from tests.utils.graphql import GraphQLClient


def test_demo_has_about_forty_members_and_enough_offerings() -> None:
    organisations = demo.providers()
    assert 38 <= len(organisations) <= 46
    assert sum(1 for org in organisations if org["concilia"]["alliance_member"]) >= 20
    assert len(demo.offerings()) >= 150


def test_demo_spreads_over_areas_prices_places_and_languages() -> None:
    offerings = demo.visible()
    areas = Counter(o.area for o in offerings)
    assert set(areas) == {"HEALTH_WELLBEING", "FAMILY_CARE", "LEISURE_WORK_LIFE", "WORK_SERVICES"}
    assert min(areas.values()) >= 25
    assert sum(o.is_free for o in offerings) >= 20
    assert sum(not o.in_district for o in offerings) >= 10
    assert sum(o.title_en is not None for o in offerings) >= 0.8 * len(offerings)
    assert {o.delivery_mode for o in offerings} == {"IN_PERSON", "ONLINE", "AT_HOME"}


def test_demo_partite_iva_are_valid_and_district_places_lie_in_isola() -> None:
    assert all(iva.is_valid(org["tax_id"]) for org in demo.providers())
    for bundle in demo.bundles():
        for location in bundle["locations"]:
            if location["addresses"][0]["postal_code"] == "20159":
                # Within NIL ISOLA's outline, so that CAP and coordinates agree.
                assert in_district(None, location["latitude"], location["longitude"])


async def test_every_demo_record_is_loaded_none_quarantined(gql: GraphQLClient) -> None:
    data = await gql.data("{ sources { lastRun { fetched quarantinedCount } } }")
    records = sum(
        len(b["organizations"]) + len(b["locations"]) + len(b["services"]) for b in demo.bundles()
    )
    assert sum(s["lastRun"]["fetched"] for s in data["sources"]) == records
    assert all(s["lastRun"]["quarantinedCount"] == 0 for s in data["sources"])


async def test_discounts_reach_the_graph(gql: GraphQLClient) -> None:
    data = await gql.data(
        "{ offerings(first: 100) { edges { node { beneficiaryDiscountPercent } } } }"
    )
    discounts = [e["node"]["beneficiaryDiscountPercent"] for e in data["offerings"]["edges"]]
    assert any(d for d in discounts)


async def test_every_demo_source_of_every_kind_syncs_with_nothing_quarantined(
    engine: AsyncEngine,
) -> None:
    sources = load_sources(DEMO / "sources.toml")
    assert {source.kind for source in sources} == set(CONNECTORS)
    async with http_client() as client:
        for source in sources:
            run = await sync_source(session_factory(engine), source, client)
            assert (run.status, run.error) == (SyncStatus.SUCCEEDED, None), source.name
            assert run.quarantined == 0, source.name
            assert run.created > 0, source.name
