"""Relay connections (https://relay.dev/graphql/connections.htm) built from resolver pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry import relay

from resolvers.pagination import Page

# A Relay connection's fields (https://relay.dev/graphql/connections.htm), described as
# strawberry's relay.Connection describes them; the hub's connections add a lazy pageInfo.
PAGE_INFO = "Pagination data for this connection"
EDGES = "Contains the nodes in this connection"
NODES = "The nodes of the page, in order (each edge's `node`), for clients that need no cursor."


def edges(page: Page[Any], node: Callable[[Any], Any]) -> list[relay.Edge[Any]]:
    """The edges of a connection holding the page's items converted by `node`."""
    return [
        relay.Edge(cursor=cursor, node=node(item))
        for cursor, item in zip(page.cursors, page.items, strict=True)
    ]


async def page_info(page: Page[Any]) -> relay.PageInfo:
    """The page's PageInfo; whether a next page exists is asked of the database only now,
    when a page of no items (`first: 0`) did not read it."""
    return relay.PageInfo(
        has_next_page=await page.next_page_exists(),
        has_previous_page=page.has_previous_page,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )
