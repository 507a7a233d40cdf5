"""Sync throughput and memory: a generated HSDS 3 bundle of 100k services synced into a
fresh database, then synced again unchanged.

    .venv/bin/python -m benchmarks.sync_throughput [--services 100000] [--database-url URL]

Prints records/s for the first sync and for the no-change re-sync (and their ratio),
and the peak RSS of each sync's process relative to the size of the bundle. Each sync
runs in a process of its own so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from stdnum import luhn

from connectors.config import SourceConfig
from connectors.fetch import http_client
from connectors.sync import sync_source
from models import SyncStatus
from models.db import create_engine, init_db, session_factory
from models.taxonomy import CATEGORIES

SERVICES_PER_ORGANIZATION = 50
SERVICES_PER_LOCATION = 10


def vat(number: int) -> str:
    """A partita IVA with a valid check digit (Milan office code 015)."""
    body = f"{number:07d}015"
    return body + luhn.calc_check_digit(body)


def bundle(services: int) -> dict[str, Any]:
    """A deterministic HSDS bundle with `services` services."""
    rng = random.Random(100_000)
    organizations = [
        {"id": f"org-{n}", "name": f"Organizzazione {n}", "tax_id": vat(n + 1)}
        for n in range(services // SERVICES_PER_ORGANIZATION)
    ]
    locations = [
        {
            "id": f"loc-{n}",
            "organization_id": f"org-{n * SERVICES_PER_LOCATION // SERVICES_PER_ORGANIZATION}",
            "latitude": round(45.482 + rng.random() * 0.013, 6),
            "longitude": round(9.180 + rng.random() * 0.019, 6),
            "addresses": [{"address_1": f"Via Borsieri {n % 90 + 1}", "postal_code": "20159"}],
        }
        for n in range(services // SERVICES_PER_LOCATION)
    ]
    items = []
    for n in range(services):
        category = CATEGORIES[n % len(CATEGORIES)]
        items.append(
            {
                "id": f"svc-{n}",
                "organization_id": f"org-{n // SERVICES_PER_ORGANIZATION}",
                "name": f"Servizio {n} di {category.label_it.lower()}",
                "description": "Un servizio di welfare per chi lavora nel quartiere Isola.",
                "languages": [{"code": "it"}, {"code": "en"}] if n % 3 else [{"code": "it"}],
                "cost_options": [{"amount": rng.choice([0, 12.5, 45, 180])}],
                "attributes": [
                    {"taxonomy_term": {"taxonomy": "concilia-categories", "code": category.code}}
                ],
                "concilia": {"name_en": f"Service {n}"},
            }
        )
    links = [
        {
            "id": f"sal-{n}",
            "service_id": f"svc-{n}",
            "location_id": f"loc-{n // SERVICES_PER_LOCATION}",
        }
        for n in range(services)
    ]
    return {
        "organizations": organizations,
        "locations": locations,
        "services": items,
        "service_at_locations": links,
    }


async def sync_once(database_url: str, path: Path) -> tuple[float, int, str]:
    """One sync of the bundle at `path`: seconds, records read, status."""
    engine = create_engine(database_url)
    await init_db(engine)
    source = SourceConfig(name="benchmark", kind="hsds", url=str(path))
    try:
        async with http_client() as client:
            start = time.perf_counter()
            run = await sync_source(session_factory(engine), source, client)
            elapsed = time.perf_counter() - start
    finally:
        await engine.dispose()
    return elapsed, run.fetched, run.status.value


def child(database_url: str, path: Path) -> None:
    """Run one sync and print its figures as JSON (the parent reads them)."""
    elapsed, records, status = asyncio.run(sync_once(database_url, path))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        orjson.dumps(
            {"seconds": elapsed, "records": records, "status": status, "peak_kib": peak_kib}
        ).decode()
    )


def run_child(database_url: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.sync_throughput", "--child", str(path)]
    done = subprocess.run(  # noqa: S603 - this very script
        [*command, "--database-url", database_url], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = orjson.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != SyncStatus.SUCCEEDED.value:
        raise RuntimeError(f"sync did not succeed: {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="Default: a temporary SQLite file.")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        database_url = options.database_url or f"sqlite+aiosqlite:///{directory}/bench.db"
        if options.child:
            child(database_url, options.child)
            return
        path = Path(directory) / "bundle.json"
        path.write_bytes(orjson.dumps(bundle(options.services)))
        size_mib = path.stat().st_size / 2**20
        first = run_child(database_url, path)
        again = run_child(database_url, path)
    print(f"bundle: {options.services} services, {first['records']} records, {size_mib:.1f} MiB")
    print(f"{'sync':<22} {'seconds':>8} {'records/s':>10} {'peak RSS MiB':>13} {'RSS/bundle':>11}")
    for name, figures in (("first (all created)", first), ("again (all unchanged)", again)):
        rate = figures["records"] / figures["seconds"]
        peak = figures["peak_kib"] / 1024
        seconds, ratio = figures["seconds"], peak / size_mib
        print(f"{name:<22} {seconds:>8.1f} {rate:>10.0f} {peak:>13.0f} {ratio:>11.1f}")
    print(
        f"no-change re-sync is {first['seconds'] / again['seconds']:.1f}x as fast as the first sync"
    )


if __name__ == "__main__":
    main()
