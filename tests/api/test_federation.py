"""The hub as an Apollo Federation v2 subgraph: `_service { sdl }` and `_entities`."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from graphql import ObjectTypeDefinitionNode, SchemaDefinitionNode, StringValueNode, parse
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.limits import MAX_REPRESENTATIONS
from hub.pipeline import Compiling, GraphQLRequest, Pipeline
from models.db import session_factory
from schema import build_schema
from tests.api.test_nodes import global_id
from tests.utils.graphql import GraphQLClient
from tests.utils.statements import count_statements

ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Offering { id title provider { name } locations { cap } }
    ... on Provider { id name vatNumber }
    ... on Location { id cap }
    ... on Category { id code }
  }
}
"""


async def _entities(gql: GraphQLClient, representations: list[Any]) -> dict[str, Any]:
    return await gql.execute(ENTITIES, {"representations": representations})


async def _catalogue(gql: GraphQLClient, first: int = 30) -> list[dict[str, Any]]:
    """Offerings of the demo with their provider, locations and categories."""
    data = await gql.data(
        """query($first: Int!) { offerings(first: $first, filter: {deliveryMode: IN_PERSON}) {
          nodes { id title provider { id name vatNumber } locations { id cap }
                  categories { id code } }
        } }""",
        {"first": first},
    )
    offerings: list[dict[str, Any]] = data["offerings"]["nodes"]
    return offerings


def _keys(sdl: str) -> dict[str, list[str]]:
    """The `@key(fields:)` of every type of an SDL."""
    keys: dict[str, list[str]] = {}
    for definition in parse(sdl).definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            for directive in definition.directives or ():
                if directive.name.value == "key":
                    [argument] = directive.arguments or ()
                    assert isinstance(argument.value, StringValueNode)
                    keys.setdefault(definition.name.value, []).append(argument.value.value)
    return keys


async def test_service_sdl_links_federation_2_and_declares_the_keys(
    full_demo: GraphQLClient,
) -> None:
    sdl = (await full_demo.data("{ _service { sdl } }"))["_service"]["sdl"]

    [schema] = [d for d in parse(sdl).definitions if isinstance(d, SchemaDefinitionNode)]
    [link] = schema.directives or ()
    assert link.name.value == "link"
    assert 'url: "https://specs.apollo.dev/federation/v2.0"' in sdl
    assert _keys(sdl) == {
        "Category": ["id"],
        "Location": ["id"],
        "Offering": ["id"],
        "Provider": ["id", "vatNumber"],
    }
    assert "union _Entity = Offering | Provider | Location | Category" in sdl


async def test_entities_are_resolved_by_every_key(full_demo: GraphQLClient) -> None:
    offering = next(o for o in await _catalogue(full_demo) if o["provider"]["vatNumber"])
    provider, [location, *_], [category, *_] = (
        offering["provider"],
        offering["locations"],
        offering["categories"],
    )

    result = await _entities(
        full_demo,
        [
            {"__typename": "Offering", "id": offering["id"]},
            {"__typename": "Provider", "id": provider["id"]},
            {"__typename": "Provider", "vatNumber": provider["vatNumber"]},
            {"__typename": "Location", "id": location["id"]},
            {"__typename": "Category", "id": category["id"]},
        ],
    )

    assert "errors" not in result, result["errors"]
    offering_entity, by_id, by_vat, location_entity, category_entity = result["data"]["_entities"]
    assert offering_entity["title"] == offering["title"]
    assert offering_entity["provider"] == {"name": provider["name"]}
    assert by_id == by_vat == {"__typename": "Provider", **provider}
    assert location_entity == {"__typename": "Location", **location}
    assert category_entity == {"__typename": "Category", **category}


async def test_entities_keep_the_order_and_are_null_when_unknown(
    full_demo: GraphQLClient,
) -> None:
    [first, second, *_] = await _catalogue(full_demo)
    representations = [
        {"__typename": "Offering", "id": second["id"]},
        {"__typename": "Offering", "id": global_id("Offering", "999999")},
        {"__typename": "Provider", "vatNumber": "00000000000"},
        {"__typename": "Offering", "id": first["id"]},
    ]

    result = await _entities(full_demo, representations)

    assert "errors" not in result, result["errors"]
    ids = [entity and entity["id"] for entity in result["data"]["_entities"]]
    assert ids == [second["id"], None, None, first["id"]]


MALFORMED: list[Any] = [
    {"__typename": "Offering", "id": "not a global id"},
    {"__typename": "Provider", "id": global_id("Offering", "1")},  # another type's ID
    {"__typename": "Offering", "id": global_id("Offering", "99999999999")},  # out of range
    {"__typename": "Source", "id": global_id("Source", "1")},  # a node, not an entity
    {"__typename": "Nothing", "id": global_id("Offering", "1")},
    {"id": global_id("Offering", "1")},
    {"__typename": "Offering"},
    {"__typename": "Offering", "id": 1},
    {"__typename": "Offering", "vatNumber": "08652190151"},
    {"__typename": "Provider", "vatNumber": "IT-123"},
    {"__typename": "Provider", "vatNumber": None},
    "Offering:1",
    [{"__typename": "Offering"}],
]


@pytest.mark.parametrize("representation", MALFORMED, ids=[str(r)[:40] for r in MALFORMED])
async def test_a_malformed_representation_is_bad_user_input_at_its_index(
    full_demo: GraphQLClient, representation: Any
) -> None:
    [offering, *_] = await _catalogue(full_demo, 1)
    valid = {"__typename": "Offering", "id": offering["id"]}

    result = await _entities(full_demo, [valid, representation, valid])

    [error] = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["path"] == ["_entities", 1]
    first, malformed, last = result["data"]["_entities"]
    assert first == last != None  # noqa: E711 - the others are resolved all the same
    assert malformed is None


async def test_representations_in_the_document_are_resolved_too(
    full_demo: GraphQLClient,
) -> None:
    [offering, *_] = await _catalogue(full_demo, 1)
    representation = f'{{__typename: "Offering", id: "{offering["id"]}"}}'
    query = "{ _entities(representations: [REPRESENTATION]) { ... on Offering { title } } }"
    query = query.replace("REPRESENTATION", representation)

    data = await full_demo.data(query)

    assert data["_entities"] == [{"title": offering["title"]}]


async def _statements(
    gql: GraphQLClient, engine: AsyncEngine, offerings: list[dict[str, Any]]
) -> int:
    representations = [
        representation
        for offering in offerings
        for representation in (
            {"__typename": "Offering", "id": offering["id"]},
            {"__typename": "Provider", "vatNumber": offering["provider"]["vatNumber"]},
            {"__typename": "Location", "id": offering["locations"][0]["id"]},
        )
    ]
    with count_statements(engine) as log:
        result = await _entities(gql, representations)
    assert "errors" not in result, result["errors"]
    assert len(result["data"]["_entities"]) == len(representations)
    return len(log)


async def test_entities_cost_the_same_statements_for_3_and_30_of_each_type(
    full_demo: GraphQLClient, full_demo_engine: AsyncEngine
) -> None:
    offerings = [o for o in await _catalogue(full_demo, 100) if o["provider"]["vatNumber"]]
    assert len(offerings) >= 30

    few = await _statements(full_demo, full_demo_engine, offerings[:3])
    many = await _statements(full_demo, full_demo_engine, offerings[:30])

    # offerings, providers by partita IVA, locations by ID; then the offerings' providers
    # and locations, one batch each
    assert few == many == 5


async def test_too_many_representations_are_refused_before_running(
    full_demo: GraphQLClient, full_demo_engine: AsyncEngine
) -> None:
    representation = {"__typename": "Offering", "id": global_id("Offering", "1")}

    with count_statements(full_demo_engine) as log:
        result = await _entities(full_demo, [representation] * (MAX_REPRESENTATIONS + 1))

    [error] = result["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "representations",
        "maximum": MAX_REPRESENTATIONS,
        "actual": MAX_REPRESENTATIONS + 1,
    }
    assert "data" not in result or result["data"] is None
    assert not [s for s in log.statements if "FROM offering" in s]


async def test_federation_documents_are_answered_by_the_general_executor(
    full_demo: GraphQLClient, full_demo_engine: AsyncEngine
) -> None:
    [offering, *_] = await _catalogue(full_demo, 1)
    pipeline = Pipeline(
        build_schema(),
        session_factory(full_demo_engine),
        compiled=Compiling(hot_after=1, verify=True),
    )
    mixed = ENTITIES.replace("{\n  _entities", "{ offerings(first: 1) { totalCount }\n  _entities")
    assert "offerings(first: 1)" in mixed
    requests = [
        GraphQLRequest("{ _service { sdl } }"),
        GraphQLRequest(
            ENTITIES, {"representations": [{"__typename": "Offering", "id": offering["id"]}]}
        ),
        GraphQLRequest(mixed, {"representations": []}),
    ]
    try:
        for request in requests * 2:  # hot from the first request on: planned, and declined
            result = orjson.loads((await pipeline.run(request)).body)
            assert "errors" not in result, result["errors"]
    finally:
        await pipeline.close()

    assert pipeline.executed == {"general": 6}
