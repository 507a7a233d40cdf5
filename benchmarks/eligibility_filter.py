"""Cost of the `eligibleFor` filter over a large catalogue, relative to an unfiltered page.

    .venv/bin/python -m benchmarks.eligibility_filter [--offerings 100000] [--repeat 30]

Generates a catalogue in a temporary SQLite database (or `--database-url`): providers,
offerings across the four areas, and eligibility rules as a real registry and real
sources give them (one per area, some per provider, many per offering drawn from a few
dozen distinct bodies, as source age bounds are). Then runs the same portal page, with
`totalCount`, through the hub in-process with and without `eligibleFor` (and with the
Saturday-morning availability filter too), alternating them so every variant sees the
same machine state, and prints the median times and their ratios to the unfiltered page.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Area, EligibilityRule, Offering, Provider, RuleScope, Source
from models.audience import age_rule
from models.db import create_engine, init_db, session_factory
from models.eligibility import parse_rule, rule_json
from models.rule import refresh_rule_sets, rule_hash
from resolvers.context import Context
from schema import build_schema

QUERY = """
query Page($filter: OfferingFilter) {
  offerings(first: 20, filter: $filter) {
    totalCount
    edges { node { id title area provider { name } } }
  }
}
"""
PROFILE = {
    "category": "FREELANCER",
    "age": 34,
    "childrenAges": [3],
    "residenceCap": "20159",
}
VARIANTS: dict[str, dict[str, Any] | None] = {
    "unfiltered": None,
    "eligibleFor": {"eligibleFor": PROFILE},
    "eligibleFor + unknown": {"eligibleFor": PROFILE, "includeUnknownEligibility": True},
    "eligibleFor + area": {"eligibleFor": PROFILE, "area": "FAMILY_CARE"},
}
AREA_RULES = {
    Area.WORK_SERVICES: {
        "any": [
            {"category": ["FREELANCER", "ALLIANCE_EMPLOYEE"]},
            {"all": [{"category": ["SME_EMPLOYEE"]}, {"employerInDistrict": True}]},
        ]
    }
}
PROVIDER_RULES = [
    {"category": ["ALLIANCE_EMPLOYEE"]},
    {"employerAllianceMember": True},
    {"residenceCap": ["20124", "20125", "20158", "20159", "20161", "20162"]},
]
OFFERING_RULES = [
    {"isee": {"max": 30000}},
    {"category": ["FREELANCER"]},
    {"not": {"category": ["RESIDENT"]}},
    {"any": [{"age": {"min": 65}}, {"dependentParent": True}]},
]


def rule_rows(
    offering_ids: list[int], provider_ids: list[int], rng: random.Random
) -> list[dict[str, Any]]:
    """Rules for a generated catalogue: per area, per provider (10%), per offering (40%)."""
    bodies = [rule_json(parse_rule(rule)) for rule in OFFERING_RULES]
    bodies += [
        rule_json(parse_rule(rule))
        for low in range(0, 18, 3)
        for high in range(low + 2, 19, 4)
        if (rule := age_rule(low or None, high)) is not None
    ]
    rows = [
        _row(RuleScope.AREA, rule_json(parse_rule(body)), area=area)
        for area, body in AREA_RULES.items()
    ]
    rows += [
        _row(RuleScope.PROVIDER, rule_json(parse_rule(rng.choice(PROVIDER_RULES))), provider_id=pid)
        for pid in provider_ids
        if rng.random() < 0.1
    ]
    rows += [
        _row(RuleScope.OFFERING, rng.choice(bodies), offering_id=oid)
        for oid in offering_ids
        if rng.random() < 0.4
    ]
    return rows


def _row(scope: RuleScope, body: str, **target: Any) -> dict[str, Any]:
    values = {"area": None, "provider_id": None, "offering_id": None, **target}
    return {"scope": scope, "body": body, "body_hash": rule_hash(body), "source_id": 1, **values}


async def build(engine: AsyncEngine, offerings: int) -> int:
    """Fill the database; returns the number of distinct rule bodies."""
    rng = random.Random(2026)
    await init_db(engine)
    changed = datetime(2026, 11, 1, tzinfo=UTC)
    async with session_factory(engine).begin() as session:
        session.add(Source(id=1, name="bench", kind="hsds", url="bench"))
        await session.flush()
        providers = max(offerings // 100, 1)
        await session.execute(
            sa.insert(Provider),
            [
                {"name": f"Ente {n}", "name_sort": f"ente {n:06}", "alliance_member": n % 3 == 0}
                for n in range(providers)
            ],
        )
        provider_ids = list((await session.execute(sa.select(Provider.id))).scalars())  # type: ignore[call-overload]
        areas = list(Area)
        for start in range(0, offerings, 10_000):
            await session.execute(
                sa.insert(Offering),
                [
                    {
                        "provider_id": provider_ids[n % providers],
                        "title_it": f"Servizio {n:06}",
                        "title_sort_it": f"servizio {n:06}",
                        "title_sort_en": f"servizio {n:06}",
                        "area": areas[n % 4],
                        "delivery_mode": "IN_PERSON",
                        "status": "ACTIVE",
                        "last_changed_at": changed,
                    }
                    for n in range(start, min(start + 10_000, offerings))
                ],
            )
        offering_ids = list((await session.execute(sa.select(Offering.id))).scalars())  # type: ignore[call-overload]
        rows = rule_rows(offering_ids, provider_ids, rng)
        for start in range(0, len(rows), 10_000):
            await session.execute(sa.insert(EligibilityRule), rows[start : start + 10_000])
        await refresh_rule_sets(session)  # what the sync engine and a registry import do
        return len({row["body_hash"] for row in rows})


SCHEMA = build_schema()


async def page(engine: AsyncEngine, flt: dict[str, Any] | None) -> int:
    """Run the page once; returns its totalCount."""
    result = await SCHEMA.execute(
        QUERY, variable_values={"filter": flt}, context_value=Context(session_factory(engine))
    )
    if result.errors or result.data is None:
        raise RuntimeError(result.errors)
    total: int = result.data["offerings"]["totalCount"]
    return total


async def measure(engine: AsyncEngine, repeat: int) -> dict[str, tuple[float, int]]:
    """Median seconds and totalCount of each variant, run alternately."""
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    totals: dict[str, int] = {}
    for _ in range(repeat):
        for name, flt in VARIANTS.items():
            began = time.perf_counter()
            totals[name] = await page(engine, flt)
            times[name].append(time.perf_counter() - began)
    return {name: (statistics.median(values), totals[name]) for name, values in times.items()}


async def main(offerings: int, repeat: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine = create_engine(url)
        try:
            began = time.perf_counter()
            distinct = await build(engine, offerings)
            print(
                f"catalogue: {offerings} offerings, {distinct} distinct rule bodies "
                f"(built in {time.perf_counter() - began:.1f} s)"
            )
            await page(engine, None)  # warm caches
            results = await measure(engine, repeat)
        finally:
            await engine.dispose()
    base = results["unfiltered"][0]
    print(f"{'page of 20 + totalCount':<26}{'median ms':>10}{'matches':>9}{'ratio':>7}")
    for name, (seconds, total) in results.items():
        print(f"{name:<26}{seconds * 1000:>10.1f}{total:>9}{seconds / base:>7.2f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offerings", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="Default: a temporary SQLite file.")
    args = parser.parse_args()
    asyncio.run(main(args.offerings, args.repeat, args.database_url))


if __name__ == "__main__":
    cli()
