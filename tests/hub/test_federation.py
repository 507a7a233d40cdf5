"""The hub composed with another subgraph and queried through an Apollo gateway
(tests/node/federation.mjs), as the city's supergraph would use it."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client
from tests.utils.node import run_script
from tests.utils.server import serving


async def _supergraph(engine: AsyncEngine) -> dict[str, Any]:
    """The summary of federation.mjs run against the hub served on 127.0.0.1."""
    app = create_app(engine=engine)
    try:
        async for base_url in serving(app):
            finished = await run_script("federation.mjs", f"{base_url}/graphql")
    finally:
        await app.state.pipeline.close()
    assert finished.code == 0, finished.stderr
    summary: dict[str, Any] = orjson.loads(finished.stdout)
    return summary


async def _hub(engine: AsyncEngine, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The hub's own answer, to compare the gateway's with."""
    async with hub_client(create_app(engine=engine)) as client:
        return await GraphQLClient(client).data(query, variables)


async def test_the_hub_composes_with_another_subgraph_behind_a_gateway(
    full_demo_engine: AsyncEngine,
) -> None:
    summary = await _supergraph(full_demo_engine)

    assert summary["composed"]
    for answer in ("hubToPortal", "portalToHub", "byVatNumber"):
        assert "errors" not in summary[answer], summary[answer]["errors"]

    # Hub -> portal: the hub's offerings, with the portal's field for each.
    offerings = summary["hubToPortal"]["data"]["offerings"]["nodes"]
    assert len(offerings) == 3
    assert all(o["portalHighlight"] == f"In evidenza sul portale: {o['id']}" for o in offerings)

    # Portal -> hub: the portal's references, resolved by the hub's _entities.
    featured = summary["portalToHub"]["data"]["featuredOfferings"]
    assert [o["id"] for o in featured] == summary["featured"]
    expected = await _hub(
        full_demo_engine,
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Offering {"
        " id title provider { name vatNumber } } } }",
        {"ids": summary["featured"]},
    )
    assert [{k: o[k] for k in ("id", "title", "provider")} for o in featured] == expected["nodes"]

    # By partita IVA into the hub, and from the hub's offerings back to the portal.
    partner = summary["byVatNumber"]["data"]["partnerOfTheMonth"]
    provider = await _hub(
        full_demo_engine,
        "query($vat: String!) { providers(filter: {vatNumber: $vat}) { nodes { name } } }",
        {"vat": summary["partner"]},
    )
    assert partner["vatNumber"] == summary["partner"]
    assert [partner["name"]] == [p["name"] for p in provider["providers"]["nodes"]]
    assert partner["offerings"]["nodes"]
    assert all(o["portalHighlight"].endswith(o["id"]) for o in partner["offerings"]["nodes"])

    assert summary["requests"]["hub"] >= 3
    assert summary["requests"]["portal"] >= 3
