"""The `offerings` root field: every filter against an oracle read from the demo JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.taxonomy import CATEGORY_INFO
from tests.utils import demo
from tests.utils.catalogue import external_ids
from tests.utils.graphql import GraphQLClient


def ids_of(offerings: list[demo.DemoOffering]) -> set[str]:
    return {o.external_id for o in offerings}


async def test_default_listing_hides_withdrawn_offerings(gql: GraphQLClient) -> None:
    listed = await external_ids(gql)
    assert listed == ids_of(demo.visible())
    assert any(o.status == "WITHDRAWN" for o in demo.offerings()), "demo lacks withdrawn ones"


async def test_status_filter_lists_withdrawn_offerings_on_request(gql: GraphQLClient) -> None:
    listed = await external_ids(gql, {"status": ["WITHDRAWN"]})
    assert listed == ids_of([o for o in demo.offerings() if o.status == "WITHDRAWN"])
    assert listed


@pytest.mark.parametrize(
    "area", ["HEALTH_WELLBEING", "FAMILY_CARE", "LEISURE_WORK_LIFE", "WORK_SERVICES"]
)
async def test_area_filter(gql: GraphQLClient, area: str) -> None:
    listed = await external_ids(gql, {"area": area})
    assert listed == ids_of([o for o in demo.visible() if o.area == area])
    assert listed


@pytest.mark.parametrize("code", sorted(CATEGORY_INFO))
async def test_category_filter(gql: GraphQLClient, code: str) -> None:
    listed = await external_ids(gql, {"category": code})
    assert listed == ids_of([o for o in demo.visible() if code in o.categories])


async def test_provider_filter_takes_a_provider_id(gql: GraphQLClient) -> None:
    data = await gql.data(
        "{ providers(first: 100) { edges { node { id provenance { externalId } } } } }"
    )
    for edge in data["providers"]["edges"][:5]:
        external = edge["node"]["provenance"]["externalId"]
        listed = await external_ids(gql, {"provider": edge["node"]["id"]})
        assert listed == ids_of([o for o in demo.visible() if o.provider_external_id == external])


@pytest.mark.parametrize("member", [True, False])
async def test_alliance_member_filter(gql: GraphQLClient, member: bool) -> None:
    listed = await external_ids(gql, {"allianceMember": member})
    assert listed == ids_of([o for o in demo.visible() if o.alliance_member is member])
    assert listed


@pytest.mark.parametrize("inside", [True, False])
async def test_in_district_filter(gql: GraphQLClient, inside: bool) -> None:
    listed = await external_ids(gql, {"inDistrict": inside})
    assert listed == ids_of([o for o in demo.visible() if o.in_district is inside])
    assert listed


@pytest.mark.parametrize("mode", ["IN_PERSON", "ONLINE", "AT_HOME"])
async def test_delivery_mode_filter(gql: GraphQLClient, mode: str) -> None:
    listed = await external_ids(gql, {"deliveryMode": mode})
    assert listed == ids_of([o for o in demo.visible() if o.delivery_mode == mode])
    assert listed


@pytest.mark.parametrize("language", ["en", "EN", "es", "ar"])
async def test_language_filter(gql: GraphQLClient, language: str) -> None:
    listed = await external_ids(gql, {"language": language})
    assert listed == ids_of([o for o in demo.visible() if language.lower() in o.languages])


async def test_free_only_filter(gql: GraphQLClient) -> None:
    listed = await external_ids(gql, {"freeOnly": True})
    assert listed == ids_of([o for o in demo.visible() if o.is_free])
    assert listed


@pytest.mark.parametrize("price", ["0", "15", "19.99", "250.5"])
async def test_max_price_filter(gql: GraphQLClient, price: str) -> None:
    ceiling = Decimal(price)
    listed = await external_ids(gql, {"maxPrice": price})
    expected = [o for o in demo.visible() if o.min_price is not None and o.min_price <= ceiling]
    assert listed == ids_of(expected)


async def test_filters_combine_with_and(gql: GraphQLClient) -> None:
    flt = {"area": "HEALTH_WELLBEING", "inDistrict": True, "allianceMember": True}
    listed = await external_ids(gql, flt)
    expected = [
        o
        for o in demo.visible()
        if o.area == "HEALTH_WELLBEING" and o.in_district and o.alliance_member
    ]
    assert listed == ids_of(expected)


def _text_matches(offering: demo.DemoOffering, word: str) -> bool:
    labels = [
        label
        for code in offering.categories
        for label in (CATEGORY_INFO[code].label_it, CATEGORY_INFO[code].label_en)
    ]
    texts = [
        offering.title_it,
        offering.title_en or "",
        offering.description_it or "",
        _description_en(offering),
        offering.provider_name,
        *labels,
    ]
    words = " ".join(demo.plain(text) for text in texts)
    tokens = "".join(ch if ch.isalnum() else " " for ch in words).split()
    return any(token.startswith(word) for token in tokens)


def _description_en(offering: demo.DemoOffering) -> str:
    for bundle in demo.bundles():
        for service in bundle["services"]:
            if service["id"] == offering.external_id:
                return str(service.get("concilia", {}).get("description_en") or "")
    return ""


@pytest.mark.parametrize("word", ["asilo", "caffe", "yoga", "nursery", "coworking", "citta"])
async def test_text_search_matches_word_starts_in_italian_and_english(
    gql: GraphQLClient, word: str
) -> None:
    listed = await external_ids(gql, {"text": word})
    assert listed == ids_of([o for o in demo.visible() if _text_matches(o, word)])
    assert listed, f"the demo has no offering mentioning {word!r}"


async def test_text_search_finds_asilo_nido_and_caffe_with_accent(gql: GraphQLClient) -> None:
    titles = {o.external_id: o.title_it for o in demo.visible()}
    nursery = await external_ids(gql, {"text": "asilo"})
    assert any("Asilo nido" in titles[i] for i in nursery)
    coffee = await external_ids(gql, {"text": "caffe"})
    assert any("caffè" in titles[i].lower() for i in coffee)


async def test_text_search_ignores_case_accents_and_punctuation(gql: GraphQLClient) -> None:
    assert await external_ids(gql, {"text": "CAFFÈ!"}) == await external_ids(gql, {"text": "caffe"})


async def test_text_search_words_must_all_match(gql: GraphQLClient) -> None:
    both = await external_ids(gql, {"text": "asilo nido"})
    assert both <= await external_ids(gql, {"text": "asilo"})
    assert both <= await external_ids(gql, {"text": "nido"})
    assert await external_ids(gql, {"text": "asilo zzzznotaword"}) == set()


async def test_blank_text_search_does_not_filter(gql: GraphQLClient) -> None:
    assert await external_ids(gql, {"text": "  ...  "}) == ids_of(demo.visible())


async def test_unknown_category_is_a_bad_user_input(gql: GraphQLClient) -> None:
    codes = await gql.error_codes('{ offerings(filter: {category: "nope"}) { totalCount } }')
    assert codes == ["BAD_USER_INPUT"]


async def test_negative_max_price_is_a_bad_user_input(gql: GraphQLClient) -> None:
    codes = await gql.error_codes('{ offerings(filter: {maxPrice: "-1"}) { totalCount } }')
    assert codes == ["BAD_USER_INPUT"]


async def test_provider_filter_with_an_offering_id_is_a_bad_user_input(gql: GraphQLClient) -> None:
    data = await gql.data("{ offerings(first: 1) { edges { node { id } } } }")
    offering_id = data["offerings"]["edges"][0]["node"]["id"]
    query = "query($id: ID!) { offerings(filter: {provider: $id}) { totalCount } }"
    assert await gql.error_codes(query, {"id": offering_id}) == ["BAD_USER_INPUT"]


OFFERING_DETAIL = """
query($id: ID!) {
  offering(id: $id) {
    id title description area deliveryMode status isFree minPrice
    beneficiaryDiscountPercent bookingUrl inDistrict languages textLanguages
    costOptions { label amount currency }
    categories { code area }
    provider { name allianceMember }
    locations { cap city inDistrict }
    provenance { externalId fetchedAt lastChangedAt source { name kind } }
  }
}
"""


async def test_offering_fields_match_the_source(gql: GraphQLClient) -> None:
    data = await gql.data("{ offerings(first: 100) { edges { node { id } } } }")
    by_external = {o.external_id: o for o in demo.offerings()}
    for edge in data["offerings"]["edges"][:40]:
        offering = (await gql.data(OFFERING_DETAIL, {"id": edge["node"]["id"]}))["offering"]
        expected = by_external[offering["provenance"]["externalId"]]
        assert offering["title"] == expected.title_it
        assert offering["area"] == expected.area
        assert offering["status"] == expected.status
        assert offering["deliveryMode"] == expected.delivery_mode
        assert offering["isFree"] is expected.is_free
        assert offering["languages"] == list(expected.languages)
        assert [c["code"] for c in offering["categories"]] == list(expected.categories)
        assert {c["area"] for c in offering["categories"]} == {expected.area}
        assert offering["provider"]["name"] == expected.provider_name
        assert offering["provider"]["allianceMember"] is expected.alliance_member
        assert offering["inDistrict"] is expected.in_district
        if expected.min_price is None:
            assert offering["minPrice"] is None
        else:
            assert Decimal(offering["minPrice"]) == expected.min_price
        assert offering["provenance"]["source"]["kind"] == "hsds"
        assert offering["provenance"]["lastChangedAt"] is not None
        assert offering["textLanguages"] == (["IT", "EN"] if expected.title_en else ["IT"])
