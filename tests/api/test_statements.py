"""The number of SQL statements depends on the query's shape, never on the page size."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.utils.graphql import GraphQLClient
from tests.utils.statements import count_statements

NESTED = """
query($first: Int!) {
  offerings(first: $first) {
    totalCount
    edges { node {
      id title
      provider { id name locations { id } }
      locations { id address cap }
      categories { id code label }
      languages costOptions { amount }
    } }
  }
}
"""

WITH_FRAGMENTS = """
fragment Place on Location { id cap }
fragment Card on Offering { title provider { name } locations { ...Place } }
query($first: Int!) {
  offerings(first: $first) { edges { node { ...Card ... on Offering { categories { code } } } } }
}
"""

PROVIDERS = """
query($first: Int!) {
  providers(first: $first) { edges { node {
    name locations { id }
    offerings(first: 5) {
      totalCount edges { node { title provider { name } categories { code } } }
    }
  } } }
}
"""


async def _statements(gql: GraphQLClient, engine: AsyncEngine, query: str, first: int) -> int:
    with count_statements(engine) as log:
        await gql.data(query, {"first": first})
    return len(log)


@pytest.mark.parametrize("query", [NESTED, WITH_FRAGMENTS, PROVIDERS])
async def test_statement_count_is_the_same_for_10_and_100_items(
    gql: GraphQLClient, demo_engine: AsyncEngine, query: str
) -> None:
    small = await _statements(gql, demo_engine, query, 10)
    large = await _statements(gql, demo_engine, query, 100)
    assert small == large
    assert small <= 10


async def test_nested_edges_are_prefetched_in_one_statement_each(
    gql: GraphQLClient, demo_engine: AsyncEngine
) -> None:
    # page + count + provider + offering locations + categories + languages + cost options
    # + the providers' locations (not prefetched, but batched)
    assert await _statements(gql, demo_engine, NESTED, 100) == 8


async def test_requests_do_not_share_loaders(
    http: httpx.AsyncClient, demo_engine: AsyncEngine
) -> None:
    gql = GraphQLClient(http)
    first = await _statements(gql, demo_engine, NESTED, 10)
    again = await _statements(gql, demo_engine, NESTED, 10)
    assert first == again


WHEN_AND_WHO = """
query($first: Int!) {
  offerings(first: $first, filter: {
    eligibleFor: {category: FREELANCER, age: 34, childrenAges: [3]}
    availableBetween: {from: "2026-11-30T00:00:00+01:00", to: "2026-12-07T00:00:00+01:00"}
  }) {
    totalCount
    edges { node {
      title eligibilityRules { scope summary } schedules { rrule }
      availability(from: "2026-11-30T00:00:00+01:00", to: "2026-12-07T00:00:00+01:00") {
        kind startsAt remaining
      }
      openAt(time: "2026-12-05T10:00:00+01:00")
    } }
  }
}
"""


async def test_eligibility_and_availability_fields_are_batched(
    full_demo: GraphQLClient, full_demo_engine: AsyncEngine
) -> None:
    counts = [await _statements(full_demo, full_demo_engine, WHEN_AND_WHO, n) for n in (3, 10, 30)]

    # Which loads share a batch depends a little on which offerings are on the page (an
    # offering open by its schedule asks for no slots), never on how many there are.
    assert max(counts) <= 12
    assert counts[2] <= counts[1] <= counts[0]


async def test_a_text_search_on_postgresql_does_not_walk_the_title_index(
    gql: GraphQLClient, demo_engine: AsyncEngine
) -> None:
    """On PostgreSQL the page of a text search is ordered by an expression no index
    matches, so the planner finds the matches with the trigram index (see
    resolvers.offerings.sort_key); SQLite, which has no such index, orders by the column."""
    query = '{ offerings(first: 5, filter: {text: "corso"}) { edges { node { id } } } }'
    with count_statements(demo_engine) as log:
        await gql.data(query)
    [page] = [s for s in log.statements if "ORDER BY" in s and "LIMIT" in s]
    unindexed = "title_sort_it || " in page
    assert unindexed is (demo_engine.dialect.name == "postgresql")


async def test_pages_leave_what_sources_said_to_the_field_that_shows_it(
    gql: GraphQLClient, demo_engine: AsyncEngine
) -> None:
    """What each row's writer said is a kilobyte of JSON an offering: the pages and their
    places do not read it; `provenance.overridden` reads it for a whole page at once."""
    with count_statements(demo_engine) as plain:
        await gql.data(NESTED, {"first": 20})
    assert not [s for s in plain.statements if ".said" in s or ".overrides" in s]
    overridden = """query($first: Int!) { offerings(first: $first) { nodes {
      provenance { overridden { field } } locations { provenance { overridden { field } } }
    } } }"""
    small = await _statements(gql, demo_engine, overridden, 5)
    assert small == await _statements(gql, demo_engine, overridden, 50)
