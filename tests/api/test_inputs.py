"""Values no resolver can use get BAD_USER_INPUT with a short message, never an internal
error: IDs, prices, cursors, times, searches and codes past what the database takes."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from tests.utils.graphql import GraphQLClient


def global_id(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def cursor(payload: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


OFFERING = "query($id: ID!) { offering(id: $id) { id } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
FILTERED = "query($f: OfferingFilter) { offerings(filter: $f) { totalCount } }"
AFTER = "query($after: String) { offerings(after: $after) { totalCount } }"
OPEN_AT_FIELD = (
    "query($t: DateTime!) { offerings(first: 1) { edges { node { openAt(time: $t) } } } }"
)

CASES: list[Any] = [
    pytest.param(OFFERING, {"id": global_id("Offering:99999999999999999999")}, id="id-past-int64"),
    pytest.param(NODE, {"id": global_id("Offering:2147483648")}, id="id-past-int32"),
    pytest.param(OFFERING, {"id": global_id("Offering: 1 ")}, id="id-with-spaces"),
    pytest.param(OFFERING, {"id": global_id("Offering:1_0")}, id="id-with-underscore"),
    pytest.param(OFFERING, {"id": global_id("Offering:\u0661")}, id="id-arabic-indic-digit"),
    pytest.param(OFFERING, {"id": global_id("Offering:01")}, id="id-leading-zero"),
    pytest.param(OFFERING, {"id": global_id("Offering:1").rstrip("=")}, id="id-unpadded"),
    pytest.param(OFFERING, {"id": "T2ZmZXJpbmc6MQ==\n"}, id="id-trailing-newline"),
    pytest.param(FILTERED, {"f": {"maxPrice": "1e20"}}, id="max-price-1e20"),
    pytest.param(FILTERED, {"f": {"maxPrice": "1e999999"}}, id="max-price-1e999999"),
    pytest.param(FILTERED, {"f": {"maxPrice": "NaN"}}, id="max-price-nan"),
    pytest.param(FILTERED, {"f": {"maxPrice": "-1"}}, id="max-price-negative"),
    pytest.param(AFTER, {"after": cursor(["title_it:ASC", 5, 1])}, id="cursor-number-title"),
    pytest.param(AFTER, {"after": cursor(["title_it:ASC", "a\u0000b", 1])}, id="cursor-nul"),
    pytest.param(AFTER, {"after": cursor(["title_it:ASC", "a", "1"])}, id="cursor-text-id"),
    pytest.param(AFTER, {"after": cursor(["title_it:ASC", "a", 2**40])}, id="cursor-huge-id"),
    pytest.param(AFTER, {"after": "A" * 100_000}, id="cursor-huge"),
    pytest.param(
        "query($after: String) { offerings(after: $after, orderBy: {field: LAST_CHANGED}) "
        "{ totalCount } }",
        {"after": cursor(["changed:ASC", "yesterday", 1])},
        id="cursor-bad-time",
    ),
    pytest.param(
        "query($after: String) { offerings(after: $after, orderBy: {field: PRICE}) "
        "{ totalCount } }",
        {"after": cursor(["price:ASC", 1e300, 1])},
        id="cursor-float-price",
    ),
    pytest.param(FILTERED, {"f": {"openAt": "9999-12-31T23:59:59+00:00"}}, id="open-at-9999"),
    pytest.param(FILTERED, {"f": {"openAt": "10000-01-01T00:00:00+00:00"}}, id="open-at-10000"),
    pytest.param(
        FILTERED,
        {"f": {"availableBetween": {"from": "9999-12-30T00:00:00Z", "to": "9999-12-31T00:00:00Z"}}},
        id="available-between-9999",
    ),
    pytest.param(OPEN_AT_FIELD, {"t": "9999-12-31T23:59:59+00:00"}, id="open-at-field-9999"),
    pytest.param(OPEN_AT_FIELD, {"t": "0001-01-01T00:00:00+00:00"}, id="open-at-field-year-1"),
    pytest.param(FILTERED, {"f": {"text": "parola " * 1_000}}, id="text-1000-words"),
    pytest.param(FILTERED, {"f": {"text": "a" * 50_000}}, id="text-50000-char-word"),
    pytest.param(FILTERED, {"f": {"text": "yoga " * 200_000}}, id="text-1mb"),
    pytest.param(FILTERED, {"f": {"language": "i\u0000t"}}, id="language-nul"),
    pytest.param(FILTERED, {"f": {"language": "italiano"}}, id="language-not-a-code"),
    pytest.param(FILTERED, {"f": {"category": "x\u0000"}}, id="category-nul"),
    pytest.param(
        "query($v: String) { providers(filter: {vatNumber: $v}) { totalCount } }",
        {"v": "1234\u0000"},
        id="vat-nul",
    ),
    pytest.param(
        "query($t: String) { providers(filter: {text: $t}) { totalCount } }",
        {"t": "b" * 50_000},
        id="provider-text-long-word",
    ),
]


@pytest.mark.parametrize(("query", "variables"), CASES)
async def test_unusable_values_are_bad_user_input(
    gql: GraphQLClient, query: str, variables: dict[str, Any]
) -> None:
    result = await gql.execute(query, variables)
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"], result
    # The message is short, whatever the client sent.
    assert all(len(e["message"]) < 300 for e in result["errors"])


async def test_a_variable_nested_a_thousand_levels_is_bad_user_input(gql: GraphQLClient) -> None:
    query = "query($s: [OfferingStatus!]) { offerings(filter: {status: $s}) { totalCount } }"
    body = b'{"query": ' + orjson.dumps(query) + b', "variables": {"s": '
    body += b"[" * 1_000 + b'"ACTIVE"' + b"]" * 1_000 + b"}}"
    response = await gql.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]


async def test_canonical_ids_still_work(gql: GraphQLClient) -> None:
    page = await gql.data("{ offerings(first: 1) { edges { node { id } } } }")
    offering_id = page["offerings"]["edges"][0]["node"]["id"]
    found = await gql.data(OFFERING, {"id": offering_id})
    assert found["offering"]["id"] == offering_id


async def test_a_price_bound_as_large_as_stored_prices_is_fine(gql: GraphQLClient) -> None:
    data = await gql.data(FILTERED, {"f": {"maxPrice": "1000000"}})
    assert data["offerings"]["totalCount"] > 0


async def test_a_search_of_a_few_words_still_works(gql: GraphQLClient) -> None:
    data = await gql.data(FILTERED, {"f": {"text": "asilo nido"}})
    assert data["offerings"]["totalCount"] > 0
