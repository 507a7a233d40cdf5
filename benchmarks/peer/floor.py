"""The ceiling of any general executor built on graphql-core, for the peer queries.

A document the hub has never seen must be parsed and validated, then executed field by
field: that is graphql-core's work whatever the resolvers do. This measures that work
alone, in this process, on one core: parse and validate each query (a new text every
time, as hub-general sends) against the hub's own schema, then execute it with graphql-core
over a minimal schema of the same shape whose fields read plain dicts (its default
resolvers), with 50 rows of the peer catalogue's shape already in memory: no database, no
HTTP, no strawberry, no serialization. The request rate this allows is an upper bound of
hub-general's, and the report sets it beside PostGraphile's.

    .venv/bin/python -m benchmarks.peer.floor [--seconds 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLSchema,
    build_schema,
    execute,
    parse,
    specified_rules,
    validate,
)

from schema import build_schema as hub_schema

QUERIES = Path(__file__).parent / "queries" / "hub"
PAGE = 50

# The peer queries' fields, as plain object types (default resolvers read dict keys).
_SHAPE = """
type Query { offerings(first: Int): OfferingConnection! }
type OfferingConnection { nodes: [Offering!]! }
type Offering {
  id: ID!
  title: String!
  area: String!
  minPrice: Float
  provider: Provider!
  locations: [Location!]!
}
type Provider { name: String! allianceMember: Boolean! }
type Location { address: String! inDistrict: Boolean! }
"""


def _page() -> dict[str, Any]:
    nodes = [
        {
            "id": f"T2ZmZXJpbmc6{n}",
            "title": f"Servizio numero {n} del quartiere Isola",
            "area": "FAMILY_CARE",
            "minPrice": 12.5 + n,
            "provider": {"name": f"Cooperativa {n % 40}", "allianceMember": n % 2 == 0},
            "locations": [
                {"address": f"Via Borsieri {n}, Milano", "inDistrict": True},
                {"address": f"Via Thaon di Revel {n}, Milano", "inDistrict": False},
            ],
        }
        for n in range(PAGE)
    ]
    return {"offerings": {"nodes": nodes}}


def _rate(work: Callable[[int], object], seconds: float) -> float:
    """Calls of `work` per second, over about `seconds` (after a short warm-up)."""
    for n in range(20):
        work(-n)
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            work(done)
            done += 1
    return done / elapsed


def ceiling(text: str, seconds: float = 3.0, schema: GraphQLSchema | None = None) -> float:
    """Requests per second graphql-core alone allows for a never-seen document of `text`
    (a peer query), on one core."""
    hub = schema or hub_schema()._schema
    shape = build_schema(_SHAPE)
    root = _page()

    def one(n: int) -> object:
        document = parse(f"{text}\n# {n}")
        if validate(hub, document, specified_rules):
            raise AssertionError(f"{text} is not valid against the hub's schema")
        result = execute(shape, document, root_value=root)
        if result.errors:  # type: ignore[union-attr]
            raise AssertionError(result.errors)  # type: ignore[union-attr]
        return result

    return _rate(one, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    from benchmarks.peer.harness import document  # noqa: PLC0415 - harness imports this module

    schema = hub_schema()._schema
    for query in ("q1_flat", "q2_nested"):
        rate = ceiling(document(QUERIES / f"{query}.graphql"), args.seconds, schema)
        print(f"{query}: graphql-core alone, a new document each time: {rate:,.0f} req/s")


if __name__ == "__main__":
    main()
