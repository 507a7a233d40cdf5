"""The `providers` root field and a provider's edges."""

from __future__ import annotations

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
