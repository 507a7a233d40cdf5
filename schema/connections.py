"""Relay connections (https://relay.dev/graphql/connections.htm) built from resolver pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry import relay

from resolvers.pagination import Page


def connection_fields(page: Page[Any], node: Callable[[Any], Any]) -> dict[str, Any]:
    """`page_info` and `edges` of a connection holding the page's items converted by `node`."""
    return {
        "page_info": relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        "edges": [
            relay.Edge(cursor=cursor, node=node(item))
            for cursor, item in zip(page.cursors, page.items, strict=True)
        ],
    }
