"""Relay object identification: global IDs, `node`, `nodes` and the by-ID root fields."""

from __future__ import annotations

import base64

import pytest

from tests.utils.graphql import GraphQLClient

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


def global_id(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


async def _first_ids(gql: GraphQLClient) -> dict[str, str]:
    data = await gql.data(
        """{
          offerings(first: 1) { edges { node { id categories { id } locations { id } } } }
          providers(filter: {allianceMember: true}, first: 1) { edges { node { id } } }
          sources { id lastRun { id } }
        }"""
    )
    offering = data["offerings"]["edges"][0]["node"]
    return {
        "Offering": offering["id"],
        "Category": offering["categories"][0]["id"],
        "Provider": data["providers"]["edges"][0]["node"]["id"],
        "Source": data["sources"][0]["id"],
        "SyncRun": data["sources"][0]["lastRun"]["id"],
    }


async def test_node_resolves_every_object_type_by_its_global_id(gql: GraphQLClient) -> None:
    for type_name, id_ in (await _first_ids(gql)).items():
        node = (await gql.data(NODE, {"id": id_}))["node"]
        assert node == {"__typename": type_name, "id": id_}


async def test_location_is_a_node(gql: GraphQLClient) -> None:
    data = await gql.data(
        "{ offerings(first: 50, filter: {deliveryMode: IN_PERSON}) "
        "{ edges { node { locations { id cap } } } } }"
    )
    location = next(loc for edge in data["offerings"]["edges"] for loc in edge["node"]["locations"])
    node = (
        await gql.data(
            "query($id: ID!) { node(id: $id) { ... on Location { cap } } }", {"id": location["id"]}
        )
    )["node"]
    assert node == {"cap": location["cap"]}


async def test_nodes_keeps_order_and_gives_null_for_unknown_ids(gql: GraphQLClient) -> None:
    ids = await _first_ids(gql)
    wanted = [ids["Provider"], global_id("Offering", "999999"), ids["Offering"]]
    nodes = await gql.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": wanted})
    assert nodes["nodes"] == [{"id": ids["Provider"]}, None, {"id": ids["Offering"]}]


async def test_unknown_id_gives_null(gql: GraphQLClient) -> None:
    assert (await gql.data(NODE, {"id": global_id("Offering", "999999")}))["node"] is None
    assert (await gql.data(NODE, {"id": global_id("Nonsense", "1")}))["node"] is None
    query = "query($id: ID!) { offering(id: $id) { id } provider(id: $id) { id } }"
    missing = await gql.data(
        query.replace("provider(id: $id)", "p: offering(id: $id)"),
        {"id": global_id("Offering", "424242")},
    )
    assert missing == {"offering": None, "p": None}


@pytest.mark.parametrize(
    "bad_id",
    ["not-base64!", "", "T2ZmZXJpbmc", global_id("Offering", "abc"), global_id("Offering", "")],
)
async def test_malformed_id_is_a_bad_user_input(gql: GraphQLClient, bad_id: str) -> None:
    assert await gql.error_codes(NODE, {"id": bad_id}) == ["BAD_USER_INPUT"]


async def test_offering_field_rejects_the_id_of_another_type(gql: GraphQLClient) -> None:
    provider_id = (await _first_ids(gql))["Provider"]
    query = "query($id: ID!) { offering(id: $id) { id } }"
    assert await gql.error_codes(query, {"id": provider_id}) == ["BAD_USER_INPUT"]


async def test_provider_field_round_trips_its_id(gql: GraphQLClient) -> None:
    provider_id = (await _first_ids(gql))["Provider"]
    query = "query($id: ID!) { provider(id: $id) { id name } }"
    provider = (await gql.data(query, {"id": provider_id}))["provider"]
    assert provider["id"] == provider_id
    assert provider["name"]
