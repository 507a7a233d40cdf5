"""Areas, categories and sources: what an analyst counts without writing SQL."""

from __future__ import annotations

from collections import Counter

from models.taxonomy import AREAS, CATEGORIES
from tests.utils import demo
from tests.utils.graphql import GraphQLClient


async def test_areas_count_visible_offerings_with_italian_labels(gql: GraphQLClient) -> None:
    areas = (await gql.data("{ areas { area label offeringCount } }"))["areas"]
    counts = Counter(o.area for o in demo.visible())
    assert areas == [
        {"area": a.area.value, "label": a.label_it, "offeringCount": counts[a.area.value]}
        for a in AREAS
    ]


async def test_area_labels_follow_the_language(gql: GraphQLClient) -> None:
    english = await gql.data("{ areas { label } }", headers={"Accept-Language": "en"})
    assert [a["label"] for a in english["areas"]] == [a.label_en for a in AREAS]
    override = await gql.data("{ areas { label(lang: IT) } }", headers={"Accept-Language": "en"})
    assert [a["label"] for a in override["areas"]] == [a.label_it for a in AREAS]


async def test_categories_list_the_taxonomy_with_counts(gql: GraphQLClient) -> None:
    data = await gql.data("{ categories { code area label offeringCount } }")
    counts = Counter(code for o in demo.visible() for code in o.categories)
    assert data["categories"] == [
        {"code": c.code, "area": c.area.value, "label": c.label_it, "offeringCount": counts[c.code]}
        for c in CATEGORIES
    ]


async def test_categories_of_one_area(gql: GraphQLClient) -> None:
    data = await gql.data("{ categories(area: WORK_SERVICES) { code area } }")
    assert [c["code"] for c in data["categories"]] == [
        c.code for c in CATEGORIES if c.area.value == "WORK_SERVICES"
    ]


async def test_sources_show_their_last_successful_run(gql: GraphQLClient) -> None:
    data = await gql.data(
        "{ sources { name kind lastRun { status fetched created quarantinedCount quarantined "
        "{ externalId reason } } } }"
    )
    assert [s["name"] for s in data["sources"]] == sorted(s["name"] for s in data["sources"])
    assert len(data["sources"]) == len(demo.bundles())
    for source in data["sources"]:
        assert source["kind"] == "hsds"
        assert source["lastRun"]["status"] == "SUCCEEDED"
        assert source["lastRun"]["created"] > 0
        assert source["lastRun"]["quarantinedCount"] == len(source["lastRun"]["quarantined"])
