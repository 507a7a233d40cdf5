"""Reading whole lists out of the API, page by page."""

from __future__ import annotations

from typing import Any

from tests.utils.graphql import GraphQLClient

ALL_OFFERINGS = """
query All($filter: OfferingFilter, $order: OfferingOrder, $after: String) {
  offerings(filter: $filter, orderBy: $order, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id title minPrice lastChanged: provenance { lastChangedAt }
      provenance { externalId }
    } }
  }
}
"""


async def all_offerings(
    gql: GraphQLClient,
    filter: dict[str, Any] | None = None,
    order: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Every offering matching `filter`, in order, and the reported totalCount."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"filter": filter, "order": order, "after": after}
        page = (await gql.data(ALL_OFFERINGS, variables, headers=headers))["offerings"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


async def external_ids(gql: GraphQLClient, filter: dict[str, Any] | None = None) -> set[str]:
    """The external ids of the offerings matching `filter` (checking totalCount agrees)."""
    nodes, total = await all_offerings(gql, filter)
    ids = [node["provenance"]["externalId"] for node in nodes]
    assert total == len(ids), f"totalCount {total} but {len(ids)} offerings listed"
    assert len(set(ids)) == len(ids), "an offering was listed twice"
    return set(ids)
