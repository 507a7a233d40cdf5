"""Cost of a catalogue page: SQL statements per request of the general executor, and the
in-process time of both executors relative to a raw SQL + orjson baseline producing the
same rows.

    .venv/bin/python -m benchmarks.query_cost [--repeat 200]

Builds a temporary SQLite database from the demo sources (the real sync path), then
for page sizes 10, 50 and 100 runs the same portal query through the hub's pipeline (the
general executor, and the compiled path: one statement) and through hand-written SQL,
alternating them so all see the same machine state. Prints ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.config import load_sources
from connectors.fetch import http_client
from connectors.sync import sync_source
from hub.pipeline import Compiling, GraphQLRequest, Pipeline
from models.db import create_engine, init_db, session_factory
from schema import build_schema

ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZES = (10, 50, 100)

QUERY = """
query Page($first: Int!) {
  offerings(first: $first) {
    totalCount
    edges { node {
      id title area minPrice
      provider { id name allianceMember }
      locations { id address cap inDistrict }
      categories { id code label }
    } }
  }
}
"""

_PAGE_SQL = sa.text(
    "SELECT id, title_it, area, min_price_cents, provider_id FROM offering "
    "WHERE status != 'WITHDRAWN' ORDER BY title_sort_it, id LIMIT :limit"
)
_COUNT_SQL = sa.text("SELECT count(*) FROM offering WHERE status != 'WITHDRAWN'")


async def baseline(engine: AsyncEngine, first: int) -> bytes:
    """The same response built with hand-written SQL (one statement per edge) and orjson."""
    async with engine.connect() as conn:
        total = (await conn.execute(_COUNT_SQL)).scalar_one()
        rows = (await conn.execute(_PAGE_SQL, {"limit": first})).all()
        ids = [row.id for row in rows]
        provider_ids = sorted({row.provider_id for row in rows})
        providers = {
            p.id: p
            for p in await conn.execute(
                sa.text(
                    "SELECT id, name, alliance_member FROM provider WHERE id IN :ids"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": provider_ids},
            )
        }
        locations: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for row in await conn.execute(
            sa.text(
                "SELECT ol.offering_id, l.id, l.address, l.cap, l.in_district "
                "FROM offering_location ol JOIN location l ON l.id = ol.location_id "
                "WHERE ol.offering_id IN :ids ORDER BY ol.offering_id, l.id"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        ):
            place = {"id": row.id, "address": row.address, "cap": row.cap}
            locations[row.offering_id].append({**place, "inDistrict": row.in_district})
        categories: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for row in await conn.execute(
            sa.text(
                "SELECT oc.offering_id, c.id, c.code, c.label_it FROM offering_category oc "
                "JOIN category c ON c.id = oc.category_id WHERE oc.offering_id IN :ids "
                "ORDER BY oc.offering_id, c.position"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        ):
            categories[row.offering_id].append(
                {"id": row.id, "code": row.code, "label": row.label_it}
            )
    edges = []
    for row in rows:
        provider = providers[row.provider_id]
        price = None if row.min_price_cents is None else f"{row.min_price_cents / 100:.2f}"
        edges.append(
            {
                "node": {
                    "id": row.id,
                    "title": row.title_it,
                    "area": row.area,
                    "minPrice": price,
                    "provider": {
                        "id": provider.id,
                        "name": provider.name,
                        "allianceMember": provider.alliance_member,
                    },
                    "locations": locations[row.id],
                    "categories": categories[row.id],
                }
            }
        )
    return orjson.dumps({"data": {"offerings": {"totalCount": total, "edges": edges}}})


async def hub(pipeline: Pipeline, first: int) -> bytes:
    """The response as the hub's pipeline computes it in-process (no response cache)."""
    response = await pipeline.run(GraphQLRequest(QUERY, {"first": first}))
    if not response.ok:
        raise RuntimeError(response.body[:500])
    return response.body


def count_statements(engine: AsyncEngine) -> list[str]:
    statements: list[str] = []
    sa.event.listen(
        engine.sync_engine,
        "before_cursor_execute",
        lambda *args: statements.append(str(args[2])),
    )
    return statements


async def median_time(run: Callable[[], Awaitable[bytes]], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        await run()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


async def main(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        engine = create_engine(f"sqlite+aiosqlite:///{directory}/bench.db")
        await init_db(engine)
        async with http_client() as client:
            for source in load_sources(ROOT / "data" / "demo" / "sources.toml"):
                await sync_source(session_factory(engine), source, client)
        sessions = session_factory(engine)
        general = Pipeline(build_schema(), sessions, compiled=Compiling(enabled=False))
        compiled = Pipeline(build_schema(), sessions, compiled=Compiling(hot_after=1))
        statements = count_statements(engine)
        print(
            f"{'page size':>10} {'statements':>11} {'general ms':>11} {'compiled ms':>12}"
            f" {'SQL+orjson ms':>14} {'general/base':>13} {'compiled/base':>14}"
        )
        for first in PAGE_SIZES:
            await hub(general, first)  # warm caches and pools
            await hub(compiled, first)
            statements.clear()
            await hub(general, first)
            count = len(statements)
            times: dict[str, list[float]] = {"general": [], "compiled": [], "base": []}
            runs: dict[str, Callable[[], Awaitable[bytes]]] = {
                "general": partial(hub, general, first),
                "compiled": partial(hub, compiled, first),
                "base": partial(baseline, engine, first),
            }
            for _ in range(5):  # alternate rounds so all see the same conditions
                for name, run in runs.items():
                    times[name].append(await median_time(run, repeat // 5))
            ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
            print(
                f"{first:>10} {count:>11} {ms['general']:>11.2f} {ms['compiled']:>12.2f}"
                f" {ms['base']:>14.2f} {ms['general'] / ms['base']:>13.2f}"
                f" {ms['compiled'] / ms['base']:>14.2f}"
            )
        await general.close()
        await compiled.close()
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="Timed runs per variant.")
    asyncio.run(main(parser.parse_args().repeat))
