"""Ordering and keyset pagination of connections (Relay cursor connections)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.utils import demo
from tests.utils.catalogue import all_offerings
from tests.utils.graphql import GraphQLClient

PAGE = """
query($first: Int, $after: String, $order: OfferingOrder) {
  offerings(first: $first, after: $after, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}
"""

ORDERS = [
    {"field": "TITLE", "direction": "ASC"},
    {"field": "TITLE", "direction": "DESC"},
    {"field": "PRICE", "direction": "ASC"},
    {"field": "PRICE", "direction": "DESC"},
    {"field": "LAST_CHANGED", "direction": "DESC"},
    {"field": "LAST_CHANGED", "direction": "ASC"},
]


async def _walk(gql: GraphQLClient, order: dict[str, str], size: int) -> list[str]:
    ids: list[str] = []
    after = None
    for _ in range(1000):
        page = (await gql.data(PAGE, {"first": size, "after": after, "order": order}))["offerings"]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: f"{o['field']}-{o['direction']}")
async def test_small_pages_concatenate_to_the_whole_ordered_list(
    gql: GraphQLClient, order: dict[str, str]
) -> None:
    whole, total = await all_offerings(gql, order=order)
    walked = await _walk(gql, order, 7)
    assert walked == [node["id"] for node in whole]
    assert len(walked) == total == len(demo.visible())


async def test_title_order_follows_italian_titles_by_default(gql: GraphQLClient) -> None:
    nodes, _ = await all_offerings(gql, order={"field": "TITLE"})
    titles = [demo.sort_key(node["title"]) for node in nodes]
    assert titles == sorted(titles)


async def test_title_order_follows_english_titles_in_english(gql: GraphQLClient) -> None:
    headers = {"Accept-Language": "en"}
    nodes, _ = await all_offerings(gql, order={"field": "TITLE"}, headers=headers)
    titles = [demo.sort_key(node["title"]) for node in nodes]
    assert titles == sorted(titles)
    italian, _ = await all_offerings(gql, order={"field": "TITLE"})
    assert [n["id"] for n in nodes] != [n["id"] for n in italian]


ENGLISH_PAGE = """
query($first: Int, $after: String, $order: OfferingOrder) {
  offerings(first: $first, after: $after, orderBy: $order) {
    pageInfo { hasNextPage endCursor }
    edges { node { id it: title(lang: IT) en: title(lang: EN) } }
  }
}
"""

# English asked for by the ordering itself, or by the request (the ordering's default).
IN_ENGLISH = [
    pytest.param({"field": "TITLE", "lang": "EN"}, {}, id="orderBy-lang"),
    pytest.param({"field": "TITLE"}, {"Accept-Language": "en"}, id="accept-language"),
    pytest.param({"lang": "EN"}, {"Accept-Language": "it"}, id="lang-over-accept-language"),
]


async def _titles(
    gql: GraphQLClient, order: dict[str, str], headers: dict[str, str], size: int
) -> list[dict[str, str]]:
    """Every listed offering's id and titles, read in pages of `size` through the cursors."""
    nodes: list[dict[str, str]] = []
    after = None
    while True:
        variables = {"first": size, "after": after, "order": order}
        page = (await gql.data(ENGLISH_PAGE, variables, headers=headers))["offerings"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize(("order", "headers"), IN_ENGLISH)
async def test_title_order_in_english_pages_through_the_english_titles(
    gql: GraphQLClient, order: dict[str, str], headers: dict[str, str]
) -> None:
    nodes = await _titles(gql, order, headers, 7)
    # `en` is what an English `title` shows: the Italian title where there is no translation.
    english = [demo.sort_key(node["en"]) for node in nodes]
    assert english == sorted(english)
    assert any(node["en"] == node["it"] for node in nodes)
    assert nodes == await _titles(gql, order, headers, 100)
    assert len(nodes) == len(demo.visible())
    # The demo has translations that sort elsewhere than their Italian titles do.
    italian = [demo.sort_key(node["it"]) for node in nodes]
    assert italian != sorted(italian)


async def test_title_order_in_english_descending_reverses_ascending(gql: GraphQLClient) -> None:
    up = await _titles(gql, {"lang": "EN", "direction": "ASC"}, {}, 9)
    down = await _titles(gql, {"lang": "EN", "direction": "DESC"}, {}, 9)
    assert down == list(reversed(up))


async def test_the_language_of_titles_is_ignored_by_other_orderings(gql: GraphQLClient) -> None:
    for field in ("PRICE", "LAST_CHANGED"):
        plain = await _titles(gql, {"field": field}, {}, 100)
        assert await _titles(gql, {"field": field, "lang": "EN"}, {}, 100) == plain


async def test_cursor_of_another_title_language_is_a_bad_user_input(gql: GraphQLClient) -> None:
    order = {"field": "TITLE", "lang": "EN"}
    page = (await gql.data(ENGLISH_PAGE, {"first": 5, "order": order}))["offerings"]
    after = page["pageInfo"]["endCursor"]
    italian = {"first": 5, "after": after, "order": {"field": "TITLE", "lang": "IT"}}
    assert await gql.error_codes(ENGLISH_PAGE, italian) == ["BAD_USER_INPUT"]
    # Without `lang`, the cursor follows the request's language.
    result = await gql.execute(
        ENGLISH_PAGE, {**italian, "order": {"field": "TITLE"}}, headers={"Accept-Language": "en"}
    )
    assert "errors" not in result


async def test_title_order_descending_reverses_ascending(gql: GraphQLClient) -> None:
    up, _ = await all_offerings(gql, order={"field": "TITLE", "direction": "ASC"})
    down, _ = await all_offerings(gql, order={"field": "TITLE", "direction": "DESC"})
    assert [n["id"] for n in down] == [n["id"] for n in reversed(up)]


async def test_price_order_puts_unpriced_offerings_last(gql: GraphQLClient) -> None:
    nodes, _ = await all_offerings(gql, order={"field": "PRICE"})
    prices = [node["minPrice"] for node in nodes]
    priced = [Decimal(p) for p in prices if p is not None]
    assert priced == sorted(priced)
    first_unpriced = prices.index(None) if None in prices else len(prices)
    assert all(p is None for p in prices[first_unpriced:])


async def test_last_changed_order_descending(gql: GraphQLClient) -> None:
    nodes, _ = await all_offerings(gql, order={"field": "LAST_CHANGED", "direction": "DESC"})
    # Compared as instants: Rome's offset changes in the year, so the texts may not sort.
    stamps = [datetime.fromisoformat(node["lastChanged"]["lastChangedAt"]) for node in nodes]
    assert stamps == sorted(stamps, reverse=True)


async def test_last_page_has_no_next_page(gql: GraphQLClient) -> None:
    total = len(demo.visible())
    page = (await gql.data(PAGE, {"first": 100}))["offerings"]
    after = page["pageInfo"]["endCursor"]
    rest = (await gql.data(PAGE, {"first": 100, "after": after}))["offerings"]
    assert len(page["edges"]) + len(rest["edges"]) == total
    assert rest["pageInfo"]["hasNextPage"] is False
    last = rest["pageInfo"]["endCursor"]
    beyond = (await gql.data(PAGE, {"first": 10, "after": last}))["offerings"]
    assert beyond["edges"] == []
    assert beyond["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


async def test_first_zero_returns_no_edges_but_the_total(gql: GraphQLClient) -> None:
    page = (await gql.data(PAGE, {"first": 0}))["offerings"]
    assert page["edges"] == []
    assert page["totalCount"] == len(demo.visible())
    assert page["pageInfo"]["hasNextPage"] is True


async def test_default_page_size_is_twenty(gql: GraphQLClient) -> None:
    page = (await gql.data("{ offerings { edges { cursor } } }"))["offerings"]
    assert len(page["edges"]) == 20


async def test_page_size_of_one_hundred_is_allowed(gql: GraphQLClient) -> None:
    page = (await gql.data(PAGE, {"first": 100}))["offerings"]
    assert len(page["edges"]) == min(100, len(demo.visible()))


@pytest.mark.parametrize("first", [101, 1000, -1])
async def test_page_size_out_of_range_is_a_bad_user_input(gql: GraphQLClient, first: int) -> None:
    assert await gql.error_codes(PAGE, {"first": first}) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("cursor", ["garbage", "", "WyJ0aXRsZV9pdDpBU0MiXQ", "%%%"])
async def test_malformed_cursor_is_a_bad_user_input(gql: GraphQLClient, cursor: str) -> None:
    assert await gql.error_codes(PAGE, {"first": 5, "after": cursor}) == ["BAD_USER_INPUT"]


async def test_cursor_of_another_ordering_is_a_bad_user_input(gql: GraphQLClient) -> None:
    page = (await gql.data(PAGE, {"first": 5}))["offerings"]
    cursor = page["pageInfo"]["endCursor"]
    variables: dict[str, Any] = {"first": 5, "after": cursor, "order": {"field": "PRICE"}}
    assert await gql.error_codes(PAGE, variables) == ["BAD_USER_INPUT"]


async def test_provider_list_pages_concatenate(gql: GraphQLClient) -> None:
    query = """
    query($after: String) {
      providers(first: 9, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { name } }
      }
    }"""
    names: list[str] = []
    after = None
    while True:
        page = (await gql.data(query, {"after": after}))["providers"]
        names += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(names) == page["totalCount"] == len(demo.providers())
    assert [demo.sort_key(n) for n in names] == sorted(demo.sort_key(n) for n in names)
