"""The `providers` root field and a provider's edges."""

from __future__ import annotations

import pytest
from stdnum.it import iva

from tests.utils import demo
from tests.utils.graphql import GraphQLClient

PROVIDERS = """
query($filter: ProviderFilter) {
  providers(filter: $filter, first: 100) {
    totalCount
    edges { node {
      id name legalForm vatNumber allianceMember atecoCode website email phone
      provenance { externalId }
      locations { id cap inDistrict }
      offerings(first: 100) { totalCount edges { node { provenance { externalId } } } }
    } }
  }
}
"""


async def test_providers_match_the_source_organisations(gql: GraphQLClient) -> None:
    data = (await gql.data(PROVIDERS))["providers"]
    organisations = {org["id"]: org for org in demo.providers()}
    assert data["totalCount"] == len(organisations)
    for edge in data["edges"]:
        provider = edge["node"]
        org = organisations[provider["provenance"]["externalId"]]
        assert provider["name"] == org["name"]
        assert provider["vatNumber"] == org["tax_id"]
        assert iva.is_valid(provider["vatNumber"])
        assert provider["allianceMember"] is bool(org["concilia"]["alliance_member"])
        assert provider["atecoCode"] == org["concilia"].get("ateco_code")


async def test_provider_offerings_are_its_visible_offerings(gql: GraphQLClient) -> None:
    data = (await gql.data(PROVIDERS))["providers"]
    for edge in data["edges"]:
        provider = edge["node"]
        external = provider["provenance"]["externalId"]
        expected = {o.external_id for o in demo.visible() if o.provider_external_id == external}
        listed = {e["node"]["provenance"]["externalId"] for e in provider["offerings"]["edges"]}
        assert listed == expected
        assert provider["offerings"]["totalCount"] == len(expected)


async def test_provider_offerings_paginate_per_provider(gql: GraphQLClient) -> None:
    query = """
    { providers(first: 100) { edges { node {
        all: offerings(first: 100) { edges { node { id } } }
        two: offerings(first: 2) { pageInfo { hasNextPage } edges { node { id } } }
    } } } }"""
    for edge in (await gql.data(query))["providers"]["edges"]:
        every = [e["node"]["id"] for e in edge["node"]["all"]["edges"]]
        first_two = [e["node"]["id"] for e in edge["node"]["two"]["edges"]]
        assert first_two == every[:2]
        assert edge["node"]["two"]["pageInfo"]["hasNextPage"] is (len(every) > 2)


PROVIDER_TITLES = """
{ providers(first: 100) { edges { node {
  id offerings(first: 100) { nodes { title it: title(lang: IT) } }
} } } }"""
PROVIDER_PAGE = """
query($id: ID!, $after: String) { provider(id: $id) {
  offerings(first: 2, after: $after) { nodes { title } pageInfo { hasNextPage endCursor } }
} }"""


async def _provider_titles(gql: GraphQLClient, id_: str, headers: dict[str, str]) -> list[str]:
    """A provider's offerings' titles, read two at a time through the cursors."""
    titles: list[str] = []
    after = None
    while True:
        variables = {"id": id_, "after": after}
        page = (await gql.data(PROVIDER_PAGE, variables, headers=headers))["provider"]["offerings"]
        titles += [node["title"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return titles
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("language", ["it", "en"])
async def test_provider_offerings_are_ordered_by_the_titles_of_the_request_language(
    gql: GraphQLClient, language: str
) -> None:
    headers = {"Accept-Language": language}
    providers = (await gql.data(PROVIDER_TITLES, headers=headers))["providers"]["edges"]
    italian_out_of_order = 0
    for edge in providers:
        nodes = edge["node"]["offerings"]["nodes"]
        shown = [demo.sort_key(node["title"]) for node in nodes]
        assert shown == sorted(shown)
        italian = [demo.sort_key(node["it"]) for node in nodes]
        italian_out_of_order += italian != sorted(italian)
        if len(nodes) > 2:
            paged = await _provider_titles(gql, edge["node"]["id"], headers)
            assert paged == [node["title"] for node in nodes]
    # In English some providers' lists come in another order than the Italian titles'.
    assert bool(italian_out_of_order) is (language == "en")


async def test_alliance_member_filter_on_providers(gql: GraphQLClient) -> None:
    members = (await gql.data(PROVIDERS, {"filter": {"allianceMember": True}}))["providers"]
    expected = [org for org in demo.providers() if org["concilia"]["alliance_member"]]
    assert members["totalCount"] == len(expected)
    assert all(edge["node"]["allianceMember"] for edge in members["edges"])


async def test_provider_text_and_vat_filters(gql: GraphQLClient) -> None:
    org = demo.providers()[0]
    word = demo.sort_key(org["name"]).split()[-1]
    found = (await gql.data(PROVIDERS, {"filter": {"text": word}}))["providers"]
    assert org["name"] in [edge["node"]["name"] for edge in found["edges"]]
    by_vat = (await gql.data(PROVIDERS, {"filter": {"vatNumber": org["tax_id"]}}))["providers"]
    assert [edge["node"]["name"] for edge in by_vat["edges"]] == [org["name"]]


async def test_provider_locations_are_its_places(gql: GraphQLClient) -> None:
    data = (await gql.data(PROVIDERS))["providers"]
    places: dict[str, int] = {}
    for bundle in demo.bundles():
        for location in bundle.get("locations", []):
            org = location["organization_id"]
            places[org] = places.get(org, 0) + 1
    for edge in data["edges"]:
        external = edge["node"]["provenance"]["externalId"]
        assert len(edge["node"]["locations"]) == places.get(external, 0)


@pytest.mark.parametrize("filter_", ["", "filter: {allianceMember: true}, "])
async def test_a_count_of_providers_reads_no_page_and_knows_if_more_follow(
    gql: GraphQLClient, filter_: str
) -> None:
    counted = await gql.data(
        f"{{ providers({filter_}first: 0) {{ totalCount edges {{ cursor }} "
        "pageInfo { hasNextPage endCursor } } }"
    )
    providers = counted["providers"]
    assert providers["edges"] == []
    assert providers["totalCount"] > 0
    assert providers["pageInfo"] == {"hasNextPage": True, "endCursor": None}
