"""An oracle over the demo bundles: what the catalogue should hold, read straight from
the HSDS JSON files, independently of the sync engine."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from connectors.config import SourceConfig, load_sources
from models.district import in_district
from models.taxonomy import CATEGORY_INFO

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"

_STATUS = {
    "active": "ACTIVE",
    "temporarily closed": "SUSPENDED",
    "inactive": "WITHDRAWN",
    "defunct": "WITHDRAWN",
}


@dataclass(frozen=True)
class DemoOffering:
    """What one demo service should look like in the graph."""

    external_id: str
    title_it: str
    title_en: str | None
    description_it: str | None
    provider_external_id: str
    provider_name: str
    alliance_member: bool
    area: str
    categories: tuple[str, ...]
    status: str
    delivery_mode: str
    languages: tuple[str, ...]
    min_price: Decimal | None
    is_free: bool
    in_district: bool


def plain(text: str) -> str:
    """Lower-cased text without accents (the oracle's own folding)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def sources() -> list[SourceConfig]:
    """The demo's HSDS bundle sources: the part of the demo this oracle reads."""
    return [s for s in load_sources(DEMO / "sources.toml") if s.kind == "hsds"]


@cache
def bundles() -> list[dict[str, Any]]:
    return [orjson.loads(Path(source.url).read_bytes()) for source in sources()]


@cache
def offerings() -> tuple[DemoOffering, ...]:
    """Every demo service, as the hub should present it."""
    result = []
    for bundle in bundles():
        orgs = {org["id"]: org for org in bundle["organizations"]}
        places = {loc["id"]: loc for loc in bundle.get("locations", [])}
        sites: dict[str, list[str]] = {}
        for link in bundle.get("service_at_locations", []):
            sites.setdefault(link["service_id"], []).append(link["location_id"])
        org_district = {
            org_id: any(
                _located_in_district(loc)
                for loc in places.values()
                if loc.get("organization_id") == org_id
            )
            for org_id in orgs
        }
        for service in bundle["services"]:
            org = orgs[service["organization_id"]]
            extension = service.get("concilia", {})
            codes = tuple(
                a["taxonomy_term"]["code"]
                for a in service.get("attributes", [])
                if a.get("taxonomy_term", {}).get("taxonomy") == "concilia-categories"
            )
            amounts = [
                Decimal(str(o["amount"]))
                for o in service.get("cost_options", [])
                if o.get("amount") is not None
            ]
            located = [places[i] for i in sites.get(service["id"], []) if i in places]
            district = (
                any(_located_in_district(loc) for loc in located)
                if located
                else org_district[org["id"]]
            )
            result.append(
                DemoOffering(
                    external_id=service["id"],
                    title_it=service["name"],
                    title_en=extension.get("name_en"),
                    description_it=service.get("description"),
                    provider_external_id=org["id"],
                    provider_name=org["name"],
                    alliance_member=bool(org.get("concilia", {}).get("alliance_member")),
                    area=CATEGORY_INFO[codes[0]].area.value,
                    categories=codes,
                    status=_STATUS[service.get("status", "active")],
                    delivery_mode=extension.get("delivery_mode")
                    or ("IN_PERSON" if located else "ONLINE"),
                    languages=tuple(
                        dict.fromkeys(lang["code"].lower() for lang in service.get("languages", []))
                    ),
                    min_price=min(amounts) if amounts else None,
                    is_free=bool(amounts) and min(amounts) == 0,
                    in_district=district,
                )
            )
    return tuple(result)


def visible() -> list[DemoOffering]:
    """The demo offerings the catalogue lists by default (all but withdrawn)."""
    return [o for o in offerings() if o.status != "WITHDRAWN"]


def providers() -> list[dict[str, Any]]:
    return [org for bundle in bundles() for org in bundle["organizations"]]


def _located_in_district(location: dict[str, Any]) -> bool:
    address = (location.get("addresses") or [{}])[0]
    return in_district(
        address.get("postal_code"), location.get("latitude"), location.get("longitude")
    )


def sort_key(text: str) -> str:
    """How titles and names sort: accents, case and punctuation ignored."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain(text)).split())
