"""The two databases of the peer benchmark, holding one catalogue.

- The peer database (PostGraphile's) gets `schema.sql` and `seed.sql` of this directory: the
  reference tables and their deterministic data (40 providers, 120 locations, 10,000
  offerings, 20,000 offering_location rows).
- The hub database gets the same catalogue through the hub's own write path: the peer
  database's rows are written as an Open Referral HSDS 3 bundle and synced by the `hsds`
  connector (`connectors.sync.sync_source`), as a member's feed would be.
"""

from __future__ import annotations

import contextlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson
import sqlalchemy as sa

from benchmarks.sync_throughput import vat
from connectors.config import SourceConfig
from connectors.fetch import http_client
from connectors.hsds import CATEGORY_TAXONOMY
from connectors.sync import sync_source
from models import Offering, OfferingLocation, SyncStatus
from models.db import create_engine, init_db, session_factory
from models.enums import Area
from models.taxonomy import CATEGORIES

HERE = Path(__file__).resolve().parent
SCHEMA_SQL = HERE / "schema.sql"
SEED_SQL = HERE / "seed.sql"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

# What seed.sql holds; both databases are checked against it.
PROVIDERS, LOCATIONS, OFFERINGS, LINKS = 40, 120, 10_000, 20_000


class CatalogueError(RuntimeError):
    """A database could not be created or does not hold the expected catalogue."""


def check_loopback(url: str) -> None:
    """Raises ValueError unless `url` names a server on this machine's loopback."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"refusing a PostgreSQL server that is not on loopback: {host!r}")


def database_url(admin_url: str, name: str, scheme: str | None = None) -> str:
    """`admin_url` pointing at database `name` (with another scheme when given)."""
    parts = urlsplit(admin_url)
    return urlunsplit((scheme or parts.scheme, parts.netloc, f"/{name}", "", ""))


def unique_name(role: str) -> str:
    """A database name no other run uses: `concilia_peer_<role>_<random>`."""
    return f"concilia_peer_{role}_{secrets.token_hex(4)}"


async def create_database(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(admin_url: str, name: str) -> None:
    """Drops `name`, closing whatever connections are left (PostgreSQL 13+)."""
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def postmaster_pid(admin_url: str) -> int | None:
    """The PID of the PostgreSQL server's main process when it runs on this machine (the
    parent of our backend, if /proc shows a `postgres` process there), else None."""
    connection = await asyncpg.connect(admin_url)
    try:
        backend = int(await connection.fetchval("SELECT pg_backend_pid()"))
        return _local_parent(backend)
    finally:
        await connection.close()


def _local_parent(backend: int) -> int | None:
    try:
        parent = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
        comm = Path(f"/proc/{parent}/comm").read_text().strip()
    except (OSError, IndexError, ValueError):
        return None
    return parent if comm.startswith("postgres") else None


def sql_statements(script: str) -> list[str]:
    """The statements of an SQL script, split at semicolons outside quotes and `--` comments
    (enough for schema.sql and seed.sql: no dollar quoting), comments removed."""
    statements: list[str] = []
    current: list[str] = []
    i, quote = 0, ""
    while i < len(script):
        char = script[i]
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            current.append(char)
        elif script.startswith("--", i):
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
            continue
        elif char == ";":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    statements.append("".join(current).strip())
    return [statement for statement in statements if statement]


async def load_peer(url: str) -> dict[str, int]:
    """schema.sql and seed.sql into the (empty) database at `url`, one statement at a time
    (seed.sql ends with VACUUM, which cannot run in a multi-statement string); the counts."""
    connection = await asyncpg.connect(url)
    try:
        for path in (SCHEMA_SQL, SEED_SQL):
            for statement in sql_statements(path.read_text(encoding="utf-8")):
                await connection.execute(statement)
        counts = {
            table: int(await connection.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("provider", "location", "offering", "offering_location")
        }
    finally:
        await connection.close()
    expected = {
        "provider": PROVIDERS,
        "location": LOCATIONS,
        "offering": OFFERINGS,
        "offering_location": LINKS,
    }
    if counts != expected:
        raise CatalogueError(f"the peer database holds {counts}, not {expected}")
    return counts


async def maintain(url: str) -> None:
    """VACUUM ANALYZE and CHECKPOINT, so no background work is left for the measurements."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("VACUUM ANALYZE")
        # Not a superuser: no checkpoint, which only makes the runs steadier.
        with contextlib.suppress(asyncpg.PostgresError):
            await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


# ---------------------------------------------------------------- the HSDS bundle

_CATEGORIES_OF: dict[str, list[str]] = defaultdict(list)
for _info in CATEGORIES:
    _CATEGORIES_OF[_info.area.value].append(_info.code)


def category_of(area: str, offering_id: int) -> str:
    """A category (of models.taxonomy) of the seed's `area`, rotating among the area's."""
    codes = _CATEGORIES_OF[Area(area).value]
    return codes[offering_id % len(codes)]


async def hsds_bundle(peer_url: str) -> dict[str, Any]:
    """The peer database's catalogue as an HSDS 3 bundle: organizations (name, a valid partita
    IVA, the `concilia.alliance_member` flag), locations (address, CAP, coordinates),
    services (title, description, a category of the seed's area, the price as a cost option)
    and service_at_locations (each offering at its 1-3 locations)."""
    connection = await asyncpg.connect(peer_url)
    try:
        providers = await connection.fetch(
            "SELECT id, name, alliance_member FROM provider ORDER BY id"
        )
        locations = await connection.fetch(
            "SELECT id, address, cap, lat, lon FROM location ORDER BY id"
        )
        offerings = await connection.fetch(
            "SELECT id, provider_id, title, description, area, price, updated_at"
            " FROM offering ORDER BY id"
        )
        links = await connection.fetch(
            "SELECT offering_id, location_id FROM offering_location"
            " ORDER BY offering_id, location_id"
        )
    finally:
        await connection.close()
    return {
        "organizations": [
            {
                "id": f"provider-{row['id']}",
                "name": row["name"],
                "tax_id": vat(row["id"]),
                "concilia": {"alliance_member": row["alliance_member"]},
            }
            for row in providers
        ],
        "locations": [
            {
                "id": f"location-{row['id']}",
                "latitude": row["lat"],
                "longitude": row["lon"],
                "addresses": [
                    {"address_1": row["address"], "postal_code": row["cap"], "city": "Milano"}
                ],
            }
            for row in locations
        ],
        "services": [_service(row) for row in offerings],
        "service_at_locations": [
            {
                "id": f"sal-{row['offering_id']}-{row['location_id']}",
                "service_id": f"offering-{row['offering_id']}",
                "location_id": f"location-{row['location_id']}",
            }
            for row in links
        ],
    }


def _service(row: asyncpg.Record) -> dict[str, Any]:
    price: Decimal | None = row["price"]
    return {
        "id": f"offering-{row['id']}",
        "organization_id": f"provider-{row['provider_id']}",
        "name": row["title"],
        "description": row["description"],
        "cost_options": [] if price is None else [{"amount": float(price), "currency": "EUR"}],
        "attributes": [
            {
                "taxonomy_term": {
                    "taxonomy": CATEGORY_TAXONOMY,
                    "code": category_of(row["area"], row["id"]),
                }
            }
        ],
        "last_modified": row["updated_at"].isoformat(),
    }


@dataclass(frozen=True, slots=True)
class HubLoad:
    """What the sync into the hub database did."""

    status: str
    fetched: int
    created: int
    quarantined: int
    offerings: int
    offering_locations: int


async def load_hub(hub_url: str, bundle: dict[str, Any], directory: Path) -> HubLoad:
    """`init_db`, then one sync of `bundle` (written to `directory`) as an `hsds` source;
    raises CatalogueError unless it succeeded and the hub holds the whole catalogue."""
    path = directory / "peer-catalogue.hsds.json"
    path.write_bytes(orjson.dumps(bundle))
    engine = create_engine(hub_url)
    try:
        await init_db(engine)
        source = SourceConfig(
            name="peer-benchmark",
            kind="hsds",
            url=str(path),
            description="The peer benchmark's catalogue (benchmarks/peer/seed.sql)",
        )
        async with http_client() as client:
            run = await sync_source(session_factory(engine), source, client)
        async with engine.connect() as connection:
            offerings = int(
                await connection.scalar(sa.select(sa.func.count()).select_from(Offering)) or 0
            )
            links = int(
                await connection.scalar(sa.select(sa.func.count()).select_from(OfferingLocation))
                or 0
            )
    finally:
        await engine.dispose()
        path.unlink(missing_ok=True)
    load = HubLoad(run.status.value, run.fetched, run.created, run.quarantined, offerings, links)
    records = len(bundle["organizations"]) + len(bundle["locations"]) + len(bundle["services"])
    if (
        run.status is not SyncStatus.SUCCEEDED
        or run.quarantined
        or run.created != records
        or offerings != OFFERINGS
        or links != LINKS
    ):
        raise CatalogueError(
            f"the sync into the hub did not create the whole catalogue: {load}"
            f" (expected {records} records created, {OFFERINGS} offerings, {LINKS} links;"
            f" error: {run.error})"
        )
    return load


async def page_problems(peer_url: str, items: list[dict[str, Any]]) -> list[str]:
    """How a page of the hub's offerings differs from the peer database's rows of the same
    titles (titles are unique in seed.sql): area, minPrice (the seed's price), provider name
    and alliance membership, location addresses, for the fields the page has. inDistrict is
    not compared: the hub computes it from the coordinates, the seed sets it by row number."""
    connection = await asyncpg.connect(peer_url)
    try:
        rows = await connection.fetch(
            "SELECT o.title, o.area, o.price, p.name, p.alliance_member,"
            " array_agg(l.address ORDER BY l.address) AS addresses"
            " FROM offering o JOIN provider p ON p.id = o.provider_id"
            " JOIN offering_location ol ON ol.offering_id = o.id"
            " JOIN location l ON l.id = ol.location_id"
            " WHERE o.title = ANY($1::text[]) GROUP BY o.id, p.id",
            [item.get("title") for item in items],
        )
    finally:
        await connection.close()
    seed = {row["title"]: row for row in rows}
    problems: list[str] = []
    for item in items:
        row = seed.get(item.get("title"))
        if row is None:
            problems.append(f"{item.get('title')!r} is not an offering of the seed")
            continue
        found: dict[str, object] = {}
        expected: dict[str, object] = {}
        if "area" in item:
            found["area"], expected["area"] = item["area"], row["area"]
        if "minPrice" in item:
            price = item["minPrice"]
            found["minPrice"] = None if price is None else Decimal(str(price))
            expected["minPrice"] = row["price"]
        if isinstance(item.get("provider"), dict):
            provider = item["provider"]
            found["provider"] = (provider.get("name"), provider.get("allianceMember"))
            expected["provider"] = (row["name"], row["alliance_member"])
        if isinstance(item.get("locations"), list):
            found["locations"] = sorted(str(site.get("address")) for site in item["locations"])
            expected["locations"] = list(row["addresses"])
        for key, value in found.items():
            if value != expected[key]:
                problems.append(
                    f"{row['title']!r}: {key} {value!r}, the seed has {expected[key]!r}"
                )
    return problems
