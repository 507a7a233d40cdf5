"""Per-run memory of the sync engine: does a run's memory grow with the feed?

    .venv/bin/python -m benchmarks.sync_memory [--records 5000] [--factor 4]

A generated feed is streamed by a connector that holds nothing itself (each record is
made when the engine asks for it), so what grows with the feed is the engine's own.
The feed has one provider per 50 offerings, a location per 10, and one offering in 20
invalid (quarantined) or repeated. It is synced into a fresh SQLite database twice
(all created, then all unchanged) with `--records` offerings and with `--factor` times
as many, and the peak of Python allocations during each sync (tracemalloc) is printed,
with the ratio between the large and the small feed: 1.0 means the engine keeps nothing
per record. Target: <= 1.25.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import tracemalloc
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from stdnum import luhn

from connectors.config import SourceConfig
from connectors.fetch import Fetcher, http_client
from connectors.mapping import Classifier
from connectors.records import Item, LocationRecord, OfferingRecord, ProviderRecord
from connectors.registry import CONNECTORS
from connectors.sync import sync_source
from models import SyncStatus
from models.db import create_engine, init_db, session_factory
from models.taxonomy import CATEGORIES

KIND = "generated"
PER_PROVIDER = 50
PER_LOCATION = 10
TARGET = 1.25


def vat(number: int) -> str:
    """A partita IVA with a valid check digit (Milan office code 015)."""
    body = f"{number:07d}015"
    return body + luhn.calc_check_digit(body)


class Generated:
    """A connector whose feed is generated on the fly from its size."""

    kind = KIND
    complete_snapshot = True

    def __init__(
        self, source: SourceConfig, _fetcher: Fetcher, _state: Mapping[str, object]
    ) -> None:
        self.size = int(str(source.url))
        self.classifier = Classifier()

    async def records(self) -> AsyncIterator[Item]:
        # Each provider with its locations and offerings (dependency order): every batch
        # holds the same mix of records whatever the size of the feed.
        for n in range(self.size):
            owner = f"org-{n // PER_PROVIDER}"
            if n % PER_PROVIDER == 0:
                yield ProviderRecord(owner, f"Organizzazione {n}", vat_number=vat(n + 1))
            if n % PER_LOCATION == 0:
                place = f"loc-{n // PER_LOCATION}"
                yield LocationRecord(place, owner, address=f"Via Borsieri {n}", cap="20159")
            category = CATEGORIES[n % len(CATEGORIES)].code
            title = "" if n % 40 == 7 else f"Servizio {n}"  # no title: quarantined
            external_id = f"svc-{n - 1 if n % 40 == 9 else n}"  # repeats the one before
            yield OfferingRecord(
                external_id,
                owner,
                title,
                description_it="Un servizio di welfare per chi lavora nel quartiere Isola.",
                categories=(category,),
                location_external_ids=(f"loc-{n // PER_LOCATION}",),
            )


async def peak_of_syncs(size: int, directory: Path) -> list[int]:
    """Peak traced bytes of a first and a second sync of a feed of `size` offerings."""
    engine = create_engine(f"sqlite+aiosqlite:///{directory}/memory-{size}.db")
    await init_db(engine)
    source = SourceConfig(name=f"generated-{size}", kind=KIND, url=str(size))
    peaks = []
    try:
        async with http_client() as client:
            for _ in range(2):
                tracemalloc.start()
                run = await sync_source(session_factory(engine), source, client)
                peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
                if run.status is not SyncStatus.SUCCEEDED:
                    raise RuntimeError(f"sync failed: {run.error}")
    finally:
        await engine.dispose()
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--factor", type=int, default=4)
    options = parser.parse_args()
    CONNECTORS[KIND] = Generated
    small, large = options.records, options.records * options.factor
    with tempfile.TemporaryDirectory() as directory:
        figures = {
            size: asyncio.run(peak_of_syncs(size, Path(directory))) for size in (small, large)
        }
    print(f"{'sync':<24} {f'{small} offerings':>16} {f'{large} offerings':>16} {'ratio':>7}")
    ratios = []
    for n, name in enumerate(("first (all created)", "again (all unchanged)")):
        low, high = figures[small][n] / 2**20, figures[large][n] / 2**20
        ratios.append(high / low)
        print(f"{name:<24} {low:>12.1f} MiB {high:>12.1f} MiB {high / low:>6.2f}x")
    verdict = "MET" if max(ratios) <= TARGET else "NOT MET"
    worst = max(ratios)
    print(f"peak memory, {options.factor}x the feed: {worst:.2f}x (target <= {TARGET}x) {verdict}")


if __name__ == "__main__":
    main()
